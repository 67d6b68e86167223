"""The intrathecal patient's tab: plots, 'patient says / nurse observes', work-up from the app.

Figures worked by hand from the bundled scenarios:

it_patient_catheter_occlusion: morphine 10 mg/mL at 5 mg/day is 5 / 10 = 0.5 mL/day; 20 mL in the
pump. The catheter occludes on day 10, so the pump really empties 10 x 0.5 = 5 mL and 15 mL are
left at the day-30 refill where it expects 20 - 30 x 0.5 = 5 mL: +10 mL. A port aspiration of an
occluded catheter returns nothing (no fluid, csf_ml 0); after the revision on day 31 clear CSF
returns freely.

it_patient_baclofen_missed_refill: baclofen 500 mcg/mL at 400 mcg/day is 0.8 mL/day; 20 mL empty
after 20 / 0.8 = 25 days. Mild withdrawal 31.92 h after the empty date (worked in
tests/patient/test_intrathecal_scenarios.py): 25 d x 24 + 31.92 = 631.92 h = 26.33 d; moderate at
49.2 h: 649.2 h = 27.05 d. So on day 26.5 (636 h) the stage is mild, on day 26.2 (628.8 h) none.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from gui.it_patient_view import PANEL_KINDS, STAGE_LEVEL

from simulator.engine import Simulation
from simulator.event_kinds import K
from simulator.event_text import describe
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DAY_S = 86400.0
H_S = 3600.0


def _window(make_window, name):
    registry = default_registry()
    sim = Simulation(load_scenario(name, registry), registry=registry)
    return make_window(sim, registry)


def _view(window):
    window.show_view("patient")
    window.refresh_views()
    return window.device_views["patient"].extra["it_patient_view"]


def _workups(sim):
    return [e for e in sim.recorder.events if e.device == "patient" and e.kind == K.PATIENT_WORKUP]


def test_the_intrathecal_patient_has_a_tab_next_to_the_pump(make_window):
    window = _window(make_window, "it_patient_catheter_occlusion")
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles.index("Patient (patient)") == titles.index("Pump (pump)") + 1
    view = _view(window)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Patient (patient)"
    # every label of the patient says it is an approximation for teaching
    assert view.label.isVisible() and "approximation for teaching" in view.label.text()
    assert all("approximation for teaching" in t for t in view.teaching_labels())
    # pain, spasticity (this patient has none: no plot), CNS indices, withdrawal stage, tip
    assert set(view.plots.plots) == {"pain", "cns", "withdrawal", "tip"}


def test_port_aspiration_from_the_app_after_the_occlusion_and_the_refill(make_window, qtbot, no_dialogs):
    window = _window(make_window, "it_patient_catheter_occlusion")
    sim = window.runner.sim
    window.runner.jump_to(30.5 * DAY_S, blocking=True)
    view = _view(window)
    # the refill discrepancy of day 30 is in the panel, with the figures worked by hand
    refill = next(s for s in view.panel.sentences() if "refill discrepancy" in s)
    assert "15.0 mL aspirated where 5.0 mL were expected (+10.0 mL" in refill
    assert refill.startswith("30d")
    before = len(_workups(sim))
    qtbot.mouseClick(view.workup_buttons["cap_aspiration"], Qt.MouseButton.LeftButton)
    assert no_dialogs.shown == []  # accepted, nothing refused
    new = _workups(sim)[before:]
    assert len(new) == 1
    ev = new[0]
    assert ev.t_s == pytest.approx(30.5 * DAY_S)
    assert ev.payload["test"] == "cap_aspiration"
    # by hand: an occluded catheter returns no fluid
    assert ev.payload["result"] == "no_aspirate" and ev.payload["findings"] == {"csf_ml": 0.0}
    assert sim.devices["patient"].snapshot().catheter == "occlusion"
    # the action went through the action path (an action event of the patient)
    assert any(e.kind == K.ACTION and e.device == "patient" and e.t_s == ev.t_s for e in sim.recorder.events)
    # the panel shows it on top, as the core's sentence, shaded as a work-up row
    top = view.panel.sentences()[0]
    assert top == f"30d 12:00:00  {describe(ev)}"
    assert "cannot aspirate" in top and "no fluid returns" in top
    assert view.panel.records()[0] is ev
    assert view.panel.item(0).font().bold()
    # the withdrawal since the occlusion shows in the status and on the stage plot (severe = 3)
    assert "withdrawal: opioid severe" in view.status.text()
    assert "catheter: occlusion" in view.status.text()
    levels = view.plots.stage_levels("opioid")
    assert [lv for _t, lv in levels] == [0, 1, 2, 3]
    assert all(10 * DAY_S < t < 12 * DAY_S for t, _ in levels[1:])  # after the occlusion on day 10
    # the pain plot ends at the snapshot's NRS now (baseline 8: no drug reaches the CSF)
    x, y = view.plots.curves["pain"][0].item.getData()
    assert x[-1] == pytest.approx(30.5) and y[-1] == pytest.approx(sim.devices["patient"].snapshot().nrs)
    assert y[-1] == pytest.approx(8.0, abs=0.01)


def test_after_the_revision_the_port_aspirates_csf(make_window, qtbot, no_dialogs):
    window = _window(make_window, "it_patient_catheter_occlusion")
    sim = window.runner.sim
    window.runner.jump_to(31.25 * DAY_S, blocking=True)
    view = _view(window)
    assert "catheter: patent" in view.status.text()
    result = view.run_workup("cap_aspiration")
    assert result
    ev = _workups(sim)[-1]
    assert ev.payload["result"] == "csf_aspirated" and ev.payload["findings"] == {"csf_ml": 2.0}
    assert view.panel.sentences()[0] == f"31d 06:00:00  {describe(ev)}"
    assert "clear CSF aspirated freely" in view.panel.sentences()[0]
    # asking the patient from the app: the report is the snapshot's state now
    view.ask_button.click()
    report = view.panel.records()[0]
    assert report.kind == K.PATIENT_IT_REPORT and report.t_s == pytest.approx(31.25 * DAY_S)
    assert report.payload["nrs"] == pytest.approx(sim.devices["patient"].snapshot().nrs)
    assert view.panel.sentences()[0].startswith("31d 06:00:00  Patient says: my pain is")


def test_educator_fault_and_repair_from_the_app(make_window, no_dialogs):
    window = _window(make_window, "it_patient_catheter_occlusion")
    sim = window.runner.sim
    window.runner.jump_to(2 * DAY_S, blocking=True)
    view = _view(window)
    view.fault_combo.setCurrentText("disconnection")
    view.inject_button.click()
    assert sim.devices["patient"].snapshot().catheter == "disconnection"
    top = view.panel.records()[0]
    assert top.kind == K.PATIENT_CATHETER and top.payload["fault"] == "disconnection"
    assert top.payload["to_csf_fraction"] == 0.0  # a disconnected catheter: nothing reaches the CSF
    assert "catheter: disconnection" in view.status.text()
    # a second fault is refused by the device (revise first): said, not applied
    view.inject_button.click()
    assert "refused" in no_dialogs.texts() or "revise it first" in no_dialogs.texts()
    assert sim.devices["patient"].snapshot().catheter == "disconnection"
    view.repair_button.click()
    assert sim.devices["patient"].snapshot().catheter == "patent"
    assert view.panel.records()[0].payload["fault"] == "patent"


def test_the_missed_refill_shows_the_baclofen_withdrawal_after_its_onset(make_window):
    window = _window(make_window, "it_patient_baclofen_missed_refill")
    window.runner.jump_to(26.2 * DAY_S, blocking=True)
    view = _view(window)
    assert "withdrawal: none" in view.status.text()
    assert view.plots.stage_levels("baclofen") == []
    assert "modified Ashworth" in view.status.text() and "spasticity" in view.plots.plots
    window.runner.jump_to(26.5 * DAY_S, blocking=True)
    window.refresh_views()
    assert "withdrawal: baclofen mild" in view.status.text()
    levels = view.plots.stage_levels("baclofen")
    assert [lv for _t, lv in levels] == [0, 1]
    # mild at 25 d + 31.92 h (hand-worked onset, see the module docstring)
    assert levels[1][0] / H_S == pytest.approx(25 * 24 + 31.92, abs=0.1)
    sentences = view.panel.sentences()
    assert any("Baclofen withdrawal mild (was none)" in s for s in sentences)
    # the scenario asks the patient at 26.5 d: the nurse's observation names the mild withdrawal
    assert sentences[0].startswith("26d 12:00:00  Patient says:") and "baclofen withdrawal mild" in sentences[0]
    # stage drawn to now at level 1
    x, y = view.plots.curves["withdrawal"][0].item.getData()
    assert x[-1] == pytest.approx(26.5) and y[-1] == 1


def test_the_view_follows_a_timeline_action_while_stepping_and_a_new_scenario(make_window):
    window = _window(make_window, "it_patient_catheter_occlusion")
    window.runner.jump_to(9.9 * DAY_S, blocking=True)
    view = _view(window)
    assert "catheter: patent" in view.status.text()
    # step over the timeline's catheter fault at 10 d: the panel and the status follow
    window.runner.step(0.2 * DAY_S)
    window.refresh_views()
    assert "catheter: occlusion" in view.status.text()
    cath = [r for r in view.panel.records() if r.kind == K.PATIENT_CATHETER]
    assert len(cath) == 1 and cath[0].t_s == pytest.approx(10 * DAY_S) and cath[0].payload["fault"] == "occlusion"
    # opening another scenario rebuilds the tab on the new patient (spasticity: an Ashworth plot)
    assert window.open_scenario(str(ROOT / "scenarios" / "it_patient_baclofen_missed_refill.yaml"), ask=False)
    new_view = _view(window)
    assert new_view is not view
    assert "spasticity" in new_view.plots.plots
    assert "withdrawal: none" in new_view.status.text() and new_view.panel.records() == []


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(times_d=st.lists(st.floats(min_value=0.0, max_value=33.0), min_size=1, max_size=3).map(sorted))
def test_after_any_jumps_the_view_agrees_with_the_events_and_the_snapshot(make_window, times_d):
    """Invariants at any time of the occlusion scenario: the panel lists exactly the patient's
    panel events so far, newest first; each withdrawal stage plot ends at the snapshot's stage;
    the status names the snapshot's catheter state."""
    registry = default_registry()
    window = make_window(Simulation(load_scenario("it_patient_catheter_occlusion", registry), registry=registry), registry)
    for t_d in times_d:
        window.runner.jump_to(t_d * DAY_S, blocking=True)
        view = _view(window)
        sim = window.runner.sim
        snap = sim.devices["patient"].snapshot()
        expected = [e for e in sim.recorder.events if e.device == "patient" and e.kind in PANEL_KINDS]
        assert view.panel.records() == expected[::-1]
        for picture, stage in snap.withdrawal_stage.items():
            levels = view.plots.stage_levels(picture)
            assert (levels[-1][1] if levels else 0) == STAGE_LEVEL[stage]
        assert f"catheter: {snap.catheter.replace('_', ' ')}" in view.status.text()


