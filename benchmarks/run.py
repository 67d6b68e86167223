"""Run the benchmarks, print a table and write the results as JSON (default: a temporary folder).

Each figure is a ratio against a baseline measured in the same run, target and baseline timed in
alternation; the figure is the median of the per-pair ratios, printed with their spread (lowest
to highest), so the ratios hold on a noisy machine. Scenario files and result folders go to a
temporary folder, never the source tree.

    python benchmarks/run.py            # full run (long: 1,024 device-years among others)
    python benchmarks/run.py --quick    # fewer repeats, smaller sizes
    python benchmarks/run.py --only ten_years,alarms
Targets: ten_years, alarms, devices, actions, rate, waveform, sweep, startup, gui (see README.md).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import baselines, builders  # noqa: E402
from benchmarks.harness import Row, interleaved_medians, machine_description, pair_ratios, print_table, rows_as_json  # noqa: E402

HEAVY_MODULES = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "pandas", "dask", "distributed", "matplotlib", "pyarrow")
SIMPY_TIMEOUTS = 1_000_000
WAVEFORM_RATE_HZ = 1_000_000.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def _run_sim(scenario) -> None:
    """Build the Simulation (profiles are cached by the registry) and run it to its end."""
    from simulator.engine import Simulation

    Simulation(scenario).run()


# ----- shared pieces -----
class Workdir:
    """A temporary folder outside the source tree for scenario files and result folders; each
    `fresh()` gives a new result path (the previous ones are removed, so the disk does not fill)."""

    def __init__(self, root: Path):
        self.root, self.n, self.last = root, 0, None

    def scenario_file(self, name: str, scenario) -> Path:
        import yaml

        path = self.root / f"{name}.yaml"
        path.write_text(yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False))
        return path

    def fresh(self) -> Path:
        import shutil

        if self.last is not None:
            shutil.rmtree(self.last, ignore_errors=True)
        self.n += 1
        self.last = self.root / f"out{self.n}"
        return self.last


def _end_to_end(path: Path, dest_fn, **write_kw) -> None:
    """What `neuromod-sim run` does in-process: load and check the file, build, run, results, write."""
    from simulator.engine import Simulation
    from simulator.output import write_results
    from simulator.scenario import load_scenario

    scenario = load_scenario(path)
    sim = Simulation(scenario, validate=False)
    sim.run()
    write_results(sim.results(), dest_fn(), **write_kw)


def process_env() -> dict:
    """The environment of the whole-process runs (target and baseline alike): as the user's,
    except that Python may keep its bytecode cache (an installed package has one; a shell with
    PYTHONDONTWRITEBYTECODE set would recompile every module at every start)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _process_run(path: Path, dest_fn) -> None:
    """`neuromod-sim run FILE --out DIR --quiet` as a whole process (start-up included)."""
    subprocess.run([*_cli(), "run", str(path), "--out", str(dest_fn()), "--quiet"], check=True, capture_output=True, env=process_env())


def _count_steps(sim) -> int:
    """Run `sim` to its end and return how many SimPy events it processed."""
    env, real_step, count = sim.env, sim.env.step, [0]

    def counting_step():
        count[0] += 1
        real_step()

    env.step = counting_step
    try:
        sim.run()
    finally:
        del env.step
    return count[0]


def _row(name: str, pr, baseline_text: str, goal: str, limit: float | None, extra: dict | None = None) -> Row:
    passed = None if limit is None else pr.median <= limit
    details = {"spread": pr.spread(), **pr.as_dict(), **(extra or {})}
    return Row(name, _ms(pr.target_median_s), f"{baseline_text} {_ms(pr.baseline_median_s)}", pr.median, goal, passed, details)


