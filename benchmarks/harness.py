"""Timing helpers for the benchmarks: medians of repeated runs, ratios against a baseline
measured in the same process, and a table. Not a test: a script that prints figures."""
from __future__ import annotations

import gc
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from collections.abc import Callable


def median_time_s(fn: Callable[[], object], repeats: int, warmup: int = 1) -> tuple[float, list[float]]:
    """Median wall time of `fn()` over `repeats` runs (after `warmup` runs), and all the times."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def interleaved_medians(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 1) -> dict[str, float]:
    """Median times of several functions measured in alternation, so that a noisy spell on the
    machine hits them all alike; returns name -> median seconds."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


@dataclass
class PairRatio:
    """A target timed against its baseline in alternation: the median of the per-pair ratios
    (target time / baseline time of the same repetition) and their spread."""

    median: float  # median of the pair ratios
    low: float  # smallest pair ratio
    high: float  # largest pair ratio
    target_median_s: float
    baseline_median_s: float
    ratios: list[float]

    def spread(self) -> str:
        return f"{self.low:.3g}-{self.high:.3g}"

    def as_dict(self) -> dict:
        return asdict(self)


def pair_ratios(target: Callable[[], object], baseline: Callable[[], object], repeats: int, warmup: int = 1,
                before: Callable[[], object] | None = None) -> PairRatio:
    """Time `target` and `baseline` alternately `repeats` times (after `warmup` runs of each; the
    order within a pair alternates too); `before()` runs untimed before each target run (making
    a fresh temporary folder, say). Returns the median and spread of the pair ratios."""
    for _ in range(warmup):
        if before is not None:
            before()
        target()
        baseline()
    t_times, b_times = [], []
    for i in range(repeats):
        order = ("t", "b") if i % 2 == 0 else ("b", "t")
        for which in order:
            if which == "t" and before is not None:
                before()
            gc.collect()
            t0 = time.perf_counter()
            (target if which == "t" else baseline)()
            (t_times if which == "t" else b_times).append(time.perf_counter() - t0)
    ratios = [t / b for t, b in zip(t_times, b_times)]
    return PairRatio(statistics.median(ratios), min(ratios), max(ratios), statistics.median(t_times), statistics.median(b_times), ratios)


@dataclass
class Row:
    target: str
    measured: str
    baseline: str
    ratio: float | None
    goal: str
    passed: bool | None
    details: dict = field(default_factory=dict)


def machine_description() -> dict:
    import os

    import numpy

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "numpy": numpy.__version__,
    }


def print_table(rows: list[Row]) -> None:
    headers = ["target", "measured (median)", "baseline (median)", "ratio", "spread", "goal", "ok"]
    data = [
        [r.target, r.measured, r.baseline, "-" if r.ratio is None else f"{r.ratio:.3g}", r.details.get("spread", "-"), r.goal,
         {True: "yes", False: "NO", None: "-"}[r.passed]]
        for r in rows
    ]
    widths = [max(len(h), *(len(d[i]) for d in data)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line)
    print("-" * len(line))
    for d in data:
        print("  ".join(c.ljust(w) for c, w in zip(d, widths)))


def rows_as_json(rows: list[Row]) -> list[dict]:
    return [asdict(r) for r in rows]
