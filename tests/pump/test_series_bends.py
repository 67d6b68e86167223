"""The pump's series get a point where the flex schedule changes the dose, not at a step
boundary between two steps of the same dose (a point on a straight line): the values at every
moment are the same, the files hold fewer rows. Hand-worked: morphine 10 mg/mL, 20 mL, steps
00:00 2.4, 06:00 2.4, 12:00 4.8, 18:00 4.8 mg/day, the scenario starting at midnight."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import Simulation
from simulator.pump.schedule import Program
from simulator.scenario.model import Scenario
from simulator.units import SECONDS_PER_DAY

HOUR = 3600.0


def _scenario(days: float, doses: list[float]) -> Scenario:
    steps = [{"start": f"{6 * i:02d}:00", "dose_mg_per_day": d} for i, d in enumerate(doses)]
    return Scenario.model_validate({
        "name": "bends", "seed": 1, "start": "2026-01-05T00:00:00", "duration": days * SECONDS_PER_DAY,
        "devices": [{"id": "pump", "profile": "pump/valve-gated-20ml", "settings": {
            "drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 20, "low_reservoir_threshold_ml": 2,
            "mode": {"type": "flex", "steps": steps}}}],
        "timeline": [],
    })


def _series(sim, signal):
    s = sim.recorder.series[("pump", signal)]
    return np.asarray(s.t_s, dtype=float), np.asarray(s.values, dtype=float)


def test_points_only_where_the_dose_changes():
    sim = Simulation(_scenario(2.0, [2.4, 2.4, 4.8, 4.8]))
    sim.run()
    t, v = _series(sim, "reservoir_ml")
    # bends at 12:00 and at midnight (4.8 -> 2.4); none at 06:00 or 18:00
    inner = t[(t > 0.0) & (t < 2 * SECONDS_PER_DAY)]
    assert inner.tolist() == [12 * HOUR, 24 * HOUR, 36 * HOUR]
    # 2.4 mg/day = 0.24 mL/day for half a day: 0.12 mL; then 4.8 mg/day: 0.24 mL in half a day
    assert np.interp([12 * HOUR, 24 * HOUR, 36 * HOUR], t, v) == pytest.approx([19.88, 19.64, 19.52], abs=1e-12)
    # between the points the series is the straight line: at 06:00 0.06 mL pumped, at 18:00 0.24
    assert np.interp([6 * HOUR, 18 * HOUR], t, v) == pytest.approx([19.94, 19.76], abs=1e-12)
    rate_t, rate = _series(sim, "rate_ml_per_day")
    held = rate[np.searchsorted(rate_t, [3 * HOUR, 9 * HOUR, 15 * HOUR, 21 * HOUR, 27 * HOUR], side="right") - 1]  # a step series
    assert held.tolist() == pytest.approx([0.24, 0.24, 0.48, 0.48, 0.24])


def test_a_schedule_of_one_dose_in_several_steps_records_no_step_points():
    sim = Simulation(_scenario(3.0, [3.6, 3.6, 3.6, 3.6]))
    sim.run()
    t, v = _series(sim, "reservoir_ml")
    assert t.tolist() == [0.0, 3 * SECONDS_PER_DAY]  # the start and the end only
    assert v.tolist() == pytest.approx([20.0, 20.0 - 3 * 0.36])


@settings(max_examples=80, deadline=None)
@given(offset=st.floats(0.0, SECONDS_PER_DAY), doses=st.lists(st.sampled_from([1.0, 2.0, 3.0]), min_size=2, max_size=8),
       t_a=st.floats(0.0, 3e8), length=st.floats(0.0, 4 * SECONDS_PER_DAY))
def test_bends_are_the_boundaries_where_the_dose_changes(offset, doses, t_a, length):
    starts = [i * (SECONDS_PER_DAY / len(doses)) for i in range(len(doses))]
    program = Program("flex", list(zip(starts, doses)), offset)
    t_b = t_a + length
    every = program.boundaries_between(t_a, t_b).tolist()
    changing = [x for x in every if program.basal_dose_per_day_at(x - 1.0) != program.basal_dose_per_day_at(x + 1.0)]
    assert program.bends_between(t_a, t_b).tolist() == changing
