"""Item 6 of the app-truthfulness issue: the window fits a 1366 x 768 screen, with the training
dock open, for the default scenario and the four-stimulator year scenario."""
from __future__ import annotations

from pathlib import Path

import pytest

from gui.main_window import SMALL_SCREEN_PX
from gui.scenario_io import open_scenario
from simulator.engine import Simulation

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.mark.parametrize("name", ["default", "scs_tonic_burst_hf_year", "pump_concentration_change", "scs_impedance_fault"])
def test_minimum_size_fits_1366_by_768_with_the_training_dock_open(name, make_window, qapp):
    window = make_window(Simulation(open_scenario(SCENARIOS / f"{name}.yaml")))
    window.show_training(True)
    for view in window.available_views():
        window.show_view(view)  # every tab built and shown once
        qapp.processEvents()
    hint = window.minimumSizeHint()
    assert SMALL_SCREEN_PX == (1366, 768)
    assert hint.width() <= 1366 and hint.height() <= 768
    window.resize(1366, 768)
    qapp.processEvents()
    assert (window.width(), window.height()) == (1366, 768)  # nothing forces it larger


def test_four_stimulators_are_a_two_by_two_grid_not_one_wide_row(make_window, qapp):
    window = make_window(Simulation(open_scenario(SCENARIOS / "scs_tonic_burst_hf_year.yaml")))
    window.resize(1366, 768)
    window.show_view("overview")
    qapp.processEvents()
    slots = [window.device_views[d].overview for d in window.overview_devices()]
    assert len(slots) == 4
    xs = {s.mapTo(window, s.rect().topLeft()).x() for s in slots}
    ys = {s.mapTo(window, s.rect().topLeft()).y() for s in slots}
    assert len(xs) == 2 and len(ys) == 2
    assert all(s.width() < 1366 // 2 for s in slots)


def test_device_tabs_and_the_training_panel_scroll(make_window):
    from PySide6.QtWidgets import QScrollArea

    window = make_window(Simulation(open_scenario(SCENARIOS / "scs_impedance_fault.yaml")))
    window.show_view("stimulator")
    prog = window.device_views["ipg"].extra["programmer"]
    assert isinstance(prog.parentWidget().parentWidget(), QScrollArea)  # viewport, then the area
    dock = window.training_dock
    assert dock.widget().parentWidget().parentWidget() is dock.scroll_area


def test_four_stimulators_fit_1366_by_768_without_scrolling_with_the_training_dock_open(make_window, qapp):
    """At day 365 (the red banner of the unrecharged 10 kHz device above the tabs) the 2 x 2
    overview is compact: every battery plot lies wholly inside the overview's visible viewport,
    so nothing starts out of view and the overview needs no vertical scroll bar."""
    window = make_window(Simulation(open_scenario(SCENARIOS / "scs_tonic_burst_hf_year.yaml")))
    window.runner.jump_to(365 * 86400.0, blocking=True)
    window.show_training(True)
    window.resize(1366, 768)
    window.show_view("overview")
    qapp.processEvents()
    window.refresh_views()
    qapp.processEvents()
    assert window.alarm_banner.isVisible() and window.training_dock.isVisible()
    viewport = window.overview_scroll.viewport()
    visible = viewport.rect()
    for dev_id in window.overview_devices():
        views = window.device_views[dev_id]
        assert views.compact
        for part in ("battery", "scope"):
            plot = views.extra[part].plot
            top_left = plot.mapTo(viewport, plot.rect().topLeft())
            bottom_right = plot.mapTo(viewport, plot.rect().bottomRight())
            assert visible.contains(top_left) and visible.contains(bottom_right), (dev_id, part, top_left, bottom_right, visible)
            assert plot.height() >= 90  # COMPACT_PLOT_MIN_PX: still a plot one can read
    assert window.overview_scroll.verticalScrollBar().maximum() == 0


def test_two_devices_are_not_compact_and_a_four_device_panel_gets_its_own_sizes_back(make_window, qapp):
    from gui.device_views import COMPACT_PLOT_MIN_PX, apply_compact

    window = make_window(Simulation(open_scenario(SCENARIOS / "default.yaml")))
    window.show_view("overview")
    qapp.processEvents()
    assert not any(v.compact for v in window.device_views.values())  # one row: full sizes
    views = window.device_views["ipg"] if "ipg" in window.device_views else next(v for v in window.device_views.values() if v.kind == "scs")
    scope = views.extra["scope"]
    own = scope.plot.minimumHeight()
    assert own > COMPACT_PLOT_MIN_PX
    apply_compact(views.built.overview, True)
    assert scope.plot.minimumHeight() == COMPACT_PLOT_MIN_PX
    assert scope._controls_row.indexOf(scope.info) >= 0  # the read-out on the controls' line
    apply_compact(views.built.overview, False)
    assert scope.plot.minimumHeight() == own and scope._info_row.indexOf(scope.info) >= 0
