"""A compact scope (two rows of devices in the overview) still says its time axis's unit.

scs_tonic_burst_hf_year has four stimulators: the overview is compact and each scope's bottom axis
loses its title ('time from trigger (ms)') to save height. Its ticks then read 0, 50, 100, 150 with
no unit anywhere: a trainee cannot tell milliseconds from seconds (the tonic program's 30 Hz
pulses are 33.3 ms apart). The title now carries it: 'ms from trigger' (or 'ms from now').
"""
from __future__ import annotations

from gui.scope import Scope
from simulator.engine import Simulation
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario


def test_compact_scopes_name_their_time_unit(make_window, qapp, no_dialogs):
    registry = default_registry()
    sim = Simulation(load_scenario("scs_tonic_burst_hf_year", registry), registry=registry)
    window = make_window(sim, registry)
    window.resize(1600, 1000)
    window.show()
    window.show_view("overview")
    window.runner.step(1.0)
    window.refresh_views()
    qapp.processEvents()
    scopes = [s for s in window.findChildren(Scope) if s.isVisible()]
    assert len(scopes) == 4
    for scope in scopes:
        axis = scope.plot.getPlotItem().getAxis("bottom")
        assert not axis.label.isVisible()  # compact: no axis title
        origin = "trigger" if scope.last_trigger_t_s is not None else "now"
        assert scope.title_legend.title.endswith(f", ms from {origin}")
