"""The external trial stimulator profile (scs/external-trial-16) and the bundled trial scenario that uses it."""
from __future__ import annotations

import pytest

from simulator.engine import Simulation
from simulator.event_kinds import K
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario
from simulator.scs.claims import evaluate_claim


def test_a_full_battery_lasts_a_ten_day_trial_at_the_nominal_program():
    p = default_registry().get("scs/external-trial-16")
    r = evaluate_claim(p, p.claims[0])
    # nominal tonic 5 mA, 300 us, 50 Hz, active balance, two contacts at 525 ohm (1050 ohm):
    # V = 5 mA x 1050 ohm + 1 V headroom = 6.25 V; 5e-3 A x 6.25 V x 300e-6 s x 50 /s x 2 phases = 0.9375 mW;
    # / 0.8 efficiency = 1.1719 mW; / 3.7 V = 0.31672 mA; + 0.5 mA quiescent = 0.81672 mA
    assert r["drain_ma"] == pytest.approx(0.81672, rel=1e-4)
    # 100 % -> 20 % (low battery) of 1000 mAh = 800 mAh / 0.81672 mA = 979.5 h = 40.8 days >= 10
    assert r["model"] == pytest.approx(800.0 / 0.81672 / 24.0, rel=1e-4)
    assert r["holds"]


def test_the_trial_scenario_runs_on_the_trial_stimulator_without_recharging():
    sim = Simulation(load_scenario("scs_patient_trial"))
    assert sim.devices["trial"].profile.id == "scs/external-trial-16"
    sim.run()
    snap = sim.devices["trial"].snapshot()
    assert snap.battery_pct > 20.0  # above the low-battery level after 8 days at 14 mA on two channels
    kinds = {e.kind for e in sim.recorder.events if e.device == "trial"}
    assert K.RECHARGE_START not in kinds
    assert not [e for e in sim.recorder.events if e.device == "trial" and e.kind.startswith("alarm.")]
    verdict = sim.devices["patient"].snapshot().trial
    assert verdict is not None and "passed" in verdict


def test_the_trial_stimulator_has_no_mri_mode():
    sim = Simulation(load_scenario("scs_patient_trial"))
    sim.run(until=60.0)
    result = sim.apply_action("trial", "mri_mode", {"on": True})
    assert not result and "not MRI conditional" in result.reason
