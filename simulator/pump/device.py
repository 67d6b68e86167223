"""PumpDevice: an implanted intrathecal drug pump (profile kind "pump").

State is kept as of the last rebase `t0` (reservoir content, the pump's calculated reservoir
volume, the dead-volume FIFO, the ledger, battery) and everything between state changes is
closed form: flows are constant between wake-ups. The device wakes only at schedule step
boundaries, bolus starts/ends, lockout expiries and threshold crossings whose times it computes
(low reservoir, empty, the old drug's boundary reaching the catheter tip, ERI, EOS, drug
stability), never per stroke.

Two volumes are kept: the true reservoir volume (flows with the device's systematic error and,
for the gas-driven pump, the environment) and the volume the pump calculates from its program
(what its low-reservoir and empty alarms and its predicted dates use, as real pumps have no
level sensor). With zero flow error they are the same.
"""
from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from simulator.alarms import CRITICAL, NON_CRITICAL, AlarmBoard
from simulator.device import Device, Finding
from simulator.errors import ActionRefused, InputError, Issue
from simulator.events import Kinds
from simulator.pump import checks, dosing
from simulator.pump.battery import Battery
from simulator.pump.boluses import Bolus, PatientBolusPolicy
from simulator.pump.drugs import DrugProfile
from simulator.pump.mri import MriMixin
from simulator.pump.priming import PrimingMixin
from simulator.pump.patient_presses import PressMixin
from simulator.pump.flow_accuracy import ambient_pressure_mmhg, draw_systematic_error_pct, gas_flow_factor
from simulator.pump.reservoir import EPS_ML, DeadVolumeFifo, Ledger, Reservoir, amount_of, same_content
from simulator.pump.schedule import TIME_TOL_S, Program
from simulator.pump.settings import ACTIONS, PumpSettings, StoppedMode
from simulator.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

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


def resolve_drug(registry, name: str) -> DrugProfile:
    pid = name if "/" in name else f"drug/{name}"
    if pid not in registry or not pid.startswith("drug/"):
        raise InputError(Issue("drug", f"unknown drug; known: {', '.join(registry.ids('drug'))}", name))
    return registry.get(pid, expected_kind="drug")


