"""The stimulator device: closed-form drain and thresholds, actions, refusals, public API."""

import numpy as np
import pytest

from simulator.scs.energy import tissue_energy_per_pulse_j
from tests.engine_steps import run_counting_steps
from tests.scs.helpers import kinds, sim_of

# micc-16 nominal: tonic 5 mA, 300 us, 50 Hz, active, E2- E3+, both 525 ohm.
# R_eff = 525 + 525 = 1050 ohm; V = 5 mA x 1050 + 1 V = 6.25 V
# per phase from the cell: 5e-3 A x 6.25 V x 300e-6 s / 0.8 = 11.71875 uJ; x 2 phases x 50 Hz = 1.171875 mW
# / 3.7 V = 0.316723 mA, + 10 uA quiescent = 0.326723 mA
DRAIN_MA = 1.171875e-3 / 3.7 * 1e3 + 0.010


def test_energy_per_pulse_hand():
    # 5 mA, 1 kohm, 300 us: (5e-3)^2 x 1000 x 300e-6 = 7.5 uJ per phase; active doubles
    assert tissue_energy_per_pulse_j(5.0, 1000.0, 300.0, "passive") == pytest.approx(7.5e-6)
    assert tissue_energy_per_pulse_j(5.0, 1000.0, 300.0, "active") == pytest.approx(15e-6)
    # 10 kHz, 2.5 mA, 30 us biphasic into 1 kohm: 2 x 6.25e-6 x 1000 x 30e-6 x 1e4 = 3.75 mW (scs.md ~3.8 mW)
    assert tissue_energy_per_pulse_j(2.5, 1000.0, 30.0) * 1e4 == pytest.approx(3.75e-3)


def test_drain_charge_energy_and_low_battery_time():
    sim = sim_of(duration="20d")
    dev = sim.devices["ipg"]
    assert dev.power.rate["drain_ma"] == pytest.approx(DRAIN_MA)
    sim.run("1d")
    s = dev.summary()
    assert s["charge_delivered_uc"] == pytest.approx(50 * 1.5 * 86400)  # 75 uC/s for a day
    assert s["energy_used_j"] == pytest.approx(DRAIN_MA * 1e-3 * 3.7 * 86400)  # 104.45 J
    assert dev.battery_pct_at(86400.0) == pytest.approx(100 - DRAIN_MA * 24 / 120 * 100)
    sim.run()
    r = sim.results()
    low = kinds(r, "battery.low")
    # 100 % -> 20 % = 96 mAh / 0.326723 mA = 293.83 h
    assert low[0].t_s == pytest.approx(96.0 / DRAIN_MA * 3600.0, rel=1e-9)
    off = kinds(r, "battery.stimulation_off")
    assert off[0].t_s == pytest.approx(114.0 / DRAIN_MA * 3600.0, rel=1e-9)  # 100 -> 5 %
    t, v = r.series_arrays("ipg", "stimulating")
    assert v[-1] == 0.0
    assert dev.projection()["days_between_recharges"] == pytest.approx(96.0 / DRAIN_MA / 24.0)


def test_recharge_to_full_time_is_closed_form():
    sim = sim_of(settings={"battery_pct": 50.0}, timeline=[{"at": "1h", "device": "ipg", "action": "recharge", "params": {"to_full": True}}], duration="1d")
    sim.run()
    r = sim.results()
    end = kinds(r, "recharge.end")[0]
    level_at_1h = 60.0 - DRAIN_MA * 1.0  # mAh
    hours = (120.0 - level_at_1h) / (30.0 - DRAIN_MA)
    assert end.payload["hours"] == pytest.approx(hours)
    assert end.payload["to_pct"] == pytest.approx(100.0)
    assert r.device_summary("ipg")["recharges"]["count"] == 1


def test_primary_cell_refuses_recharge():
    sim = sim_of(profile="scs/recharge-free-tonic", timeline=[{"at": "1h", "device": "ipg", "action": "recharge", "params": {}}], duration="1d")
    sim.run()
    ref = kinds(sim.results(), "refusal")
    assert ref and ref[0].payload["limit"] == "battery.chemistry"


