"""MRI behaviour of the two programmable archetypes, and seeded random patient presses."""
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from simulator.pump.patient_presses import PressSchedule
from simulator.pump.settings import PatientPressSettings
from tests.pump.helpers import DAY, HOUR, MIN, kinds, make_sim, morphine_settings


def test_peristaltic_motor_stops_during_the_scan_and_the_missed_drug_is_logged():
    # 10 mg/mL at 2 mg/day = 0.2 mL/day. A 60 min scan at day 1 misses 0.2/24 = 0.0083333 mL = 0.083333 mg.
    # recovery_delay_h 0: the usual immediate recovery (the rare delayed recovery is tested in test_domain_corrections)
    sim = make_sim(morphine_settings(), duration="10d", timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 60, "recovery_delay_h": 0}}])
    res = sim.run().results()
    pump = sim.devices["pump"]
    end = kinds(res, "mri.ended")
    assert len(end) == 1 and end[0].t_s == pytest.approx(DAY + HOUR)
    assert end[0].payload["missed_volume_ml"] == pytest.approx(0.2 / 24, rel=1e-9)
    assert end[0].payload["missed_drug"] == pytest.approx(2 / 24, rel=1e-9)
    assert any("interrogate the pump" in e.payload["message"] for e in kinds(res, "warning"))
    # the pump counted the scan as delivered: expected 20 - 10 x 0.2 = 18.0 mL, true 18.0 + 0.0083333
    assert pump.expected_reservoir_ml_at(10 * DAY) == pytest.approx(18.0, abs=1e-9)
    assert pump.reservoir_ml_at(10 * DAY) == pytest.approx(18.0 + 0.2 / 24, abs=1e-9)
    assert pump.delivered_drug_at(10 * DAY) == pytest.approx(20.0 - 2 / 24, abs=1e-9)
    # no flow during the scan: 1 day of delivery (0.2 mL) at day 1 and still at day 1 + 60 min
    assert pump.delivered_volume_ml_at(DAY + HOUR) == pytest.approx(0.2, abs=1e-9)
    assert abs(pump.mass_balance()["residual"]) < 1e-9


def test_valve_gated_valve_closes_after_at_most_10_ul_until_reset():
    # 0.2 mL/day. The valve passes the 10 uL worst case (0.1 mg) at day 1, then nothing until the reset at day 2:
    # missed 0.2 mL = 2 mg. At day 5: the pump counts 20 - 5 x 0.2 = 19.0 mL; true 20 - 0.2 - 0.01 - 3 x 0.2 = 19.19 mL.
    # the labeling says to empty the reservoir first: this scan with drug left is an overridden (emergency) scan
    timeline = [{"at": "1d", "action": "mri", "params": {"duration_min": 30, "override": True}},
                {"at": "1d 10min", "action": "reset_valve"},  # still in the scanner: refused
                {"at": "2d", "action": "reset_valve"}]
    sim = make_sim(morphine_settings(), duration="5d", timeline=timeline, profile="pump/valve-gated-20ml")
    res = sim.run().results()
    pump = sim.devices["pump"]
    started = kinds(res, "mri.started")[0].payload
    assert started["leak_ml"] == pytest.approx(0.010) and started["severity"] == "critical"
    refusals = kinds(res, "refusal")
    assert len(refusals) == 1 and "still in the scanner" in refusals[0].payload["reason"]
    reset = kinds(res, "mri.valve_reset")[0].payload
    assert reset["missed_volume_ml"] == pytest.approx(0.2, rel=1e-9) and reset["missed_drug"] == pytest.approx(2.0, rel=1e-9)
    assert pump.expected_reservoir_ml_at(5 * DAY) == pytest.approx(19.0, abs=1e-9)
    assert pump.reservoir_ml_at(5 * DAY) == pytest.approx(19.19, abs=1e-9)
    assert pump.delivered_volume_ml_at(2 * DAY) == pytest.approx(0.21, abs=1e-9)
    assert any("reset the pump" in e.payload["message"] for e in kinds(res, "warning"))
    assert abs(pump.mass_balance()["residual"]) < 1e-9


