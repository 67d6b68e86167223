"""The event stream: typed records that every view of a run subscribes to.

A record is (sequence number, time in s, device id, kind, payload). Kinds are dotted names,
all registered with their payload models in `simulator.event_kinds` (constants `K`, also
importable here as `Kinds`). Payloads are plain dicts; they are validated against their models
by the tests, or at each emit when NEUROMOD_SIM_CHECK_EVENTS=1.
A subscriber that raises is logged, detached and reported once as `sim.subscriber_detached`;
it never stops the run.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Iterable

from simulator.event_kinds import K, validate_payload

log = logging.getLogger(__name__)

SIM_DEVICE = "sim"


#: the event kinds (kept under this name for existing callers): see simulator.event_kinds
Kinds = K

#: set to 1 to validate every payload against its kind's model when it is emitted (slow: for
#: tests and debugging; a mismatch raises simulator.event_kinds.EventPayloadError)
CHECK_EVENTS_ENV = "NEUROMOD_SIM_CHECK_EVENTS"


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

    @property
    def wants_all(self) -> bool:
        """True when it takes every record (no filter)."""
        return self.devices is None and self.kinds is None and not self.prefixes

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

    def __init__(self, check: bool | None = None) -> None:
        """`check`: validate every payload at emit (default: the NEUROMOD_SIM_CHECK_EVENTS
        environment variable is 1)."""
        self._subs: list[_Subscription] = []
        self._deliveries: tuple[tuple[_Subscription, bool], ...] = ()
        self._seq = 0
        if check is None:
            check = os.environ.get(CHECK_EVENTS_ENV, "") == "1"
        if check:
            # the checking emit replaces the plain one on this stream only (no test per event when off)
            self.emit = self._emit_checked  # type: ignore[method-assign]

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
        self._refresh_deliveries()

        def unsubscribe() -> None:
            if sub in self._subs:
                self._subs.remove(sub)
                self._refresh_deliveries()

        return unsubscribe

    def _refresh_deliveries(self) -> None:
        """The subscriptions as an immutable tuple of (subscription, takes every record), made
        when they change: `emit` iterates it (a callback that (un)subscribes replaces it, so the
        records of this emit go to the subscribers of its start, as before)."""
        self._deliveries = tuple((sub, sub.wants_all) for sub in self._subs)

    def emit(self, t_s: float, device: str, kind: str, payload: dict[str, Any] | None = None) -> EventRecord:
        if self._seq >= MAX_EVENTS_PER_RUN:
            raise EventBudgetExceeded(t_s, MAX_EVENTS_PER_RUN)
        record = EventRecord(self._seq, float(t_s), device, kind, payload or {})
        self._seq += 1
        failed: list[tuple[_Subscription, BaseException]] | None = None
        for sub, wants_all in self._deliveries:
            if not wants_all and not sub.wants(record):
                continue
            try:
                sub.callback(record)
            except Exception as exc:  # a view must never stop the run
                log.exception("event subscriber %r failed; detaching it", sub.callback)
                failed = failed or []
                failed.append((sub, exc))
        for sub, error in failed or ():
            if sub in self._subs:
                self._subs.remove(sub)
                self._refresh_deliveries()
            self.emit(
                t_s,
                SIM_DEVICE,
                Kinds.SUBSCRIBER_DETACHED,
                {"subscriber": getattr(sub.callback, "__qualname__", repr(sub.callback)), "error": repr(error)},
            )
        return record

    def _emit_checked(self, t_s: float, device: str, kind: str, payload: dict[str, Any] | None = None) -> EventRecord:
        validate_payload(kind, payload or {})
        return EventStream.emit(self, t_s, device, kind, payload)
