"""A series with generated breakpoints, read once at the end (`Series._materialise`), holds
exactly the breakpoints it would hold had every point been added when it came (`_add_now`,
`extend`, `_close_now` one by one): same times and values, bit for bit."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.recorder import Series


class Chunk:
    """A generator handing out fixed breakpoints (as the pump's flex-step chunks do)."""

    def __init__(self, t, v):
        self.t, self.v = np.array(t, dtype=float), np.array(v, dtype=float)

    def points(self, signal):
        return self.t, self.v


# few distinct values, so repeats (the dropped points) are common; -0.0 and NaN on purpose
VALUES = st.sampled_from([0.0, -0.0, 1.0, 2.5, math.nan])
op = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 2), VALUES, st.booleans()),
    st.tuples(st.just("gen"), st.lists(st.tuples(st.integers(0, 2), VALUES), max_size=5)),
    st.tuples(st.just("close"), st.integers(0, 2)),
)


def play(ops, interp, deferred):
    s = Series("d", "x", "u", interp)
    now = 0.0
    started = False
    for o in ops:
        if o[0] == "add":
            now += o[1]
            s.add(now, o[2], force=o[3])
        elif o[0] == "gen":
            t, v = [], []
            for dt, val in o[1]:
                now += dt
                t.append(now)
                v.append(val)
            if deferred:
                s.add_generated(Chunk(t, v))
                started = True
            else:
                s.extend(t, v)
        else:
            now += o[1]
            s.close(now)
    assert not deferred or not started or s._pending  # the deferred path was taken
    return np.array(s._t).tobytes(), np.array(s._v).tobytes()


@settings(max_examples=400, deadline=None)
@given(st.lists(op, max_size=25), st.sampled_from(["linear", "step"]))
def test_deferred_breakpoints_equal_eager_ones(ops, interp):
    # the first generator switches the series to the deferred path; put one first so most ops are deferred
    ops = [("gen", [(0, 1.0)])] + ops
    assert play(ops, interp, deferred=True) == play(ops, interp, deferred=False)


def test_step_forced_repeat_is_dropped_only_at_the_last_kept_time():
    # step series: 1.0 at t=0 kept; 1.0 at t=5 (generated) dropped, a level that did not change;
    # then a forced 1.0 at t=5: the last KEPT point is at t=0, so it is not a repeat: kept.
    # A forced 1.0 at t=5 again is an exact repeat of that kept point: dropped.
    s = Series("d", "x", "u", "step")
    s.add_generated(Chunk([0.0, 5.0], [1.0, 1.0]))
    s.add(5.0, 1.0, force=True)
    s.add(5.0, 1.0, force=True)
    assert list(s._t) == [0.0, 5.0] and list(s._v) == [1.0, 1.0]
