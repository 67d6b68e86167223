"""Training records everything attempted: programs the app refuses before sending, warnings the
trainee overrides, and the advice an exercise has for exactly those mistakes, driven through the app."""
from __future__ import annotations


from simulator.engine import Simulation


def _start(make_window, exercise_id: str):
    from gui.scenario_io import default_scenario_path, open_scenario

    window = make_window(Simulation(open_scenario(default_scenario_path())))
    panel = window.training_dock.widget()
    assert panel.start_exercise(exercise_id) is not None
    return window, panel


def _programmer(window, device_id: str = "pump"):
    return window.device_views[device_id].extra["programmer"]


def test_flow_typed_into_the_dose_box_reaches_the_exercises_advice(qtbot, make_window, no_dialogs):
    window, panel = _start(make_window, "pump-dose-change")
    pp = _programmer(window)
    # the trainee types the flow, 0.125 (mL/day), into the mg/day box and transmits
    pp.mode_editor.continuous.set_dose(0.125)
    assert not pp.transmit_pending()  # refused before sending: 0.125 / 20 = 0.00625 mL/day < 0.048 minimum
    assert "Refused" in no_dialogs.texts() and "minimum rate" in no_dialogs.texts()
    sim = window.runner.sim
    assert sim.devices["pump"].current_drug_rate_per_day() == 1.5  # the pump never saw it
    attempt = panel.current_attempt()
    assert [(a.action, a.sent, a.accepted) for a in attempt.actions] == [("program", False, False)]
    assert "minimum rate" in attempt.actions[0].reason
    report = panel.check_work()
    item = report.item("dose-programmed")
    assert not item.passed and "0.125 is the flow in mL/day, not the dose" in item.advice
    assert not report.item("no-refusal").passed  # the refused program counts as refused
    assert "0.125 is the flow in mL/day" in panel.result.toPlainText()
    text = report.to_text()
    assert "REFUSED by the programmer" in text
    assert "program (refused by the programmer (not sent): 0.125 mg/day at 20 mg/mL is 0.00625 mL/day, below the pump's minimum rate" in panel.result.toPlainText()


def test_confirmed_titration_warning_is_recorded_as_overridden(qtbot, make_window, no_dialogs):
    window, panel = _start(make_window, "pump-dose-change")
    pp = _programmer(window)
    pp.mode_editor.continuous.set_dose(2.5)
    no_dialogs.answers.append(True)  # "Transmit anyway?" -> yes: the 67 % rise past the 25 % rule is confirmed
    assert pp.transmit_pending()
    attempt = panel.current_attempt()
    assert [(a.action, a.sent, a.accepted, a.overridden) for a in attempt.actions] == [("program", True, True, ["titration.max_increase_pct"])]
    report = panel.check_work()
    assert report.item("dose-programmed").passed
    assert report.actions[0]["overridden"] == ["titration.max_increase_pct"]
    assert "warning overridden (titration.max_increase_pct)" in report.to_text()
    assert "program (accepted, warning overridden: titration.max_increase_pct)" in panel.result.toPlainText()


def test_mcg_mistake_advice_is_reachable(qtbot, make_window, no_dialogs):
    # the other typical mistake of the exercise: the dose in mcg for a drug dosed in mg. The app's dose box
    # is in the drug's unit (mg/day), so the mcg figure 2500 lands there: 2500 mg/day / 20 mg/mL = 125 mL/day,
    # past the pump's 24 mL/day maximum rate, refused before sending
    window, panel = _start(make_window, "pump-dose-change")
    pp = _programmer(window)
    pp.mode_editor.continuous.set_dose(2500)
    assert not pp.transmit_pending()
    report = panel.check_work()
    item = report.item("dose-programmed")
    assert not item.passed and "2500 is the dose in mcg/day, but the box takes mg/day" in item.advice


def test_refill_then_separate_bridge_bolus_is_not_graded_both_ways(qtbot, make_window, no_dialogs):
    window, panel = _start(make_window, "pump-concentration-bridge")
    sim = window.runner.sim
    # the refill (no bridge ticked), then a bridge bolus as a separate action right after
    r = window.runner.apply_action("pump", "refill", {"aspirated_ml": sim.devices["pump"].expected_reservoir_ml_at(sim.now), "fill_ml": 18, "concentration_mg_per_ml": 20})
    assert r.accepted, r.reason
    r = window.runner.apply_action("pump", "bridge_bolus", {})
    assert r.accepted, r.reason
    report = panel.check_work()
    assert report.item("bridge-given").passed
    assert report.item("no-dose-error").passed, report.item("no-dose-error").explanation
    # the dose the day after: a bridge keeps 2 mg/day (10 % tolerance)
    assert report.item("dose-day-after").passed


def test_refill_without_bridge_fails_both_bridge_criteria_consistently(qtbot, make_window, no_dialogs):
    window, panel = _start(make_window, "pump-concentration-bridge")
    sim = window.runner.sim
    r = window.runner.apply_action("pump", "refill", {"aspirated_ml": sim.devices["pump"].expected_reservoir_ml_at(sim.now), "fill_ml": 18, "concentration_mg_per_ml": 20})
    assert r.accepted
    report = panel.check_work()
    assert not report.item("bridge-given").passed and not report.item("no-dose-error").passed


def test_disallowed_action_verdict_and_score_agree(qtbot, make_window, no_dialogs):
    window, panel = _start(make_window, "pump-dose-change")
    pp = _programmer(window)
    pp.mode_editor.continuous.set_dose(2.5)
    no_dialogs.answers.append(True)
    assert pp.transmit_pending()
    # a patient bolus press is not among the exercise's allowed actions (program only)
    window.runner.apply_action("pump", "set_low_reservoir_threshold", {"threshold_ml": 3})
    panel.set_answer("rate-ml-per-day", "0.125")
    panel.set_answer("days-to-low", "128")
    report = panel.check_work()
    rule = report.item("allowed-actions")
    assert not rule.passed and "costs the rule's 1 point" in rule.explanation
    assert not report.passed
    # every other criterion passes: 3 + 2 + 1 + 2 + 1 (days answer) of 3 + 2 + 1 + 2 + 1 + 1 (allowed) = 9 / 10
    assert (report.score, report.max_score) == (9, 10)
    assert report.score < report.max_score
    assert "NOT PASSED" in report.to_text() and "required criteria not met: Use only the actions this exercise allows" in report.to_text()
    assert "Not passed because required criteria not met" in panel.result.toPlainText()
