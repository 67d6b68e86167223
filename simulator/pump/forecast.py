"""Forecast: projections of the pump from its state at the last rebase (a stateless component of PumpDevice).

Pure reads: the programmed flow segments from a time on (mL/s, boluses and periodic boluses
included, patient presses not), their integral up to a volume (mL) or a time (s) with whole
program cycles skipped in closed form, and the calculated and true volumes used between the last
rebase and a later time. The device's public queries (volumes, dates) are built on these.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from simulator.pump.flow import HORIZON_S
from simulator.pump.schedule import TIME_TOL_S

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice


class Forecast:
    """Closed-form answers about later times, from the current state (changes nothing)."""

    def __init__(self, dev: PumpDevice):
        self.dev = dev

    def segments(self, t_start: float) -> Iterator[tuple[float, float, float]]:
        """Yield (ta, tb, programmed mL/s) from t_start on, from the current state (no patient presses)."""
        dev = self.dev
        flow, program = dev.flow, dev.therapy.program
        if dev.faults.halts or flow.gas:
            yield (t_start, math.inf, flow.programmed_q(t_start, []))
            return
        active = [b for b in dev.boluses.running if b.end_t_s > t_start + TIME_TOL_S]
        plan = program.periodic
        next_p = dev.therapy.next_periodic_t
        t = t_start
        for _ in range(10_000_000):
            t_next = min([program.next_change_after(t), next_p] + [b.end_t_s for b in active])
            yield (t, t_next, flow.programmed_q(t, active))
            if t_next == math.inf:
                return
            t = t_next
            active = [b for b in active if b.end_t_s > t + TIME_TOL_S]
            if plan is not None and next_p <= t + TIME_TOL_S:
                active.append(dev.boluses.make_bolus("periodic", plan.dose, plan.duration_s, t))
                next_p = next_p + plan.interval_s

    def walk(self, t_start: float, factor: float, stop_volume: float | None = None, stop_time: float | None = None, extra_ml_per_s: float = 0.0) -> tuple[float | None, float]:
        """Integrate the programmed flow x factor (+ a constant extra flow, mL/s) from t_start.

        Returns (time the volume `stop_volume` (mL) is used or None, volume (mL) used by `stop_time`)."""
        used = 0.0
        t_free = max([t_start] + [b.end_t_s for b in self.dev.boluses.running])
        cycle = self.dev.therapy.program.cycle_s
        offset = 0.0
        c_start: float | None = None
        c_used = 0.0
        skipped = False
        for ta, tb, q in self.segments(t_start):
            ta, tb = ta + offset, tb + offset
            q = q * factor + extra_ml_per_s
            if stop_time is not None and tb >= stop_time:
                return None, used + q * (stop_time - ta)
            seg = q * (tb - ta) if tb < math.inf else math.inf
            if stop_volume is not None and q > 0 and used + seg >= stop_volume:
                return ta + (stop_volume - used) / q, stop_volume
            if tb == math.inf or ta - t_start > HORIZON_S:
                return None, used
            used += seg
            if skipped:
                continue
            if c_start is None and ta >= t_free - TIME_TOL_S:
                c_start, c_used = ta, used - seg
            if c_start is not None and tb >= c_start + cycle - 1e-3:
                per_cycle = used - q * max(0.0, tb - (c_start + cycle)) - c_used
                if per_cycle <= 0:
                    if stop_time is None:
                        return None, used
                    n: float = math.floor((stop_time - tb) / cycle) - 1
                else:
                    n_vol = math.floor((stop_volume - used) / per_cycle) - 1 if stop_volume is not None else math.inf
                    n_time = math.floor((stop_time - tb) / cycle) - 1 if stop_time is not None else math.inf
                    n = min(n_vol, n_time)
                if n >= 1 and n < math.inf:
                    used += n * per_cycle
                    offset += n * cycle
                skipped = True
        return None, used

    def used_by(self, t_s: float) -> tuple[float, float]:
        """(calculated volume, true volume), mL, that leave the reservoir between t0 and t_s."""
        dev = self.dev
        flow = dev.flow
        t0 = flow.t0
        if t_s <= t0:
            return 0.0, 0.0
        t_calc_empty = None
        if not flow.gas and "calculated_empty" not in dev.faults.halts:
            t_calc_empty, _ = self.walk(t0, 1.0, stop_volume=flow.v_calc)
        _, calc = self.walk(t0, 1.0, stop_time=t_s)
        calc = min(calc, flow.v_calc)
        t_end = t_s if t_calc_empty is None else min(t_s, t_calc_empty)
        _, true = self.walk(t0, flow.flow_factor, stop_time=t_end) if t_end > t0 else (None, 0.0)
        return calc, min(true, flow.reservoir.volume_ml)
