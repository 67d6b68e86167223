"""Projections from the current state (pure) and the public queries of PumpDevice: volumes,
delivered drug, rates, predicted dates, battery, daily doses, mass balance.
"""
from __future__ import annotations

import math
from typing import Any

from simulator.pump import dosing
from simulator.pump.reservoir import EPS_ML, amount_of
from simulator.pump.schedule import TIME_TOL_S
from simulator.units import SECONDS_PER_DAY
from simulator.pump.flow import HORIZON_S, VOL_TOL_ML



class PumpQueries:
    """Closed-form answers about any time, from the recorded past or the current state."""

    # ================= projections (pure) =================
    def _segments(self, t_start: float):
        """Yield (ta, tb, programmed mL/s) from t_start on, from the current state (no patient presses)."""
        if self.halts or self.gas:
            yield (t_start, math.inf, self._programmed_q(t_start, []))
            return
        active = [b for b in self.boluses if b.end_t_s > t_start + TIME_TOL_S]
        plan = self.program.periodic
        next_p = self._next_periodic_t
        t = t_start
        for _ in range(10_000_000):
            t_next = min([self.program.next_change_after(t), next_p] + [b.end_t_s for b in active])
            yield (t, t_next, self._programmed_q(t, active))
            if t_next == math.inf:
                return
            t = t_next
            active = [b for b in active if b.end_t_s > t + TIME_TOL_S]
            if plan is not None and next_p <= t + TIME_TOL_S:
                active.append(self._make_bolus("periodic", plan.dose, plan.duration_s, t))
                next_p = next_p + plan.interval_s

    def _walk(self, t_start: float, factor: float, stop_volume: float | None = None, stop_time: float | None = None, extra_ml_per_s: float = 0.0) -> tuple[float | None, float]:
        """Integrate the programmed flow x factor (+ a constant extra flow) from t_start.

        Returns (time the volume `stop_volume` is used or None, volume used by `stop_time`)."""
        used = 0.0
        t_free = max([t_start] + [b.end_t_s for b in self.boluses])
        cycle = self.program.cycle_s
        offset = 0.0
        c_start = c_used = None
        skipped = False
        for ta, tb, q in self._segments(t_start):
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
                    n = math.floor((stop_time - tb) / cycle) - 1
                else:
                    n_vol = math.floor((stop_volume - used) / per_cycle) - 1 if stop_volume is not None else math.inf
                    n_time = math.floor((stop_time - tb) / cycle) - 1 if stop_time is not None else math.inf
                    n = min(n_vol, n_time)
                if n >= 1 and n < math.inf:
                    used += n * per_cycle
                    offset += n * cycle
                skipped = True
        return None, used

    def _used_by(self, t_s: float) -> tuple[float, float]:
        """(calculated volume, true volume) that leave the reservoir between t0 and t_s."""
        if t_s <= self.t0:
            return 0.0, 0.0
        t_calc_empty = None
        if not self.gas and "calculated_empty" not in self.halts:
            t_calc_empty, _ = self._walk(self.t0, 1.0, stop_volume=self.v_calc)
        _, calc = self._walk(self.t0, 1.0, stop_time=t_s)
        calc = min(calc, self.v_calc)
        t_end = t_s if t_calc_empty is None else min(t_s, t_calc_empty)
        _, true = self._walk(self.t0, self.flow_factor, stop_time=t_end) if t_end > self.t0 else (None, 0.0)
        return calc, min(true, self.reservoir.volume_ml)

    # ================= public queries =================
    def _series_values(self, signal: str, times: list[float]) -> list[float]:
        """Recorded values at many past times with one lookup (no per-point array rebuild)."""
        if not times:
            return []
        try:
            return [float(v) for v in self.sim.recorder.get(self.id, signal).at(times)]
        except KeyError:
            return [math.nan] * len(times)

    def _series_at(self, signal: str, t_s: float) -> float:
        try:
            return float(self.sim.recorder.get(self.id, signal).at(t_s))
        except KeyError:
            return math.nan

    def reservoir_ml_at(self, t_s: float) -> float:
        """True reservoir volume (mL) at t_s: recorded breakpoints before the last state change,
        closed form (with the current program) after it."""
        if t_s < self.t0:
            return self._series_at("reservoir_ml", t_s)
        return max(0.0, self.reservoir.volume_ml - self._used_by(t_s)[1])

    def expected_reservoir_ml_at(self, t_s: float) -> float:
        """Reservoir volume (mL) the pump calculates from its program at t_s."""
        if t_s < self.t0:
            return self._series_at("expected_reservoir_ml", t_s)
        return max(0.0, self.v_calc - self._used_by(t_s)[0])

    def delivered_volume_ml_at(self, t_s: float) -> float:
        """Volume delivered into the patient (mL) from t = 0 to t_s."""
        if t_s < self.t0:
            return self._series_at("delivered_volume_ml", t_s)
        return self.ledger.delivered_ml + self._used_by(t_s)[1]

    def delivered_drug_at(self, t_s: float) -> float:
        """Amount of the pump's drug (in `drug_unit`) delivered from t = 0 to t_s."""
        if t_s < self.t0:
            return self._series_at(f"cumulative_drug_{self.drug_unit}", t_s)
        x = self._used_by(t_s)[1]
        name = self.drug.short_name
        return self.ledger.delivered.get(name, 0.0) + amount_of(self.fifo.peek(x, self.reservoir.drug, self.reservoir.conc_per_ml), name)

    def current_rate_ml_per_day(self) -> float:
        """Actual flow now (mL/day), boluses included."""
        if self.now > self.t0:
            q = self._programmed_q(self.now, [b for b in self.boluses if b.end_t_s > self.now])
            return dosing.ml_per_s_to_ml_per_day(q * self.flow_factor) if self.reservoir_ml_at(self.now) > EPS_ML else 0.0
        return dosing.ml_per_s_to_ml_per_day(self.q_true)

    def current_drug_rate_per_day(self) -> float:
        """Drug reaching the patient now, drug unit per day."""
        tip = self.fifo.tip
        conc = self.reservoir.conc_per_ml if tip is None else tip.conc_per_ml
        drug = self.reservoir.drug if tip is None else tip.drug
        if drug != self.drug.short_name:
            return 0.0
        return dosing.dose_per_day_for_rate(self.current_rate_ml_per_day(), conc)

    def low_reservoir_basis(self) -> tuple[float, float]:
        """(volume_ml, flow_factor): the volume (mL, as of the pump's last state change, not now) and
        the flow factor (true flow / programmed flow, dimensionless) the low-reservoir moment is
        computed from: the volume the pump calculates at its programmed flow; for a gas-driven pump (no electronics, nothing calculated
        on board) the true volume at the true flow, the same basis as its predicted empty date, so
        the reminder always comes before the reservoir is empty."""
        if self.gas:
            return self.reservoir.volume_ml, self.flow_factor
        return self.v_calc, 1.0

    def predicted_low_reservoir_t_s(self) -> float | None:
        """When the volume reaches the low-reservoir threshold (None: never, or already reached:
        see `low_reservoir_reached_t_s`)."""
        volume, factor = self.low_reservoir_basis()
        if self.low_latched or volume <= self.threshold_ml:
            return None
        t, _ = self._walk(self.t0, factor, stop_volume=volume - self.threshold_ml)
        return t

    def low_reservoir_reached_t_s(self) -> float | None:
        """Simulation time (s) at which the low-reservoir alarm (a reminder on a gas-driven pump)
        still active was raised; None when that alarm is not active."""
        return self._alarm_raised_t_s("low_reservoir")

    def empty_reached_t_s(self) -> float | None:
        """Simulation time (s) at which the empty-reservoir alarm still active was raised; None when
        that alarm is not active."""
        return self._alarm_raised_t_s("empty_reservoir")

    def _alarm_raised_t_s(self, name: str) -> float | None:
        state = self.alarms.active.get(name)
        return None if state is None else float(state.raised_t_s)

    def predicted_empty_t_s(self) -> float | None:
        """When the reservoir is predicted empty (pump's calculation; for gas pumps, the true flow)."""
        if self.gas:
            if self.true_empty:
                return None
            t, _ = self._walk(self.t0, self.flow_factor, stop_volume=self.reservoir.volume_ml)
            return t
        if "calculated_empty" in self.halts:
            return None
        t, _ = self._walk(self.t0, 1.0, stop_volume=self.v_calc)
        return t

    def next_refill_t_s(self, target_ml: float | None = None) -> float | None:
        """Prometra-style next refill: when the pump's calculated volume reaches `target_ml`
        (default: the profile's `next_refill_target_ml`) if the patient also takes every allowed
        patient bolus (max_per_day a day, spread evenly). Now if already at or below the target;
        None when the pump is stopped or the date lies beyond the horizon. Reads the state without
        changing it: the walk starts at the last rebase, and the patient boluses' constant flow
        between that rebase and now is added to the volume to use, so it counts from now only."""
        target = self.profile.next_refill_target_ml if target_ml is None else float(target_ml)
        now = self.now
        if self.expected_reservoir_ml_at(now) <= target + VOL_TOL_ML:
            return now
        if self.halts:
            return None
        rule = self.patient.rule
        extra = 0.0
        if rule is not None:
            extra = dosing.volume_ml_for_dose(rule.dose, self.conc_prog) * rule.max_per_day / SECONDS_PER_DAY
        t, _ = self._walk(self.t0, 1.0, stop_volume=self.v_calc - target + extra * max(0.0, now - self.t0), extra_ml_per_s=extra)
        return t

    def battery_pct_at(self, t_s: float) -> float | None:
        if self.battery is None:
            return None
        if t_s < self.t0:
            return self._series_at("battery_pct", t_s)
        return self.battery.pct_after(t_s - self.t0, self.q_prog)

    def daily_doses(self) -> list[float]:
        """Drug delivered (drug unit) in each calendar day from the scenario start to now."""
        points = self._day_boundaries()
        past = [t for t in points if t < self.t0]
        values = self._series_values(f"cumulative_drug_{self.drug_unit}", past) + [self.delivered_drug_at(t) for t in points[len(past):]]
        return [values[i + 1] - values[i] for i in range(len(values) - 1)]

    def _day_boundaries(self) -> list[float]:
        now = self.now
        points = [0.0]
        t = SECONDS_PER_DAY - self.clock_offset_s % SECONDS_PER_DAY
        while t < now - TIME_TOL_S:
            points.append(t)
            t += SECONDS_PER_DAY
        points.append(now)
        return points

    def day_boundaries_t_s(self) -> list[float]:
        """Start of the run, every calendar midnight after it, and now (s): the edges of `daily_doses`."""
        return self._day_boundaries()

    def active_alarms(self) -> list[dict[str, Any]]:
        """The active alarms as dicts (alarm, severity, message, raised_t_s, acknowledged_t_s, repeats as of now, tone)."""
        return self.alarms.active_dicts()  # repeat counts as of now

    def low_reservoir_threshold_ml(self) -> float:
        """Calculated reservoir volume at which the low-reservoir alarm sounds, mL."""
        return self.threshold_ml

    def drug_profile(self):
        """The profile (DrugProfile) of the drug programmed now: name, unit, daily maximum, stability."""
        return self.drug

    def programmed_concentration_per_ml(self) -> float:
        """Concentration entered in the pump now, drug unit per mL."""
        return self.conc_prog

    def calendar_offset_s(self) -> float:
        """Time of day at t = 0, seconds after midnight (calendar days start at -offset + k x 86400 s)."""
        return self.clock_offset_s

    def delivery_pattern(self, t0_s: float, t1_s: float, sample_rate_hz: float = 1.0):
        """Stroke/packet pattern of delivery in [t0_s, t1_s] (see delivery_pattern.py)."""
        from simulator.pump.delivery_pattern import pattern_for_device

        return pattern_for_device(self, t0_s, t1_s, sample_rate_hz)

    def mass_balance(self) -> dict[str, float]:
        """Ledger of the pump's drug now (drug unit): filled = delivered + reservoir + dead volume + aspirated + pocket."""
        self._advance(self.now)
        return self.ledger.balance(self.drug.short_name, self.reservoir, self.fifo)