# ----- 1. ten years, combined therapy -----
def bench_ten_years(repeats: int, work: Workdir) -> list[Row]:
    """Target 1, three ways: the core (`Simulation.run()` on a scenario checked in the warm-up),
    in-process end to end (load + check + run + results + write) against 1M SimPy timeouts in
    the same process, and the whole process (`neuromod-sim run`) against the bare-SimPy script
    run as a process. Rechargeable also: write / run."""
    from simulator.engine import Simulation
    from simulator.output import write_results

    rows = []
    simpy_in = lambda: baselines.simpy_bare_timeouts(SIMPY_TIMEOUTS)  # noqa: E731
    simpy_proc = lambda: baselines.simpy_script_process(SIMPY_TIMEOUTS)  # noqa: E731
    for primary in (False, True):
        scenario = builders.ten_year_scenario(primary_cell=primary)
        cell = "primary" if primary else "rechargeable"
        path = work.scenario_file(f"ten_years_{cell}", scenario)
        info = {"actions": len(scenario.timeline), "repeats": repeats}
        pr = pair_ratios(lambda s=scenario: _run_sim(s), simpy_in, repeats)
        rows.append(_row(f"1. ten years ({cell}): core run()", pr, "SimPy 1M", "report (was < 1)", None, info))
        pr = pair_ratios(lambda p=path: _end_to_end(p, work.fresh), simpy_in, repeats)
        rows.append(_row(f"1. ten years ({cell}): in-process end to end", pr, "SimPy 1M", "<= 0.5", 0.5, info))
        if primary:
            continue
        pr = pair_ratios(lambda p=path: _process_run(p, work.fresh), simpy_proc, repeats)
        rows.append(_row("1. ten years (rechargeable): whole process", pr, "SimPy script", "<= 1.0", 1.0, info))
        fresh = {}

        def new_results(s=scenario, fresh=fresh) -> None:  # untimed: a new run's results, so each write pays for
            sim = Simulation(s)                 # reading every series (the deferred flex breakpoints)
            sim.run()
            fresh["results"] = sim.results()

        new_results()
        results = fresh["results"]
        import inspect

        writer_options = inspect.signature(write_results).parameters
        for label, kw, limit in (("events.jsonl + CSV", {}, 0.3), ("--compress", {"compress": True}, None), ("--format parquet", {"fmt": "parquet"}, None)):
            if not set(kw) <= set(writer_options):
                continue  # an older writer (benchmarking an earlier commit)
            if kw.get("fmt") == "parquet":
                from simulator.extras import is_installed

                if not is_installed("pyarrow"):
                    continue
            pr = pair_ratios(lambda kw=kw, fresh=fresh: write_results(fresh["results"], work.fresh(), **kw), lambda s=scenario: _run_sim(s), repeats, before=new_results)
            rows.append(_row(f"1. write / run, ten years ({label})", pr, "run()", "<= 0.3" if limit else "report", limit,
                             {**info, "events": len(results.events), "series_points": sum(len(x) for x in results.series.values())}))
    return rows


# ----- alarm repeats: 100 years of the default scenario, alarms never acknowledged -----
def bench_alarms(repeats: int, work: Workdir) -> list[Row]:
    scenario = builders.default_scenario_years(100)
    path = work.scenario_file("default_100y", scenario)
    from simulator.engine import Simulation

    sim = Simulation(scenario)
    steps = _count_steps(sim)
    info = {"simpy_events": steps, "event_records": len(sim.recorder.events), "repeats": repeats,
            "alarm_repeats": sim.results().summary["event_counts"].get("alarm.repeat", 0)}
    pr = pair_ratios(lambda: _process_run(path, work.fresh), lambda: baselines.simpy_script_process(SIMPY_TIMEOUTS), repeats)
    rows = [_row("A. default 100 y, unacknowledged alarms: whole process", pr, "SimPy script", "<= 1.0", 1.0, info)]
    pr = pair_ratios(lambda: _end_to_end(path, work.fresh), lambda: baselines.simpy_bare_timeouts(SIMPY_TIMEOUTS), repeats)
    rows.append(_row("A. default 100 y: in-process end to end", pr, "SimPy 1M", "report", None, info))
    return rows


