"""Deferred wake-ups (device.DeferredWakeups, Device.defer_wake, Moments.plan): a wake-up that the
device's next timeline action certainly precedes is computed and scheduled only if still needed
then, with the SimPy time and the order among equal times of an immediate schedule.

By hand: a SimPy time that no delay from now reaches (float ties) is staged behind a helper
Timeout, and a wake-up scheduled meanwhile at that SimPy time comes after it. Properties: a
deferred wake-up fires at `created + (t - created)` exactly; whole runs (a flex pump with
accepted and refused presses beside a stimulator, run in pieces) give the same events and
series with and without deferral, in fewer SimPy steps (with two identical pumps, whose wake-ups
fall at the same SimPy times).
"""
from __future__ import annotations

import math

import simpy
from hypothesis import given, settings as hsettings, strategies as st

from simulator import Simulation, scenario_from_dict
from simulator.device import DEFER_MARGIN_S, DeferredWakeup, DeferredWakeups, Wakeup
from simulator.pump.moments import Moments
from tests.pump.helpers import DAY, HOUR, MIN

ULP_3 = 2.0 ** -51  # the spacing of floats in [2, 4)


def _env_at(now: float) -> simpy.Environment:
    env = simpy.Environment(initial_time=0.0)
    if now > 0:
        env.run(until=now)
    return env


def test_a_time_no_delay_reaches_is_staged_and_keeps_its_order():
    # x = 3 + ulp has an odd last digit, now = ulp / 2: now + 3 and now + x are both ties that
    # round away from x, so no delay from now gives x
    x, now = 3.0 + ULP_3, ULP_3 / 2
    assert all(now + d != x for d in (x - now, 3.0, x, math.nextafter(x, 4.0)))
    env = _env_at(now)
    book = DeferredWakeups(env)
    fired: list[tuple[str, float]] = []
    deferred = DeferredWakeup(2.5, lambda: fired.append(("deferred", env.now)), lambda: x, 0.0, "dev", 1.0)
    book.defer(deferred)
    book.realise_all()
    assert deferred.t_s == x and len(book.stages) == 1 and book.floor_s == x - DEFER_MARGIN_S
    env.run(until=2.0)  # before the helper (at about 0.75 x): a wake-up at the same SimPy time queues behind
    later = Wakeup(x, lambda: fired.append(("later", env.now)))
    assert env.now + (x - env.now) == x and book.hold(later)
    env.run(until=4.0)
    assert fired == [("deferred", x), ("later", x)] and not book.stages and book.floor_s == math.inf


def test_realise_all_drops_cancelled_and_empty_wakeups():
    env = _env_at(10.0)
    book = DeferredWakeups(env)
    fired = []
    cancelled = DeferredWakeup(100.0, lambda: fired.append("cancelled"), lambda: 150.0, 10.0, "a", 50.0)
    never = DeferredWakeup(100.0, lambda: fired.append("never"), lambda: math.inf, 10.0, "a", 50.0)
    kept = DeferredWakeup(100.0, lambda: fired.append(env.now), lambda: 120.0, 10.0, "a", 50.0)
    for handle in (cancelled, never, kept):
        book.defer(handle)
    assert book.guard_s == 50.0 and book.floor_s == 99.0
    cancelled.cancel()
    book.realise_all()
    assert not never.active and kept.t_s == 120.0 and book.pending == [] and book.guard_s == math.inf
    env.run()
    assert fired == [120.0]


def test_an_action_makes_real_its_device_wakeups_and_those_deferred_before_them():
    env = _env_at(10.0)
    book = DeferredWakeups(env)
    fired: list[str] = []
    first = DeferredWakeup(100.0, lambda: fired.append("first"), lambda: 120.0, 10.0, "a", 50.0)
    second = DeferredWakeup(100.0, lambda: fired.append("second"), lambda: 120.0, 10.0, "b", 50.0)
    third = DeferredWakeup(100.0, lambda: fired.append("third"), lambda: 120.0, 10.0, "c", 50.0)
    for handle in (first, second, third):
        book.defer(handle)
    env.run(until=50.0)
    third.cancel()  # c's action replanned: dropped, nothing made real
    book.after_action("c", 50.0)
    assert book.pending == [first, second] and first.exact_time is not None
    book.after_action("b", 50.0)  # b's action did not replan: b's and the earlier a's made real, in order
    assert book.pending == [] and book.guard_s == math.inf
    book.after_action("a", 50.0)
    env.run()
    assert fired == ["first", "second"]


@hsettings(max_examples=300, deadline=None)
@given(created=st.floats(0.0, 1e9), gap=st.floats(2.0, 1e9), wait=st.floats(0.0, 1.0), extra=st.floats(0.0, 1e6))
def test_a_deferred_wakeup_fires_at_the_simpy_time_of_an_immediate_schedule(created, gap, wait, extra):
    lower = created + gap
    t = lower + extra
    realise_at = created + (lower - DEFER_MARGIN_S - created) * wait  # any moment before its floor
    expected = created + (t - created)  # what SimPy computes for env.timeout(t - now) at `created`
    env = _env_at(created)
    book = DeferredWakeups(env)
    fired = []
    book.defer(DeferredWakeup(lower, lambda: fired.append(env.now), lambda: t, created, "dev", lower - DEFER_MARGIN_S - 0.5))
    if realise_at > env.now:
        env.run(until=realise_at)
    book.realise_all()
    env.run()
    assert fired == [expected]


