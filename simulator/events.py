"""The event stream: typed records that every view of a run subscribes to.

A record is (sequence number, time in s, device id, kind, payload). Kinds are dotted names,
all registered with their payload models in `simulator.event_kinds` (constants `K`, also
importable here as `Kinds`). Payloads are plain dicts; they are validated against their models
by the tests, or at each emit when NEUROMOD_SIM_CHECK_EVENTS=1.

The frequent events of a long run (bolus starts and ends, lockout ends, actions) are stored
packed (`EventStream.emit_packed`): a tuple of values plus a shared `PayloadLayout` naming them.
Such a record makes its payload dict when it is read, a new dict at every read, so consumers never
share one; the tuple may be shared by several records (a bolus's start and end, the actions of
one parsed params), since nothing can change it. A packed payload reads back equal to the dict
the event would have had.

A subscriber that raises is logged, detached and reported once as `sim.subscriber_detached`;
it never stops the run.
"""
from __future__ import annotations

import logging
import os
from dataclasses import FrozenInstanceError, dataclass
from typing import Any, ClassVar
from collections.abc import Callable, Iterable

from simulator.event_kinds import K, validate_payload

log = logging.getLogger(__name__)

SIM_DEVICE = "sim"


#: the event kinds (kept under this name for existing callers): see simulator.event_kinds
Kinds = K

#: set to 1 to validate every payload against its kind's model when it is emitted (slow: for
#: tests and debugging; a mismatch raises simulator.event_kinds.EventPayloadError)
CHECK_EVENTS_ENV = "NEUROMOD_SIM_CHECK_EVENTS"


def json_tree_copy(value: Any) -> Any:
    """A copy of a JSON tree (dicts and lists copied at every level; other values, immutable
    scalars, shared)."""
    kind = type(value)
    if kind is dict:
        out = value.copy()
        for k, v in out.items():
            if type(v) in _TREES:
                out[k] = json_tree_copy(v)
        return out
    if kind is list:
        return [json_tree_copy(v) if type(v) in _TREES else v for v in value]
    return value


_TREES = (dict, list)


#: where a packed payload's value is: values[i] (an int i), or values[i][j] (a pair (i, j): a
#: value of a tuple nested in the values, shared by several events)
Position = int | tuple[int, int]


class PayloadLayout:
    """The keys of a packed payload and where their values are in the values tuple: `positions`
    (default: in order, 0, 1, 2, ...; see `Position`), the values of the keys in `trees` (JSON
    trees: dicts, lists) copied at every read. The payload read back holds `keys` in order."""

    __slots__ = ("keys", "positions", "trees", "payload", "record_class")

    def __init__(self, keys: tuple[str, ...], positions: tuple[Position, ...] | None = None, trees: tuple[str, ...] = ()):
        positions = tuple(range(len(keys))) if positions is None else positions
        if (any(type(k) is not str for k in keys) or len(set(keys)) != len(keys) or not set(trees) <= set(keys)
                or len(positions) != len(keys) or not all(_is_position(p) for p in positions)):
            raise ValueError(f"bad payload layout {keys!r} (positions {positions!r}, trees {trees!r})")
        self.keys = keys
        self.positions = positions
        self.trees = trees
        #: payload(values) -> the payload dict of `values` (a new dict, its JSON trees new too)
        self.payload: Callable[[tuple[Any, ...]], dict[str, Any]] = _payload_maker(keys, positions, trees)
        #: the class of the records of this layout: EventRecord with this layout as a class
        #: attribute (a record holds no reference to its layout: one slot less an event)
        self.record_class: type[EventRecord] = type("EventRecord", (EventRecord,), {"__slots__": (), "_layout": self, "__module__": __name__})

    def __repr__(self) -> str:
        return f"PayloadLayout({self.keys!r}, positions={self.positions!r}, trees={self.trees!r})"


def _is_position(p: Any) -> bool:
    if type(p) is int:
        return p >= 0
    return type(p) is tuple and len(p) == 2 and all(type(i) is int and i >= 0 for i in p)


