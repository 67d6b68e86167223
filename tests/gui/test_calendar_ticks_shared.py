"""A move of the linked time plots' x range computes each set of calendar ticks once.

Default scenario, overview: the stimulator's battery plot and the pump's three plots are linked in
x and equally wide. The recharge at 62.5 d fills the battery, so its projected 'stimulation off'
moves a week later and the followed range widens: every calendar axis is asked for its ticks by
its grid and again by its paint, four axes of one range and length. pyqtgraph's date ticks (about
1.3 ms a time) were computed for every one of those asks: the frame of each recharge was the slow
frame of playing at 4 weeks/s. Now a range and length asked before is answered from the shared
ticks: pyqtgraph computes each distinct (range, length) once.
"""
from __future__ import annotations

import pyqtgraph as pg

from simulator.engine import Simulation
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario

DAY_S = 86400.0


def test_range_move_computes_each_tick_set_once(make_window, qapp, monkeypatch):
    registry = default_registry()
    sim = Simulation(load_scenario("default", registry), registry=registry)
    window = make_window(sim, registry)
    window.resize(1600, 1000)
    window.show()
    window.show_view("overview")
    sim.run(60 * DAY_S)
    window.refresh_views(sim.now)
    qapp.processEvents()
    asked: list[tuple[float, float, float]] = []
    compute = pg.DateAxisItem.tickValues

    def counted(self, min_val, max_val, size):
        asked.append((round(min_val, 3), round(max_val, 3), round(float(size), 3)))
        return compute(self, min_val, max_val, size)

    monkeypatch.setattr(pg.DateAxisItem, "tickValues", counted)
    sim.run(62.6 * DAY_S)  # past the recharge at 62.5 d
    window.refresh_views(sim.now)
    qapp.processEvents()  # the grids and the paints ask for the new ticks
    assert asked, "the range moved: new ticks were needed"
    assert len(asked) == len(set(asked))
