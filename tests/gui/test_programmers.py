"""The programmers on the bundled default scenario (stimulator 'ipg', morphine pump 'pump')."""
from __future__ import annotations

import numpy as np
import pytest

from gui.scenario_io import default_scenario_path, open_scenario
from simulator.engine import Simulation

DAY_S = 86400.0


@pytest.fixture
def default_sim():
    return Simulation(open_scenario(default_scenario_path()))


def _peak_ma(scope) -> float:
    return max(float(np.max(np.abs(v))) for v in scope.last_traces.values())


def test_program_change_transmitted_reaches_simulation_and_scope(qtbot, default_sim, make_window, no_dialogs):
    window = make_window(default_sim)
    views = window.device_views["ipg"]
    window.tabs.setCurrentWidget(views.tab)
    window.runner.step(1.0)
    scope = views.extra["tab_scope"]
    assert _peak_ma(scope) == pytest.approx(5.0, rel=1e-3)  # the nominal tonic program
    prog = views.extra["programmer"]
    prog.editor.amplitude.setValue(3.2)
    prog.editor.pulse_width.setValue(200)
    assert prog.pending and default_sim.devices["ipg"].programs["tonic"].amplitude_ma == 5.0
    assert prog.transmit_pending()
    program = default_sim.devices["ipg"].programs["tonic"]
    assert (program.amplitude_ma, program.pulse_width_us) == (3.2, 200.0)
    assert not prog.pending
    window.runner.step(1.0)
    assert _peak_ma(scope) == pytest.approx(3.2, rel=1e-3)
    # the cathodic phase lasts 200 us: count samples of E2 below half the amplitude
    e2 = scope.last_traces["E2"]
    pulses = int(np.sum(np.diff((e2 < -1.6).astype(int), prepend=0) == 1))
    width_us = np.sum(e2 < -1.6) / scope.last_sample_rate_hz / max(pulses, 1) * 1e6
    assert width_us == pytest.approx(200.0, rel=0.05)
    assert any(r.kind == "program.transmitted" for r in window.event_log.model.records)
    assert not no_dialogs.shown


def test_clicking_contacts_edits_the_pending_configuration(qtbot, default_sim, make_window, no_dialogs):
    from PySide6.QtCore import Qt

    window = make_window(default_sim)
    views = window.device_views["ipg"]
    window.tabs.setCurrentWidget(views.tab)
    prog = views.extra["programmer"]
    qtbot.mouseClick(prog.diagram, Qt.MouseButton.LeftButton, pos=prog.diagram.center_of("E5").toPoint())
    assert prog.contacts["E5"] == ("-", None)
    assert prog.editor.amplitude.value() == 0.0  # a new configuration starts at 0 mA
    qtbot.mouseClick(prog.diagram, Qt.MouseButton.LeftButton, pos=prog.diagram.center_of("E5").toPoint())
    assert prog.contacts["E5"] == ("+", None)
    assert default_sim.devices["ipg"].programs["tonic"].contacts.keys() == {"E2", "E3"}


def test_invalid_stimulator_entries_are_refused_with_a_message(qtbot, default_sim, make_window, no_dialogs):
    window = make_window(default_sim)
    prog = window.device_views["ipg"].extra["programmer"]
    before = default_sim.devices["ipg"].programs["tonic"]
    n_actions = len(default_sim.applied_actions)
    # a name the program model does not accept
    prog.editor.name_edit.setText("bad/name")
    assert not prog.transmit_pending()
    assert "invalid entry" in no_dialogs.shown[-1][0] and "name" in no_dialogs.shown[-1][1]
    prog.revert()
    # over the charge-density limit (policy warn): the user declines, nothing is sent
    prog.editor.pulse_width.setValue(1000)
    prog.editor.amplitude.setValue(12.0)
    no_dialogs.answers.append(False)
    assert not prog.transmit_pending()
    assert "charge" in no_dialogs.shown[-1][1].lower() and "uC/cm" in prog.gauge.format()
    # only anodes: no cathode
    prog.revert()
    prog.cycle_contact("E2")  # cathode -> anode
    assert not prog.transmit_pending()
    assert default_sim.devices["ipg"].programs["tonic"] == before
    assert len(default_sim.applied_actions) == n_actions


