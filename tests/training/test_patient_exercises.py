"""The exercises on the virtual SCS patient (six, and a revision variant of the migration one) (an approximation for teaching): a correct solution,
scripted as actions in exercises/attempts/<id>/correct.yaml, scores full marks; each typical mistake
(wrong-*.yaml) loses exactly its criteria's points and shows their advice.

Scores worked by hand from the weights in the exercise files (the allowed-actions rule adds 1 point):
- leg-coverage: covered 3 + no abdomen 3 + comfortable 2 + allowed 1 = 9.
- thresholds: perception 2 + maximum tolerable 2 + remote range 3 + comfortable 1 + allowed 1 = 9.
- migration: covered 3 + no abdomen 2 + comfortable 1 + conclusion 2 + allowed 1 = 9.
- 10khz-bipole: program 1 + sweet spot 3 + responder 2 + patience 2 + allowed 1 = 9.
- trial-decision: covered 2 + comfortable 1 + relief 2 + decision 3 + allowed 1 = 9.
- migration-revision: conclusion 3 + no abdomen 2 + allowed 1 = 6.
- non-responder: coverage 2 + relief 1 + conclusion 3 + not forever 2 + allowed 1 = 9.

Model figures behind the mistakes, worked by hand from domain/patient.md A1/A2 (simulator/patient):
a lead 2 mm left of the midline with its top contact at T9 (position 15.25 in vertebra units,
contacts every 4 mm = 0.16 of a 25 mm segment): E3 at 15.57 (T9), E7 at 16.21 (T10). Dorsal CSF
at E3 (supine, linear between T6 6.25 mm at 12.5 and T11 4.0 mm at 17.5): 6.25 - 0.45 x 3.07 =
4.869 mm; standing x 1/0.75 = 6.491 mm; lateral 2 mm x 0.3 = 0.6 mm closer: 5.891 mm.
PT(300 us) = 2.5 x (1 + 295/300) x (5.891/6)^2 = 4.958 x 0.9641 = 4.780 mA; DT = 1.7 x PT = 8.127 mA.
Pain map: left thigh back 0.6, thigh front 0.4, knee 0.5, leg 1.0, foot 0.7 (sum 3.2).
- cathode E3 at 5.5 mA (ratio 1.15 < 1.3, no widening): T9 lateral row, 2.5 / 3.2 = 78.125 %.
- 9 mA (ratio 1.88 >= 1.3): widening adds the T10 lateral row (left abdomen) and the foot; 9 >= 8.127
  is uncomfortable.
- 500 us: PT = 2.5 x (1 + 295/500) x 0.9641 = 3.832 mA; 5.5 / 3.832 = 1.435 >= 1.3 and 500 >= 450 us:
  the T10 row is added (abdomen).
- cathode at T10 (E7): lateral row abdomen, thigh front, leg, knee: (0.4 + 1.0 + 0.5) / 3.2 = 59.375 %.
- 4 mA < 4.78 mA: nothing is felt, coverage 0.
Migration 12.5 mm caudal: E3 moves to 16.07 (T10, 59.375 % and the abdomen); E2 to 15.91 (T9):
CSF 6.25 - 0.45 x 3.41 = 4.7155 mm -> standing 6.287 -> 5.687 mm; PT = 4.958 x (5.687/6)^2 = 4.455 mA,
5.5 / 4.455 = 1.235 < 1.3: the T9 row again, 78.125 %, DT 1.7 x 4.455 = 7.574 mA.
Migration 40 mm = 1.6 segments: E1 at 15.25 + 1.6 = 16.85 (T10: abdomen beside the midline), E2-E8 at
17.01-17.97 (T11: front of the thigh, widened with the foot and T12's front of the thigh): at most
(0.4 + 0.7) / 3.2 = 34.4 % without the abdomen, so no contact covers 70 %: revision.
Trial diary (seed 3): 5.7, 5.6, 6.2, 7.4, 6.7, 6.8, 5.7: mean 44.1 / 7 = 6.3; relief 1 - 6.3/8 = 21.25 %.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.event_kinds import K
from simulator.training.attempt import Attempt, load_attempt
from simulator.training.exercise import load_exercise
from simulator.training.grading import grade

ATTEMPTS = Path(__file__).resolve().parents[2] / "exercises" / "attempts"

#: exercise -> wrong attempt -> {failed criterion id: phrase of its explanation or advice}; exactly these
#: fail (also used by tests/training/test_exercises.py for every bundled exercise)
PATIENT_WRONG = {
    "scs-patient-leg-coverage": {
        "wrong-cathode-t10": {"leg-covered": "59.37 %", "no-abdomen": "The cathode lies at T10: beside the midline that segment includes the abdomen"},
        "wrong-wide-pulse": {"no-abdomen": "The pulse width is 450 us or more"},
        "wrong-too-strong": {"no-abdomen": "The amplitude is well above perception", "comfortable": "at or above the patient's discomfort threshold"},
        "wrong-below-perception": {"leg-covered": "The patient feels nothing"},
    },
    "scs-patient-thresholds": {
        "wrong-perception-guessed": {"perception-recorded": "3 mA (too low)"},
        "wrong-range-above-discomfort": {"remote-range": "at home the patient can turn the stimulation into pain"},
        "wrong-left-uncomfortable": {"comfortable": "turn the amplitude back down"},
    },
    "scs-patient-migration": {
        "wrong-revision": {"leg-covered": "59.37 %", "no-abdomen": "the lead has moved down and the cathode lies at T10",
                           "conclusion-answer": "Revision is surgery with its own risks"},
        "wrong-amplitude-up": {"leg-covered": "raising the amplitude on the old contacts", "no-abdomen": "more current on the migrated contacts",
                               "comfortable": "Turning the amplitude up to chase lost coverage"},
    },
    "scs-patient-migration-revision": {
        "wrong-reprogrammed": {"conclusion-answer": "No contact lies over T9 any more", "no-abdomen": "Until the revision"},
        "wrong-abdomen-left-on": {"no-abdomen": "Turn the stimulation off"},
    },
    "scs-patient-10khz-bipole": {
        "wrong-bipole": {"sweet-spot": "on E2 at T8 gives no relief", "responder": "the pain is not halved"},
        "wrong-impatient": {"patience": "10 kHz relief builds over days"},
    },
    "scs-patient-trial-decision": {
        "wrong-implant-failed": {"decision-follows-diary": "The trial failed the >= 50 % rule, yet you chose to implant"},
        "wrong-relief-inverted": {"relief-worked-out": "the pain that is LEFT, not the relief"},
    },
    "scs-patient-non-responder": {
        "wrong-keep-reprogramming": {"conclusion-answer": "Endless reprogramming of a non-responder", "not-forever": "5 reprogramming change(s)"},
        "wrong-called-responder": {"conclusion-answer": "A responder has at least 50 % less pain"},
    },
}

#: exercise -> (max score, {wrong attempt: score}), by hand from the weights above
SCORES = {
    "scs-patient-leg-coverage": (9, {
        "wrong-cathode-t10": 9 - 3 - 3,  # coverage 59 % and the abdomen
        "wrong-wide-pulse": 9 - 3,  # the abdomen only (coverage 100 %)
        "wrong-too-strong": 9 - 3 - 2,  # the abdomen and discomfort
        "wrong-below-perception": 9 - 3,  # nothing felt
    }),
    "scs-patient-thresholds": (9, {
        "wrong-perception-guessed": 9 - 2,
        "wrong-range-above-discomfort": 9 - 3,
        "wrong-left-uncomfortable": 9 - 1,
    }),
    "scs-patient-migration": (9, {
        "wrong-revision": 9 - 3 - 2 - 2,  # coverage, abdomen, conclusion
        "wrong-amplitude-up": 9 - 3 - 2 - 1,  # 8 mA >= DT 1.7 x PT(E3 at T10) : coverage, abdomen, comfort
    }),
    "scs-patient-migration-revision": (6, {"wrong-reprogrammed": 6 - 3 - 2, "wrong-abdomen-left-on": 6 - 2}),
    "scs-patient-10khz-bipole": (9, {"wrong-bipole": 9 - 3 - 2, "wrong-impatient": 9 - 2}),
    "scs-patient-trial-decision": (9, {"wrong-implant-failed": 9 - 3, "wrong-relief-inverted": 9 - 2}),
    "scs-patient-non-responder": (9, {"wrong-keep-reprogramming": 9 - 3 - 2, "wrong-called-responder": 9 - 3}),
}


@pytest.fixture(scope="module")
def exercises():
    return {ex_id: load_exercise(ex_id) for ex_id in SCORES}


def _grade(exercises, ex_id, name):
    return grade(exercises[ex_id], load_attempt(ATTEMPTS / ex_id / f"{name}.yaml"))


def test_six_patient_exercises_each_with_its_mistakes():
    assert len(SCORES) == 7 and set(SCORES) == set(PATIENT_WRONG)
    for ex_id, wrongs in PATIENT_WRONG.items():
        assert set(wrongs) == set(SCORES[ex_id][1])
        files = {p.stem for p in (ATTEMPTS / ex_id).glob("*.yaml")}
        assert files == {"correct"} | set(wrongs), ex_id


# full marks and each mistake's score and advice: tests/training/test_exercises.py (with every exercise)


def test_leg_coverage_figures_match_the_hand_worked_model(exercises):
    # coverage 2.5 / 3.2 = 78.125 %, PT 4.780 mA and DT 8.127 mA (module docstring)
    report = _grade(exercises, "scs-patient-leg-coverage", "correct")
    assert "78.12 %" in report.item("leg-covered").explanation
    assert "8.127 mA" in report.item("comfortable").explanation
    report = _grade(exercises, "scs-patient-migration", "correct")
    assert "7.574 mA" in report.item("comfortable").explanation  # DT on E2 after the migration


def test_trial_decision_follows_the_verdict_either_way(exercises):
    """The decision criterion follows the diary verdict of the attempt itself: after a failed trial
    'do not implant' is right; it would be wrong after a passed one (the rule, not a fixed answer)."""
    ex = exercises["scs-patient-trial-decision"]
    base = load_attempt(ATTEMPTS / ex.id / "correct.yaml")
    report = grade(ex, base)
    item = report.item("decision-follows-diary")
    assert item.passed and item.details["trial_passed"] is False
    assert "6.3 against 8" in item.explanation  # 44.1 / 7 = 6.3 (module docstring)
    # no decision at all: the criterion fails and says so
    empty = Attempt(exercise=ex.id, actions=base.actions, answers={"trial-relief": 21.25})
    item = grade(ex, empty).item("decision-follows-diary")
    assert not item.passed and "no decision" in item.explanation


def test_trial_diary_rule_by_hand(exercises):
    """The relief criterion's reference is 1 - mean diary NRS / baseline, from the diary events."""
    from simulator.training.grading import replay

    ex = exercises["scs-patient-trial-decision"]
    sim, _ = replay(ex, load_attempt(ATTEMPTS / ex.id / "correct.yaml"))
    diary = [e.payload["nrs"] for e in sim.results().events_where("patient", K.PATIENT_DIARY)]
    assert diary == [5.7, 5.6, 6.2, 7.4, 6.7, 6.8, 5.7]
    assert 1 - (sum(diary) / 7) / 8 == pytest.approx(0.2125)