def test_a_refill_discrepancy_check_from_the_app_before_the_refill(make_window, qtbot, no_dialogs):
    # day 20, occluded since day 10: the pump expects 20 - 20 x 0.5 = 10.0 mL left; really
    # 20 - 10 x 0.5 = 15.0 mL are there (10 days x 0.5 mL/day held back = 5.0 mL): +5.0 mL,
    # flagged (beyond the pump profile's refill tolerance)
    window = _window(make_window, "it_patient_catheter_occlusion")
    window.runner.jump_to(20 * DAY_S, blocking=True)
    view = _view(window)
    qtbot.mouseClick(view.workup_buttons["refill_discrepancy"], Qt.MouseButton.LeftButton)
    ev = _workups(window.runner.sim)[-1]
    assert ev.payload["test"] == "refill_discrepancy" and ev.payload["result"] == "more_than_expected"
    f = ev.payload["findings"]
    assert f["expected_residual_ml"] == pytest.approx(10.0, abs=1e-6)
    assert f["aspirated_ml"] == pytest.approx(15.0, abs=1e-6)
    assert f["held_back_ml"] == pytest.approx(5.0, abs=1e-6)
    top = view.panel.sentences()[0]
    assert top.startswith("20d 00:00:00  Work-up, refill discrepancy:")
    assert "an aspiration now would return 15.0 mL where the pump expects 10.0 mL (+5.0 mL" in top
