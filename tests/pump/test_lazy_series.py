"""Flex-step breakpoints are generated when a series is read: the series are the same whether
read once at the end or after every step of the run (which materialises them as they grow)."""
from __future__ import annotations

import pickle

from benchmarks import builders
from simulator.engine import Simulation
from simulator.recorder import Series

HOUR = 3600.0


def _points(sim):
    return {k: (list(s.t_s), list(s.values), s.unit, s.interp) for k, s in sorted(sim.recorder.series.items())}


def test_series_read_at_the_end_equal_series_read_every_hour():
    scenario = builders.combined_scenario(12.0)
    lazy = Simulation(scenario)
    lazy.run()
    lazy.results()
    eager = Simulation(scenario)
    while not eager.finished:
        eager.advance(HOUR * 0.7)
        for s in eager.recorder.series.values():
            len(s)  # materialise what is pending so far
    eager.results()
    a, b = _points(lazy), _points(eager)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key
    # the flex steps are there: 24 rate levels a day in the drug rate series (some repeat)
    assert len(a[("pump", "rate_ml_per_day")][0]) > 12 * 10


class _Gen:
    def __init__(self, t, v):
        self.t, self.v = t, v

    def points(self, signal):
        return list(self.t), list(self.v)


def test_generated_points_follow_the_eager_rules():
    ops = [("add", 0.0, 1.0), ("gen", [1.0, 2.0, 3.0], [1.0, 2.0, 2.0]), ("add", 3.5, 2.0), ("add", 3.5, 2.0), ("add", 4.0, 5.0),
           ("gen", [], []), ("close", 9.0), ("add", 9.0, 5.0), ("gen", [10.0, 11.0], [5.0, 6.0]), ("close", 12.0)]
    for interp in ("step", "linear"):
        lazy, eager = Series("d", "s", "u", interp), Series("d", "s", "u", interp)
        for op in ops:
            for s, now in ((lazy, False), (eager, True)):
                if op[0] == "add":
                    s.add(op[1], op[2])
                elif op[0] == "gen":
                    s.add_generated(_Gen(op[1], op[2]))
                else:
                    s.close(op[1])
                if now:
                    len(s)
        assert lazy._pending and not eager._pending
        assert (lazy._t, lazy._v) == (eager._t, eager._v), interp
        assert lazy == eager
        assert pickle.loads(pickle.dumps(lazy)) == eager


def test_scalar_cumulative_dose_is_the_array_path_to_the_bit():
    import numpy as np

    from simulator.pump.schedule import Program

    steps = [(h * 3600.0, d) for h, d in enumerate(builders.FLEX_DOSE_MG_PER_DAY)]
    rng = np.random.default_rng(3)
    for offset in (0.0, 8 * 3600.0, 12345.678):
        program = Program("flex", steps, offset)
        times = np.concatenate([rng.uniform(-86400.0, 3.2e8, 4000), np.arange(0.0, 3 * 86400.0, 1800.0) - offset, [0.0, 86400.0 - offset, -offset]])
        array = program.cumulative_basal_dose(times)
        for t, expected in zip(times.tolist(), array.tolist()):
            assert program.cumulative_basal_dose(t) == expected, t