# ----- many devices: 64-device scenarios -----
def _memory_per_device_year(n_devices: int, days: float) -> dict:
    """Memory a run holds after run() and results() (tracemalloc: Python allocations made after
    the scenario was built and still alive after a full collection), per device-year; the figure
    before that collection is returned too (`uncollected_mb`)."""
    import tracemalloc

    from simulator.engine import Simulation

    scenario = builders.many_device_scenario(n_devices, days)
    _run_sim(builders.many_device_scenario(2, 2.0))  # imports and caches outside the measurement
    gc_was = __import__("gc")
    gc_was.collect()
    tracemalloc.start()
    try:
        sim = Simulation(scenario)
        sim.run()
        results = sim.results()
        uncollected, _ = tracemalloc.get_traced_memory()
        # what the run and its results keep alive: garbage of the run (the engine pauses the
        # cyclic collector while it runs) and the interpreter's free lists of small objects
        # (up to 2,000 freed tuples of each size, kept for reuse) are not held by them
        gc_was.collect()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    device_years = n_devices * days / 365.0
    points = sum(len(x) for x in results.series.values())
    return {"held_mb": held / 1e6, "uncollected_mb": uncollected / 1e6, "peak_mb": peak / 1e6, "device_years": device_years, "mb_per_device_year": held / 1e6 / device_years,
            "events": len(results.events), "series_points": points}


def bench_devices(device_years: float, repeats: int, memory_devices: int) -> list[Row]:
    """64 devices (32 stimulators, 32 pumps): results() / run() for `device_years` device-years
    (each repetition is one run then its results(), the pair ratio is of the same run), and the
    memory held per device-year (a separate, traced run of `memory_devices` devices for a year)."""
    from simulator.engine import Simulation

    days = device_years / 64 * 365.0
    scenario = builders.many_device_scenario(64, days)
    ratios, run_s, res_s = [], [], []
    import gc

    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        sim = Simulation(scenario)
        sim.run()
        t1 = time.perf_counter()
        results = sim.results()
        t2 = time.perf_counter()
        run_s.append(t1 - t0)
        res_s.append(t2 - t1)
        ratios.append((t2 - t1) / (t1 - t0))
        del sim, results
    import statistics

    med = statistics.median(ratios)
    spread = f"{min(ratios):.3g}-{max(ratios):.3g}"
    rows = [Row(f"D. 64 devices, {device_years:g} device-years: results() / run()", _ms(statistics.median(res_s)), f"run() {_ms(statistics.median(run_s))}",
                med, "<= 0.3", med <= 0.3, {"spread": spread, "ratios": ratios, "run_s": run_s, "results_s": res_s, "days": days, "actions": len(scenario.timeline)})]
    mem = _memory_per_device_year(memory_devices, 365.0)
    rows.append(Row(f"D. memory per device-year ({memory_devices} devices, 1 y)", f"{mem['mb_per_device_year']:.2f} MB", f"held {mem['held_mb']:.1f} MB ({mem['uncollected_mb']:.1f} before gc)",
                    mem["mb_per_device_year"] / 0.5, "<= 0.5 MB", mem["mb_per_device_year"] <= 0.5, mem))
    return rows


# ----- many actions: the stimulator's per-action cost -----
def bench_actions(repeats: int, days: float) -> list[Row]:
    """Per-action cost of a stimulator (an amplitude step every hour) against the cost of one bare
    SimPy event: (run with the steps - the same run without them) / steps, over (100k bare
    timeouts / 100k); the three measured in alternation, the ratio per repetition."""
    import statistics

    with_steps = builders.stimulator_actions_scenario(days)
    without = builders.stimulator_actions_scenario(days, every_s=days * 86400.0 * 2)
    n_actions = len(with_steps.timeline) - len(without.timeline)
    fns = {"with": lambda: _run_sim(with_steps), "without": lambda: _run_sim(without), "simpy": lambda: baselines.simpy_bare_timeouts(100_000)}
    import gc

    for fn in fns.values():
        fn()
    ratios, per_action = [], []
    for _ in range(repeats):
        t = {}
        for name, fn in fns.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            t[name] = time.perf_counter() - t0
        a = (t["with"] - t["without"]) / n_actions
        per_action.append(a)
        ratios.append(a / (t["simpy"] / 100_000))
    med = statistics.median(ratios)
    return [Row(f"X. stimulator action ({n_actions} amplitude steps)", f"{statistics.median(per_action) * 1e6:.0f} us/action", "one bare SimPy event",
                med, "report (small multiple)", None, {"spread": f"{min(ratios):.3g}-{max(ratios):.3g}", "ratios": ratios, "per_action_s": per_action,
                                                        "actions": n_actions, "days": days})]


