"""The twelfth pass's fast paths give what the plain computations give, to the bit: the step of a
whole-second clock time without rounding, a flex step's span (Program.dose_and_span), the basal
flow kept over its step (Therapy.basal_q), and whole runs with the plain rate refresh and state
record against the written-out ones."""
from __future__ import annotations

import bisect
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import Simulation
from simulator.pump import dosing
from simulator.pump.device import PumpDevice
from simulator.pump.flow import Flow
from simulator.pump.reservoir import EPS_ML
from simulator.pump.schedule import SPAN_MARGIN_S, Program, time_of_day_s
from simulator.pump.therapy import Therapy
from tests.pump.helpers import DAY, HOUR
from tests.pump.test_step_fast_paths import FLEX, LATE_FIRST, _outputs, _scenarios

#: programs with steps at whole and fractional seconds, offsets at whole and fractional seconds
PROGRAMS = [FLEX, LATE_FIRST, Program("flex", [(0.0, 1.0), (0.5, 2.0), (HOUR + 0.25, 1.0), (23 * HOUR, 3.0)], 0.0),
            Program("flex", [(2 * HOUR, 0.0), (3 * HOUR, 2.0), (3 * HOUR + 1.0, 2.0)], 37.0),
            Program("continuous", [(0.0, 3.0)], 8 * HOUR)]


def _plain_index(program: Program, t_s: float) -> int:
    """The step index as basal_dose_per_day_at computed it before any shortcut: the rounded time of day."""
    return bisect.bisect_right(program.starts, time_of_day_s(t_s, program.clock_offset_s))


# whole-second clock times at, just before and just after the step starts and midnight
_whole = st.builds(lambda day, start, off: float(day * DAY + start + off), st.integers(-3, 40000),
                   st.sampled_from([0, 1, 3600, 5 * 3600, 13 * 3600, 22 * 3600, 86399]), st.integers(-2, 2))


@settings(max_examples=400, deadline=None)
@given(t_s=_whole)
def test_a_whole_second_step_is_the_rounded_one(t_s):
    for program in PROGRAMS:
        t = t_s - program.clock_offset_s if program.clock_offset_s % 1.0 == 0.0 else t_s
        idx = program._step_index_unrounded(t)
        if (t + program.clock_offset_s) % 1.0 == 0.0:
            assert idx is not None  # whole seconds: always the shortcut
        if idx is not None:
            assert idx == _plain_index(program, t)
        assert program.basal_dose_per_day_at(t) == program.doses[_plain_index(program, t) - 1]


_any_time = _whole | st.floats(-3 * DAY, 40000 * DAY) | st.builds(lambda t, d: t + d, _whole, st.floats(-2e-3, 2e-3))


@settings(max_examples=400, deadline=None)
@given(t_s=_any_time, where=st.floats(0.0, 1.0), edge=st.sampled_from([0.0, 1e-9, 1e-7, 1e-6, 1e-5]))
def test_every_time_inside_a_step_span_has_its_dose(t_s, where, edge):
    for program in PROGRAMS:
        dose, lo, hi = program.dose_and_span(t_s)
        assert dose is program.doses[_plain_index(program, t_s) - 1]  # the dose at t_s, the very float
        if len(program.starts) == 1:
            assert (lo, hi) == (-math.inf, math.inf)
            continue
        if not lo < hi:
            continue
        assert hi - lo <= DAY
        for t in (lo + (hi - lo) * where, math.nextafter(lo, math.inf) + edge * lo, math.nextafter(hi, -math.inf) - edge * hi):
            if lo < t < hi:
                assert program.basal_dose_per_day_at(t) is dose
                assert program.doses[_plain_index(program, t) - 1] is dose


