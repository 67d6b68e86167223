"""The pump's fast paths give what the plain computations give, to the bit: the battery's lower
bounds from its precomputed limits, the dead volume's usual move, the flex-interval boundary
test, the schedule's cumulative-dose memo and the state recording by layout."""
from __future__ import annotations

import copy
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.pump.battery import Battery
from simulator.pump.recording import Recording
from simulator.pump.moments import _Crossings
from simulator.pump.profile import BatterySpec
from simulator.pump.reservoir import DeadVolumeFifo, Ledger
from simulator.pump.schedule import Program
from simulator.recorder import Recorder
from simulator.units import SECONDS_PER_DAY, SECONDS_PER_YEAR
from tests.pump.helpers import DAY, HOUR, make_sim, morphine_settings


def bits(x: float | None) -> str | None:
    return None if x is None else x.hex()


def plain_min_seconds(volume_ml: float, rate: float) -> float:
    if rate > 0 and volume_ml > 0:
        lower = volume_ml / rate * (1.0 - 1e-9) - 1e-3
        return lower if lower > 0.0 else 0.0
    return 0.0


def plain_battery_lowers(c: _Crossings) -> tuple[float | None, float | None]:
    """_Crossings._battery_lowers as written before (from the spec, with min())."""
    battery = c.battery
    assert battery is not None
    spec = battery.spec
    now, pct, elapsed, eri_t = c.now, battery.pct, battery.elapsed_s, battery.eri_t_s
    rate = spec.pumping_drain_pct_per_ml * c.rate_base + spec.idle_drain_pct_per_day / SECONDS_PER_DAY
    eri = eos = None
    if eri_t is None:
        eri = min(spec.max_service_years * SECONDS_PER_YEAR - spec.eri_before_max_service_days * SECONDS_PER_DAY - elapsed,
                  plain_min_seconds(pct - spec.eri_pct, rate) if pct > spec.eri_pct else 0.0)
    if battery.eos_t_s is None:
        eos = min(spec.max_service_years * SECONDS_PER_YEAR - elapsed,
                  math.inf if eri_t is None else eri_t + spec.eos_after_eri_days * SECONDS_PER_DAY - now,
                  plain_min_seconds(pct - spec.eos_pct, rate) if pct > spec.eos_pct else 0.0)
    return eri, eos


SPEC = BatterySpec(idle_drain_pct_per_day=0.011, pumping_drain_pct_per_ml=0.37, eri_pct=12.0, eos_pct=3.0,
                   max_service_years=7.0, eri_before_max_service_days=90.0, eos_after_eri_days=90.0)
FLEX = Program("flex", [(0.0, 2.4), (5 * HOUR, 3.1), (9.5 * HOUR, 3.4), (22 * HOUR, 2.6)], 8 * HOUR)


@settings(max_examples=300, deadline=None)
@given(pct=st.floats(0.0, 100.0), elapsed_days=st.floats(0.0, 3000.0), now=st.floats(0.0, 1e9),
       eri_ago_days=st.none() | st.floats(0.0, 200.0), eos=st.booleans(), f_s=st.floats(0.0, 1e-4))
def test_battery_lower_bounds_equal_the_plain_formula(pct, elapsed_days, now, eri_ago_days, eos, f_s):
    battery = Battery(SPEC, pct, elapsed_days * DAY)
    if eri_ago_days is not None:
        battery.reach_eri(now - eri_ago_days * DAY)
    if eos:
        battery.reach_eos(now)
    c = _Crossings(FLEX, now, 0.1, f_s, [(5.0, 1.0, "true_empty")], Battery.snapshot(battery), 1e-5)
    assert [bits(x) for x in c.battery_lowers] == [bits(x) for x in plain_battery_lowers(c)]


def test_the_battery_limits_by_hand():
    limits = Battery(SPEC, 80.0, 0.0).limits
    assert limits.eri_life_s == 7.0 * 365 * DAY - 90 * DAY
    assert limits.eos_life_s == 7.0 * 365 * DAY
    assert limits.idle_pct_per_s == 0.011 / DAY
    assert limits.eos_after_eri_s == 90 * DAY


segment = st.tuples(st.floats(1e-6, 0.5), st.sampled_from([None, "morphine", "baclofen"]), st.sampled_from([0.5, 2.0, 10.0]))


@settings(max_examples=300, deadline=None)
@given(segments=st.lists(segment, min_size=1, max_size=3), volume_ml=st.floats(1e-9, 1.0),
       feed=st.tuples(st.sampled_from([None, "morphine"]), st.sampled_from([2.0, 10.0])))
