"""MRI: what a strong static magnetic field does to each pump archetype (profile `mri_behaviour`).

- stops_during_scan (SynchroMed-like): the motor stops while the patient is in the scanner and
  resumes when the scan ends; interrogate the pump after the scan to confirm it resumed [L].
- valve_closes_until_reset (Prometra II-like): the flow-activated valve closes in the field,
  passing at most `mri_valve_leak_ul` (the model delivers this worst case at the scan start),
  and stays closed until the pump is reset (`reset_valve`) [L].
- unaffected: no motor or valve in the model (gas-driven); a warning says so.

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
from simulator.pump import dosing


class MriMixin:
    """Actions `mri` and `reset_valve` of PumpDevice, and the flow block they cause."""

    def _mri_init(self) -> None:
        self.mri_block: str | None = None  # "mri_scan" or "valve_closed"
        self.mri_end_t_s = math.inf
        self.mri_missed_ml = 0.0
        self.mri_missed_drug = 0.0
        self.mri_events: list[dict[str, Any]] = []

    def _mri_account(self, programmed_ml: float) -> None:
        """Called by _advance with the programmed volume of the elapsed stretch."""
        if self.mri_block:
            self.mri_missed_ml += programmed_ml
            self.mri_missed_drug += dosing.dose_in_volume(programmed_ml, self.conc_prog)

    def _mri_candidates(self) -> list[tuple[float, str, Any]]:
        return [(self.mri_end_t_s, "mri_end", None)] if self.mri_end_t_s < math.inf else []

    def _missed(self) -> dict[str, Any]:
        return {"missed_volume_ml": self.mri_missed_ml, "missed_drug": self.mri_missed_drug, "unit": self.drug_unit}

    # ----- mri -----
    def _check_mri(self, params) -> list[Finding]:
        if self.now < self.mri_end_t_s < math.inf:
            return [Finding("refuse", "an MRI scan is already in progress", "mri", True, False)]
        if self.profile.mri_behaviour == "unaffected":
            return [Finding("warn", f"{self.profile.name}: flow is not affected by the magnetic field in this model", "mri_behaviour", "unaffected", None)]
        return []

    def _do_mri(self, params) -> dict[str, Any]:
        behaviour = self.profile.mri_behaviour
        duration_s = params.duration_min * 60.0
        self.mri_end_t_s = self.now + duration_s
        info = {"behaviour": behaviour, "duration_min": params.duration_min, "field_t": params.field_t}
        if behaviour == "unaffected":
            self.emit("mri.started", **info, message="MRI scan: flow unchanged (no motor or valve)")
            return info
        if self.mri_block is None:
            self.mri_missed_ml = self.mri_missed_drug = 0.0
        if behaviour == "stops_during_scan":
            self.mri_block = "mri_scan"
            self.emit("mri.started", **info, severity="warning", message=f"MRI scan: the motor stops in the magnetic field for {params.duration_min:g} min; interrogate the pump after the scan")
            self.emit("flow.stopped", reason="MRI: motor stopped in the magnetic field")
            return info
        # valve_closes_until_reset
        leak_ml = min((self.profile.mri_valve_leak_ul or 0.0) / 1000.0, self.reservoir.volume_ml) if self.mri_block is None else 0.0
        if leak_ml > 0:
            self._move(leak_ml)
        self.mri_block = "valve_closed"
        info["leak_ml"] = leak_ml
        msg = f"MRI: the flow-activated valve closed in the magnetic field after passing {leak_ml * 1000:.3g} uL; medication no longer flowing until the pump is reset"
        self.emit("mri.started", **info, severity=CRITICAL, message=msg)
        self.emit("flow.stopped", reason="MRI: flow-activated valve closed")
        return info

    def _due_mri_end(self, _) -> None:
        self.mri_end_t_s = math.inf
        if self.mri_block == "mri_scan":
            self.mri_block = None
            missed = self._missed()
            self.mri_events.append({"t_s": self.now, "event": "scan_ended", **missed})
            self.emit("mri.ended", **missed, message=f"MRI scan over: the motor resumed; {missed['missed_drug']:.4g} {missed['unit']} ({missed['missed_volume_ml']:.4g} mL) was not delivered during the scan")
            self.emit("flow.resumed", reason="MRI scan over")
            self.warn("interrogate the pump after the MRI scan to confirm it resumed", **missed)
        elif self.mri_block == "valve_closed":
            self.emit("mri.ended", still_closed=True, message="MRI scan over: the flow-activated valve stays closed until the pump is reset")
            self.warn("the flow-activated valve is closed after the MRI: reset the pump (reset_valve)", limit="valve_closed")
        else:
            self.emit("mri.ended", message="MRI scan over")

    # ----- reset_valve -----
    def _check_reset_valve(self, params) -> list[Finding]:
        if self.profile.mri_behaviour != "valve_closes_until_reset":
            return [Finding("refuse", f"{self.profile.name} has no flow-activated valve to reset", "mri_behaviour", self.profile.mri_behaviour, "valve_closes_until_reset")]
        if self.mri_block != "valve_closed":
            return [Finding("refuse", "the flow-activated valve is not closed", "valve_closed", False, True)]
        if self.now < self.mri_end_t_s < math.inf:
            return [Finding("refuse", "the patient is still in the scanner: reset after the scan", "mri", True, False)]
        return []

    def _do_reset_valve(self, params) -> dict[str, Any]:
        self.mri_block = None
        missed = self._missed()
        self.mri_events.append({"t_s": self.now, "event": "valve_reset", **missed})
        self.emit("mri.valve_reset", **missed, message=f"valve reset: flow resumes; {missed['missed_drug']:.4g} {missed['unit']} ({missed['missed_volume_ml']:.4g} mL) was not delivered while it was closed")
        self.emit("flow.resumed", reason="valve reset")
        return missed
