"""`neuromod-sim exercise check EXERCISE attempts/*.yaml --csv grades.csv`: a class in one command."""
from __future__ import annotations

import csv
import shutil

import pytest

from simulator.cli.main import main
from tests.conftest import ROOT, TOY_PROFILES

DATA = ROOT / "tests" / "training" / "data"
EXERCISE = DATA / "toy_exercise.yaml"
CRITERIA = ["rate-set", "volume-at-end", "drained-last-day", "no-refusal-4", "answer-left", "allowed-actions"]


@pytest.fixture
def classroom(tmp_path, toy_registry):  # toy_registry installs the toy tank device kind
    """attempts/: the three toy attempts, one malformed file and one for another exercise."""
    attempts = tmp_path / "attempts"
    attempts.mkdir()
    for name in ("good.yaml", "late.yaml", "wrong_rate.yaml"):
        shutil.copy(DATA / "attempts" / name, attempts / name)
    (attempts / "broken.yaml").write_text("kind: attempt\nexercise: toy-rate-change\nactions: 5\n")
    (attempts / "other.yaml").write_text("kind: attempt\nexercise: pump-alarms\ntrainee: '=HYPERLINK(\"x\")'\nactions: []\n")
    return tmp_path


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def check(classroom, *files, csv_name="grades.csv"):
    return main(["exercise", "check", str(EXERCISE), *[str(classroom / "attempts" / f) for f in files], "--csv", str(classroom / csv_name), "--profiles", str(TOY_PROFILES)])


def test_a_class_with_an_invalid_file_is_graded_and_exits_2(classroom, capsys):
    files = ["good.yaml", "broken.yaml", "late.yaml", "other.yaml", "wrong_rate.yaml"]
    assert check(classroom, *files) == 2
    rows = read_rows(classroom / "grades.csv")
    with open(classroom / "grades.csv") as f:
        header = next(csv.reader(f))
    assert header == ["attempt_file", "trainee", "status", "passed", "score", "max_score", "score_pct", *CRITERIA, "reason"]
    assert [r["attempt_file"].rsplit("/", 1)[1] for r in rows] == files  # one row per attempt, in order
    good, broken, late, other, wrong = rows
    # scores by hand: criteria worth 1, 1, 1, 1, 2 (the answer) and 1 (allowed actions): 7 in all
    assert (good["status"], good["passed"], good["score"], good["max_score"], good["score_pct"]) == ("graded", "yes", "7", "7", "100")
    assert good["trainee"] == "Test Trainee" and all(good[c] == "pass" for c in CRITERIA)
    # late: the rate was set at 3 h, after the 2 h deadline; all else right: 6/7 = 85.71 %, not passed
    assert (late["passed"], late["score"], late["score_pct"], late["rate-set"]) == ("no", "6", "85.7143", "fail")
    assert [late[c] for c in CRITERIA[1:]] == ["pass"] * 5
    # wrong_rate: 2.5 mL/day, an over-full fill refused and not allowed, answer 3 mL: every scored criterion fails
    assert (wrong["passed"], wrong["score"]) == ("no", "0") and all(wrong[c] == "fail" for c in CRITERIA)
    assert broken["status"] == "invalid" and broken["score"] == "" and "actions" in broken["reason"]
    assert other["status"] == "invalid" and "another exercise" in other["reason"] and other["rate-set"] == ""
    out = capsys.readouterr()
    assert "3 graded (1 passed, 2 not passed), 2 invalid" in out.out
    assert "INVALID" in out.err and "broken.yaml" in out.err
    assert sorted(p.name for p in classroom.iterdir()) == ["attempts", "grades.csv"]  # no temporary left


def test_all_graded_exits_0_even_when_some_failed(classroom):
    assert check(classroom, "good.yaml", "wrong_rate.yaml") == 0
    assert [r["passed"] for r in read_rows(classroom / "grades.csv")] == ["yes", "no"]