def test_reset_valve_is_refused_on_a_peristaltic_pump_and_mri_warns_on_a_gas_pump():
    sim = make_sim(morphine_settings(), duration="1d", timeline=[{"at": "1h", "action": "reset_valve"}])
    res = sim.run().results()
    assert "no flow-activated valve" in kinds(res, "refusal")[0].payload["reason"]
    gas = make_sim({"drug": "morphine", "concentration_mg_per_ml": 2, "reservoir_ml": 30}, duration="1d", profile="pump/gas-driven-30ml",
                   timeline=[{"at": "1h", "action": "mri", "params": {"duration_min": 30}}])
    res = gas.run().results()
    assert any("not affected" in e.payload["message"] for e in kinds(res, "warning"))
    assert not kinds(res, "flow.stopped")


def test_waking_window_walk_by_hand():
    # window 07:00-22:00 (15 h); at 21:00 two waking hours take us to 22:00 + (07:00 next day) + 1 h = 08:00 next day
    s = PressSchedule(PatientPressSettings(rate_per_day=3), clock_offset_s=0.0, rng=None)
    assert s.mean_waking_gap_s == pytest.approx(5 * HOUR)  # 15 h / 3 presses
    assert s.advance_waking(21 * HOUR, 2 * HOUR) == pytest.approx(DAY + 8 * HOUR)
    assert s.advance_waking(3 * HOUR, 1 * HOUR) == pytest.approx(8 * HOUR)  # asleep: starts at 07:00
    assert s.advance_waking(8 * HOUR, 31 * HOUR) == pytest.approx(2 * DAY + 9 * HOUR)  # 14 + 15 h, then 2 h
    night = PressSchedule(PatientPressSettings(rate_per_day=1, waking_start="20:00", waking_end="04:00"), 0.0, None)
    assert night.length_s == pytest.approx(8 * HOUR) and night.in_window(2 * HOUR) and not night.in_window(12 * HOUR)


PRESS_SETTINGS = {"patient_bolus": {"dose_mg": 0.2, "duration_min": 10, "lockout_min": 120, "max_per_day": 4},
                  "patient_presses": {"rate_per_day": 8, "waking_start": "08:00", "waking_end": "20:00"}}


def press_run(seed, duration="20d"):
    sim = make_sim(morphine_settings(**PRESS_SETTINGS), duration=duration, seed=seed)
    return sim, sim.run().results()


@hsettings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_random_presses_obey_window_lockout_and_daily_maximum(seed):
    sim, res = press_run(seed)
    presses = [e for e in kinds(res, "action") if e.payload["action"] == "patient_bolus"]
    assert all(e.payload["params"]["random"] for e in presses)
    assert sim.devices["pump"].presses.random_presses == len(presses)
    # 2026-01-05T08:00 start: time of day = (t + 8 h) mod 24 h, all inside 08:00-20:00
    assert all(8 * HOUR - 1e-6 <= (e.t_s + 8 * HOUR) % DAY <= 20 * HOUR + 1e-6 for e in presses)
    starts = [e.t_s for e in kinds(res, "bolus.start") if e.payload["bolus"] == "patient"]
    refused = [e for e in kinds(res, "refusal") if e.payload["action"] == "patient_bolus"]
    assert len(starts) + len(refused) == len(presses)
    assert all(b - a >= 120 * MIN - 1e-6 for a, b in zip(starts, starts[1:]))  # never inside the lockout
    assert all(sum(1 for t in starts if s <= t < s + DAY) <= 4 for s in starts)  # never over 4 in 24 h
    assert abs(sim.devices["pump"].mass_balance()["residual"]) < 1e-9


def test_random_presses_count_and_same_seed_gives_identical_output():
    # 8 presses a day for 20 days: 160 expected (Poisson sd 12.6); at most 4 accepted a day -> at most 80 + 1
    sim, res = press_run(7)
    presses = sim.devices["pump"].presses.random_presses
    assert 160 - 5 * 12.6 < presses < 160 + 5 * 12.6
    assert res.device_summary("pump")["patient_boluses"]["accepted"] <= 81
    sim2, res2 = press_run(7)
    assert [(e.t_s, e.kind) for e in res.events] == [(e.t_s, e.kind) for e in res2.events]
    _, res3 = press_run(8)
    assert [(e.t_s, e.kind) for e in res.events] != [(e.t_s, e.kind) for e in res3.events]