def test_the_usual_move_equals_move(segments, volume_ml, feed):
    """move_within_uniform moves (when it applies) what `move` moves, with the same ledger sums."""
    fifo = DeadVolumeFifo(1.0, None, 0.0)
    fifo.segments.clear()
    for seg in segments:
        fifo._push(*seg)
    plain, fast = copy.deepcopy(fifo), copy.deepcopy(fifo)
    plain_ledger, fast_ledger = Ledger(), Ledger()
    plain_ledger.add_delivered(plain.move(volume_ml, *feed))
    moved = fast.move_within_uniform(volume_ml, *feed)
    if moved is None:  # not the usual case: nothing moved
        assert [(s.volume_ml, s.drug, s.conc_per_ml) for s in fast.segments] == [(s.volume_ml, s.drug, s.conc_per_ml) for s in fifo.segments]
        return
    fast_ledger.add_delivered_volume(volume_ml, moved.drug, moved.conc_per_ml)
    assert [(s.volume_ml.hex(), s.drug, s.conc_per_ml) for s in fast.segments] == [(s.volume_ml.hex(), s.drug, s.conc_per_ml) for s in plain.segments]
    assert fast_ledger.delivered_ml == plain_ledger.delivered_ml
    assert dict(fast_ledger.delivered) == dict(plain_ledger.delivered)


@settings(max_examples=500, deadline=None)
@given(t_a=st.floats(0.0, 3650 * DAY), span=st.floats(0.0, 3 * DAY))
def test_an_interval_longer_than_the_longest_step_holds_a_boundary(t_a, span):
    """The shortcut of PumpDevice._record_schedule_steps: beyond max_step_gap_s + 2 s the exact
    test (next_change_after) always finds a boundary."""
    t_b = t_a + span
    if t_b - t_a > FLEX.max_step_gap_s + 2.0:
        assert FLEX.next_change_after(t_a) <= t_b + 1.0


def test_the_longest_step_by_hand():
    assert FLEX.max_step_gap_s == 12.5 * HOUR  # 09:30 to 22:00
    assert Program("continuous", [(0.0, 3.0)], 0.0).max_step_gap_s == SECONDS_PER_DAY


@settings(max_examples=200, deadline=None)
@given(times=st.lists(st.sampled_from([0.0, 1.5 * HOUR, 7 * HOUR, 1.2 * DAY, 3 * DAY + 5.0, 40 * DAY]) | st.floats(0.0, 1e8), min_size=1, max_size=12))
def test_the_cumulative_dose_memo_gives_the_plain_value(times):
    program = Program("flex", [(0.0, 2.4), (5 * HOUR, 3.1), (9.5 * HOUR, 3.4), (22 * HOUR, 2.6)], 8 * HOUR)
    for t in times:
        assert program.cumulative_basal_dose(t).hex() == program._cumulative_basal_dose_scalar(t).hex()
        assert len(program._cumulative_memo) <= 4


def test_recording_by_layout_matches_the_series_by_signal():
    """A pump's recorded series hold, at every instant, the last value recorded for each signal
    (a value recorded again at the same instant is not added twice)."""
    sim = make_sim(morphine_settings(patient_bolus={"dose_mg": 0.1, "duration_min": 10, "lockout_min": 60, "max_per_day": 4}))
    pump = sim.devices["pump"]
    sim.run(until=2 * HOUR)
    pump.record_state()
    pump.record_state()  # again at this instant: nothing added
    sim.apply_action("pump", "patient_bolus")
    sim.run(until=3 * HOUR)
    pump.record_state()
    rate = sim.recorder.get("pump", "rate_ml_per_day")
    reservoir = sim.recorder.get("pump", "reservoir_ml")
    times = list(reservoir.t_s)
    assert times == sorted(set(times))  # one point per instant for a linear series that did not jump
    assert float(rate.at(2 * HOUR + 60.0)) > float(rate.at(2 * HOUR - 60.0))  # the bolus shows in the rate


class _FakeSim:
    def __init__(self) -> None:
        self.recorder = Recorder()


class _FakePump:
    """What Recording reads of a pump: its id, simulation (recorder) and battery."""

    def __init__(self) -> None:
        self.id, self.sim, self.battery = "pump", _FakeSim(), object()


def _plain_record(recorder: Recorder, state: dict, now: float, signals, values) -> None:
    """The recording as written before: per signal, a value already recorded at this instant is skipped."""
    if state.get("t") != now:
        state["t"], state["values"] = now, {}
    for (name, unit, interp), value in zip(signals, values):
        if name in state["values"] and state["values"][name] == value:
            continue
        state["values"][name] = value
        recorder.record(now, "pump", name, value, unit, interp)


value = st.sampled_from([0.0, 1.0, 2.5, -0.0, math.nan, 7.25])


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.tuples(st.booleans(), st.sampled_from([("mg",), ("mg", "mcg")]), st.lists(value, min_size=10, max_size=10)),
                      min_size=1, max_size=12))
def test_recording_by_layout_equals_the_plain_recording(steps):
    """Recording.record (by position within an instant, by signal once another layout comes in)
    adds the points the plain per-signal recording adds."""
    fast_dev, plain_recorder, state = _FakePump(), Recorder(), {}
    recording = Recording(fast_dev)  # type: ignore[arg-type]
    for units in (("mg",), ("mg", "mcg")):
        recording.layout(units, 0.0)  # (made at t = 0, as the pump's start does: no series made)
    now = 0.0
    for new_instant, units, values in steps:
        if new_instant:
            now += 60.0
        layout = recording.layout(units, now)
        vals = values[:len(layout.signals)]
        recording.record(now, layout, list(vals))
        _plain_record(plain_recorder, state, now, layout.signals, vals)
    fast = fast_dev.sim.recorder.series
    assert list(fast) == list(plain_recorder.series)
    for key, series in fast.items():
        other = plain_recorder.series[key]
        assert [x.hex() for x in series.t_s] == [x.hex() for x in other.t_s]
        assert [repr(x) for x in series.values] == [repr(x) for x in other.values]


