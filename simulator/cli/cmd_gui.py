"""`neuromod-sim gui [SCENARIO]`: the desktop app (PySide6 + pyqtgraph).

With `--screenshot PNG` it simulates to `--at`, renders the window, saves the picture and exits
(on the offscreen platform when no platform is set). Qt is imported only inside `run`.
"""
from __future__ import annotations

import argparse
import os


def add_parser(sub, parents) -> None:
    p = sub.add_parser(
        "gui",
        parents=parents,
        help="open the desktop app (clinician-programmer workflow, live plots)",
        description="Open the desktop app on SCENARIO, or on the bundled default scenario (one stimulator, one pump).",
    )
    p.add_argument("scenario", nargs="?", default=None, help="scenario YAML file (default: the bundled default scenario)")
    p.add_argument("--screenshot", metavar="PNG", default=None, help="render the window into PNG and exit")
    p.add_argument("--at", metavar="DURATION", default=None, help="simulate to this time before the screenshot, e.g. 30d")
    p.add_argument("--view", metavar="NAME", default=None, help="view to show: overview, stimulator, pump, events (or a device id); with --screenshot also training (the training dock, first exercise started) or demo:NAME (waveforms, bridge-bolus, csf)")
    from simulator.cli.overrides import add_set_argument

    add_set_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from simulator.extras import require

    require("`neuromod-sim gui`", "PySide6", "pyqtgraph")
    from simulator.cli.main import registry_from_args
    from simulator.engine import Simulation
    from simulator.errors import InputError, Issue
    from simulator.units import parse_duration_s

    at_s = None
    if args.at is not None:
        try:
            at_s = parse_duration_s(args.at)
        except ValueError as exc:
            raise InputError(Issue("--at", str(exc), args.at)) from None
        if args.screenshot is None:
            raise InputError(Issue("--at", "only applies with --screenshot", args.at))
    registry = registry_from_args(args)
    from gui.scenario_io import default_scenario_path, open_scenario

    path = args.scenario or str(default_scenario_path())
    if getattr(args, "set", None):
        from simulator.cli.overrides import load_scenario_with_sets

        scenario = load_scenario_with_sets(path, registry, args.set)
    else:
        scenario = open_scenario(path, registry)
    sim = Simulation(scenario, registry=registry, validate=False)

    if args.screenshot is not None and not os.environ.get("QT_QPA_PLATFORM") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from gui.app import build_window, make_app, run_app

    if args.screenshot is None:
        return run_app(sim, registry, path, args.view)
    app = make_app()
    window = build_window(sim, registry, path)
    try:
        from gui.screenshot import render_window

        out = render_window(window, args.screenshot, at_s, args.view)
    finally:
        window.runner.stop_timers()
        window.close()
        window.deleteLater()
        app.processEvents()
    print(f"screenshot written to {out}")
    return 0
