"""MRI: what a strong static magnetic field does to each pump archetype (profile `mri_behaviour`).

- stops_during_scan (SynchroMed-like): the motor stops while the patient is in the scanner [L].
  After the scan it usually resumes at once, but the labeling reports a possible delay of about
  2 to 24 h before proper infusion returns (the gears may bind), with a motor stall alarm, and
  the pump logs the stall and its recovery [L: Medtronic MRI guidelines page]. The model draws
  whether a delay happens (`mri_recovery_delay_probability`) and how long (uniform between
  `mri_recovery_delay_h_min` and `_max`) from a seeded generator of its own; a scenario may set
  the delay of one scan (`recovery_delay_h`). A pump that was alarming when the field switched it
  to telemetry does not resume until it is interrogated (`interrogate`) [L: TGA hazard alert,
  SynchroMed II caution after MRI]; the model applies this when any alarm is active at the scan
  start (`mri_telemetry_lock_when_alarming`).
- valve_closes_until_reset (newer valve-gated generation, flow-activated valve): the valve closes
  in the field, passing at most `mri_valve_leak_ul` (the model delivers this worst case at the
  scan start), and stays closed until the pump is reset (`reset_valve`) [L].
- valves_open_discharge (first valve-gated generation): the field may open the inlet and outlet
  valves, discharging at once the contents of the reservoir and the catheter into the patient
  [L: Prometra MRI safety information]. The model delivers everything in the reservoir and the
  dead volume (pump tubing + catheter) at the scan start, and the dead volume is left holding
  drug-free fluid (a worst case: the labeling names both contents).
- unaffected: no motor or valve in the model (gas-driven); a warning says so.

Conditions (checked before the scan): the static field must not exceed `mri_max_field_t`, and a
pump whose labeling says to empty the reservoir first (`mri_requires_empty_reservoir`) must hold
no drug. Outside them the action is refused (profile `mri_condition_policy: refuse`) unless the
action says `override: true`, or warned (`warn`); an overridden scan runs with its consequences.

While flow is blocked the pump's electronics keep running the program: its calculated reservoir
volume keeps falling and the battery keeps draining, but no drug leaves the reservoir (so the
next refill shows more left than expected). The programmed drug that did not reach the patient
is logged as `missed_volume_ml` / `missed_drug` (programmed concentration, drug unit).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.alarms import CRITICAL
from simulator.device import Finding
from simulator.event_kinds import K
from simulator.pump import dosing
from simulator.pump.reservoir import EPS_ML, Segment
from simulator.pump.settings import MriParams, NoParams
from simulator.units import SECONDS_PER_HOUR

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice

# mri_block states: flow is zero while any is set
SCAN = "mri_scan"              # motor stopped in the field
STALL = "mri_motor_stall"      # after the scan: gears bound, motor stall until recovery
TELEMETRY = "mri_telemetry"    # after the scan: waiting for an interrogation
VALVE_CLOSED = "valve_closed"  # flow-activated valve closed until reset



class Mri:
    """MRI state of the pump: what blocks the flow (`block`, None: nothing), the scan end and the
    motor recovery (simulation s), the telemetry lock, the programmed volume (mL) and drug (drug
    unit) missed while blocked, and the log of MRI events. Actions `mri`, `reset_valve`, `interrogate`."""

    def __init__(self, dev: PumpDevice):
        self.dev = dev
        self.block: str | None = None
        self.end_t_s = math.inf
        self.recovery_t_s = math.inf
        self.recovery_delay_s = 0.0
        self.telemetry_lock = False
        self.missed_ml = 0.0
        self.missed_drug = 0.0
        self.events: list[dict[str, Any]] = []
        self._rng: np.random.Generator | None = None  # created on the first draw (device_rng keyed "<id>/mri")

    def account(self, programmed_ml: float) -> None:
        """Called at each rebase with the programmed volume (mL) of the elapsed stretch."""
        if self.block:
            self.missed_ml += programmed_ml
            self.missed_drug += dosing.dose_in_volume(programmed_ml, self.dev.therapy.conc_prog)

    def candidates(self) -> list[tuple[float, str, Any]]:
        out: list[tuple[float, str, Any]] = []
        if self.end_t_s < math.inf:
            out.append((self.end_t_s, "mri_end", None))
        if self.recovery_t_s < math.inf:
            out.append((self.recovery_t_s, "mri_recovery", None))
        return out

    def _missed(self) -> dict[str, Any]:
        return {"missed_volume_ml": self.missed_ml, "missed_drug": self.missed_drug, "unit": self.dev.therapy.drug.unit}

    def _in_scanner(self) -> bool:
        return self.dev.now < self.end_t_s < math.inf

    # ----- mri -----
    def condition_findings(self, field_t: float, override: bool) -> list[Finding]:
        """Findings for a scan at `field_t` tesla against the profile's MRI conditions."""
        p = self.dev.profile
        reservoir = self.dev.flow.reservoir
        problems = []
        if p.mri_max_field_t is not None and field_t > p.mri_max_field_t * (1 + 1e-9):
            problems.append((f"a {field_t:g} T scanner is above the {p.mri_max_field_t:g} T in {p.name}'s MRI conditions", "mri_max_field_t", field_t, p.mri_max_field_t))
        if p.mri_requires_empty_reservoir and reservoir.volume_ml > EPS_ML:
            consequence = {
                "valves_open_discharge": "the field may open the valves and discharge the reservoir and catheter into the patient (overdose)",
                "valve_closes_until_reset": f"the flow-activated valve passes up to {p.mri_valve_leak_ul or 0:g} uL and then stops all flow until reset",
            }.get(p.mri_behaviour, "the labeling says to empty it first")
            problems.append((f"{reservoir.volume_ml:.3g} mL of drug left in the reservoir: empty it before the MRI; {consequence}", "mri_requires_empty_reservoir", reservoir.volume_ml, 0.0))
        out = []
        for message, limit, value, allowed in problems:
            if p.mri_condition_policy == "refuse" and not override:
                out.append(Finding("refuse", message + " (override to scan anyway)", limit, value, allowed))
            else:
                out.append(Finding("warn", ("overridden: " if override else "") + message, limit, value, allowed))
        return out

    def check_mri(self, params: MriParams) -> list[Finding]:
        if self._in_scanner():
            return [Finding("refuse", "an MRI scan is already in progress", "mri", True, False)]
        out = self.condition_findings(params.field_t, params.override)
        if self.dev.profile.mri_behaviour == "unaffected":
            out.append(Finding("warn", f"{self.dev.profile.name}: flow is not affected by the magnetic field in this model", "mri_behaviour", "unaffected", None))
        return out

    def _draw_recovery_delay_h(self) -> float:
        p = self.dev.profile
        if p.mri_recovery_delay_probability <= 0 or p.mri_recovery_delay_h_max <= 0:
            return 0.0
        if self._rng is None:
            from simulator.engine import device_rng  # (lazy: the engine imports the devices)
            self._rng = device_rng(self.dev.sim.seed, f"{self.dev.id}/mri")
        if self._rng.random() >= p.mri_recovery_delay_probability:
            return 0.0
        return float(self._rng.uniform(p.mri_recovery_delay_h_min, p.mri_recovery_delay_h_max))

    def apply_mri(self, params: MriParams) -> dict[str, Any]:
        dev = self.dev
        behaviour = dev.profile.mri_behaviour
        duration_s = params.duration_min * 60.0
        self.end_t_s = dev.now + duration_s
        info: dict[str, Any] = {"behaviour": behaviour, "duration_min": params.duration_min, "field_t": params.field_t, "override": params.override}
        if behaviour == "unaffected":
            dev.emit(K.MRI_STARTED, **info, message="MRI scan: flow unchanged (no motor or valve)")
            return info
        if self.block is None:
            self.missed_ml = self.missed_drug = 0.0
        if behaviour == "stops_during_scan":
            return self._start_motor_scan(params, info)
        if behaviour == "valves_open_discharge":
            return self._discharge(info)
        # valve_closes_until_reset
        leak_ml = min((dev.profile.mri_valve_leak_ul or 0.0) / 1000.0, dev.flow.reservoir.volume_ml) if self.block is None else 0.0
        if leak_ml > 0:
            dev.flow.move(leak_ml)
        self.block = VALVE_CLOSED
        info["leak_ml"] = leak_ml
        msg = f"MRI: the flow-activated valve closed in the magnetic field after passing {leak_ml * 1000:.3g} uL; medication no longer flowing until the pump is reset"
        dev.emit(K.MRI_STARTED, **info, severity=CRITICAL, message=msg)
        dev.emit(K.FLOW_STOPPED, reason="MRI: flow-activated valve closed")
        return info

    def _start_motor_scan(self, params: MriParams, info: dict[str, Any]) -> dict[str, Any]:
        dev = self.dev
        self.recovery_t_s = math.inf  # a new scan during a post-scan stall restarts the story
        delay_h = params.recovery_delay_h if params.recovery_delay_h is not None else self._draw_recovery_delay_h()
        self.recovery_delay_s = delay_h * SECONDS_PER_HOUR
        alarming = sorted(dev.alarms.active)
        if dev.profile.mri_telemetry_lock_when_alarming and alarming:
            self.telemetry_lock = True
        info.update(recovery_delay_h=delay_h, telemetry_lock=self.telemetry_lock, alarming=alarming)
        self.block = SCAN
        msg = f"MRI scan: the motor stops in the magnetic field for {params.duration_min:g} min; interrogate the pump after the scan"
        if self.telemetry_lock:
            msg += f"; the pump was alarming ({', '.join(alarming)}) when the field switched it to telemetry: it will not resume until interrogated"
        dev.emit(K.MRI_STARTED, **info, severity="warning", message=msg)
        dev.emit(K.FLOW_STOPPED, reason="MRI: motor stopped in the magnetic field")
        return info

    def _discharge(self, info: dict[str, Any]) -> dict[str, Any]:
        """First-generation valves open: reservoir and dead volume empty into the patient at once."""
        dev = self.dev
        reservoir, therapy = dev.flow.reservoir, dev.therapy
        unit = therapy.drug.unit
        segments = [Segment(s.volume_ml, s.drug, s.conc_per_ml) for s in dev.dead_volume.fifo.segments]
        drug, conc = reservoir.drug, reservoir.conc_per_ml
        if reservoir.volume_ml > EPS_ML:
            segments.append(Segment(reservoir.volume_ml, drug, conc))
        else:
            segments = []  # nothing pushes the catheter content out without reservoir pressure
        volume = sum(s.volume_ml for s in segments)
        amounts: dict[str, float] = {}
        for s in segments:
            if s.drug:
                amounts[s.drug] = amounts.get(s.drug, 0.0) + s.amount
        info.update(discharge_volume_ml=volume, discharge_drug=amounts.get(therapy.drug.short_name, 0.0), unit=unit)
        if volume <= EPS_ML:
            dev.emit(K.MRI_STARTED, **info, message="MRI scan with an empty reservoir: nothing to discharge")
            return info
        if dev.admixture is not None:
            dev.admixture.discharge(reservoir.volume_ml)
        dev.flow.discharge()
        dev.dead_volume.discharge(segments)
        daily = therapy.program.daily_dose()
        times = f" = {info['discharge_drug'] / daily:.1f} x the programmed daily dose" if daily > 0 else ""
        msg = (f"MRI: the magnetic field opened the inlet and outlet valves: {volume:.4g} mL (reservoir and catheter) discharged into the patient at once, "
               f"{info['discharge_drug']:.4g} {unit} of {therapy.drug.drug_name}{times}: overdose")
        self.events.append({"t_s": dev.now, "event": "discharge", "volume_ml": volume, "drug": info["discharge_drug"], "unit": unit})
        dev.emit(K.MRI_DISCHARGE, severity=CRITICAL, volume_ml=volume, amounts=amounts, unit=unit, message=msg)
        dev.emit(K.MRI_STARTED, **info, severity=CRITICAL, message=msg)
        v_calc = dev.flow.v_calc
        dev.emit(K.RESERVOIR_EMPTY, severity=CRITICAL, calculated_reservoir_ml=v_calc,
                 message=f"reservoir empty after the MRI discharge; the pump still calculates {v_calc:.3f} mL and has not detected it")
        dev.emit(K.FLOW_STOPPED, reason="reservoir emptied by the MRI discharge")
        dev.warn_empty_risk()
        return info

    def _resume_after_mri(self, reason: str) -> None:
        dev = self.dev
        self.block = None
        missed = self._missed()
        self.events.append({"t_s": dev.now, "event": "resumed", **missed})
        dev.emit(K.MRI_RESUMED, **missed, reason=reason, message=f"flow resumed after the MRI ({reason}); {missed['missed_drug']:.4g} {missed['unit']} ({missed['missed_volume_ml']:.4g} mL) was not delivered")
        dev.emit(K.FLOW_RESUMED, reason=reason)

    def due_end(self, _: Any) -> None:
        dev = self.dev
        self.end_t_s = math.inf
        if self.block == SCAN:
            missed = self._missed()
            self.events.append({"t_s": dev.now, "event": "scan_ended", **missed})
            if self.recovery_delay_s > 0:
                self.block = STALL
                self.recovery_t_s = dev.now + self.recovery_delay_s
                dev.raise_alarm("motor_stall", cause="MRI")
                dev.emit(K.MRI_ENDED, **missed, recovery_delay_h=self.recovery_delay_s / SECONDS_PER_HOUR,
                         message=f"MRI scan over: the motor gears are bound (motor stall); infusion returns in {self.recovery_delay_s / SECONDS_PER_HOUR:.3g} h")
                dev.warn("motor stall after the MRI: drug is not flowing; consider another route for the drug until the pump recovers", limit="mri_recovery_delay_h", value=self.recovery_delay_s / SECONDS_PER_HOUR)
            elif self.telemetry_lock:
                self.block = TELEMETRY
                dev.emit(K.MRI_ENDED, **missed, message="MRI scan over: the pump stays in telemetry and does not resume until it is interrogated")
                dev.warn("the pump did not resume after the MRI: interrogate it to end telemetry and resume", limit="mri_telemetry")
            else:
                self.block = None
                dev.emit(K.MRI_ENDED, **missed, message=f"MRI scan over: the motor resumed; {missed['missed_drug']:.4g} {missed['unit']} ({missed['missed_volume_ml']:.4g} mL) was not delivered during the scan")
                dev.emit(K.FLOW_RESUMED, reason="MRI scan over")
                dev.warn("interrogate the pump after the MRI scan to confirm it resumed", **missed)
        elif self.block == VALVE_CLOSED:
            dev.emit(K.MRI_ENDED, still_closed=True, message="MRI scan over: the flow-activated valve stays closed until the pump is reset")
            dev.warn("the flow-activated valve is closed after the MRI: reset the pump (reset_valve)", limit="valve_closed")
        else:
            dev.emit(K.MRI_ENDED, message="MRI scan over")

    def due_recovery(self, _: Any) -> None:
        dev = self.dev
        self.recovery_t_s = math.inf
        if self.block != STALL:
            return
        dev.alarms.clear("motor_stall", reason="motor stall recovery after the MRI")
        dev.emit(K.MRI_MOTOR_RECOVERED, message="motor stall recovery: the motor turns again after the MRI")
        if self.telemetry_lock:
            self.block = TELEMETRY
            dev.warn("the motor recovered, but the pump stays in telemetry until it is interrogated", limit="mri_telemetry")
        else:
            self._resume_after_mri("motor stall recovery after the MRI")

    # ----- interrogate -----
    def check_interrogate(self, params: NoParams) -> list[Finding]:
        p = self.dev.profile
        if not p.programmable:
            return [Finding("refuse", f"{p.name} has no telemetry to interrogate", "programmable", False, True)]
        if self._in_scanner():
            return [Finding("refuse", "the patient is still in the scanner: interrogate after the scan", "mri", True, False)]
        return []

    def apply_interrogate(self, params: NoParams) -> dict[str, Any]:
        dev = self.dev
        was_locked = self.telemetry_lock
        self.telemetry_lock = False
        if self.block == TELEMETRY:
            self._resume_after_mri("interrogated: telemetry ended")
        out = {"telemetry_ended": was_locked, "flow_blocked": self.block, "active_alarms": sorted(dev.alarms.active),
               "calculated_reservoir_ml": dev.flow.v_calc}
        dev.emit(K.PUMP_INTERROGATED, **out, message="pump interrogated" + ("; telemetry ended" if was_locked else ""))
        return out

    # ----- reset_valve -----
    def check_reset_valve(self, params: NoParams) -> list[Finding]:
        p = self.dev.profile
        if p.mri_behaviour != "valve_closes_until_reset":
            return [Finding("refuse", f"{p.name} has no flow-activated valve to reset", "mri_behaviour", p.mri_behaviour, "valve_closes_until_reset")]
        if self.block != VALVE_CLOSED:
            return [Finding("refuse", "the flow-activated valve is not closed", "valve_closed", False, True)]
        if self._in_scanner():
            return [Finding("refuse", "the patient is still in the scanner: reset after the scan", "mri", True, False)]
        return []

    def apply_reset_valve(self, params: NoParams) -> dict[str, Any]:
        dev = self.dev
        self.block = None
        missed = self._missed()
        self.events.append({"t_s": dev.now, "event": "valve_reset", **missed})
        dev.emit(K.MRI_VALVE_RESET, **missed, message=f"valve reset: flow resumes; {missed['missed_drug']:.4g} {missed['unit']} ({missed['missed_volume_ml']:.4g} mL) was not delivered while it was closed")
        dev.emit(K.FLOW_RESUMED, reason="valve reset")
        return missed
