"""Before/after on a noisy machine: the same whole-process command run alternately with two
source trees (this one and an older checkout), the figure is the median of the per-pair
ratios (after / before) with their spread.

    git archive OLD_COMMIT | tar -x -C /tmp/old   # a copy of the older tree
    python benchmarks/ab.py --before /tmp/old [--repeats 5]

Each command is `python -m simulator run FILE --out DIR --quiet` with PYTHONPATH set to the
tree, on scenario files written to a temporary folder (ten years combined, 100 years of the
default scenario, 64 devices for a year), results written there too.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import builders  # noqa: E402 - after the path set-up above


def _run(tree: Path, scenario: Path, out: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(tree)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "simulator", "run", str(scenario), "--out", str(out), "--quiet"], check=True, capture_output=True, env=env, cwd=tree)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the older source tree (a folder holding simulator/)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    before, after = Path(args.before).resolve(), ROOT
    import yaml

    with tempfile.TemporaryDirectory(prefix="nms-ab-") as tmp:
        folder = Path(tmp)
        cases = {"ten years combined": builders.ten_year_scenario(), "default 100 y, alarms unacknowledged": builders.default_scenario_years(100),
                 "64 devices, 1 y": builders.many_device_scenario(64, 365.0)}
        print(f"{'scenario':40s} {'before (median)':>16s} {'after (median)':>15s} {'after/before':>13s}  spread")
        for name, scenario in cases.items():
            path = folder / (name.split(",")[0].replace(" ", "_") + ".yaml")
            path.write_text(yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False))
            _run(before, path, folder / "warm-b")
            _run(after, path, folder / "warm-a")
            tb, ta = [], []
            for i in range(args.repeats):
                order = ((before, tb), (after, ta)) if i % 2 == 0 else ((after, ta), (before, tb))
                for tree, times in order:
                    times.append(_run(tree, path, folder / "out"))
            ratios = [a / b for a, b in zip(ta, tb)]
            print(f"{name:40s} {statistics.median(tb):15.2f}s {statistics.median(ta):14.2f}s {statistics.median(ratios):13.3f}  {min(ratios):.3g}-{max(ratios):.3g}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
