"""Delivery pattern synthesis and the IEC 60601-2-24 trumpet curve."""
import numpy as np
import pytest

from simulator.profiles.registry import default_registry
from simulator.pump.accuracy import trumpet_curve
from tests.pump.helpers import DAY, HOUR, make_sim, morphine_settings


def test_pattern_matches_closed_form_for_continuous_flow():
    sim = make_sim(morphine_settings(), duration="2d")
    sim.run(until=DAY)
    pump = sim.devices["pump"]
    pat = pump.delivery_pattern(0.0, DAY, sample_rate_hz=1 / 60)
    # 0.2 mL/day = 200 uL/day in 0.25 uL strokes: 800 strokes, one every 86400 / 800 = 108 s
    assert len(pat["stroke_t_s"]) == 800
    assert np.allclose(np.diff(pat["stroke_t_s"]), 108.0)
    assert pat["stroke_volume_ul"].sum() == pytest.approx(200.0)
    assert pat["cumulative_ul"][-1] == pytest.approx(pat["closed_form_ul"][-1])
    assert np.all(np.abs(pat["cumulative_ul"] - pat["closed_form_ul"]) <= 0.25 + 1e-9)


def test_pattern_with_a_bolus_and_a_future_window_stays_within_one_stroke():
    sim = make_sim(morphine_settings(), duration="3d", timeline=[{"at": "1d", "action": "single_bolus", "params": {"dose_mg": 1, "duration_min": 30}}])
    sim.run(until=DAY + 600)
    pump = sim.devices["pump"]
    pat = pump.delivery_pattern(DAY - HOUR, DAY + 2 * HOUR, sample_rate_hz=0.1)  # past and projected
    closed = (pump.delivered_volume_ml_at(DAY + 2 * HOUR) - pump.delivered_volume_ml_at(DAY - HOUR)) * 1000
    assert abs(pat["stroke_volume_ul"].sum() - closed) <= 0.25 + 1e-9
    # 0.1 mL bolus in 30 min + 3 h of 0.2 mL/day = 100 + 25 uL
    assert closed == pytest.approx(125.0)


def test_valve_gated_packets_and_seeded_noise():
    s = morphine_settings(flow_error={"stroke_noise_cv_pct": 5})
    a = make_sim(s, profile="pump/valve-gated-20ml", duration="2d").run(until=DAY)
    pa = a.devices["pump"].delivery_pattern(0.0, DAY, 1 / 60)
    b = make_sim(s, profile="pump/valve-gated-20ml", duration="2d").run(until=DAY)
    pb = b.devices["pump"].delivery_pattern(0.0, DAY, 1 / 60)
    # 200 uL in 2.5 uL packets = 80 packets; noise varies them but keeps the total
    assert len(pa["stroke_t_s"]) == 80 and pa["stroke_volume_ul"].std() > 0
    assert pa["stroke_volume_ul"].sum() == pytest.approx(200.0)
    assert np.array_equal(pa["stroke_volume_ul"], pb["stroke_volume_ul"])


def test_trumpet_curve_valve_gated_hand_computed():
    # 0.5 mL/day = 0.3472 uL/min; a 2.5 uL packet every 7.2 min. A 2 min window holds 0 or 1 packet:
    # flow 0 (-100 %) or 2.5 / 2 = 1.25 uL/min (+260 %)
    r = trumpet_curve(default_registry().get("pump/valve-gated-20ml"), 0.5, seed=1)
    assert r["windows_min"] == [2, 5, 11, 19, 31]
    assert r["ep_max_pct"][0] == pytest.approx(260.0) and r["ep_min_pct"][0] == pytest.approx(-100.0)
    # wider windows narrow the trumpet
    spread = [hi - lo for hi, lo in zip(r["ep_max_pct"], r["ep_min_pct"])]
    assert spread[0] > spread[2] > spread[4]
    assert len(r["startup_flow_ml_per_day"]) == 240  # 120 min / 0.5 min


def test_trumpet_curve_shows_the_systematic_error():
    gas = default_registry().get("pump/gas-driven-30ml")  # near-continuous flow
    r = trumpet_curve(gas, 1.0, seed=0, systematic_error_pct=5)
    assert r["mean_error_pct"] == pytest.approx(5.0, abs=0.1)
    assert all(abs(x - 5) < 1.5 for x in r["ep_max_pct"] + r["ep_min_pct"])
    a, b = trumpet_curve(gas, 1.0, seed=7, stroke_noise_cv_pct=3), trumpet_curve(gas, 1.0, seed=7, stroke_noise_cv_pct=3)
    c = trumpet_curve(gas, 1.0, seed=8, stroke_noise_cv_pct=3)
    assert a["ep_max_pct"] == b["ep_max_pct"] and np.array_equal(a["startup_flow_ml_per_day"], b["startup_flow_ml_per_day"])
    assert a["ep_max_pct"] != c["ep_max_pct"]
