"""Flow: the reservoir and the flow out of it, in closed form (one component of PumpDevice).

State as of the last rebase `t0` (simulation s): the true reservoir content (mL, drug,
concentration), the volume the pump calculates from its program (`v_calc`, mL: what its
low-reservoir and empty alarms use, as real pumps have no level sensor), the programmed and true
flows (mL/s), the low-reservoir threshold (mL) and its latch, the flow error (systematic error %,
stroke noise %) and the environment of a gas-driven pump (body temperature deg C, ambient mmHg).

Between two wake-ups nothing changes but the time of day, so the programmed volume from t0 to t
is per_dose x basal_dose_between(t0, t) + per_s x (t - t0): constant, or the daily flex schedule
integrated in closed form (schedule.Program). It owns the threshold and environment actions and
the moments of the reservoir (true empty, the tip change, low reservoir, calculated empty).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.alarms import CRITICAL, NON_CRITICAL
from simulator.device import Finding
from simulator.event_kinds import K
from simulator.pump import dosing
from simulator.pump.flow_accuracy import ambient_pressure_mmhg, draw_systematic_error_pct, gas_flow_factor
from simulator.pump.reservoir import EPS_ML, Reservoir
from simulator.pump.settings import EnvironmentSettings, PumpSettings, ThresholdParams
from simulator.units import SECONDS_PER_DAY

if TYPE_CHECKING:
    from simulator.pump.boluses import Bolus
    from simulator.pump.schedule import Program
    from simulator.pump.device import PumpDevice
    from simulator.pump.profile import PumpProfile

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


class Flow:
    """Reservoir (true and calculated, mL), flows (mL/s), flow error and environment."""

    def __init__(self, dev: PumpDevice, settings: PumpSettings, profile: PumpProfile, rng: np.random.Generator, drug: str, conc_per_ml: float):
        self.dev = dev
        self.profile = profile
        self.gas = profile.archetype == "gas_driven"
        self.reservoir = Reservoir(settings.reservoir_ml, drug, conc_per_ml)
        self.v_calc = settings.reservoir_ml
        self.threshold_ml = settings.low_reservoir_threshold_ml if settings.low_reservoir_threshold_ml is not None else profile.low_reservoir_default_ml
        fe = settings.flow_error
        self.systematic_error_pct = draw_systematic_error_pct(rng, profile.accuracy_pct, profile.measured_abs_error_pct) if fe.random_systematic else fe.systematic_error_pct
        self.stroke_noise_cv_pct = fe.stroke_noise_cv_pct
        self.body_temperature_c = 37.0 if profile.gas is None else profile.gas.ref_temperature_c
        self.ambient_mmhg = 760.0
        self.set_environment(settings.environment)
        self.low_latched = False
        self.true_empty = settings.reservoir_ml <= EPS_ML
        self.t0 = dev.now
        self.q_prog = self.q_true = 0.0
        self._reach_memo: dict[tuple[float, float, float, float, int], float] = {}
        #: (programmed concentration, the stepped flow part per drug unit at it) of the last
        #: `flow_parts`: a pure function of the concentration, kept while it is the same
        self._per_dose_kept: tuple[float, float] | None = None
        #: (t_s, program, program.cumulative_basal_dose(t_s)) at the end of the last stepped
        #: rebase: the next rebase starts there (a pure function of t_s and the program, which is
        #: never changed in place; kept only for that program object)
        self._cum_end: tuple[float, Program, float] | None = None

    # ----- flows -----
    @property
    def systematic_error_pct(self) -> float:
        """The pump's systematic flow error, %."""
        return self._systematic_error_pct

    @systematic_error_pct.setter
    def systematic_error_pct(self, pct: float) -> None:
        self._systematic_error_pct = pct
        self._error_factor = 1.0 + pct / 100.0  # (flow_factor's, computed once with the error it comes from)

    @property
    def flow_factor(self) -> float:
        """Actual flow / programmed flow (systematic error, and the environment for gas pumps)."""
        if self.dev.mri.block:
            return 0.0  # MRI: motor stopped or stalled, telemetry lock, or valve closed (mri.py)
        factor = self._error_factor  # 1 + systematic_error_pct / 100
        if self.gas:
            assert self.profile.gas is not None
            factor *= gas_flow_factor(self.profile.gas, self.body_temperature_c, self.ambient_mmhg)
        return factor

    def programmed_q(self, t_s: float, boluses: list[Bolus]) -> float:
        """Programmed flow at t_s with `boluses` running, mL/s."""
        if self.dev.faults.halts:
            return 0.0
        if self.gas:
            return dosing.ml_per_day_to_ml_per_s(self.profile.fixed_rate)
        override = None
        extra = 0.0
        for b in boluses:
            if b.override:
                override = b
            else:
                extra += b.rate_ml_per_s
        return (override.rate_ml_per_s if override else self.dev.therapy.basal_q(t_s)) + extra

    def recompute_rates(self) -> None:
        """The programmed and true flows now (mL/s): `programmed_q` at now with the running
        boluses, and the flow factor (0 once the reservoir is empty)."""
        dev = self.dev
        # programmed_q(now, running boluses), written out (this runs two or three times a step)
        if dev.faults.halts:
            q_prog = 0.0
        elif self.gas:
            q_prog = dosing.ml_per_day_to_ml_per_s(self.profile.fixed_rate)
        else:
            override = None
            extra = 0.0
            for b in dev.boluses.running:
                if b.override:
                    override = b
                else:
                    extra += b.rate_ml_per_s
            q_prog = (override.rate_ml_per_s if override else dev.therapy.basal_q(dev.now)) + extra
        self.q_prog = q_prog
        self.q_true = q_prog * self.flow_factor if self.reservoir.volume_ml > EPS_ML else 0.0

    def move(self, volume_ml: float) -> None:
        """Move fluid from the reservoir through the dead volume into the patient."""
        if volume_ml <= 0:
            return
        res = self.reservoir
        self.reservoir.volume_ml = max(0.0, res.volume_ml - volume_ml)
        self.dev.dead_volume.pass_through(volume_ml, res.drug, res.conc_per_ml, self.dev.therapy.drug.unit)
        if self.dev.admixture is not None:
            self.dev.admixture.pass_through(volume_ml)

    def flow_parts(self) -> tuple[float, float]:
        """The programmed flow since t0 as (mL per drug unit of the basal schedule, constant mL/s).

        A stepped (flex) schedule is integrated in closed form (schedule.Program) instead of
        waking at each step; any other mode has a constant flow (per_dose = 0)."""
        dev = self.dev
        if dev.faults.halts or self.gas or not dev.therapy.program.is_stepped:
            return 0.0, self.q_prog
        override, extra = None, 0.0
        for b in dev.boluses.running:
            if b.override:
                override = b
            else:
                extra += b.rate_ml_per_s
        if override is not None:
            return 0.0, override.rate_ml_per_s + extra
        conc = dev.therapy.conc_prog
        kept = self._per_dose_kept
        if kept is None or kept[0] != conc:  # (a pure function of the concentration, kept for it)
            kept = self._per_dose_kept = (conc, dosing.rate_ml_per_day_for_dose(1.0, conc))
        return kept[1], extra

    def prog_volume_ml(self, t_a: float, t_b: float, parts: tuple[float, float] | None = None) -> float:
        """Programmed volume (mL) from t_a to t_b with the flow parts in force."""
        per_dose, per_s = parts or self.flow_parts()
        if per_dose == 0.0:
            return per_s * (t_b - t_a)
        return per_dose * self.dev.therapy.program.basal_dose_between(t_a, t_b) + per_s * (t_b - t_a)

    def time_to_prog_volume(self, volume_ml: float, per_dose: float = 1.0, per_s: float = 0.0) -> float:
        """Absolute time at which (per_dose x programmed volume + per_s x elapsed s) from now reaches
        `volume_ml` (inf: never), with the flow parts in force now."""
        f_dose, f_s = self.flow_parts()
        now = self.dev.now
        if f_dose == 0.0:
            rate = per_dose * f_s + per_s
            return now + volume_ml / rate if rate > 0 else math.inf
        # a pure function of its inputs: memoised, because the candidates are asked for several
        # times at one instant (before and after an action, then to plan the next wake-up)
        program = self.dev.therapy.program
        key = (now, volume_ml, per_dose * f_dose, per_dose * f_s + per_s, id(program))
        memo = self._reach_memo
        t = memo.get(key)
        if t is None:
            if len(memo) > 256:
                memo.clear()
            t = memo[key] = program.time_to_reach(now, volume_ml, key[2], key[3])
        return t

    def rebase(self, t_s: float, parts: tuple[float, float]) -> float:
        """Move the state from t0 to t_s (nothing but the time of day changed since t0); returns
        the programmed volume (mL) of the stretch."""
        per_dose, per_s = parts
        t0 = self.t0
        if per_dose == 0.0:  # (prog_volume_ml, written out)
            calc = per_s * (t_s - t0)
        else:
            program = self.dev.therapy.program
            if t_s <= t0 or not program.is_stepped:
                dose = program.basal_dose_between(t0, t_s)
            else:
                # basal_dose_between(t0, t_s), written out: cumulative_basal_dose(t_s) less
                # cumulative_basal_dose(t0), the latter kept from the rebase that ended at t0
                # (`_cum_end`: (t, program, cumulative_basal_dose(t)), a pure function of the two)
                kept = self._cum_end
                c0 = kept[2] if kept is not None and kept[0] == t0 and kept[1] is program else program.cumulative_basal_dose(t0)
                c1 = program.cumulative_basal_dose(t_s)
                self._cum_end = (t_s, program, c1)
                dose = c1 - c0
            calc = per_dose * dose + per_s * (t_s - t0)
        true = calc * self.flow_factor if self.reservoir.volume_ml > EPS_ML else 0.0
        self.move(min(true, self.reservoir.volume_ml))
        self.v_calc = max(0.0, self.v_calc - calc)
        self.t0 = t_s
        return calc

    def low_reservoir_basis(self) -> tuple[float, float]:
        """(volume_ml, flow_factor): the volume (mL, as of the last rebase) and the flow factor
        the low-reservoir moment is computed from: the calculated volume at the programmed flow;
        for a gas-driven pump (nothing calculated on board) the true volume at the true flow."""
        if self.gas:
            return self.reservoir.volume_ml, self.flow_factor
        return self.v_calc, 1.0

    # ----- refill and discharge (called by the refill and MRI components) -----
    def fill(self, drug: str, conc_per_ml: float, volume_ml: float, programmed_ml: float) -> None:
        """The reservoir now holds `volume_ml` of `drug` at `conc_per_ml`; the pump is told `programmed_ml`."""
        res = self.reservoir
        res.drug, res.conc_per_ml, res.volume_ml = drug, conc_per_ml, volume_ml
        self.true_empty = res.volume_ml <= EPS_ML
        self.v_calc = programmed_ml

    def clear_volume_alarms(self) -> None:
        """After a refill: the empty alarm clears, the low one once above the threshold again."""
        alarms = self.dev.alarms
        alarms.clear("empty_reservoir", reason="refill")
        if self.v_calc > self.threshold_ml:
            self.low_latched = False
            alarms.clear("low_reservoir", reason="refill")

    def discharge(self) -> None:
        """The reservoir emptied at once (MRI valves open)."""
        self.reservoir.volume_ml = 0.0
        self.true_empty = True

    # ----- due moments -----
    def due_true_empty(self, _: Any) -> None:
        dev = self.dev
        self.move(self.reservoir.volume_ml)  # the last sliver (float rounding)
        self.reservoir.volume_ml = 0.0
        self.true_empty = True
        msg = "reservoir empty: medication no longer flowing"
        if self.v_calc > VOL_TOL_ML and not self.gas:
            msg += f"; the pump calculates {self.v_calc:.3f} mL left and has not detected it"
        dev.emit(K.RESERVOIR_EMPTY, severity=CRITICAL, message=msg, calculated_reservoir_ml=self.v_calc)
        dev.emit(K.FLOW_STOPPED, reason="reservoir empty")
        if self.gas:
            dev.raise_alarm("empty_reservoir")
        dev.warn_empty_risk()

    def volume_until_tip_changes(self) -> float | None:
        """Volume (mL) to move before the fluid at the catheter tip changes: the primary drug, or a
        mixture's second drug (admixture.py), whichever changes first; None: never."""
        vol = self.dev.dead_volume.fifo.volume_until_tip_changes(self.reservoir.drug, self.reservoir.conc_per_ml)
        adm = self.dev.admixture
        if adm is not None:
            other = adm.volume_until_tip_changes()
            if other is not None and (vol is None or other < vol):
                vol = other
        return vol

    def due_tip_change(self, _: Any) -> None:
        vol = self.volume_until_tip_changes()
        if vol is not None and vol <= self.reservoir.volume_ml:
            self.move(vol)  # the last sliver left by float rounding; the dead volume reports the change

    def due_low(self, _: Any) -> None:
        self.low_latched = True
        self.dev.raise_alarm("low_reservoir", calculated_reservoir_ml=self.v_calc, threshold_ml=self.threshold_ml)

    def due_calc_empty(self, _: Any) -> None:
        dev = self.dev
        self.v_calc = 0.0
        dev.faults.stop("calculated_empty")
        self.low_latched = True
        dev.raise_alarm("empty_reservoir", true_reservoir_ml=self.reservoir.volume_ml)
        if not self.true_empty:
            dev.emit(K.FLOW_STOPPED, reason="calculated reservoir empty")
        if self.reservoir.volume_ml > 0.05:
            dev.warn(f"the pump stopped at its calculated empty point with {self.reservoir.volume_ml:.3f} mL still in the reservoir (under-delivery)")
        if not self.true_empty:
            dev.warn_empty_risk()

    # ----- the `set_low_reservoir_threshold` action -----
    def check_threshold(self, params: ThresholdParams) -> list[Finding]:
        p = self.profile
        if not (p.low_reservoir_min_ml <= params.threshold_ml <= p.low_reservoir_max_ml):
            return [Finding("refuse", f"low-reservoir threshold {params.threshold_ml:g} mL outside {p.low_reservoir_min_ml:g}-{p.low_reservoir_max_ml:g} mL", "low_reservoir_threshold_ml", params.threshold_ml, [p.low_reservoir_min_ml, p.low_reservoir_max_ml])]
        return []

    def apply_threshold(self, params: ThresholdParams) -> dict[str, Any]:
        self.threshold_ml = params.threshold_ml
        if self.v_calc > self.threshold_ml + VOL_TOL_ML:
            self.low_latched = False
            self.dev.alarms.clear("low_reservoir", reason="threshold lowered")
        return {"threshold_ml": self.threshold_ml}

    # ----- the `set_environment` action -----
    def set_environment(self, env: EnvironmentSettings) -> None:
        if env.body_temperature_c is not None:
            self.body_temperature_c = env.body_temperature_c
        if any(v is not None for v in (env.ambient_pressure_mmhg, env.altitude_m, env.ambient_pressure_ata)):
            self.ambient_mmhg = ambient_pressure_mmhg(env.ambient_pressure_mmhg, env.altitude_m, env.ambient_pressure_ata)

    def check_environment(self, params: EnvironmentSettings) -> list[Finding]:
        out = []
        p = self.profile
        if not self.gas:
            out.append(Finding("warn", f"{p.name} keeps its programmed rate: temperature and pressure do not change its flow in this model", "archetype", p.archetype, "gas_driven"))
        p_mmhg = ambient_pressure_mmhg(params.ambient_pressure_mmhg, params.altitude_m, params.ambient_pressure_ata, self.ambient_mmhg)
        if self.gas and p.gas is not None and p_mmhg / 760.0 > p.gas.max_ambient_ata:
            out.append(Finding("warn", f"ambient {p_mmhg / 760:.2f} ATA is beyond the labelled hyperbaric limit of {p.gas.max_ambient_ata:g} ATA", "max_ambient_ata", p_mmhg / 760, p.gas.max_ambient_ata))
        return out

    def apply_environment(self, params: EnvironmentSettings) -> dict[str, Any]:
        before = self.flow_factor
        self.set_environment(params)
        after = self.flow_factor
        if self.gas and self.profile.gas is not None:
            nominal = self.profile.fixed_rate
            note = self.profile.gas.coefficients_note
            change = (after / before - 1) * 100 if before > 0 else None
            msg = f"environment: flow {nominal * after:.4g} mL/day ({after:.3f} x the labelled rate)" + (f"; {note}" if note else "")
            self.dev.emit(K.FLOW_CHANGED, reason="environment", body_temperature_c=self.body_temperature_c, ambient_mmhg=self.ambient_mmhg, flow_factor=after,
                          rate_ml_per_day=nominal * after, change_pct=change, illustrative=bool(note), message=msg)
            if after <= 0:
                self.dev.emit(K.FLOW_STOPPED, reason="ambient pressure at or above the propellant pressure")
        return {"flow_factor": after, "ambient_mmhg": self.ambient_mmhg, "body_temperature_c": self.body_temperature_c}
