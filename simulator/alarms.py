"""Device alarms: raise, repeat on an interval until acknowledged, acknowledge, clear.

Shared by every device model so that the app and the results treat alarms one way.
Events (payload always has `alarm`, `severity`, `message`):
- `alarm.raised` when a condition starts;
- `alarm.repeat` each `repeat_s` while raised and not acknowledged (the device's tone repeats);
- `alarm.acknowledged` when the user or clinician acknowledges it (the tone stops; the
  condition may still be there);
- `alarm.cleared` when the condition ends (refill, replacement, reset).
Severity is `critical` or `non_critical`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.events import Kinds

if TYPE_CHECKING:
    from simulator.device import Device, Wakeup

CRITICAL = "critical"
NON_CRITICAL = "non_critical"


@dataclass
class ActiveAlarm:
    alarm: str
    severity: str
    message: str
    raised_t_s: float
    repeat_s: float | None
    acknowledged_t_s: float | None = None
    repeats: int = 0
    tone: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    _wakeup: "Wakeup | None" = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_t_s is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "alarm": self.alarm,
            "severity": self.severity,
            "message": self.message,
            "raised_t_s": self.raised_t_s,
            "acknowledged_t_s": self.acknowledged_t_s,
            "repeats": self.repeats,
            "tone": self.tone,
        }


class AlarmBoard:
    """The alarms of one device. History is kept for summaries."""

    def __init__(self, device: "Device"):
        self.device = device
        self.active: dict[str, ActiveAlarm] = {}
        self.history: list[dict[str, Any]] = []

    def raise_(self, alarm: str, severity: str, message: str, repeat_s: float | None = None, tone: str = "", **details: Any) -> bool:
        """Raise `alarm` unless it is already active; returns True when newly raised."""
        if alarm in self.active:
            return False
        now = self.device.now
        state = ActiveAlarm(alarm, severity, message, now, repeat_s, tone=tone, details=details)
        self.active[alarm] = state
        self.history.append({"t_s": now, "alarm": alarm, "severity": severity, "message": message})
        self.device.emit(Kinds.ALARM_RAISED, alarm=alarm, severity=severity, message=message, tone=tone, **details)
        self._schedule_repeat(state)
        return True

    def _schedule_repeat(self, state: ActiveAlarm) -> None:
        if state.repeat_s and state.repeat_s > 0 and not state.acknowledged:
            state._wakeup = self.device.wake_at(self.device.now + state.repeat_s, lambda s=state: self._repeat(s))

    def _repeat(self, state: ActiveAlarm) -> None:
        if self.active.get(state.alarm) is not state or state.acknowledged:
            return
        state.repeats += 1
        self.device.emit(Kinds.ALARM_REPEAT, alarm=state.alarm, severity=state.severity, message=state.message, repeat=state.repeats)
        self._schedule_repeat(state)

    def acknowledge(self, alarm: str | None = None) -> list[str]:
        """Acknowledge one alarm (or all when None); returns the names acknowledged."""
        names = [alarm] if alarm is not None else list(self.active)
        done = []
        for name in names:
            state = self.active.get(name)
            if state is None or state.acknowledged:
                continue
            state.acknowledged_t_s = self.device.now
            if state._wakeup:
                state._wakeup.cancel()
            self.device.emit(Kinds.ALARM_ACKNOWLEDGED, alarm=name, severity=state.severity, message=state.message, after_s=self.device.now - state.raised_t_s)
            done.append(name)
        return done

    def clear(self, alarm: str, reason: str = "") -> bool:
        state = self.active.pop(alarm, None)
        if state is None:
            return False
        if state._wakeup:
            state._wakeup.cancel()
        self.device.emit(Kinds.ALARM_CLEARED, alarm=alarm, severity=state.severity, message=state.message, reason=reason)
        return True

    def is_active(self, alarm: str) -> bool:
        return alarm in self.active

    def summary(self) -> list[dict[str, Any]]:
        return list(self.history)
