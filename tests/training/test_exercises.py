"""Every bundled exercise: valid; its correct attempt passes; each typical wrong attempt fails the
right criteria with the right explanation. Attempts live in exercises/attempts/<exercise id>/."""
from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli.main import main
from simulator.training.attempt import load_attempt
from simulator.training.catalog import bundled_exercise_ids, bundled_exercises_dir
from simulator.training.exercise import load_exercise
from simulator.training.grading import grade

ATTEMPTS = Path(__file__).resolve().parents[2] / "exercises" / "attempts"  # test fixtures, not shipped

#: exercise id -> wrong attempt -> {failed criterion id: phrase of its explanation}; exactly these fail
WRONG = {
    "pump-dose-change": {
        "wrong-ml-as-mg": {
            "dose-programmed": "below the pump's minimum rate of 0.048 mL/day",
            "dose-delivered": "was 1.5 mg; wanted 2.5 mg",
            "no-refusal": "0.00625 mL/day",
        },
        "wrong-mcg": {
            "dose-programmed": "morphine is dosed in mg",
            "dose-delivered": "was 1.5 mg",
            "no-refusal": "give dose_mg_per_day, not dose_mcg_per_day",
            "rate-answer": "answer '1.25' is not right",
            "days-answer": "was not answered",
        },
    },
    "pump-refill-discrepancy": {
        "wrong-expected-written": {
            "refill-done": "fill_ml was 13.5, allowed 15 to 20",
            "discrepancy-found": "refill.discrepancy never happened",
            "discrepancy-answer": "answer '0' is not right",
            "meaning-answer": "within tolerance - no action",
        },
        "wrong-overfill": {
            "refill-done": "fill beyond capacity",
            "same-concentration": "no refill.completed",
            "discrepancy-found": "never happened",
            "discrepancy-answer": "'-1.89' is not right",
            "meaning-answer": "over-delivery or leak",
            "no-refusal": "25 mL filled",
        },
    },
    "pump-concentration-bridge": {
        "wrong-no-bridge": {
            "bridge-given": "bolus.start (bolus=bridge) never happened",
            "no-dose-error": "under-dose of 3.7 mg (-50 %)",
            "dose-day-after": "was 1 mg; wanted 2 mg",
        },
        "wrong-kept-flow": {
            "dose-day-after": "was 4 mg",
            "dose-kept": "programmed_daily_dose of pump was 4 mg/day",
        },
    },
    "pump-patient-bolus": {
        "wrong-short-lockout": {
            "settings": "patient_bolus.lockout_min was 60, expected 180",
            "boluses-delivered": "was 4; wanted exactly 3",
            "boluses-answer": "answer '4' is not right",
        },
        "wrong-over-daily-max": {
            "settings": "exceeds the morphine daily maximum of 15 mg/day",
            "boluses-delivered": "was 0",
            "no-refusal": "18 mg/day",
        },
    },
    "pump-alarms": {
        "wrong-slow": {
            "ack-eri": "acknowledged 0d 03:00:00 later, more than the 0d 01:00:00 allowed",
            "ack-low": "acknowledged or cleared 0d 14:00:00 later",
            "refilled": "after the deadline 1d 00:00:00",
            "ack-stall": "motor_stall alarm raised at 1d 06:00:00 was never acknowledged",
            "eri-answer": "'replace the pump today' is not right",
            "stall-answer": "'a lower dose for a while' is not right",
            "no-refusal": "no active alarm 'low_reservoir'",
        },
    },
    "scs-electrode-config": {
        "wrong-single-cathode": {
            "density-ok": "E6 in P1: 36.73 uC/cm2 (9 mA)",
            "no-safety-warning": "charge density limit reached on E6",
            "density-answer": "answer '4.5' is not right",
        },
        "wrong-level": {"cathode-level": "E3 at T8, E4 at T8; none at the target level T9"},
    },
    "scs-impedance-fault": {
        "wrong-turned-up": {
            "checked": "no accepted 'impedance_check'",
            "check-first": "no accepted 'impedance_check'",
            "contact-answer": "was not answered",
            "kind-answer": "'no fault' is not right",
            "avoids-fault": "E6 (open) in P1",
            "in-compliance": "alarm=out_of_compliance) never happened",
        },
        "wrong-contact": {
            "contact-answer": "'E5' is not right",
            "kind-answer": "'short circuit' is not right",
            "avoids-fault": "still programmed on a faulty contact: E6 (open)",
            "in-compliance": "never happened",
        },
    },
    "scs-battery-life": {
        "wrong-tonic": {
            "longevity": "was 139.3 days; wanted at least 2920 days",
            "therapy-kept": "waveform is tonic, wanted burst",
            "longest-answer": "'tonic 4 mA, 300 us, 50 Hz' is not right",
        },
        "wrong-lower-amplitude": {"therapy-kept": "amplitude is 0.3 mA, below the 0.6 mA the patient needs"},
    },
}


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


@pytest.mark.parametrize("ex_id, name", [(e, n) for e, wrongs in WRONG.items() for n in wrongs])
def test_wrong_attempt_fails_with_the_right_explanation(exercises, ex_id, name):
    report = grade(exercises[ex_id], load_attempt(ATTEMPTS / ex_id / f"{name}.yaml"))
    assert not report.passed
    expected = WRONG[ex_id][name]
    failed = {i.id: i.explanation for i in report.failed_items()}
    assert set(failed) == set(expected), report.to_text()
    for crit, phrase in expected.items():
        assert phrase in failed[crit], f"{crit}: {failed[crit]!r}"


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
