"""PumpDevice.pending_breakpoints: the flex steps since the pump's last state change, which its
series get only at the next one (the app draws them so that its delivery-rate plot does not show
a held level between state changes).

Hand-worked case: scenarios/pump_baclofen_flex_missed_refill.yaml, baclofen 1000 mcg/mL on a
12-step flex day (mcg/day: 00:00 500, 02:00 500, 04:00 600, 06:00 700, 08:00 700, 10:00 600,
12:00 600, 14:00 700, 16:00 700, 18:00 600, 20:00 500, 22:00 400); its one action (acknowledge)
at day 10 is the last state change before day 20. The dose changes at 00, 04, 06, 10, 14, 18, 20
and 22 h: 8 a day; strictly inside (10 d, 20 d) that is 10 x 8 - 1 = 79 points (day 10's 00:00
is the state change itself). Rates at 1000 mcg/mL and flow factor 1: dose / 1000 mL/day.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.engine import Simulation
from simulator.scenario import load_scenario

DAY_S = 86400.0
SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "pump_baclofen_flex_missed_refill.yaml"


@pytest.fixture(scope="module")
def at_day_20():
    sim = Simulation(load_scenario(SCENARIO))
    sim.run(20 * DAY_S)
    return sim, sim.devices["pump"]


def test_the_steps_since_day_10_worked_by_hand(at_day_20):
    _sim, dev = at_day_20
    assert dev.flow.t0 == 10 * DAY_S and dev.flow.flow_factor == 1.0  # the premises of the hand count
    t, rate = dev.pending_breakpoints("rate_ml_per_day", 20 * DAY_S)
    assert len(t) == 79
    day_11 = [(h, r) for h, r in zip((t - 10 * DAY_S) / 3600.0, rate) if 24.0 <= h < 48.0]
    assert [h - 24.0 for h, _ in day_11] == [0.0, 4.0, 6.0, 10.0, 14.0, 18.0, 20.0, 22.0]
    assert [round(r, 12) for _, r in day_11] == [0.5, 0.6, 0.7, 0.6, 0.7, 0.6, 0.5, 0.4]
    assert t[0] == 10 * DAY_S + 4 * 3600.0 and t[-1] == 19 * DAY_S + 22 * 3600.0


def test_the_same_points_a_whole_run_records(at_day_20):
    """What the app draws now is what the series will hold: the same times and floats."""
    _sim, dev = at_day_20
    full = Simulation(load_scenario(SCENARIO))
    full.run()
    full.results()
    for signal in ("rate_ml_per_day", "reservoir_ml", "expected_reservoir_ml", "delivered_volume_ml"):
        pt, pv = dev.pending_breakpoints(signal, 20 * DAY_S)
        s = full.recorder.get("pump", signal)
        t, v = np.asarray(s.t_s), np.asarray(s.values)
        inside = (t > 10 * DAY_S) & (t < 20 * DAY_S)
        assert np.array_equal(t[inside], pt) and np.array_equal(v[inside], pv), signal


def test_nothing_pending_at_a_state_change_or_before_it(at_day_20):
    sim, dev = at_day_20
    for t_s in (10 * DAY_S, 5 * DAY_S):
        t, v = dev.pending_breakpoints("rate_ml_per_day", t_s)
        assert len(t) == 0 and len(v) == 0
    # a time past now is cut at now: nothing after day 20 is pending yet
    t, _ = dev.pending_breakpoints("rate_ml_per_day", 30 * DAY_S)
    assert len(t) == 79


def test_an_unknown_signal_is_refused_by_name(at_day_20):
    _sim, dev = at_day_20
    with pytest.raises(ValueError, match="battery_pct"):
        dev.pending_breakpoints("battery_pct", 20 * DAY_S)
