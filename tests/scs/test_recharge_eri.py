"""Eterna-like ERI: raised while the programs need charging more than once a day [L: scs.md]."""
import pytest

from tests.scs.helpers import kinds, sim_of


def tonic(rate_hz):
    return {"name": "t", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 6.0, "pulse_width_us": 300, "rate_hz": rate_hz}


def test_eri_when_a_program_needs_charging_more_than_daily():
    sim = sim_of(profile="scs/rechargeable-burst", duration="2d")
    dev = sim.devices["ipg"]
    assert not dev.alarms.is_active("eri")  # nominal burst: weeks between charges
    # 600 Hz, 300 us, 6 mA active: V = 6 x 1.05 + 1 = 7.3 V; 2 x 600 x 6e-3 x 7.3 x 300e-6 / 0.8 = 19.71 mW
    # / 3.7 V = 5.32703 mA + 0.010 = 5.33703 mA; 150 mAh x 80 % / 5.33703 mA = 22.49 h < 24 h -> ERI
    res = sim.apply_action("ipg", "set_program", {"program": tonic(600), "activate": True})
    assert res
    drain = 2 * 600 * 6e-3 * 7.3 * 300e-6 / 0.8 / 3.7 * 1e3 + 0.010
    assert dev.therapy_drain_ma() == pytest.approx(drain)
    eri = kinds(sim.results(), "battery.eri")
    assert len(eri) == 1 and eri[0].payload["days_between_recharges"] == pytest.approx(120.0 / drain / 24, abs=1e-4)
    assert dev.alarms.is_active("eri")
    # 500 Hz: 16.425 mW / 3.7 V = 4.43919 + 0.010 = 4.44919 mA -> 26.97 h: no longer more than daily
    assert sim.apply_action("ipg", "set_program", {"program": tonic(500)})
    assert not dev.alarms.is_active("eri")
    assert [e for e in kinds(sim.results(), "alarm.cleared") if e.payload["alarm"] == "eri"]


def test_other_rechargeables_have_no_program_eri():
    sim = sim_of(profile="scs/high-frequency-10khz", duration="1d")
    assert sim.devices["ipg"].projection()["days_between_recharges"] > 1  # and no ERI rule in the profile
    assert not sim.devices["ipg"].alarms.is_active("eri")
