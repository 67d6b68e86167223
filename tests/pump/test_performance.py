"""The cost of pump runs grows with state changes, not with schedule steps or strokes.

Wall time is measured in benchmarks/ (a year of a 10-step flex schedule with daily boluses and
monthly refills takes about 0.1 s there); here the deterministic measure is the number of SimPy
events a run processes.
"""
import pytest

from tests.engine_steps import run_counting_steps
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


def test_a_year_of_flex_with_daily_boluses_and_monthly_refills_costs_its_state_changes():
    sim = year_scenario()
    steps = run_counting_steps(sim)
    res = sim.results()
    s = res.device_summary("pump")
    assert len(s["refills"]) == 12 and s["patient_boluses"]["accepted"] == 365
    assert abs(s["mass_balance"]["residual"]) < 1e-6
    # 754 scenario actions; each bolus adds its end and a lockout end (2 x 730); refills,
    # alarms and their repeats add a few hundred. One wake-up per flex step would add 3,650.
    assert steps < 3_000, steps


def ten_year_scenario():
    # 24 hourly steps of 300 + 10 k mcg/day, 2000 mcg/mL: 87,600 step boundaries in ten years
    steps = [{"start": f"{k:02d}:00", "dose_mcg_per_day": 300.0 + 10 * k} for k in range(24)]
    settings = {"drug": "baclofen", "concentration_mcg_per_ml": 2000, "reservoir_ml": 40, "low_reservoir_threshold_ml": 2,
                "mode": {"type": "flex", "steps": steps},
                "patient_bolus": {"dose_mcg": 50, "duration_min": 15, "lockout_min": 240, "max_per_day": 2}}
    n = 3650
    timeline = [{"at": f"{d}d 10h", "action": "patient_bolus"} for d in range(n)]
    timeline += [{"at": f"{30 * m}d 8h", "action": "refill", "params": {"fill_ml": 35}} for m in range(1, n // 30 + 1)]
    timeline += [{"at": f"{30 * m}d 8h 5min", "action": "acknowledge_alarm"} for m in range(1, n // 30 + 1)]
    timeline.sort(key=lambda a: float(a["at"].split("d")[0]))
    return make_sim(settings, duration=f"{n}d", timeline=timeline, profile="pump/peristaltic-40ml")


def test_ten_years_of_a_24_step_flex_schedule_do_not_wake_at_every_step():
    sim = ten_year_scenario()
    steps = run_counting_steps(sim)
    res = sim.results()
    # one wake-up per step boundary alone would be 87,600; presses, refills and alarms are ~15,000
    assert steps < 20_000 and len(res.events) < 20_000, (steps, len(res.events))
    assert abs(res.device_summary("pump")["mass_balance"]["residual"]) < 1e-6
    # the recorded rate still follows every step: day 1000, 13:30 local (start 08:00 + 5.5 h) is step 13:
    # 430 mcg/day / 2000 mcg/mL = 0.215 mL/day; 14:30 is step 14: 0.22 mL/day
    rate = sim.recorder.get("pump", "rate_ml_per_day")
    assert rate.at(1000 * 86400 + 5.5 * 3600) == pytest.approx(0.215)
    assert rate.at(1000 * 86400 + 6.5 * 3600) == pytest.approx(0.22)
