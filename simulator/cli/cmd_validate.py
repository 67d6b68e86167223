"""`neuromod-sim validate FILE...`: check scenario (and profile) files without running them."""
from __future__ import annotations

import argparse
import sys


def add_parser(sub, parents) -> None:
    p = sub.add_parser(
        "validate",
        parents=parents,
        help="check scenario, exercise or profile files; exit 2 if any is invalid",
        description="Check files without running them. The kind of each file is told by its content: a mapping with `id: kind/name` is a profile, one with `task:` an exercise, otherwise a scenario.",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    from simulator.cli.overrides import add_set_argument

    add_set_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from simulator.cli.main import registry_from_args
    from simulator.cli.overrides import parse_sets
    from simulator.errors import InputError, printable
    from simulator.validation import validate_file

    registry = registry_from_args(args)
    sets = parse_sets(getattr(args, "set", None))
    failed = 0
    for name in args.files:
        try:
            kind = validate_file(name, registry, sets=sets)
        except InputError as exc:
            failed += 1
            print(f"INVALID {printable(name)}", file=sys.stderr)
            for issue in exc.issues:
                print(f"  {issue}", file=sys.stderr)
            continue
        print(f"ok      {printable(name)} ({kind})")
    return 2 if failed else 0
