"""`neuromod-sim report DIR`: PNG plots, report.md and report.html for a results folder written by `run`.

`--window 0d..7d` and `--devices pump,scs` narrow the report to a part of the run (for a lesson
on one week or one device). Times are written in days from the start and calendar time."""
from __future__ import annotations

import argparse


def add_parser(sub, parents) -> None:
    p = sub.add_parser(
        "report",
        parents=parents,
        help="make PNG plots, report.md and report.html for a results folder written by `run`",
        description=(
            "Read DIR (events.jsonl, summary.json, scenario.json, series/) and write DIR/report.md, DIR/report.html "
            "(self-contained, images embedded) and DIR/plots/*.png: reservoir, delivery rate, daily dose against the drug's limit, battery, "
            "waveform snapshots and an alarm timeline, as far as the run has them. Needs no display."
        ),
    )
    p.add_argument("results_dir", metavar="DIR", help="results folder written by `neuromod-sim run --out DIR`")
    p.add_argument("--window", metavar="START..END", default=None, help="report only this part of the run, e.g. 0d..7d, 36h..3d, 10d.. (durations from the scenario start)")
    p.add_argument("--devices", metavar="IDS", default=None, help="report only these devices, e.g. pump,scs (ids separated by commas)")
    p.add_argument("--quiet", action="store_true", help="do not list the files written")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from simulator.atomic import InterruptedAfterWrite
    from simulator.cli.main import Interrupted, registry_from_args
    from simulator.errors import InputError
    from simulator.extras import require
    from simulator.report import write_report_into

    require("`neuromod-sim report`", "matplotlib")

    try:
        files = write_report_into(args.results_dir, registry=registry_from_args(args), window=args.window, devices=args.devices)
    except InterruptedAfterWrite:
        raise Interrupted(f"interrupted; the report had been written to {args.results_dir} in full") from None
    except KeyboardInterrupt:
        # the renames that put a report in place hold Ctrl-C back: it came before them
        raise Interrupted(f"interrupted; no report was written: {args.results_dir} is as it was") from None
    except InputError:
        raise
    except Exception:
        print(f"neuromod-sim report: no report was written: {args.results_dir} is as it was", file=sys.stderr)
        raise
    if not args.quiet:
        for path in files:
            print(path)
    return 0
