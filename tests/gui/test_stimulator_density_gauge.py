"""The programmer's charge-density gauge shows the per-burst (accumulated) figure of a passive burst."""
from __future__ import annotations

import pytest

from simulator.engine import Simulation
from simulator.scenario import scenario_from_dict

LEADS = [{"lead": "lead/percutaneous-8", "top_level": "T8", "side": "left"},
         {"lead": "lead/percutaneous-8", "top_level": "T8", "side": "right"}]


@pytest.fixture
def burst_sim():
    # recharge-free burst IPG at its nominal BurstDR program: 0.6 mA, 1000 us, 5 pulses at 500 Hz, 40 Hz, passive
    return Simulation(scenario_from_dict({"name": "burst", "seed": 1, "duration": "1d", "devices": [
        {"id": "ipg", "profile": "scs/recharge-free-burst",
         "settings": {"leads": LEADS, "impedance": {"initial_ohm": {"E2": 525, "E3": 525}, "drift": False}}}]}))


def test_gauge_shows_the_accumulated_burst_charge(qtbot, burst_sim, make_window, no_dialogs):
    window = make_window(burst_sim)
    views = window.device_views["ipg"]
    window.tabs.setCurrentWidget(views.tab)
    prog = views.extra["programmer"]
    prog.program_list.setCurrentRow(0)
    assert prog.editor.charge_balance.currentText() == "passive" and prog.editor.waveform.currentText() == "burst"
    # by hand: 0.6 mA x 1000 us = 0.6 uC per pulse; x 5 pulses = 3.0 uC per burst on a contact of
    # pi x 1.3 mm x 3 mm = 0.12252 cm2: 24.5 uC/cm2 (0.6 uC alone: 4.90 uC/cm2); the gauge is 24.5/30 full
    assert prog.gauge.format() == "24.5 of 30 uC/cm^2 per burst (accumulated)"
    assert prog.gauge.value() == pytest.approx(3.0 / 0.122522 / 30 * 1000, abs=1)
    text = prog.gauge_text.text()
    assert "0.600 uC per pulse (4.90 uC/cm^2)" in text
    assert "3.00 uC per burst (24.49 uC/cm^2)" in text
    assert "checked against the per-burst (accumulated) figure" in text
    # k = log10(24.485) + log10(3.0) = 1.3889 + 0.4771 = 1.866, over 1.85
    assert "Shannon k = 1.866 per burst (limit 1.85, over: warned)" in text

    # the same burst with active balance reverses every pulse at once: nothing accumulates
    prog.editor.charge_balance.setCurrentText("active")
    assert prog.gauge.format() == "4.9 of 30 uC/cm^2 per phase"
    assert "checked against the per-pulse figure" in prog.gauge_text.text()
    assert "per burst" not in prog.gauge_text.text()
    assert not no_dialogs.shown