# ----- 2. pulse-rate independence -----
def bench_rate(repeats: int) -> list[Row]:
    s50, s10k = builders.rate_year_scenario(50.0), builders.rate_year_scenario(10_000.0)
    med = interleaved_medians({"10kHz": lambda: _run_sim(s10k), "50Hz": lambda: _run_sim(s50)}, repeats)
    ratio = med["10kHz"] / med["50Hz"]
    return [Row("2. one year at 10 kHz vs 50 Hz", _ms(med["10kHz"]), f"50 Hz {_ms(med['50Hz'])}", ratio, "<= 1.1", ratio <= 1.1,
                {"median_10khz_s": med["10kHz"], "median_50hz_s": med["50Hz"], "repeats": repeats})]


# ----- 3. waveform synthesis -----
def bench_waveform(repeats: int) -> list[Row]:
    from simulator.scs.program import Program
    from simulator.scs.waveform import render

    program = Program.model_validate({"name": "hf10", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 2.5, "pulse_width_us": 30.0,
                                      "rate_hz": 10_000.0, "waveform": "high_frequency"})
    n = int(WAVEFORM_RATE_HZ)
    t, traces = render([program], 0.0, 1.0, WAVEFORM_RATE_HZ)
    assert len(t) == n, len(t)
    med = interleaved_medians({"render": lambda: render([program], 0.0, 1.0, WAVEFORM_RATE_HZ), "fill": lambda: baselines.numpy_fill(n)}, repeats)
    ratio = med["render"] / med["fill"]
    return [Row("3. waveform 1 s at 1 MS/s, 10 kHz", _ms(med["render"]), f"numpy fill {_ms(med['fill'])}", ratio, "<= 5", ratio <= 5,
                {"median_s": med["render"], "baseline_median_s": med["fill"], "samples": n, "contacts": len(traces), "repeats": repeats})]


