"""RowBlock.flush's bulk paths (recorder.py): many rows before a series' first generator added
by `_add_now`'s rules in bulk, and a block whose generators all share one list of targets (a
pump's usual case), against the plain `Series.add` / `Series.add_generated` one at a time:
the same points, the same floats (compared bit for bit)."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.recorder import ADD_NOW_BULK_FROM, RowBlock, Series


class _Gen:
    """A generator of fixed points (any signal)."""

    def __init__(self, t: list[float], v: list[float]):
        self.t, self.v = t, v

    def points(self, signal: str):
        return list(self.t), list(self.v)


def _bytes(s: Series) -> tuple[bytes, bytes]:
    """A series' breakpoints as bytes (NaN equal to itself, -0.0 apart from 0.0)."""
    return s._t.tobytes(), s._v.tobytes()


# few distinct values and time steps, so repeats (same time, same value, -0.0 against 0.0, NaN) are common
_value = st.sampled_from([0.0, -0.0, 1.0, 2.5, math.nan])
_dt = st.sampled_from([0.0, 0.0, 0.5, 1.0])
_row = st.tuples(_dt, st.lists(_value, min_size=3, max_size=3))
_KINDS = ("linear", "step", "linear")


def _pair() -> tuple[list[Series], list[Series], RowBlock]:
    fast = [Series("d", f"s{i}", "u", kind) for i, kind in enumerate(_KINDS)]
    plain = [Series("d", f"s{i}", "u", kind) for i, kind in enumerate(_KINDS)]
    block = RowBlock()
    block.bind(fast)
    return fast, plain, block


@settings(max_examples=150, deadline=None)
@given(before=st.lists(_row, min_size=0, max_size=3 * ADD_NOW_BULK_FROM), seed=st.lists(_row, max_size=3),
       gens=st.lists(st.tuples(st.lists(_row, max_size=4), st.lists(st.tuples(_dt, _value), max_size=3)), max_size=6),
       targets=st.sampled_from([(0, 1, 2), (0, 2), (1,)]), read_first=st.booleans())
def test_bulk_flush_equals_adds_one_by_one(before, seed, gens, targets, read_first):
    """Rows (some before any generator, many or few), then generators sharing one list of targets,
    each after a few rows: every series, read at the end, equals its plain twin."""
    fast, plain, block = _pair()
    t = 0.0
    for dt, values in seed:  # a few points already in the series (the bulk rules' "last kept point")
        t += dt
        for f, p, v in zip(fast, plain, values):
            f.add(t, v)
            p.add(t, v)
    if read_first:
        for f in fast:
            _ = f._t
    shared = [fast[i] for i in targets]
    for dt, values in before:
        t += dt
        block.add_row(t, values)
        for s, v in zip(plain, values):
            s.add(t, v)
    for rows, points in gens:
        for dt, values in rows:
            t += dt
            block.add_row(t, values)
            for s, v in zip(plain, values):
                s.add(t, v)
        t_g = []
        for dt, _ in points:
            t += dt
            t_g.append(t)
        gen = _Gen(t_g, [v for _, v in points])
        block.add_generated(shared, gen)  # (the same list object each time)
        Series.add_generated_to([plain[i] for i in targets], gen)
    for f, p in zip(fast, plain):
        assert _bytes(f) == _bytes(p)


def test_many_rows_by_hand():
    """Hand-worked: 100 rows of a step series holding 1.0, then 2.0 from row 50 (two points
    kept), and of a linear one at 50 distinct times, each time twice with the same value
    (50 points kept), flushed in bulk."""
    fast = [Series("d", "lin", "u", "linear"), Series("d", "lvl", "u", "step")]
    block = RowBlock()
    block.bind(fast)
    for k in range(100):
        block.add_row(float(k // 2), [float(k // 2), 1.0 if k < 50 else 2.0])
    block.flush()
    lin, lvl = fast
    assert list(lin._t) == [float(k) for k in range(50)] and list(lin._v) == [float(k) for k in range(50)]
    assert list(lvl._t) == [0.0, 25.0] and list(lvl._v) == [1.0, 2.0]
