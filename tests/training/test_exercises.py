"""Every bundled exercise: valid; its correct attempt passes; each typical wrong attempt fails the
right criteria with the right explanation. Attempts live in exercises/attempts/<exercise id>/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.cli.main import main
from simulator.training.attempt import load_attempt
from simulator.training.catalog import bundled_exercise_ids, bundled_exercises_dir
from simulator.training.exercise import load_exercise
from simulator.training.grading import grade

ATTEMPTS = Path(__file__).resolve().parents[2] / "exercises" / "attempts"  # test fixtures, not shipped

#: exercise id -> wrong attempt -> {failed criterion id: phrase of its feedback}; exactly these fail.
#: The feedback is the explanation (what happened) followed by the advice (why it matters, what to do).
WRONG = {
    "pump-dose-change": {
        "wrong-ml-as-mg": {
            "dose-programmed": "0.125 is the flow in mL/day, not the dose",
            "dose-delivered": "was 1.5 mg; wanted 2.5 mg",
            "no-refusal": "0.00625 mL/day",
        },
        "wrong-mcg": {
            "dose-programmed": "2500 mcg/day is 2.5 mg/day",
            "dose-delivered": "was 1.5 mg",
            "no-refusal": "give a dose in mg/day, not a dose in mcg/day",
            "rate-answer": "a decimal slip",
            "days-answer": "was not answered",
        },
        "wrong-flow-multiplied": {
            "rate-answer": "You multiplied instead of dividing",
            "days-answer": "(18 - 2) mL / 0.125 mL/day = 128 days",
        },
    },
    "pump-refill-discrepancy": {
        "wrong-expected-written": {
            "refill-done": "the fill volume (mL) was 13.5, allowed 15 to 20",
            "discrepancy-found": "Entering the volume the pump expected hides a discrepancy",
            "discrepancy-answer": "expected volume was written down instead of the measured one",
            "meaning-answer": "+1.89 mL is over the 1 mL tolerance",
        },
        "wrong-overfill": {
            "refill-done": "pocket fill",
            "same-concentration": "No refill was completed",
            "discrepancy-found": "there was no discrepancy",
            "discrepancy-answer": "The sign is reversed",
            "meaning-answer": "MORE was left, so the pump under-delivered",
            "no-refusal": "25 mL filled",
        },
        "wrong-ignored-discrepancy": {"meaning-answer": "flag it and investigate"},
    },
    "pump-concentration-bridge": {
        "wrong-no-bridge": {
            "bridge-given": "there was no bridge bolus",
            "no-dose-error": "under-dose of 3.7 mg (-50 %)",
            "dose-day-after": "was 1 mg; wanted 2 mg",
        },
        "wrong-kept-flow": {
            "dose-day-after": "at double the concentration doubles the dose",
            "dose-kept": "the programmed daily dose was 4 mg/day",
        },
        "wrong-halved-dose": {
            "dose-day-after": "a stronger drug needs no lower dose",
            "dose-kept": "halving the dose as well under-doses the patient",
        },
    },
    "pump-patient-bolus": {
        "wrong-short-lockout": {
            "settings": "lockout (minutes) was 60, expected 180",
            "boluses-delivered": "inside the 3-hour lockout",
            "boluses-answer": "answer '4' is not right",
        },
        "wrong-over-daily-max": {
            # the daily maximum is a drug-library limit: warned (not refused) by default
            "settings": "0.2 mg, not 2 mg",
            "no-daily-max-warning": "up to 18 mg in a rolling 24 h",
        },
        "wrong-mcg-bolus": {
            "settings": "200 mcg is 0.2 mg",
            "boluses-delivered": "was 0",
            "no-refusal": "give a dose in mg, not a dose in mcg",
        },
    },
    "pump-alarms": {
        "wrong-slow": {
            "ack-eri": "acknowledged 0d 03:00:00 later, more than the 0d 01:00:00 allowed",
            "ack-low": "acknowledged or cleared 0d 14:00:00 later",
            "refilled": "The refill came too late",
            "ack-stall": "motor-stall alarm raised at 1d 06:00:00 was never acknowledged",
            "eri-answer": "'replace the pump today' is not right",
            "stall-answer": "no drug flows at all",
            "no-refusal": "You can only acknowledge an alarm that is sounding",
        },
        "wrong-ack-only": {
            "refilled": "Acknowledging the low-reservoir alarm only silences it",
            "stall-answer": "'nothing until the next refill' is not right",
        },
    },
    "scs-electrode-config": {
        "wrong-single-cathode": {
            "density-ok": "E6 in P1: 36.73 uC/cm2 (9 mA)",
            "no-safety-warning": "charge density limit reached on E6",
            "density-answer": "4.5 uC is the charge per phase",
        },
        "wrong-level": {"cathode-level": "A cathode at T8 stimulates the wrong segment"},
        "wrong-wider-pulse": {
            "program-sent": "pulse width (us) was 1000, expected 500",
            "density-ok": "the wider pulse undid it",
            "no-safety-warning": "charge-density warning",
        },
    },
    "scs-impedance-fault": {
        "wrong-turned-up": {
            "checked": "no impedance check was accepted",
            "check-first": "no impedance check was done",
            "contact-answer": "was not answered",
            "kind-answer": "'no fault' is not right",
            "avoids-fault": "E6 (open) in P1",
            "in-compliance": "turning the amplitude up changes nothing",
        },
        "wrong-contact": {
            "contact-answer": "'E5' is not right",
            "kind-answer": "'short circuit' is not right",
            "avoids-fault": "still programmed on a faulty contact: E6 (open)",
            "in-compliance": "out-of-compliance alarm never cleared",
        },
        "wrong-no-check": {
            "checked": "Without it you are guessing",
            "check-first": "reprogramming blind",
        },
    },
    "scs-battery-life": {
        "wrong-tonic": {
            "longevity": "was 139.3 days; wanted at least 2920 days",
            "therapy-kept": "waveform is tonic, wanted burst",
            "longest-answer": "'tonic 4 mA, 300 us, 50 Hz' is not right",
        },
        "wrong-lower-amplitude": {"therapy-kept": "amplitude is 0.3 mA, below the 0.6 mA the patient needs"},
        "wrong-short-cycle": {"longevity": "30 s / 90 s is on 25 % of the time"},
    },
}
# the virtual-patient exercises keep their expectations beside their hand-worked scores
# (exercise -> (full marks, {wrong attempt: its score})), checked here with every other exercise
from tests.training.test_it_exercises import IT_WRONG  # noqa: E402
from tests.training.test_it_exercises import SCORES as IT_SCORES  # noqa: E402
from tests.training.test_patient_exercises import PATIENT_WRONG  # noqa: E402
from tests.training.test_patient_exercises import SCORES as PATIENT_SCORES  # noqa: E402

WRONG.update(PATIENT_WRONG)
WRONG.update(IT_WRONG)
SCORES = {**PATIENT_SCORES, **IT_SCORES}

#: words that must never reach a trainee: internal field names and raw payloads
JARGON = re.compile(r"\b[a-z]+_[a-z_]+\b|=(True|False)\b|\bbridged\b")


@pytest.fixture(scope="module")
def exercises():
    return {ex_id: load_exercise(ex_id) for ex_id in bundled_exercise_ids()}


def test_at_least_eight_exercises_each_with_correct_and_wrong_attempts(exercises):
    assert len(exercises) >= 8
    for ex_id in exercises:
        files = sorted(p.stem for p in (ATTEMPTS / ex_id).glob("*.yaml"))
        assert "correct" in files and any(f.startswith("wrong") for f in files), ex_id
        assert set(f for f in files if f.startswith("wrong")) == set(WRONG.get(ex_id, {})), f"{ex_id}: every wrong attempt has expectations"


@pytest.mark.parametrize("ex_id", sorted(p.stem for p in bundled_exercises_dir().glob("*.yaml")))
def test_correct_attempt_passes(exercises, ex_id):
    report = grade(exercises[ex_id], load_attempt(ATTEMPTS / ex_id / "correct.yaml"))
    assert report.passed, report.to_text()
    assert report.score == report.max_score
    if ex_id in SCORES:  # full marks worked by hand from the weights
        assert report.max_score == SCORES[ex_id][0]


@pytest.mark.parametrize("ex_id, name", [(e, n) for e, wrongs in WRONG.items() for n in wrongs])
def test_wrong_attempt_fails_with_the_right_explanation(exercises, ex_id, name):
    report = grade(exercises[ex_id], load_attempt(ATTEMPTS / ex_id / f"{name}.yaml"))
    assert not report.passed
    if ex_id in SCORES:  # each mistake loses exactly its criteria's points (worked by hand)
        assert report.score == SCORES[ex_id][1][name], report.to_text()
    expected = WRONG[ex_id][name]
    failed = {i.id: f"{i.explanation} {i.advice}" for i in report.failed_items()}
    assert set(failed) == set(expected), report.to_text()
    for crit, phrase in expected.items():
        assert phrase in failed[crit], f"{crit}: {failed[crit]!r}"
        assert report.item(crit).points_awarded == 0
    for item in report.failed_items():
        # every failure teaches: advice saying why it matters and what to do, in plain words
        assert len(item.advice) > 40, f"{item.id}: no advice"
        assert not JARGON.search(item.explanation + " " + item.advice), f"{item.id}: {item.explanation} {item.advice}"


#: numbers in a criterion title would give the answer away before the attempt
ANSWER_IN_TITLE = re.compile(r"(?<![A-Za-z])\d")


def test_criterion_titles_do_not_give_the_answers_away(exercises):
    for ex_id, ex in exercises.items():
        for c in ex.criteria:
            assert not ANSWER_IN_TITLE.search(c.title), f"{ex_id}/{c.id}: {c.title!r}"
            assert "(" not in c.title, f"{ex_id}/{c.id}: {c.title!r} (reasoning belongs in the advice and debrief)"


def test_cli_list_show_and_exit_codes(capsys):
    assert main(["exercise", "list"]) == 0
    listed = capsys.readouterr().out
    assert "pump-dose-change" in listed and "beginner" in listed
    assert main(["exercise", "show", "pump-concentration-bridge"]) == 0
    assert "bridge bolus" in capsys.readouterr().out
    good = ATTEMPTS / "pump-patient-bolus" / "correct.yaml"
    bad = ATTEMPTS / "pump-patient-bolus" / "wrong-short-lockout.yaml"
    assert main(["exercise", "check", "pump-patient-bolus", str(good)]) == 0
    assert main(["exercise", "check", "pump-patient-bolus", str(bad)]) == 3
    assert main(["exercise", "check", "no-such-exercise", str(good)]) == 2
    assert "bundled: " in capsys.readouterr().err


def test_bundled_exercises_validate_with_the_validate_command(capsys):
    paths = [str(p) for p in bundled_exercises_dir().glob("*.yaml")]
    assert main(["validate", *paths]) == 0
    assert capsys.readouterr().out.count("(exercise)") == len(paths)
