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

import math
from array import array
from collections.abc import Callable
from itertools import compress, repeat
from operator import attrgetter, eq, is_
from typing import Literal

import numpy as np

from simulator.events import EventRecord

Interp = Literal["linear", "step"]


class Series:
    """Breakpoints of one signal.

    Besides explicit breakpoints (`add`), a series can take *generated* ones (`add_generated`):
    an object whose `points(signal)` returns the breakpoints of a known closed form over an
    interval (the pump's flex schedule, a point per step boundary where the dose changes), as two sequences. They are
    produced only when the series is read (`t_s`, `values`, `at`, `len`, `_t`, `_v`, a writer),
    in order with the explicit breakpoints added after them, with exactly the rules `add` and
    `extend` apply eagerly, so a read series is the same as if every point had been added at
    once. A run nobody reads (a benchmark, a sweep figure that needs no series) never makes them.
    A generator type may offer `flat_points_of_signals(generators, signals)`: for each signal, the
    points of all of them one after the other and how many each has (times, values, counts); a
    series then makes the points of all its pending generators of that type in one call, and
    `materialise_together` makes those of several series sharing their generators (a pump's
    series) in one call.
    """

    __slots__ = ("device", "signal", "unit", "interp", "_tl", "_vl", "_pending", "_marks", "_pt", "_pv", "_forced", "_closes", "_block")

    def __init__(self, device: str, signal: str, unit: str, interp: Interp, _t=None, _v=None):
        self.device, self.signal, self.unit, self.interp = device, signal, unit, interp
        self._tl: array = array("d") if _t is None else array("d", _t)  # breakpoint times, s
        self._vl: array = array("d") if _v is None else array("d", _v)  # values, in `unit`
        #: the RowBlock holding rows not yet added to this series (None: in none); every method
        #: that adds or reads breakpoints flushes it first
        self._block: RowBlock | None = None
        self._clear_pending()

    def _clear_pending(self) -> None:
        """Nothing deferred. After the first generator: `_pending` holds the generators in order,
        `_marks[j]` how many explicit points came before `_pending[j]`, `_pt`/`_pv` those explicit
        points (times, values), `_forced` the positions in them of the points added with `force`
        and `_closes` the closes, (generators before, explicit points before, t) each (None when
        there are none)."""
        self._pending: list = []
        self._marks: array[int] | None = None
        self._pt: array[float] | None = None
        self._pv: array[float] | None = None
        self._forced: list[int] | None = None
        self._closes: list[tuple[int, int, float]] | None = None

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
        self._block = None
        self._clear_pending()

    # ----- the breakpoints, generated ones included -----
    @property
    def _t(self) -> array:
        if self._block is not None:
            self._block.flush()
        if self._pending:
            self._materialise()
        return self._tl

    @property
    def _v(self) -> array:
        if self._block is not None:
            self._block.flush()
        if self._pending:
            self._materialise()
        return self._vl

    def _materialise(self, generated: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                     shared: dict[int, dict] | None = None) -> None:
        """Make the generated points (or take them: `generated`, as `_flat_points` makes them)
        and add them, with the explicit points that came between them, to the breakpoints in
        bulk (`_add_in_bulk`), the closes applied where they came. `shared`: a dict kept across
        the series of a group whose pending points differ only in their values (the same
        generated times and counts, marks, explicit times, forced points and closes): each
        stretch's merge order is made once for all of them (`_add_in_bulk`'s `merged`)."""
        if self._block is not None:
            self._block.flush()
        if not self._pending:
            return
        gens, marks, pt, pv, forced, closes = self._pending, self._marks, self._pt, self._pv, self._forced, self._closes
        g_t, g_v, g_counts = _flat_points(gens, self.signal) if generated is None else generated
        self._clear_pending()
        assert marks is not None and pt is not None and pv is not None  # made with the first generator
        g_bounds = np.concatenate(([0], np.cumsum(g_counts, dtype=np.intp)))
        g_marks = np.frombuffer(marks, dtype=np.int64)
        e_t, e_v = np.frombuffer(pt, dtype=float), np.frombuffer(pv, dtype=float)
        is_forced = np.zeros(len(pt), dtype=bool)
        if forced:
            is_forced[forced] = True
        add = self._add_in_bulk if len(pt) + BULK_GENERATOR_WEIGHT * len(gens) >= BULK_FROM else self._add_one_by_one
        g_done = e_done = 0  # generators and explicit points added so far
        stretches: list[tuple[int, int, float | None]] = [*(closes or []), (len(gens), len(pt), None)]  # each close, then the tail
        for k, (g_end, e_end, t_close) in enumerate(stretches):
            lo, hi = g_bounds[g_done], g_bounds[g_end]
            args = (g_t[lo:hi], g_v[lo:hi], g_counts[g_done:g_end], g_marks[g_done:g_end] - e_done,
                    e_t[e_done:e_end], e_v[e_done:e_end], is_forced[e_done:e_end])
            if shared is not None and add == self._add_in_bulk:
                add(*args, merged=shared.setdefault(k, {}))
            else:
                add(*args)
            g_done, e_done = g_end, e_end
            if t_close is not None:
                self._close_now(t_close)

    def _add_in_bulk(self, g_t: np.ndarray, g_v: np.ndarray, g_counts: np.ndarray, g_marks: np.ndarray,
                     e_t: np.ndarray, e_v: np.ndarray, e_forced: np.ndarray, merged: dict | None = None) -> None:
        """Add generated points (times s, values; `g_counts[j]` of generator j, which came after
        `g_marks[j]` of the explicit points) and explicit points (`e_forced`: added with `force`),
        in the order they came, keeping the points `_add_now` and `_extend_now` would keep.
        `merged`: a dict for the series given the same arguments but the values (`g_v`, `e_v`):
        the first one's merge order (`_merge_order`) is kept there and taken by the others."""
        order = None if merged is None else merged.get("order")
        if order is None:
            order = _merge_order(g_t, g_counts, g_marks, e_t, e_forced)
            if merged is not None:
                merged["order"] = order
        t, explicit, force, g_dest, e_dest = order
        v = _scatter_values(g_v, e_v, g_dest, e_dest)
        if not len(t):
            return
        if merged is not None and "repeats" not in merged:
            merged["repeats"] = t[1:] == t[:-1]
        keep = self._kept(t, v, explicit, force, None if merged is None else merged["repeats"])
        if not keep.all():
            t, v = t[keep], v[keep]
        _append_floats(self._tl, t)
        _append_floats(self._vl, v)

    def _add_one_by_one(self, g_t: np.ndarray, g_v: np.ndarray, g_counts: np.ndarray, g_marks: np.ndarray,
                        e_t: np.ndarray, e_v: np.ndarray, e_forced: np.ndarray) -> None:
        """`_add_in_bulk` point by point (`_add_now`) and chunk by chunk (`_extend_now`): cheaper
        for a small read (a display reading a series as it grows), where numpy's fixed costs
        outweigh the loop."""
        add, extend = self._add_now, self._extend_now
        e_ts, e_vs, e_fs = e_t.tolist(), e_v.tolist(), e_forced.tolist()
        e = lo = 0
        for mark, count in zip(g_marks.tolist(), g_counts.tolist()):
            for k in range(e, mark):
                add(e_ts[k], e_vs[k], e_fs[k])
            e = mark
            extend(g_t[lo:lo + count], g_v[lo:lo + count])
            lo += count
        for k in range(e, len(e_ts)):
            add(e_ts[k], e_vs[k], e_fs[k])

    def _kept(self, t: np.ndarray, v: np.ndarray, explicit: np.ndarray, force: np.ndarray,
              t_repeats: np.ndarray | None = None) -> np.ndarray:
        """Which of the points (t, v), added in this order after the breakpoints held, `_add_now`
        (the `explicit` ones, `force` as given) and `_extend_now` (the others) keep.
        `t_repeats`: `t[1:] == t[:-1]` when already made (shared by series with the same times).

        Each rule compares a point with the last point KEPT; that one equals (==) the point just
        before it, kept or not: a point is dropped only when it equals the last kept one (same
        value, and same time for a linear series), and == is transitive on floats (NaN equals
        nothing and is never dropped). So the comparisons are with the previous point, in bulk.
        Only a forced point of a step series needs the last kept time itself (rare: run ends)."""
        has_last = len(self._tl) > 0
        same = np.empty(len(v), dtype=bool)
        np.equal(v[1:], v[:-1], out=same[1:])
        same[0] = has_last and v[0] == self._vl[-1]  # the first point of an empty series is kept
        if self.interp == "linear":  # generated points are all kept; an explicit one unless it repeats time and value
            repeats = np.empty(len(t), dtype=bool)
            if t_repeats is None:
                np.equal(t[1:], t[:-1], out=repeats[1:])
            else:
                repeats[1:] = t_repeats
            repeats[0] = has_last and t[0] == self._tl[-1]
            same &= repeats
            same &= explicit
            return ~same
        keep = ~same  # a level that did not change adds nothing (forced points decided below)
        for i in np.flatnonzero(force & same).tolist():  # kept unless its time is the last kept one's
            kept_before = np.flatnonzero(keep[:i])
            last_t = t[kept_before[-1]] if len(kept_before) else self._tl[-1]
            keep[i] = t[i] != last_t
        return keep

    def add(self, t_s: float, value: float, force: bool = False) -> None:
        """Add a breakpoint; `force` keeps it even when the level did not change (run end)."""
        if self._block is not None:
            self._block.flush()
        if self._pending:  # after a generator: kept in order, added when the series is read
            pt = self._pt
            pt.append(t_s)  # type: ignore[union-attr]  # made with the first generator
            self._pv.append(value)  # type: ignore[union-attr]
            if force:
                if self._forced is None:
                    self._forced = []
                self._forced.append(len(pt) - 1)  # type: ignore[arg-type]
            return
        self._add_now(t_s, value, force)

    @staticmethod
    def add_row(targets: list[Series], t_s: float, values: list[float]) -> None:
        """`targets[i].add(t_s, values[i])` for each i in turn, in one frame (a device records
        several signals at each instant): the same points, kept or dropped by the same rules."""
        for target, value in zip(targets, values):
            if target._block is not None:
                target._block.flush()
            if target._pending:  # (add: after a generator, kept in order)
                target._pt.append(t_s)  # type: ignore[union-attr]  # made with the first generator
                target._pv.append(value)  # type: ignore[union-attr]
            else:
                target._add_now(t_s, value)

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
        _append_floats(self._tl, t)
        _append_floats(self._vl, v)

    def add_generated(self, generator) -> None:
        """Breakpoints `generator.points(self.signal)` made when the series is next read (after
        the explicit points added so far)."""
        if self._block is not None:
            self._block.flush()
        if not self._pending:
            self._marks, self._pt, self._pv = array("q"), array("d"), array("d")
        self._pending.append(generator)
        self._marks.append(len(self._pt))  # type: ignore[union-attr,arg-type]

    @staticmethod
    def add_generated_to(targets: list[Series], generator) -> None:
        """`target.add_generated(generator)` for each of `targets`, in one frame (a generator
        serves several series of a device)."""
        for target in targets:
            if target._block is not None:
                target._block.flush()
            if not target._pending:
                target._marks, target._pt, target._pv = array("q"), array("d"), array("d")
            target._pending.append(generator)
            target._marks.append(len(target._pt))  # type: ignore[union-attr,arg-type]

    def close(self, t_s: float) -> None:
        """Extend to `t_s` with the current value (a forced breakpoint) unless it already reaches it."""
        if self._block is not None:
            self._block.flush()
        if self._pending:  # after the generators and explicit points so far
            if self._closes is None:
                self._closes = []
            self._closes.append((len(self._pending), len(self._pt), float(t_s)))  # type: ignore[arg-type]
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


