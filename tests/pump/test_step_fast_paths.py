"""The per-step fast paths of the pump's run give what the plain computations give, to the bit:
the time of day's step without its rounding, a wake-up's due moments taken from the fresh plan,
the plan's earliest moment found in its own pass, the stepped flow part kept per
concentration, the recorder's rows and the packed event written out."""
from __future__ import annotations

import bisect
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import builders
from simulator.device import DEFER_MARGIN_S
from simulator.engine import Simulation
from simulator.events import EventRecord, EventStream, PayloadLayout
from simulator.pump import dosing
from simulator.pump.battery import Battery
from simulator.pump.profile import BatterySpec
from simulator.pump.moments import TIME_TOL_S, Moments, _earliest, _resolve, _resolved_due
from simulator.pump.schedule import Program, time_of_day_s
from simulator.recorder import Series
from tests.pump.helpers import DAY, HOUR, MIN, make_sim, morphine_settings

FLEX = Program("flex", [(0.0, 2.4), (5 * HOUR, 3.1), (9.5 * HOUR, 3.4), (22 * HOUR, 2.6)], 8 * HOUR)
SPEC = BatterySpec(idle_drain_pct_per_day=0.011, pumping_drain_pct_per_ml=0.37, eri_pct=12.0, eos_pct=3.0,
                   max_service_years=7.0, eri_before_max_service_days=90.0, eos_after_eri_days=90.0)
LATE_FIRST = Program("flex", [(1 * HOUR, 2.0), (13 * HOUR, 4.0)], 1234.5)

# times near the step starts and midnight (where the rounding matters) and anywhere
_near = st.builds(lambda day, start, off: day * DAY + start + off, st.integers(0, 4000),
                  st.sampled_from([0.0, 1 * HOUR, 5 * HOUR, 9.5 * HOUR, 13 * HOUR, 22 * HOUR, DAY]),
                  st.sampled_from([0.0, 1e-7, -1e-7, 5e-7, -5e-7, 1e-6, -1e-6, 1e-5, -1e-5, 1e-4, -1e-4, 2e-4, -2e-4]) | st.floats(-1e-3, 1e-3))
_time = _near | st.floats(0.0, 4000 * DAY)


def _plain_dose_at(program: Program, t_s: float) -> float:
    """basal_dose_per_day_at as written before (the rounded time of day, always)."""
    return program.doses[bisect.bisect_right(program.starts, time_of_day_s(t_s, program.clock_offset_s)) - 1]


@settings(max_examples=600, deadline=None)
@given(t_s=_time, offset_s=st.sampled_from([0.0, 8 * HOUR, 1234.5, 8 * HOUR - 3e-5]))
def test_the_step_without_rounding_is_the_rounded_one(t_s, offset_s):
    for program in (Program("flex", list(zip(FLEX.starts, FLEX.doses)), offset_s), LATE_FIRST):
        t = t_s - program.clock_offset_s + FLEX.clock_offset_s  # (near the steps of this program's clock too)
        for x in (t_s, t):
            idx = program._step_index_unrounded(x)
            if idx is not None:
                assert idx == bisect.bisect_right(program.starts, time_of_day_s(x, program.clock_offset_s))
            assert program.basal_dose_per_day_at(x) == _plain_dose_at(program, x)


@settings(max_examples=600, deadline=None)
@given(t_s=_time, span=st.floats(0.0, 2 * DAY) | st.sampled_from([0.0, 1.0, 3599.0, 3600.0, 5 * HOUR - 1.0]),
       slack=st.sampled_from([1.0, 0.0, 1e-3, -1e-3, 2e-3]) | st.floats(-2.0, 2.0))
def test_next_change_after_exceeds_is_the_plain_comparison(t_s, span, slack):
    for program in (FLEX, LATE_FIRST, Program("continuous", [(0.0, 3.0)], 0.0)):
        change = program.next_change_after(t_s)
        for limit in (t_s + span + slack, change + slack * 1e-3, change):
            assert program.next_change_after_exceeds(t_s, limit) is (change > limit)


def test_the_step_by_hand():
    """08:00 at t = 0: t = 10 h is 18:00 (the 09:30 step, 3.4), 22:00 is the 2.6 step; the
    shortcut declines within 1e-4 s of a start (but at a whole second) and gives the same dose."""
    assert FLEX.basal_dose_per_day_at(10 * HOUR) == 3.4
    assert FLEX._step_index_unrounded(14 * HOUR) == 4  # 22:00 exactly: whole seconds, its own rounding
    assert FLEX._step_index_unrounded(14 * HOUR + 2e-5) is None  # within 1e-4 s, not whole seconds
    assert FLEX.basal_dose_per_day_at(14 * HOUR) == 2.6
    assert FLEX.basal_dose_per_day_at(14 * HOUR - 1e-7) == 2.6  # rounds to 22:00
    assert FLEX._step_index_unrounded(14 * HOUR - 1.0) == 3
    assert FLEX.basal_dose_per_day_at(14 * HOUR - 1.0) == 3.4