def test_non_responder_diary_is_under_half_relief(exercises):
    """The non-responder's profile fixes tonic relief at 25 %: with 100 % coverage the model NRS is
    8 x (1 - 0.25) = 6; the answer's 20 % tolerance (20-30 %) holds the noisy diary's relief."""
    from simulator.training.grading import replay

    ex = exercises["scs-patient-non-responder"]
    sim, _ = replay(ex, load_attempt(ATTEMPTS / ex.id / "correct.yaml"))
    entries = [e for e in sim.results().events_where("patient", K.PATIENT_DIARY) if e.t_s <= ex.start_at]
    assert len(entries) == 14
    assert all(e.payload["model_nrs"] == pytest.approx(6.0) for e in entries)
    relief_pct = 100 * (1 - sum(e.payload["nrs"] for e in entries) / 14 / 8)
    assert 20 <= relief_pct <= 30


def test_unknown_patient_check_or_bad_args_name_the_criterion():
    from simulator.errors import InputError
    from simulator.training.exercise import exercise_from_dict
    from simulator.yaml_io import load_yaml_file
    from simulator.training.catalog import resolve_exercise_path

    data = load_yaml_file(resolve_exercise_path("scs-patient-leg-coverage"))
    data["criteria"][0]["args"] = {"min_pct": 170}
    with pytest.raises(InputError) as info:
        exercise_from_dict(data)
    assert "criteria[0].args" in str(info.value) and "min_pct" in str(info.value)
    data["criteria"][0].update(check="coverage_at_least", device="ipg", args={"min_pct": 70})
    with pytest.raises(InputError) as info:
        exercise_from_dict(data)
    assert "check is for a patient device, not a scs" in str(info.value)