def _append_floats(out: array, x: np.ndarray) -> None:
    """Append the float64 array `x` to the array('d') `out`, from its buffer (one copy, none of
    the `tobytes` bytes object)."""
    out.frombytes(memoryview(np.ascontiguousarray(x, dtype=float)).cast("B"))  # type: ignore[arg-type]  # an ndarray is a buffer


def _flat_points(gens: list, signal: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The points of `signal` of every generator in `gens`, one after the other, as float64 arrays
    (times, values), and how many each has: by one `flat_points_of_signals(gens, [signal])` call
    when they are all of a type that has it, else from each one's `points(signal)`."""
    if not gens:
        return _EMPTY, _EMPTY, np.empty(0, dtype=np.intp)
    batch = _batch_of(gens)
    if batch is not None:
        return _as_arrays(batch(gens, [signal])[signal])
    pairs = [g.points(signal) for g in gens]
    t_parts = [np.asarray(t, dtype=float) for t, _ in pairs]
    v_parts = [np.asarray(v, dtype=float) for _, v in pairs]
    counts = np.array([len(t) for t in t_parts], dtype=np.intp)
    return np.concatenate([_EMPTY] + t_parts), np.concatenate([_EMPTY] + v_parts), counts


def _batch_of(gens: list):
    """The `flat_points_of_signals` of the generators' type when they are all of one type that
    has it, else None."""
    kinds = set(map(type, gens))
    return getattr(next(iter(kinds)), "flat_points_of_signals", None) if len(kinds) == 1 else None


def _as_arrays(points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, values, counts) as float64, float64 and intp arrays."""
    t, v, counts = points
    return np.asarray(t, dtype=float), np.asarray(v, dtype=float), np.asarray(counts, dtype=np.intp)


def materialise_together(series) -> None:
    """Materialise every series of `series` (an iterable); the series whose pending generators
    are the same objects, in the same order (a pump's series), have their generated points made
    in one `flat_points_of_signals` call (the work shared by their signals done once)."""
    groups: list[list[Series]] = []
    for s in series:
        if s._block is not None:
            s._block.flush()
        if s._pending:
            for members in groups:  # (a few groups: compared with each one's first, object by object)
                first = members[0]._pending
                if len(first) == len(s._pending) and all(map(is_, first, s._pending)):
                    members.append(s)
                    break
            else:
                groups.append([s])
    for members in groups:
        gens = members[0]._pending
        batch = _batch_of(gens) if gens and len(members) > 1 else None
        if batch is None:
            for s in members:
                s._materialise()
            continue
        points = batch(gens, [s.signal for s in members])
        for same in _alike(members, points):
            shared: dict[int, dict] | None = {} if len(same) > 1 else None
            for s in same:
                s._materialise(_as_arrays(points[s.signal]), shared)


def _alike(members: list[Series], points: dict) -> list[list[Series]]:
    """`members` (series with the same pending generators, `points` their generated points by
    signal) in lists of series whose pending points differ only in their values: the same
    generated times and counts (bit for bit) and the same explicit times, marks, forced points
    and closes, so one merge order serves them all (`Series._materialise`'s `shared`)."""
    out: list[tuple[Series, list[Series]]] = []
    for s in members:
        for first, same in out:
            if _same_pending_times(s, first, points):
                same.append(s)
                break
        else:
            out.append((s, [s]))
    return [same for _, same in out]


def _same_pending_times(a: Series, b: Series, points: dict) -> bool:
    """True when the pending points of `a` and `b` (both with pending generators, `points` their
    generated points by signal) differ only in their values (compared bit for bit)."""
    if (a._forced or None) != (b._forced or None) or (a._closes or None) != (b._closes or None):
        return False
    if a._marks != b._marks or not _same_bits(a._pt, b._pt):
        return False
    (a_t, _, a_counts), (b_t, _, b_counts) = points[a.signal], points[b.signal]
    return (a_t is b_t or _same_bits(a_t, b_t)) and (a_counts is b_counts or np.array_equal(a_counts, b_counts))


def _same_bits(a, b) -> bool:
    """True when the float sequences `a` and `b` hold the same doubles, bit for bit (-0.0 is not
    0.0, a NaN is its own payload)."""
    x, y = np.ascontiguousarray(a, dtype=float), np.ascontiguousarray(b, dtype=float)
    return x.shape == y.shape and bool(np.array_equal(x.view(np.int64), y.view(np.int64)))


def _merge_in_order(g_t: np.ndarray, g_v: np.ndarray, g_counts: np.ndarray, g_marks: np.ndarray,
                    e_t: np.ndarray, e_v: np.ndarray, e_forced: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Generated points (generator j's `g_counts[j]` points came after `g_marks[j]` explicit
    points, marks non-decreasing) and explicit points merged in the order they came: (times,
    values, explicit?, forced?). The explicit points between two generators keep their order,
    and so do each generator's."""
    t, explicit, forced, g_dest, e_dest = _merge_order(g_t, g_counts, g_marks, e_t, e_forced)
    return t, _scatter_values(g_v, e_v, g_dest, e_dest), explicit, forced


def _merge_order(g_t: np.ndarray, g_counts: np.ndarray, g_marks: np.ndarray, e_t: np.ndarray,
                 e_forced: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """What `_merge_in_order` makes of everything but the values: (times s, explicit?, forced?,
    the place of each generated point, of each explicit point); the places are None when there
    is no generated point (the explicit points in their order)."""
    n_g, n_e = len(g_t), len(e_t)
    if not n_g:
        return e_t, np.ones(n_e, dtype=bool), e_forced, None, None
    # a generated point moves right by the explicit points before its generator; an explicit point
    # by the generated points of the generators before it (those with a mark <= its position)
    g_dest = np.arange(n_g) + np.repeat(g_marks, g_counts)
    g_before = np.concatenate(([0], np.cumsum(g_counts)))
    e_dest = np.arange(n_e) + g_before[np.searchsorted(g_marks, np.arange(n_e), side="right")]
    t = np.empty(n_g + n_e)
    explicit, forced = np.zeros(n_g + n_e, dtype=bool), np.zeros(n_g + n_e, dtype=bool)
    t[g_dest] = g_t
    t[e_dest] = e_t
    explicit[e_dest] = True
    forced[e_dest] = e_forced
    return t, explicit, forced, g_dest, e_dest


def _scatter_values(g_v: np.ndarray, e_v: np.ndarray, g_dest: np.ndarray | None, e_dest: np.ndarray | None) -> np.ndarray:
    """The values merged at the places `_merge_order` gave (the explicit values alone when there
    is no generated point)."""
    if g_dest is None or e_dest is None:
        return e_v
    v = np.empty(len(g_v) + len(e_v))
    v[g_dest] = g_v
    v[e_dest] = e_v
    return v


_EMPTY = np.empty(0)
#: a read of at least this much work (explicit points, plus this weight per generator) is made in
#: bulk (`Series._add_in_bulk`), a smaller one point by point (`_add_one_by_one`): the bulk path
#: has a fixed cost of ~50 us, a generator's chunk costs ~5 us and an explicit point ~1 us by the loop
BULK_FROM = 64
BULK_GENERATOR_WEIGHT = 5


class RowBlock:
    """Rows of breakpoints for several series recorded together (a pump's state signals), and
    the generators added to them (`Series.add_generated_to`), held in the order they came and
    added to the series only when one of them is next touched (`flush`): at each instant one
    append of a row (t_s, value of series 0, value of series 1, ...) to one flat array instead of
    an `add` per series, and one append of a generator instead of one per series.

    Invalidation: every Series method that adds or reads breakpoints (`add`, `add_row`,
    `add_generated`, `add_generated_to`, `extend`, `close`, `_t`, `_v` and so every reader,
    `materialise_together`, pickling) flushes the block of its series first, so each series gets
    what the block holds for it, in order, before anything that comes after, exactly as if each
    row had been `add`ed and each generator `add_generated` to its series when it came (a
    series' points depend only on the order of its own additions). A series belongs to at most
    one block (`bind`); a generator's targets must all belong to this one.
    `open_t`: the time of the last row while nothing came after it (NaN otherwise).
    """

    __slots__ = ("series", "rows", "width", "events", "open_t")

    def __init__(self) -> None:
        self.series: list[Series] = []
        self.rows: array = array("d")  # rows not yet added, flat: width values each
        self.width = 1
        #: generators not yet added: (rows held before it, generator, its target series)
        self.events: list[tuple[int, object, list[Series]]] = []
        self.open_t = math.nan

    def bind(self, series: list[Series]) -> None:
        """Flush, then hold rows for `series` (in that order) instead of the series held so far."""
        self.flush()
        for s in self.series:
            s._block = None
        for s in series:
            if s._block is not None and s._block is not self:
                raise ValueError(f"series {s.device}/{s.signal} already belongs to another row block")
            s._block = self
        self.series = list(series)
        self.width = len(series) + 1

    def add_row(self, t_s: float, values: list[float]) -> None:
        """Hold a row: `series[i]` gets the breakpoint (t_s, values[i]) (floats)."""
        rows = self.rows
        rows.append(t_s)
        rows.extend(values)
        self.open_t = t_s

    def add_generated(self, targets: list[Series], generator) -> None:
        """Hold `Series.add_generated_to(targets, generator)`, after the rows held so far (every
        target belongs to this block)."""
        self.events.append((len(self.rows) // self.width, generator, targets))
        self.open_t = math.nan

    def flush(self) -> None:
        """Add the rows and generators held to their series, in order (by the series' own
        rules), and drop them."""
        rows, events = self.rows, self.events
        if not rows and not events:
            return
        self.rows, self.events, self.open_t = array("d"), [], math.nan  # first: the series' adds below must not see them again
        width = self.width
        times = rows[0::width]
        if not events:
            for col, s in enumerate(self.series, 1):
                _add_held(s, times, rows[col::width], _NO_MARKS, ())
            return
        ev_rows, ev_gens, ev_targets = zip(*events)  # (one transposition, shared by the series)
        first_targets = ev_targets[0]
        if all(map(is_, ev_targets, repeat(first_targets))):  # (the usual case: one list of targets)
            all_rows = array("q", ev_rows)
            for col, s in enumerate(self.series, 1):
                if any(t is s for t in first_targets):
                    _add_held(s, times, rows[col::width], all_rows, ev_gens)
                else:
                    _add_held(s, times, rows[col::width], _NO_MARKS, ())
            return
        by_targets: dict[int, tuple[list[Series], list[int]]] = {}  # the events of each list of targets
        for k, targets in enumerate(ev_targets):
            by_targets.setdefault(id(targets), (targets, []))[1].append(k)
        for col, s in enumerate(self.series, 1):
            mine = [ks for targets, ks in by_targets.values() if any(t is s for t in targets)]
            ks = mine[0] if len(mine) == 1 else sorted(k for m in mine for k in m)
            _add_held(s, times, rows[col::width], array("q", [ev_rows[k] for k in ks]), [ev_gens[k] for k in ks])


_NO_MARKS = array("q")


def _add_held(s: Series, times: array, values: array, gen_rows: array, gens) -> None:
    """Add to `s` the breakpoints (times[i], values[i]) and the generators `gens` (a sequence),
    generator j after the first `gen_rows[j]` breakpoints: what `add` and `add_generated` in that
    order do (the points before the first generator by `_add_now`'s rules, in bulk)."""
    shift = 0  # added to each of gen_rows to make the series' marks
    if not s._pending:  # (add: added now until the first generator)
        first = gen_rows[0] if gens else len(times)
        if first:
            _add_now_many(s, times[:first], values[:first])
        if not gens:
            return
        times, values, shift = times[first:], values[first:], -first
        s._marks, s._pt, s._pv = array("q"), array("d"), array("d")
    pt = s._pt
    assert pt is not None and s._pv is not None and s._marks is not None  # made with the first generator
    shift += len(pt)
    pt.extend(times)
    s._pv.extend(values)
    if gens:
        s._pending.extend(gens)
        if shift:
            s._marks.frombytes((np.frombuffer(gen_rows, dtype=np.int64) + shift).tobytes())
        else:
            s._marks.extend(gen_rows)


def _add_now_many(s: Series, times: array, values: array) -> None:
    """`s._add_now(times[i], values[i])` for each i in turn (floats, no force): by the loop for a
    few, else in bulk with the same rules (`Series._kept`, every point explicit, none forced)."""
    n = len(times)
    if n < ADD_NOW_BULK_FROM:
        add = s._add_now
        for t, v in zip(times, values):
            add(t, v)
        return
    t, v = np.frombuffer(times, dtype=float), np.frombuffer(values, dtype=float)
    keep = s._kept(t, v, np.ones(n, dtype=bool), np.zeros(n, dtype=bool))
    if not keep.all():
        t, v = t[keep], v[keep]
    _append_floats(s._tl, t)
    _append_floats(s._vl, v)


#: held rows of a series before its first generator: from this many, added in bulk (numpy's
#: fixed cost ~20 us against ~0.3 us a point by the loop)
ADD_NOW_BULK_FROM = 64


_KIND_OF = attrgetter("kind")


class Recorder:
    """Keeps every event record and every time series of a run."""

    #: the event stream's subscriber: adds a record to `events` (that list's own `append`, so
    #: no Python frame an event; `events` is never replaced, only appended to)
    on_event: Callable[[EventRecord], None]

    def __init__(self) -> None:
        self.events: list[EventRecord] = []
        self.on_event = self.events.append
        self.series: dict[tuple[str, str], Series] = {}
        #: kind -> device -> its events of that kind, in order, for the kinds asked for so far,
        #: and how many of `events` each kind's index has looked at
        self._index: dict[str, dict[str, list[EventRecord]]] = {}
        self._indexed: dict[str, int] = {}

    def events_of(self, device: str, kind: str) -> list[EventRecord]:
        """The events of `device` with kind `kind`, in order. Indexed per kind asked for, by device,
        and brought up to date with the events recorded since that kind's last call: each event
        is looked at once per kind (the new events of that kind found in one pass at C speed,
        `compress`), so asking every device of a many-device run costs one pass, not one a device
        (the summary asks for refusals and warnings)."""
        by_device = self._index.get(kind)
        if by_device is None:
            by_device = self._index[kind] = {}
        events = self.events
        done, n = self._indexed.get(kind, 0), len(events)
        if done < n:
            new = events[done:] if done else events  # (nothing is recorded during this call)
            for e in compress(new, map(eq, map(_KIND_OF, new), repeat(kind))):
                bucket = by_device.get(e.device)
                if bucket is None:
                    by_device[e.device] = [e]
                else:
                    bucket.append(e)
            self._indexed[kind] = n
        return by_device.get(device, [])

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
