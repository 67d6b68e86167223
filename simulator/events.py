"""The event stream: typed records that every view of a run subscribes to.

A record is (sequence number, time in s, device id, kind, payload). Kinds are dotted names;
the shared ones are listed in `Kinds`. Devices add their own (for example `bolus.start`).
A subscriber that raises is logged, detached and reported once as `sim.subscriber_detached`;
it never stops the run.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

log = logging.getLogger(__name__)

SIM_DEVICE = "sim"


class Kinds:
    """Event kinds shared by all devices. Severity for alarms is in the payload."""

    SIM_START = "sim.start"
    SIM_END = "sim.end"
    SUBSCRIBER_DETACHED = "sim.subscriber_detached"
    ACTION = "action"  # a programming or patient action was applied
    REFUSAL = "refusal"  # an action was refused; payload names the limit
    WARNING = "warning"  # an action was applied with a warning
    OVERRIDE = "override"  # an action was applied past a warned limit the user confirmed; payload names the limit
    ALARM_RAISED = "alarm.raised"
    ALARM_REPEAT = "alarm.repeat"  # one repeat of an alarm's tone: counted in summaries, not emitted
    ALARM_REPEATS = "alarm.repeats"  # repeats coalesced: first_t_s, interval_s, count (simulator.alarms)
    ALARM_ACKNOWLEDGED = "alarm.acknowledged"
    ALARM_CLEARED = "alarm.cleared"


@dataclass(frozen=True, slots=True)
class EventRecord:
    seq: int
    t_s: float
    device: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "t_s": self.t_s, "device": self.device, "kind": self.kind, "payload": self.payload}


Subscriber = Callable[[EventRecord], None]


@dataclass
class _Subscription:
    callback: Subscriber
    kinds: frozenset[str] | None
    devices: frozenset[str] | None
    prefixes: tuple[str, ...]

    def wants(self, record: EventRecord) -> bool:
        if self.devices is not None and record.device not in self.devices:
            return False
        if self.kinds is None and not self.prefixes:
            return True
        if self.kinds is not None and record.kind in self.kinds:
            return True
        return any(record.kind.startswith(p) for p in self.prefixes)


#: The most events one run may record. Every input is bounded (durations, intervals, rates), but
#: their product is not: 1,000 years of hourly periodic boluses would be 8.8 million events and
#: gigabytes of memory. A run that reaches this many stops with an input error (exit 2).
MAX_EVENTS_PER_RUN = 2_000_000


class EventBudgetExceeded(Exception):
    """The run reached MAX_EVENTS_PER_RUN events; raised from `EventStream.emit`."""

    def __init__(self, t_s: float, limit: int):
        super().__init__(f"the run reached {limit:,} events at day {t_s / 86400:.1f}")
        self.t_s = t_s
        self.limit = limit


class EventStream:
    """Fan-out of event records to subscribers, in emission order."""

    def __init__(self) -> None:
        self._subs: list[_Subscription] = []
        self._seq = 0

    def subscribe(
        self,
        callback: Subscriber,
        kinds: Iterable[str] | None = None,
        devices: Iterable[str] | None = None,
    ) -> Callable[[], None]:
        """Call `callback(record)` for each matching record; returns an unsubscribe function.

        A kind ending in `*` matches by prefix (`alarm.*`).
        """
        exact = prefixes = None
        if kinds is not None:
            kinds = list(kinds)
            exact = frozenset(k for k in kinds if not k.endswith("*"))
            prefixes = tuple(k[:-1] for k in kinds if k.endswith("*"))
        sub = _Subscription(callback, exact, frozenset(devices) if devices is not None else None, prefixes or ())
        self._subs.append(sub)

        def unsubscribe() -> None:
            if sub in self._subs:
                self._subs.remove(sub)

        return unsubscribe

    def emit(self, t_s: float, device: str, kind: str, payload: dict[str, Any] | None = None) -> EventRecord:
        if self._seq >= MAX_EVENTS_PER_RUN:
            raise EventBudgetExceeded(t_s, MAX_EVENTS_PER_RUN)
        record = EventRecord(self._seq, float(t_s), device, kind, payload or {})
        self._seq += 1
        failed: list[tuple[_Subscription, BaseException]] = []
        for sub in list(self._subs):
            if not sub.wants(record):
                continue
            try:
                sub.callback(record)
            except Exception as exc:  # a view must never stop the run
                log.exception("event subscriber %r failed; detaching it", sub.callback)
                failed.append((sub, exc))
        for sub, exc in failed:
            if sub in self._subs:
                self._subs.remove(sub)
            self.emit(
                t_s,
                SIM_DEVICE,
                Kinds.SUBSCRIBER_DETACHED,
                {"subscriber": getattr(sub.callback, "__qualname__", repr(sub.callback)), "error": repr(exc)},
            )
        return record