# ----- 4. sweep throughput -----
def _sweep_spec(folder: Path, n_scenarios: int) -> dict:
    """A sweep of `n_scenarios` distinct 30-day points (one seed each): the patient bolus dose
    (25 values) x the drug concentration (n / 25 values), so every point is its own scenario,
    built and checked (settings, references) by the worker that runs it."""
    import yaml

    base = folder / "combined_30d.yaml"
    base.write_text(yaml.safe_dump(builders.thirty_day_scenario_dict(), sort_keys=False))
    n_conc = max(1, n_scenarios // 25)
    return {"name": "benchmark: 30-day combined, distinct points", "base": str(base), "seed": 7, "seeds_per_point": 1, "chunk_size": 100,
            "parameters": [
                {"path": "devices[pump].settings.patient_bolus.dose_mg", "name": "bolus_mg", "linspace": {"start": 0.05, "stop": 0.2, "num": 25}},
                {"path": "devices[pump].settings.concentration_mg_per_ml", "name": "conc", "linspace": {"start": 8.0, "stop": 12.0, "num": n_conc}},
            ],
            "outputs": ["devices.pump.delivered_drug", "devices.pump.final_reservoir_ml"]}


def bench_sweep(n_scenarios: int, repeats: int) -> list[Row]:
    from simulator.sweep.runner import run_sweep

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="nms-bench-sweep-") as tmp:
        folder = Path(tmp)
        spec_serial = _sweep_spec(folder, n_scenarios)
        spec_parallel = _sweep_spec(folder, n_scenarios * cores)
        n_scenarios = 25 * max(1, n_scenarios // 25)
        runs = {"n": 0}

        def sweep(spec, executor):
            runs["n"] += 1
            table = run_sweep(spec, folder / f"out{runs['n']}", executor=executor, workers=cores if executor == "processes" else None, progress=False, fresh=True)
            expected = spec["parameters"][0]["linspace"]["num"] * spec["parameters"][1]["linspace"]["num"]
            assert len(table) == expected, (len(table), expected)

        pr = pair_ratios(lambda: sweep(spec_parallel, "processes"), lambda: sweep(spec_serial, "serial"), repeats, warmup=1)
    serial_rate = n_scenarios / pr.baseline_median_s
    parallel_rate_per_core = n_scenarios * cores / pr.target_median_s / cores
    # the parallel sweep has `cores` times the scenarios: efficiency = serial time / parallel time
    effs = [1.0 / r for r in pr.ratios]
    import statistics

    efficiency = statistics.median(effs)
    details = {"scenarios_serial": n_scenarios, "scenarios_parallel": n_scenarios * cores, "cores": cores, "median_serial_s": pr.baseline_median_s,
               "median_parallel_s": pr.target_median_s, "repeats": repeats, "efficiencies": effs,
               "note": "distinct points, each built and checked; each run includes planning, Parquet chunks and the final table (what run_sweep does)"}
    return [
        Row("4a. sweep 30-day distinct points, serial", f"{serial_rate:.0f} /s", "target 100 /s/core", serial_rate / 100.0, ">= 100 /s/core", serial_rate >= 100, details),
        Row(f"4b. sweep, {cores} processes (per core)", f"{parallel_rate_per_core:.0f} /s/core", "target 100 /s/core", parallel_rate_per_core / 100.0, ">= 100 /s/core",
            parallel_rate_per_core >= 100, details),
        Row(f"4c. parallel efficiency on {cores} processes", f"{efficiency:.0%}", f"serial {serial_rate:.0f} /s", efficiency, ">= 0.9", efficiency >= 0.9,
            {**details, "spread": f"{min(effs):.3g}-{max(effs):.3g}"}),
    ]


# ----- 5. start-up -----
MODULE_CLI = {"on": False}  # --module-cli: `python -m simulator` (a source tree on PYTHONPATH, e.g. an older commit)


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("neuromod-sim")
    return [str(script)] if script.exists() and not MODULE_CLI["on"] else [sys.executable, "-m", "simulator"]


MODULE_PROBE = """
import sys, runpy
sys.argv = {argv!r}
try:
    from simulator.cli.main import main
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))
sys.__stdout__.write('HEAVY=' + ','.join(heavy) + '\\n')
"""


def heavy_modules_imported(argv: list[str]) -> list[str]:
    """Heavy top-level modules in sys.modules after the CLI handled `argv` (in a fresh interpreter)."""
    code = MODULE_PROBE.format(argv=["neuromod-sim", *argv], heavy=HEAVY_MODULES)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    match = re.search(r"^HEAVY=(.*)$", proc.stdout, re.M)
    if not match:
        raise RuntimeError(f"module probe failed for {argv}: {proc.stdout[-500:]} {proc.stderr[-2000:]}")
    return [m for m in match.group(1).split(",") if m]


def bench_startup(repeats: int) -> list[Row]:
    cli = _cli()
    med = interleaved_medians({"help": lambda: subprocess.run([*cli, "--help"], check=True, capture_output=True), "pass": baselines.python_pass}, repeats)
    ratio = med["help"] / med["pass"]
    with tempfile.TemporaryDirectory(prefix="nms-bench-run-") as tmp:
        scenario = Path(tmp) / "s.yaml"
        import yaml

        scenario.write_text(yaml.safe_dump(builders.combined_scenario(2.0).model_dump(mode="json"), sort_keys=False))
        heavy = {"--help": heavy_modules_imported(["--help"]), "run": heavy_modules_imported(["run", str(scenario), "--out", str(Path(tmp) / "out")])}
        if not (Path(tmp) / "out" / "summary.json").exists():
            raise RuntimeError("the 'run' probe did not write summary.json")
    clean = not any(heavy.values())
    return [
        Row("5a. start-up: neuromod-sim --help", _ms(med["help"]), f"python -c pass {_ms(med['pass'])}", ratio, "report", None,
            {"median_s": med["help"], "baseline_median_s": med["pass"], "command": cli, "repeats": repeats}),
        Row("5b. heavy modules in --help / run", "none" if clean else "; ".join(f"{k}: {','.join(v)}" for k, v in heavy.items() if v),
            ", ".join(HEAVY_MODULES[:4]) + ", ...", None, "none imported", clean, {"heavy_modules": heavy, "checked": list(HEAVY_MODULES)}),
    ]


# ----- 6. app frame time -----
def bench_gui(frames: int) -> list[Row]:
    """benchmarks/gui_frame_time.py: the app playing from day 50 of the default scenario at each
    speed (its own jump, speed box and timer); one row per speed, with its median goal (ms; None:
    reported only)."""
    speeds: dict[str, float | None] = {"real time (1 s/s)": None, "1 day/s": 33.0, "1 week/s": 16.0, "4 weeks/s": None}
    from_day = 50
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, str(ROOT / "benchmarks" / "gui_frame_time.py"), "--frames", str(frames), "--from-day", str(from_day), "--speeds", ",".join(speeds)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    rows = []
    for speed, goal_ms in speeds.items():
        name = f"6. app frame time, {speed} from day {from_day}, all plots"
        goal = f"< {goal_ms:g} ms" if goal_ms is not None else "reported"
        match = re.search(re.escape(speed) + r": median frame time: ([0-9.]+) ms \(95th percentile ([0-9.]+) ms; CPU median ([0-9.]+) ms", proc.stdout)
        if not match:
            rows.append(Row(name, "failed", "-", None, goal, False, {"stdout": proc.stdout[-2000:], "stderr": proc.stderr[-2000:]}))
            continue
        median_ms, p95_ms, cpu_ms = (float(g) for g in match.groups())
        line = next(x for x in proc.stdout.splitlines() if x.startswith(f"{speed}:"))
        rows.append(Row(name, f"{median_ms:.1f} ms (p95 {p95_ms:.1f}; CPU {cpu_ms:.1f})", "frame budget" if goal_ms else "-",
                        median_ms / goal_ms if goal_ms else None, goal, median_ms < goal_ms if goal_ms else None,
                        {"median_ms": median_ms, "p95_ms": p95_ms, "cpu_median_ms": cpu_ms, "frames": frames, "output": line}))
    return rows


TARGETS = ("ten_years", "alarms", "devices", "actions", "rate", "waveform", "sweep", "startup", "gui")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller sizes (a few minutes)")
    parser.add_argument("--only", default=",".join(TARGETS), help=f"comma-separated subset of {', '.join(TARGETS)}")
    parser.add_argument("--out", default=None, help="where to write the JSON results (default: a temporary folder, outside the source tree)")
    parser.add_argument("--device-years", type=float, default=None, help="size of the 64-device run (default 1024, --quick 64)")
    parser.add_argument("--module-cli", action="store_true", help="run the CLI as `python -m simulator` (to benchmark a source tree put on PYTHONPATH)")
    args = parser.parse_args(argv)
    MODULE_CLI["on"] = args.module_cli
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = set(only) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}; choose from {', '.join(TARGETS)}")
    q = args.quick
    scratch = tempfile.TemporaryDirectory(prefix="nms-bench-")
    work = Workdir(Path(scratch.name))
    device_years = args.device_years or (64.0 if q else 1024.0)
    plan = {
        "ten_years": lambda: bench_ten_years(3 if q else 5, work),
        "alarms": lambda: bench_alarms(3 if q else 5, work),
        "devices": lambda: bench_devices(device_years, 1 if device_years > 256 else 3, 16 if q else 64),
        "actions": lambda: bench_actions(3 if q else 7, 30.0 if q else 120.0),
        "rate": lambda: bench_rate(3 if q else 7),
        "waveform": lambda: bench_waveform(5 if q else 15),
        "sweep": lambda: bench_sweep(300 if q else 1000, 2 if q else 3),
        "startup": lambda: bench_startup(5 if q else 15),
        "gui": lambda: bench_gui(90 if q else 300),
    }
    rows: list[Row] = []
    t0 = time.perf_counter()
    for name in TARGETS:
        if name in only:
            t = time.perf_counter()
            print(f"[{name}] ...", file=sys.stderr, flush=True)
            rows.extend(plan[name]())
            print(f"[{name}] {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    print_table(rows)
    machine = machine_description()
    try:
        machine["cpu_model"] = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    result = {"machine": machine, "quick": q, "targets": only, "elapsed_s": time.perf_counter() - t0, "rows": rows_as_json(rows),
              "all_passed": all(r.passed is not False for r in rows)}
    scratch.cleanup()
    out = Path(args.out) if args.out else Path(tempfile.gettempdir()) / f"neuromod-bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2))
    os.replace(tmp, out)
    print(f"\nwrote {out} ({time.perf_counter() - t0:.0f} s; {machine['cpus']} cores: {machine.get('cpu_model', '')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
