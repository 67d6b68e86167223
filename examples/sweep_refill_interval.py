"""The 1,000-scenario sweep of sweeps/morphine_refill_interval.yaml from Python, and what to do
with the table: refill day x dose x 100 pumps whose flow error is drawn within the labelled band.

Run from the repository root:  python examples/sweep_refill_interval.py [--executor serial|processes|dask]

Needs the data extras (pandas, pyarrow). Interrupt it and run it again: it resumes.
For training and engineering only; not medical advice.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from simulator.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"])
    parser.add_argument("--out", default="out/morphine_sweep", help="results folder (relative to the current folder)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    table = run_sweep(ROOT / "sweeps" / "morphine_refill_interval.yaml", args.out, executor=args.executor)
    elapsed = time.perf_counter() - t0
    print(f"{len(table)} scenarios in {elapsed:.1f} s ({len(table) / elapsed:.0f} scenarios/s) -> {args.out}/results.parquet\n")

    table["refill_day"] = table["refill_at"].str.rstrip("d").astype(int)
    table["reservoir_gap_ml"] = (table["devices.pump.final_reservoir_ml"] - table["devices.pump.expected_reservoir_ml"]).abs()
    by_point = table.groupby(["dose_mg_per_day", "refill_day"]).agg(
        alarms_raised=("event_counts.alarm.raised", "mean"),
        delivered_mg_mean=("devices.pump.delivered_drug", "mean"),
        delivered_mg_min=("devices.pump.delivered_drug", "min"),
        reservoir_gap_ml_max=("reservoir_gap_ml", "max"),
    )
    print("Per point (100 pumps each): alarms raised, morphine delivered, and the largest gap between")
    print("the volume in the reservoir and the volume the pump expects (what a refill would reveal):")
    print(by_point.round(2).to_string())
    worst = table.loc[table["devices.pump.systematic_error_pct"].idxmax()]
    print(f"\nFastest pump: flow error {worst['devices.pump.systematic_error_pct']:+.1f} % (seed {worst['seed']}).")


if __name__ == "__main__":
    main()
