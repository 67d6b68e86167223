"""Time series kept as breakpoints of piecewise-linear or piecewise-constant signals.

Devices record a value each time a signal's slope or level changes, so a series is exact and
small; resampling onto a grid happens only for display or export. A jump in a linear signal
(a refill) is two breakpoints at the same time: the value before, then the value after.

Breakpoints are kept in typed arrays (`array('d')`: 8 bytes a value, 16 bytes a breakpoint,
against 64 bytes for two Python floats in lists), and the recorder keeps an index of the events
by device and kind, built incrementally, so a device's summary counts its own events without
scanning every event of the run.
"""
from __future__ import annotations

from array import array
from typing import Literal

import numpy as np

from simulator.events import EventRecord

Interp = Literal["linear", "step"]


class Series:
    """Breakpoints of one signal.

    Besides explicit breakpoints (`add`), a series can take *generated* ones (`add_generated`):
    an object whose `points(signal)` returns the breakpoints of a known closed form over an
    interval (the pump's flex schedule, one point per step boundary), as two lists. They are
    produced only when the series is read (`t_s`, `values`, `at`, `len`, `_t`, `_v`, a writer),
    in order with the explicit breakpoints added after them, with exactly the rules `add` and
    `extend` apply eagerly, so a read series is the same as if every point had been added at
    once. A run nobody reads (a benchmark, a sweep figure that needs no series) never makes them.
    A generator type may offer `points_of_many(generators, signal)` (a list of such pairs): a
    series then makes the points of all its pending generators of that type in one call.
    """

    __slots__ = ("device", "signal", "unit", "interp", "_tl", "_vl", "_pending", "_pt", "_pv", "_pf")

    def __init__(self, device: str, signal: str, unit: str, interp: Interp, _t=None, _v=None):
        self.device, self.signal, self.unit, self.interp = device, signal, unit, interp
        self._tl: array = array("d") if _t is None else array("d", _t)  # breakpoint times, s
        self._vl: array = array("d") if _v is None else array("d", _v)  # values, in `unit`
        # after the first generator: generators, ("close", t) and runs of explicit points (an int: how
        # many of the next points of _pt/_pv/_pf, typed arrays allocated on first use), in order
        self._pending: list = []
        self._pt: array[float] | None = None
        self._pv: array[float] | None = None
        self._pf: bytearray | None = None

    def __repr__(self) -> str:
        return f"Series(device={self.device!r}, signal={self.signal!r}, unit={self.unit!r}, interp={self.interp!r}, points={len(self)})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Series):
            return NotImplemented
        return (self.device, self.signal, self.unit, self.interp, self._t, self._v) == (other.device, other.signal, other.unit, other.interp, other._t, other._v)

    def __getstate__(self):
        self._materialise()
        return {"device": self.device, "signal": self.signal, "unit": self.unit, "interp": self.interp, "_tl": self._tl, "_vl": self._vl}

    def __setstate__(self, state):
        for k, v in state.items():
            setattr(self, k, array("d", v) if k in ("_tl", "_vl") and not isinstance(v, array) else v)
        self._pending = []
        self._pt = self._pv = self._pf = None

    # ----- the breakpoints, generated ones included -----
    @property
    def _t(self) -> array:
        if self._pending:
            self._materialise()
        return self._tl

    @property
    def _v(self) -> array:
        if self._pending:
            self._materialise()
        return self._vl

    def _materialise(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        pt, pv, pf = self._pt, self._pv, self._pf
        self._pt = self._pv = self._pf = None
        generated = iter(_points_of(pending, self.signal))
        i = 0
        for item in pending:
            kind = type(item)
            if kind is int:  # a run of explicit points
                assert pt is not None and pv is not None and pf is not None  # allocated with the first run
                add = self._add_now
                for k in range(i, i + item):
                    add(pt[k], pv[k], bool(pf[k]))
                i += item
            elif kind is tuple:  # ("close", t)
                self._close_now(item[1])
            else:
                t, v = next(generated)
                self._extend_now(np.asarray(t, dtype=float), np.asarray(v, dtype=float))

    def add(self, t_s: float, value: float, force: bool = False) -> None:
        """Add a breakpoint; `force` keeps it even when the level did not change (run end)."""
        pending = self._pending
        if pending:
            pt, pv, pf = self._pt, self._pv, self._pf
            if pt is None or pv is None or pf is None:
                pt, pv, pf = self._pt, self._pv, self._pf = array("d"), array("d"), bytearray()
            pt.append(t_s)
            pv.append(value)
            pf.append(1 if force else 0)
            if type(pending[-1]) is int:
                pending[-1] += 1
            else:
                pending.append(1)
            return
        self._add_now(t_s, value, force)

    def _add_now(self, t_s: float, value: float, force: bool = False) -> None:
        t_s, value = float(t_s), float(value)
        tl, vl = self._tl, self._vl
        if tl and t_s == tl[-1] and value == vl[-1]:
            return
        if not force and tl and self.interp == "step" and vl[-1] == value:
            return  # a level that did not change adds nothing
        tl.append(t_s)
        vl.append(value)

    def extend(self, t_list, v_list) -> None:
        """Add breakpoints in bulk (strictly after the last one), from sequences or numpy arrays;
        a step series keeps level changes only."""
        self._materialise()
        self._extend_now(np.asarray(t_list, dtype=float), np.asarray(v_list, dtype=float))

    def _extend_now(self, t: np.ndarray, v: np.ndarray) -> None:
        """`extend` with nothing pending, from float64 arrays."""
        if not len(t):
            return
        if self.interp == "step":  # keep level changes only (a NaN differs from everything)
            prev = np.empty_like(v)
            prev[1:] = v[:-1]
            keep = v != prev
            keep[0] = True if not self._vl else bool(v[0] != self._vl[-1])
            t, v = t[keep], v[keep]
        self._tl.frombytes(np.ascontiguousarray(t).tobytes())
        self._vl.frombytes(np.ascontiguousarray(v).tobytes())

    def add_generated(self, generator) -> None:
        """Breakpoints `generator.points(self.signal)` made when the series is next read."""
        self._pending.append(generator)

    def close(self, t_s: float) -> None:
        """Extend to `t_s` with the current value (a forced breakpoint) unless it already reaches it."""
        if self._pending:
            self._pending.append(("close", float(t_s)))
        else:
            self._close_now(t_s)

    def _close_now(self, t_s: float) -> None:
        if self._tl and self._tl[-1] < t_s:
            self._add_now(t_s, float(self.at(t_s)), force=True)

    @property
    def t_s(self) -> np.ndarray:
        """Breakpoint times (s), a copy (a view would stop the array growing while it is held)."""
        return np.array(self._t, dtype=float)

    @property
    def values(self) -> np.ndarray:
        """Breakpoint values, a copy."""
        return np.array(self._v, dtype=float)

    def __len__(self) -> int:
        return len(self._t)

    def at(self, t_s: np.ndarray | float) -> np.ndarray:
        """Values at the given times (the value after a jump where a time hits one exactly)."""
        t = np.asarray(t_s, dtype=float)
        if not self._t:
            return np.full(t.shape, np.nan)
        times, vals = self.t_s, self.values
        if self.interp == "step":
            idx = np.searchsorted(times, t, side="right") - 1
            out = vals[np.clip(idx, 0, None)]
            return np.where(idx < 0, np.nan, out)
        # linear: for duplicate times take the later value (after the jump)
        idx = np.searchsorted(times, t, side="right") - 1
        idx = np.clip(idx, 0, len(times) - 1)
        nxt = np.clip(idx + 1, 0, len(times) - 1)
        t0, t1, v0, v1 = times[idx], times[nxt], vals[idx], vals[nxt]
        span = np.where(t1 > t0, t1 - t0, 1.0)
        frac = np.where(t1 > t0, (t - t0) / span, 0.0)
        out = v0 + np.clip(frac, 0.0, 1.0) * (v1 - v0)
        return np.where(t < times[0], np.nan, out)

    def resample(self, t_start_s: float, t_end_s: float, n: int) -> tuple[np.ndarray, np.ndarray]:
        grid = np.linspace(t_start_s, t_end_s, n)
        return grid, self.at(grid)


def _points_of(pending: list, signal: str) -> list:
    """The (times, values) of `signal` of each generator in `pending` (skipping its runs of
    explicit points and closes), in order: generators of a type with a `points_of_many(gens,
    signal)` are computed together (one pass for a whole series), others one by one (`points`)."""
    gens = [item for item in pending if type(item) is not int and type(item) is not tuple]
    if not gens:
        return []
    kind = type(gens[0])
    batch = getattr(kind, "points_of_many", None)
    if batch is not None and all(type(g) is kind for g in gens):
        return batch(gens, signal)
    return [g.points(signal) for g in gens]


class Recorder:
    """Keeps every event record and every time series of a run."""

    def __init__(self) -> None:
        self.events: list[EventRecord] = []
        self.series: dict[tuple[str, str], Series] = {}
        self._index: dict[tuple[str, str], list[EventRecord]] = {}  # (device, kind) -> its events, in order
        self._indexed = 0  # how many of `events` the index holds

    def on_event(self, record: EventRecord) -> None:
        self.events.append(record)

    def events_of(self, device: str, kind: str) -> list[EventRecord]:
        """The events of `device` with kind `kind`, in order (from the index, brought up to date
        with the events recorded since the last call: each event is indexed once)."""
        events = self.events
        if self._indexed < len(events):
            index = self._index
            for e in events[self._indexed:]:
                key = (e.device, e.kind)
                bucket = index.get(key)
                if bucket is None:
                    index[key] = [e]
                else:
                    bucket.append(e)
            self._indexed = len(events)
        return self._index.get((device, kind), [])

    def record(self, t_s: float, device: str, signal: str, value: float, unit: str = "", interp: Interp = "linear") -> None:
        key = (device, signal)
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = Series(device, signal, unit, interp)
        series.add(t_s, value)

    def close(self, t_s: float) -> None:
        """Extend every series to the end of the run with its current value."""
        for series in self.series.values():
            series.close(t_s)

    def get(self, device: str, signal: str) -> Series:
        return self.series[(device, signal)]
