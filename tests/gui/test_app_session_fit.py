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
