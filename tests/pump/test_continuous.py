"""Continuous mode, reservoir, thresholds and alarms: hand-computed cases."""
import pytest

from simulator.errors import InputError
from tests.pump.helpers import DAY, MIN, kinds, make_sim, morphine_settings


def test_issue_example_low_on_day_90_empty_on_day_100_to_the_minute():
    # 20 mL of 10 mg/mL at 2 mg/day -> 2 / 10 = 0.2 mL/day.
    # low threshold 2 mL: (20 - 2) / 0.2 = 90 days; empty: 20 / 0.2 = 100 days.
    sim = make_sim(morphine_settings(), duration="110d")
    pump = sim.devices["pump"]
    assert pump.current_rate_ml_per_day() == pytest.approx(0.2)
    assert pump.predicted_low_reservoir_t_s() == pytest.approx(90 * DAY, abs=60)
    assert pump.predicted_empty_t_s() == pytest.approx(100 * DAY, abs=60)
    assert pump.reservoir_ml_at(45 * DAY) == pytest.approx(20 - 0.2 * 45)  # 11 mL, projected
    res = sim.run().results()
    low = [e for e in kinds(res, "alarm.raised") if e.payload["alarm"] == "low_reservoir"]
    empty = [e for e in kinds(res, "alarm.raised") if e.payload["alarm"] == "empty_reservoir"]
    assert len(low) == 1 and abs(low[0].t_s - 90 * DAY) < MIN
    assert len(empty) == 1 and abs(empty[0].t_s - 100 * DAY) < MIN
    assert low[0].payload["severity"] == "non_critical" and empty[0].payload["severity"] == "critical"
    # the empty reservoir stops delivery: 20 mL delivered, 200 mg of drug
    s = res.device_summary("pump")
    assert s["delivered_volume_ml"] == pytest.approx(20.0)
    assert s["delivered_drug"] == pytest.approx(200.0)
    assert s["drug_unit"] == "mg"
    assert s["final_reservoir_ml"] == pytest.approx(0.0, abs=1e-9)
    assert abs(s["mass_balance"]["residual"]) < 1e-9
    # past queries from the recorded breakpoints: day 50 -> 20 - 10 = 10 mL; 100 mg delivered
    assert pump.reservoir_ml_at(50 * DAY) == pytest.approx(10.0)
    assert pump.delivered_drug_at(50 * DAY) == pytest.approx(100.0)
    assert pump.delivered_volume_ml_at(50 * DAY) == pytest.approx(10.0)
    # calendar days: scenario starts 08:00, so day 1 is 16 h: 2 * 16/24 mg; full days 2 mg
    daily = pump.daily_doses()
    assert daily[0] == pytest.approx(2 * 16 / 24)
    assert daily[1] == pytest.approx(2.0)
    assert daily[-1] == pytest.approx(0.0)
    assert sum(daily) == pytest.approx(200.0)


def test_series_names_and_values():
    res = make_sim(morphine_settings(), duration="10d").run().results()
    t, v = res.series_arrays("pump", "reservoir_ml")
    assert v[0] == 20 and v[-1] == pytest.approx(18.0)  # 10 days x 0.2 mL/day
    _, rate = res.series_arrays("pump", "rate_ml_per_day")
    assert rate[0] == pytest.approx(0.2)
    _, drug_rate = res.series_arrays("pump", "drug_rate_mg_per_day")
    assert drug_rate[0] == pytest.approx(2.0)
    _, cum = res.series_arrays("pump", "cumulative_drug_mg")
    assert cum[-1] == pytest.approx(20.0)
    _, batt = res.series_arrays("pump", "battery_pct")
    # 10 days x (0.0365 %/day idle + 0.004 %/mL x 0.2 mL/day) = 0.373 %
    assert 100 - batt[-1] == pytest.approx(10 * (0.0365 + 0.004 * 0.2))


