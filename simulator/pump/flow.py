"""The closed-form core of PumpDevice: flows between state changes, rebasing, the candidate
moments (threshold crossings and ends whose times are computed) and their handlers.

The device wakes only at those moments, never per stroke or per flex step: between two wake-ups
the programmed flow is constant or follows the daily flex schedule, integrated in closed form.
"""
from __future__ import annotations

import math
from typing import Any

from simulator.alarms import CRITICAL, NON_CRITICAL
from simulator.pump import dosing
from simulator.pump.boluses import Bolus
from simulator.pump.flow_accuracy import gas_flow_factor
from simulator.pump.reservoir import EPS_ML, same_content
from simulator.pump.schedule import TIME_TOL_S
from simulator.pump.step_series import StepBreakpoints
from simulator.pump.battery import Battery
from simulator.units import SECONDS_PER_DAY, SECONDS_PER_YEAR
from simulator.event_kinds import K

HORIZON_S = 50 * 365 * SECONDS_PER_DAY
VOL_TOL_ML = 1e-9

ALARM_MESSAGES = {
    "low_reservoir": (NON_CRITICAL, "low reservoir: refill soon"),
    "empty_reservoir": (CRITICAL, "empty reservoir: medication no longer flowing"),
    "eri": (NON_CRITICAL, "elective replacement indicator: replace the pump within 90 days"),
    "eos": (CRITICAL, "end of service: the pump has stopped, medication no longer flowing"),
    "motor_stall": (CRITICAL, "motor stall: the pump has stopped, medication no longer flowing"),
    "memory_error": (NON_CRITICAL, "memory error"),
}


