"""The pump programmer says plainly that the gas-driven pump's environment coefficients are illustrative."""
from __future__ import annotations

from gui.scenario_io import open_scenario
from simulator.bundled import bundled_dir
from simulator.engine import Simulation


def test_gas_pump_programmer_shows_the_illustrative_note(qtbot, make_window, no_dialogs):
    sim = Simulation(open_scenario(bundled_dir("scenarios") / "pump_gas_flight.yaml"))
    window = make_window(sim)
    pp = window.device_views["pump"].extra["programmer"]
    assert pp.gas_note is not None and pp.gas_note.isVisibleTo(pp)  # (the programmer itself may sit in a hidden tab)
    assert "illustrative" in pp.gas_note.text() and "not from this pump type's labeling" in pp.gas_note.text()


def test_programmable_pump_programmer_has_no_gas_note(qtbot, make_window, no_dialogs):
    from gui.scenario_io import default_scenario_path
    window = make_window(Simulation(open_scenario(default_scenario_path())))
    assert window.device_views["pump"].extra["programmer"].gas_note is None
