"""The pump's flex-step points made for several signals in one call (`StepBreakpoints.
flat_points_of_signals`, used by `recorder.materialise_together`) are those made one signal at a
time, to the bit, with one program or several; and a run's series read together by the writer
equal the series read one by one."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import builders
from simulator.engine import Simulation
from simulator.pump.schedule import Program
from simulator.pump.step_series import StepBreakpoints
from simulator.recorder import materialise_together

SIGNALS = ["reservoir_ml", "expected_reservoir_ml", "delivered_volume_ml", "rate_ml_per_day", "cumulative_drug_mg", "drug_rate_mg_per_day", "battery_pct"]
SPEC = SimpleNamespace(idle_drain_pct_per_day=0.011, pumping_drain_pct_per_ml=0.0037)


def _program(offset: float, hours: list[int]) -> Program:
    steps = [(0.0, 0.5)] + [(h * 3600.0, 0.1 * (i + 2)) for i, h in enumerate(sorted(set(hours)))]
    return Program("flex", steps, offset)


interval = st.tuples(st.floats(0.0, 3e7), st.floats(0.0, 5 * 86400.0))
row = st.tuples(interval, st.floats(0.0, 1e-4), st.floats(0.0, 2.0), st.booleans(), st.floats(0.0, 40.0), st.floats(0.0, 50.0), st.floats(0.0, 100.0))


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 86400.0), st.lists(st.integers(1, 23), min_size=1, max_size=6), st.lists(row, min_size=1, max_size=6), st.booleans(),
       st.lists(st.sampled_from(SIGNALS), min_size=1, max_size=7, unique=True))
def test_signals_together_equal_one_at_a_time(offset, hours, rows, two_programs, signals):
    programs = [_program(offset, hours), _program(offset, hours[:1])]
    gens = [StepBreakpoints(programs[i % 2 if two_programs else 0], a, a + d, (per_dose, 1e-6), factor, flowing, volume, volume, 3.0, 1.5, conc, "mg", pct, SPEC)
            for i, ((a, d), per_dose, factor, flowing, volume, conc, pct) in enumerate(rows)]
    together = StepBreakpoints.flat_points_of_signals(gens, signals)
    for signal in signals:
        alone = StepBreakpoints.flat_points_of_signals(gens, [signal])[signal]
        assert [x.tobytes() for x in together[signal]] == [x.tobytes() for x in alone]
        pieces = StepBreakpoints.points_of_many(gens, signal)
        assert together[signal][0].tobytes() == b"".join(t.tobytes() for t, _ in pieces)
        assert together[signal][1].tobytes() == b"".join(v.tobytes() for _, v in pieces)
        assert together[signal][2].tolist() == [len(t) for t, _ in pieces]


def test_a_runs_series_read_together_equal_series_read_one_by_one():
    scenario = builders.combined_scenario(20.0)
    runs = []
    for together in (True, False):
        sim = Simulation(scenario)
        sim.run()
        series = sim.recorder.series
        assert sum(bool(s._pending) for s in series.values()) >= 6  # the pump's deferred series
        if together:
            materialise_together(series.values())
            assert not any(s._pending for s in series.values())
        runs.append({k: (bytes(s._t), bytes(s._v)) for k, s in series.items()})
    assert runs[0] == runs[1]
    assert len(np.frombuffer(runs[0][("pump", "rate_ml_per_day")][0])) > 20  # the flex steps are there
