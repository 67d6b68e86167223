"""`neuromod-sim exercise list | show ID | check EXERCISE ATTEMPT`: training exercises, graded headless.

`check` replays the attempt on the exercise's scenario and prints the itemised result.
Exit codes: 0 the attempt passed; 3 it did not pass the exercise's criteria (the attempt is
valid, the trainee got something wrong); 2 invalid input (exercise or attempt file); 1 internal
error. An educator grades a class in one command: `check EXERCISE attempts/*.yaml --csv grades.csv`
(one row per attempt; exit 0 when every file was graded, passed or not; 2 when a file was invalid,
the others still graded and the invalid one listed in the CSV with the reason).
"""
from __future__ import annotations

import argparse
import sys

EXIT_NOT_PASSED = 3


def add_parser(sub, parents) -> None:
    p = sub.add_parser(
        "exercise",
        help="training exercises: list, show, check (grade) an attempt",
        description="Guided training exercises. `check` exits 0 when the attempt passes, 3 when it does not pass the criteria, 2 on invalid input.",
    )
    esub = p.add_subparsers(dest="exercise_command", metavar="SUBCOMMAND")
    p.set_defaults(handler=run, exercise_command=None)

    pl = esub.add_parser("list", parents=parents, help="list the bundled exercises")
    pl.set_defaults(handler=run)

    ps = esub.add_parser("show", parents=parents, help="print an exercise's task, allowed actions, criteria and hints")
    ps.add_argument("exercise", metavar="EXERCISE", help="exercise id or file")
    ps.add_argument("--debrief", action="store_true", help="also print the debrief (the right answer)")
    ps.set_defaults(handler=run)

    pc = esub.add_parser(
        "check",
        parents=parents,
        help="grade a saved attempt (exit 0 passed, 3 not passed, 2 invalid input)",
        description="Replay ATTEMPT on EXERCISE's scenario and print the itemised result. Exit 0 passed, 3 not passed, 2 invalid input.",
    )
    pc.add_argument("exercise", metavar="EXERCISE", help="exercise id or file")
    pc.add_argument("attempt", metavar="ATTEMPT", nargs="+", help="attempt file(s) (YAML or JSON); several grade a class (see --csv)")
    pc.add_argument("--csv", metavar="FILE", help="grade every ATTEMPT and write one row per attempt (criterion columns; invalid files listed with the reason) into FILE, atomically; exit 0 when all were graded, 2 when a file was invalid")
    pc.add_argument("--json", metavar="FILE", help="also write the educator record (attempt and grade) as JSON; '-' prints it instead of the text")
    pc.add_argument("--no-debrief", action="store_true", help="leave the debrief out of the printed result")
    pc.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from simulator.cli.main import registry_from_args

    registry = registry_from_args(args)
    cmd = args.exercise_command
    if cmd == "list" or cmd is None:
        return _list(registry)
    if cmd == "show":
        return _show(args, registry)
    return _check(args, registry)


def _print(*parts, **kw) -> None:
    """print, with the control characters of file-given text (escape codes) made visible."""
    from simulator.errors import printable

    print(*(printable(p) for p in parts), **kw)


def _list(registry) -> int:
    from simulator.errors import InputError
    from simulator.training.catalog import bundled_exercise_paths
    from simulator.training.exercise import load_exercise

    rows = []
    bad = 0
    for path in bundled_exercise_paths():
        try:
            ex = load_exercise(path, registry)
        except InputError as exc:
            bad += 1
            _print(f"INVALID {path}: {exc.issues[0]}", file=sys.stderr)
            continue
        rows.append((ex.id, ex.level, ex.title))
    if not rows:
        _print("no exercises found")
        return 2 if bad else 0
    w = max(len(r[0]) for r in rows)
    for ex_id, level, title in rows:
        _print(f"{ex_id:<{w}}  {level:<12}  {title}")
    return 2 if bad else 0