def test_trial_decision_after_a_passed_trial_is_to_implant():
    """The same exercise with seed 1: this patient draws a strong tonic response and the diary reads
    1.3, 1.6, 1.9, 1.3, 1.7, 1.1, 1.0 (sum 9.9, mean 1.414): relief 1 - 1.414 / 8 = 82.3 % >= 50 %:
    now 'implant' is right and 'do not implant' is the mistake."""
    from simulator.training.catalog import resolve_exercise_path
    from simulator.training.exercise import exercise_from_dict
    from simulator.training.grading import replay
    from simulator.yaml_io import load_yaml_file

    path = resolve_exercise_path("scs-patient-trial-decision")
    data = load_yaml_file(path)
    data["scenario"]["seed"] = 1
    ex = exercise_from_dict(data, file=str(path))
    actions = load_attempt(ATTEMPTS / ex.id / "correct.yaml").actions
    sim, _ = replay(ex, Attempt(exercise=ex.id, actions=actions))
    diary = [e.payload["nrs"] for e in sim.results().events_where("patient", K.PATIENT_DIARY)]
    assert diary == [1.3, 1.6, 1.9, 1.3, 1.7, 1.1, 1.0]
    implant = grade(ex, Attempt(exercise=ex.id, actions=actions, answers={"trial-relief": 82.3, "decision": "implant the permanent system"}))
    assert implant.score == 9 and implant.passed
    refuse = grade(ex, Attempt(exercise=ex.id, actions=actions, answers={"trial-relief": 82.3, "decision": "do not implant"}))
    assert refuse.score == 9 - 3 and "so the trial passed" in refuse.item("decision-follows-diary").explanation
    assert "After a passed trial, implanting is the indicated next step" in refuse.item("decision-follows-diary").advice


