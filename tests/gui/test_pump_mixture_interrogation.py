"""The pump programmer's interrogation names both drugs of a mixture and the dose of each.

pump_mixture_morphine_bupivacaine: morphine 10 mg/mL + bupivacaine 5 mg/mL, programmed at morphine
5 mg/day = 0.5 mL/day, so bupivacaine follows the volume: 0.5 x 5 = 2.5 mg/day. The day-30 refill
brings bupivacaine 10 mg/mL; the 0.37 mL dead volume still holds the old mixture for 0.37 / 0.5 =
0.74 d, so on day 30.5 bupivacaine is still 2.5 mg/day and from day 30.74 it is 0.5 x 10 = 5 mg/day.
The panel showed only 'morphine 10 mg/mL' and '0.5 mL/day = 5 mg/day': the drug the scenario is
about was nowhere on the programmer.
"""
from __future__ import annotations

from simulator.engine import Simulation
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario

DAY_S = 86400.0


def test_mixture_drugs_and_doses_on_the_interrogation(make_window, no_dialogs):
    registry = default_registry()
    sim = Simulation(load_scenario("pump_mixture_morphine_bupivacaine", registry), registry=registry)
    window = make_window(sim, registry)
    status = window.device_views["pump"].extra["programmer"].status
    sim.run(1 * DAY_S)
    status.refresh(sim, sim.devices["pump"], sim.now)
    assert status.drug.text() == "morphine 10 mg/mL + bupivacaine 5 mg/mL (mixture)"
    assert status.rate.text() == "0.5 mL/day = 5 mg/day morphine + 2.5 mg/day bupivacaine (continuous)"
    sim.run(30.5 * DAY_S)  # refilled with the stronger bupivacaine; the old mixture still at the tip
    status.refresh(sim, sim.devices["pump"], sim.now)
    assert status.drug.text() == "morphine 10 mg/mL + bupivacaine 10 mg/mL (mixture)"
    assert status.rate.text() == "0.5 mL/day = 5 mg/day morphine + 2.5 mg/day bupivacaine (continuous)"
    sim.run(31 * DAY_S)  # past 30.74 d: the new mixture reaches the tip
    status.refresh(sim, sim.devices["pump"], sim.now)
    assert status.rate.text() == "0.5 mL/day = 5 mg/day morphine + 5 mg/day bupivacaine (continuous)"