def test_a_trainee_name_is_never_a_spreadsheet_formula(tmp_path, toy_registry):
    attempt = tmp_path / "attempts"
    attempt.mkdir()
    text = (DATA / "attempts" / "good.yaml").read_text().replace("trainee: Test Trainee", "trainee: '=HYPERLINK(\"http://x\")'")
    (attempt / "a.yaml").write_text(text)
    assert check(tmp_path, "a.yaml") == 0
    assert read_rows(tmp_path / "grades.csv")[0]["trainee"] == "'=HYPERLINK(\"http://x\")"


def test_bad_exercise_or_csv_target_exits_2_and_keeps_the_old_csv(classroom, capsys):
    (classroom / "grades.csv").write_text("old grades\n")
    assert main(["exercise", "check", str(classroom / "attempts" / "broken.yaml"), str(classroom / "attempts" / "good.yaml"), "--csv", str(classroom / "grades.csv")]) == 2
    assert (classroom / "grades.csv").read_text() == "old grades\n"
    assert check(classroom, "good.yaml", csv_name="no_such_folder/grades.csv") == 2
    assert "--csv" in capsys.readouterr().err
    assert main(["exercise", "check", str(EXERCISE), str(classroom / "attempts" / "good.yaml"), str(classroom / "attempts" / "late.yaml"), "--json", "x.json", "--profiles", str(TOY_PROFILES)]) == 2


def test_one_attempt_without_csv_keeps_its_exit_codes(classroom):
    base = ["exercise", "check", str(EXERCISE), "--profiles", str(TOY_PROFILES)]
    assert main([*base, str(classroom / "attempts" / "good.yaml")]) == 0
    assert main([*base, str(classroom / "attempts" / "late.yaml")]) == 3
    assert main([*base, str(classroom / "attempts" / "broken.yaml")]) == 2


def test_records_exported_by_the_app_are_graded_afresh(classroom, toy_registry):
    """The app's 'Export attempt...' writes an attempt record (the attempt and its grade): the
    class grader replays the attempt inside and ignores the grade written in the file."""
    import json

    import yaml

    attempt = yaml.safe_load((DATA / "attempts" / "late.yaml").read_text())
    record = {"kind": "attempt_record", "exercise": {"id": "toy-rate-change"}, "attempt": attempt, "grade": {"passed": True, "score": 7}}
    (classroom / "attempts" / "exported.json").write_text(json.dumps(record))
    broken = {"kind": "attempt_record", "attempt": {**attempt, "actions": 5}}
    (classroom / "attempts" / "exported_broken.json").write_text(json.dumps(broken))
    assert check(classroom, "exported.json", "exported_broken.json") == 2
    exported, bad = read_rows(classroom / "grades.csv")
    assert (exported["status"], exported["passed"], exported["score"]) == ("graded", "no", "6")  # late: 6/7, not the claimed 7
    assert bad["status"] == "invalid" and "attempt.actions" in bad["reason"]


def test_grades_are_never_written_over_an_attempt_or_the_exercise(classroom, capsys):
    """`--csv` or `--json` naming a file being graded (a typo in a shell line) is refused before
    any grading, exit 2, and the student's file keeps its bytes."""
    good = classroom / "attempts" / "good.yaml"
    exercise = classroom / "exercise.yaml"
    shutil.copy(EXERCISE, exercise)
    kept = {p: p.read_bytes() for p in (good, exercise)}
    base = ["exercise", "check", str(exercise), "--profiles", str(TOY_PROFILES)]
    assert main([*base, str(good), str(classroom / "attempts" / "late.yaml"), "--csv", str(good)]) == 2
    assert "--csv" in capsys.readouterr().err
    assert main([*base, str(good), "--json", str(good)]) == 2
    assert main([*base, str(good), "--json", str(exercise)]) == 2
    assert "being graded" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in kept} == kept
    assert main([*base, str(good), "--json", str(classroom / "record.json")]) == 0  # another file: written
    assert (classroom / "record.json").is_file()
