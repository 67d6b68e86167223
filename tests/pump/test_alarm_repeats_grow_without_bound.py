"""Issue item 14: alarm repeats are computed in closed form, not scheduled, so an alarm left
unacknowledged for any time costs a bounded number of SimPy events and event records, while
the count and instants of the repeats stay exactly those of a tone repeating every interval."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import Simulation
from simulator.alarms import repeat_count, repeat_times
from simulator.scenario import load_scenario
from tests.engine_steps import run_counting_steps
from tests.pump.helpers import DAY, MIN, kinds, make_sim, morphine_settings

YEAR = 365.25 * DAY


def _empty_pump(years: float):
    # 0.2 mL/day from 4 mL, low threshold 2 mL: low reservoir at day 10, empty at day 20; nobody
    # refills or acknowledges anything for the rest of the run
    return make_sim(morphine_settings(reservoir_ml=4), duration=years * YEAR)


def _repeats(results, alarm=None):
    """Sum of the coalesced repeats records (each holds `count` repeats)."""
    return sum(e.payload["count"] for e in kinds(results, "alarm.repeats") if alarm is None or e.payload["alarm"] == alarm)


def test_alarm_repeats_grow_without_bound_empty_pump_10_vs_1000_years():
    short, long_ = _empty_pump(10), _empty_pump(1000)
    steps_short, steps_long = run_counting_steps(short), run_counting_steps(long_)
    res_short, res_long = short.results(), long_.results()
    # the same small number of SimPy events and records whatever the duration (before: one
    # event and one record per repeat, 783k for 10 years)
    assert steps_long == steps_short and steps_short < 100
    assert len(res_long.events) == len(res_short.events) < 60
    assert all(e.kind != "alarm.repeat" for e in res_long.events)
    # yet every repeat is counted: the low-reservoir alarm (hourly, non-critical) and the
    # empty-reservoir alarm (critical, every 10 min) repeat until the end of the run
    raised = {e.payload["alarm"]: e.t_s for e in kinds(res_long, "alarm.raised")}
    assert raised["low_reservoir"] == pytest.approx(10 * DAY, abs=MIN)
    for name, interval_s in (("low_reservoir", 3600.0), ("empty_reservoir", 600.0)):
        t0 = raised[name]
        expected = math.ceil((1000 * YEAR - t0) / interval_s) - 1  # k >= 1 with t0 + k*interval < end
        assert _repeats(res_long, name) == expected
        record = next(e for e in kinds(res_long, "alarm.repeats") if e.payload["alarm"] == name)
        assert record.t_s == 1000 * YEAR  # written at the end of the run
        assert record.payload["first_t_s"] == pytest.approx(t0 + interval_s)
        assert record.payload["interval_s"] == interval_s
    # the summary counts each repeat as one alarm.repeat, as when each was an event
    assert res_long.summary["event_counts"]["alarm.repeat"] == _repeats(res_long)


def test_alarm_repeats_grow_without_bound_default_scenario_1000_years():
    scenario = load_scenario("default")
    ten = Simulation(scenario.model_copy(update={"duration": 10 * YEAR}))
    thousand = Simulation(scenario.model_copy(update={"duration": 1000 * YEAR}))
    steps_ten, steps_thousand = run_counting_steps(ten), run_counting_steps(thousand)
    assert thousand.finished
    assert len(thousand.recorder.events) == len(ten.recorder.events) < 200
    # what still grows with the duration is the stimulator's impedance drift update, one wake-up
    # every 30 days (1000 years / 30 d = 12175), not the alarms
    drift_ticks = int(1000 * YEAR // (30 * DAY))
    assert steps_thousand - steps_ten <= drift_ticks
    assert steps_thousand <= drift_ticks + 300
    res = thousand.results()
    # the pump empties on day 60 (2 mL at 0.3 mL/day after the low alarm on day 53.33):
    # its critical alarm then repeats every 10 min for the rest of the 1000 years
    empty = next(e for e in kinds(res, "alarm.raised") if e.payload["alarm"] == "empty_reservoir")
    assert empty.t_s == pytest.approx(60 * DAY, abs=MIN)
    assert _repeats(res, "empty_reservoir") == math.ceil((1000 * YEAR - empty.t_s) / 600.0) - 1


def test_alarm_repeats_grow_without_bound_repeat_times_hand_computed():
    # critical motor stall at t = 3600 s: the tone repeats every 10 min
    sim = make_sim(morphine_settings(), duration="1d", timeline=[{"at": 3600, "action": "inject_fault", "params": {"fault": "motor_stall"}}])
    sim.run(until=4 * 3600)
    board = sim.devices["pump"].alarms
    times = board.repeat_times("motor_stall", 0.0, 3600 + 5 * 600 + 1)
    assert times == [4200.0, 4800.0, 5400.0, 6000.0, 6600.0]  # the 5th at 3600 + 5*600 s
    assert board.repeat_times("motor_stall", 4200.0, 6600.0) == [4200.0, 4800.0, 5400.0, 6000.0]  # [t0, t1)
    # by 4 h: repeats at 3600 + k*600 < 14400 s -> k = 1..17
    assert board.repeat_count("motor_stall") == 17
    assert sim.devices["pump"].active_alarms()[0]["repeats"] == 17
    assert repeat_times(3600.0, 600.0, 0.0, 3600.0) == []
    assert repeat_count(3600.0, None, 1e12) == 0  # an alarm without a repeat interval never repeats


@pytest.mark.parametrize("ack_at_s, expected", [(3600 + 5 * 600, 4), (3600 + 5 * 600 + 1, 5), (3600 + 1, 0)])
def test_alarm_repeats_grow_without_bound_acknowledging_stops_repeats(ack_at_s, expected):
    # raised at 3600 s, repeats at 4200, 4800, 5400, 6000, 6600 ...; an acknowledgement at exactly
    # 6600 s comes before the repeat due then (actions first): 4; one second later: 5
    sim = make_sim(morphine_settings(), duration="2d", timeline=[
        {"at": 3600, "action": "inject_fault", "params": {"fault": "motor_stall"}},
        {"at": ack_at_s, "action": "acknowledge_alarm", "params": {"alarm": "motor_stall"}},
    ])
    res = sim.run().results()
    assert _repeats(res, "motor_stall") == expected
    assert res.summary["event_counts"].get("alarm.repeat", 0) == expected
    assert sim.devices["pump"].active_alarms()[0]["repeats"] == expected  # still active (stalled), acknowledged
    records = kinds(res, "alarm.repeats")
    if expected:
        (rec,) = records
        assert rec.t_s == ack_at_s and rec.payload["first_t_s"] == 4200.0 and rec.payload["last_t_s"] == 3600 + expected * 600
        order = [e.kind for e in res.events if e.kind.startswith("alarm.")]
        assert order == ["alarm.raised", "alarm.repeats", "alarm.acknowledged"]
    else:
        assert records == []


def test_alarm_repeats_grow_without_bound_taking_results_mid_run_does_not_double_count():
    timeline = [{"at": 3600, "action": "inject_fault", "params": {"fault": "motor_stall"}}]
    whole = make_sim(morphine_settings(), duration="1d", timeline=timeline).run().results()
    pieces = make_sim(morphine_settings(), duration="1d", timeline=timeline)
    for t in (7200.0, 7200.0, 20000.0):
        pieces.run(until=t)
        pieces.results()
    res = pieces.run().results()
    # by hand: 3600 + k*600 < 86400 -> k = 1..137
    assert _repeats(whole) == _repeats(res) == 137
    assert res.summary["event_counts"]["alarm.repeat"] == whole.summary["event_counts"]["alarm.repeat"] == 137
    firsts = [e.payload["first_t_s"] for e in kinds(res, "alarm.repeats")]
    assert firsts == [4200.0, 7200.0, 20400.0]  # consecutive stretches, none repeated


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e9), st.floats(1, 1e5), st.floats(0, 1e7))
def test_repeat_count_matches_stepping_through_the_repeats(raised_t_s, repeat_s, span_s):
    end = raised_t_s + span_s
    n, t = 0, raised_t_s + repeat_s
    while t < end and n < 3000:
        n += 1
        t = raised_t_s + (n + 1) * repeat_s
    if n < 3000:
        assert repeat_count(raised_t_s, repeat_s, end) == n
        assert len(repeat_times(raised_t_s, repeat_s, raised_t_s, end, limit=3000)) == n
