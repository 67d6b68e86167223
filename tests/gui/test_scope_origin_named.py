"""The scope names its time axis after its origin, and says why it free-runs.

Default scenario: program 'tonic', 5 mA, 300 us, 50 Hz on E2 / E3 from t = 0. At t = 0 there is
no pulse before now to lock on, so the scope free-runs: the window starts at now and the first
pulse (5 mA) starts at 0 ms, the next at 20 ms (1 / 50 Hz). The axis must then read 'time from
now', not 'time from trigger', and the read-out must not say there is no pulse while five are
drawn. One second later the scope locks on a pulse: 'time from trigger'.
"""
from __future__ import annotations

import numpy as np
import pytest

from gui.scenario_io import default_scenario_path, open_scenario
from simulator.engine import Simulation


def test_free_running_scope_says_time_from_now(make_window, no_dialogs):
    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    views = window.device_views["ipg"]
    window.tabs.setCurrentWidget(views.tab)
    window.refresh_views(0.0)
    scope = views.extra["tab_scope"]
    axis = scope.plot.getPlotItem().getAxis("bottom")
    assert scope.last_trigger_t_s is None  # nothing before t = 0 to lock on
    peak = max(float(np.max(np.abs(v))) for v in scope.last_traces.values())
    assert peak == pytest.approx(5.0, rel=1e-3)  # yet the pulses are there
    assert axis.labelText == "time from now"
    assert "free run: no pulse before now" in scope.info.text()
    window.runner.step(1.0)
    window.refresh_views()
    assert scope.last_trigger_t_s is not None
    assert axis.labelText == "time from trigger"
    assert "free run" not in scope.info.text()