def test_patient_amplitude_limits():
    prog = {"name": "p", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 5.0, "pulse_width_us": 300, "rate_hz": 50, "patient_min_ma": 4.8, "patient_max_ma": 5.2}
    sim = sim_of(settings={"programs": [prog]}, duration="1d")
    sim.run("1h")
    for _ in range(2):
        assert sim.apply_action("ipg", "amplitude_up", {})
    res = sim.apply_action("ipg", "amplitude_up", {})
    assert not res and res.payload["limit"] == "patient_max_ma" and res.payload["value"] == pytest.approx(5.3)
    assert "5.3 mA is above the patient's maximum 5.2 mA" in res.reason
    assert sim.devices["ipg"].programs["p"].amplitude_ma == pytest.approx(5.2)
    for _ in range(4):
        assert sim.apply_action("ipg", "amplitude_down", {})
    res = sim.apply_action("ipg", "amplitude_down", {})
    assert not res and res.payload["limit"] == "patient_min_ma"
    t, v = sim.results().series_arrays("ipg", "amplitude_ma.p")
    assert v[-1] == pytest.approx(4.8)


def test_configuration_change_sets_amplitude_to_zero_unless_given():
    sim = sim_of(duration="1d")
    dev = sim.devices["ipg"]
    base = {"name": "tonic", "pulse_width_us": 300, "rate_hz": 50}
    sim.apply_action("ipg", "set_program", {"program": {**base, "contacts": {"E2": "-", "E3": "+"}, "rate_hz": 60}})
    assert dev.programs["tonic"].amplitude_ma == 5.0  # same configuration: amplitude kept
    sim.apply_action("ipg", "set_program", {"program": {**base, "contacts": {"E4": "-", "E3": "+"}}})
    assert dev.programs["tonic"].amplitude_ma == 0.0
    sim.apply_action("ipg", "set_program", {"program": {**base, "contacts": {"E5": "-", "E3": "+"}, "amplitude_ma": 3.0}})
    assert dev.programs["tonic"].amplitude_ma == 3.0


def test_density_warn_policy_applies_with_events():
    sim = sim_of(duration="1d")
    res = sim.apply_action("ipg", "set_amplitude", {"amplitude_ma": 12.7})
    assert res  # warn policy: applied
    r = sim.results()
    assert kinds(r, "safety.charge_density") and kinds(r, "warning")
    # 12.7 mA x 300 us = 3.81 uC / 0.1225 cm2 = 31.1 uC/cm2 on the cathode E2 and on the anode E3: two findings
    assert sim.devices["ipg"].summary()["safety_events"]["safety.charge_density"] == 2


def test_density_refuse_policy_refuses():
    prog = {"name": "t", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 5.0, "pulse_width_us": 300, "rate_hz": 50}
    sim = sim_of(profile="scs/recharge-free-burst", settings={"programs": [prog]}, duration="1d")
    found = sim.devices["ipg"].check("set_amplitude", sim.devices["ipg"].ACTIONS["set_amplitude"](amplitude_ma=12.5))
    assert found[0].level == "refuse" and found[0].limit == "charge_density_uc_per_cm2"
    res = sim.apply_action("ipg", "set_amplitude", {"amplitude_ma": 12.5})
    assert not res and res.payload["allowed"] == 30.0
    assert sim.devices["ipg"].programs["t"].amplitude_ma == 5.0
    assert kinds(sim.results(), "refusal")


def test_impedance_fault_compliance_and_check():
    sim = sim_of(duration="2d")
    sim.run("1h")
    sim.apply_action("ipg", "inject_impedance_fault", {"contact": "E2", "fault": "open"})
    r = sim.results()
    comp = kinds(r, "compliance.out_of_range")[0].payload
    # 5 mA x (20000 + 525) ohm + 1 V = 103.6 V > 15 V: delivered (15 - 1) / 20525 = 0.682 mA
    assert comp["required_v"] == pytest.approx(103.625)
    assert comp["delivered_ma"] == pytest.approx(14.0 / 20525 * 1e3, abs=1e-4)
    res = sim.apply_action("ipg", "impedance_check", {})
    assert res.payload["faults"] == {"E2": "open"}
    row = [x for x in res.payload["table"] if x["contact"] == "E2"][0]
    assert row["ohm"] == 20000.0 and row["level"] == "T8"
    assert {a["alarm"] for a in sim.devices["ipg"].active_alarms()} == {"out_of_compliance", "impedance_fault"}


def test_mri_mode_conditions_and_stimulation():
    sim = sim_of(duration="1d", settings={"impedance": {"initial_ohm": {"E1": 525.0}, "faults": {"E9": "short"}, "drift": False}})
    res = sim.apply_action("ipg", "mri_mode", {"on": True})
    assert not res and res.payload["limit"] == "impedance"
    sim.apply_action("ipg", "inject_impedance_fault", {"contact": "E9", "fault": "none"})
    assert sim.apply_action("ipg", "mri_mode", {"on": True})
    dev = sim.devices["ipg"]
    assert not dev.stimulating() and dev.power.rate["drain_ma"] == pytest.approx(0.010)
    assert not sim.apply_action("ipg", "stimulation_on", {})
    sim.apply_action("ipg", "mri_mode", {"on": False})
    assert dev.stimulating()