# ----- whole runs: the fast ways against the plain ones -----

def _plain_plan(self: Moments, cands=None, resolved: bool = False) -> None:
    """Moments.plan as written before: the earliest moment always by `_earliest`, the due ones by a pass of their own."""
    if self.wake is not None:
        self.wake.cancel()
    dev = self.dev
    now = dev.now
    if cands is None:
        cands = self.candidates()
    limit = now + TIME_TOL_S
    future = []
    lower = math.inf
    for c in (cands if resolved else _resolve(cands, limit)):
        if limit < c[0] < math.inf:
            future.append(c)
            lower = min(lower, c[0])
    if future and self.defer_wakes:
        guard = dev.sim.next_action_t(dev.id)
        if lower > guard + DEFER_MARGIN_S:
            self.planned = future
            self.plan_fresh = True
            self.wake = dev.defer_wake(lower, guard, self._deferred_wake_t, self._on_wake)
            return
    t = _earliest(future)
    if t == math.inf:
        self.wake = None
        return
    self.planned = future
    self.plan_fresh = True
    self.planned_due = [c for c in future if c[0] <= t + TIME_TOL_S]
    self.wake = dev.wake_at(t, self._on_wake)


def _plain_flow_parts(flow):
    """Flow.flow_parts as written before (the per-dose part computed at every call)."""
    dev = flow.dev
    if dev.faults.halts or flow.gas or not dev.therapy.program.is_stepped:
        return 0.0, flow.q_prog
    override, extra = None, 0.0
    for b in dev.boluses.running:
        if b.override:
            override = b
        else:
            extra += b.rate_ml_per_s
    if override is not None:
        return 0.0, override.rate_ml_per_s + extra
    return dosing.rate_ml_per_day_for_dose(1.0, dev.therapy.conc_prog), extra


def _outputs(sim: Simulation):
    results = sim.results()
    events = [(e.seq, e.t_s.hex(), e.device, e.kind, repr(e.payload)) for e in results.events]
    series = {k: ([x.hex() for x in s.t_s], [repr(x) for x in s.values]) for k, s in sorted(sim.recorder.series.items())}
    return events, series


def _scenarios():
    yield builders.combined_scenario(200.0)
    # a flex pump with patient boluses, refills at a new concentration and an MRI scan
    steps = [{"start": f"{h:02d}:00", "dose_mg_per_day": 2.0 + 0.1 * (h % 7)} for h in range(0, 24, 3)]
    timeline = [{"at": f"{d * 24 + 3}h", "action": "patient_bolus", "params": {}} for d in range(60)]
    timeline += [{"at": "20d", "action": "refill", "params": {"fill_ml": 18, "concentration_mg_per_ml": 20, "confirm": ["all"]}},
                 {"at": "35d", "action": "mri", "params": {"field_t": 1.5, "duration_min": 40}},
                 {"at": "45d", "action": "refill", "params": {"fill_ml": 18, "concentration_mg_per_ml": 10, "confirm": ["all"]}}]
    timeline.sort(key=lambda a: float(a["at"][:-1]) * (24 if a["at"].endswith("d") else 1))
    yield make_sim(morphine_settings(mode={"type": "flex", "steps": steps}, reservoir_ml=8,
                                     patient_bolus={"dose_mg": 0.2, "duration_min": 15, "lockout_min": 90, "max_per_day": 6}),
                   duration="60d", timeline=timeline, profile="pump/valve-gated-20ml").scenario


@pytest.mark.parametrize("scenario", list(_scenarios()), ids=["combined_200d", "flex_refills_mri"])
def test_a_run_with_the_fast_paths_equals_the_plain_run(scenario, monkeypatch):
    """Every event and series point of a run is the same with the plain plan, every wake-up's
    due moments listed again, and the flow parts computed at every call; and at every wake-up
    the due moments taken from the fresh plan are those the listing gives."""
    checked = []
    original = Moments._planned_due_now

    def checking(self: Moments, limit: float):
        fast = original(self, limit)
        if fast is not None:
            plain = _resolved_due(self.candidates(limit), limit)[1]
            assert fast == plain
            checked.append(limit)
        return fast

    monkeypatch.setattr(Moments, "_planned_due_now", checking)
    fast = Simulation(scenario)
    fast.run()
    fast_out = _outputs(fast)
    assert checked  # the fast way was taken
    monkeypatch.setattr(Moments, "_planned_due_now", lambda self, limit: None)
    monkeypatch.setattr(Moments, "plan", _plain_plan)
    from simulator.pump.flow import Flow

    monkeypatch.setattr(Flow, "flow_parts", _plain_flow_parts)
    plain = Simulation(scenario)
    plain.run()
    assert _outputs(plain) == fast_out


