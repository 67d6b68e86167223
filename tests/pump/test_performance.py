"""A simulated year of a 10-step flex schedule with daily boluses and monthly refills runs well under a second."""
import time

from tests.pump.helpers import make_sim


def year_scenario():
    steps = [{"start": f"{2 * i:02d}:00", "dose_mcg_per_day": 300.0 + 20 * i} for i in range(10)]
    settings = {"drug": "baclofen", "concentration_mcg_per_ml": 2000, "reservoir_ml": 20, "low_reservoir_threshold_ml": 2,
                "mode": {"type": "flex", "steps": steps},
                "patient_bolus": {"dose_mcg": 50, "duration_min": 15, "lockout_min": 240, "max_per_day": 2}}
    timeline = [{"at": f"{d}d 10h", "action": "patient_bolus"} for d in range(365)]
    timeline += [{"at": f"{d}d 9h", "action": "single_bolus", "params": {"dose_mcg": 25}} for d in range(365)]
    timeline += [{"at": f"{30 * m}d 8h", "action": "refill", "params": {"fill_ml": 20}} for m in range(1, 13)]
    timeline += [{"at": f"{30 * m}d 8h 5min", "action": "acknowledge_alarm"} for m in range(1, 13)]
    timeline.sort(key=lambda a: float(a["at"].split("d")[0]))
    return make_sim(settings, duration="365d", timeline=timeline)


def test_a_year_of_flex_with_daily_boluses_and_monthly_refills_is_fast():
    best = float("inf")
    for _ in range(3):
        sim = year_scenario()
        t0 = time.perf_counter()
        res = sim.run().results()
        best = min(best, time.perf_counter() - t0)
    s = res.device_summary("pump")
    assert len(s["refills"]) == 12 and s["patient_boluses"]["accepted"] == 365
    assert abs(s["mass_balance"]["residual"]) < 1e-6
    print(f"one simulated year: {best:.3f} s, {len(res.events)} events")
    assert best < 1.0