def test_interleaved_selection_and_collision_refusal():
    progs = [{"name": "a", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 300, "rate_hz": 50},
             {"name": "b", "contacts": {"E10": "-", "E11": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 300, "rate_hz": 50},
             {"name": "h1", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 2.0, "pulse_width_us": 30, "rate_hz": 10000, "waveform": "high_frequency"},
             {"name": "h2", "contacts": {"E10": "-", "E11": "+"}, "amplitude_ma": 2.0, "pulse_width_us": 30, "rate_hz": 10000, "waveform": "high_frequency"}]
    sim = sim_of(settings={"programs": progs, "active_programs": ["a", "b"]}, duration="1d")
    dev = sim.devices["ipg"]
    assert dev.active_programs() == ["a", "b"]
    t, cur = dev.render_waveform(0.0, 0.04, 1e6, mode="point")
    assert set(cur) == {"E2", "E3", "E10", "E11"}
    assert not np.any((cur["E2"] != 0) & (cur["E10"] != 0))
    res = sim.apply_action("ipg", "select_program", {"names": ["h1", "h2"]})
    assert not res and res.payload["limit"] == "interleave"


def test_cycling_folds_into_drain():
    sim = sim_of(duration="1d")
    dev = sim.devices["ipg"]
    sim.apply_action("ipg", "set_cycling", {"on_s": 60, "off_s": 180})
    # duty 60/240 = 0.25: stimulation part of the drain x 0.25
    assert dev.power.rate["drain_ma"] == pytest.approx((DRAIN_MA - 0.010) * 0.25 + 0.010)
    assert dev.power.rate["charge_uc_per_s"] == pytest.approx(75.0 * 0.25)


def test_public_api_shapes():
    sim = sim_of(duration="1d")
    dev = sim.devices["ipg"]
    rep = dev.safety_report("tonic")
    e2 = [r for r in rep["contacts"] if r["contact"] == "E2"][0]
    assert e2["charge_per_phase_uc"] == pytest.approx(1.5) and e2["charge_density_uc_per_cm2"] == pytest.approx(12.24, abs=0.01)
    est = dev.perception_estimate("tonic")
    assert est["perception_threshold_ma"] == pytest.approx(2.5 * (1 + 295 / 300))  # 4.958 mA
    assert "approximation" in est["label"]
    t, cur = dev.render_waveform(0.0, 0.1, 1e5)
    assert len(t) == 10000 and abs(cur["E2"].sum()) < 1e-9
    assert len(dev.impedance_table()) == 16
    assert "days_between_recharges" in dev.projection()


def test_determinism_and_seeded_drift():
    def run(seed):
        sim = sim_of(settings={"impedance": {"drift": True}}, duration="90d", seed=seed)
        sim.run()
        return sim.results().device_summary("ipg"), sim.devices["ipg"].impedance_table()
    a, b, c = run(3), run(3), run(4)
    assert a == b
    assert a[1] != c[1]


def _year(program):
    sim = sim_of(settings={"programs": [program], "battery_pct": 100.0}, duration="365d",
                 timeline=[{"at": f"{d}d", "device": "ipg", "action": "recharge", "params": {"duration": "2h"}} for d in range(1, 365)])
    steps = run_counting_steps(sim)
    r = sim.results()
    return steps, len(r.events), r


def test_a_year_at_10khz_costs_what_a_year_at_50hz_costs():
    hf = {"name": "p", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 2.5, "pulse_width_us": 30, "rate_hz": 10000, "waveform": "high_frequency"}
    tonic = {"name": "p", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 2.5, "pulse_width_us": 30, "rate_hz": 50}
    # the cost of a run is the SimPy events it processes (wall time: benchmarks/, target 2)
    steps_hf, nh, rh = _year(hf)
    steps_tonic, nt, rt = _year(tonic)
    assert nh == nt  # same number of records: pulses are never events
    # 364 recharges and their ends, plus battery-threshold wake-ups that a recharge makes moot
    # (the faster 10 kHz drain plans more of them): about a thousand either way, against the
    # 315 billion pulses a year at 10 kHz that a per-pulse model would process
    assert max(steps_hf, steps_tonic) < 1_500 and steps_hf < 1.3 * steps_tonic, (steps_hf, steps_tonic)
    # 315 billion pulses a year at 10 kHz are accounted for in closed form
    stim_s = rh.device_summary("ipg")["time_stimulating_s"]
    assert rh.device_summary("ipg")["charge_delivered_uc"] == pytest.approx(stim_s * 10000 * 2.5 * 30 / 1000)
