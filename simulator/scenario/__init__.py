"""Scenario files: what to simulate, with which devices, and what happens when."""
from simulator.scenario.model import ActionSpec, DeviceSpec, Duration, Scenario
from simulator.scenario.loader import load_scenario, scenario_from_dict, validate_references

__all__ = ["ActionSpec", "DeviceSpec", "Duration", "Scenario", "load_scenario", "scenario_from_dict", "validate_references"]
