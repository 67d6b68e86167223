"""The event log's two time columns name the same second.

Default scenario: the first weekly recharge starts on day 6.5 (2026-01-11 20:00 from a 2026-01-05
08:00 start) at 43.4155 % and ends at t = 569846.746 s: 6 d (518400 s) + 51446.746 s = 14:17:26.746,
so the elapsed column shows 6d 14:17:27 (to the nearest second) and the calendar column must show
2026-01-11 22:17:27 (20:00 + 2:17:27), not 22:17:26 (the fraction cut off).
"""
from __future__ import annotations

from simulator.engine import Simulation
from simulator.event_kinds import K
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario


def test_elapsed_and_calendar_columns_agree_to_the_second(make_window):
    registry = default_registry()
    sim = Simulation(load_scenario("default", registry), registry=registry)
    sim.run(7 * 86400.0)
    window = make_window(sim, registry)
    window.show_view("events")
    window.refresh_views()
    log = window.event_log
    model = log.table.model()
    rows = [r for r in range(model.rowCount()) if model.index(r, 3).data() == K.RECHARGE_END]
    assert rows, "the first recharge's end is listed"
    row = rows[0]
    assert model.index(row, 0).data() == "6d 14:17:27"
    assert model.index(row, 1).data() == "2026-01-11 22:17:27"