PT_MA, DT_MA = 4.7804, 8.1266  # hand-worked in the module docstring


@settings(max_examples=25, deadline=None)
@given(low=st.integers(0, 120), span=st.integers(0, 60))
def test_remote_range_verdict_is_the_hand_rule(low, span):
    """Property: the remote-range criterion passes exactly when PT x 0.95 <= min <= DT and
    PT <= max <= DT x 1.05 (5 % slack); values on a 0.1 mA grid never fall within 0.02 mA of these
    bounds (4.541, 8.127, 4.780, 8.533)."""
    ex = load_exercise("scs-patient-thresholds")
    lo, hi = low / 10.0, (low + span) / 10.0
    attempt = Attempt(exercise=ex.id, actions=[
        {"at": 900, "device": "ipg", "action": "set_amplitude", "params": {"program": "leg", "amplitude_ma": 5.5}},
        {"at": 960, "device": "ipg", "action": "set_patient_limits", "params": {"program": "leg", "patient_min_ma": lo, "patient_max_ma": hi}},
    ])
    item = grade(ex, attempt).item("remote-range")
    rule = PT_MA * 0.95 <= lo <= DT_MA and PT_MA <= hi <= DT_MA * 1.05
    assert item.passed == rule, item.explanation


def test_after_the_far_migration_no_contact_covers_the_leg_without_the_abdomen(exercises):
    """Every bipole of the migrated lead (cathode Ek, anode beside it) at 3 to 12 mA: coverage stays
    at most 34.375 % (hand-worked in the module docstring) or the abdomen tingles; so 'revision'
    is the right conclusion. After the 12.5 mm migration E2 still reaches 78.125 % without it."""
    from simulator.engine import Simulation

    ex = exercises["scs-patient-migration-revision"]
    sim = Simulation(ex.scenario_model, validate=False)
    sim.run(until=ex.start_at)
    t = ex.start_at
    best_without_abdomen = 0.0
    for k in range(1, 9):
        anode = f"E{k + 1}" if k < 8 else "E7"
        for amp in (3.0, 4.5, 6.0, 7.5, 9.0, 10.5, 12.0):
            t += 60.0
            sim.run(until=t)
            program = {"name": "leg", "contacts": {f"E{k}": "-", anode: "+"}, "amplitude_ma": amp, "pulse_width_us": 300, "rate_hz": 50}
            assert sim.apply_action("ipg", "set_program", {"program": program})
            snap = sim.devices["patient"].snapshot()
            if "left_abdomen" not in snap.paresthesia_regions:
                best_without_abdomen = max(best_without_abdomen, snap.coverage_pct)
    assert best_without_abdomen == pytest.approx(34.375)


