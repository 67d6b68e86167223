"""`neuromod-sim report DIR`: PNG plots and report.md for a results folder written by `run`."""
from __future__ import annotations

import argparse


def add_parser(sub, parents) -> None:
    p = sub.add_parser(
        "report",
        parents=parents,
        help="make PNG plots and report.md for a results folder written by `run`",
        description=(
            "Read DIR (events.jsonl, summary.json, scenario.json, series/) and write DIR/report.md and "
            "DIR/plots/*.png: reservoir, delivery rate, daily dose against the drug's limit, battery, "
            "waveform snapshots and an alarm timeline, as far as the run has them. Needs no display."
        ),
    )
    p.add_argument("results_dir", metavar="DIR", help="results folder written by `neuromod-sim run --out DIR`")
    p.add_argument("--quiet", action="store_true", help="do not list the files written")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from simulator.cli.main import registry_from_args
    from simulator.extras import require
    from simulator.report import write_report_into

    require("`neuromod-sim report`", "matplotlib")

    files = write_report_into(args.results_dir, registry=registry_from_args(args))
    if not args.quiet:
        for path in files:
            print(path)
    return 0