def test_mcg_drug_series_named_in_mcg():
    settings = {"drug": "baclofen", "concentration_mcg_per_ml": 500, "reservoir_ml": 20, "mode": {"type": "continuous", "dose_mcg_per_day": 400}}
    sim = make_sim(settings, duration="5d")
    res = sim.run().results()
    assert sim.devices["pump"].drug_unit == "mcg"
    _, cum = res.series_arrays("pump", "cumulative_drug_mcg")
    assert cum[-1] == pytest.approx(2000.0)  # 5 days x 400 mcg


def test_wrong_unit_in_settings_is_refused_naming_the_unit():
    with pytest.raises(InputError, match="baclofen is dosed in mcg: give concentration_mcg_per_ml, not concentration_mg_per_ml"):
        make_sim({"drug": "baclofen", "concentration_mg_per_ml": 0.5, "reservoir_ml": 20})
    with pytest.raises(InputError, match="morphine is dosed in mg: give dose_mg_per_day"):
        make_sim(morphine_settings(mode={"type": "continuous", "dose_mcg_per_day": 2000}))


def test_bad_settings_are_refused_with_the_limit():
    with pytest.raises(InputError, match="daily maximum of 15 mg/day"):
        make_sim(morphine_settings(mode={"type": "continuous", "dose_mg_per_day": 16}))
    with pytest.raises(InputError, match="beyond the reservoir capacity of 20 mL"):
        make_sim(morphine_settings(reservoir_ml=21))
    with pytest.raises(InputError, match="maximum concentration of 20 mg/mL"):
        make_sim(morphine_settings(concentration_mg_per_ml=25))
    with pytest.raises(InputError, match="below the pump's minimum rate of 0.048 mL/day"):
        make_sim(morphine_settings(mode={"type": "continuous", "dose_mg_per_day": 0.1}))  # 0.01 mL/day
    with pytest.raises(InputError, match="unknown drug"):
        make_sim(morphine_settings(drug="drug/aspirin"))


def test_program_over_the_daily_maximum_warns_and_is_logged():
    # the consensus maximum is a drug-library limit: a warning by default (refuse_policy tested in test_dose_limits)
    sim = make_sim(morphine_settings(), duration="2d", timeline=[{"at": "1d", "action": "program", "params": {"mode": {"type": "continuous", "dose_mg_per_day": 20}}}])
    pump = sim.devices["pump"]
    from simulator.pump.settings import ProgramParams
    findings = pump.check("program", ProgramParams.model_validate({"mode": {"type": "continuous", "dose_mg_per_day": 20}}))
    assert findings[0].level == "warn" and findings[0].limit == "max_daily_dose_mg" and findings[0].allowed == 15
    res = sim.run().results()
    assert kinds(res, "refusal") == []
    warned = [w for w in kinds(res, "warning") if w.payload["limit"] == "max_daily_dose_mg"]
    assert len(warned) == 1 and warned[0].payload["value"] == pytest.approx(20.0)
    assert pump.current_rate_ml_per_day() == pytest.approx(2.0)  # 20 mg/day / 10 mg/mL, applied with the warning


def test_low_threshold_change_and_acknowledge_stops_repeats():
    # 0.2 mL/day from 20 mL; threshold 5 mL at day 10: reached at (20 - 5) / 0.2 = 75 d
    sim = make_sim(morphine_settings(), duration="80d", timeline=[
        {"at": "10d", "action": "set_low_reservoir_threshold", "params": {"threshold_ml": 5}},
        {"at": "76d", "action": "acknowledge_alarm", "params": {"alarm": "low_reservoir"}},
    ])
    res = sim.run().results()
    raised = kinds(res, "alarm.raised")
    assert abs(raised[0].t_s - 75 * DAY) < MIN
    repeats = [e for e in kinds(res, "alarm.repeats") if e.payload["alarm"] == "low_reservoir"]
    # hourly repeats after day 75 at +1 h ... +23 h; the one due at +24 h (= day 76) comes after the
    # acknowledgement (scenario actions run before the device's own events at the same time): 23,
    # none after (recorded coalesced: one alarm.repeats event, written at the acknowledgement)
    assert sum(e.payload["count"] for e in repeats) == 23 and all(e.payload["last_t_s"] < 76 * DAY for e in repeats)
    assert res.summary["event_counts"]["alarm.repeat"] == 23
