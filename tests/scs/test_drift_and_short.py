"""Continuous drift: the compliance crossing is found at its computed time; a short loses current."""
import math

import pytest

from tests.scs.helpers import kinds, sim_of

YEAR_S = 365 * 86400.0
PROG = {"name": "p", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 12.0, "pulse_width_us": 200, "rate_hz": 50}
# 12 mA drains the 120 mAh cell in days: recharge every 2 days (each recharge also re-plans the crossing)
CHARGES = [{"at": f"{d}d", "device": "ipg", "action": "recharge", "params": {"to_full": True}} for d in range(2, 20, 2)]


def test_compliance_crossing_at_its_closed_form_time():
    imp = {"initial_ohm": {"E2": 525.0, "E3": 525.0}, "drift": False, "drift_per_year": {"E2": 5.0}}
    sim = sim_of(settings={"programs": [PROG], "impedance": imp}, timeline=CHARGES, duration="20d")
    sim.run()
    r = sim.results()
    # 12 mA x (525 e^(5 t / yr) + 525) + 1 V = 15 V -> 525 e^(5 t / yr) = 14 / 0.012 - 525 = 641.667 ohm
    # t = yr x ln(641.667 / 525) / 5 = 0.0401341 yr = 14.649 d (not at a recharge or a 30-day update)
    t_cross = YEAR_S * math.log((14.0 / 0.012 - 525.0) / 525.0) / 5.0
    ev = kinds(r, "compliance.out_of_range")
    assert len(ev) == 1 and ev[0].t_s == pytest.approx(t_cross, abs=2e-3)
    assert ev[0].payload["required_v"] == pytest.approx(15.0, abs=1e-6)
    assert [a for a in r.device_summary("ipg")["alarms"] if a["alarm"] == "out_of_compliance"][0]["t_s"] == pytest.approx(t_cross, abs=2e-3)


def test_back_into_compliance_with_falling_impedance():
    imp = {"initial_ohm": {"E2": 700.0, "E3": 525.0}, "drift": False, "drift_per_year": {"E2": -5.0}}
    sim = sim_of(settings={"programs": [PROG], "impedance": imp}, timeline=CHARGES, duration="20d")
    dev = sim.devices["ipg"]
    assert not dev.safety.compliance_state["p"]  # 12 mA x 1225 ohm + 1 = 15.7 V > 15 V at t = 0
    sim.run()
    # back in when 700 e^(-5 t / yr) = 641.667: t = yr x ln(700 / 641.667) / 5 = 0.0174023 yr = 6.352 d
    t_back = YEAR_S * math.log(700.0 / (14.0 / 0.012 - 525.0)) / 5.0
    cleared = [e for e in kinds(sim.results(), "alarm.cleared") if e.payload["alarm"] == "out_of_compliance"]
    assert cleared and cleared[0].t_s == pytest.approx(t_back, abs=2e-3)


def test_short_loses_current_through_the_short():
    sim = sim_of(duration="1d")  # micc-16 nominal: 5 mA, 300 us, 50 Hz on E2- E3+, 525 ohm
    dev = sim.devices["ipg"]
    sim.run(3600.0)
    sim.apply_action("ipg", "inject_impedance_fault", {"contact": "E2", "fault": "short"})
    # simple model: 20 ohm short in parallel with 525 ohm tissue: 20 / 545 = 3.67 % reaches tissue
    frac = 20.0 / 545.0
    assert dev.power.rate["charge_uc_per_s"] == pytest.approx(75.0 * frac)
    ev = kinds(sim.results(), "stimulation.short_loss")
    assert len(ev) == 1 and ev[0].payload["lost_pct"] == pytest.approx(100 * (1 - frac), abs=1e-3)
    sim.run()
    # a day: 75 uC/s for 1 h, then 75 x 20/545 uC/s for 23 h
    assert dev.summary()["charge_delivered_uc"] == pytest.approx(75.0 * 3600 + 75.0 * frac * 23 * 3600)
    assert dev.summary()["programs_losing_current_to_short"] == ["tonic"]
    assert sim.apply_action("ipg", "impedance_check", {}).payload["faults"] == {"E2": "short"}


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(g=st.floats(0.05, 5.0), amp=st.floats(8.0, 12.5))
def test_crossing_solver_matches_the_algebraic_time(g, amp):
    from simulator.scs.drift import next_compliance_change_s

    sim = sim_of(settings={"programs": [{**PROG, "amplitude_ma": round(amp, 1)}],
                           "impedance": {"initial_ohm": {"E2": 525.0, "E3": 525.0}, "drift": False, "drift_per_year": {"E2": g}}})
    dev = sim.devices["ipg"]
    i = round(amp, 1)
    # 525 e^(g t / yr) = 14 V / I - 525 ohm (one contact drifting; I x 1050 + 1 <= 15 V at t = 0 for I <= 13.3 mA)
    # (the compliance check counts a need up to rail + 1e-9 V as met, so the flip is at 14 + 1e-9 V)
    expected = YEAR_S * math.log(((14.0 + 1e-9) / (i * 1e-3) - 525.0) / 525.0) / g
    got = next_compliance_change_s(dev.programs["p"], dev.profile, dev.electrodes.impedance, i, 0.0, 50 * YEAR_S)
    assert got == pytest.approx(expected, rel=1e-12, abs=2e-3)  # bisection to 1 ms
