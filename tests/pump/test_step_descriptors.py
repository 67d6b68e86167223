"""The flex-step breakpoint descriptors (simulator/pump/step_series.py): made many at once, they
give the same floats, to the bit, as the per-interval computation they replaced (kept here as the
reference), and they hold no arrays before or after a read."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import builders
from simulator.engine import Simulation
from simulator.pump import dosing
from simulator.pump.schedule import Program
from simulator.pump.step_series import StepBreakpoints, boundaries_of_many
from simulator.units import SECONDS_PER_DAY

SIGNALS = ["reservoir_ml", "expected_reservoir_ml", "delivered_volume_ml", "rate_ml_per_day", "cumulative_drug_mg", "drug_rate_mg_per_day", "battery_pct"]


def _reference_points(program, t_a, t_b, per_dose, per_s, factor, flowing, volume_ml, v_calc, delivered_ml, cum_drug, conc, battery_pct, spec, signal):
    """The per-interval computation of the earlier StepBreakpoints (one interval, numpy)."""
    times = program.bends_between(t_a, t_b)
    if not len(times):
        return times, times
    calc = per_dose * (program.cumulative_basal_dose(times) - program.cumulative_basal_dose(t_a)) + per_s * (times - t_a)
    true = np.minimum(calc * factor if flowing else 0.0 * calc, volume_ml)
    tod = np.mod(times + program.clock_offset_s, SECONDS_PER_DAY)
    doses = np.asarray(program.doses)[np.searchsorted(program.starts, tod + 1e-6, side="right") - 1]
    rate = (per_dose * doses + dosing.ml_per_s_to_ml_per_day(per_s)) * (factor if flowing else 0.0)
    values = {
        "reservoir_ml": lambda: volume_ml - true,
        "expected_reservoir_ml": lambda: np.maximum(0.0, v_calc - calc),
        "delivered_volume_ml": lambda: delivered_ml + true,
        "rate_ml_per_day": lambda: rate,
        "cumulative_drug_mg": lambda: cum_drug + true * conc,
        "drug_rate_mg_per_day": lambda: rate * conc,
        "battery_pct": lambda: np.maximum(0.0, battery_pct - spec.idle_drain_pct_per_day / SECONDS_PER_DAY * (times - t_a) - spec.pumping_drain_pct_per_ml * calc),
    }[signal]()
    return times, np.asarray(values, dtype=float)


def _program(offset_s: float, hours: list[int]) -> Program:
    """Steps at midnight and at `hours`, two by two of the same dose (a boundary between them is
    no bend)."""
    starts = sorted({0, *hours})
    return Program("flex", [(h * 3600.0, 0.5 + 0.37 * (i // 2)) for i, h in enumerate(starts)], offset_s)


finite = st.floats(-1e3, 1e3, allow_nan=False)
interval = st.tuples(st.floats(0.0, 3e8), st.floats(-1e3, 5 * SECONDS_PER_DAY))  # start, length (may be <= 0)


@settings(max_examples=60, deadline=None)
@given(offset=st.floats(0.0, SECONDS_PER_DAY), hours=st.lists(st.integers(1, 23), max_size=6), intervals=st.lists(interval, min_size=1, max_size=6))
def test_boundaries_of_many_are_each_intervals_boundaries(offset, hours, intervals):
    program = _program(offset, hours)
    t_a = np.array([a for a, _ in intervals])
    t_b = np.array([a + d for a, d in intervals])
    times, owner = boundaries_of_many(program, t_a, t_b)
    for k, (a, b) in enumerate(zip(t_a.tolist(), t_b.tolist())):
        assert times[owner == k].tobytes() == program.bends_between(a, b).tobytes()


descriptor = st.tuples(interval, finite, st.floats(0.0, 1e-4), st.floats(0.0, 2.0), st.booleans(), st.floats(0.0, 40.0), finite, finite, finite,
                       st.floats(0.0, 50.0), st.floats(0.0, 100.0))


@settings(max_examples=60, deadline=None)
@given(offset=st.floats(0.0, SECONDS_PER_DAY), hours=st.lists(st.integers(1, 23), min_size=1, max_size=6), rows=st.lists(descriptor, min_size=1, max_size=5),
       signal=st.sampled_from(SIGNALS))
def test_many_descriptors_give_the_per_interval_floats_to_the_bit(offset, hours, rows, signal):
    programs = [_program(offset, hours), _program(offset, hours[:1])]  # two programs: grouped, then put back in order
    spec = SimpleNamespace(idle_drain_pct_per_day=0.011, pumping_drain_pct_per_ml=0.0037)
    gens, expected = [], []
    for i, ((a, d), per_dose, per_s, factor, flowing, volume, v_calc, delivered, cum, conc, pct) in enumerate(rows):
        args = (programs[i % 2], a, a + d, per_dose, per_s, factor, flowing, volume, v_calc, delivered, cum, conc, pct, spec)
        gens.append(StepBreakpoints(args[0], a, a + d, (per_dose, per_s), factor, flowing, volume, v_calc, delivered, cum, conc, "mg", pct, spec))
        expected.append(_reference_points(*args, signal))
    for (t, v), (t_ref, v_ref) in zip(StepBreakpoints.points_of_many(gens, signal), expected):
        assert t.tobytes() == t_ref.tobytes() and v.tobytes() == v_ref.tobytes()


def test_a_descriptor_holds_no_arrays_before_or_after_a_read():
    sim = Simulation(builders.combined_scenario(5.0))
    sim.run()
    pending = [item for s in sim.recorder.series.values() for item in s._pending if isinstance(item, StepBreakpoints)]
    assert pending
    sim.results()  # reads the cumulative drug series
    for gen in pending:
        assert not any(isinstance(getattr(gen, name), np.ndarray) for name in StepBreakpoints.__slots__)
    assert not hasattr(pending[0], "__dict__")
