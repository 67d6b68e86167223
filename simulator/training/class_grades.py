"""Grade a class: many attempt files against one exercise, one CSV row per attempt.

Every file is graded on its own: an invalid one (unreadable, malformed, for another exercise,
an action the exercise does not allow) becomes a row with status `invalid` and the reason, and
the others are graded all the same. The CSV has fixed columns, then one column per criterion
of the exercise (`pass` / `fail`, in the exercise's order), then `reason`.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from simulator.errors import InputError, Issue

MAX_ATTEMPT_FILES = 5000
FIXED_COLUMNS = ["attempt_file", "trainee", "status", "passed", "score", "max_score", "score_pct"]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ClassRow:
    """The grade of one attempt file (status 'graded' or 'invalid')."""

    attempt_file: str
    status: str
    trainee: str = ""
    passed: bool | None = None
    score: float | None = None
    max_score: float | None = None
    score_pct: float | None = None
    criteria: dict[str, bool] = field(default_factory=dict)
    reason: str = ""


def grade_class(exercise, attempt_files: list[str], registry=None) -> list[ClassRow]:
    """One ClassRow per file, in the order given. Never raises for a bad attempt file."""
    from simulator.training.attempt import load_attempt
    from simulator.training.grading import grade

    rows: list[ClassRow] = []
    for path in attempt_files:
        try:
            attempt = load_attempt(path)
            report = grade(exercise, attempt, registry, attempt_file=str(path))
        except InputError as exc:
            # the row names the file already: the reason is each issue without it
            rows.append(ClassRow(str(path), "invalid", reason="; ".join(str(Issue(i.path, i.message, i.value)) for i in exc.issues)))
            continue
        rows.append(
            ClassRow(
                str(path),
                "graded",
                trainee=report.trainee or "",
                passed=report.passed,
                score=report.score,
                max_score=report.max_score,
                score_pct=report.score_pct,
                criteria={item.id: item.passed for item in report.items},
            )
        )
    return rows


def _text(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (trainee names come from files)."""
    value = " ".join(str(value).split())
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def printable(value: str, limit: int = 200) -> str:
    """Text from a file, safe to print on one line: control characters dropped, cut to `limit`."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def class_csv(exercise, rows: list[ClassRow]) -> str:
    """The CSV text: a header, then one line per row."""
    criterion_ids = [c.id for c in exercise.criteria_with_ids()]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*FIXED_COLUMNS, *criterion_ids, "reason"])
    for r in rows:
        passed = "" if r.passed is None else ("yes" if r.passed else "no")
        marks = ["" if cid not in r.criteria else ("pass" if r.criteria[cid] else "fail") for cid in criterion_ids]
        writer.writerow([_text(r.attempt_file), _text(r.trainee), r.status, passed, _number(r.score), _number(r.max_score), _number(r.score_pct), *marks, _text(r.reason)])
    return out.getvalue()


def check_csv_target(path: str | Path) -> None:
    """InputError (--csv) before any grading when the CSV cannot be written where asked."""
    target = Path(path)
    if target.is_dir():
        raise InputError(Issue("--csv", "is a folder; give a file name such as grades.csv", str(path)))
    if not target.resolve().parent.is_dir():
        raise InputError(Issue("--csv", "the folder does not exist", str(target.resolve().parent)))
