"""Details a trainee sees: repeats in the event log, plots from the first frame, no stale views,
the scope's time base per waveform."""
from __future__ import annotations

from gui.scenario_io import default_scenario_path, open_scenario
from simulator.engine import Simulation

DAY_S = 86400.0


def test_loading_a_new_simulation_hides_the_old_views_at_once(qtbot, toy_sim, toy_registry, toy_scenario_data, make_window):
    from simulator.scenario import scenario_from_dict

    window = make_window(Simulation(open_scenario(default_scenario_path())))
    old = [v.overview for v in window.device_views.values()]
    window.runner.set_simulation(Simulation(scenario_from_dict(toy_scenario_data, toy_registry), registry=toy_registry))
    # the deferred delete has not run yet (no return to the event loop): nothing old may be drawn
    assert old and not any(w.isVisible() for w in old)
    assert [v.overview.isVisible() for v in window.device_views.values()] == [True]
