"""How late can the refill be? A 30-day morphine pump run with the refill on different days.

Run from the repository root:  python examples/pump_refill_interval.py

Shows the Python API: load a scenario, change it by field path, run it, read the results as
numpy arrays, events filtered by device and kind, and (if pandas is installed) a DataFrame.
For training and engineering only; not medical advice.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from simulator import load_scenario
from simulator.api import run, with_changes

DAY_S = 86400.0
BASE = Path(__file__).resolve().parents[1] / "sweeps" / "pump_morphine_30d.yaml"


def main() -> None:
    base = load_scenario(BASE)
    print(f"{base.name}: {base.devices[0].settings['reservoir_ml']} mL of "
          f"{base.devices[0].settings['concentration_mg_per_ml']} mg/mL morphine at "
          f"{base.devices[0].settings['mode']['dose_mg_per_day']} mg/day\n")
    print("refill day | lowest reservoir (mL) | alarms raised (day: alarm)                 | morphine delivered (mg) | days below 5 mg")
    for refill_day in (18, 20, 22, 24, 26):
        scenario = with_changes(base, {"timeline[0].at": refill_day * DAY_S})
        results = run(scenario)

        t_s, volume_ml = results.series_arrays("pump", "reservoir_ml")     # exact breakpoints
        alarms = results.events_where(device="pump", kind="alarm.raised")
        _, cumulative_mg = results.series_arrays("pump", "cumulative_drug_mg")
        day_edges_s = np.arange(0.0, results.end_t_s + 1.0, DAY_S)
        daily_mg = np.diff(results.resample("pump", "cumulative_drug_mg", day_edges_s))

        raised = ", ".join(f"{e.t_s / DAY_S:.1f}: {e.payload['alarm']}" for e in alarms) or "-"
        short_days = int(np.sum(daily_mg < 5.0 - 1e-9))
        print(f"{refill_day:>10} | {volume_ml.min():>21.2f} | {raised:<42} | {cumulative_mg[-1]:>23.2f} | {short_days:>15}")

    try:
        frame = run(base).series_frame("pump", step_s=5 * DAY_S)
    except ImportError:
        return
    print("\nThe base run every 5 days (results.series_frame):")
    print(frame[["t_s", "reservoir_ml", "rate_ml_per_day", "cumulative_drug_mg"]].assign(day=frame.t_s / DAY_S).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
