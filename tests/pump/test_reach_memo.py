"""Program.time_to_reach keeps its last answer: any sequence of calls (repeats included) gives
the float the unmemoised computation gives, to the bit."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.pump.schedule import Program


def bits(x: float) -> str:
    return x.hex() if not math.isnan(x) else "nan"


steps = st.lists(st.tuples(st.integers(0, 23).map(lambda h: h * 3600.0), st.floats(0.0, 10.0)), min_size=1, max_size=6, unique_by=lambda s: s[0])
calls = st.tuples(st.sampled_from([0.0, -0.0, 3600.0, 86399.5, 1e6]), st.sampled_from([-1.0, 0.0, 1e-9, 0.5, 20.0]),
                  st.sampled_from([0.0, -0.0, 1e-3, 0.25]), st.sampled_from([0.0, -0.0, 1e-7]))


@settings(max_examples=300, deadline=None)
@given(steps, st.floats(0.0, 86399.0), st.lists(calls, min_size=1, max_size=8))
def test_time_to_reach_with_its_memo_equals_the_plain_computation(step_list, offset, sequence):
    program = Program("flex", sorted([(0.0, step_list[0][1]), *step_list[1:]]), offset)
    fresh = Program("flex", sorted([(0.0, step_list[0][1]), *step_list[1:]]), offset)
    for t_a, target, per_dose, per_s in sequence + sequence[::-1]:  # repeats, in and out of turn
        try:
            got = bits(program.time_to_reach(t_a, target, per_dose, per_s))
        except ValueError:
            got = "error"
        fresh._reach_last = None
        try:
            expected = bits(fresh.time_to_reach(t_a, target, per_dose, per_s))
        except ValueError:
            expected = "error"
        assert got == expected


def test_time_to_reach_known_answer():
    # 2.4 units/day from 00:00 and 0 from 12:00: 1.2 units by noon, nothing more until midnight
    program = Program("flex", [(0.0, 2.4), (43200.0, 0.0)], 0.0)
    assert program.time_to_reach(0.0, 0.6, 1.0, 0.0) == 21600.0
    assert program.time_to_reach(0.0, 0.6, 1.0, 0.0) == 21600.0  # the memo
    assert program.time_to_reach(0.0, 1.8, 1.0, 0.0) == 86400.0 + 21600.0
