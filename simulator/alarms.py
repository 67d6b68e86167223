"""Device alarms: raise, repeat on an interval until acknowledged, acknowledge, clear.

Shared by every device model so that the app and the results treat alarms one way.
Events (payload always has `alarm`, `severity`, `message`):
- `alarm.raised` when a condition starts;
- `alarm.acknowledged` when the user or clinician acknowledges it (the tone stops; the
  condition may still be there);
- `alarm.cleared` when the condition ends (refill, replacement, reset);
- `alarm.repeats`: the repeats of the tone, coalesced (see below).
Severity is `critical` or `non_critical`.

Repeats. While an alarm is raised and not acknowledged its tone repeats every `repeat_s`: the
k-th repeat (k = 1, 2, ...) is at `raised_t_s + k * repeat_s`, for every such instant strictly
before the acknowledgement, the clearing or the end of the run (a scenario action at the same
instant as a repeat comes first, as actions always do). The repeats are computed in closed form,
never scheduled: an alarm left unacknowledged for a thousand years costs no more than one left
an hour. `repeat_count` and `repeat_times` (module functions, and the board's methods by alarm
name) answer how many repeats and which instants fall in a window; the app sounds each repeat
as its clock passes it. The event stream records them as one `alarm.repeats` event per stretch,
emitted when the alarm is acknowledged or cleared, when the run ends, or when the results of a
run in progress are taken (`flush_repeats`), with payload `first_t_s` (the first repeat of the
stretch), `interval_s`, `count` and `last_t_s`. Summaries count each repeat as one
`alarm.repeat` (see `simulator.results`), as when every repeat was an event of its own.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.events import Kinds

if TYPE_CHECKING:
    from simulator.device import Device

CRITICAL = "critical"
NON_CRITICAL = "non_critical"
#: kind of the coalesced repeats record, and the per-repeat kind that summaries count
REPEATS_KIND = Kinds.ALARM_REPEATS
REPEAT_KIND = Kinds.ALARM_REPEAT


def repeat_count(raised_t_s: float, repeat_s: float | None, before_t_s: float) -> int:
    """How many k >= 1 have `raised_t_s + k * repeat_s < before_t_s` (0 without a repeat interval).

    Closed form; the float comparison is the same one a per-repeat schedule would make."""
    if not repeat_s or repeat_s <= 0 or not before_t_s > raised_t_s:
        return 0
    if math.isinf(before_t_s):
        raise ValueError("an alarm repeats without end; count the repeats before a finite time")
    k = max(math.ceil((before_t_s - raised_t_s) / repeat_s) - 1, 0)
    while k > 0 and not raised_t_s + k * repeat_s < before_t_s:
        k -= 1
    while raised_t_s + (k + 1) * repeat_s < before_t_s:
        k += 1
    return k


def repeat_times(raised_t_s: float, repeat_s: float | None, t0_s: float, t1_s: float, stop_t_s: float = math.inf, limit: int = 100_000) -> list[float]:
    """The repeat instants `raised_t_s + k * repeat_s` (k >= 1) with t0_s <= t < t1_s and t < stop_t_s.

    `limit` bounds the list (ValueError when the window holds more: ask for a shorter window or
    use `repeat_count`)."""
    end = min(t1_s, stop_t_s)
    first = repeat_count(raised_t_s, repeat_s, t0_s) + 1
    last = repeat_count(raised_t_s, repeat_s, end)
    n = last - first + 1
    if n <= 0 or not repeat_s:  # no repeat interval: repeat_count gave 0, so n is 0 already
        return []
    if n > limit:
        raise ValueError(f"{n} repeat instants in the window, more than the limit of {limit}; count them with repeat_count")
    return [raised_t_s + k * repeat_s for k in range(first, last + 1)]


@dataclass
class ActiveAlarm:
    alarm: str
    severity: str
    message: str
    raised_t_s: float
    repeat_s: float | None
    acknowledged_t_s: float | None = None
    tone: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    #: repeats already written to the event stream as `alarm.repeats` records
    logged_repeats: int = 0
    #: the simulation's clock (s), set by the board
    clock: Callable[[], float] | None = field(default=None, repr=False, compare=False)

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_t_s is not None

    def repeats_before(self, t_s: float) -> int:
        """Repeats sounded before `t_s` (none after the acknowledgement)."""
        stop = t_s if self.acknowledged_t_s is None else min(t_s, self.acknowledged_t_s)
        return repeat_count(self.raised_t_s, self.repeat_s, stop)

    def repeat_time(self, k: int) -> float:
        """Time of the k-th repeat (k >= 1), s."""
        return self.raised_t_s + k * (self.repeat_s or 0.0)

    @property
    def repeats(self) -> int:
        """Repeats so far (before the clock's now; 0 without a clock)."""
        return self.repeats_before(self.clock()) if self.clock is not None else 0

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
    """The alarms of one device. History is kept for summaries; repeats are counted, not scheduled."""

    def __init__(self, device: Device):
        self.device = device
        self.active: dict[str, ActiveAlarm] = {}
        self.history: list[dict[str, Any]] = []
        #: repeats of alarms no longer active (their final counts)
        self._ended_repeats = 0

    # ----- the device's calls -----
    def raise_(self, alarm: str, severity: str, message: str, repeat_s: float | None = None, tone: str = "", **details: Any) -> bool:
        """Raise `alarm` unless it is already active; returns True when newly raised.

        `repeat_s`: the tone repeats every `repeat_s` seconds until acknowledged (None: never)."""
        if alarm in self.active:
            return False
        now = self.device.now
        state = ActiveAlarm(alarm, severity, message, now, repeat_s, tone=tone, details=details, clock=lambda: self.device.now)
        self.active[alarm] = state
        self.history.append({"t_s": now, "alarm": alarm, "severity": severity, "message": message})
        self.device.emit(Kinds.ALARM_RAISED, alarm=alarm, severity=severity, message=message, tone=tone, **details)
        return True

    def acknowledge(self, alarm: str | None = None) -> list[str]:
        """Acknowledge one alarm (or all when None); returns the names acknowledged."""
        names = [alarm] if alarm is not None else list(self.active)
        done = []
        now = self.device.now
        for name in names:
            state = self.active.get(name)
            if state is None or state.acknowledged:
                continue
            self._log_repeats(state, now)
            state.acknowledged_t_s = now
            self.device.emit(Kinds.ALARM_ACKNOWLEDGED, alarm=name, severity=state.severity, message=state.message, after_s=now - state.raised_t_s)
            done.append(name)
        return done

    def clear(self, alarm: str, reason: str = "") -> bool:
        state = self.active.get(alarm)
        if state is None:
            return False
        now = self.device.now
        self._log_repeats(state, now)
        self._ended_repeats += state.repeats_before(now)
        del self.active[alarm]
        self.device.emit(Kinds.ALARM_CLEARED, alarm=alarm, severity=state.severity, message=state.message, reason=reason)
        return True

    def is_active(self, alarm: str) -> bool:
        return alarm in self.active

    # ----- repeats -----
    def flush_repeats(self) -> int:
        """Write the repeats of every active alarm not yet in the event stream as `alarm.repeats`
        records, at the current time (the engine calls this at the end of the run and when
        results are taken); returns how many repeats were written."""
        now = self.device.now
        return sum(self._log_repeats(state, now) for state in list(self.active.values()))

    def _log_repeats(self, state: ActiveAlarm, now: float) -> int:
        total = state.repeats_before(now)
        count = total - state.logged_repeats
        if count <= 0:
            return 0
        first = state.logged_repeats + 1
        state.logged_repeats = total
        self.device.emit(
            REPEATS_KIND, alarm=state.alarm, severity=state.severity, message=state.message,
            first_t_s=state.repeat_time(first), interval_s=state.repeat_s, count=count,
            last_t_s=state.repeat_time(total), first_repeat=first,
        )
        return count

    def repeat_count(self, alarm: str, before_t_s: float | None = None) -> int:
        """Repeats of the active `alarm` before `before_t_s` (default: now); 0 when not active."""
        state = self.active.get(alarm)
        if state is None:
            return 0
        return state.repeats_before(self.device.now if before_t_s is None else before_t_s)

    def repeat_times(self, alarm: str, t0_s: float, t1_s: float, limit: int = 100_000) -> list[float]:
        """Instants in [t0_s, t1_s) at which the active `alarm` repeats its tone (none after its
        acknowledgement); [] when it is not active. See the module function for `limit`."""
        state = self.active.get(alarm)
        if state is None:
            return []
        stop = math.inf if state.acknowledged_t_s is None else state.acknowledged_t_s
        return repeat_times(state.raised_t_s, state.repeat_s, t0_s, t1_s, stop, limit)

    def total_repeats(self) -> int:
        """Every repeat of every alarm of this device so far (before now), in closed form: the
        app compares this count from one frame to the next to know how many tones to sound."""
        t = self.device.now
        return self._ended_repeats + sum(s.repeats_before(t) for s in self.active.values())

    def unlogged_repeats(self) -> int:
        """Repeats sounded so far that no `alarm.repeats` event records yet (they will be written
        at the acknowledgement, the clearing or the end of the run)."""
        t = self.device.now
        return sum(s.repeats_before(t) - s.logged_repeats for s in self.active.values())

    def active_dicts(self) -> list[dict[str, Any]]:
        """The active alarms as plain dicts, repeat counts as of now."""
        return [state.as_dict() for state in self.active.values()]

    def summary(self) -> list[dict[str, Any]]:
        return list(self.history)
