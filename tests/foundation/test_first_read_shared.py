"""The first read of the series (`recorder.materialise_together`, the pump's step values) made
faster, against the plain computations: one merge order shared by the series of a group whose
pending points differ only in their values, floats appended from an array's buffer, and the
step values' helpers (`mod_day`, `_per_value`, `_per_object`). Bit for bit."""
from __future__ import annotations

from array import array

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import recorder
from simulator.pump.step_series import _per_object, _per_value, mod_day
from simulator.recorder import Series, _alike, _append_floats, materialise_together
from simulator.units import SECONDS_PER_DAY


def bits(x) -> bytes:
    return np.asarray(x, dtype=float).tobytes()


class Chunk:
    """A generator with fixed points, one batch reading for all of them (as the pump's)."""

    def __init__(self, t, v):
        self.t, self.v = list(t), list(v)

    def points(self, signal):
        return self.t, [x + len(signal) for x in self.v]

    @staticmethod
    def flat_points_of_signals(gens, signals):
        t = np.array([x for g in gens for x in g.t], dtype=float)
        counts = np.array([len(g.t) for g in gens])
        return {s: (t, np.array([x + len(s) for g in gens for x in g.v], dtype=float), counts) for s in signals}


TIMES = st.floats(0.0, 1e3, allow_nan=False)
VALUES = st.floats(-5.0, 5.0, allow_nan=False) | st.sampled_from([0.0, -0.0, 1.0, float("nan")])


@st.composite
def recipes(draw):
    """Operations every series of a group gets in the same order, times non-decreasing: a
    generator (shared object), an explicit point (a value per series), a forced point, a close."""
    now, ops = 0.0, [("gen", Chunk([0.5, 1.0], [1.0, 1.0]))]
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["gen", "add", "add", "force", "close"]))
        now += draw(st.sampled_from([0.0, 0.5, 1.0]))
        if kind == "gen":
            n = draw(st.integers(0, 4))
            ops.append(("gen", Chunk([now + 0.25 * i for i in range(n)], draw(st.lists(VALUES, min_size=n, max_size=n)))))
            now += 0.25 * n
        elif kind == "close":
            ops.append(("close", now))
        else:
            ops.append((kind, now, draw(st.lists(VALUES, min_size=4, max_size=4))))
    return ops


def build(ops):
    """Four series (two linear, two step) given the same operations, their own values."""
    group = [Series("pump", name, "u", interp) for name, interp in (("a", "linear"), ("bb", "step"), ("ccc", "linear"), ("dddd", "step"))]
    for op in ops:
        for i, s in enumerate(group):
            if op[0] == "gen":
                s.add_generated(op[1])
            elif op[0] == "close":
                s.close(op[1])
            else:
                s.add(op[1], op[2][i], force=op[0] == "force")
    return group


@settings(max_examples=300, deadline=None)
@given(recipes())
def test_a_shared_merge_order_gives_each_series_its_own_read(ops):
    together, alone = build(ops), build(ops)
    assert len(_alike(together, Chunk.flat_points_of_signals(together[0]._pending, [s.signal for s in together]))) == 1
    saved = recorder.BULK_FROM
    recorder.BULK_FROM = 0  # every read in bulk: the path that shares the merge order
    try:
        materialise_together(together)
    finally:
        recorder.BULK_FROM = saved
    for s, r in zip(together, alone):
        r._materialise()  # alone, its own merge order (or point by point: the plain rules)
        assert (bytes(s._tl), bytes(s._vl)) == (bytes(r._tl), bytes(r._vl))


def test_series_whose_explicit_times_differ_are_not_alike():
    gen = Chunk([1.0], [2.0])
    a, b, c = (Series("pump", name, "u", "linear") for name in ("a", "b", "c"))
    for s, t in ((a, 0.0), (b, -0.0), (c, 0.0)):  # -0.0 is not 0.0 bit for bit
        s.add_generated(gen)
        s.add(2.0 + t, 1.0)
        s.add(t, 1.0) if s is not c else s.add(3.0, 1.0)
    groups = _alike([a, b, c], Chunk.flat_points_of_signals([gen], ["a", "b", "c"]))
    assert [[s.signal for s in g] for g in groups] == [["a"], ["b"], ["c"]]


def test_append_floats_known_answer():
    out = array("d", [1.0])
    _append_floats(out, np.array([2.0, -0.0, 3.5])[::2])  # a strided view: made contiguous first
    _append_floats(out, np.empty(0))
    assert bits(out) == bits([1.0, 2.0, 3.5])


DAY = SECONDS_PER_DAY
NEAR_DAYS = st.builds(lambda k, ulps, sign: float(np.nextafter(k * DAY, np.inf * sign) if ulps else k * DAY),
                      st.integers(0, 10 ** 6), st.booleans(), st.sampled_from([1.0, -1.0]))
TIMES_OF_DAY = st.lists(NEAR_DAYS | st.floats(-1e6, 1e12) | st.sampled_from([0.0, -0.0, DAY, float("inf"), float("nan"), 2.0 ** 52, 2.0 ** 52 - 1.0]), max_size=20)


@settings(max_examples=500, deadline=None)
@given(TIMES_OF_DAY)
def test_mod_day_is_nps_mod_to_the_bit(u):
    x = np.array(u, dtype=float)
    with np.errstate(invalid="ignore"):  # (inf and NaN: NaN both ways)
        assert bits(mod_day(x)) == bits(np.mod(x, DAY))


@settings(max_examples=500, deadline=None)
@given(st.lists(NEAR_DAYS.filter(lambda u: u >= 0.0) | st.floats(0.0, 2.0 ** 52, exclude_max=True), min_size=1, max_size=20))
def test_mod_day_fast_path_is_nps_mod_to_the_bit(u):
    x = np.array(u, dtype=float)
    assert bits(mod_day(x)) == bits(np.mod(x, DAY))


def test_mod_day_known_answers():
    x = np.array([0.0, -0.0, DAY, DAY + 1.5, 10 * DAY - 0.25, float(np.nextafter(3 * DAY, 0.0))])
    assert bits(mod_day(x)) == bits([0.0, 0.0, 0.0, 1.5, DAY - 0.25, float(np.nextafter(3 * DAY, 0.0)) - 2 * DAY])


@given(st.lists(VALUES | st.sampled_from([0.0, -0.0]), max_size=30))
def test_per_value_calls_once_per_value_and_gives_the_plain_array(x):
    calls = []

    def double(v):
        calls.append(v)
        return v * 2.0

    arr = np.array(x, dtype=float)
    plain = np.array([v * 2.0 for v in x], dtype=float)
    assert bits(_per_value(arr, double)) == bits(plain)
    assert len(calls) == len({np.float64(v).tobytes() for v in x})


def test_per_object_known_answers():
    one, two = object(), object()
    assert _per_object([one, one, one], lambda o: 1.5).tolist() == [1.5, 1.5, 1.5]
    assert _per_object([one, two, one], lambda o: 1.0 if o is one else 2.0).tolist() == [1.0, 2.0, 1.0]
    assert len(_per_object([], lambda o: 1.0)) == 0
