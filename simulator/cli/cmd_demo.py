"""`neuromod-sim demo`: the headless demonstration (what `dev.py app` runs without a display)."""
from __future__ import annotations

import argparse


def add_parser(sub, parents) -> None:
    p = sub.add_parser("demo", parents=parents, help="run the bundled default scenario headless and print what happened")
    p.add_argument("--out", default="neuromod-demo-results", metavar="DIR", help="results folder (default: %(default)s)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from simulator.bundled import default_scenario_path
    from simulator.cli.cmd_run import summary_table
    from simulator.cli.main import registry_from_args
    from simulator.engine import ProgressPrinter, Simulation
    from simulator.event_kinds import K
    from simulator.scenario import load_scenario

    registry = registry_from_args(args)
    path = default_scenario_path()
    scenario = load_scenario(path, registry)
    print(f"neuromod-sim demo: {scenario.name}")
    if scenario.description:
        print(scenario.description.strip())
    sim = Simulation(scenario, registry=registry, validate=False)
    sim.run(progress=ProgressPrinter(sys.stderr))
    results = sim.results()
    print()
    print("What happened (alarms, refusals, warnings):")
    for e in results.events_where(kind=[K.ALARM_RAISED, K.REFUSAL, K.WARNING]):
        what = e.payload.get("message") or e.payload.get("reason") or e.payload.get("alarm", "")
        print(f"  {sim.calendar_time(e.t_s):%Y-%m-%d %H:%M}  {e.device:<8} {e.kind:<14} {what}")
    print()
    print(summary_table(results.summary))
    results.write(args.out)
    note = ""
    try:
        from simulator.report import write_report_into

        write_report_into(args.out)
        note = f" with plots and {args.out}/report.md"
    except ImportError:
        note = " (install the 'data' extra for PNG plots)"
    print(f"\nresults written to {args.out}{note}")
    print("Next: `neuromod-sim gui` on a desktop, `neuromod-sim run SCENARIO --out DIR`, `neuromod-sim --help`.")
    return 0
