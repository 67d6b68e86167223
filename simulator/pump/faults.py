"""Faults: why the pump is stopped, injected faults and the battery's ERI and EOS (one component of PumpDevice).

`halts` names every reason the motor is stopped now (calculated_empty, motor_stall,
memory_error, eos); the programmed flow is zero while any is set. This component owns the
`inject_fault`, `clear_fault` and `acknowledge_alarm` actions and the ERI / EOS moments of the
battery (their times in simulation seconds, charge in %).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.device import Finding
from simulator.event_kinds import K
from simulator.pump.settings import AcknowledgeParams, ClearFaultParams, FaultParams

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice


class Faults:
    """The reasons the pump is stopped, and the fault actions."""

    def __init__(self, dev: PumpDevice):
        self.dev = dev
        self.halts: set[str] = set()  # calculated_empty, motor_stall, memory_error, eos

    def stop(self, reason: str) -> None:
        """The motor stops for `reason` (the caller reports it)."""
        self.halts.add(reason)

    def resume_after_refill(self) -> None:
        """A refill ends the calculated-empty stop (flow resumes when nothing else stops it)."""
        if "calculated_empty" in self.halts:
            self.halts.discard("calculated_empty")
            if not self.halts:
                self.dev.emit(K.FLOW_RESUMED, reason="refill")

    # ----- battery moments -----
    def due_eri(self, _: Any) -> None:
        dev = self.dev
        battery = dev.battery
        assert battery is not None
        battery.reach_eri(dev.now)
        reason = battery.eri_reason()
        dev.emit(K.BATTERY_ERI, reason=reason, battery_pct=battery.pct)
        dev.raise_alarm("eri", reason=reason)

    def due_eos(self, _: Any) -> None:
        dev = self.dev
        battery = dev.battery
        assert battery is not None
        if battery.eri_t_s is None:
            self.due_eri(None)
        battery.reach_eos(dev.now)
        self.halts.add("eos")
        dev.emit(K.BATTERY_EOS, battery_pct=battery.pct)
        dev.raise_alarm("eos")
        dev.emit(K.FLOW_STOPPED, reason="end of service")

    # ----- actions -----
    def check_acknowledge(self, params: AcknowledgeParams) -> list[Finding]:
        active = self.dev.alarms.active
        if params.alarm != "all" and params.alarm not in active:
            return [Finding("refuse", f"no active alarm {params.alarm!r}; active: {', '.join(active) or 'none'}", "alarm", params.alarm, list(active))]
        return []

    def apply_acknowledge(self, params: AcknowledgeParams) -> dict[str, Any]:
        return {"acknowledged": self.dev.alarms.acknowledge(None if params.alarm == "all" else params.alarm)}

    def check_inject(self, params: FaultParams) -> list[Finding]:
        if self.dev.flow.gas:
            return [Finding("refuse", f"{self.dev.profile.name} has no motor or memory", "archetype", "gas_driven", "programmable pumps")]
        return []

    def apply_inject(self, params: FaultParams) -> dict[str, Any]:
        critical = params.fault == "motor_stall" or params.critical
        self.dev.raise_alarm(params.fault, critical=critical)
        if critical:
            self.halts.add(params.fault)
            self.dev.emit(K.FLOW_STOPPED, reason=params.fault.replace("_", " "))
        return {"fault": params.fault, "critical": critical}

    def apply_clear(self, params: ClearFaultParams) -> dict[str, Any]:
        names = ["motor_stall", "memory_error"] if params.fault == "all" else [params.fault]
        cleared = []
        for name in names:
            was_halt = name in self.halts
            self.halts.discard(name)
            if self.dev.alarms.clear(name, reason="fault cleared") or was_halt:
                cleared.append(name)
            if was_halt and not self.halts:
                self.dev.emit(K.FLOW_RESUMED, reason=f"{name} cleared")
        return {"cleared": cleared}
