"""Work-up from the pump programmer (issue 19): the linked intrathecal patient's `workup` tests are
buttons on the pump's programmer; the results are the patient's events, shown in its tab's panel.

it_patient_catheter_occlusion: morphine 10 mg/mL at 5 mg/day = 0.5 mL/day from 20 mL; occluded on
day 10. On day 20 the pump expects 20 - 20 x 0.5 = 10.0 mL left; really 20 - 10 x 0.5 = 15.0 mL are
there: +5.0 mL held back. An occluded catheter aspirates no fluid (csf_ml 0)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.pump_programmer import PUMP_WORKUP_TESTS
from simulator.engine import Simulation
from simulator.event_kinds import K
from simulator.event_text import describe
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario

DAY_S = 86400.0


def _workups(sim):
    return [e for e in sim.recorder.events if e.device == "patient" and e.kind == K.PATIENT_WORKUP]


def test_workup_buttons_on_the_pump_programmer_reach_the_patient_panel(make_window, qtbot, no_dialogs):
    registry = default_registry()
    sim = Simulation(load_scenario("it_patient_catheter_occlusion", registry), registry=registry)
    window = make_window(sim, registry)
    window.runner.jump_to(20 * DAY_S, blocking=True)
    pp = window.device_views["pump"].extra["programmer"]
    assert pp.linked_it_patient() == "patient"
    assert pp.workup_box is not None and "patient" in pp.workup_box.title()
    assert list(pp.workup_buttons) == list(PUMP_WORKUP_TESTS)
    assert [b.text() for b in pp.workup_buttons.values()] == ["Port aspiration", "Contrast study", "Rotor study", "Refill discrepancy"]

    qtbot.mouseClick(pp.workup_buttons["refill_discrepancy"], Qt.MouseButton.LeftButton)
    assert no_dialogs.shown == []
    ev = _workups(sim)[-1]
    assert ev.t_s == pytest.approx(20 * DAY_S)
    assert ev.payload["test"] == "refill_discrepancy" and ev.payload["result"] == "more_than_expected"
    assert ev.payload["findings"]["held_back_ml"] == pytest.approx(5.0, abs=1e-6)  # 15.0 - 10.0 mL
    # through the action path: an action event of the patient at that time
    assert any(e.kind == K.ACTION and e.device == "patient" and e.t_s == ev.t_s for e in sim.recorder.events)

    qtbot.mouseClick(pp.workup_buttons["cap_aspiration"], Qt.MouseButton.LeftButton)
    asp = _workups(sim)[-1]
    assert asp.payload["test"] == "cap_aspiration" and asp.payload["findings"] == {"csf_ml": 0.0}

    window.refresh_views()
    panel = window.device_views["patient"].extra["panel"]
    assert panel.records()[:2] == [asp, ev]  # newest first
    assert panel.sentences()[0] == f"20d 00:00:00  {describe(asp)}"


def test_no_workup_group_without_a_linked_patient(make_window, qtbot, no_dialogs):
    from gui.scenario_io import default_scenario_path, open_scenario

    window = make_window(Simulation(open_scenario(default_scenario_path())))
    pp = window.device_views["pump"].extra["programmer"]
    assert pp.linked_it_patient() is None
    assert pp.workup_box is None and pp.workup_buttons == {}
