"""Count the SimPy events a run processes: the deterministic measure of a run's cost.

Tests assert on this count, never on wall time (speed is measured in benchmarks/): a model that
woke per pulse, per pump stroke or per schedule step would show up here as a count that grows
with the pulse rate or the number of steps.
"""
from __future__ import annotations


def run_counting_steps(sim, until=None) -> int:
    """Run `sim` (to `until` or its end) and return how many SimPy events were processed."""
    env = sim.env
    real_step = env.step
    count = 0

    def counting_step():
        nonlocal count
        count += 1
        real_step()

    env.step = counting_step
    try:
        sim.run(until)
    finally:
        del env.step
    return count
