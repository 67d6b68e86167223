"""`neuromod-sim exercise list | show ID | check EXERCISE ATTEMPT`: training exercises, graded headless.

`check` replays the attempt on the exercise's scenario and prints the itemised result.
Exit codes: 0 the attempt passed; 3 it did not pass the exercise's criteria (the attempt is
valid, the trainee got something wrong); 2 invalid input (exercise or attempt file); 1 internal
error. An educator can grade a class with a loop over attempt files and read the exit codes,
or collect `--json` reports.
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
    pc.add_argument("attempt", metavar="ATTEMPT", help="attempt file (YAML or JSON)")
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


def _check(args, registry) -> int:
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
