"""Flex, periodic and single boluses, and patient boluses: hand-computed cases."""
import pytest

from tests.pump.helpers import DAY, HOUR, MIN, kinds, make_sim, morphine_settings


def test_flex_two_steps_hand_computed():
    # 00:00-12:00 at 1 mg/day (0.1 mL/day), 12:00-24:00 at 3 mg/day (0.3 mL/day); start at 08:00.
    mode = {"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 1}, {"start": "12:00", "dose_mg_per_day": 3}]}
    sim = make_sim(morphine_settings(mode=mode), duration="3d")
    pump = sim.devices["pump"]
    sim.run(until=2 * HOUR)
    assert pump.current_rate_ml_per_day() == pytest.approx(0.1)
    sim.run(until=5 * HOUR)  # 13:00
    assert pump.current_rate_ml_per_day() == pytest.approx(0.3)
    # 4 h at 0.1 mL/day + 1 h at 0.3 mL/day
    assert pump.delivered_volume_ml_at(5 * HOUR) == pytest.approx(0.1 * 4 / 24 + 0.3 / 24)
    sim.run()
    # one full day delivers 0.5 x 0.1 + 0.5 x 0.3 = 0.2 mL (2 mg)
    assert pump.delivered_volume_ml_at(2 * DAY) - pump.delivered_volume_ml_at(DAY) == pytest.approx(0.2)
    assert pump.delivered_drug_at(3 * DAY) == pytest.approx(6.0)
    res = sim.results()
    t, rate = res.series_arrays("pump", "rate_ml_per_day")
    # rate steps at 12:00 (t = 4 h) and 00:00 (t = 16 h)
    assert 4 * HOUR in t and 16 * HOUR in t


def test_flex_ten_steps_and_predicted_empty():
    # ten 2-hour steps from 00:00 to 18:00, the last (18:00) running 6 h. doses 1..10 mg/day
    steps = [{"start": f"{2 * i:02d}:00", "dose_mg_per_day": float(i + 1)} for i in range(10)]
    # daily dose = (1+2+...+9) x 2/24 + 10 x 6/24 = 45/12 + 2.5 = 6.25 mg -> 0.625 mL/day at 10 mg/mL
    sim = make_sim(morphine_settings(mode={"type": "flex", "steps": steps}, reservoir_ml=20), duration="40d", start="2026-01-05T00:00:00")
    pump = sim.devices["pump"]
    assert pump.therapy.program.daily_dose() == pytest.approx(6.25)
    # 20 mL / 0.625 mL/day = 32 whole days exactly (at midnight)
    assert pump.predicted_empty_t_s() == pytest.approx(32 * DAY, abs=1)
    # low at 2 mL: 18 mL = 28 days (17.5 mL) + 0.5 mL into day 29: 00-02 at 0.1 mL/day... 1 mg/day x 2 h = 0.00833 mL,
    # checked against the run instead of by hand below
    res = sim.run().results()
    empty = [e for e in kinds(res, "alarm.raised") if e.payload["alarm"] == "empty_reservoir"]
    assert abs(empty[0].t_s - 32 * DAY) < 1
    low = [e for e in kinds(res, "alarm.raised") if e.payload["alarm"] == "low_reservoir"][0]
    assert pump.expected_reservoir_ml_at(low.t_s) == pytest.approx(2.0, abs=1e-9)
    assert res.device_summary("pump")["delivered_drug"] == pytest.approx(200.0)


def test_periodic_bolus_on_basal():
    # basal 1 mg/day + 0.5 mg every 6 h; 0.5 mg = 0.05 mL at 1 mL/h -> 3 min bolus
    mode = {"type": "periodic", "dose_mg_per_day": 1, "bolus_dose_mg": 0.5, "interval_h": 6}
    sim = make_sim(morphine_settings(mode=mode), duration="1d")
    res = sim.run().results()
    starts = kinds(res, "bolus.start")
    assert [round(e.t_s / HOUR, 6) for e in starts] == [0, 6, 12, 18]
    ends = kinds(res, "bolus.end")
    assert [round((e.t_s - s.t_s) / MIN, 6) for s, e in zip(starts, ends)] == [3, 3, 3, 3]
    # 1 mg basal + 4 x 0.5 mg = 3 mg in the day
    assert res.device_summary("pump")["delivered_drug"] == pytest.approx(3.0)
    _, rate = res.series_arrays("pump", "rate_ml_per_day")
    assert rate.max() == pytest.approx(0.1 + 24.0)  # basal + 1 mL/h bolus


def test_single_bolus_runs_on_top_and_basal_resumes():
    # 1 mg over 30 min at t = 1 d on a 2 mg/day basal
    sim = make_sim(morphine_settings(), duration="2d", timeline=[{"at": "1d", "action": "single_bolus", "params": {"dose_mg": 1, "duration_min": 30}}])
    pump = sim.devices["pump"]
    sim.run(until=DAY + 10 * MIN)
    # 0.1 mL in 30 min = 4.8 mL/day on top of 0.2
    assert pump.current_rate_ml_per_day() == pytest.approx(5.0)
    sim.run()
    assert pump.current_rate_ml_per_day() == pytest.approx(0.2)
    # 2 days x 2 mg + 1 mg
    assert pump.delivered_drug_at(2 * DAY) == pytest.approx(5.0)
    res = sim.results()
    end = kinds(res, "bolus.end")[0]
    assert end.t_s == pytest.approx(DAY + 30 * MIN)


def test_bolus_faster_than_the_pump_is_refused():
    sim = make_sim(morphine_settings(), duration="2d", timeline=[{"at": "1d", "action": "single_bolus", "params": {"dose_mg": 10, "duration_min": 10}}])
    res = sim.run().results()
    r = kinds(res, "refusal")
    assert len(r) == 1 and r[0].payload["limit"] == "max_bolus_rate_ml_per_h"


PATIENT = {"dose_mg": 0.1, "duration_min": 10, "lockout_min": 60, "max_per_day": 3}


def test_patient_bolus_lockout_and_daily_maximum():
    presses = [10, 30, 70, 140, 210, 24 * 60 + 15]  # minutes
    timeline = [{"at": f"{m}min", "action": "patient_bolus"} for m in presses]
    sim = make_sim(morphine_settings(patient_bolus=PATIENT), duration="2d", timeline=timeline)
    res = sim.run().results()
    accepted = [round(e.t_s / MIN) for e in kinds(res, "bolus.start")]
    refusals = kinds(res, "refusal")
    # 30 min: inside the 60 min lockout from 10; 210 min: a 4th in 24 h (10, 70, 140 accepted)
    # 1455 min: the bolus at 10 min has left the 24 h window -> accepted
    assert accepted == [10, 70, 140, 1455]
    assert [r.payload["limit"] for r in refusals] == ["lockout_min", "max_per_day"]
    # drug: 2 days x 2 mg + 4 x 0.1 mg
    assert res.device_summary("pump")["delivered_drug"] == pytest.approx(4.4)
    assert res.device_summary("pump")["patient_boluses"] == {"accepted": 4, "refused": 2}


def test_patient_bolus_settings_count_in_the_daily_maximum():
    # 14 mg/day basal + 3 x 0.5 mg = 15.5 mg > 15 mg/day
    over = dict(PATIENT, dose_mg=0.5)
    sim = make_sim(morphine_settings(mode={"type": "continuous", "dose_mg_per_day": 14}), duration="1d",
                   timeline=[{"at": "1h", "action": "set_patient_bolus", "params": {"patient_bolus": over}}])
    res = sim.run().results()
    assert kinds(res, "refusal") == []  # a drug-library limit: warned (the default policy)
    r = [w for w in kinds(res, "warning") if w.payload["limit"] == "max_daily_dose_mg"]
    assert len(r) == 1 and r[0].payload["value"] == pytest.approx(15.5)


def test_titration_rule_warns():
    # ziconotide: raise by at most 2.4 mcg/day; 2.4 -> 6 mcg/day is +3.6
    settings = {"drug": "ziconotide", "concentration_mcg_per_ml": 25, "reservoir_ml": 20, "mode": {"type": "continuous", "dose_mcg_per_day": 2.4}}
    sim = make_sim(settings, duration="2d", timeline=[{"at": "1d", "action": "program", "params": {"mode": {"type": "continuous", "dose_mcg_per_day": 6}}}])
    res = sim.run().results()
    w = kinds(res, "warning")
    assert any(e.payload["limit"] == "titration.max_increase_mcg_per_day" for e in w)


def test_bad_programs_are_refused_clearly():
    from simulator.pump.settings import ProgramParams
    sim = make_sim(morphine_settings(), duration="1d")
    pump = sim.devices["pump"]

    def check(mode):
        return pump.check("program", ProgramParams.model_validate({"mode": mode}))

    too_many = {"type": "flex", "steps": [{"start": f"{h:02d}:{m:02d}", "dose_mg_per_day": 1} for h in range(24) for m in (0, 30)][:25]}
    f = check(too_many)
    assert f[0].limit == "max_flex_steps" and f[0].allowed == 24
    f = check({"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 1}, {"start": "12:00", "dose_mcg_per_day": 1000}]})
    assert f[0].limit == "unit" and "morphine is dosed in mg" in f[0].message
    f = check({"type": "continuous", "dose_mg_per_day": 250})  # 25 mL/day > 24
    assert {x.limit for x in f if x.level == "refuse"} == {"max_rate_ml_per_day"}  # the device limit
    assert "max_daily_dose_mg" in {x.limit for x in f if x.level == "warn"}  # the drug-library limit
    # a periodic bolus that would take longer than its interval
    f = check({"type": "periodic", "dose_mg_per_day": 1, "bolus_dose_mg": 1, "interval_h": 1, "bolus_duration_min": 90})
    assert "interval_h" in {x.limit for x in f}
    # apply refuses with the same finding
    from simulator.errors import ActionRefused
    with pytest.raises(ActionRefused, match="maximum rate of 24 mL/day"):
        pump.apply("program", ProgramParams.model_validate({"mode": {"type": "continuous", "dose_mg_per_day": 250}}))
