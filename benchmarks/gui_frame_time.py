"""Frame time of the desktop app playing at each of its speeds, all plots of the overview visible.

The app is driven as a user drives it: the default scenario (alarms on day 53, weekly recharges;
refills where the scenario has them) opens in a 1600 x 1000 window on the overview; the time
controls jump to the start day (`--from-day`, default 50: typed into 'Jump to' and Go, and waited
for until the jump and the staggered redraw after it have finished); the speed is chosen in the
speed box; Play starts the app's own timer. A probe (an event filter on that timer) times every
tick the timer delivers: the tick's work (the simulation run on, the new events handed to the
views, the views redrawn) and the paint it causes (the posted layout, scene and paint events are
sent before the clock stops: on the offscreen platform the widgets paint into the backing store as
on screen). One frame = one tick with its paint. Prints, per speed, the median and 95th percentile
of the frames' wall-clock and CPU time in ms, and the paints per frame (proof that the paint
happened). Targets: 1 week/s median < 16 ms, 1 day/s median < 33 ms.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_frame_time.py [SCENARIO] [--from-day 50]
        [--frames 150] [--speeds "1 day/s,1 week/s"] [--profile FILE]

Not a test: timings depend on the machine (and its load).
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

#: The speeds measured by default (labels of the app's speed box) and their median targets (ms).
DEFAULT_SPEEDS = ("real time (1 s/s)", "1 day/s", "1 week/s", "4 weeks/s")
TARGET_MEDIAN_MS = {"1 day/s": 33.0, "1 week/s": 16.0}
#: Rounds of posted events sent after a tick (layout -> scene update -> paint request -> paint).
POSTED_EVENT_ROUNDS = 4
WINDOW_SIZE_PX = (1600, 1000)


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank, sorted copy)."""
    ordered = sorted(values)
    return ordered[int(round(fraction * (len(ordered) - 1)))]


def make_tick_probe(app, timer, plot_viewports, profiler=None):
    """An event filter on the app's tick timer that times each tick and the paint it causes.

    The probe's `frames` gets (wall ms, CPU ms, paint events of the plots, CPU ms of the tick
    alone) per tick; it counts the paint events of `plot_viewports` (the plots' drawing areas).
    With a `profiler` (cProfile.Profile) it profiles each tick and its paint (only those)."""
    from PySide6.QtCore import QEvent, QObject

    class TickProbe(QObject):
        def __init__(self):
            super().__init__()
            self.frames: list[tuple[float, float, int, float]] = []
            self.paints = 0
            self.busy = False

        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint:
                self.paints += 1
                return False
            if obj is not timer or event.type() != QEvent.Type.Timer or self.busy:
                return False
            self.busy = True
            paints0 = self.paints
            if profiler is not None:
                profiler.enable()
            wall0, cpu0 = time.perf_counter(), time.process_time()
            obj.event(event)  # the tick itself (QTimer emits timeout: SimRunner._tick runs)
            tick_cpu = time.process_time() - cpu0
            for _ in range(POSTED_EVENT_ROUNDS):
                app.sendPostedEvents()  # layouts, scene updates, then the paints they request
            cpu = time.process_time() - cpu0
            if profiler is not None:
                profiler.disable()
            self.frames.append(((time.perf_counter() - wall0) * 1e3, cpu * 1e3, self.paints - paints0, tick_cpu * 1e3))
            self.busy = False
            return True  # delivered above

    probe = TickProbe()
    timer.installEventFilter(probe)
    for viewport in plot_viewports:  # their paint events are counted (a filter on each plot only:
        viewport.installEventFilter(probe)  # one on the whole application would slow every event)
    return probe


def open_window(scenario_path: str):
    """The app as a user opens it: the scenario in a 1600 x 1000 window on the overview."""
    from gui.app import build_window, make_app
    from gui.scenario_io import open_scenario
    from simulator.engine import Simulation

    app = make_app()
    sim = Simulation(open_scenario(scenario_path), validate=False)
    window = build_window(sim, scenario_path=scenario_path)
    window.resize(*WINDOW_SIZE_PX)
    window.show()
    window.show_view("overview")
    settle(app)
    return app, window


