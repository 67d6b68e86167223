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
from typing import Any

from simulator.alarms import CRITICAL
from simulator.device import Finding
from simulator.event_kinds import K
from simulator.pump import dosing
from simulator.pump.reservoir import EPS_ML, DeadVolumeFifo, Segment
from simulator.units import SECONDS_PER_HOUR

# mri_block states: flow is zero while any is set
SCAN = "mri_scan"              # motor stopped in the field
STALL = "mri_motor_stall"      # after the scan: gears bound, motor stall until recovery
TELEMETRY = "mri_telemetry"    # after the scan: waiting for an interrogation
VALVE_CLOSED = "valve_closed"  # flow-activated valve closed until reset


class MriMixin:
    """Actions `mri`, `reset_valve` and `interrogate` of PumpDevice, and the flow block they cause."""

    def _mri_init(self) -> None:
        self.mri_block: str | None = None
        self.mri_end_t_s = math.inf
        self.mri_recovery_t_s = math.inf
        self.mri_recovery_delay_s = 0.0
        self.mri_telemetry_lock = False
        self.mri_missed_ml = 0.0
        self.mri_missed_drug = 0.0
        self.mri_events: list[dict[str, Any]] = []
        self._mri_rng = None  # created on the first draw (device_rng keyed "<id>/mri")

    def _mri_account(self, programmed_ml: float) -> None:
        """Called by _advance with the programmed volume of the elapsed stretch."""
        if self.mri_block:
            self.mri_missed_ml += programmed_ml
            self.mri_missed_drug += dosing.dose_in_volume(programmed_ml, self.conc_prog)

    def _mri_candidates(self) -> list[tuple[float, str, Any]]:
        out = []
        if self.mri_end_t_s < math.inf:
            out.append((self.mri_end_t_s, "mri_end", None))
        if self.mri_recovery_t_s < math.inf:
            out.append((self.mri_recovery_t_s, "mri_recovery", None))
        return out

    def _missed(self) -> dict[str, Any]:
        return {"missed_volume_ml": self.mri_missed_ml, "missed_drug": self.mri_missed_drug, "unit": self.drug_unit}

    def _in_scanner(self) -> bool:
        return self.now < self.mri_end_t_s < math.inf

    # ----- mri -----
    def mri_condition_findings(self, field_t: float, override: bool) -> list[Finding]:
        """Findings for a scan at `field_t` tesla against the profile's MRI conditions."""
        p = self.profile
        problems = []
        if p.mri_max_field_t is not None and field_t > p.mri_max_field_t * (1 + 1e-9):
            problems.append((f"a {field_t:g} T scanner is above the {p.mri_max_field_t:g} T in {p.name}'s MRI conditions", "mri_max_field_t", field_t, p.mri_max_field_t))
        if p.mri_requires_empty_reservoir and self.reservoir.volume_ml > EPS_ML:
            consequence = {
                "valves_open_discharge": "the field may open the valves and discharge the reservoir and catheter into the patient (overdose)",
                "valve_closes_until_reset": f"the flow-activated valve passes up to {p.mri_valve_leak_ul or 0:g} uL and then stops all flow until reset",
            }.get(p.mri_behaviour, "the labeling says to empty it first")
            problems.append((f"{self.reservoir.volume_ml:.3g} mL of drug left in the reservoir: empty it before the MRI; {consequence}", "mri_requires_empty_reservoir", self.reservoir.volume_ml, 0.0))
        out = []
        for message, limit, value, allowed in problems:
            if p.mri_condition_policy == "refuse" and not override:
                out.append(Finding("refuse", message + " (override to scan anyway)", limit, value, allowed))
            else:
                out.append(Finding("warn", ("overridden: " if override else "") + message, limit, value, allowed))
        return out

    def _check_mri(self, params) -> list[Finding]:
        if self._in_scanner():
            return [Finding("refuse", "an MRI scan is already in progress", "mri", True, False)]
        out = self.mri_condition_findings(params.field_t, params.override)
        if self.profile.mri_behaviour == "unaffected":
            out.append(Finding("warn", f"{self.profile.name}: flow is not affected by the magnetic field in this model", "mri_behaviour", "unaffected", None))
        return out

    def _draw_recovery_delay_h(self) -> float:
        p = self.profile
        if p.mri_recovery_delay_probability <= 0 or p.mri_recovery_delay_h_max <= 0:
            return 0.0
        if self._mri_rng is None:
            from simulator.engine import device_rng  # (lazy: the engine imports the devices)
            self._mri_rng = device_rng(self.sim.seed, f"{self.id}/mri")
        if self._mri_rng.random() >= p.mri_recovery_delay_probability:
            return 0.0
        return float(self._mri_rng.uniform(p.mri_recovery_delay_h_min, p.mri_recovery_delay_h_max))

    def _do_mri(self, params) -> dict[str, Any]:
        behaviour = self.profile.mri_behaviour
        duration_s = params.duration_min * 60.0
        self.mri_end_t_s = self.now + duration_s
        info: dict[str, Any] = {"behaviour": behaviour, "duration_min": params.duration_min, "field_t": params.field_t, "override": params.override}
        if behaviour == "unaffected":
            self.emit(K.MRI_STARTED, **info, message="MRI scan: flow unchanged (no motor or valve)")
            return info
        if self.mri_block is None:
            self.mri_missed_ml = self.mri_missed_drug = 0.0
        if behaviour == "stops_during_scan":
            return self._start_motor_scan(params, info)
        if behaviour == "valves_open_discharge":
            return self._discharge(info)
        # valve_closes_until_reset
        leak_ml = min((self.profile.mri_valve_leak_ul or 0.0) / 1000.0, self.reservoir.volume_ml) if self.mri_block is None else 0.0
        if leak_ml > 0:
            self._move(leak_ml)
        self.mri_block = VALVE_CLOSED
        info["leak_ml"] = leak_ml
        msg = f"MRI: the flow-activated valve closed in the magnetic field after passing {leak_ml * 1000:.3g} uL; medication no longer flowing until the pump is reset"
        self.emit(K.MRI_STARTED, **info, severity=CRITICAL, message=msg)
        self.emit(K.FLOW_STOPPED, reason="MRI: flow-activated valve closed")
        return info

    def _start_motor_scan(self, params, info: dict[str, Any]) -> dict[str, Any]:
        self.mri_recovery_t_s = math.inf  # a new scan during a post-scan stall restarts the story
        delay_h = params.recovery_delay_h if params.recovery_delay_h is not None else self._draw_recovery_delay_h()
        self.mri_recovery_delay_s = delay_h * SECONDS_PER_HOUR
        alarming = sorted(self.alarms.active)
        if self.profile.mri_telemetry_lock_when_alarming and alarming:
            self.mri_telemetry_lock = True
        info.update(recovery_delay_h=delay_h, telemetry_lock=self.mri_telemetry_lock, alarming=alarming)
        self.mri_block = SCAN
        msg = f"MRI scan: the motor stops in the magnetic field for {params.duration_min:g} min; interrogate the pump after the scan"
        if self.mri_telemetry_lock:
            msg += f"; the pump was alarming ({', '.join(alarming)}) when the field switched it to telemetry: it will not resume until interrogated"
        self.emit(K.MRI_STARTED, **info, severity="warning", message=msg)
        self.emit(K.FLOW_STOPPED, reason="MRI: motor stopped in the magnetic field")
        return info

    def _discharge(self, info: dict[str, Any]) -> dict[str, Any]:
        """First-generation valves open: reservoir and dead volume empty into the patient at once."""
        segments = [Segment(s.volume_ml, s.drug, s.conc_per_ml) for s in self.fifo.segments]
        drug, conc = self.reservoir.drug, self.reservoir.conc_per_ml
        if self.reservoir.volume_ml > EPS_ML:
            segments.append(Segment(self.reservoir.volume_ml, drug, conc))
        else:
            segments = []  # nothing pushes the catheter content out without reservoir pressure
        volume = sum(s.volume_ml for s in segments)
        amounts: dict[str, float] = {}
        for s in segments:
            if s.drug:
                amounts[s.drug] = amounts.get(s.drug, 0.0) + s.amount
        info.update(discharge_volume_ml=volume, discharge_drug=amounts.get(self.drug.short_name, 0.0), unit=self.drug_unit)
        if volume <= EPS_ML:
            self.emit(K.MRI_STARTED, **info, message="MRI scan with an empty reservoir: nothing to discharge")
            return info
        self.reservoir.volume_ml = 0.0
        self.fifo = DeadVolumeFifo(self.dead_volume_ml, None, 0.0)
        self.ledger.add_delivered(segments)
        daily = self.program.daily_dose()
        times = f" = {info['discharge_drug'] / daily:.1f} x the programmed daily dose" if daily > 0 else ""
        msg = (f"MRI: the magnetic field opened the inlet and outlet valves: {volume:.4g} mL (reservoir and catheter) discharged into the patient at once, "
               f"{info['discharge_drug']:.4g} {self.drug_unit} of {self.drug.drug_name}{times}: overdose")
        self.mri_events.append({"t_s": self.now, "event": "discharge", "volume_ml": volume, "drug": info["discharge_drug"], "unit": self.drug_unit})
        self.emit(K.MRI_DISCHARGE, severity=CRITICAL, volume_ml=volume, amounts=amounts, unit=self.drug_unit, message=msg)
        self.emit(K.MRI_STARTED, **info, severity=CRITICAL, message=msg)
        self.true_empty = True
        self.emit(K.RESERVOIR_EMPTY, severity=CRITICAL, calculated_reservoir_ml=self.v_calc,
                  message=f"reservoir empty after the MRI discharge; the pump still calculates {self.v_calc:.3f} mL and has not detected it")
        self.emit(K.FLOW_STOPPED, reason="reservoir emptied by the MRI discharge")
        self._warn_empty_risk()
        return info

    def _resume_after_mri(self, reason: str) -> None:
        self.mri_block = None
        missed = self._missed()
        self.mri_events.append({"t_s": self.now, "event": "resumed", **missed})
        self.emit(K.MRI_RESUMED, **missed, reason=reason, message=f"flow resumed after the MRI ({reason}); {missed['missed_drug']:.4g} {missed['unit']} ({missed['missed_volume_ml']:.4g} mL) was not delivered")
        self.emit(K.FLOW_RESUMED, reason=reason)

    def _due_mri_end(self, _) -> None:
        self.mri_end_t_s = math.inf
        if self.mri_block == SCAN:
            missed = self._missed()
            self.mri_events.append({"t_s": self.now, "event": "scan_ended", **missed})
            if self.mri_recovery_delay_s > 0:
                self.mri_block = STALL
                self.mri_recovery_t_s = self.now + self.mri_recovery_delay_s
                self._raise("motor_stall", cause="MRI")
                self.emit(K.MRI_ENDED, **missed, recovery_delay_h=self.mri_recovery_delay_s / SECONDS_PER_HOUR,
                          message=f"MRI scan over: the motor gears are bound (motor stall); infusion returns in {self.mri_recovery_delay_s / SECONDS_PER_HOUR:.3g} h")
                self.warn("motor stall after the MRI: drug is not flowing; consider another route for the drug until the pump recovers", limit="mri_recovery_delay_h", value=self.mri_recovery_delay_s / SECONDS_PER_HOUR)
            elif self.mri_telemetry_lock:
                self.mri_block = TELEMETRY
                self.emit(K.MRI_ENDED, **missed, message="MRI scan over: the pump stays in telemetry and does not resume until it is interrogated")
                self.warn("the pump did not resume after the MRI: interrogate it to end telemetry and resume", limit="mri_telemetry")
            else:
                self.mri_block = None
                self.emit(K.MRI_ENDED, **missed, message=f"MRI scan over: the motor resumed; {missed['missed_drug']:.4g} {missed['unit']} ({missed['missed_volume_ml']:.4g} mL) was not delivered during the scan")
                self.emit(K.FLOW_RESUMED, reason="MRI scan over")
                self.warn("interrogate the pump after the MRI scan to confirm it resumed", **missed)
        elif self.mri_block == VALVE_CLOSED:
            self.emit(K.MRI_ENDED, still_closed=True, message="MRI scan over: the flow-activated valve stays closed until the pump is reset")
            self.warn("the flow-activated valve is closed after the MRI: reset the pump (reset_valve)", limit="valve_closed")
        else:
            self.emit(K.MRI_ENDED, message="MRI scan over")

    def _due_mri_recovery(self, _) -> None:
        self.mri_recovery_t_s = math.inf
        if self.mri_block != STALL:
            return
        self.alarms.clear("motor_stall", reason="motor stall recovery after the MRI")
        self.emit(K.MRI_MOTOR_RECOVERED, message="motor stall recovery: the motor turns again after the MRI")
        if self.mri_telemetry_lock:
            self.mri_block = TELEMETRY
            self.warn("the motor recovered, but the pump stays in telemetry until it is interrogated", limit="mri_telemetry")
        else:
            self._resume_after_mri("motor stall recovery after the MRI")

    # ----- interrogate -----
    def _check_interrogate(self, params) -> list[Finding]:
        if not self.profile.programmable:
            return [Finding("refuse", f"{self.profile.name} has no telemetry to interrogate", "programmable", False, True)]
        if self._in_scanner():
            return [Finding("refuse", "the patient is still in the scanner: interrogate after the scan", "mri", True, False)]
        return []

    def _do_interrogate(self, params) -> dict[str, Any]:
        was_locked = self.mri_telemetry_lock
        self.mri_telemetry_lock = False
        if self.mri_block == TELEMETRY:
            self._resume_after_mri("interrogated: telemetry ended")
        out = {"telemetry_ended": was_locked, "flow_blocked": self.mri_block, "active_alarms": sorted(self.alarms.active),
               "calculated_reservoir_ml": self.v_calc}
        self.emit(K.PUMP_INTERROGATED, **out, message="pump interrogated" + ("; telemetry ended" if was_locked else ""))
        return out

    # ----- reset_valve -----
    def _check_reset_valve(self, params) -> list[Finding]:
        if self.profile.mri_behaviour != "valve_closes_until_reset":
            return [Finding("refuse", f"{self.profile.name} has no flow-activated valve to reset", "mri_behaviour", self.profile.mri_behaviour, "valve_closes_until_reset")]
        if self.mri_block != VALVE_CLOSED:
            return [Finding("refuse", "the flow-activated valve is not closed", "valve_closed", False, True)]
        if self._in_scanner():
            return [Finding("refuse", "the patient is still in the scanner: reset after the scan", "mri", True, False)]
        return []

    def _do_reset_valve(self, params) -> dict[str, Any]:
        self.mri_block = None
        missed = self._missed()
        self.mri_events.append({"t_s": self.now, "event": "valve_reset", **missed})
        self.emit(K.MRI_VALVE_RESET, **missed, message=f"valve reset: flow resumes; {missed['missed_drug']:.4g} {missed['unit']} ({missed['missed_volume_ml']:.4g} mL) was not delivered while it was closed")
        self.emit(K.FLOW_RESUMED, reason="valve reset")
        return missed
