"""The exercise framework on the toy tank: exercise validation, replay, criteria, attempts, CLI exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from simulator.cli.main import main
from simulator.errors import InputError
from simulator.training.attempt import AttemptRecorder, load_attempt, save_attempt
from simulator.training.exercise import exercise_from_dict, load_exercise
from simulator.training.grading import grade
from tests.conftest import TOY_PROFILES

DATA = Path(__file__).parent / "data"
EXERCISE = DATA / "toy_exercise.yaml"


@pytest.fixture
def exercise(toy_registry):
    return load_exercise(EXERCISE, toy_registry)


def graded(exercise, toy_registry, name):
    return grade(exercise, load_attempt(DATA / "attempts" / name), toy_registry)


def test_correct_attempt_passes_with_known_numbers(exercise, toy_registry):
    report = graded(exercise, toy_registry, "good.yaml")
    assert report.passed, report.to_text()
    # 0.5 mL/day for 1 h then 0.25 mL/day for 10 d - 1 h: 10 - 0.5/24 - 0.25 * (10 - 1/24)
    expected_left_ml = 10 - 0.5 / 24 - 0.25 * (10 - 1 / 24)
    assert report.item("volume-at-end").details["value"] == pytest.approx(expected_left_ml, rel=1e-9)
    assert report.item("drained-last-day").details["value"] == pytest.approx(-0.25, rel=1e-9)
    assert report.score == report.max_score == 7  # 4 x 1 + answer 2 + allowed-actions 1
    assert [i.id for i in report.items][-1] == "allowed-actions"


def test_late_action_fails_only_the_deadline(exercise, toy_registry):
    report = graded(exercise, toy_registry, "late.yaml")
    assert not report.passed
    assert [i.id for i in report.failed_items()] == ["rate-set"]
    assert "after the deadline 0d 02:00:00" in report.item("rate-set").explanation
    assert report.item("answer-left").passed  # "7.5" as text is read as a number


def test_wrong_attempt_explains_each_failure(exercise, toy_registry):
    report = graded(exercise, toy_registry, "wrong_rate.yaml")
    assert not report.passed
    failed = {i.id: i for i in report.failed_items()}
    assert set(failed) == {"rate-set", "volume-at-end", "drained-last-day", "no-refusal-4", "answer-left", "allowed-actions"}
    assert "rate ml per day was 2.5, expected 0.25" in failed["rate-set"].explanation
    assert "fill beyond capacity" in failed["no-refusal-4"].explanation
    assert "fill on tank" in failed["allowed-actions"].explanation
    assert failed["answer-left"].advice.startswith("Volume left")
    assert report.item("volume-at-end").details["value"] == pytest.approx(0.0)
    assert report.score == 0


def test_optional_criterion_does_not_fail_the_exercise(exercise, toy_registry):
    attempt = load_attempt(DATA / "attempts" / "good.yaml").model_copy(update={"answers": {"left-ml": 1}})
    report = grade(exercise, attempt, toy_registry)
    assert report.passed and not report.item("answer-left").passed
    assert report.score == 5  # 4 x 1 + allowed-actions 1


def test_pass_score_pct_applies(toy_registry):
    data = yaml.safe_load(EXERCISE.read_text())
    data["pass_score_pct"] = 90
    ex = exercise_from_dict(data, toy_registry)
    attempt = load_attempt(DATA / "attempts" / "good.yaml").model_copy(update={"answers": {}})
    report = grade(ex, attempt, toy_registry)
    assert report.score_pct == pytest.approx(500 / 7) and not report.passed  # 4 x 1 + allowed 1 of 7


@pytest.mark.parametrize(
    "change, path, phrase",
    [
        ({"level": "expert"}, "level", "beginner"),
        ({"criteria": [{"kind": "signal_value", "title": "x", "device": "tank", "signal": "volume_ml", "target": 1, "tolerance_pct": 150}]}, "criteria[0].signal_value.tolerance_pct", "less than or equal to 100"),
        ({"criteria": [{"kind": "nonsense", "title": "x"}]}, "criteria[0]", "action_done"),
        ({"allowed": [{"device": "pump", "actions": ["set_rate"]}]}, "allowed[0].device", "devices: tank"),
        ({"allowed": [{"device": "tank", "actions": ["drain"]}]}, "allowed[0].actions[0]", "allowed: fill, set_rate"),
        ({"start_at": "20d"}, "start_at", "0 to 10d"),
        ({"scenario": "no_such_scenario"}, "scenario", "no such scenario"),
        ({"criteria": [{"kind": "answer", "title": "x", "question": "nope", "expected": 1}]}, "criteria[0].question", "questions: left-ml"),
        ({"criteria": [{"kind": "action_done", "title": "x", "device": "tank", "action": "set_rate", "before": "30d"}]}, "criteria[0].before", "0 to 10d"),
    ],
)
def test_invalid_exercise_names_field_value_and_allowed(toy_registry, tmp_path, capsys, change, path, phrase):
    data = yaml.safe_load(EXERCISE.read_text())
    data.update(change)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError) as err:
        load_exercise(bad, toy_registry)
    issue = next(i for i in err.value.issues if i.path == path)
    assert issue.file == str(bad) and phrase in str(issue)
    # the CLI: validate and check both exit 2 naming the file and field
    code = main(["exercise", "check", str(bad), str(DATA / "attempts" / "good.yaml"), "--profiles", str(TOY_PROFILES)])
    err_text = capsys.readouterr().err
    assert code == 2 and str(bad) in err_text and path in err_text
    assert main(["validate", str(bad), "--profiles", str(TOY_PROFILES)]) == 2


def test_inline_scenario_error_is_placed_under_scenario(toy_registry):
    data = yaml.safe_load(EXERCISE.read_text())
    data["scenario"]["devices"][0]["settings"]["volume_ml"] = -1
    with pytest.raises(InputError) as err:
        exercise_from_dict(data, toy_registry, file="x.yaml")
    assert any(i.path == "scenario.devices[0].settings.volume_ml" and i.value == -1 for i in err.value.issues)


@pytest.mark.parametrize(
    "actions, path, phrase",
    [
        ([{"at": "11d", "device": "tank", "action": "set_rate", "params": {"rate_ml_per_day": 1}}], "actions[0].at", "0 to 10d"),
        ([{"at": "1h", "device": "pump", "action": "set_rate"}], "actions[0].device", "devices: tank"),
        ([{"at": "1h", "device": "tank", "action": "drain"}], "actions[0].action", "allowed: fill, set_rate"),
        ([{"at": "1h", "device": "tank", "action": "set_rate", "params": {"rate_ml_per_day": -3}}], "actions[0].params.rate_ml_per_day", "greater than or equal to 0"),
        ([{"at": "yesterday", "device": "tank", "action": "set_rate"}], "actions[0].at", "duration"),
    ],
)
def test_invalid_attempt_exits_2(toy_registry, tmp_path, capsys, actions, path, phrase):
    bad = tmp_path / "attempt.yaml"
    bad.write_text(yaml.safe_dump({"exercise": "toy-rate-change", "actions": actions}))
    code = main(["exercise", "check", str(EXERCISE), str(bad), "--profiles", str(TOY_PROFILES)])
    err = capsys.readouterr().err
    assert code == 2
    line = next(text for text in err.splitlines() if path in text)
    assert str(bad) in line and phrase in line


def test_attempt_for_another_exercise_exits_2(toy_registry, tmp_path, capsys):
    bad = tmp_path / "attempt.json"
    bad.write_text(json.dumps({"exercise": "other", "actions": []}))
    assert main(["exercise", "check", str(EXERCISE), str(bad), "--profiles", str(TOY_PROFILES)]) == 2
    assert "another exercise" in capsys.readouterr().err


def test_an_answer_to_a_question_the_exercise_does_not_ask_exits_2(toy_registry, tmp_path, capsys):
    """The good attempt with its answer under a misspelt id ('left_ml'): it was ignored and the
    question 'left-ml' graded as not answered (exit 3); now the file is invalid, naming the key."""
    good = yaml.safe_load((DATA / "attempts" / "good.yaml").read_text())
    bad = tmp_path / "attempt.yaml"
    bad.write_text(yaml.safe_dump({**good, "answers": {"left_ml": 7.5}}))
    assert main(["exercise", "check", str(EXERCISE), str(bad), "--profiles", str(TOY_PROFILES)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: answers.left_ml: no such question in exercise 'toy-rate-change'; questions: left-ml; did you mean 'left-ml'? (got 7.5)" in err, err


def test_cli_check_exit_codes_and_json(toy_registry, tmp_path, capsys):
    good, wrong = DATA / "attempts" / "good.yaml", DATA / "attempts" / "wrong_rate.yaml"
    assert main(["exercise", "check", str(EXERCISE), str(good), "--profiles", str(TOY_PROFILES)]) == 0
    out = capsys.readouterr().out
    assert "PASSED" in out and "Debrief" in out
    out_json = tmp_path / "record.json"
    assert main(["exercise", "check", str(EXERCISE), str(wrong), "--json", str(out_json), "--profiles", str(TOY_PROFILES)]) == 3
    assert "[FAIL] Set the rate to 0.25 mL/day in time" in capsys.readouterr().out
    record = json.loads(out_json.read_text())
    assert record["grade"]["passed"] is False and len(record["attempt"]["actions"]) == 3
    assert main(["exercise", "show", str(EXERCISE), "--debrief", "--profiles", str(TOY_PROFILES)]) == 0
    shown = capsys.readouterr().out
    assert "left-ml: How many mL" in shown and "0.5 mL/day for 1 hour" in shown


def test_recorder_keeps_trainee_actions_with_wall_clock_and_roundtrips(exercise, toy_registry, tmp_path):
    from datetime import datetime

    from simulator.engine import Simulation

    ticks = iter(datetime(2026, 3, 2, 9, m) for m in range(60))
    data = exercise.scenario_model.model_dump()
    data["timeline"] = [{"at": 0.0, "device": "tank", "action": "fill", "params": {"volume_ml": 1}}]
    scenario = type(exercise.scenario_model).model_validate(data)
    sim = Simulation(scenario, registry=toy_registry)
    rec = AttemptRecorder(exercise.id, trainee="T", clock=lambda: next(ticks))
    rec.attach(sim)
    sim.run(until=3600)
    sim.apply_action("tank", "set_rate", {"rate_ml_per_day": 0.25})
    sim.advance(600)
    refused = sim.apply_action("tank", "fill", {"volume_ml": 100})
    assert not refused
    rec.answers["left-ml"] = 7.5
    attempt = rec.attempt(finished=True)
    assert [(a.action, a.at, a.accepted) for a in attempt.actions] == [("set_rate", 3600.0, True), ("fill", 4200.0, False)]
    assert attempt.actions[0].wall_clock == datetime(2026, 3, 2, 9, 2)  # 0: start, 1: the timeline fill
    assert attempt.actions[1].reason == "fill beyond capacity"
    for suffix in ("yaml", "json"):
        path = tmp_path / f"a.{suffix}"
        save_attempt(attempt, path)
        again = load_attempt(path)
        assert again == attempt
        assert not list(tmp_path.glob(".*tmp*"))
    # what the recorder saw grades the same as the hand-written good attempt minus the refusal
    report = grade(exercise, again, toy_registry)
    assert [i.id for i in report.failed_items()] == ["no-refusal-4", "allowed-actions"]
