"""`neuromod-sim run SCENARIO --out DIR`: simulate and write results atomically."""
from __future__ import annotations

import argparse
import sys


def add_parser(sub, parents) -> None:
    p = sub.add_parser(
        "run",
        parents=parents,
        help="run a scenario and write events.jsonl, summary.json and series/ into DIR",
        description="Run a scenario file and write its results into DIR (atomically: nothing half-written).",
    )
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--out", required=True, metavar="DIR", help="results folder (replaced if it exists)")
    p.add_argument("--seed", type=int, default=None, help="override the scenario's seed (>= 0)")
    p.add_argument("--until", default=None, metavar="DURATION", help="stop early, e.g. 30d")
    p.add_argument("--report", action="store_true", help="also make PNG plots and report.md in DIR")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary table")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from simulator.cli.main import registry_from_args
    from simulator.engine import ProgressPrinter, Simulation
    from simulator.errors import InputError, Issue
    from simulator.scenario import load_scenario
    from simulator.units import parse_duration_s

    if args.seed is not None and args.seed < 0:
        raise InputError(Issue("--seed", "must be a whole number >= 0", args.seed))
    until = None
    if args.until is not None:
        try:
            until = parse_duration_s(args.until)
        except ValueError as exc:
            raise InputError(Issue("--until", str(exc), args.until)) from None
    registry = registry_from_args(args)
    scenario = load_scenario(args.scenario, registry)
    sim = Simulation(scenario, registry=registry, seed=args.seed, validate=False)
    progress = None if args.quiet else ProgressPrinter(sys.stderr)
    sim.run(until, progress=progress)
    results = sim.results()
    if args.report:
        from simulator.report import write_report_into

        results.write(args.out)
        write_report_into(args.out)
    else:
        results.write(args.out)
    if not args.quiet:
        from simulator.errors import printable

        print(printable(summary_table(results.summary)))
        print(f"results written to {args.out}")
    return 0


def _flat(prefix: str, value, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, float):
        out.append((prefix, f"{value:.6g}"))
    elif isinstance(value, (int, str, bool)) or value is None:
        out.append((prefix, str(value)))
    elif isinstance(value, list):
        out.append((prefix, f"[{len(value)} items]"))


def summary_table(summary: dict) -> str:
    """A two-column text table of the scalar figures in a summary."""
    rows: list[tuple[str, str]] = []
    head = {k: summary[k] for k in ("scenario", "seed", "end_t_s", "completed") if k in summary}
    _flat("", head, rows)
    for dev_id, figures in summary.get("devices", {}).items():
        _flat(dev_id, {k: v for k, v in figures.items() if not isinstance(v, (list, dict))}, rows)
    width = max((len(k) for k, _ in rows), default=10)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
