"""Prometra-style next-refill date, and drug amounts kept per unit across a drug change."""
import pytest

from tests.pump.helpers import DAY, make_sim, morphine_settings

PATIENT = {"patient_bolus": {"dose_mg": 0.5, "duration_min": 10, "lockout_min": 60, "max_per_day": 4}}


def test_next_refill_assumes_every_allowed_patient_bolus_and_the_profile_target():
    # 0.2 mL/day basal + 4 x 0.5 mg / 10 mg/mL = 0.2 mL/day of patient boluses = 0.4 mL/day.
    # valve-gated target 3.0 mL: (20 - 3) / 0.4 = 42.5 days; peristaltic target 2 mL: 18 / 0.4 = 45 days.
    valve = make_sim(morphine_settings(**PATIENT), duration="1d", profile="pump/valve-gated-20ml")
    assert valve.devices["pump"].next_refill_t_s() == pytest.approx(42.5 * DAY, rel=1e-9)
    assert valve.devices["pump"].next_refill_t_s(target_ml=4.0) == pytest.approx(40 * DAY, rel=1e-9)  # 16 / 0.4
    peri = make_sim(morphine_settings(**PATIENT), duration="1d")
    assert peri.devices["pump"].next_refill_t_s() == pytest.approx(45 * DAY, rel=1e-9)
    # without patient boluses: (20 - 3) / 0.2 = 85 days; after 5 days: still day 85 (the date is absolute)
    plain = make_sim(morphine_settings(), duration="5d", profile="pump/valve-gated-20ml")
    plain.run()
    pump = plain.devices["pump"]
    assert pump.next_refill_t_s() == pytest.approx(85 * DAY, rel=1e-9)
    summary = plain.results().device_summary("pump")
    assert summary["next_refill_t_s"] == pytest.approx(85 * DAY, rel=1e-9) and summary["next_refill_target_ml"] == 3.0
    # at or below the target: due now
    low = make_sim(morphine_settings(reservoir_ml=2.5), duration="1d", profile="pump/valve-gated-20ml")
    assert low.devices["pump"].next_refill_t_s() == 0.0


def test_next_refill_over_a_flex_schedule():
    # 12 h at 1 mg/day + 12 h at 3 mg/day = 2 mg/day = 0.2 mL/day on average; 17 mL to use -> 85 days exactly
    # (85 whole days: the start time of day does not matter)
    steps = [{"start": "00:00", "dose_mg_per_day": 1}, {"start": "12:00", "dose_mg_per_day": 3}]
    sim = make_sim(morphine_settings(mode={"type": "flex", "steps": steps}), duration="1d", profile="pump/valve-gated-20ml")
    assert sim.devices["pump"].next_refill_t_s() == pytest.approx(85 * DAY, rel=1e-9)


def test_a_drug_change_to_another_unit_keeps_one_series_per_unit_and_reports_per_drug():
    # morphine 10 mg/mL at 2 mg/day (0.2 mL/day) for 10 days, then clonidine 500 mcg/mL at 100 mcg/day (0.2 mL/day).
    # The 0.26 + 50 x 0.0022 = 0.37 mL dead volume still holds 3.7 mg of morphine: it flows for 0.37 / 0.2 = 1.85 days.
    # By day 20: morphine 20 + 3.7 = 23.7 mg; clonidine (10 - 1.85) x 0.2 x 500 = 815 mcg.
    refill = {"fill_ml": 20, "drug": "clonidine", "concentration_mcg_per_ml": 500, "mode": {"type": "continuous", "dose_mcg_per_day": 100}}
    sim = make_sim(morphine_settings(), duration="20d", timeline=[{"at": "10d", "action": "refill", "params": refill}])
    res = sim.run().results()
    mg = sim.recorder.get("pump", "cumulative_drug_mg")
    mcg = sim.recorder.get("pump", "cumulative_drug_mcg")
    assert mg.at(10 * DAY) == pytest.approx(20.0) and mg.at(11.85 * DAY) == pytest.approx(23.7) and mg.at(20 * DAY) == pytest.approx(23.7)
    assert mcg.t_s[0] == 0.0 and mcg.at(5 * DAY) == 0.0 and mcg.at(10 * DAY) == 0.0
    assert mcg.at(20 * DAY) == pytest.approx(815.0)
    assert mcg.at(15 * DAY) == pytest.approx((5 - 1.85) * 100.0)
    s = res.device_summary("pump")
    per = {d["drug"]: (d["amount"], d["unit"]) for d in s["delivered_per_drug"]}
    assert per["morphine"][0] == pytest.approx(23.7) and per["morphine"][1] == "mg"
    assert per["clonidine"][0] == pytest.approx(815.0) and per["clonidine"][1] == "mcg"
    assert s["delivered_drug_by_unit"] == pytest.approx({"mg": 23.7, "mcg": 815.0})
    assert s["drug_unit"] == "mcg" and s["delivered_drug"] == pytest.approx(815.0)
    # the old drug still flowing after the change shows in the mg rate series, not the mcg one
    assert sim.recorder.get("pump", "drug_rate_mg_per_day").at(11 * DAY) == pytest.approx(2.0)
    assert sim.recorder.get("pump", "drug_rate_mcg_per_day").at(11 * DAY) == 0.0
    assert sim.recorder.get("pump", "drug_rate_mcg_per_day").at(12 * DAY) == pytest.approx(100.0)
