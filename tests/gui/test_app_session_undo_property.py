"""Property: a reviewed transmit followed by its undo puts the device's program back exactly,
and the review lists exactly the settings that differ (gui.session, no window needed)."""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gui.scenario_io import open_scenario
from gui.session import changes_for, undo_steps_for
from simulator.engine import Simulation

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "scs_impedance_fault.yaml"
_SIM = {}


def _fresh_sim():
    if "scenario" not in _SIM:
        _SIM["scenario"] = open_scenario(SCENARIO)
    return Simulation(_SIM["scenario"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amplitude_tenths=st.integers(0, 60), pulse_width_10us=st.integers(6, 50), rate_hz=st.integers(20, 120), activate=st.booleans())
def test_transmit_then_undo_restores_the_program(amplitude_tenths, pulse_width_10us, rate_hz, activate):
    sim = _fresh_sim()
    dev = sim.devices["ipg"]
    before = dev.programs["back"]
    active_before = list(dev.programs.active)
    new = before.model_dump(mode="json") | {"amplitude_ma": amplitude_tenths / 10, "pulse_width_us": pulse_width_10us * 10, "rate_hz": rate_hz}
    params = {"program": new, "activate": activate}
    changes = changes_for(sim, "ipg", "set_program", params)
    expected = {f"program.{k}" for k in ("amplitude_ma", "pulse_width_us", "rate_hz") if new[k] != getattr(before, k)}
    assert {c.setting for c in changes} == expected
    assert all(c.unit == {"program.amplitude_ma": "mA", "program.pulse_width_us": "us", "program.rate_hz": "Hz"}[c.setting] for c in changes)
    undo = undo_steps_for(sim, "ipg", "set_program", params)
    result = sim.apply_action("ipg", "set_program", params)
    assume(bool(result))  # a program the device refuses changes nothing to undo
    for action, p in undo:
        assert sim.apply_action("ipg", action, p)
    assert dev.programs["back"] == before
    assert list(dev.programs.active) == active_before