class FlowCore:
    """State at the last rebase and everything computed from it until the next wake-up."""

    # ================= closed form core =================
    @property
    def drug_unit(self) -> str:
        """Unit of every drug amount this pump reports: "mg" or "mcg"."""
        return self.drug.unit

    @property
    def flow_factor(self) -> float:
        """Actual flow / programmed flow (systematic error, and the environment for gas pumps)."""
        if self.mri_block:
            return 0.0  # MRI: motor stopped or stalled, telemetry lock, or valve closed (mri.py)
        factor = 1.0 + self.systematic_error_pct / 100.0
        if self.gas:
            factor *= gas_flow_factor(self.profile.gas, self.body_temperature_c, self.ambient_mmhg)
        return factor

    def _basal_q(self, t_s: float) -> float:
        return dosing.ml_per_day_to_ml_per_s(dosing.rate_ml_per_day_for_dose(self.program.basal_dose_per_day_at(t_s), self.conc_prog))

    def _programmed_q(self, t_s: float, boluses) -> float:
        if self.halts:
            return 0.0
        if self.gas:
            return dosing.ml_per_day_to_ml_per_s(self.profile.fixed_rate_ml_per_day)
        override = None
        extra = 0.0
        for b in boluses:
            if b.override:
                override = b
            else:
                extra += b.rate_ml_per_s
        return (override.rate_ml_per_s if override else self._basal_q(t_s)) + extra

    def _recompute_rates(self) -> None:
        self.q_prog = self._programmed_q(self.now, self.boluses)
        self.q_true = self.q_prog * self.flow_factor if self.reservoir.volume_ml > EPS_ML else 0.0

    def _move(self, volume_ml: float) -> None:
        """Move fluid from the reservoir through the dead volume into the patient."""
        if volume_ml <= 0:
            return
        before = self.fifo.tip
        before = (before.drug, before.conc_per_ml) if before else (self.reservoir.drug, self.reservoir.conc_per_ml)
        out = self.fifo.move(volume_ml, self.reservoir.drug, self.reservoir.conc_per_ml)
        self.reservoir.volume_ml = max(0.0, self.reservoir.volume_ml - volume_ml)
        self.ledger.add_delivered(out)
        tip = self.fifo.tip
        if tip is not None and not same_content(tip.drug, tip.conc_per_ml, *before):
            self.emit(K.DEAD_VOLUME_TIP_CHANGE, drug=tip.drug, concentration_per_ml=tip.conc_per_ml, unit=self.drug_unit)

    def _flow_parts(self) -> tuple[float, float]:
        """The programmed flow since t0 as (mL per drug unit of the basal schedule, constant mL/s).

        Between two wake-ups nothing changes but the time of day, so the programmed volume from
        t0 to t is per_dose x basal_dose_between(t0, t) + per_s x (t - t0). A stepped (flex)
        schedule is integrated in closed form (schedule.Program) instead of waking at each step;
        any other mode has a constant flow (per_dose = 0)."""
        if self.halts or self.gas or not self.program.is_stepped:
            return 0.0, self.q_prog
        override, extra = None, 0.0
        for b in self.boluses:
            if b.override:
                override = b
            else:
                extra += b.rate_ml_per_s
        if override is not None:
            return 0.0, override.rate_ml_per_s + extra
        return dosing.rate_ml_per_day_for_dose(1.0, self.conc_prog), extra

    def _prog_volume_ml(self, t_a: float, t_b: float, parts: tuple[float, float] | None = None) -> float:
        per_dose, per_s = parts or self._flow_parts()
        if per_dose == 0.0:
            return per_s * (t_b - t_a)
        return per_dose * self.program.basal_dose_between(t_a, t_b) + per_s * (t_b - t_a)

    def _time_to_prog_volume(self, volume_ml: float, per_dose: float = 1.0, per_s: float = 0.0) -> float:
        """Absolute time at which (per_dose x programmed volume + per_s x elapsed s) from now reaches
        `volume_ml` (inf: never), with the flow parts in force now."""
        f_dose, f_s = self._flow_parts()
        now = self.now
        if f_dose == 0.0:
            rate = per_dose * f_s + per_s
            return now + volume_ml / rate if rate > 0 else math.inf
        # a pure function of its inputs: memoised, because the candidates are asked for several
        # times at one instant (before and after an action, then to plan the next wake-up)
        key = (now, volume_ml, per_dose * f_dose, per_dose * f_s + per_s, id(self.program))
        memo = self.__dict__.setdefault("_reach_memo", {})
        t = memo.get(key)
        if t is None:
            if len(memo) > 256:
                memo.clear()
            t = memo[key] = self.program.time_to_reach(now, volume_ml, key[2], key[3])
        return t

    def _advance(self, t_s: float) -> None:
        """Rebase the state to t_s (nothing but the time of day changed since t0)."""
        dt = t_s - self.t0
        if dt <= 0:
            return
        parts = self._flow_parts()
        if parts[0] != 0.0:
            self._record_schedule_steps(self.t0, t_s, parts)
        calc = self._prog_volume_ml(self.t0, t_s, parts)
        true = calc * self.flow_factor if self.reservoir.volume_ml > EPS_ML else 0.0
        self._move(min(true, self.reservoir.volume_ml))
        self.v_calc = max(0.0, self.v_calc - calc)
        self._mri_account(calc)
        if self.battery:
            self.battery.advance(dt, calc / dt)
        self.t0 = t_s

    def _record_schedule_steps(self, t_a: float, t_b: float, parts: tuple[float, float]) -> None:
        """Add the breakpoints of the series at the flex step boundaries inside (t_a, t_b): the
        same points a wake-up at every boundary used to record, generated (with numpy, all series
        at once) only when a series is read (step_series.StepBreakpoints)."""
        if self.program.next_change_after(t_a) > t_b + 1.0:
            return  # no step boundary inside the interval (the generator would make no points)
        tip = self.fifo.tip
        conc = self.reservoir.conc_per_ml if tip is None else tip.conc_per_ml
        drug = self.reservoir.drug if tip is None else tip.drug
        unit = self.drug_unit
        homogeneous = self.fifo.volume_until_tip_changes(self.reservoir.drug, self.reservoir.conc_per_ml) is None and drug == self.drug.short_name
        battery = self.battery if self.battery and self.battery.eos_t_s is None else None
        gen = StepBreakpoints(self.program, t_a, t_b, parts, self.flow_factor, self.reservoir.volume_ml > EPS_ML, self.reservoir.volume_ml,
                              self.v_calc, self.ledger.delivered_ml, self._delivered_by_unit()[unit] if homogeneous else None, conc, unit,
                              battery.pct if battery else None, battery.spec if battery else None)
        series = self.sim.recorder.series
        dev = self.id
        for signal in gen.signals():
            target = series.get((dev, signal))
            if target is not None:
                target.add_generated(gen)

    # ----- candidate moments (absolute times) -----
    def _candidates(self) -> list[tuple[float, str, Any]]:
        """The moments the pump must wake at, as (absolute time, tag, data).

        With a stepped (flex) schedule, a threshold crossing (empty, tip change, low, ERI, EOS) is
        usually days or years away and its exact time (an inversion of the schedule) is rarely
        needed. It is then listed as (lower bound, tag, Deferred): the bound is the time at the
        schedule's highest rate; `_resolve` computes the exact time, from the inputs captured
        here, only when the bound comes within reach of the moment being decided. The exact time
        is the same float it would have been had it been computed here."""
        now = self.now
        out: list[tuple[float, str, Any]] = []
        if not self.gas:
            out.append((self._next_periodic_t, "periodic", None))
        for b in self.boluses:
            out.append((b.end_t_s, "bolus_end", b))
        end = self.patient.lockout_end_t_s()
        if end is not None and end != self._lockout_notified_t:
            out.append((end, "lockout_end", end))
        factor = self.flow_factor
        f_dose, f_s = self._flow_parts()
        if f_dose != 0.0:
            reach = _Reach(self.program, now, f_dose, f_s)
            if factor > 0 and (self.q_true > 0 or self.reservoir.volume_ml > EPS_ML):  # q_true: still flowing at the last rebase
                out.append(reach.candidate(self.reservoir.volume_ml, factor, 0.0, "true_empty"))
                vol = self.fifo.volume_until_tip_changes(self.reservoir.drug, self.reservoir.conc_per_ml)
                if vol is not None:
                    out.append(reach.candidate(vol, factor, 0.0, "tip_change"))
            if not self.low_latched:
                low_ml, low_factor = self.low_reservoir_basis()  # gas pump: true volume at the true flow
                if low_ml <= self.threshold_ml + VOL_TOL_ML:
                    out.append((now, "low", None))
                elif low_factor > 0:
                    out.append(reach.candidate(low_ml - self.threshold_ml, low_factor, 0.0, "low"))
            if "calculated_empty" not in self.halts and not self.gas:
                if self.v_calc <= VOL_TOL_ML:
                    out.append((now, "calc_empty", None))
                else:
                    out.append(reach.candidate(self.v_calc, 1.0, 0.0, "calc_empty"))
            if self.battery:
                out.extend(reach.battery_candidates(self.battery, self.q_prog))
        else:
            if factor > 0 and (self.q_true > 0 or self.reservoir.volume_ml > EPS_ML):  # q_true: still flowing at the last rebase
                out.append((self._time_to_prog_volume(self.reservoir.volume_ml, factor), "true_empty", None))
                vol = self.fifo.volume_until_tip_changes(self.reservoir.drug, self.reservoir.conc_per_ml)
                if vol is not None:
                    out.append((self._time_to_prog_volume(vol, factor), "tip_change", None))
            if not self.low_latched:
                low_ml, low_factor = self.low_reservoir_basis()  # gas pump: true volume at the true flow
                if low_ml <= self.threshold_ml + VOL_TOL_ML:
                    out.append((now, "low", None))
                elif low_factor > 0:
                    out.append((self._time_to_prog_volume(low_ml - self.threshold_ml, low_factor), "low", None))
            if "calculated_empty" not in self.halts and not self.gas:
                if self.v_calc <= VOL_TOL_ML:
                    out.append((now, "calc_empty", None))
                else:
                    out.append((self._time_to_prog_volume(self.v_calc), "calc_empty", None))
            if self.battery:
                out.append((now + self.battery.time_to_eri_s(self.q_prog, None), "eri", None))
                out.append((now + self.battery.time_to_eos_s(self.q_prog, now, None), "eos", None))
        out.extend(self._mri_candidates())
        out.extend(self._priming_candidates())
        if not self.stability_warned and self.reservoir.volume_ml > EPS_ML:
            out.append((self.fill_t_s + self._stability_limit_days() * SECONDS_PER_DAY, "stability", None))
        return out

    def _process_due(self) -> list[tuple[float, str, Any]]:
        """Handle every moment due now (within TIME_TOL_S), repeatedly until none is left.

        Returns the candidates of the settled state (none due), which `_settle_and_plan` reuses
        to plan the next wake-up instead of computing them again. (The moments due at a wake-up
        are recomputed after the rebase, not taken from the plan: some, like the tip change, are
        relative to the state, and the rebase may already have passed them.)"""
        for _ in range(1000):
            now = self.now
            limit = now + TIME_TOL_S
            cands = _resolve(self._candidates(), limit)
            due = [c for c in cands if c[0] <= limit]
            if not due:
                return cands
            for _t, tag, data in due:
                getattr(self, f"_due_{tag}")(data)
            self._recompute_rates()
        raise RuntimeError("pump model: too many simultaneous moments (internal error)")

    def _settle_and_plan(self) -> None:
        """Handle what is due now, record the state and plan the next wake-up, computing the
        candidate moments once for the settled state (`_plan` reuses them unless the rates
        changed after they were computed)."""
        cands = self._process_due()
        rates = (self.q_prog, self.q_true)
        self._recompute_rates()
        self.record_state()
        self._plan(cands if rates == (self.q_prog, self.q_true) else None)

    def _nothing_due_before_wake(self) -> bool:
        """True when the planned wake-up is safely in the future: the candidate moments are
        absolute times, unchanged by a rebase, so none can be due before the earliest of them."""
        wake = self._wake
        return wake is not None and wake.active and self.now + 1e-3 < wake.t_s

    def _plan(self, cands: list | None = None) -> None:
        if self._wake is not None:
            self._wake.cancel()
        now = self.now
        if cands is None:
            cands = self._candidates()
        limit = now + TIME_TOL_S
        future = [c for c in _resolve(cands, limit) if limit < c[0] < math.inf]
        t = _earliest(future)
        if t == math.inf:
            self._wake = None
            return
        self._planned = future
        self._planned_due = [c for c in future if c[0] <= t + TIME_TOL_S]
        self._wake = self.wake_at(t, self._on_wake)

    def _on_wake(self) -> None:
        self._wake = None
        due = self._planned_due
        if all(tag == "lockout_end" for _t, tag, _d in due):
            # a lockout expiry changes no flow: log it, no rebase, no state to record, and the
            # other planned moments (absolute times) still hold
            for _t, _tag, data in due:
                self._due_lockout_end(data)
            self._plan([c for c in self._planned if c[1] != "lockout_end"])
            return
        self._advance(self.now)
        self._settle_and_plan()

    # ----- handlers of due moments -----
    def _due_periodic(self, _):
        plan = self.program.periodic
        t = self._next_periodic_t
        self._next_periodic_t = plan.next_start_at_or_after(t + plan.interval_s / 2)
        if self.halts:
            self.emit(K.BOLUS_SKIPPED, bolus="periodic", reason=", ".join(sorted(self.halts)))
            return
        self._start_bolus("periodic", plan.dose, plan.duration_s)

    def _due_bolus_end(self, bolus: Bolus):
        if bolus in self.boluses:
            self.boluses.remove(bolus)
            self.emit(K.BOLUS_END, **bolus.as_event())
            if bolus.kind == "single" and self.profile.single_bolus_then == "stopped" and self.program.mode_name != "stopped":
                # this pump family reverts to stopped after a single bolus (profile single_bolus_then)
                from simulator.pump.settings import StoppedMode
                self._set_program(StoppedMode())
                self.emit(K.PROGRAM_CHANGED, mode=self.program.mode_name, daily_dose=0.0, unit=self.drug_unit, rate_ml_per_day=0.0,
                          reason="single bolus over: this pump reverts to stopped")
                self.warn("single bolus over: the pump is now stopped (it does not return to its previous mode); re-program it", limit="single_bolus_then", value="stopped")

    def _due_lockout_end(self, end_t):
        self._lockout_notified_t = end_t
        self.emit(K.BOLUS_LOCKOUT_ENDED, lockout_min=self.patient.rule.lockout_s / 60 if self.patient.rule else None)

    def _due_true_empty(self, _):
        self._move(self.reservoir.volume_ml)  # the last sliver (float rounding)
        self.reservoir.volume_ml = 0.0
        self.true_empty = True
        msg = "reservoir empty: medication no longer flowing"
        if self.v_calc > VOL_TOL_ML and not self.gas:
            msg += f"; the pump calculates {self.v_calc:.3f} mL left and has not detected it"
        self.emit(K.RESERVOIR_EMPTY, severity=CRITICAL, message=msg, calculated_reservoir_ml=self.v_calc)
        self.emit(K.FLOW_STOPPED, reason="reservoir empty")
        if self.gas:
            self._raise("empty_reservoir")
        self._warn_empty_risk()

    def _due_tip_change(self, _):
        vol = self.fifo.volume_until_tip_changes(self.reservoir.drug, self.reservoir.conc_per_ml)
        if vol is not None and vol <= self.reservoir.volume_ml:
            self._move(vol)  # the last sliver left by float rounding; _move reports the change

    def _due_low(self, _):
        self.low_latched = True
        self._raise("low_reservoir", calculated_reservoir_ml=self.v_calc, threshold_ml=self.threshold_ml)

    def _due_calc_empty(self, _):
        self.v_calc = 0.0
        self.halts.add("calculated_empty")
        self.low_latched = True
        self._raise("empty_reservoir", true_reservoir_ml=self.reservoir.volume_ml)
        if not self.true_empty:
            self.emit(K.FLOW_STOPPED, reason="calculated reservoir empty")
        if self.reservoir.volume_ml > 0.05:
            self.warn(f"the pump stopped at its calculated empty point with {self.reservoir.volume_ml:.3f} mL still in the reservoir (under-delivery)")
        if not self.true_empty:
            self._warn_empty_risk()

    def _warn_empty_risk(self):
        if self.drug.empty_reservoir_risk:
            self.warn(f"{self.drug.drug_name} no longer flowing: risk of {self.drug.empty_reservoir_risk}", risk=self.drug.empty_reservoir_risk)

    def _due_eri(self, _):
        self.battery.eri_t_s = self.now
        reason = self.battery.eri_reason()
        self.emit(K.BATTERY_ERI, reason=reason, battery_pct=self.battery.pct)
        self._raise("eri", reason=reason)

    def _due_eos(self, _):
        if self.battery.eri_t_s is None:
            self._due_eri(None)
        self.battery.eos_t_s = self.now
        self.halts.add("eos")
        self.emit(K.BATTERY_EOS, battery_pct=self.battery.pct)
        self._raise("eos")
        self.emit(K.FLOW_STOPPED, reason="end of service")

    def _stability_limit_days(self) -> float:
        """Refill interval of the fill in the reservoir (drug profile: first fill of a new pump,
        undiluted or diluted drug). The fill at t = 0 is a new pump's first fill when the pump was
        implanted no earlier than that fill (service_elapsed_days <= days_since_fill)."""
        first = self.fill_t_s <= self.implant_t_s + 1e-6
        return self.drug.refill_interval_days(self.reservoir.conc_per_ml, first_fill=first)

    def _due_stability(self, _):
        self.stability_warned = True
        limit = self._stability_limit_days()
        self.warn(f"{self.drug.drug_name} in the reservoir has passed its stability limit of {limit:g} days; refill now", limit="stability_days", allowed=limit)

    def _raise(self, alarm: str, **details):
        severity, message = ALARM_MESSAGES[alarm]
        if alarm == "memory_error" and details.get("critical"):
            severity, message = CRITICAL, "critical memory error: the pump has stopped"
        a = self.profile.alarms
        repeat = (a.critical_repeat_min if severity == CRITICAL else a.non_critical_repeat_min) * 60.0
        tone = a.critical_tone if severity == CRITICAL else a.non_critical_tone
        self.alarms.raise_(alarm, severity, message, repeat_s=repeat, tone=tone, **details)