def _payload_maker(keys: tuple[str, ...], positions: tuple[Position, ...], trees: tuple[str, ...]) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """A function of a values tuple making the payload dict of a layout: one pass over a plan of
    (key, outer index, inner index or -1, whether a JSON tree to copy). No code is generated."""
    plan = tuple((key, p, -1, key in trees) if type(p) is int else (key, p[0], p[1], key in trees)  # type: ignore[index]
                 for key, p in zip(keys, positions))
    if not trees:
        flat = tuple((key, i, j) for key, i, j, _ in plan)

        def make_plain(v: tuple[Any, ...]) -> dict[str, Any]:
            return {key: (v[i] if j < 0 else v[i][j]) for key, i, j in flat}

        return make_plain

    def make(v: tuple[Any, ...]) -> dict[str, Any]:
        out = {}
        for key, i, j, tree in plan:
            value = v[i] if j < 0 else v[i][j]
            out[key] = json_tree_copy(value) if tree else value
        return out

    return make


class EventRecord:
    """One event: `seq` (its place in the run's stream, from 0), `t_s` (simulation time, s),
    `device` (id, or 'sim'), `kind` and `payload` (a dict). Immutable (as a frozen dataclass).

    Made with a payload dict, it holds that dict and returns it; `EventRecord.packed` makes one
    holding a values tuple, of its layout's record class (`PayloadLayout.record_class`), whose
    `payload` is a new dict at every read (see the module docstring).

    The time and the sequence number are kept as one complex number, t_s + seq j (exact: both
    are doubles, and seq < 2**53): one 32-byte object where a float and an int took 56, for every
    event of a run."""

    __slots__ = ("_when", "device", "kind", "_data")

    _when: complex
    device: str
    kind: str
    _data: Any
    #: the layout of `_data` (a values tuple); None: `_data` is the payload dict
    _layout: ClassVar[PayloadLayout | None] = None

    def __init__(self, seq: int, t_s: float, device: str, kind: str, payload: dict[str, Any] | None = None):
        _init(self, seq, t_s, device, kind, {} if payload is None else payload)

    @staticmethod
    def packed(seq: int, t_s: float, device: str, kind: str, layout: PayloadLayout, values: tuple[Any, ...]) -> EventRecord:
        """A record whose payload is `layout.payload(values)`; `values` must hold only immutable
        values, but for the layout's `trees` (copied at every read)."""
        record = _new(layout.record_class)
        _init(record, seq, t_s, device, kind, values)
        return record

    @property
    def seq(self) -> int:
        return int(self._when.imag)

    @property
    def t_s(self) -> float:
        return self._when.real

    @property
    def payload(self) -> dict[str, Any]:
        layout = self._layout
        return self._data if layout is None else layout.payload(self._data)

    def as_dict(self) -> dict[str, Any]:
        """{'seq', 't_s', 'device', 'kind', 'payload'}: the record as a line of events.jsonl holds it
        (the fields read directly: the writer makes one for every event of a run)."""
        when, layout = self._when, self._layout
        return {"seq": int(when.imag), "t_s": when.real, "device": self.device, "kind": self.kind,
                "payload": self._data if layout is None else layout.payload(self._data)}

    def _fields(self) -> tuple[Any, ...]:
        return (self.seq, self.t_s, self.device, self.kind, self.payload)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EventRecord):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # as the frozen dataclass with a dict field: unhashable

    def __repr__(self) -> str:
        return f"EventRecord(seq={self.seq!r}, t_s={self.t_s!r}, device={self.device!r}, kind={self.kind!r}, payload={self.payload!r})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (and copied) as a record holding its payload dict."""
        return (EventRecord, self._fields())


_new = object.__new__
_set = object.__setattr__