# ----- whole runs: with and without deferral -----
FLEX = {"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 2.4}, {"start": "08:00", "dose_mg_per_day": 3.4},
                                  {"start": "20:00", "dose_mg_per_day": 2.8}]}
PUMP = {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 6, "low_reservoir_threshold_ml": 2, "mode": FLEX,
        "patient_bolus": {"dose_mg": 0.1, "duration_min": 10, "lockout_min": 120, "max_per_day": 2}}
IPG = {"leads": [{"lead": "lead/percutaneous-8", "top_level": "T8", "side": "left"}],
       "programs": [{"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 210.0, "rate_hz": 40.0,
                     "waveform": "tonic", "cycling": {"on_s": 60.0, "off_s": 240.0}, "soft_start_s": 2.0, "soft_stop_s": 2.0}],
       "active_programs": ["back"], "impedance": {"initial_ohm": {"E2": 525, "E3": 525}, "drift": False}}


def _scenario(presses: list[float], days: int, reservoir_ml: float = 6.0):
    timeline = [{"at": at, "device": pump, "action": "patient_bolus", "params": {}} for at in presses for pump in ("pump", "twin")]
    timeline += [{"at": d * DAY + 7 * HOUR, "device": "ipg", "action": "recharge", "params": {}} for d in range(3, days, 9)]
    timeline += [{"at": d * DAY + 9 * HOUR, "device": "pump", "action": "acknowledge_alarm", "params": {}} for d in range(5, days, 11)]
    return scenario_from_dict({"name": "deferral", "seed": 3, "start": "2026-01-05T08:00:00", "duration": f"{days}d",
                               "devices": [{"id": "pump", "profile": "pump/valve-gated-20ml", "settings": {**PUMP, "reservoir_ml": reservoir_ml}},
                                           {"id": "twin", "profile": "pump/valve-gated-20ml", "settings": {**PUMP, "reservoir_ml": reservoir_ml}},
                                           {"id": "ipg", "profile": "scs/rechargeable-micc-16", "settings": IPG}],
                               "timeline": sorted(timeline, key=lambda a: a["at"])})


def _run(scenario, defer: bool, stops: list[float]) -> tuple[list, dict, int]:
    """(events, series, SimPy steps) of a run made in pieces stopping at `stops`."""
    Moments.defer_wakes = defer
    try:
        sim = Simulation(scenario)
        steps = [0]
        step = sim.env.step

        def counted() -> None:
            steps[0] += 1
            step()

        sim.env.step = counted  # type: ignore[method-assign]
        for stop in sorted(stops):
            sim.run(until=stop)
        sim.run()
        results = sim.results()
    finally:
        Moments.defer_wakes = True
    events = [(e.t_s, e.seq, e.device, e.kind, e.payload) for e in results.events]
    series = {key: tuple(a.tolist() for a in results.series_arrays(*key)) for key in results.signals()}
    return events, series, steps[0]


@hsettings(max_examples=12, deadline=None)
@given(days=st.integers(20, 70), press_offsets=st.lists(st.floats(6 * HOUR, 23 * HOUR), min_size=1, max_size=3),
       lockout_hits=st.lists(st.integers(0, 69), max_size=6), stops=st.lists(st.floats(0.0, 70 * DAY), max_size=3))
def test_runs_are_the_same_with_and_without_deferral(days, press_offsets, lockout_hits, stops):
    presses = [d * DAY + press_offsets[d % len(press_offsets)] for d in range(days)]
    presses += [d * DAY + press_offsets[d % len(press_offsets)] + 30 * MIN for d in lockout_hits if d < days]  # refused: lockout
    scenario = _scenario(sorted(presses), days)
    stops = [s for s in stops if s < days * DAY]
    reference = _run(scenario, False, stops)
    deferred = _run(scenario, True, stops)
    assert deferred[0] == reference[0]
    assert deferred[1] == reference[1]
    assert deferred[2] <= reference[2]


def test_daily_presses_take_fewer_simpy_steps():
    # a press at 10:00 every day: the wake-up planned at each lockout expiry (12:00) is for the
    # low reservoir, weeks away, and the next day's press cancels it. The reference schedules it
    # anyway and pops each cancelled Timeout as the clock passes it (once the low reservoir
    # comes within the run); deferred, it is never scheduled
    days = 75
    scenario = _scenario([d * DAY + 2 * HOUR for d in range(days)], days, reservoir_ml=20.0)
    reference = _run(scenario, False, [])
    deferred = _run(scenario, True, [])
    assert deferred[:2] == reference[:2]
    low = [e[0] for e in reference[0] if e[3] == "alarm.raised" and e[4].get("alarm") == "low_reservoir"]
    assert low and low[0] > 40 * DAY
    assert reference[2] - deferred[2] >= 80  # two pumps
