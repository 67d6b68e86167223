"""The closed-loop scenario's recorded evoked response and controller amplitude are plotted,
with the therapeutic window, on the overview and in the stimulator's tab."""
from __future__ import annotations

from pathlib import Path

import pytest

from gui.scenario_io import open_scenario
from simulator.engine import Simulation

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
HOUR_S = 3600.0


def test_closed_loop_plots_show_the_response_in_its_window_and_the_controllers_amplitude(qtbot, make_window):
    sim = Simulation(open_scenario(SCENARIOS / "scs_closed_loop_postures.yaml"))
    window = make_window(sim)
    window.runner.jump_to(23 * HOUR_S, blocking=True)  # supine since 22:00
    window.refresh_views()
    views = window.device_views["ipg"]
    plots = views.extra["closed_loop"]
    assert plots.isVisible()  # on the overview
    # the therapeutic window 15-50 uV and the 30 uV target (the scenario's description)
    assert plots.window_region.getRegion() == (pytest.approx(15.0), pytest.approx(50.0))
    assert plots.target_line.value() == pytest.approx(30.0)
    assert plots.window_low.label.format == "window low 15 uV" and plots.target_line.label.format == "target 30 uV"
    x, closed = plots.closed_curve.getData()
    _, opened = plots.open_curve.getData()
    assert len(x) > 4 and x[-1] == pytest.approx(23 / 24)
    # the controller holds the response at its target an hour after lying down; the open loop
    # at the programmed 4 mA has left the window
    assert closed[-1] == pytest.approx(30.0, abs=0.5)
    assert not 15.0 <= opened[-1] <= 50.0
    # amplitudes: the controller's (recorded per program) and the programmed 4 mA (open loop)
    assert set(plots.amp_curves) == {"ecap"}
    xa, amp = plots.amp_curves["ecap"].getData()
    assert len(xa) > 4 and amp[0] == pytest.approx(4.0)
    assert amp[-1] != pytest.approx(4.0)  # supine: the controller moved away from 4 mA
    _, programmed = plots.programmed_curve.getData()
    assert list(programmed) == [4.0, 4.0]
    # the posture changes (8 h, 12 h, 22 h) and the cough (10 h) are marked where the response moves
    assert plots.markers[0].positions_days("patient") == [pytest.approx(h / 24) for h in (8, 10, 12, 22)]
    # the stimulator's tab has its own
    window.show_view("stimulator")
    window.refresh_views()
    tab_plots = views.extra["tab_closed_loop"]
    assert tab_plots.isVisible() and len(tab_plots.closed_curve.getData()[0]) == len(x)