def test_invalid_pump_entries_are_refused_and_change_nothing(qtbot, default_sim, make_window, no_dialogs):
    window = make_window(default_sim)
    pp = window.device_views["pump"].extra["programmer"]
    pump = default_sim.devices["pump"]
    n_actions = len(default_sim.applied_actions)
    pp.mode_editor.mode_combo.setCurrentText("flex")
    pp.mode_editor.flex_table.setRowCount(0)
    pp.mode_editor.add_flex_step("25:00", 2.0)
    assert not pp.transmit_pending()
    assert "start" in no_dialogs.shown[-1][1]
    pp.mode_editor.mode_combo.setCurrentText("continuous")
    pp.mode_editor.continuous.set_dose(20.0)  # morphine daily maximum is 15 mg/day
    assert pp.mode_editor.continuous.volume.value() == pytest.approx(2.0)  # 20 mg/day at 10 mg/mL
    assert not pp.transmit_pending()
    assert "max_daily_dose" in no_dialogs.texts() or "daily" in no_dialogs.shown[-1][1]
    assert pump.therapy.program.mode_name == "continuous" and pump.therapy.program.doses == [3.0]
    assert len(default_sim.applied_actions) == n_actions
    # a valid change goes through
    # a valid change: +33 % breaks the titration rule (warn); the user accepts the warning
    pp.mode_editor.continuous.set_dose(4.0)
    no_dialogs.answers.append(True)
    assert pp.transmit_pending()
    assert "titration" in no_dialogs.shown[-1][1]
    assert pump.therapy.program.doses == [4.0]
    # accepting the drug-library warning is a confirmation: recorded as an override, not a warning
    overrides = [e for e in default_sim.recorder.events if e.kind == "override"]
    assert [e.payload["limit"] for e in overrides] == ["titration.max_increase_pct"]
    assert pump.current_rate_ml_per_day() == pytest.approx(0.4)


def test_refill_wizard_with_concentration_change_and_bridge_bolus(qtbot, default_sim, make_window, no_dialogs):
    window = make_window(default_sim)
    window.runner.jump_to(30 * DAY_S, blocking=True)
    pump = default_sim.devices["pump"]
    residual = pump.reservoir_ml_at(default_sim.now)
    pp = window.device_views["pump"].extra["programmer"]
    wizard = pp.open_refill_wizard()
    try:
        assert wizard.aspirated.value() == pytest.approx(residual, abs=0.01)
        assert "within the tolerance" in wizard.compare.text()
        wizard.next()
        wizard.concentration.setValue(20.0)
        wizard.fill.setValue(20.0)
        wizard.next()
        assert wizard.concentration_changed() and wizard.bridge.isChecked()
        assert "0.3 to 0.15 mL/day" in wizard.change_text.text()
        wizard.next()
        assert "Bridge bolus: yes" in wizard.summary.text()
        wizard.accept()  # Finish: checks and transmits
        assert wizard.result_payload is not None and "bridge" in wizard.result_payload
    finally:
        wizard.close()
        wizard.deleteLater()
    assert pump.therapy.conc_prog == 20.0
    assert pump.reservoir_ml_at(default_sim.now) == pytest.approx(20.0)
    assert pump.therapy.program.doses == [3.0]  # the dose program is kept: the rate halves
    kinds = [r.kind for r in window.event_log.model.records]
    assert "refill.completed" in kinds and "bolus.start" in kinds
    assert not [r for r in window.event_log.model.records if r.kind == "dose_error.concentration_change" and not r.payload.get("bridged")]
    assert not no_dialogs.shown


def test_refill_wizard_refuses_overfill_and_keeps_state(qtbot, default_sim, make_window, no_dialogs):
    window = make_window(default_sim)
    window.runner.jump_to(10 * DAY_S, blocking=True)
    pump = default_sim.devices["pump"]
    before = pump.reservoir_ml_at(default_sim.now)
    wizard = window.device_views["pump"].extra["programmer"].open_refill_wizard()
    try:
        wizard.aspirated.setValue(0.0)  # nothing drawn out: 15 mL left + 20 mL is beyond 20 mL
        wizard.next()
        wizard.next()
        wizard.next()
        wizard.accept()
        assert wizard.isVisible() and wizard.result_payload is None
        assert "capacity" in no_dialogs.shown[-1][1]
    finally:
        wizard.close()
        wizard.deleteLater()
    assert pump.reservoir_ml_at(default_sim.now) == pytest.approx(before)