def test_the_kept_stability_moment_follows_each_refill():
    """Refills.stability_t_s (kept while its inputs are the same) is fill time + the stability
    limit of the fill in the pump, before and after refills that change the concentration."""
    sim = make_sim(morphine_settings(), duration="60d")
    pump = sim.devices["pump"]
    refills = pump.refills

    def plain() -> float:
        return refills.fill_t_s + refills.stability_limit_days() * DAY

    assert refills.stability_t_s() == plain()
    for day, conc in ((10, 10.0), (20, 25.0), (30, 25.0), (40, 10.0)):
        sim.run(until=day * DAY)
        result = sim.apply_action("pump", "refill", {"fill_ml": 15, "concentration_mg_per_ml": conc, "confirm": ["all"]})
        assert result.accepted, result.reason
        assert refills.fill_t_s == day * DAY
        assert refills.stability_t_s() == plain()
        assert refills.stability_t_s() == refills.stability_t_s()


@given(pct=st.floats(-50.0, 50.0))
def test_the_kept_error_factor_is_the_plain_one(pct):
    """Flow keeps 1 + systematic_error_pct / 100 with the error (its setter): flow_factor is that float."""
    sim = make_sim(morphine_settings())
    flow = sim.devices["pump"].flow
    flow.systematic_error_pct = pct
    assert flow.flow_factor == 1.0 + pct / 100.0


def test_a_bolus_knows_whether_it_overrides_the_basal():
    """Bolus.override is set from the kind when a bolus is made, and again by dataclasses.replace."""
    import dataclasses

    from simulator.pump.boluses import OVERRIDE_KINDS, Bolus

    for kind in ("single", "periodic", "patient", "bridge", "priming"):
        bolus = Bolus(kind, 0.0, 60.0, 1e-4, 6e-3, 0.06)
        assert bolus.override == (kind in OVERRIDE_KINDS)
        assert dataclasses.replace(bolus, end_t_s=30.0).override == bolus.override
        assert bolus == Bolus(kind, 0.0, 60.0, 1e-4, 6e-3, 0.06)


def plain_same_values(a: tuple, b: tuple) -> bool:
    """bolusing.same_values as written before (item by item)."""
    for x, y in zip(a, b):
        if x is y:
            continue
        if type(x) is not type(y) or x != y:
            return False
        if type(x) is float and x == 0.0 and math.copysign(1.0, x) != math.copysign(1.0, y):
            return False
    return True


_item = st.sampled_from([0.0, -0.0, 1.0, 1, 0, True, False, math.nan, math.inf, "mg", "patient", 2.5])


@settings(max_examples=500, deadline=None)
@given(pairs=st.lists(st.tuples(_item, _item), min_size=1, max_size=6), shared=st.lists(st.booleans(), min_size=6, max_size=6))
def test_same_values_equals_the_item_by_item_test(pairs, shared):
    """same_values (tuples compared first, then types, then zeros' signs) says what the item by
    item test says, also when some items are the same object in both."""
    from simulator.pump.bolusing import same_values

    a = tuple(x for x, _ in pairs)
    b = tuple(x if share else y for (x, y), share in zip(pairs, shared))
    assert same_values(a, b) is plain_same_values(a, b)


def plain_bound(c: _Crossings) -> float | None:
    """The crossings' bound as written before: from the lowers and the battery's, with min()."""
    if None in c.lowers:
        return None
    finite = [lower for lower in c.lowers if lower is not None]
    finite.extend(lower for lower in c.battery_lowers if lower is not None)
    if not finite:
        return math.inf
    lowest = min(finite)
    return None if lowest <= 0.0 else c.now + lowest


_member = st.tuples(st.none() | st.floats(-1.0, 30.0), st.sampled_from([0.0, 0.97, 1.0, 1.03]), st.sampled_from(["true_empty", "low", "calc_empty"]))


@settings(max_examples=300, deadline=None)
@given(members=st.lists(_member, max_size=4), now=st.floats(0.0, 1e9), f_dose=st.sampled_from([0.0, 0.1]), f_s=st.floats(0.0, 1e-4),
       pct=st.none() | st.floats(0.0, 100.0))
def test_the_crossings_bound_equals_the_plain_one(members, now, f_dose, f_s, pct):
    battery = None if pct is None else Battery.snapshot(Battery(SPEC, pct, 100 * DAY))
    c = _Crossings(FLEX, now, f_dose, f_s, members, battery, 1e-5)
    assert bits(c.bound) == bits(plain_bound(c))
    assert [bits(x) for x in c.lowers] == [None if v is None else bits(plain_min_seconds(v, d * c.rate_base)) for v, d, _ in members]