def test_an_action_makes_the_next_wake_up_list_again():
    """An action clears the fresh plan (it may change the state without a new plan, when it is
    refused); the plan after an accepted one makes it fresh again."""
    sim = make_sim(morphine_settings(patient_bolus={"dose_mg": 0.1, "duration_min": 10, "lockout_min": 60, "max_per_day": 4}))
    pump = sim.devices["pump"]
    sim.run(until=2 * HOUR)
    assert pump.moments.plan_fresh
    assert sim.apply_action("pump", "patient_bolus").accepted
    assert pump.moments.plan_fresh
    sim.run(until=2 * HOUR + 5 * MIN)
    refused = sim.apply_action("pump", "patient_bolus")
    assert not refused.accepted  # inside the lockout
    assert not pump.moments.plan_fresh
    sim.run(until=DAY)
    assert pump.moments.plan_fresh


# ----- the recorder's rows and the packed events -----

_point = st.tuples(st.sampled_from([0.0, 1.0, 2.0, 2.0, 3.5]), st.sampled_from([0.0, -0.0, 1.0, 1.0, 2.5, math.nan]))


class _Gen:
    def __init__(self, t: float) -> None:
        self.t = t

    def points(self, signal: str):
        return [self.t + 0.5, self.t + 0.75], [9.0, 9.0]


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.booleans(), st.lists(_point, min_size=3, max_size=3)), min_size=1, max_size=8))
def test_add_row_and_add_generated_to_equal_one_by_one(rows):
    def make():
        return [Series("d", f"s{i}", "u", interp) for i, interp in enumerate(("linear", "step", "step"))]

    fast, plain = make(), make()
    t = 0.0
    for with_generator, points in rows:
        t += 1.0
        if with_generator:
            gen = _Gen(t)
            Series.add_generated_to(fast, gen)
            for s in plain:
                s.add_generated(gen)
        times = [t + p[0] for p in points]
        values = [p[1] for p in points]
        for s, tt, v in zip(fast, times, values):
            Series.add_row([s], tt, [v])
        for s, tt, v in zip(plain, times, values):
            s.add(tt, v)
    for a, b in zip(fast, plain):
        assert [x.hex() for x in a.t_s] == [x.hex() for x in b.t_s]
        assert [repr(x) for x in a.values] == [repr(x) for x in b.values]


def test_emit_packed_makes_the_record_packed_makes():
    layout = PayloadLayout(("a", "b"))
    stream = EventStream(check=False)
    got = []
    stream.subscribe(got.append)
    record = stream.emit_packed(12, "pump", "bolus.start", layout, (1.5, "x"))
    reference = EventRecord.packed(0, 12.0, "pump", "bolus.start", layout, (1.5, "x"))
    assert got == [record]
    assert type(record) is type(reference)
    assert (record.seq, record.t_s, record.device, record.kind, record.payload) == (0, 12.0, "pump", "bolus.start", {"a": 1.5, "b": "x"})
    assert record == reference and type(record.t_s) is float


def test_the_stability_moment_listed_is_the_refills_own():
    """Moments.candidates lists the stability moment as Refills.candidates gives it, before and
    after a refill and once the reservoir is empty."""
    sim = make_sim(morphine_settings(reservoir_ml=3), duration="40d")
    pump = sim.devices["pump"]
    for day in (0.5, 5, 12, 20, 39):
        sim.run(until=day * DAY)
        if day == 20:
            assert sim.apply_action("pump", "refill", {"fill_ml": 2, "confirm": ["all"]}).accepted
        listed = [c for c in pump.moments.candidates() if c[1] == "stability"]
        assert listed == pump.refills.candidates()


@settings(max_examples=300, deadline=None)
@given(pct=st.floats(0.0, 100.0), dt_s=st.floats(0.0, 10 * DAY) | st.just(0.0), q=st.floats(0.0, 1e-3), eos=st.booleans())
def test_the_battery_drain_written_out_is_the_plain_one(pct, dt_s, q, eos):
    battery = Battery(SPEC, pct, 0.0)
    if eos:
        battery.reach_eos(0.0)
    plain = battery.pct if eos else max(0.0, battery.pct - battery.drain_pct_per_s(q) * dt_s)
    assert battery.pct_after(dt_s, q).hex() == plain.hex()
    battery.advance(dt_s, q)
    assert battery.pct.hex() == plain.hex()
