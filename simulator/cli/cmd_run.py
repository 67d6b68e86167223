"""`neuromod-sim run SCENARIO --out DIR`: simulate and write results atomically.

DIR is replaced only if it is new, empty or an earlier result of neuromod-sim (it holds the
marker `neuromod-sim-result.json`, see `simulator.output`); any other folder is refused with
exit 2 before the simulation starts. With `--report` the plots and report.md are made inside
the same temporary folder, so DIR gets the results and the report together, or nothing."""
from __future__ import annotations

import argparse
import sys


#: largest --seed, as for a scenario's `seed` (simulator.scenario.model.Scenario)
MAX_SEED = 2**63 - 1


def add_parser(sub, parents) -> None:
    p = sub.add_parser(
        "run",
        parents=parents,
        help="run a scenario and write events.jsonl, summary.json and series/ into DIR",
        description="Run a scenario file and write its results into DIR (atomically: nothing half-written).",
    )
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="results folder: new, empty, or an earlier result of neuromod-sim (marked by neuromod-sim-result.json), which is replaced; any other folder is refused",
    )
    p.add_argument("--seed", type=int, default=None, help="override the scenario's seed (>= 0)")
    p.add_argument("--until", default=None, metavar="DURATION", help="stop early, e.g. 30d")
    p.add_argument("--report", action="store_true", help="also make PNG plots and report.md in DIR")
    p.add_argument("--window", metavar="START..END", default=None, help="with --report: report only this part of the run, e.g. 0d..7d, 36h..3d, 10d.. (durations from the scenario start)")
    p.add_argument("--devices", metavar="IDS", default=None, help="with --report: report only these devices, e.g. pump,scs (ids separated by commas)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary table")
    p.add_argument("--compress", action="store_true", help="write events.jsonl.gz (gzip) instead of events.jsonl; read back by load_results and report")
    p.add_argument("--format", dest="results_format", choices=("jsonl", "parquet"), default="jsonl",
                   help="jsonl (default: events.jsonl and series/*.csv) or parquet (events.parquet and series/*.parquet; needs the 'data' extra)")
    from simulator.cli.overrides import add_set_argument

    add_set_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from simulator.atomic import InterruptedAfterWrite, prepare_destination
    from simulator.cli.main import Interrupted, registry_from_args
    from simulator.cli.overrides import load_scenario_with_sets
    from simulator.engine import ProgressPrinter, Simulation
    from simulator.errors import InputError, Issue
    from simulator.output import write_results
    from simulator.units import parse_duration_s

    if args.report:
        from simulator.extras import require

        require("`neuromod-sim run --report`", "matplotlib")  # before simulating, not after
    if args.results_format == "parquet":
        from simulator.extras import require

        require("`neuromod-sim run --format parquet`", "pyarrow")
        if args.compress:
            raise InputError(Issue("--compress", "applies to --format jsonl only (Parquet files are compressed already)", True))
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        raise InputError(Issue("--seed", f"must be a whole number from 0 to {MAX_SEED} (the range of a scenario's seed)", args.seed))
    until = None
    if args.until is not None:
        try:
            until = parse_duration_s(args.until)
        except ValueError as exc:
            raise InputError(Issue("--until", str(exc), args.until)) from None
    # before simulating: refuse a folder we may not replace, repair what a killed run left
    out, _ = prepare_destination(args.out, "run", "--out")
    registry = registry_from_args(args)
    scenario = load_scenario_with_sets(args.scenario, registry, getattr(args, "set", None))
    if args.window is not None or args.devices is not None:
        from simulator.report.scope import scope_from_args

        if not args.report:
            raise InputError(Issue("--window" if args.window is not None else "--devices", "only applies with --report", args.window or args.devices))
        scope_from_args(args.window, args.devices, [d.id for d in scenario.devices], float(scenario.duration))  # checked before the run
    sim = Simulation(scenario, registry=registry, seed=args.seed, validate=False)
    progress = None if args.quiet else ProgressPrinter(sys.stderr)
    report_error: list[BaseException] = []

    def add_report(folder) -> None:
        from simulator.report.build import write_report

        try:
            write_report(folder, registry, window=args.window, devices=args.devices)
        except Exception as exc:  # the results are still worth keeping: say what went wrong after
            report_error.append(exc)

    written = False
    try:
        sim.run(until, progress=progress)
        results = sim.results()
        write_results(results, out, extra=add_report if args.report else None, compress=args.compress, fmt=args.results_format)
        written = True
        if not args.quiet:
            from simulator.errors import printable

            print(printable(summary_table(results.summary)))
            print(f"results written to {out}")
    except KeyboardInterrupt as exc:
        if written or isinstance(exc, InterruptedAfterWrite):
            raise Interrupted(f"interrupted; the results had been written to {out} in full") from None
        raise Interrupted(f"interrupted; nothing was written: {out} is as it was") from None
    if report_error:
        error = report_error[0]
        print(f"neuromod-sim run: the results were written to {out}, but not the report (no report.md, no plots/):", file=sys.stderr)
        if isinstance(error, InputError):
            for issue in error.issues:
                print(f"  {issue}", file=sys.stderr)
            return 2
        import traceback

        traceback.print_exception(error)
        print("neuromod-sim: internal error in the report (a bug: please report it with the scenario file)", file=sys.stderr)
        return 1
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
