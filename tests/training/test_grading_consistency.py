"""Feedback is consistent: one fact is judged one way; the verdict and the score agree; what the
app refused before sending and the warnings the trainee overrode are in the attempt and graded."""
from __future__ import annotations

import pytest

from simulator.training.attempt import Attempt, AttemptAction, load_attempt, save_attempt
from simulator.training.exercise import load_exercise
from simulator.training.grading import grade

H = 3600.0


def _attempt(exercise: str, *actions: AttemptAction, answers=None) -> Attempt:
    return Attempt(exercise=exercise, actions=list(actions), answers=answers or {})


REFILL = AttemptAction(at=H, device="pump", action="refill", params={"aspirated_ml": 2.99, "fill_ml": 17, "concentration_mg_per_ml": 20})


@pytest.mark.parametrize("bridge_at_s, bridged", [(H, True), (H + 1800, True), (H + 2 * H, False)])
def test_separate_bridge_bolus_is_judged_the_same_way_by_both_criteria(bridge_at_s, bridged):
    # the refill at 1 h (3 mL - 1 h x 0.2 mL/day = 2.9917 mL left; 2.99 mL drawn), then a separate bridge bolus;
    # within the 1 h window both bridge criteria pass, later both fail: never one PASS and one FAIL
    ex = load_exercise("pump-concentration-bridge")
    report = grade(ex, _attempt(ex.id, REFILL, AttemptAction(at=bridge_at_s, device="pump", action="bridge_bolus")))
    given, no_error = report.item("bridge-given"), report.item("no-dose-error")
    assert given.passed is bridged and no_error.passed is bridged, (given.explanation, no_error.explanation)
    if not bridged:
        assert given.explanation == "the bridge bolus at 0d 03:00:00 did not start within 1 h after the refill"
        assert no_error.explanation.startswith("dose error from the concentration change at 0d 01:00:00")
    else:
        assert no_error.explanation == "no dose error from the concentration change: the bridge bolus within 1 h dealt with it"


def test_bridge_ticked_on_the_refill_passes_both():
    ex = load_exercise("pump-concentration-bridge")
    refill = REFILL.model_copy(update={"params": {**REFILL.params, "bridge_bolus": True}})
    report = grade(ex, _attempt(ex.id, refill))
    assert report.item("bridge-given").passed and report.item("no-dose-error").passed


def test_disallowed_action_costs_a_point_and_the_verdict_says_why():
    ex = load_exercise("pump-dose-change")
    program = AttemptAction(at=H, device="pump", action="program", params={"mode": {"type": "continuous", "dose_mg_per_day": 2.5}, "confirm": ["titration.max_increase_pct"]})
    extra = AttemptAction(at=H, device="pump", action="set_low_reservoir_threshold", params={"threshold_ml": 3})
    answers = {"rate-ml-per-day": 0.125, "days-to-low": 128}
    good = grade(ex, _attempt(ex.id, program, answers=answers))
    # dose programmed 3 + dose delivered 2 + no refusal 1 + flow answer 2 + days answer 1 + allowed actions 1 = 10
    assert good.passed and (good.score, good.max_score) == (10, 10)
    bad = grade(ex, _attempt(ex.id, program, extra, answers=answers))
    assert not bad.passed and bad.score == good.score - 1 and bad.max_score == good.max_score
    assert "NOT PASSED" in bad.to_text() and "Use only the actions this exercise allows" in bad.verdict_text()
    assert "costs the rule's 1 point" in bad.item("allowed-actions").explanation


def test_refused_locally_is_regraded_never_applied_and_saved(tmp_path):
    ex = load_exercise("pump-dose-change")
    flow_typed = AttemptAction(at=H, device="pump", action="program", params={"mode": {"type": "continuous", "dose_mg_per_day": 0.125}}, sent=False, accepted=False, reason="forged")
    path = save_attempt(_attempt(ex.id, flow_typed), tmp_path / "a.yaml")
    attempt = load_attempt(path)
    assert attempt.actions[0].sent is False
    report = grade(ex, attempt)
    assert report.actions[0]["sent"] is False and not report.actions[0]["accepted"]
    assert "minimum rate" in report.actions[0]["reason"]  # found again by the pump's check, not the recorded text
    assert "0.125 is the flow in mL/day" in report.item("dose-programmed").advice
    # never applied: the patient stays on 1.5 mg/day over the last day (2 % tolerance of 2.5 fails)
    assert report.item("dose-delivered").details["value"] == pytest.approx(1.5, rel=1e-6)


def test_overridden_warning_is_kept_in_the_attempt_file(tmp_path):
    ex = load_exercise("pump-dose-change")
    a = AttemptAction(at=H, device="pump", action="program", params={"mode": {"type": "continuous", "dose_mg_per_day": 2.5}, "confirm": ["titration.max_increase_pct"]},
                      accepted=True, overridden=["titration.max_increase_pct"])
    attempt = load_attempt(save_attempt(_attempt(ex.id, a), tmp_path / "a.json"))
    assert attempt.actions[0].overridden == ["titration.max_increase_pct"]
    report = grade(ex, attempt)
    assert report.actions[0]["overridden"] == ["titration.max_increase_pct"]
