"""Each virtual-patient exercise's typical mistake is reachable in the app: the mistake is made
with the widgets a trainee uses (the stimulator programmer, its patient-limits box, the time
controls' jump, the training dock's answer boxes), then 'Check my work' shows its advice.
(Figures behind the mistakes: tests/training/test_patient_exercises.py.)"""
from __future__ import annotations

from simulator.engine import Simulation

DAY_S = 86400.0


def _start(make_window, exercise_id: str, device: str = "ipg"):
    from gui.scenario_io import default_scenario_path, open_scenario

    window = make_window(Simulation(open_scenario(default_scenario_path())))
    panel = window.training_dock.widget()
    assert panel.start_exercise(exercise_id) is not None
    return window, panel, window.device_views[device].extra["programmer"]


def _send_amplitude(prog, no_dialogs, amplitude_ma: float) -> None:
    prog.editor.amplitude.setValue(amplitude_ma)
    no_dialogs.answers.extend([True, True])  # any warning is confirmed, as a trainee might
    assert prog.transmit_pending()


def test_leg_coverage_mistake_cathode_left_at_t10(qtbot, make_window, no_dialogs):
    # the stored program keeps its cathode on E7 (T10 beside the midline): abdomen and 59 % coverage
    window, panel, prog = _start(make_window, "scs-patient-leg-coverage")
    _send_amplitude(prog, no_dialogs, 5.5)
    report = panel.check_work()
    assert "The cathode lies at T10" in report.item("no-abdomen").advice
    assert "59.37 %" in report.item("leg-covered").explanation
    assert report.score == 9 - 3 - 3
    assert "The cathode lies at T10" in panel.result.toPlainText()  # shown in the dock


def test_thresholds_mistake_remote_maximum_above_discomfort(qtbot, make_window, no_dialogs):
    window, panel, prog = _start(make_window, "scs-patient-thresholds")
    box = prog.limits_box
    _send_amplitude(prog, no_dialogs, 4.8)  # the patient first feels it
    _send_amplitude(prog, no_dialogs, 8.1)  # the last step before 'uncomfortable'
    _send_amplitude(prog, no_dialogs, 5.5)
    # recorded after the last program transmission: sending the program form again stores the
    # program as the form has it, without the recorded thresholds (the task says so)
    box.threshold.setValue(4.8)
    assert box.record("perception")
    box.maxtol.setValue(8.1)
    assert box.record("max_tolerable")
    prog.editor.patient_min.setValue(4.8)
    prog.editor.patient_max.setValue(10.0)  # above the 8.127 mA discomfort threshold
    no_dialogs.answers.extend([True, True])
    assert box.send_limits()
    report = panel.check_work()
    item = report.item("remote-range")
    assert not item.passed and "at home the patient can turn the stimulation into pain" in item.advice
    assert report.item("perception-recorded").passed and report.item("maxtol-recorded").passed
    assert report.score == 9 - 3


def test_migration_mistake_amplitude_turned_up_on_the_old_contacts(qtbot, make_window, no_dialogs):
    window, panel, prog = _start(make_window, "scs-patient-migration")
    _send_amplitude(prog, no_dialogs, 8.0)
    panel.set_answer("conclusion", "reprogrammed: contacts still reach the leg segment")
    report = panel.check_work()
    assert "Turning the amplitude up to chase lost coverage" in report.item("comfortable").advice
    assert "raising the amplitude on the old contacts" in report.item("leg-covered").advice
    assert report.item("conclusion-answer").passed


def test_10khz_mistake_a_new_bipole_every_day(qtbot, make_window, no_dialogs):
    window, panel, prog = _start(make_window, "scs-patient-10khz-bipole")
    _send_amplitude(prog, no_dialogs, 2.0)  # bipole A: E1+ E2-
    window.runner.jump_to(1 * DAY_S, blocking=True)
    prog.cycle_contact("E1")  # anode -> off
    prog.cycle_contact("E2")
    prog.cycle_contact("E2")  # cathode -> anode -> off
    prog.cycle_contact("E8")  # off -> cathode
    prog.cycle_contact("E7")
    prog.cycle_contact("E7")  # off -> cathode -> anode: bipole B
    _send_amplitude(prog, no_dialogs, 2.0)
    report = panel.check_work()
    item = report.item("patience")
    assert not item.passed and "10 kHz relief builds over days" in item.advice
    assert "changed after 0d 23:00:00" in item.explanation  # A sent at 1 h, B at 1 day


def test_trial_mistake_implanting_after_a_failed_trial(qtbot, make_window, no_dialogs):
    window, panel, prog = _start(make_window, "scs-patient-trial-decision", device="trial")
    _send_amplitude(prog, no_dialogs, 14.0)
    window.runner.jump_to(7 * DAY_S + 3600.0, blocking=True)  # the verdict comes at the end of day 7
    snap = window.runner.sim.devices["patient"].snapshot()
    assert snap.trial is not None and snap.trial["passed"] is False
    panel.set_answer("trial-relief", "21.25")
    panel.set_answer("decision", "implant the permanent system")
    report = panel.check_work()
    assert "yet you chose to implant" in report.item("decision-follows-diary").advice
    assert report.item("relief-worked-out").passed
    assert report.score == 9 - 3


def test_non_responder_mistake_reprogramming_again_and_again(qtbot, make_window, no_dialogs):
    window, panel, prog = _start(make_window, "scs-patient-non-responder")
    start = window.runner.sim.now
    for day, amp in enumerate((7.0, 7.5, 7.0, 6.5)):  # a new setting at every visit
        window.runner.jump_to(start + day * DAY_S + 600.0, blocking=True)
        _send_amplitude(prog, no_dialogs, amp)
    panel.set_answer("relief", "25")
    panel.set_answer("conclusion", "too early to judge: keep reprogramming")
    report = panel.check_work()
    assert "4 reprogramming change(s)" in report.item("not-forever").explanation
    assert "does not turn a non-responder into a responder" in report.item("not-forever").advice
    assert "Endless reprogramming of a non-responder" in report.item("conclusion-answer").advice
    assert report.score == 9 - 2 - 3


def test_migration_revision_mistake_abdomen_left_on(qtbot, make_window, no_dialogs):
    # the trainee tries the top contact (E1, now at T10: the belly tingles), concludes revision,
    # and leaves it running
    window, panel, prog = _start(make_window, "scs-patient-migration-revision")
    prog.cycle_contact("E3")
    prog.cycle_contact("E3")  # cathode -> anode -> off
    prog.cycle_contact("E2")  # anode -> off
    prog.cycle_contact("E1")  # off -> cathode
    prog.cycle_contact("E2")
    prog.cycle_contact("E2")  # off -> cathode -> anode
    _send_amplitude(prog, no_dialogs, 5.5)
    panel.set_answer("conclusion", "revision: no contact can cover the leg")
    report = panel.check_work()
    assert "Turn the stimulation off" in report.item("no-abdomen").advice
    assert report.item("conclusion-answer").passed and report.score == 6 - 2