def test_the_span_by_hand():
    """FLEX: 08:00 at t = 0; 10 h is 18:00, in the 09:30-22:00 step (3.4 mg/day): the span runs
    from 1.5 h to 14 h less SPAN_MARGIN_S at each end. 22:00 exactly (t = 14 h, whole seconds)
    is the start of the 2.6 step, 22:00-24:00 (t = 14 h to 16 h); 22:00 less 1e-7 s rounds to
    22:00 (2.6) but has no span (it lies within 1e-4 s of a step start)."""
    dose, lo, hi = FLEX.dose_and_span(10 * HOUR)
    assert (dose, lo, hi) == (3.4, pytest.approx(1.5 * HOUR + SPAN_MARGIN_S, abs=1e-9), pytest.approx(14 * HOUR - SPAN_MARGIN_S, abs=1e-9))
    dose, lo, hi = FLEX.dose_and_span(14 * HOUR)
    assert (dose, lo, hi) == (2.6, pytest.approx(14 * HOUR + SPAN_MARGIN_S, abs=1e-9), pytest.approx(16 * HOUR - SPAN_MARGIN_S, abs=1e-9))
    assert not lo < 14 * HOUR < hi  # a step start lies outside its own span
    dose, lo, hi = FLEX.dose_and_span(14 * HOUR - 1e-7)
    assert dose == 2.6 and not lo < hi


def _plain_basal_q(therapy: Therapy, t_s: float) -> float:
    return dosing.ml_per_day_to_ml_per_s(dosing.rate_ml_per_day_for_dose(therapy.program.basal_dose_per_day_at(t_s), therapy.conc_prog))


class _Owner:
    """The least a Therapy needs to answer basal_q: its program and concentration."""


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(range(4)), _any_time, st.sampled_from([10.0, 25.0, 2.5])), min_size=1, max_size=30))
def test_the_basal_flow_kept_over_its_step_is_the_plain_one(steps):
    """A sequence of (program, time, concentration) asked of one Therapy gives, every time, the
    float the plain formula gives (a new program or concentration drops the kept answer)."""
    therapy = Therapy.__new__(Therapy)
    therapy._basal_q_memo = None
    for which, t_s, conc in steps:
        therapy.program, therapy.conc_prog = PROGRAMS[which], conc
        for t in (t_s, t_s + 600.0, t_s + 1.0, t_s):
            assert therapy.basal_q(t).hex() == _plain_basal_q(therapy, t).hex()


def _plain_recompute_rates(self: Flow) -> None:
    """Flow.recompute_rates as written before: programmed_q and basal_q, each computed in full."""
    dev = self.dev
    if dev.faults.halts:
        q_prog = 0.0
    elif self.gas:
        q_prog = dosing.ml_per_day_to_ml_per_s(self.profile.fixed_rate)
    else:
        override, extra = None, 0.0
        for b in dev.boluses.running:
            if b.override:
                override = b
            else:
                extra += b.rate_ml_per_s
        q_prog = (override.rate_ml_per_s if override else _plain_basal_q(dev.therapy, dev.now)) + extra
    self.q_prog = q_prog
    self.q_true = q_prog * self.flow_factor if self.reservoir.volume_ml > EPS_ML else 0.0


def _plain_record_state(self: PumpDevice) -> None:
    """PumpDevice.record_state as written before: the dosing functions and the battery's pct_after."""
    now = self._env.now
    flow = self.flow
    if now > flow.t0:
        self.advance(now)
    rate = dosing.ml_per_s_to_ml_per_day(flow.q_true)
    res = flow.reservoir
    segments = self.dead_volume.fifo.segments
    tip_drug, tip_conc = (segments[0].drug, segments[0].conc_per_ml) if segments else (res.drug, res.conc_per_ml)
    drug_units = self.therapy.drug_units
    ledger = self.dead_volume.ledger
    by_unit = self._delivered_by_unit()
    layout = self.recording.layout(tuple(by_unit), now)
    values = [res.volume_ml, flow.v_calc, ledger.delivered_ml]
    for unit, amount in by_unit.items():
        flowing = tip_drug is not None and drug_units.get(tip_drug) == unit
        values.append(amount)
        values.append(dosing.dose_per_day_for_rate(rate, tip_conc) if flowing else 0.0)
    values.append(rate)
    if self.battery:
        values.append(self.battery.pct_after(0.0, flow.q_prog))
    self.recording.record(now, layout, values)


