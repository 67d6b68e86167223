"""Each exercise's advice for its typical mistakes is reachable by making the mistake in the app
(the widgets a trainee uses), then 'Check my work'. (pump-dose-change: test_app_training_records.)"""
from __future__ import annotations

import pytest

from simulator.engine import Simulation

H = 3600.0


def _start(make_window, exercise_id: str):
    from gui.scenario_io import default_scenario_path, open_scenario

    window = make_window(Simulation(open_scenario(default_scenario_path())))
    panel = window.training_dock.widget()
    assert panel.start_exercise(exercise_id) is not None
    return window, panel, window.device_views["pump"].extra["programmer"] if "pump" in window.runner.sim.devices else None


def _refill(pp, *, aspirated=None, fill=None, bridge=None, answers=None, no_dialogs=None):
    wizard = pp.open_refill_wizard()
    try:
        if aspirated is not None:
            wizard.aspirated.setText(str(aspirated))
        wizard.next()
        if fill is not None:
            wizard.fill.setText(str(fill))
        wizard.next()
        if bridge is not None:
            wizard.bridge.setChecked(bridge)
        wizard.next()
        if answers and no_dialogs is not None:
            no_dialogs.answers.extend(answers)
        wizard.accept()
        return wizard.result_payload
    finally:
        wizard.close()
        wizard.deleteLater()


def test_concentration_bridge_mistakes(qtbot, make_window, no_dialogs):
    # mistake 1: the refill with the new concentration, the bridge bolus unticked
    window, panel, pp = _start(make_window, "pump-concentration-bridge")
    wizard = pp.open_refill_wizard()
    try:
        wizard.next()
        wizard.concentration.setText("20")
        wizard.fill.setText("17")
        wizard.next()
        wizard.bridge.setChecked(False)
        wizard.next()
        wizard.accept()
    finally:
        wizard.close()
        wizard.deleteLater()
    report = panel.check_work()
    assert "Program a bridge bolus with the refill" in report.item("bridge-given").advice
    assert "Without a bridge bolus the old, weaker drug" in report.item("no-dose-error").advice
    # mistake 2: keeping the old flow (0.2 mL/day) at 20 mg/mL programs 4 mg/day
    pp.mode_editor.continuous.set_dose(4)
    no_dialogs.answers.append(True)  # titration warning (+100 %) confirmed
    assert pp.transmit_pending()
    report = panel.check_work()
    assert "Keeping the old flow (0.2 mL/day) with 20 mg/mL drug programs 4 mg/day" in report.item("dose-kept").advice


def test_patient_bolus_mistakes(qtbot, make_window, no_dialogs):
    window, panel, pp = _start(make_window, "pump-patient-bolus")
    ed = pp.patient_editor
    ed.enabled.setChecked(True)
    ed.dose.setText("0.2")
    ed.duration.setText("15")
    ed.lockout.setText("3")  # the lockout in hours typed into the minutes box
    ed.max_per_day.setValue(4)
    assert not pp.transmit_patient_settings()  # the model refuses a lockout shorter than the 15 min bolus
    assert "lockout_min (3) must be at least duration_min (15)" in no_dialogs.texts()
    assert [(a.action, a.sent) for a in panel.current_attempt().actions] == [("set_patient_bolus", False)]
    report = panel.check_work()
    assert "The lockout is entered in minutes: 3 hours is 180 minutes" in report.item("settings").advice
    # a second attempt: 2 mg instead of 0.2 mg (2 + 4 x 2 = 10 mg/day stays under morphine's 15 mg/day: no warning)
    window, panel, pp = _start(make_window, "pump-patient-bolus")
    ed = pp.patient_editor
    ed.enabled.setChecked(True)
    ed.dose.setText("2")
    ed.duration.setText("15")
    ed.lockout.setText("180")
    ed.max_per_day.setValue(4)
    assert pp.transmit_patient_settings()
    report = panel.check_work()
    item = report.item("settings")
    assert item.explanation.endswith("bolus dose (mg) was 2, expected 0.2")
    assert item.advice.startswith("The bolus dose is in mg: 0.2 mg, not 2 mg.")


