"""The bulk materialisation of a series' deferred breakpoints (`Series._materialise`: generated
points merged with the explicit points by position, the keep rules applied with numpy) against a
per-point reference written here: every point handed, in the order it came, to the rules of
`add` (explicit points) and `extend` (generated chunks), one by one. Bit for bit. Each test runs
with the bulk path forced and with the point-by-point path of small reads forced (`BULK_FROM`)."""
from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import recorder
from simulator.recorder import Series, _merge_in_order, materialise_together


@pytest.fixture(params=["bulk", "one by one"], autouse=True)
def read_path(request):
    """Every read in bulk (BULK_FROM 0), or every read point by point (BULK_FROM huge)."""
    saved = recorder.BULK_FROM
    recorder.BULK_FROM = 0 if request.param == "bulk" else 10 ** 9
    yield request.param
    recorder.BULK_FROM = saved


class Chunk:
    """A generator with fixed points, read one by one (`points`)."""

    def __init__(self, t, v):
        self.t, self.v = list(t), list(v)

    def points(self, signal):
        return self.t, self.v


class BatchChunk(Chunk):
    """The same, with the batch reading (`flat_points_of_signals`) a series prefers."""

    @staticmethod
    def flat_points_of_signals(gens, signals):
        t = np.array([x for g in gens for x in g.t], dtype=float)
        v = np.array([x for g in gens for x in g.v], dtype=float)
        return {signal: (t, v, np.array([len(g.t) for g in gens])) for signal in signals}


def reference(ops, interp):
    """The breakpoints (times, values) the per-point rules keep: a list replay of `_add_now`,
    `_extend_now` and `_close_now` as documented in simulator/recorder.py."""
    t_out: list[float] = []
    v_out: list[float] = []

    def add(t, v, force):
        if t_out and t == t_out[-1] and v == v_out[-1]:
            return
        if not force and t_out and interp == "step" and v == v_out[-1]:
            return
        t_out.append(t)
        v_out.append(v)

    for o in ops:
        if o[0] == "add":
            add(o[1], o[2], o[3])
        elif o[0] == "gen":
            for k, (t, v) in enumerate(zip(o[2], o[3])):
                prev = (v_out[-1] if t_out else None) if k == 0 else o[3][k - 1]
                if interp == "linear" or prev is None or not v == prev:
                    t_out.append(t)
                    v_out.append(v)
        elif t_out and t_out[-1] < o[1]:  # close: the value after the last breakpoint, as `at` gives it
            last = v_out[-1]
            add(o[1], last if interp == "step" else last + 0.0 * (last - last), True)
    return _bits(t_out), _bits(v_out)


def _bits(values) -> bytes:
    return struct.pack(f"{len(values)}d", *values)


def deferred(ops, interp):
    s = Series("d", "x", "u", interp)
    for o in ops:
        if o[0] == "add":
            s.add(o[1], o[2], force=o[3])
        elif o[0] == "gen":
            s.add_generated((BatchChunk if o[1] else Chunk)(o[2], o[3]))
        else:
            s.close(o[1])
    return s


# values: few distinct ones (repeats, the dropped points, are common), signed zeros, NaN,
# infinities, and any float
VALUES = st.one_of(st.sampled_from([0.0, -0.0, 1.0, 2.5, math.nan, math.inf, -math.inf]), st.floats(allow_nan=True, allow_infinity=True))
STEPS = st.sampled_from([0.0, 0.0, 1.0, 0.5, 1e-9])


@st.composite
def operations(draw):
    """Operations with non-decreasing times; the first is a generator (the deferred path)."""
    now = 0.0
    ops = []
    batch = draw(st.booleans())  # one generator type per series (the batch path, or one by one)
    for k in range(draw(st.integers(1, 30))):
        kind = "gen" if k == 0 else draw(st.sampled_from(["add", "add", "gen", "close"]))
        if kind == "add":
            now += draw(STEPS)
            ops.append(("add", now, draw(VALUES), draw(st.booleans())))
        elif kind == "gen":
            t, v = [], []
            for _ in range(draw(st.integers(0 if k else 1, 6))):
                now += draw(STEPS)
                t.append(now)
                v.append(draw(VALUES))
            ops.append(("gen", batch, t, v))
        else:
            now += draw(STEPS)
            ops.append(("close", now))
    return ops


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations(), st.sampled_from(["linear", "step"]))
def test_bulk_materialisation_equals_the_per_point_rules(ops, interp):
    s = deferred(ops, interp)
    assert s._pending  # everything was deferred
    assert (bytes(s._t), bytes(s._v)) == reference(ops, interp)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations(), operations(), st.sampled_from(["linear", "step"]))
def test_reading_in_between_changes_nothing(first, second, interp):
    # a series read after the first operations, then given more: the same as read once at the end
    s = deferred(first, interp)
    len(s)
    for o in second:
        if o[0] == "add":
            s.add(o[1] + 10.0 ** 3, o[2], force=o[3])
        elif o[0] == "gen":
            s.add_generated(Chunk([t + 10.0 ** 3 for t in o[2]], o[3]))
        else:
            s.close(o[1] + 10.0 ** 3)
    shifted = [(o[0], o[1] + 1e3, *o[2:]) if o[0] != "gen" else (o[0], False, [t + 1e3 for t in o[2]], o[3]) for o in second]
    assert (bytes(s._t), bytes(s._v)) == reference(first + shifted, interp)


