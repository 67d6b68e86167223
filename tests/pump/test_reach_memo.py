"""Program.time_to_reach keeps its last answer and precomputes each rate pair's slopes: any
sequence of calls (repeats included) gives the float the earlier formula gives, to the bit."""
from __future__ import annotations

import bisect
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.pump.schedule import Program
from simulator.units import SECONDS_PER_DAY


def bits(x: float) -> str:
    return x.hex() if not math.isnan(x) else "nan"


def reference(p: Program, t_a_s: float, target: float, per_dose: float, per_s: float) -> float:
    """time_to_reach as it was written before (no memo, no precomputed slopes)."""
    if target <= 0:
        return t_a_s
    if per_dose < 0 or per_s < 0:
        raise ValueError("rates must be >= 0")
    day_total = per_dose * p._cum[-1] + per_s * SECONDS_PER_DAY
    if day_total <= 0:
        return math.inf
    h = [per_dose * c + per_s * k for k, c in zip(p._knots, p._cum)]
    u_a = t_a_s + p.clock_offset_s
    day_a = math.floor(u_a / SECONDS_PER_DAY)
    r_a = u_a - day_a * SECONDS_PER_DAY
    j = min(max(bisect.bisect_right(p._knots, r_a) - 1, 0), len(p._knots) - 2)
    h_goal = h[j] + (per_dose * p._knot_doses[j] / SECONDS_PER_DAY + per_s) * (r_a - p._knots[j]) + target
    days = math.floor(h_goal / day_total)
    rem = h_goal - days * day_total
    i = min(max(bisect.bisect_right(h, rem) - 1, 0), len(h) - 2)
    slope = per_dose * p._knot_doses[i] / SECONDS_PER_DAY + per_s
    r = p._knots[i] + ((rem - h[i]) / slope if slope > 0 else 0.0)
    t = (day_a + days) * SECONDS_PER_DAY + r - p.clock_offset_s
    return max(t, t_a_s)


steps = st.lists(st.tuples(st.integers(0, 23).map(lambda h: h * 3600.0), st.floats(0.0, 10.0)), min_size=1, max_size=6, unique_by=lambda s: s[0])
calls = st.tuples(st.one_of(st.sampled_from([0.0, -0.0, 3600.0, 86399.5, 1e6]), st.floats(0.0, 4e8)),
                  st.one_of(st.sampled_from([-1.0, 0.0, 1e-9, 0.5, 20.0]), st.floats(0.0, 50.0)),
                  st.one_of(st.sampled_from([0.0, -0.0, 1e-3, 0.25]), st.floats(0.0, 1.0)),
                  st.one_of(st.sampled_from([0.0, -0.0, 1e-7]), st.floats(0.0, 1e-5)))


@settings(max_examples=1000, deadline=None)
@given(steps, st.floats(0.0, 86399.0), st.lists(calls, min_size=1, max_size=8))
def test_time_to_reach_with_its_memo_equals_the_plain_computation(step_list, offset, sequence):
    program = Program("flex", sorted([(0.0, step_list[0][1]), *step_list[1:]]), offset)
    fresh = Program("flex", sorted([(0.0, step_list[0][1]), *step_list[1:]]), offset)
    for t_a, target, per_dose, per_s in sequence + sequence[::-1]:  # repeats, in and out of turn
        try:
            got = bits(program.time_to_reach(t_a, target, per_dose, per_s))
        except (ValueError, ArithmeticError) as exc:  # negative rates; a subnormal rate overflows
            got = type(exc).__name__
        try:
            expected = bits(reference(fresh, t_a, target, per_dose, per_s))
        except (ValueError, ArithmeticError) as exc:
            expected = type(exc).__name__
        assert got == expected


def test_time_to_reach_known_answer():
    # 2.4 units/day from 00:00 and 0 from 12:00: 1.2 units by noon, nothing more until midnight
    program = Program("flex", [(0.0, 2.4), (43200.0, 0.0)], 0.0)
    assert program.time_to_reach(0.0, 0.6, 1.0, 0.0) == 21600.0
    assert program.time_to_reach(0.0, 0.6, 1.0, 0.0) == 21600.0  # the memo
    assert program.time_to_reach(0.0, 1.8, 1.0, 0.0) == 86400.0 + 21600.0