def test_refill_discrepancy_mistakes(qtbot, make_window, no_dialogs):
    # mistake 1: writing down the expected residual (20 - 45 x 0.3 = 6.5 mL) instead of the measured one
    window, panel, pp = _start(make_window, "pump-refill-discrepancy")
    # (the pump holds 8.39 mL: 6.5 drawn leaves 1.89 mL, so only 13.5 mL more fits under 20 mL in this test's fill)
    _refill(pp, aspirated=6.5, fill=13.5)
    report = panel.check_work()
    assert "Aspirate ALL of the residual" in report.item("discrepancy-found").advice
    assert "After aspirating only part of the residual" in report.item("refill-done").advice
    # mistake 2: filling beyond the 20 mL reservoir: the field turns red, nothing is sent, the attempt records it
    window, panel, pp = _start(make_window, "pump-refill-discrepancy")
    _refill(pp, fill=22)
    assert "fix the fields marked red" in no_dialogs.texts()
    attempt = panel.current_attempt()
    assert [(a.action, a.sent) for a in attempt.actions] == [("refill", False)]
    report = panel.check_work()
    assert "The reservoir holds 20 mL. Forcing more in" in report.item("refill-done").advice


def test_alarm_mistake_acknowledge_without_refill(qtbot, make_window, no_dialogs):
    window, panel, pp = _start(make_window, "pump-alarms")
    sim = window.runner.sim
    window.runner.jump_to(12 * H + 60, blocking=True)  # the low-reservoir alarm sounded at 12:00
    assert window.alarm_panel.acknowledge("pump", "low_reservoir")
    report = panel.check_work()
    assert "Acknowledging the low-reservoir alarm only silences it" in report.item("refilled").advice
    assert sim.now == pytest.approx(12 * H + 60)


def _scs_start(make_window, exercise_id: str):
    from gui.scenario_io import default_scenario_path, open_scenario

    window = make_window(Simulation(open_scenario(default_scenario_path())))
    panel = window.training_dock.widget()
    assert panel.start_exercise(exercise_id) is not None
    return window, panel, window.device_views["ipg"].extra["programmer"]


def test_electrode_config_mistake_single_cathode_at_9_ma(qtbot, make_window, no_dialogs):
    # 9 mA x 500 us = 4.5 uC per phase on one 0.1225 cm2 contact: 36.7 uC/cm2, over 30
    window, panel, prog = _scs_start(make_window, "scs-electrode-config")
    prog.cycle_contact("E2")  # cathode -> anode
    prog.cycle_contact("E2")  # anode -> off
    prog.cycle_contact("E3")
    prog.cycle_contact("E3")
    prog.cycle_contact("E7")  # off -> cathode (T9)
    prog.cycle_contact("E8")
    prog.cycle_contact("E8")  # off -> cathode -> anode
    prog.editor.amplitude.setText("9")
    no_dialogs.answers.append(True)  # the charge-density warning is sent past
    prog.transmit_pending()
    report = panel.check_work()
    item = report.item("density-ok")
    assert not item.passed and "36.73 uC/cm2 (9 mA)" in item.explanation
    assert "One cathode and one anode each carry all 9 mA" in item.advice
    assert report.item("program-sent").passed  # the prescribed 9 mA, 500 us, 50 Hz was sent (past the warning)


def test_battery_life_mistake_lowering_the_amplitude(qtbot, make_window, no_dialogs):
    window, panel, prog = _scs_start(make_window, "scs-battery-life")
    prog.editor.amplitude.setText("0.3")
    no_dialogs.answers.extend([True, True])
    assert prog.transmit_pending()
    report = panel.check_work()
    assert "Lowering the amplitude below the 0.6 mA the patient needs" in report.item("therapy-kept").advice


def test_impedance_fault_mistake_reprogramming_without_a_check(qtbot, make_window, no_dialogs):
    window, panel, prog = _scs_start(make_window, "scs-impedance-fault")
    prog.editor.amplitude.setText(str(prog.editor.amplitude.value() + 1))
    no_dialogs.answers.extend([True, True])
    prog.transmit_pending()
    report = panel.check_work()
    assert "Run an impedance check first" in report.item("checked").advice