def test_abdomen_advice_names_the_cause_of_each_mistake(exercises):
    """Cathode at T10, amplitude over 1.3 x perception and pulse width over 450 us each get their own
    advice: E7 at 5.5 mA is 5.5 / 4.1775 = 1.317 x its PT (cathode and amplitude); E3 at 9 mA is
    9 / 4.780 = 1.88 x (amplitude only); E3 at 500 us is 5.5 / 3.832 = 1.435 x and 500 >= 450 us (both)."""
    cathode, amplitude, pulse = "The cathode lies at T10", "The amplitude is well above perception", "The pulse width is 450 us or more"
    cases = {"wrong-cathode-t10": ({cathode, amplitude}, {pulse}),
             "wrong-too-strong": ({amplitude}, {cathode, pulse}),
             "wrong-wide-pulse": ({amplitude, pulse}, {cathode})}
    for name, (present, absent) in cases.items():
        advice = _grade(exercises, "scs-patient-leg-coverage", name).item("no-abdomen").advice
        assert all(p in advice for p in present), (name, advice)
        assert not any(p in advice for p in absent), (name, advice)
    assert "1.317 times perception" in _grade(exercises, "scs-patient-leg-coverage", "wrong-cathode-t10").item("no-abdomen").explanation
    assert "1.883 times perception" in _grade(exercises, "scs-patient-leg-coverage", "wrong-too-strong").item("no-abdomen").explanation


def test_an_unknown_region_is_an_input_error():
    from simulator.errors import InputError
    from simulator.training.catalog import resolve_exercise_path
    from simulator.training.exercise import exercise_from_dict
    from simulator.yaml_io import load_yaml_file

    data = load_yaml_file(resolve_exercise_path("scs-patient-leg-coverage"))
    data["criteria"][1]["args"]["regions"] = ["left_abdomin"]
    with pytest.raises(InputError) as info:
        exercise_from_dict(data)
    assert "criteria[1].args" in str(info.value) and "left_abdomin" in str(info.value)
