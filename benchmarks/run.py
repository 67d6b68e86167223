"""Run the benchmarks of issue 7, print a table and write benchmarks/results.json.

Each figure is a ratio against a baseline measured in the same process, with target and baseline
measured in alternation (interleaved) and medians quoted, so the ratios hold on a noisy machine.

    python benchmarks/run.py            # full run (a few minutes)
    python benchmarks/run.py --quick    # fewer repeats (under ~2 minutes)
    python benchmarks/run.py --only startup,waveform
Targets: ten_years, rate, waveform, sweep, startup, gui (see README.md).
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
from benchmarks.harness import Row, interleaved_medians, machine_description, print_table, rows_as_json  # noqa: E402

HEAVY_MODULES = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "pandas", "dask", "distributed", "matplotlib", "pyarrow")
SIMPY_TIMEOUTS = 1_000_000
WAVEFORM_RATE_HZ = 1_000_000.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def _run_sim(scenario) -> None:
    """Build the Simulation (profiles are cached by the registry) and run it to its end."""
    from simulator.engine import Simulation

    Simulation(scenario).run()


# ----- 1. ten years, combined therapy -----
def bench_ten_years(repeats: int) -> list[Row]:
    rows = []
    for primary in (False, True):
        scenario = builders.ten_year_scenario(primary_cell=primary)
        med = interleaved_medians({"target": lambda s=scenario: _run_sim(s), "baseline": lambda: baselines.simpy_bare_timeouts(SIMPY_TIMEOUTS)}, repeats)
        ratio = med["target"] / med["baseline"]
        cell = "primary cell" if primary else "rechargeable, monthly recharges"
        rows.append(Row(f"1. ten years combined ({cell})", _ms(med["target"]), f"SimPy 1M timeouts {_ms(med['baseline'])}", ratio, "< 1", ratio < 1,
                        {"median_s": med["target"], "baseline_median_s": med["baseline"], "repeats": repeats, "actions": len(scenario.timeline)}))
    return rows


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
    import yaml

    base = folder / "combined_30d.yaml"
    base.write_text(yaml.safe_dump(builders.thirty_day_scenario_dict(), sort_keys=False))
    return {"name": "benchmark: 30-day combined", "base": str(base), "seed": 7, "seeds_per_point": n_scenarios, "chunk_size": 100,
            "outputs": ["devices.pump.delivered_drug", "devices.pump.final_reservoir_ml"]}


def bench_sweep(n_scenarios: int, repeats: int) -> list[Row]:
    from simulator.sweep.runner import run_sweep

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="nms-bench-sweep-") as tmp:
        folder = Path(tmp)
        spec_serial = _sweep_spec(folder, n_scenarios)
        spec_parallel = _sweep_spec(folder, n_scenarios * cores)
        runs = {"n": 0}

        def sweep(spec, executor):
            runs["n"] += 1
            table = run_sweep(spec, folder / f"out{runs['n']}", executor=executor, workers=cores if executor == "processes" else None, progress=False, fresh=True)
            assert len(table) == spec["seeds_per_point"]

        med = interleaved_medians({"serial": lambda: sweep(spec_serial, "serial"), "processes": lambda: sweep(spec_parallel, "processes")}, repeats, warmup=1)
    serial_rate = n_scenarios / med["serial"]
    parallel_rate_per_core = n_scenarios * cores / med["processes"] / cores
    efficiency = parallel_rate_per_core / serial_rate
    details = {"scenarios_serial": n_scenarios, "scenarios_parallel": n_scenarios * cores, "cores": cores, "median_serial_s": med["serial"],
               "median_parallel_s": med["processes"], "repeats": repeats,
               "note": "each run includes planning, Parquet chunks and the final table (what run_sweep does)"}
    return [
        Row("4a. sweep 30-day combined, serial", f"{serial_rate:.0f} /s", "target 100 /s/core", serial_rate / 100.0, ">= 100 /s/core", serial_rate >= 100, details),
        Row(f"4b. sweep, {cores} processes (per core)", f"{parallel_rate_per_core:.0f} /s/core", "target 100 /s/core", parallel_rate_per_core / 100.0, ">= 100 /s/core",
            parallel_rate_per_core >= 100, details),
        Row(f"4c. parallel efficiency on {cores} cores", f"{efficiency:.0%}", f"serial {serial_rate:.0f} /s", efficiency, ">= 0.8", efficiency >= 0.8, details),
    ]


# ----- 5. start-up -----
def _cli() -> list[str]:
    script = Path(sys.executable).with_name("neuromod-sim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "simulator"]


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
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gui_frame_time.py"), "--frames", str(frames)], capture_output=True, text=True, env=env, cwd=ROOT)
    match = re.search(r"median frame time: ([0-9.]+) ms \(95th percentile ([0-9.]+) ms", proc.stdout)
    if not match:
        return [Row("6. app frame time, 1 day/s", "failed", "-", None, "< 33 ms", False, {"stdout": proc.stdout[-2000:], "stderr": proc.stderr[-2000:]})]
    median_ms, p95_ms = float(match.group(1)), float(match.group(2))
    return [Row("6. app frame time, 1 day/s, all plots", f"{median_ms:.1f} ms (p95 {p95_ms:.1f})", "frame budget 33 ms", median_ms / 33.0, "< 33 ms",
                median_ms < 33.0, {"median_ms": median_ms, "p95_ms": p95_ms, "frames": frames, "output": proc.stdout.strip().splitlines()})]


TARGETS = ("ten_years", "rate", "waveform", "sweep", "startup", "gui")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (under ~2 minutes)")
    parser.add_argument("--only", default=",".join(TARGETS), help=f"comma-separated subset of {', '.join(TARGETS)}")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.json")), help="where to write the JSON results")
    args = parser.parse_args(argv)
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = set(only) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}; choose from {', '.join(TARGETS)}")
    q = args.quick
    plan = {
        "ten_years": lambda: bench_ten_years(3 if q else 5),
        "rate": lambda: bench_rate(3 if q else 7),
        "waveform": lambda: bench_waveform(5 if q else 15),
        "sweep": lambda: bench_sweep(300 if q else 1000, 1 if q else 3),
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
    out = Path(args.out)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2))
    os.replace(tmp, out)
    print(f"\nwrote {out} ({time.perf_counter() - t0:.0f} s; {machine['cpus']} cores: {machine.get('cpu_model', '')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
