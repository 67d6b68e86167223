"""Each intrathecal-patient exercise's typical mistake is reachable in the app, made with the
widgets a trainee uses (the pump programmer's mode editor and refill wizard, the time controls'
jump, the training dock's answer boxes), then 'Check my work' shows its advice.
(Scores and figures worked by hand: tests/training/test_it_exercises.py.)

The mixture refill is made with the refill wizard's admixture fields and the occlusion work-up with
the pump programmer's "Work-up (patient)" group; the other mistakes through the pump programmer and
the answers (the patient's "ask" is sent from the patient tab, not scripted here)."""
from __future__ import annotations

from simulator.engine import Simulation

H = 3600.0
DAY_S = 86400.0


def _start(make_window, exercise_id: str):
    from gui.scenario_io import default_scenario_path, open_scenario

    window = make_window(Simulation(open_scenario(default_scenario_path())))
    panel = window.training_dock.widget()
    assert panel.start_exercise(exercise_id) is not None
    return window, panel, window.device_views["pump"].extra["programmer"]


def _refill(pp, fill: float) -> None:
    wizard = pp.open_refill_wizard()
    try:
        wizard.next()
        wizard.fill.setText(str(fill))
        wizard.next()
        wizard.next()
        wizard.accept()
    finally:
        wizard.close()
        wizard.deleteLater()


def _program(pp, no_dialogs, dose: float) -> None:
    pp.mode_editor.mode_combo.setCurrentText("continuous")  # the new pump of the conversion starts stopped
    pp.mode_editor.continuous.set_dose(dose)
    no_dialogs.answers.extend([True, True])  # any warning confirmed, as a trainee might
    assert pp.transmit_pending()


def test_withdrawal_mistake_dose_raised_blindly(qtbot, make_window, no_dialogs):
    window, panel, pp = _start(make_window, "it-baclofen-withdrawal")
    _program(pp, no_dialogs, 600)  # 400 -> 600 mcg/day on an empty pump
    _refill(pp, 20)
    panel.set_answer("cause", "baclofen withdrawal: the reservoir ran empty")
    report = panel.check_work()
    item = report.item("dose-kept")
    assert not item.passed and "Raising the dose does not treat withdrawal from an empty pump" in item.advice
    assert report.item("refilled").passed and report.item("cause-answer").passed
    assert report.score == 12 - 2  # only the dose criterion lost
    assert "Raising the dose does not treat withdrawal" in panel.result.toPlainText()


def test_withdrawal_mistake_called_an_overdose(qtbot, make_window, no_dialogs):
    window, panel, pp = _start(make_window, "it-baclofen-withdrawal")
    _refill(pp, 20)
    panel.set_answer("cause", "baclofen overdose")
    report = panel.check_work()
    assert "An overdose makes the patient drowsy and floppy" in report.item("cause-answer").advice
    assert report.score == 12 - 2


def test_occlusion_mistakes_dose_raised_and_called_a_disconnection(qtbot, make_window, no_dialogs):
    # this attempt does no work-up, so its two work-up criteria fail as well (1 + 2 points)
    window, panel, pp = _start(make_window, "it-catheter-occlusion")
    _program(pp, no_dialogs, 7.5)
    panel.set_answer("conclusion", "catheter disconnection: the drug goes into the tissue")
    report = panel.check_work()
    assert "Raising the dose into a blocked catheter delivers nothing" in report.item("dose-kept").advice
    assert "A disconnection lets the drug leave the pump into the tissue" in report.item("conclusion-answer").advice
    assert "missing: rotor study" in report.item("pump-ruled-out").explanation
    assert report.score == 9 - 2 - 3 - 1 - 2


def test_conversion_mistake_epidural_ratio(qtbot, make_window, no_dialogs):
    window, panel, pp = _start(make_window, "it-morphine-conversion")
    _program(pp, no_dialogs, 30)  # 300 / 10
    panel.set_answer("it-dose", "30")
    report = panel.check_work()
    assert "10:1 is the epidural-to-intrathecal ratio" in report.item("conversion").advice
    assert "30 mg/day (too high)" in report.item("programmed").explanation
    assert not report.item("no-respiratory-depression").passed
    assert report.score == 8 - 3 - 2 - 2