def _show(args, registry) -> int:
    from simulator.training.exercise import load_exercise
    from simulator.units import describe_elapsed

    ex = load_exercise(args.exercise, registry)
    _print(f"{ex.title}  [{ex.id}, {ex.level}]")
    _print()
    _print(ex.task.strip())
    _print()
    _print(f"Scenario: {ex.scenario_model.name} (you start at {describe_elapsed(ex.start_at)}, it runs to {describe_elapsed(ex.scenario_model.duration)})")
    if ex.allowed:
        _print("You may use: " + "; ".join(f"{a.device}: {', '.join(a.actions)}" for a in ex.allowed))
    if ex.questions:
        _print("Questions to answer:")
        for q in ex.questions:
            extra = f" (choices: {', '.join(q.choices)})" if q.choices else (f" [{q.unit}]" if q.unit else "")
            _print(f"  {q.id}: {q.prompt}{extra}")
    _print("You will be judged on:")
    for c in ex.criteria_with_ids():
        _print(f"  - {c.title}{'' if c.required else ' (optional)'}  [{c.points:g} pt]")
    if ex.hints:
        _print("Hints:")
        for h in ex.hints:
            _print(f"  - {h}")
    if args.debrief:
        _print()
        _print("Debrief:")
        _print(ex.debrief.strip())
    return 0


def _refuse_writing_over_inputs(args) -> None:
    """InputError when --csv or --json names the exercise or one of the attempts being graded:
    the grades would be written over a student's file (checked before anything is graded)."""
    import os

    from simulator.errors import InputError, Issue

    inputs = {os.path.realpath(p) for p in [args.exercise, *args.attempt] if isinstance(p, str) and os.path.lexists(p)}
    for option, target in (("--csv", args.csv), ("--json", args.json)):
        if target not in (None, "-") and os.path.realpath(target) in inputs:
            raise InputError(Issue(option, "is one of the files being graded (the exercise or an attempt); give another file name, e.g. grades.csv", target))


def _check(args, registry) -> int:
    _refuse_writing_over_inputs(args)
    if args.csv is not None or len(args.attempt) > 1:
        return _check_class(args, registry)
    args.attempt = args.attempt[0]
    import json

    from simulator.training.attempt import load_attempt, write_text_atomic
    from simulator.training.exercise import load_exercise
    from simulator.training.grading import educator_record, grade

    ex = load_exercise(args.exercise, registry)
    attempt = load_attempt(args.attempt)
    report = grade(ex, attempt, registry, attempt_file=args.attempt)
    record = educator_record(ex, attempt, report)
    if args.json == "-":
        print(json.dumps(record, indent=2))
    else:
        print(report.to_text(show_debrief=not args.no_debrief))
        if args.json:
            write_text_atomic(args.json, json.dumps(record, indent=2) + "\n")
    return 0 if report.passed else EXIT_NOT_PASSED


EXIT_SOME_INVALID = 2


def _check_class(args, registry) -> int:
    """Grade several attempts: a line each, a CSV with --csv. Exit 0 all graded, 2 a file invalid."""
    from simulator.errors import InputError, Issue
    from simulator.training.attempt import write_text_atomic
    from simulator.training.class_grades import (
        MAX_ATTEMPT_FILES,
        check_csv_target,
        class_csv,
        grade_class,
        printable,
    )
    from simulator.training.exercise import load_exercise

    if args.json:
        raise InputError(Issue("--json", "takes one ATTEMPT; for a class use --csv", args.json))
    if len(args.attempt) > MAX_ATTEMPT_FILES:
        raise InputError(Issue("ATTEMPT", f"at most {MAX_ATTEMPT_FILES} attempt files at once", len(args.attempt)))
    if args.csv is not None:
        check_csv_target(args.csv)
    ex = load_exercise(args.exercise, registry)
    rows = grade_class(ex, list(args.attempt), registry)
    for r in rows:
        if r.status == "invalid":
            print(f"INVALID  {r.attempt_file}: {printable(r.reason, 500)}", file=sys.stderr)
        else:
            print(f"{'PASS' if r.passed else 'FAIL':<8} {r.attempt_file}  {r.score:g}/{r.max_score:g}  {printable(r.trainee)}")
    if args.csv is not None:
        write_text_atomic(args.csv, class_csv(ex, rows))
    graded = [r for r in rows if r.status == "graded"]
    invalid = len(rows) - len(graded)
    print(f"{len(graded)} graded ({sum(1 for r in graded if r.passed)} passed, {sum(1 for r in graded if not r.passed)} not passed), {invalid} invalid"
          + (f"; grades written to {args.csv}" if args.csv is not None else ""))
    return EXIT_SOME_INVALID if invalid else 0