class PumpDevice(MriMixin, PressMixin, PrimingMixin, Device):
    kind = "pump"
    Settings = PumpSettings
    ACTIONS = ACTIONS

    # ================= settings validation =================
    @classmethod
    def check_settings(cls, profile, settings: PumpSettings, registry) -> None:
        issues: list[Issue] = []
        drug = resolve_drug(registry, settings.drug)
        try:
            conc = dosing.pick(settings, "concentration_{u}_per_ml", drug.unit, drug.drug_name)
        except dosing.UnitMismatch as exc:
            raise InputError(Issue(exc.field, str(exc))) from None
        field = f"concentration_{drug.unit}_per_ml"
        if drug.max_concentration_per_ml is not None and conc > drug.max_concentration_per_ml * (1 + 1e-9):
            issues.append(Issue(field, f"above the {drug.drug_name} maximum concentration of {drug.max_concentration_per_ml:g} {drug.unit}/mL", conc))
        if settings.reservoir_ml > profile.reservoir_capacity_ml:
            issues.append(Issue("reservoir_ml", f"beyond the reservoir capacity of {profile.reservoir_capacity_ml:g} mL", settings.reservoir_ml))
        thr = settings.low_reservoir_threshold_ml
        if thr is not None and not (profile.low_reservoir_min_ml <= thr <= profile.low_reservoir_max_ml):
            issues.append(Issue("low_reservoir_threshold_ml", f"allowed {profile.low_reservoir_min_ml:g} to {profile.low_reservoir_max_ml:g} mL", thr))
        if abs(settings.flow_error.systematic_error_pct) > profile.accuracy_pct:
            issues.append(Issue("flow_error.systematic_error_pct", f"outside the labelled accuracy band of +/-{profile.accuracy_pct:g} %", settings.flow_error.systematic_error_pct))
        if not profile.programmable:
            if settings.mode is not None and not isinstance(settings.mode, StoppedMode):
                issues.append(Issue("mode", f"{profile.name} is not programmable (rate fixed at manufacture); omit mode", settings.mode.type))
            if settings.patient_bolus is not None:
                issues.append(Issue("patient_bolus", f"{profile.name} has no patient boluses; omit patient_bolus"))
            if settings.patient_presses is not None:
                issues.append(Issue("patient_presses", f"{profile.name} has no patient boluses; omit patient_presses"))
            daily = dosing.dose_per_day_for_rate(profile.fixed_rate_ml_per_day, conc)
            finding = checks.daily_max_finding(drug, daily, f"fixed rate {profile.fixed_rate_ml_per_day:g} mL/day x {conc:g} {drug.unit}/mL")
            if finding:
                issues.append(Issue(field, finding.message, conc))
        else:
            for f in checks.program_findings(profile, drug, conc, settings.mode, settings.patient_bolus, 0.0, 0.0):
                if f.level == "refuse":
                    where = "patient_bolus" if "patient" in f.message else "mode"
                    issues.append(Issue(where, f.message, f.value))
        if issues:
            raise InputError(issues)

    # ================= start =================
    def start(self) -> None:
        s, p = self.settings, self.profile
        self.drug: DrugProfile = resolve_drug(self.registry, s.drug)
        self.conc_prog = dosing.pick(s, "concentration_{u}_per_ml", self.drug.unit, self.drug.drug_name)
        self.gas = p.archetype == "gas_driven"
        self._mri_init()
        self._priming_init()
        start = self.sim.scenario.start
        self.clock_offset_s = start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond * 1e-6
        self.dead_volume_ml = p.pump_tubing_dead_volume_ml + s.catheter_length_cm * s.catheter_volume_ml_per_cm
        name = self.drug.short_name
        self.drug_units: dict[str, str] = {}  # drug short name -> unit, every drug this pump has held
        self.drug_names: dict[str, str] = {}
        self._note_drug(self.drug)
        self.reservoir = Reservoir(s.reservoir_ml, name, self.conc_prog)
        if s.dead_volume_primed:
            self.fifo = DeadVolumeFifo(self.dead_volume_ml, name, self.conc_prog)
        else:
            self.fifo = DeadVolumeFifo(self.dead_volume_ml, None, 0.0)
        self.ledger = Ledger()
        self.ledger.filled[name] += dosing.dose_in_volume(s.reservoir_ml, self.conc_prog) + self.fifo.amounts().get(name, 0.0)
        self.ledger.filled_ml += s.reservoir_ml + (self.dead_volume_ml if s.dead_volume_primed else 0.0)
        self.v_calc = s.reservoir_ml
        self.threshold_ml = s.low_reservoir_threshold_ml if s.low_reservoir_threshold_ml is not None else p.low_reservoir_default_ml
        fe = s.flow_error
        self.systematic_error_pct = draw_systematic_error_pct(self.rng, p.accuracy_pct) if fe.random_systematic else fe.systematic_error_pct
        self.stroke_noise_cv_pct = fe.stroke_noise_cv_pct
        self.body_temperature_c = 37.0 if p.gas is None else p.gas.ref_temperature_c
        self.ambient_mmhg = 760.0
        self._set_environment(s.environment, emit=False)
        if self.gas:
            self.program = Program.fixed(dosing.dose_per_day_for_rate(p.fixed_rate_ml_per_day, self.conc_prog), self.clock_offset_s)
        else:
            self.program = Program.from_mode(s.mode, self.drug.unit, self.drug.drug_name, self.clock_offset_s, 0.0)
        self._next_periodic_t = self.program.periodic.anchor_t_s if self.program.periodic else math.inf
        self.patient = PatientBolusPolicy(checks.patient_rule(s.patient_bolus, self.drug))
        self._lockout_notified_t: float | None = None
        self.battery = Battery(p.battery, s.battery_initial_pct, s.service_elapsed_days * SECONDS_PER_DAY) if p.battery else None
        self.alarms = AlarmBoard(self)
        self.boluses: list[Bolus] = []
        self.halts: set[str] = set()  # calculated_empty, motor_stall, memory_error, eos
        self.low_latched = False
        self.true_empty = s.reservoir_ml <= EPS_ML
        self.fill_t_s = -s.days_since_fill * SECONDS_PER_DAY
        self.stability_warned = False
        self.last_increase_t_s: float | None = None
        self.dose_errors: list[dict[str, Any]] = []
        self.pocket_fills: list[dict[str, Any]] = []
        self.refills: list[dict[str, Any]] = []
        self.t0 = self.now
        self.q_prog = self.q_true = 0.0
        self._wake = None
        self._recompute_rates()
        self._process_due()
        self.record_state()
        self._plan()
        self._presses_init()

    def _note_drug(self, drug: DrugProfile) -> None:
        self.drug_units[drug.short_name] = drug.unit
        self.drug_names[drug.short_name] = drug.drug_name

    @property
    def units_seen(self) -> list[str]:
        """Drug units of every drug this pump has held, in order of first use."""
        return list(dict.fromkeys(self.drug_units.values()))

    def _delivered_by_unit(self, in_flight=()) -> dict[str, float]:
        """Delivered drug summed per unit (each unit's series starts at 0 at t = 0)."""
        out = {u: 0.0 for u in self.units_seen}
        for name, amount in self.ledger.delivered.items():
            out[self.drug_units[name]] += amount
        for seg in in_flight:
            if seg.drug:
                out[self.drug_units[seg.drug]] += seg.amount
        return out

    # ================= closed form core =================
    @property
    def drug_unit(self) -> str:
        """Unit of every drug amount this pump reports: "mg" or "mcg"."""
        return self.drug.unit

    @property
    def flow_factor(self) -> float:
        """Actual flow / programmed flow (systematic error, and the environment for gas pumps)."""
        if self.mri_block:
            return 0.0  # MRI: motor stopped or valve closed (mri.py)
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
            self.emit("dead_volume.tip_change", drug=tip.drug, concentration_per_ml=tip.conc_per_ml, unit=self.drug_unit)

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
        """Add the breakpoints of the series at the flex step boundaries inside (t_a, t_b), all at
        once with numpy: the same points a wake-up at every boundary used to record."""
        import numpy as np

        times = self.program.boundaries_between(t_a, t_b)
        if len(times) == 0:
            return
        per_dose, per_s = parts
        factor = self.flow_factor
        calc = per_dose * (self.program.cumulative_basal_dose(times) - self.program.cumulative_basal_dose(t_a)) + per_s * (times - t_a)
        flowing = self.reservoir.volume_ml > EPS_ML
        true = np.minimum(calc * factor if flowing else 0.0 * calc, self.reservoir.volume_ml)
        tod = np.mod(times + self.program.clock_offset_s, SECONDS_PER_DAY)
        doses = np.asarray(self.program.doses)[np.searchsorted(self.program.starts, tod + 1e-6, side="right") - 1]
        rate_ml_per_day = (per_dose * doses + dosing.ml_per_s_to_ml_per_day(per_s)) * (factor if flowing else 0.0)
        unit = self.drug_unit
        tip = self.fifo.tip
        conc = self.reservoir.conc_per_ml if tip is None else tip.conc_per_ml
        drug = self.reservoir.drug if tip is None else tip.drug
        homogeneous = self.fifo.volume_until_tip_changes(self.reservoir.drug, self.reservoir.conc_per_ml) is None and drug == self.drug.short_name
        rec = self.sim.recorder
        series = {
            "reservoir_ml": (self.reservoir.volume_ml - true, "mL", "linear"),
            "expected_reservoir_ml": (np.maximum(0.0, self.v_calc - calc), "mL", "linear"),
            "delivered_volume_ml": (self.ledger.delivered_ml + true, "mL", "linear"),
            "rate_ml_per_day": (rate_ml_per_day, "mL/day", "step"),
        }
        if homogeneous:
            series[f"cumulative_drug_{unit}"] = (self._delivered_by_unit()[unit] + true * conc, unit, "linear")
            series[f"drug_rate_{unit}_per_day"] = (rate_ml_per_day * conc, f"{unit}/day", "step")
        if self.battery and self.battery.eos_t_s is None:
            spec = self.battery.spec
            pct = self.battery.pct - spec.idle_drain_pct_per_day / SECONDS_PER_DAY * (times - t_a) - spec.pumping_drain_pct_per_ml * calc
            series["battery_pct"] = (np.maximum(0.0, pct), "%", "linear")
        for signal, (values, sig_unit, interp) in series.items():
            key = (self.id, signal)
            if key not in rec.series:
                continue
            target = rec.series[key]
            t_list, v_list = times.tolist(), np.asarray(values, dtype=float).tolist()
            if interp == "step":  # keep level changes only
                keep = [i for i in range(len(v_list)) if v_list[i] != (v_list[i - 1] if i else target._v[-1] if target._v else None)]
                t_list, v_list = [t_list[i] for i in keep], [v_list[i] for i in keep]
            target._t.extend(t_list)
            target._v.extend(v_list)

    # ----- candidate moments (absolute times) -----
    def _candidates(self) -> list[tuple[float, str, Any]]:
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
        if factor > 0 and (self.q_true > 0 or self.reservoir.volume_ml > EPS_ML):  # q_true: still flowing at the last rebase
            out.append((self._time_to_prog_volume(self.reservoir.volume_ml, factor), "true_empty", None))
            vol = self.fifo.volume_until_tip_changes(self.reservoir.drug, self.reservoir.conc_per_ml)
            if vol is not None:
                out.append((self._time_to_prog_volume(vol, factor), "tip_change", None))
        if not self.low_latched:
            if self.v_calc <= self.threshold_ml + VOL_TOL_ML:
                out.append((now, "low", None))
            else:
                out.append((self._time_to_prog_volume(self.v_calc - self.threshold_ml), "low", None))
        if "calculated_empty" not in self.halts and not self.gas:
            if self.v_calc <= VOL_TOL_ML:
                out.append((now, "calc_empty", None))
            else:
                out.append((self._time_to_prog_volume(self.v_calc), "calc_empty", None))
        if self.battery:
            drain = None
            if self._flow_parts()[0] != 0.0:  # stepped schedule: charge used = idle x t + per mL x volume
                spec = self.battery.spec
                drain = lambda pct: self._time_to_prog_volume(pct, spec.pumping_drain_pct_per_ml, spec.idle_drain_pct_per_day / SECONDS_PER_DAY) - now  # noqa: E731
            out.append((now + self.battery.time_to_eri_s(self.q_prog, drain), "eri", None))
            out.append((now + self.battery.time_to_eos_s(self.q_prog, now, drain), "eos", None))
        out.extend(self._mri_candidates())
        out.extend(self._priming_candidates())
        if not self.stability_warned and self.reservoir.volume_ml > EPS_ML:
            out.append((self.fill_t_s + self.drug.stability_days * SECONDS_PER_DAY, "stability", None))
        return out

    def _process_due(self) -> None:
        """Handle every moment due now (within TIME_TOL_S), repeatedly until none is left."""
        for _ in range(1000):
            now = self.now
            due = [c for c in self._candidates() if c[0] <= now + TIME_TOL_S]
            if not due:
                return
            for _t, tag, data in due:
                getattr(self, f"_due_{tag}")(data)
            self._recompute_rates()
        raise RuntimeError("pump model: too many simultaneous moments (internal error)")

    def _plan(self) -> None:
        if self._wake is not None:
            self._wake.cancel()
        now = self.now
        times = [c[0] for c in self._candidates() if c[0] > now + TIME_TOL_S and c[0] < math.inf]
        self._wake = self.wake_at(min(times), self._on_wake) if times else None

    def _on_wake(self) -> None:
        self._wake = None
        self._advance(self.now)
        self._process_due()
        self._recompute_rates()
        self.record_state()
        self._plan()

    # ----- handlers of due moments -----
    def _due_periodic(self, _):
        plan = self.program.periodic
        t = self._next_periodic_t
        self._next_periodic_t = plan.next_start_at_or_after(t + plan.interval_s / 2)
        if self.halts:
            self.emit("bolus.skipped", bolus="periodic", reason=", ".join(sorted(self.halts)))
            return
        self._start_bolus("periodic", plan.dose, plan.duration_s)

    def _due_bolus_end(self, bolus: Bolus):
        if bolus in self.boluses:
            self.boluses.remove(bolus)
            self.emit("bolus.end", **bolus.as_event())

    def _due_lockout_end(self, end_t):
        self._lockout_notified_t = end_t
        self.emit("bolus.lockout_ended", lockout_min=self.patient.rule.lockout_s / 60 if self.patient.rule else None)

    def _due_true_empty(self, _):
        self._move(self.reservoir.volume_ml)  # the last sliver (float rounding)
        self.reservoir.volume_ml = 0.0
        self.true_empty = True
        msg = "reservoir empty: medication no longer flowing"
        if self.v_calc > VOL_TOL_ML and not self.gas:
            msg += f"; the pump calculates {self.v_calc:.3f} mL left and has not detected it"
        self.emit("reservoir.empty", severity=CRITICAL, message=msg, calculated_reservoir_ml=self.v_calc)
        self.emit("flow.stopped", reason="reservoir empty")
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
            self.emit("flow.stopped", reason="calculated reservoir empty")
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
        self.emit("battery.eri", reason=reason, battery_pct=self.battery.pct)
        self._raise("eri", reason=reason)

    def _due_eos(self, _):
        if self.battery.eri_t_s is None:
            self._due_eri(None)
        self.battery.eos_t_s = self.now
        self.halts.add("eos")
        self.emit("battery.eos", battery_pct=self.battery.pct)
        self._raise("eos")
        self.emit("flow.stopped", reason="end of service")

    def _due_stability(self, _):
        self.stability_warned = True
        self.warn(f"{self.drug.drug_name} in the reservoir has passed its stability limit of {self.drug.stability_days:g} days; refill now", limit="stability_days", allowed=self.drug.stability_days)

    def _raise(self, alarm: str, **details):
        severity, message = ALARM_MESSAGES[alarm]
        if alarm == "memory_error" and details.get("critical"):
            severity, message = CRITICAL, "critical memory error: the pump has stopped"
        a = self.profile.alarms
        repeat = (a.critical_repeat_min if severity == CRITICAL else a.non_critical_repeat_min) * 60.0
        tone = a.critical_tone if severity == CRITICAL else a.non_critical_tone
        self.alarms.raise_(alarm, severity, message, repeat_s=repeat, tone=tone, **details)

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

    def predicted_low_reservoir_t_s(self) -> float | None:
        """When the pump's calculated volume reaches the low-reservoir threshold (None: never or already)."""
        if self.low_latched or self.v_calc <= self.threshold_ml:
            return None
        t, _ = self._walk(self.t0, 1.0, stop_volume=self.v_calc - self.threshold_ml)
        return t

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
        None when the pump is stopped or the date lies beyond the horizon."""
        target = self.profile.next_refill_target_ml if target_ml is None else float(target_ml)
        self._advance(self.now)
        if self.v_calc <= target + VOL_TOL_ML:
            return self.now
        if self.halts:
            return None
        rule = self.patient.rule
        extra = 0.0
        if rule is not None:
            extra = dosing.volume_ml_for_dose(rule.dose, self.conc_prog) * rule.max_per_day / SECONDS_PER_DAY
        t, _ = self._walk(self.t0, 1.0, stop_volume=self.v_calc - target, extra_ml_per_s=extra)
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

    def active_alarms(self) -> list[dict[str, Any]]:
        return [a.as_dict() for a in self.alarms.active.values()]

    def delivery_pattern(self, t0_s: float, t1_s: float, sample_rate_hz: float = 1.0):
        """Stroke/packet pattern of delivery in [t0_s, t1_s] (see delivery_pattern.py)."""
        from simulator.pump.delivery_pattern import pattern_for_device

        return pattern_for_device(self, t0_s, t1_s, sample_rate_hz)

    def mass_balance(self) -> dict[str, float]:
        """Ledger of the pump's drug now (drug unit): filled = delivered + reservoir + dead volume + aspirated + pocket."""
        self._advance(self.now)
        return self.ledger.balance(self.drug.short_name, self.reservoir, self.fifo)

    # ================= recording =================
    def record_state(self) -> None:
        now = self.now
        in_flight = []
        if now > self.t0:
            calc, true = self._used_by(now)
            vol, vcalc = max(0.0, self.reservoir.volume_ml - true), max(0.0, self.v_calc - calc)
            delivered_ml = self.ledger.delivered_ml + true
            in_flight = self.fifo.peek(true, self.reservoir.drug, self.reservoir.conc_per_ml)
        else:
            vol, vcalc, delivered_ml = self.reservoir.volume_ml, self.v_calc, self.ledger.delivered_ml
        self.record("reservoir_ml", vol, "mL")
        self.record("expected_reservoir_ml", vcalc, "mL")
        self.record("delivered_volume_ml", delivered_ml, "mL")
        rate = self.current_rate_ml_per_day()
        tip = self.fifo.tip
        tip_drug, tip_conc = (self.reservoir.drug, self.reservoir.conc_per_ml) if tip is None else (tip.drug, tip.conc_per_ml)
        for unit, amount in self._delivered_by_unit(in_flight).items():
            cum, drate = f"cumulative_drug_{unit}", f"drug_rate_{unit}_per_day"
            if (self.id, cum) not in self.sim.recorder.series and now > 0:
                # a unit first used now (refill with another drug): its series is zero from t = 0
                self.sim.recorder.record(0.0, self.id, cum, 0.0, unit, "linear")
                self.sim.recorder.record(0.0, self.id, drate, 0.0, f"{unit}/day", "step")
            self.record(cum, amount, unit)
            flowing = tip_drug is not None and self.drug_units.get(tip_drug) == unit
            self.record(drate, dosing.dose_per_day_for_rate(rate, tip_conc) if flowing else 0.0, f"{unit}/day", interp="step")
        self.record("rate_ml_per_day", rate, "mL/day", interp="step")
        if self.battery:
            self.record("battery_pct", self.battery_pct_at(now), "%")

    # ================= actions =================
    def _sync(self) -> None:
        self._advance(self.now)

    def check(self, action: str, params) -> list[Finding]:
        self._sync()
        method = getattr(self, f"_check_{action}", None)
        return method(params) if method else []

    def apply(self, action: str, params) -> dict[str, Any] | None:
        self._sync()
        self._process_due()
        self._recompute_rates()
        findings = self.check(action, params)
        refusals = [f for f in findings if f.level == "refuse"]
        if refusals:
            first = refusals[0]
            raise ActionRefused(first.message, limit=first.limit, value=first.value, allowed=first.allowed, findings=[f.as_dict() for f in refusals])
        self.record_state()
        for f in findings:
            self.warn(f.message, limit=f.limit, value=f.value, allowed=f.allowed)
        payload = getattr(self, f"_do_{action}")(params)
        self._recompute_rates()
        self._process_due()
        self._recompute_rates()
        self.record_state()
        self._plan()
        return payload

    # ----- program -----
    def _daily_program_dose(self) -> float:
        return self.program.daily_dose()

    def _check_program(self, params) -> list[Finding]:
        return checks.program_findings(
            self.profile, self.drug, self.conc_prog, params.mode, self._patient_settings(), self.clock_offset_s, self.now,
            current_daily=self._daily_program_dose(), last_increase_t_s=self.last_increase_t_s,
        )

    def _patient_settings(self):
        return getattr(self, "_patient_settings_model", self.settings.patient_bolus)

    def _set_program(self, mode) -> None:
        old = self._daily_program_dose()
        self.program = Program.from_mode(mode, self.drug.unit, self.drug.drug_name, self.clock_offset_s, self.now)
        self._next_periodic_t = self.program.periodic.anchor_t_s if self.program.periodic else math.inf
        if self.program.daily_dose() > old * (1 + 1e-9):
            self.last_increase_t_s = self.now

    def _do_program(self, params):
        self._set_program(params.mode)
        self.emit("program.changed", mode=self.program.mode_name, daily_dose=self.program.daily_dose(), unit=self.drug_unit, rate_ml_per_day=dosing.ml_per_s_to_ml_per_day(self._basal_q(self.now)))
        return {"mode": self.program.mode_name, "daily_dose": self.program.daily_dose(), "unit": self.drug_unit}

    # ----- boluses -----
    def _make_bolus(self, kind: str, dose: float, duration_s: float | None, t_s: float, conc: float | None = None) -> Bolus:
        volume = dosing.volume_ml_for_dose(dose, conc or self.conc_prog)
        if duration_s is None:
            duration_s = volume / self.profile.max_bolus_rate_ml_per_h * SECONDS_PER_HOUR
        return Bolus(kind, t_s, t_s + duration_s, volume / duration_s, volume, dose)

    def _start_bolus(self, kind: str, dose: float, duration_s: float | None) -> Bolus:
        bolus = self._make_bolus(kind, dose, duration_s, self.now)
        self.boluses.append(bolus)
        self.emit("bolus.start", unit=self.drug_unit, **bolus.as_event())
        return bolus

    def _halt_finding(self) -> Finding | None:
        if self.halts:
            return Finding("refuse", f"the pump is stopped ({', '.join(sorted(self.halts))}); no bolus can run", "pump_stopped", sorted(self.halts), [])
        if self.true_empty or self.reservoir.volume_ml <= EPS_ML:
            return Finding("refuse", "the reservoir is empty; no bolus can run", "reservoir_ml", 0.0, ">0")
        return None

    def _not_programmable(self) -> Finding | None:
        if not self.profile.programmable:
            return Finding("refuse", f"{self.profile.name} is not programmable: no boluses or programs", "programmable", True, False)
        return None

    def _check_single_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        try:
            dose = dosing.pick(params, "dose_{u}", self.drug_unit, self.drug.drug_name)
        except dosing.UnitMismatch as exc:
            return [Finding("refuse", str(exc), "unit", exc.field, self.drug_unit)]
        duration = None if params.duration_min is None else params.duration_min * 60.0
        bolus = self._make_bolus("single", dose, duration, self.now)
        out = []
        rate_h = bolus.rate_ml_per_s * SECONDS_PER_HOUR
        if rate_h > self.profile.max_bolus_rate_ml_per_h * (1 + 1e-9):
            out.append(Finding("refuse", f"bolus of {bolus.volume_ml:.4g} mL in {params.duration_min:g} min is {rate_h:.4g} mL/h, above the pump's bolus rate of {self.profile.max_bolus_rate_ml_per_h:g} mL/h", "max_bolus_rate_ml_per_h", rate_h, self.profile.max_bolus_rate_ml_per_h))
        rule = self.patient.rule
        daily = self._daily_program_dose() + dose + (rule.dose * rule.max_per_day if rule else 0.0)
        f = checks.daily_max_finding(self.drug, daily, f"daily program plus this {dose:g} {self.drug_unit} bolus" + (" and the patient boluses" if rule else ""))
        if f:
            out.append(f)
        if bolus.volume_ml > self.v_calc:
            out.append(Finding("warn", f"bolus volume {bolus.volume_ml:.3f} mL exceeds the calculated reservoir volume {self.v_calc:.3f} mL", "reservoir_ml", bolus.volume_ml, self.v_calc))
        return out

    def _do_single_bolus(self, params):
        dose = dosing.pick(params, "dose_{u}", self.drug_unit, self.drug.drug_name)
        b = self._start_bolus("single", dose, None if params.duration_min is None else params.duration_min * 60.0)
        return b.as_event()

    def _check_patient_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        refusal = self.patient.refusal(self.now)
        if refusal:
            msg, limit, value, allowed = refusal
            return [Finding("refuse", f"patient bolus refused: {msg}", limit, value, allowed)]
        return []

    def _do_patient_bolus(self, params):
        self.patient.accept(self.now)
        rule = self.patient.rule
        b = self._start_bolus("patient", rule.dose, rule.duration_s)
        return {**b.as_event(), "count_last_24h": self.patient.count_last_24h(self.now)}

    def _check_set_patient_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable()):
            return [f]
        try:
            rule = checks.patient_rule(params.patient_bolus, self.drug)
        except dosing.UnitMismatch as exc:
            return [Finding("refuse", str(exc), "unit", exc.field, self.drug_unit)]
        if rule is None:
            return []
        out = []
        volume = dosing.volume_ml_for_dose(rule.dose, self.conc_prog)
        rate_h = checks.bolus_rate_ml_per_h(volume, rule.duration_s)
        if rate_h > self.profile.max_bolus_rate_ml_per_h * (1 + 1e-9):
            out.append(Finding("refuse", f"patient bolus of {volume:.4g} mL in {rule.duration_s / 60:g} min is {rate_h:.4g} mL/h, above the pump's bolus rate of {self.profile.max_bolus_rate_ml_per_h:g} mL/h", "max_bolus_rate_ml_per_h", rate_h, self.profile.max_bolus_rate_ml_per_h))
        f = checks.daily_max_finding(self.drug, self._daily_program_dose() + rule.dose * rule.max_per_day, f"daily program plus {rule.max_per_day} patient boluses of {rule.dose:g} {self.drug_unit}")
        if f:
            out.append(f)
        return out

    def _do_set_patient_bolus(self, params):
        self._patient_settings_model = params.patient_bolus
        self.patient.set_rule(checks.patient_rule(params.patient_bolus, self.drug))
        self.emit("patient_bolus.settings", enabled=self.patient.rule is not None)
        return {"enabled": self.patient.rule is not None}

    def _dead_volume_conc(self) -> float | None:
        """Mean concentration of the pump's drug in the dead volume (None if it holds none)."""
        amount = self.fifo.amounts().get(self.drug.short_name, 0.0)
        return amount / self.dead_volume_ml if self.dead_volume_ml > 0 and amount > 0 else None

    def _check_bridge_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        if self._dead_volume_conc() is None:
            return [Finding("refuse", "the dead volume holds none of the drug; use a priming bolus", "dead_volume", 0.0, ">0")]
        if any(b.override for b in self.boluses):
            return [Finding("refuse", "a bridge or priming bolus is already running", "override_bolus", True, False)]
        if self._basal_q(self.now) <= 0:
            return [Finding("refuse", "no basal dose is programmed: a bridge bolus keeps the basal dose right, so program a dose first", "basal_rate_ml_per_day", 0.0, ">0")]
        return []

    def _do_bridge_bolus(self, params):
        return self._start_bridge()

    def _start_bridge(self) -> dict[str, Any]:
        """Run the dead volume out at the rate that gives the current basal dose at its old concentration."""
        old_conc = self._dead_volume_conc()
        dose_per_day = self.program.basal_dose_per_day_at(self.now)
        rate_ml_per_s = dosing.ml_per_day_to_ml_per_s(dosing.rate_ml_per_day_for_dose(dose_per_day, old_conc))
        duration = self.dead_volume_ml / rate_ml_per_s
        bolus = Bolus("bridge", self.now, self.now + duration, rate_ml_per_s, self.dead_volume_ml, dosing.dose_in_volume(self.dead_volume_ml, old_conc))
        self.boluses.append(bolus)
        self.emit("bolus.start", unit=self.drug_unit, old_concentration_per_ml=old_conc, **bolus.as_event())
        return bolus.as_event()

    def _check_priming_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        if any(b.override for b in self.boluses):
            return [Finding("refuse", "a bridge or priming bolus is already running", "override_bolus", True, False)]
        volume = params.volume_ml or self.dead_volume_ml
        out = []
        drug_out = amount_of(self.fifo.peek(volume, self.reservoir.drug, self.reservoir.conc_per_ml), self.drug.short_name)
        if drug_out > 0:
            out.append(Finding("warn", f"priming moves {drug_out:.4g} {self.drug_unit} of {self.drug.drug_name} into the patient at priming speed (over-dose risk; drug mixes with CSF)", "priming", drug_out, 0.0))
        return out

    def _do_priming_bolus(self, params):
        volume = params.volume_ml or self.dead_volume_ml
        rate = self.profile.priming_rate_ml_per_h / SECONDS_PER_HOUR
        bolus = Bolus("priming", self.now, self.now + volume / rate, rate, volume, 0.0)
        self.boluses.append(bolus)
        self.emit("bolus.start", unit=self.drug_unit, **bolus.as_event())
        self._recompute_rates()
        self._start_priming_mix(volume, self.q_true, bolus.end_t_s)
        return bolus.as_event()

    # ----- refill -----
    def _refill_target(self, params) -> tuple[DrugProfile, float]:
        drug = resolve_drug(self.registry, params.drug) if params.drug else self.drug
        if dosing.has_any(params, "concentration_{u}_per_ml"):
            conc = dosing.pick(params, "concentration_{u}_per_ml", drug.unit, drug.drug_name)
        elif drug is self.drug:
            conc = self.conc_prog
        else:
            raise dosing.UnitMismatch(f"a new drug needs its concentration: concentration_{drug.unit}_per_ml", f"concentration_{drug.unit}_per_ml")
        return drug, conc

    def _check_refill(self, params) -> list[Finding]:
        out: list[Finding] = []
        try:
            drug, conc = self._refill_target(params)
        except InputError as exc:
            return [Finding("refuse", str(exc.issues[0].message), "drug", params.drug, "a drug profile id")]
        except dosing.UnitMismatch as exc:
            return [Finding("refuse", str(exc), "unit", exc.field, self.drug_unit)]
        cap = self.profile.reservoir_capacity_ml
        residual = self.reservoir.volume_ml
        aspirated = residual if params.aspirated_ml is None else params.aspirated_ml
        if aspirated > residual + 1e-6:
            out.append(Finding("refuse", f"cannot aspirate {aspirated:g} mL: only {residual:.3f} mL is in the reservoir", "aspirated_ml", aspirated, residual))
        left = max(0.0, residual - aspirated)
        into = params.fill_ml - params.pocket_fill_ml
        if left + into > cap + 1e-9:
            out.append(Finding("refuse", f"fill beyond capacity: {left:.3f} mL left + {into:g} mL filled = {left + into:.3f} mL > {cap:g} mL reservoir", "reservoir_capacity_ml", left + into, cap))
        if drug.max_concentration_per_ml is not None and conc > drug.max_concentration_per_ml * (1 + 1e-9):
            out.append(Finding("refuse", f"{conc:g} {drug.unit}/mL is above the {drug.drug_name} maximum concentration of {drug.max_concentration_per_ml:g} {drug.unit}/mL", f"max_concentration_{drug.unit}_per_ml", conc, drug.max_concentration_per_ml))
        if drug is not self.drug and left > 0.01:
            out.append(Finding("refuse", f"changing drug from {self.drug.drug_name} to {drug.drug_name} needs the reservoir emptied: {left:.3f} mL would stay", "aspirated_ml", aspirated, residual))
        if drug is not self.drug and drug.unit != self.drug.unit:
            out.append(Finding("warn", f"the drug unit changes from {self.drug.unit} to {drug.unit}: series and doses are reported in {drug.unit} from now", "unit", drug.unit, self.drug.unit))
        # the dose the new program gives at the new concentration
        if self.profile.programmable:
            mode = params.mode
            if mode is not None:
                out.extend(checks.program_findings(self.profile, drug, conc, mode, self._patient_settings(), self.clock_offset_s, self.now))
            else:
                daily = self._daily_program_dose()
                if drug is self.drug and daily > 0:
                    for dose in self.program.step_doses():
                        rate = dosing.rate_ml_per_day_for_dose(dose, conc)
                        if 0 < rate < self.profile.min_rate_ml_per_day * (1 - 1e-9) or rate > self.profile.max_rate_ml_per_day * (1 + 1e-9):
                            out.append(Finding("refuse", f"at {conc:g} {drug.unit}/mL the programmed {dose:g} {drug.unit}/day needs {rate:.4g} mL/day, outside the pump's {self.profile.min_rate_ml_per_day:g}-{self.profile.max_rate_ml_per_day:g} mL/day; re-program at the refill", "min_rate_ml_per_day" if rate < self.profile.min_rate_ml_per_day else "max_rate_ml_per_day", rate, [self.profile.min_rate_ml_per_day, self.profile.max_rate_ml_per_day]))
                elif drug is not self.drug:
                    out.append(Finding("warn", f"new drug {drug.drug_name} with no new program: the pump is stopped until programmed", "mode", None, "program"))
        else:
            daily = dosing.dose_per_day_for_rate(self.profile.fixed_rate_ml_per_day, conc)
            f = checks.daily_max_finding(drug, daily, f"fixed rate {self.profile.fixed_rate_ml_per_day:g} mL/day x {conc:g} {drug.unit}/mL")
            if f:
                out.append(f)
            if params.mode is not None:
                out.append(Finding("refuse", f"{self.profile.name} is not programmable: omit mode", "programmable", True, False))
        if params.bridge_bolus and not self.profile.programmable:
            out.append(Finding("refuse", f"{self.profile.name} cannot run a bridge bolus", "programmable", True, False))
        age_days = (self.now - self.fill_t_s) / SECONDS_PER_DAY
        if residual > EPS_ML and age_days > self.drug.stability_days:
            out.append(Finding("warn", f"refill after {age_days:.1f} days: past the {self.drug.drug_name} stability limit of {self.drug.stability_days:g} days", "stability_days", age_days, self.drug.stability_days))
        if params.pocket_fill_ml > 0:
            pass  # a fault: the clinician does not know; its consequence is logged by _do_refill
        return out

    def _do_refill(self, params):
        drug, conc = self._refill_target(params)
        name = drug.short_name
        res = self.reservoir
        expected = self.v_calc
        residual = res.volume_ml
        aspirated = min(residual, residual if params.aspirated_ml is None else params.aspirated_ml)
        left = residual - aspirated
        if res.drug:
            self.ledger.aspirated[res.drug] += dosing.dose_in_volume(aspirated, res.conc_per_ml)
        self.ledger.aspirated_ml += aspirated
        tol = max(self.profile.refill_discrepancy_tolerance_ml, self.profile.refill_discrepancy_tolerance_pct / 100.0 * expected)
        discrepancy = aspirated - expected
        record = {"expected_residual_ml": expected, "aspirated_ml": aspirated, "discrepancy_ml": discrepancy, "tolerance_ml": tol}
        if abs(discrepancy) > tol:
            meaning = "more left than expected: under-delivery (catheter occlusion, pump stall?)" if discrepancy > 0 else "less left than expected: over-delivery or a leak"
            self.emit("refill.discrepancy", severity="warning", message=f"aspirated {aspirated:.2f} mL, expected {expected:.2f} mL ({discrepancy:+.2f} mL, tolerance {tol:.2f} mL): {meaning}", **record)
        into = params.fill_ml - params.pocket_fill_ml
        self.ledger.filled[name] += dosing.dose_in_volume(params.fill_ml, conc)
        self.ledger.filled_ml += params.fill_ml
        if params.pocket_fill_ml > 0:
            amount = dosing.dose_in_volume(params.pocket_fill_ml, conc)
            self.ledger.pocket[name] += amount
            self.ledger.pocket_ml += params.pocket_fill_ml
            daily = self._daily_program_dose() if drug is self.drug else 0.0
            times = amount / daily if daily > 0 else None
            pocket = {"pocket_fill_ml": params.pocket_fill_ml, "systemic_dose": amount, "unit": drug.unit, "times_daily_dose": times, "missing_reservoir_ml": params.pocket_fill_ml}
            self.pocket_fills.append({"t_s": self.now, **pocket})
            msg = f"pocket fill: {params.pocket_fill_ml:g} mL of {drug.drug_name} ({amount:.4g} {drug.unit}) went into the subcutaneous pocket: systemic dose" + (f" = {times:.1f} x the programmed daily dose" if times else "") + f"; the reservoir holds {params.pocket_fill_ml:g} mL less than programmed"
            self.emit("pocket_fill", severity=CRITICAL, message=msg, **pocket)
        new_conc = dosing.mixed_concentration(left, res.conc_per_ml, into, conc) if (left > 0 and res.drug == name) else conc
        res.drug, res.conc_per_ml, res.volume_ml = name, new_conc, left + into
        self.true_empty = res.volume_ml <= EPS_ML
        old_drug, old_conc_prog = self.drug, self.conc_prog
        self.drug, self.conc_prog = drug, conc
        self._note_drug(drug)
        # the clinician enters the filled volume (believing the residual was all aspirated)
        self.v_calc = params.fill_ml if params.programmed_reservoir_ml is None else params.programmed_reservoir_ml
        if self.profile.programmable:
            if params.mode is not None:
                self._set_program(params.mode)
            elif drug is not old_drug:
                self._set_program(StoppedMode())
        else:
            self.program = Program.fixed(dosing.dose_per_day_for_rate(self.profile.fixed_rate_ml_per_day, conc), self.clock_offset_s)
        self.fill_t_s = self.now
        self.stability_warned = False
        # alarms clear once the reservoir is above the threshold again
        if "calculated_empty" in self.halts:
            self.halts.discard("calculated_empty")
            if not self.halts:
                self.emit("flow.resumed", reason="refill")
        self.alarms.clear("empty_reservoir", reason="refill")
        if self.v_calc > self.threshold_ml:
            self.low_latched = False
            self.alarms.clear("low_reservoir", reason="refill")
        self._recompute_rates()
        self.emit("refill.completed", drug=drug.drug_name, unit=drug.unit, concentration_per_ml=conc, fill_ml=params.fill_ml, reservoir_ml=res.volume_ml, programmed_reservoir_ml=self.v_calc, **record)
        self.refills.append({"t_s": self.now, "drug": drug.drug_name, "concentration_per_ml": conc, "fill_ml": params.fill_ml, **record})
        result: dict[str, Any] = {"reservoir_ml": res.volume_ml, **record}
        if self.fifo.differs_from(res.drug, res.conc_per_ml) and self.profile.programmable:
            error = self._concentration_change_error()
            if params.bridge_bolus:
                if self._dead_volume_conc() is not None and self._basal_q(self.now) > 0:
                    result["bridge"] = self._start_bridge()
                    error = {**error, "bridged": True}
                else:
                    self.warn("bridge bolus not possible (no basal dose or no drug in the dead volume)")
            if not error.get("bridged"):
                self.dose_errors.append({"t_s": self.now, **error})
                self.emit("dose_error.concentration_change", severity="warning", message=error["message"], **{k: v for k, v in error.items() if k != "message"})
            else:
                self.emit("dose_error.concentration_change", severity="info", message="bridge bolus: the old drug in the dead volume is delivered at a rate that keeps the dose", bridged=True, dead_volume_ml=self.dead_volume_ml)
            result["dose_error"] = error
        elif self.fifo.differs_from(res.drug, res.conc_per_ml):
            error = self._concentration_change_error()
            self.dose_errors.append({"t_s": self.now, **error})
            self.emit("dose_error.concentration_change", severity="warning", message=error["message"], **{k: v for k, v in error.items() if k != "message"})
        if old_conc_prog != conc and drug is old_drug:
            result["concentration_changed_from"] = old_conc_prog
        return result

    def _concentration_change_error(self) -> dict[str, Any]:
        """Dose error while the old content of the dead volume reaches the patient at the new rate."""
        name = self.drug.short_name
        old_amount = self.fifo.amounts().get(name, 0.0)
        intended = dosing.dose_in_volume(self.dead_volume_ml, self.conc_prog)
        error = old_amount - intended
        t_flush, _ = self._walk(self.now, self.flow_factor, stop_volume=self.dead_volume_ml)
        hours = None if t_flush is None else (t_flush - self.now) / SECONDS_PER_HOUR
        pct = error / intended * 100 if intended > 0 else None
        kind = "over-dose" if error > 0 else "under-dose"
        msg = (f"concentration change without a bridge bolus: the {self.dead_volume_ml:.3f} mL dead volume holds {old_amount:.4g} {self.drug_unit} "
               f"but the pump counts it as {intended:.4g} {self.drug_unit}: {kind} of {abs(error):.4g} {self.drug_unit}" + (f" ({pct:+.0f} %)" if pct is not None else "")
               + (f" over the next {hours:.1f} h" if hours is not None else ""))
        return {"message": msg, "dead_volume_ml": self.dead_volume_ml, "old_amount": old_amount, "intended_amount": intended, "error_amount": error, "error_pct": pct, "unit": self.drug_unit, "flush_hours": hours, "bridged": False}

    # ----- thresholds, alarms, faults, environment -----
    def _check_set_low_reservoir_threshold(self, params) -> list[Finding]:
        p = self.profile
        if not (p.low_reservoir_min_ml <= params.threshold_ml <= p.low_reservoir_max_ml):
            return [Finding("refuse", f"low-reservoir threshold {params.threshold_ml:g} mL outside {p.low_reservoir_min_ml:g}-{p.low_reservoir_max_ml:g} mL", "low_reservoir_threshold_ml", params.threshold_ml, [p.low_reservoir_min_ml, p.low_reservoir_max_ml])]
        return []

    def _do_set_low_reservoir_threshold(self, params):
        self.threshold_ml = params.threshold_ml
        if self.v_calc > self.threshold_ml + VOL_TOL_ML:
            self.low_latched = False
            self.alarms.clear("low_reservoir", reason="threshold lowered")
        return {"threshold_ml": self.threshold_ml}

    def _check_acknowledge_alarm(self, params) -> list[Finding]:
        if params.alarm != "all" and params.alarm not in self.alarms.active:
            return [Finding("refuse", f"no active alarm {params.alarm!r}; active: {', '.join(self.alarms.active) or 'none'}", "alarm", params.alarm, list(self.alarms.active))]
        return []

    def _do_acknowledge_alarm(self, params):
        return {"acknowledged": self.alarms.acknowledge(None if params.alarm == "all" else params.alarm)}

    def _check_inject_fault(self, params) -> list[Finding]:
        if self.gas:
            return [Finding("refuse", f"{self.profile.name} has no motor or memory", "archetype", "gas_driven", "programmable pumps")]
        return []

    def _do_inject_fault(self, params):
        critical = params.fault == "motor_stall" or params.critical
        self._raise(params.fault, critical=critical)
        if critical:
            self.halts.add(params.fault)
            self.emit("flow.stopped", reason=params.fault.replace("_", " "))
        return {"fault": params.fault, "critical": critical}

    def _check_clear_fault(self, params) -> list[Finding]:
        return []

    def _do_clear_fault(self, params):
        names = ["motor_stall", "memory_error"] if params.fault == "all" else [params.fault]
        cleared = []
        for name in names:
            was_halt = name in self.halts
            self.halts.discard(name)
            if self.alarms.clear(name, reason="fault cleared") or was_halt:
                cleared.append(name)
            if was_halt and not self.halts:
                self.emit("flow.resumed", reason=f"{name} cleared")
        return {"cleared": cleared}

    def _set_environment(self, env, emit: bool = True) -> None:
        if env.body_temperature_c is not None:
            self.body_temperature_c = env.body_temperature_c
        if any(v is not None for v in (env.ambient_pressure_mmhg, env.altitude_m, env.ambient_pressure_ata)):
            self.ambient_mmhg = ambient_pressure_mmhg(env.ambient_pressure_mmhg, env.altitude_m, env.ambient_pressure_ata)

    def _check_set_environment(self, params) -> list[Finding]:
        out = []
        if not self.gas:
            out.append(Finding("warn", f"{self.profile.name} keeps its programmed rate: temperature and pressure do not change its flow in this model", "archetype", self.profile.archetype, "gas_driven"))
        p_mmhg = ambient_pressure_mmhg(params.ambient_pressure_mmhg, params.altitude_m, params.ambient_pressure_ata, self.ambient_mmhg)
        if self.gas and p_mmhg / 760.0 > self.profile.gas.max_ambient_ata:
            out.append(Finding("warn", f"ambient {p_mmhg / 760:.2f} ATA is beyond the labelled hyperbaric limit of {self.profile.gas.max_ambient_ata:g} ATA", "max_ambient_ata", p_mmhg / 760, self.profile.gas.max_ambient_ata))
        return out

    def _do_set_environment(self, params):
        before = self.flow_factor
        self._set_environment(params)
        after = self.flow_factor
        if self.gas:
            nominal = self.profile.fixed_rate_ml_per_day
            self.emit("flow.changed", reason="environment", body_temperature_c=self.body_temperature_c, ambient_mmhg=self.ambient_mmhg, flow_factor=after, rate_ml_per_day=nominal * after, change_pct=(after / before - 1) * 100 if before > 0 else None)
            if after <= 0:
                self.emit("flow.stopped", reason="ambient pressure at or above the propellant pressure")
        return {"flow_factor": after, "ambient_mmhg": self.ambient_mmhg, "body_temperature_c": self.body_temperature_c}

    # ================= summary =================
    def summary(self) -> dict[str, Any]:
        self._advance(self.now)
        name = self.drug.short_name
        events = [e for e in self.sim.recorder.events if e.device == self.id]
        start = self.sim.scenario.start
        day_points = self._day_boundaries()
        doses = self.daily_doses()
        daily = [{"date": (start + timedelta(seconds=day_points[i])).date().isoformat(), "amount": d} for i, d in enumerate(doses)]
        pred_empty = self.predicted_empty_t_s()
        pred_low = self.predicted_low_reservoir_t_s()
        out: dict[str, Any] = {
            "kind": "pump",
            "profile": self.profile.id,
            "drug": self.drug.drug_name,
            "drug_unit": self.drug_unit,
            "concentration_per_ml": self.conc_prog,
            "delivered_volume_ml": self.ledger.delivered_ml,
            "delivered_drug": self.ledger.delivered.get(name, 0.0),
            "delivered_by_drug": dict(self.ledger.delivered),
            "delivered_per_drug": [{"drug": self.drug_names[n], "amount": a, "unit": self.drug_units[n]} for n, a in self.ledger.delivered.items()],
            "delivered_drug_by_unit": self._delivered_by_unit(),
            "final_reservoir_ml": self.reservoir.volume_ml,
            "expected_reservoir_ml": self.v_calc,
            "dead_volume_ml": self.dead_volume_ml,
            "current_rate_ml_per_day": self.current_rate_ml_per_day(),
            "programmed_daily_dose": self.program.daily_dose(),
            "mode": self.program.mode_name,
            "daily_doses": daily,
            "alarms": self.alarms.summary(),
            "active_alarms": self.active_alarms(),
            "refusals": sum(1 for e in events if e.kind == Kinds.REFUSAL),
            "warnings": sum(1 for e in events if e.kind == Kinds.WARNING),
            "patient_boluses": {"accepted": self.patient.accepted_total, "refused": sum(1 for e in events if e.kind == Kinds.REFUSAL and e.payload.get("action") == "patient_bolus")},
            "refills": self.refills,
            "dose_errors": self.dose_errors,
            "pocket_fills": self.pocket_fills,
            "predicted_empty_t_s": pred_empty,
            "predicted_low_reservoir_t_s": pred_low,
            "next_refill_t_s": self.next_refill_t_s(),
            "next_refill_target_ml": self.profile.next_refill_target_ml,
            "systematic_error_pct": self.systematic_error_pct,
            "flow_factor": self.flow_factor,
            "stopped": sorted(self.halts),
            "mass_balance": self.ledger.balance(name, self.reservoir, self.fifo),
            "mri": self.mri_events,
            "priming_hazards": self.priming_hazards,
            "flow_blocked": self.mri_block,
            "random_presses": self.random_presses,
        }
        if self.battery:
            out["battery_pct"] = self.battery.pct
            out["eri_t_s"] = self.battery.eri_t_s
            out["eos_t_s"] = self.battery.eos_t_s
        return out