def test_alarm_raised_shown_sounded_and_acknowledged(qtbot, default_sim, make_window, no_dialogs, monkeypatch):
    window = make_window(default_sim)
    beeps = window.alarm_panel.player.played  # the tones asked for (offscreen nothing sounds)
    pump = default_sim.devices["pump"]
    t_low = pump.predicted_low_reservoir_t_s()
    window.runner.jump_to(t_low + 60.0, blocking=True)
    panel = window.alarm_panel
    assert [(d, a["alarm"]) for d, a in panel._rows] == [("pump", "low_reservoir")]
    assert panel.table.item(0, 5).text() == "sounding" and beeps
    assert "1 not acknowledged" in panel.title.text()
    panel.mute_box.setChecked(True)
    n = len(beeps)
    window.runner.step(3600.0)  # the tone repeats hourly; muted, the app stays silent
    assert len(beeps) == n
    assert panel.acknowledge_selected()
    alarm = pump.active_alarms()[0]
    assert alarm["acknowledged_t_s"] == pytest.approx(default_sim.now)
    assert panel.table.item(0, 5).text().startswith("acknowledged")
    assert window.event_log.model.records[-1].kind == "alarm.acknowledged"
    assert not no_dialogs.shown


def test_patient_limits_groups_cycling_and_perception_estimate(qtbot, default_sim, make_window, no_dialogs):
    window = make_window(default_sim)
    prog = window.device_views["ipg"].extra["programmer"]
    ipg = default_sim.devices["ipg"]
    # the comfort estimate beside the editor is the model's, labelled an approximation
    est = ipg.perception_estimate(prog.pending_program())
    assert f"{est['perception_threshold_ma']:.2f} mA" in prog.perception_text.text()
    assert "approximation" in prog.perception_box.title().lower()
    box = prog.limits_box
    box.threshold.setValue(3.0)
    assert box.record("perception")
    box.maxtol.setValue(7.0)
    assert box.record("max_tolerable")
    assert ipg.programs["tonic"].perception_threshold_ma == 3.0 and ipg.programs["tonic"].max_tolerable_ma == 7.0
    box.bypass.setChecked(True)
    assert box.send_bypass() and "tonic" in ipg.programs.maxtol_bypass
    box.rate_locked.setChecked(False)
    assert box.send_limits() and not ipg.programs["tonic"].patient_rate_locked
    assert "7 mA" in box.summary.text()
    # groups: store and run, then an invalid name is refused with a message
    groups = prog.groups_box
    groups.name_edit.setText("all day")
    groups.members.item(0).setCheckState(groups.members.item(0).checkState().Checked)
    assert groups.store(activate=True)
    assert ipg.programs.groups == {"all day": ["tonic"]} and ipg.programs.active_group == "all day"
    groups.name_edit.setText("bad+name")
    assert not groups.store() and "invalid entry" in no_dialogs.shown[-1][0]
    # cycling with ramps through set_cycling
    prog.editor.cycling.setChecked(True)
    prog.editor.on_s.setValue(30.0)
    prog.editor.off_s.setValue(60.0)
    prog.editor.soft_start.setValue(2.0)
    assert prog.transmit_cycling()
    p = ipg.programs["tonic"]
    assert p.cycling.on_s == 30.0 and p.cycling.off_s == 60.0 and p.soft_start_s == 2.0


def test_flex_table_cells_are_validated_before_transmit(qtbot, default_sim, make_window, no_dialogs):
    window = make_window(default_sim)
    pp = window.device_views["pump"].extra["programmer"]
    ed = pp.mode_editor
    n_actions = len(default_sim.applied_actions)
    ed.mode_combo.setCurrentText("flex")
    ed.flex_table.setRowCount(0)
    ed.add_flex_step("08:00", 2.0)
    ed.add_flex_step("8:70", 2.0)
    ed.add_flex_step("08:00", 1.0)
    ed.add_flex_step("20:00", 0.0)
    ed.flex_table.item(3, 1).setText("lots")
    problems = ed.flex_problems()
    assert set(problems) == {(1, 0), (2, 0), (3, 1)}
    assert "HH:MM" in problems[(1, 0)] and "step 1" in problems[(2, 0)] and "not a number" in problems[(3, 1)]
    assert ed.flex_table.item(1, 0).toolTip() == problems[(1, 0)]
    assert not pp.transmit_pending()
    assert "marked" in no_dialogs.shown[-1][0] and "step 2, start" in no_dialogs.shown[-1][1]
    assert len(default_sim.applied_actions) == n_actions
    ed.flex_table.item(1, 0).setText("12:00")
    ed.flex_table.item(2, 0).setText("16:00")
    ed.flex_table.item(3, 1).setText("1.5")
    assert ed.flex_problems() == {} and not ed.flex_problems_label.isVisible()