def _plain_rebase(self: Flow, t_s: float, parts: tuple[float, float]) -> float:
    """Flow.rebase as written before: basal_dose_between from both ends, the dosing functions."""
    per_dose, per_s = parts
    t0 = self.t0
    if per_dose == 0.0:
        calc = per_s * (t_s - t0)
    else:
        calc = per_dose * self.dev.therapy.program.basal_dose_between(t0, t_s) + per_s * (t_s - t0)
    true = calc * self.flow_factor if self.reservoir.volume_ml > EPS_ML else 0.0
    self.move(min(true, self.reservoir.volume_ml))
    self.v_calc = max(0.0, self.v_calc - calc)
    self.t0 = t_s
    return calc


def _plain_advance(self: PumpDevice, t_s: float) -> None:
    """PumpDevice.advance as written before: the battery's own advance."""
    flow = self.flow
    t0 = flow.t0
    dt = t_s - t0
    if dt <= 0:
        return
    parts = flow.flow_parts()
    if parts[0] != 0.0:
        _plain_record_schedule_steps(self, t0, t_s, parts)
    calc = flow.rebase(t_s, parts)
    if self.mri.block:
        self.mri.account(calc)
    if self.battery:
        self.battery.advance(dt, calc / dt)


def _plain_record_schedule_steps(self: PumpDevice, t_a: float, t_b: float, parts: tuple[float, float]) -> None:
    """PumpDevice._record_schedule_steps as written before: the delivered drug by `_delivered_by_unit`."""
    from simulator.pump.step_series import StepBreakpoints

    program = self.therapy.program
    if t_b - t_a <= program.max_step_gap_s + 2.0 and program.next_change_after(t_a) > t_b + 1.0:
        return
    flow, fifo = self.flow, self.dead_volume.fifo
    res = flow.reservoir
    tip = fifo.tip
    conc = res.conc_per_ml if tip is None else tip.conc_per_ml
    drug = res.drug if tip is None else tip.drug
    unit = self.therapy.drug.unit
    homogeneous = fifo.volume_until_tip_changes(res.drug, res.conc_per_ml) is None and drug == self.therapy.drug.short_name
    battery = self.battery if self.battery and self.battery.eos_t_s is None else None
    gen = StepBreakpoints(program, t_a, t_b, parts, flow.flow_factor, res.volume_ml > EPS_ML, res.volume_ml,
                          flow.v_calc, self.dead_volume.ledger.delivered_ml, self._delivered_by_unit()[unit] if homogeneous else None, conc, unit,
                          battery.pct if battery else None, battery.spec if battery else None)
    self.recording.add_generated(self.recording.step_targets(gen, homogeneous, battery is not None), gen)


@pytest.mark.parametrize("scenario", list(_scenarios()), ids=["combined_200d", "flex_refills_mri"])
def test_a_run_with_the_written_out_rates_and_records_equals_the_plain_run(scenario, monkeypatch):
    """Every event and series point of a run is the same with the rates, the basal flow, the
    rebases (cumulative dose, battery, step breakpoints) and the state records computed the
    plain way at every call."""
    fast = Simulation(scenario)
    fast.run()
    fast_out = _outputs(fast)
    monkeypatch.setattr(Flow, "recompute_rates", _plain_recompute_rates)
    monkeypatch.setattr(PumpDevice, "record_state", _plain_record_state)
    monkeypatch.setattr(Flow, "rebase", _plain_rebase)
    monkeypatch.setattr(PumpDevice, "advance", _plain_advance)
    plain = Simulation(scenario)
    plain.run()
    assert _outputs(plain) == fast_out