def settle(app, seconds: float = 0.3) -> None:
    """Let the event loop run (layouts, paints) for a moment."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        app.processEvents()


def jump_to_day(app, window, day: float, timeout_s: float = 600.0) -> None:
    """Type the day into 'Jump to', press Go, and wait until the jump and its redraw have finished."""
    controls = window.time_controls
    if day <= 0:
        return
    controls.jump_edit.setText(f"{day:g}d")
    controls.jump_button.click()
    t0 = time.perf_counter()
    while (window.runner.busy or window.refresh_pending) and time.perf_counter() - t0 < timeout_s:
        app.processEvents()
    settle(app)


def choose_speed(window, label: str) -> None:
    """Pick `label` in the speed box as a user does (it must be one of the app's speeds)."""
    combo = window.time_controls.speed_combo
    index = combo.findText(label)
    if index < 0:
        raise SystemExit(f"the app offers no speed {label!r}; it offers: {[combo.itemText(i) for i in range(combo.count())]}")
    combo.setCurrentIndex(index)


def plot_viewports_on_screen(window) -> list:
    """The drawing areas of the plots visible in the window (the overview's)."""
    import pyqtgraph as pg

    return [plot.viewport() for plot in window.findChildren(pg.GraphicsView) if plot.isVisible()]


def measure_speed(scenario_path: str, speed_label: str, from_day: float, frames: int, timeout_s: float = 120.0, profiler=None) -> dict:
    """Open the app, jump to `from_day`, play at `speed_label` and time `frames` ticks (profiled
    by `profiler`, a cProfile.Profile, when given: the timings then include its overhead)."""
    app, window = open_window(scenario_path)
    jump_to_day(app, window, from_day)
    start_day = window.runner.now_s / 86400.0
    choose_speed(window, speed_label)
    viewports = plot_viewports_on_screen(window)
    probe = make_tick_probe(app, window.runner.tick_timer, viewports, profiler)
    window.time_controls.play_button.click()
    t0 = time.perf_counter()
    while len(probe.frames) < frames and window.runner.playing and time.perf_counter() - t0 < timeout_s:
        app.processEvents()
    window.runner.pause()
    for watched in (window.runner.tick_timer, *viewports):
        watched.removeEventFilter(probe)
    end_day = window.runner.now_s / 86400.0
    window.runner.stop_timers()
    window.close()
    window.deleteLater()
    settle(app, 0.05)
    walls = [f[0] for f in probe.frames]
    cpus = [f[1] for f in probe.frames]
    return {
        "speed": speed_label,
        "frames": len(walls),
        "from_day": start_day,
        "to_day": end_day,
        "median_ms": statistics.median(walls) if walls else float("nan"),
        "p95_ms": percentile(walls, 0.95) if walls else float("nan"),
        "cpu_median_ms": statistics.median(cpus) if cpus else float("nan"),
        "cpu_p95_ms": percentile(cpus, 0.95) if cpus else float("nan"),
        "paints_per_frame": statistics.median([f[2] for f in probe.frames]) if walls else 0,
        "plots": len(viewports),
        "tick_cpu_median_ms": statistics.median([f[3] for f in probe.frames]) if walls else float("nan"),
    }


def report_line(r: dict) -> str:
    target = TARGET_MEDIAN_MS.get(r["speed"])
    goal = f"target median < {target:g} ms" if target else "reported"
    return (f"{r['speed']}: median frame time: {r['median_ms']:.1f} ms (95th percentile {r['p95_ms']:.1f} ms; "
            f"CPU median {r['cpu_median_ms']:.1f} ms, p95 {r['cpu_p95_ms']:.1f} ms, of which the tick {r['tick_cpu_median_ms']:.1f} ms; {r['frames']} frames, "
            f"day {r['from_day']:.2f} -> {r['to_day']:.2f}, {r['plots']} plots on screen, {r['paints_per_frame']:g} plot paints/frame; {goal})")


def main(argv=None) -> int:
    from gui.scenario_io import default_scenario_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=None)
    parser.add_argument("--frames", type=int, default=150, help="ticks timed per speed")
    parser.add_argument("--from-day", type=float, default=50.0, help="jump here before playing (simulated days)")
    parser.add_argument("--speeds", default=",".join(DEFAULT_SPEEDS), help="comma-separated labels of the app's speed box")
    parser.add_argument("--profile", metavar="FILE", default=None,
                        help="cProfile the timed frames (ticks and their paints) of all speeds into FILE (pstats); timings then include the profiler's overhead")
    args = parser.parse_args(argv)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    scenario_path = str(args.scenario or default_scenario_path())
    print(f"scenario: {scenario_path}; window {WINDOW_SIZE_PX[0]}x{WINDOW_SIZE_PX[1]}, overview; load average {os.getloadavg()[0]:.2f}")
    ok = True
    for label in [s.strip() for s in args.speeds.split(",") if s.strip()]:
        r = measure_speed(scenario_path, label, args.from_day, args.frames, profiler=profiler)
        print(report_line(r), flush=True)
        target = TARGET_MEDIAN_MS.get(label)
        ok = ok and (target is None or r["median_ms"] < target)
    if profiler is not None:
        profiler.dump_stats(args.profile)
        print(f"profile of the timed frames: {args.profile}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