def test_conversion_correct_in_the_app(qtbot, make_window, no_dialogs):
    window, panel, pp = _start(make_window, "it-morphine-conversion")
    _program(pp, no_dialogs, 1)  # 300 / 300
    panel.set_answer("it-dose", "1")
    report = panel.check_work()
    assert report.passed and report.score == 8, report.to_text()


def test_titration_mistakes_overshoot_and_too_soon(qtbot, make_window, no_dialogs):
    window, panel, pp = _start(make_window, "it-baclofen-titration")
    _program(pp, no_dialogs, 800)
    report = panel.check_work()
    assert "Overshoot: the patient is floppy" in report.item("ashworth-target").advice
    assert "+700 %, too large" in report.item("steps").explanation
    assert report.score == 8 - 3 - 3
    # a fresh start: two labelled steps an hour apart (jump with the time controls)
    window, panel, pp = _start(make_window, "it-baclofen-titration")
    _program(pp, no_dialogs, 130)
    window.runner.jump_to(window.runner.sim.now + H, blocking=True)
    _program(pp, no_dialogs, 169)
    report = panel.check_work()
    assert "Wait 24 hours between increases" in report.item("steps").advice


def test_pocket_fill_mistake_sent_home(qtbot, make_window, no_dialogs):
    # the patient's 'ask' is not in the app yet: the watch criterion fails as well (3 points)
    window, panel, pp = _start(make_window, "it-pocket-fill")
    panel.set_answer("what-happened", "pocket fill: part of the drug went under the skin")
    panel.set_answer("action", "send home, review at the next refill")
    report = panel.check_work()
    assert "can stop the breathing at home" in report.item("acted").advice
    assert report.item("recognised").passed
    assert report.score == 9 - 3 - 3


def _mixture_refill(pp, concentration_mg_per_ml: float) -> None:
    wizard = pp.open_refill_wizard()
    try:
        wizard.next()
        wizard.fill.setValue(20.0)
        wizard.mix_check.setChecked(True)
        wizard.mix_drug_combo.setCurrentIndex(wizard.mix_drug_combo.findData("drug/bupivacaine"))
        wizard.mix_concentration.setValue(concentration_mg_per_ml)
        wizard.next()
        wizard.next()
        wizard.accept()
    finally:
        wizard.close()
        wizard.deleteLater()


def test_mixture_refill_done_with_the_wizard_scores_full_marks(qtbot, make_window, no_dialogs):
    # 0.5 mL/day x 6 mg/mL = 3 mg/day bupivacaine (2-4 wanted); morphine stays 5 mg/day: 3 + 2 + 2 + 1 = 8.
    # (Also the wizard's rounding: 5.979 mL left is shown as 5.98 mL and must be taken as all of it, not refused.)
    window, panel, pp = _start(make_window, "it-mixture-refill")
    _mixture_refill(pp, 6.0)
    report = panel.check_work()
    assert report.score == report.max_score == 8, report.to_text()


def test_mixture_refill_mistake_mcg_figure_typed_as_mg(qtbot, make_window, no_dialogs):
    # 6000 mg/mL: 0.5 x 6000 = 3000 mg/day; both library warnings clicked through: 8 - 3 - 2 = 3
    window, panel, pp = _start(make_window, "it-mixture-refill")
    no_dialogs.answers.extend([True, True])
    _mixture_refill(pp, 6000.0)
    report = panel.check_work()
    assert "6000 mcg/mL is 6 mg/mL" in report.item("within-library").advice
    assert "3000 mg/day (too high)" in report.item("bupivacaine-dose").explanation
    assert report.score == 8 - 3 - 2


def test_occlusion_work_up_from_the_pump_programmer_counts(qtbot, make_window, no_dialogs):
    # rotor study (1) and port aspiration before contrast (2) done with the programmer's Work-up group
    window, panel, pp = _start(make_window, "it-catheter-occlusion")
    for test in ("rotor_study", "cap_aspiration", "contrast_study"):
        pp.workup_buttons[test].click()
    report = panel.check_work()
    assert report.item("pump-ruled-out").passed and report.item("cap-first").passed, report.to_text()
