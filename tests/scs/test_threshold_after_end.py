"""No threshold wake-up after the run's end (issue 14, eleventh pass).

`PowerSupply.plan_threshold` and the fused amplitude finish schedule the battery threshold's
wake-up only when it falls at or before the scenario's end (`PowerSupply.end_s`): `Simulation.run`
never goes past it, so a later one could only be cancelled or left unfired. Whole runs (in one go
and in slices) are identical with every wake-up scheduled (`end_s = inf`, the plain path), event by
event and series by series, and a threshold inside the run still fires at the same time.
"""
from __future__ import annotations

import math

import pytest

from simulator.engine import Simulation
from simulator.scs.device import StimulatorDevice
from simulator.scs.power import PowerSupply
from tests.scs.test_amplitude_finish import _busy_sim, _primary_sim, _step
from tests.scs.helpers import sim_of


def _long_primary_sim() -> Simulation:
    """A primary cell at 10.3 %: its 'low' threshold falls inside 30 days, later ones after."""
    steps = [_step(k * 3600.0, "amplitude_up" if k % 2 else "amplitude_down") for k in range(1, 200)]
    return sim_of(profile="scs/recharge-free-tonic", settings={"battery_pct": 10.3}, timeline=steps, duration="30d", seed=4)


def _run(make, plain: bool, monkeypatch: pytest.MonkeyPatch, slices: bool) -> tuple[Simulation, list]:
    """`make()` run to its end (in uneven slices if `slices`); with `plain`, every threshold wake-up
    scheduled (`end_s` = inf). Returns the simulation and the threshold wake-ups made."""
    made: list = []
    plan = PowerSupply.plan_threshold

    def watching(self, on_cross, now_s=None):
        if plain:
            self.end_s = math.inf
        plan(self, on_cross, now_s)
        made.append(self.threshold_wake)

    monkeypatch.setattr(PowerSupply, "plan_threshold", watching)
    monkeypatch.setattr(StimulatorDevice, "fused_finish", not plain)
    sim = make()
    if plain:
        sim.devices["ipg"].power.end_s = math.inf
    if slices:
        t = 0.0
        while t < sim.duration_s:
            t += 5000.0 + t % 7777.0
            sim.run(until=min(t, sim.duration_s))
    sim.run()
    return sim, made


@pytest.mark.parametrize("make", [_busy_sim, _primary_sim, _long_primary_sim])
@pytest.mark.parametrize("slices", [False, True])
def test_runs_are_identical_with_every_threshold_wake_scheduled(monkeypatch, make, slices):
    fast, _ = _run(make, False, monkeypatch, slices)
    slow, made = _run(make, True, monkeypatch, slices)
    a, b = fast.results(), slow.results()
    assert len(a.events) == len(b.events) and all(x == y for x, y in zip(a.events, b.events))
    assert a.summary == b.summary
    assert list(a.series) == list(b.series) and all(a.series[k] == b.series[k] for k in a.series)
    if make is not _busy_sim:  # a draining primary cell: the plain path planned wake-ups past the end
        assert any(w is not None and w.t_s > slow.duration_s for w in made)


def test_a_threshold_inside_the_run_still_wakes():
    """By hand: the long primary run crosses 'low' inside its 30 days (the event at the wake-up's
    time), and after the run no wake-up is held for a threshold past the end."""
    sim = _long_primary_sim().run()
    dev = sim.devices["ipg"]
    kinds = [e.kind for e in sim.recorder.events if e.device == "ipg"]
    assert any("battery" in k and "low" in k for k in kinds), sorted(set(kinds))
    assert dev.power.end_s == sim.duration_s == 30 * 86400.0
    assert dev.power.threshold_wake is None or dev.power.threshold_wake.t_s <= sim.duration_s
    # the same device planned for a longer run keeps the wake-up it would fire
    power = dev.power
    power.end_s = math.inf
    power.plan_threshold(dev._on_threshold)
    assert power.threshold_wake is not None and power.threshold_wake.t_s > sim.duration_s