def test_linear_known_answer():
    # explicit (1, 5) then a chunk [(2, 5), (2, 5)] (generated: all kept), then explicit (2, 5)
    # (a repeat of the last point: dropped), (2, 6) kept, (2, 6) dropped, a close at 3 (value 6)
    s = Series("d", "x", "u", "linear")
    s.add_generated(Chunk([1.0], [5.0]))
    s.add_generated(Chunk([2.0, 2.0], [5.0, 5.0]))
    for t, v in ((2.0, 5.0), (2.0, 6.0), (2.0, 6.0)):
        s.add(t, v)
    s.close(3.0)
    assert list(s._t) == [1.0, 2.0, 2.0, 2.0, 3.0]
    assert list(s._v) == [5.0, 5.0, 5.0, 6.0, 6.0]


def test_step_known_answer():
    # levels 1, 1, 2 (chunk) -> 1 at t=0 and 2 at t=2; explicit 2 at t=3 dropped (no change),
    # forced 2 at t=3 kept (the last kept time is 2), forced 2 at t=3 again dropped (same time),
    # a chunk 2, 3 at t=4, 5 -> only 3 at t=5; a close at 6 adds 3
    s = Series("d", "x", "u", "step")
    s.add_generated(Chunk([0.0, 1.0, 2.0], [1.0, 1.0, 2.0]))
    s.add(3.0, 2.0)
    s.add(3.0, 2.0, force=True)
    s.add(3.0, 2.0, force=True)
    s.add_generated(Chunk([4.0, 5.0], [2.0, 3.0]))
    s.close(6.0)
    assert list(s._t) == [0.0, 2.0, 3.0, 5.0, 6.0]
    assert list(s._v) == [1.0, 2.0, 2.0, 3.0, 3.0]


def test_merge_in_order_known_answer():
    # generator 0 (points 10, 11) before any explicit point, generator 1 (point 12) after two,
    # generator 2 (no point) after two, then explicit points 0, 1, 2: 10 11 e0 e1 12 e2
    t, v, explicit, forced = _merge_in_order(np.array([10.0, 11.0, 12.0]), np.array([1.0, 1.0, 1.0]), np.array([2, 1, 0]),
                                             np.array([0, 2, 2]), np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 0.0]),
                                             np.array([False, True, False]))
    assert t.tolist() == [10.0, 11.0, 0.0, 1.0, 12.0, 2.0]
    assert explicit.tolist() == [False, False, True, True, False, True]
    assert forced.tolist() == [False, False, False, True, False, False]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations(), st.lists(st.tuples(st.integers(0, 30), VALUES), max_size=6))
def test_materialised_together_equals_one_by_one(ops, extra):
    # three series given the same generators (a pump's series); two of them also get their own
    # explicit points; the third has its own generator at the end: its own group
    def build():
        a, b, c = (Series("d", name, "u", interp) for name, interp in (("a", "linear"), ("b", "step"), ("c", "linear")))
        for o in ops:
            for s in (a, b, c):
                if o[0] == "gen":
                    s.add_generated(gen_of[id(o)])
                elif o[0] == "add":
                    s.add(o[1], o[2], force=o[3])
                else:
                    s.close(o[1])
        for dt, v in extra:
            a.add(ops_end + dt, v)
            b.add(ops_end + dt, v)
        c.add_generated(BatchChunk([ops_end + 1.0], [7.0]))
        return a, b, c

    gen_of = {id(o): BatchChunk(o[2], o[3]) for o in ops if o[0] == "gen"}
    ops_end = max([o[1] for o in ops if o[0] != "gen"] + [t for o in ops if o[0] == "gen" for t in o[2]] + [0.0])
    together, alone = build(), build()
    materialise_together(together)
    assert not any(s._pending for s in together)
    for s, r in zip(together, alone):
        assert (bytes(s._tl), bytes(s._vl)) == (bytes(r._t), bytes(r._v))


def test_the_read_path_follows_the_size_of_the_read(read_path, monkeypatch):
    # a read of 3 explicit points and 1 generator (3 + 5 units of work) goes point by point under
    # BULK_FROM 64, in bulk under BULK_FROM 8
    calls = []
    monkeypatch.setattr(Series, "_add_in_bulk", lambda self, *a: calls.append("bulk"))
    monkeypatch.setattr(Series, "_add_one_by_one", lambda self, *a: calls.append("one by one"))
    for bulk_from, expected in ((64, "one by one"), (8, "bulk")):
        monkeypatch.setattr(recorder, "BULK_FROM", bulk_from)
        s = Series("d", "x", "u", "linear")
        s.add_generated(Chunk([1.0], [1.0]))
        for t in (2.0, 3.0, 4.0):
            s.add(t, 1.0)
        len(s)
        assert calls.pop() == expected
