"""The exercises on the virtual intrathecal patient (an approximation for teaching): a correct
solution, scripted as actions in exercises/attempts/<id>/correct.yaml, scores full marks; each
typical mistake (wrong-*.yaml) loses exactly its criteria's points and shows their advice.

Scores worked by hand from the weights in the exercise files (the allowed-actions rule adds 1 point):
- it-baclofen-withdrawal: cause 2 + refilled 3 + dose kept 2 + never severe 2 + withdrawal over 2 + allowed 1 = 12.
- it-catheter-occlusion: rotor study 1 + port before contrast 2 + conclusion 3 + dose kept 2 + allowed 1 = 9.
- it-morphine-conversion: conversion 3 + programmed 2 + no respiratory depression 2 + allowed 1 = 8.
- it-baclofen-titration: Ashworth on target 3 + labelled steps 3 + no sedation 1 + allowed 1 = 8.
- it-pocket-fill: recognised 2 + acted 3 + monitored 3 + allowed 1 = 9.
- it-mixture-refill: bupivacaine dose 3 + within library 2 + morphine kept 2 + allowed 1 = 8.

Figures behind the exercises, worked by hand:
- Missed refill: 400 mcg/day / 500 mcg/mL = 0.8 mL/day; 20 mL / 0.8 = 25 days to empty.
- Occlusion: the pump expects 20 - 30 d x 0.5 mL/day (5 mg/day / 10 mg/mL) = 5 mL at the day-30 refill;
  the catheter blocked from day 10 held back 20 d x 0.5 = 10 mL, so 15 mL are aspirated.
- Conversion (simulator/patient/conversions.py, 300:100:10:1): 300 mg/day oral / 300 = 1 mg/day
  intrathecal; accepted 0.5 (half) to 1 mg/day. Mistakes: 300 / 10 = 30 (epidural ratio),
  300 / 100 = 3 (IV ratio without the oral:IV 3:1 reduction).
- Titration (profile it-spasticity-baclofen: clearance 0.16 mL/min, EC50 0.64 mcg/mL, Emax 0.9, MAS0 3.5):
  steady C = dose / (1440 x 0.16) = dose / 230.4 mcg/mL; MAS = 3.5 x (1 - 0.9 C / (0.64 + C)).
  219 mcg/day: C = 0.9505, E = 0.85545 / 1.5905 = 0.5378, MAS = 1.618;
  800: C = 3.472, E = 3.1250 / 4.112 = 0.7599, MAS = 0.840 (< 1: overshoot);
  110: C = 0.4774, E = 0.4297 / 1.1174 = 0.3845, MAS = 2.154 (> 2: not enough).
  The slow tolerance (gain 0.1, tau 30 days) raises the EC50 a little over the 5 days, so the model
  reads slightly above these steady figures (a band of +0.05 is allowed below).
  Steps: 100 -> 130 -> 169 (+30 % each), 169 -> 219 (+29.6 %); 169 -> 220 would be +30.2 %, too large.
- Pocket fill: 6 mL x 10 mg/mL = 60 mg of morphine into the tissue, 60 / 5 = 12 days of the daily dose.
- Mixture refill: 5 mg/day / 10 mg/mL = 0.5 mL/day; bupivacaine 6 mg/mL -> 0.5 x 6 = 3 mg/day (in 2-4);
  10 mg/mL -> 5 mg/day (too high, but under the 30 mg/mL and 20 mg/day maxima); 6000 mg/mL (a mcg figure
  typed as mg) -> 3000 mg/day, over both maxima; no admixture -> no bupivacaine; bupivacaine 5 mg/mL with
  the pump raised to 6 mg/day of morphine -> 6 / 10 = 0.6 mL/day x 5 = 3 mg/day bupivacaine but morphine 6.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import InputError
from simulator.event_kinds import K
from simulator.training.criteria import ActionOutcome
from simulator.training.it_checks import conversion_answer, workup_order
from simulator.training.attempt import Attempt, load_attempt
from simulator.training.exercise import exercise_from_dict, load_exercise
from simulator.training.grading import grade, replay

ATTEMPTS = Path(__file__).resolve().parents[2] / "exercises" / "attempts"

#: exercise -> wrong attempt -> {failed criterion id: phrase of its explanation or advice}; exactly these fail
#: (also used by tests/training/test_exercises.py for every bundled exercise)
IT_WRONG = {
    "it-baclofen-withdrawal": {
        "wrong-dose-raised": {"dose-kept": "Raising the dose does not treat withdrawal from an empty pump"},
        "wrong-late-refill": {"refilled": "after the deadline", "no-severe": "Severe withdrawal"},
        "wrong-called-overdose": {"cause-answer": "An overdose makes the patient drowsy and floppy"},
    },
    "it-catheter-occlusion": {
        "wrong-contrast-first": {"cap-first": "Never inject contrast before aspirating the port"},
        "wrong-dose-raised": {"dose-kept": "Raising the dose into a blocked catheter delivers nothing"},
        "wrong-called-disconnection": {"conclusion-answer": "A disconnection lets the drug leave the pump into the tissue"},
        "wrong-pump-blamed": {"pump-ruled-out": "missing: rotor study", "conclusion-answer": "The rotor study shows the rotor moving"},
    },
    "it-morphine-conversion": {
        "wrong-epidural-ratio": {"conversion": "10:1 is the epidural-to-intrathecal ratio", "programmed": "30 mg/day (too high)",
                                 "no-respiratory-depression": "too high a starting dose"},
        "wrong-iv-ratio": {"conversion": "oral:IV 3:1", "programmed": "3 mg/day (too high)"},
    },
    "it-baclofen-titration": {
        "wrong-overshoot": {"ashworth-target": "Overshoot: the patient is floppy", "steps": "+700 %, too large"},
        "wrong-one-big-step": {"steps": "+120 %, too large"},
        "wrong-too-soon": {"steps": "Wait 24 hours between increases"},
        "wrong-too-timid": {"ashworth-target": "The tone is still too high"},
    },
    "it-pocket-fill": {
        "wrong-sent-home": {"acted": "can stop the breathing at home", "monitored": "stopped watching too early"},
        "wrong-short-watch": {"monitored": "keep watching for a full day"},
        "wrong-missed-sparse": {"recognised": "60 mg of morphine, 12 times the daily dose", "monitored": "check at least every 4 hours"},
    },
    "it-mixture-refill": {
        "wrong-forgot-admixture": {"bupivacaine-dose": "The refill went in without bupivacaine"},
        "wrong-mcg-as-mg": {"bupivacaine-dose": "3000 mg/day (too high)", "within-library": "6000 mcg/mL is 6 mg/mL"},
        "wrong-too-strong": {"bupivacaine-dose": "5 mg/day (too high)"},
        "wrong-rate-raised": {"morphine-kept": "raises the morphine with it"},
    },
}

#: exercise -> (max score, {wrong attempt: score}), by hand from the weights above
SCORES = {
    "it-baclofen-withdrawal": (12, {"wrong-dose-raised": 12 - 2, "wrong-late-refill": 12 - 3 - 2, "wrong-called-overdose": 12 - 2}),
    "it-catheter-occlusion": (9, {"wrong-contrast-first": 9 - 2, "wrong-dose-raised": 9 - 2, "wrong-called-disconnection": 9 - 3,
                                  "wrong-pump-blamed": 9 - 1 - 3}),
    "it-morphine-conversion": (8, {"wrong-epidural-ratio": 8 - 3 - 2 - 2, "wrong-iv-ratio": 8 - 3 - 2}),
    "it-baclofen-titration": (8, {"wrong-overshoot": 8 - 3 - 3, "wrong-one-big-step": 8 - 3, "wrong-too-soon": 8 - 3, "wrong-too-timid": 8 - 3}),
    "it-pocket-fill": (9, {"wrong-sent-home": 9 - 3 - 3, "wrong-short-watch": 9 - 3, "wrong-missed-sparse": 9 - 2 - 3}),
    "it-mixture-refill": (8, {"wrong-forgot-admixture": 8 - 3, "wrong-mcg-as-mg": 8 - 3 - 2, "wrong-too-strong": 8 - 3,
                              "wrong-rate-raised": 8 - 2}),
}


@pytest.fixture(scope="module")
def exercises():
    return {ex_id: load_exercise(ex_id) for ex_id in SCORES}


def _grade(exercises, ex_id, name):
    return grade(exercises[ex_id], load_attempt(ATTEMPTS / ex_id / f"{name}.yaml"))


def test_six_it_exercises_each_with_its_mistakes():
    assert len(SCORES) == 6
    assert set(SCORES) == set(IT_WRONG)
    for ex_id, wrongs in IT_WRONG.items():
        assert set(wrongs) == set(SCORES[ex_id][1])
        files = {p.stem for p in (ATTEMPTS / ex_id).glob("*.yaml")}
        assert files == {"correct"} | set(wrongs), ex_id


# full marks and each mistake's score and advice: tests/training/test_exercises.py (with every exercise)


def test_missed_refill_empties_on_day_25_and_the_refill_ends_the_withdrawal(exercises):
    ex = exercises["it-baclofen-withdrawal"]
    sim, _ = replay(ex, load_attempt(ATTEMPTS / ex.id / "correct.yaml"))
    res = sim.results()
    empty = res.events_where("pump", K.RESERVOIR_EMPTY)
    assert empty and empty[0].t_s == pytest.approx(25 * 86400, abs=60)  # 20 mL / 0.8 mL/day
    stages = [e.payload["stage"] for e in res.events_where("patient", K.PATIENT_WITHDRAWAL)]
    assert stages[0] == "mild" and stages[-1] == "none" and "severe" not in stages


def test_occlusion_refill_finds_ten_ml_held_back(exercises):
    ex = exercises["it-catheter-occlusion"]
    sim, _ = replay(ex, load_attempt(ATTEMPTS / ex.id / "correct.yaml"))
    res = sim.results()
    workups = {e.payload["test"]: e.payload for e in res.events_where("patient", K.PATIENT_WORKUP)}
    found = workups["refill_discrepancy"]["findings"]  # the patient's side of the refill (the pump is blind to it)
    assert found["expected_residual_ml"] == pytest.approx(5.0, abs=0.01)  # 20 - 30 x 0.5
    assert found["aspirated_ml"] == pytest.approx(15.0, abs=0.01)  # 5 + 20 d x 0.5 held back
    assert found["held_back_ml"] == pytest.approx(10.0, abs=0.01)
    assert workups["refill_discrepancy"]["result"] == "more_than_expected"
    results = {t: p["result"] for t, p in workups.items()}
    assert results["rotor_study"] == "moves" and results["cap_aspiration"] == "no_aspirate" and results["contrast_study"] == "blocked"


def test_conversion_reference_is_the_300_to_1_convention(exercises):
    report = _grade(exercises, "it-morphine-conversion", "correct")
    assert "300 mg/day oral / 300 = 1 mg/day" in report.item("conversion").explanation
    assert "start at 0.5 to 1 mg/day" in report.item("conversion").explanation
    # the half-dose end is accepted; just below it is too low (no ratio named)
    ex = exercises["it-morphine-conversion"]
    base = load_attempt(ATTEMPTS / ex.id / "correct.yaml")
    assert grade(ex, Attempt(exercise=ex.id, actions=base.actions, answers={"it-dose": 0.5})).item("conversion").passed
    low = grade(ex, Attempt(exercise=ex.id, actions=base.actions, answers={"it-dose": 0.4})).item("conversion")
    assert not low.passed and "too low" in low.explanation and "Starting far below" in low.advice
    # the epidural dose (300 / 30 = 10) and no conversion (300) are named too
    epi = grade(ex, Attempt(exercise=ex.id, actions=base.actions, answers={"it-dose": 10})).item("conversion")
    assert "the epidural dose" in epi.explanation and "divide by 300, not by 30" in epi.advice
    raw = grade(ex, Attempt(exercise=ex.id, actions=base.actions, answers={"it-dose": 300})).item("conversion")
    assert "no conversion" in raw.explanation


def test_titration_ashworth_matches_the_hand_worked_steady_state(exercises):
    def mas(name):
        return _grade(exercises, "it-baclofen-titration", name).item("ashworth-target").details["value"]

    assert 1.618 <= mas("correct") <= 1.618 + 0.05  # 219 mcg/day
    assert 0.840 <= mas("wrong-overshoot") <= 0.840 + 0.05  # 800 mcg/day
    assert 2.154 <= mas("wrong-too-timid") <= 2.154 + 0.05  # 110 mcg/day


def test_titration_step_limit_follows_the_origin(exercises):
    """The same 30 % steps are too large for cerebral-origin spasticity (5-15 %)."""
    ex = exercises["it-baclofen-titration"]
    data = ex.model_dump(mode="json")
    data["criteria"][1]["args"] = {"origin": "cerebral"}
    cerebral = exercise_from_dict(data, file=ex.file)
    item = grade(cerebral, load_attempt(ATTEMPTS / ex.id / "correct.yaml")).item("steps")
    assert not item.passed and "at most 15 % (cerebral origin)" in item.explanation


def test_pocket_fill_is_sixty_mg(exercises):
    ex = exercises["it-pocket-fill"]
    sim, _ = replay(ex, load_attempt(ATTEMPTS / ex.id / "correct.yaml"))
    fill = sim.results().events_where("pump", K.POCKET_FILL)[0].payload
    assert fill["systemic_dose"] == pytest.approx(60.0)  # 6 mL x 10 mg/mL


def test_mixture_refill_doses_worked_by_hand(exercises):
    ex = exercises["it-mixture-refill"]
    sim, _ = replay(ex, load_attempt(ATTEMPTS / ex.id / "correct.yaml"))
    snap = sim.devices["pump"].snapshot()
    # 0.5 mL/day x 6 mg/mL = 3 mg/day bupivacaine; 0.5 x 10 = 5 mg/day morphine
    assert snap.admixture is not None and snap.admixture.drug_name == "bupivacaine"
    assert snap.admixture.programmed_daily_dose == pytest.approx(3.0)
    assert snap.programmed_daily_dose == pytest.approx(5.0)
    sim, _ = replay(ex, load_attempt(ATTEMPTS / ex.id / "wrong-rate-raised.yaml"))
    snap = sim.devices["pump"].snapshot()
    # 6 mg/day / 10 mg/mL = 0.6 mL/day x 5 mg/mL = 3 mg/day: the bupivacaine is in range, the morphine is not
    assert snap.admixture.programmed_daily_dose == pytest.approx(3.0) and snap.programmed_daily_dose == pytest.approx(6.0)


def test_bad_it_check_args_name_the_criterion(exercises):
    ex = exercises["it-pocket-fill"]
    data = ex.model_dump(mode="json")
    data["criteria"][2]["args"] = {"event": "no_such_event", "hours": 24, "max_gap_h": 4}
    with pytest.raises(InputError) as exc:
        exercise_from_dict(data, file=ex.file)
    assert "criteria[2].args.event" in str(exc.value) and "no_such_event" in str(exc.value)
    # an intrathecal check on the SCS patient is refused by kind
    data = load_exercise("scs-patient-migration").model_dump(mode="json")
    data["criteria"].append({"kind": "device_check", "title": "x", "device": "patient", "check": "withdrawal_over"})
    with pytest.raises(InputError) as exc:
        exercise_from_dict(data, file=load_exercise("scs-patient-migration").file)
    assert "intrathecal_patient" in str(exc.value)


# ----------------------------------------------------------------------------- properties of the checks


@settings(max_examples=200, deadline=None)
@given(oral=st.floats(min_value=10, max_value=3000), fraction=st.floats(min_value=0.0, max_value=2.0))
def test_conversion_accepts_exactly_half_to_the_300_to_1_figure(oral, fraction):
    """For any oral dose D, an answer x passes iff D / 600 <= x <= D / 300 (reduction_max 0.5)."""
    given_mg = fraction * oral / 300.0
    ctx = SimpleNamespace(answers={"q": given_mg})
    ok, text, _ = conversion_answer(None, {"question": "q", "oral_mg_per_day": oral, "reduction_max": 0.5}, ctx)
    lo, hi = oral / 600.0, oral / 300.0
    if lo * (1 + 1e-6) < given_mg < hi * (1 - 1e-6):
        assert ok, text
    elif given_mg < lo * (1 - 1e-6) or given_mg > hi * (1 + 1e-6):
        assert not ok, text


TESTS = ["rotor_study", "cap_aspiration", "contrast_study", "mri"]


@settings(max_examples=200, deadline=None)
@given(done=st.lists(st.sampled_from(TESTS), max_size=6))
def test_workup_order_passes_iff_first_occurrences_are_in_order(done):
    """The order check passes exactly when cap aspiration and contrast were both done and the first
    aspiration came before the first contrast (other tests anywhere)."""
    outcomes = [ActionOutcome(i, 100.0 * i, "patient", "workup", {"test": t}, True) for i, t in enumerate(done)]
    ok, text, _ = workup_order(SimpleNamespace(id="patient"), {"tests": ["cap_aspiration", "contrast_study"]}, SimpleNamespace(outcomes=outcomes))
    want = "cap_aspiration" in done and "contrast_study" in done and done.index("cap_aspiration") < done.index("contrast_study")
    assert ok == want, (done, text)