class Deferred:
    """The exact time of a candidate moment, computed on demand from inputs captured when the
    candidates were listed (so it is the same float an immediate computation gives)."""

    __slots__ = ("func", "args")

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def compute(self) -> float:
        return self.func(*self.args)


class _Reach:
    """Threshold crossings of one settled instant under a stepped schedule: a lower bound now,
    the exact time (Program.time_to_reach, as FlowCore._time_to_prog_volume computes it) later."""

    __slots__ = ("program", "now", "f_dose", "f_s", "dose_max")

    def __init__(self, program, now: float, f_dose: float, f_s: float):
        self.program, self.now, self.f_dose, self.f_s = program, now, f_dose, f_s
        self.dose_max = program.max_dose_per_s

    def exact(self, volume_ml: float, per_dose: float, per_s: float) -> float:
        return self.program.time_to_reach(self.now, volume_ml, per_dose * self.f_dose, per_dose * self.f_s + per_s)

    def min_seconds(self, volume_ml: float, per_dose: float, per_s: float) -> float:
        """A lower bound of the seconds to reach `volume_ml` (at the schedule's highest rate),
        with a margin for float rounding; 0 when none is known."""
        rate = per_dose * (self.f_dose * self.dose_max + self.f_s) + per_s
        if rate > 0 and volume_ml > 0:
            lower = volume_ml / rate * (1.0 - 1e-9) - 1e-3
            return lower if lower > 0.0 else 0.0
        return 0.0

    def candidate(self, volume_ml: float, per_dose: float, per_s: float, tag: str) -> tuple[float, str, Any]:
        lower = self.min_seconds(volume_ml, per_dose, per_s)
        if lower <= 0.0:
            return (self.exact(volume_ml, per_dose, per_s), tag, None)
        return (self.now + lower, tag, Deferred(self.exact, volume_ml, per_dose, per_s))

    def battery_candidates(self, battery, q_prog: float) -> list[tuple[float, str, Any]]:
        """ERI and EOS (battery.time_to_eri_s / time_to_eos_s with the schedule's drain, computed
        later from the charge and service life as they are now)."""
        spec = battery.spec
        idle = spec.idle_drain_pct_per_day / SECONDS_PER_DAY
        now, pct, elapsed, eri_t, eos_t = self.now, battery.pct, battery.elapsed_s, battery.eri_t_s, battery.eos_t_s
        life_s = spec.max_service_years * SECONDS_PER_YEAR
        if eri_t is None:
            # lower bound: the earliest of the service-life limit and the charge bound
            lower = min(life_s - spec.eri_before_max_service_days * SECONDS_PER_DAY - elapsed,
                        self.min_seconds(pct - spec.eri_pct, spec.pumping_drain_pct_per_ml, idle) if pct > spec.eri_pct else 0.0)
            eri = (self._battery_exact("eri", battery, q_prog), "eri", None) if lower <= 0.0 else \
                (now + lower, "eri", Deferred(self._battery_exact, "eri", Battery.snapshot(battery), q_prog))
        else:
            eri = (now + math.inf, "eri", None)
        if eos_t is None:
            lower = min(life_s - elapsed, math.inf if eri_t is None else eri_t + spec.eos_after_eri_days * SECONDS_PER_DAY - now,
                        self.min_seconds(pct - spec.eos_pct, spec.pumping_drain_pct_per_ml, idle) if pct > spec.eos_pct else 0.0)
            eos = (self._battery_exact("eos", battery, q_prog), "eos", None) if lower <= 0.0 else \
                (now + lower, "eos", Deferred(self._battery_exact, "eos", Battery.snapshot(battery), q_prog))
        else:
            eos = (now + math.inf, "eos", None)
        return [eri, eos]

    def _battery_exact(self, tag: str, battery, q_prog: float) -> float:
        spec = battery.spec
        idle = spec.idle_drain_pct_per_day / SECONDS_PER_DAY
        now = self.now

        def drain(p):
            return self.exact(p, spec.pumping_drain_pct_per_ml, idle) - now

        if tag == "eri":
            return now + battery.time_to_eri_s(q_prog, drain)
        return now + battery.time_to_eos_s(q_prog, now, drain)


def _resolve(cands: list, limit: float) -> list:
    """`cands` with every deferred moment whose lower bound is at or before `limit` made exact."""
    for c in cands:
        if c[0] <= limit and type(c[2]) is Deferred:
            return [(c[2].compute(), c[1], None) if c[0] <= limit and type(c[2]) is Deferred else c for c in cands]
    return cands


def _earliest(future: list) -> float:
    """The earliest exact moment of `future`, making deferred moments exact (in place, earliest
    bound first) only while their bound is within TIME_TOL_S of the earliest known moment."""
    t = math.inf
    deferred = []
    for i, c in enumerate(future):
        if type(c[2]) is Deferred:
            deferred.append((c[0], i))
        elif c[0] < t:
            t = c[0]
    if not deferred:
        return t
    deferred.sort()
    for bound, i in deferred:
        if bound > t + TIME_TOL_S:
            break
        c = future[i]
        future[i] = (c[2].compute(), c[1], None)
        t = min(t, future[i][0])
    return t
