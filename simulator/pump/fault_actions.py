"""Threshold, alarm, fault and environment actions of PumpDevice.
"""
from __future__ import annotations

from simulator.device import Finding
from simulator.pump.flow_accuracy import ambient_pressure_mmhg
from simulator.pump.flow import VOL_TOL_ML
from simulator.event_kinds import K



class FaultActions:
    """set_low_reservoir_threshold, acknowledge_alarm, inject_fault, clear_fault, set_environment."""

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
            self.emit(K.FLOW_STOPPED, reason=params.fault.replace("_", " "))
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
                self.emit(K.FLOW_RESUMED, reason=f"{name} cleared")
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
            note = self.profile.gas.coefficients_note
            change = (after / before - 1) * 100 if before > 0 else None
            msg = f"environment: flow {nominal * after:.4g} mL/day ({after:.3f} x the labelled rate)" + (f"; {note}" if note else "")
            self.emit(K.FLOW_CHANGED, reason="environment", body_temperature_c=self.body_temperature_c, ambient_mmhg=self.ambient_mmhg, flow_factor=after, rate_ml_per_day=nominal * after, change_pct=change,
                      illustrative=bool(note), message=msg)
            if after <= 0:
                self.emit(K.FLOW_STOPPED, reason="ambient pressure at or above the propellant pressure")
        return {"flow_factor": after, "ambient_mmhg": self.ambient_mmhg, "body_temperature_c": self.body_temperature_c}
