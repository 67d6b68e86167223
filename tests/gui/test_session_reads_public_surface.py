"""The session's review, undo and status (gui.session) read a device's present settings through its
snapshot or listed queries: known old values from the scenario, new values from the request."""
from __future__ import annotations

from pathlib import Path

from gui.scenario_io import open_scenario
from gui.session import Change, changes_for, device_status, undo_steps_for
from simulator.engine import Simulation
from tests.pump.helpers import make_sim, morphine_settings

SCS_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "scs_impedance_fault.yaml"


def test_pump_threshold_review_undo_and_status_use_the_present_threshold():
    sim = make_sim(morphine_settings())  # low-reservoir threshold 2 mL, morphine 10 mg/mL
    assert changes_for(sim, "pump", "set_low_reservoir_threshold", {"threshold_ml": 3}) == [Change("threshold_ml", 2.0, 3.0, "mL")]
    assert changes_for(sim, "pump", "set_low_reservoir_threshold", {"threshold_ml": 2}) == []  # nothing changes
    undo = undo_steps_for(sim, "pump", "set_low_reservoir_threshold", {"threshold_ml": 3})
    assert undo == [("set_low_reservoir_threshold", {"threshold_ml": 2.0})]
    assert sim.apply_action("pump", "set_low_reservoir_threshold", {"threshold_ml": 3})
    assert device_status(sim, "pump")["threshold_ml"] == 3.0
    for action, params in undo:
        assert sim.apply_action("pump", action, params)
    status = device_status(sim, "pump")
    assert status["threshold_ml"] == 2.0
    assert status["drug"] == "morphine 10 mg/mL"
    assert status["mode"] == {"type": "continuous", "dose_mg_per_day": 2.0}


def test_pump_patient_bolus_review_from_none():
    sim = make_sim(morphine_settings())  # no patient bolus programmed
    assert undo_steps_for(sim, "pump", "set_patient_bolus", {"patient_bolus": None}) == [("set_patient_bolus", {"patient_bolus": None})]


def test_stimulator_amplitude_review_undo_and_status_use_the_running_program():
    sim = Simulation(open_scenario(SCS_SCENARIO))  # program "back": 5.0 mA, 300 us, 50 Hz, E2- E3+, running
    params = {"amplitude_ma": 4.0}  # no program named: the first running one
    assert changes_for(sim, "ipg", "set_amplitude", params) == [Change("back.amplitude_ma", 5.0, 4.0, "mA")]
    undo = undo_steps_for(sim, "ipg", "set_amplitude", params)
    assert undo == [("set_amplitude", {"program": "back", "amplitude_ma": 5.0})]
    assert undo_steps_for(sim, "ipg", "set_amplitude", {"program": "legs", "amplitude_ma": 4.0}) is None  # no such program
    status = device_status(sim, "ipg")
    assert status["running"] == ["back"]
    text = status["programs"]["back"]
    assert text.startswith("5 mA, 300 us, 50 Hz, ") and text.endswith(" E2- E3+")
    assert sim.apply_action("ipg", "set_amplitude", params)
    assert device_status(sim, "ipg")["programs"]["back"].startswith("4 mA, ")
    for action, p in undo:
        assert sim.apply_action("ipg", action, p)
    assert device_status(sim, "ipg")["programs"]["back"].startswith("5 mA, ")
    assert undo_steps_for(sim, "ipg", "select_program", {"name": "back"}) == [("select_program", {"name": "back"})]
