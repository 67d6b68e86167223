"""Pump programmer: the illustrative note of the gas-driven pump, and the Interrogate button (post-MRI telemetry)."""
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


def test_interrogate_button_resumes_a_pump_held_in_telemetry_after_an_mri(qtbot, make_window, no_dialogs):
    # the default morphine pump alarms (non-critical memory error) when it enters the scanner: after the
    # 30 min scan it stays stopped until the trainee presses Interrogate
    from gui.scenario_io import default_scenario_path
    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    pp = window.device_views["pump"].extra["programmer"]
    sim.apply_action("pump", "inject_fault", {"fault": "memory_error", "critical": False})
    sim.apply_action("pump", "mri", {"duration_min": 30, "recovery_delay_h": 0})
    sim.run(until=sim.now + 3600.0)
    pump = sim.devices["pump"]
    assert pump.mri.block == "mri_telemetry" and pump.current_rate_ml_per_day() == 0.0
    assert pp.interrogate_button.isEnabled()
    from PySide6.QtCore import Qt
    qtbot.mouseClick(pp.interrogate_button, Qt.LeftButton)
    assert pump.mri.block is None and pump.current_rate_ml_per_day() > 0