def _init(record: EventRecord, seq: int, t_s: float, device: str, kind: str, data: Any) -> None:
    """Set the fields of a new record (its __setattr__ refuses: it is immutable)."""
    _set(record, "_when", complex(t_s, seq))
    _set(record, "device", device)
    _set(record, "kind", kind)
    _set(record, "_data", data)


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
        #: the one subscription, when there is exactly one and it takes every record (the usual
        #: run: the recorder), else None: `emit_packed` hands it the record without `_deliver`'s
        #: loop (made with `_deliveries`, so it follows every (un)subscription)
        self._sole: _Subscription | None = None
        self._seq = 0
        if check is None:
            check = os.environ.get(CHECK_EVENTS_ENV, "") == "1"
        if check:
            # the checking emit replaces the plain one on this stream only (no test per event when off)
            self.emit = self._emit_checked  # type: ignore[method-assign]
            self.emit_packed = self._emit_packed_checked  # type: ignore[method-assign]

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
        self._deliveries = deliveries = tuple((sub, sub.wants_all) for sub in self._subs)
        self._sole = deliveries[0][0] if len(deliveries) == 1 and deliveries[0][1] else None

    def emit(self, t_s: float, device: str, kind: str, payload: dict[str, Any] | None = None) -> EventRecord:
        """Record an event whose payload is the dict `payload` (kept as given) and hand it to the
        subscribers; returns the record."""
        seq = self._seq
        if seq >= MAX_EVENTS_PER_RUN:
            raise EventBudgetExceeded(t_s, MAX_EVENTS_PER_RUN)
        self._seq = seq + 1
        return self._deliver(EventRecord(seq, float(t_s), device, kind, payload or {}))

    def emit_packed(self, t_s: float, device: str, kind: str, layout: PayloadLayout, values: tuple[Any, ...]) -> EventRecord:
        """`emit` of the payload `layout.payload(values)`, stored packed (see the module docstring:
        `values` holds immutable values only, but for the layout's JSON trees, and may be shared)."""
        seq = self._seq
        if seq >= MAX_EVENTS_PER_RUN:
            raise EventBudgetExceeded(t_s, MAX_EVENTS_PER_RUN)
        self._seq = seq + 1
        # EventRecord.packed(seq, float(t_s), device, kind, layout, values), written out (the
        # frequent events of a long run come this way)
        record = _new(layout.record_class)
        _set(record, "_when", complex(float(t_s), seq))
        _set(record, "device", device)
        _set(record, "kind", kind)
        _set(record, "_data", values)
        sole = self._sole
        if sole is None:
            return self._deliver(record)
        try:  # (_deliver with one subscription taking every record, written out)
            sole.callback(record)
        except Exception as exc:  # a view must never stop the run
            log.exception("event subscriber %r failed; detaching it", sole.callback)
            self._detach_failed(record, [(sole, exc)])
        return record

    def _deliver(self, record: EventRecord) -> EventRecord:
        """Hand `record` to every subscriber that wants it; detach (and report) any that raises."""
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
        if failed:
            self._detach_failed(record, failed)
        return record

    def _detach_failed(self, record: EventRecord, failed: list[tuple[_Subscription, BaseException]]) -> None:
        """Detach the subscriptions whose callback raised on `record` (logged already), each
        with a SUBSCRIBER_DETACHED event."""
        for sub, error in failed:
            if sub in self._subs:
                self._subs.remove(sub)
                self._refresh_deliveries()
            self.emit(
                record.t_s,
                SIM_DEVICE,
                Kinds.SUBSCRIBER_DETACHED,
                {"subscriber": getattr(sub.callback, "__qualname__", repr(sub.callback)), "error": repr(error)},
            )

    def _emit_checked(self, t_s: float, device: str, kind: str, payload: dict[str, Any] | None = None) -> EventRecord:
        validate_payload(kind, payload or {})
        return EventStream.emit(self, t_s, device, kind, payload)

    def _emit_packed_checked(self, t_s: float, device: str, kind: str, layout: PayloadLayout, values: tuple[Any, ...]) -> EventRecord:
        validate_payload(kind, layout.payload(values))
        return EventStream.emit_packed(self, t_s, device, kind, layout, values)
