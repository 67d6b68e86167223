"""Frame time of the desktop app running at one simulated day per second, all plots visible.

A frame is what one timer tick costs: run the simulation 1/30 s x 1 day/s further, hand the new
events to the views, redraw the overview (scope, pump plots, battery, alarms) and paint the
window. Prints the median and 95th percentile in ms (target: median < 33 ms).

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_frame_time.py [SCENARIO] [--frames N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=None)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--speed-s-per-s", type=float, default=86400.0, help="simulated seconds per real second")
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args(argv)

    from gui.app import build_window, make_app
    from gui.scenario_io import default_scenario_path, open_scenario
    from simulator.engine import Simulation

    app = make_app()
    scenario = open_scenario(args.scenario or default_scenario_path())
    sim = Simulation(scenario, validate=False)
    window = build_window(sim)
    window.resize(1600, 1000)
    window.show()
    window.show_view("overview")
    app.processEvents()
    runner = window.runner
    dt_sim = args.speed_s_per_s / args.fps
    frames_ms = []
    for _ in range(args.frames):
        if sim.finished:
            break
        t0 = time.perf_counter()
        sim.run(until=sim.now + dt_sim)
        runner._flush()  # what the tick does after running: events, then the redraw
        window.repaint()
        app.processEvents()
        frames_ms.append((time.perf_counter() - t0) * 1e3)
    frames_ms.sort()
    median = statistics.median(frames_ms)
    p95 = frames_ms[int(0.95 * (len(frames_ms) - 1))]
    print(f"scenario: {scenario.name}; {len(frames_ms)} frames at {args.speed_s_per_s / 86400:g} simulated day/s, window 1600x1000")
    print(f"simulated to day {sim.now / 86400:.2f}")
    print(f"median frame time: {median:.1f} ms (95th percentile {p95:.1f} ms; target median < 33 ms)")
    window.runner.stop_timers()
    window.close()
    return 0 if median < 33.0 else 1


if __name__ == "__main__":
    sys.exit(main())
