"""Cycling with soft-start/stop ramps: the rendered waveform ramps, and the drain is the closed form."""
import numpy as np
import pytest

from tests.scs.helpers import sim_of

CYCLED = {"name": "c", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 5.0, "pulse_width_us": 300, "rate_hz": 50,
          "cycling": {"on_s": 30, "off_s": 90}, "soft_start_s": 5, "soft_stop_s": 5}


def test_ramped_cycling_drain_is_closed_form():
    sim = sim_of(settings={"programs": [CYCLED]}, duration="1d")
    dev = sim.devices["ipg"]
    p = dev.programs["c"]
    # <a> = (30 - (5 + 5) / 2) / 120 = 0.208333; <a^2> = (30 - 10 x 2/3) / 120 = 0.194444
    assert p.duty_fraction() == pytest.approx(25 / 120) and p.energy_duty_fraction() == pytest.approx((30 - 20 / 3) / 120)
    # charge: 50 Hz x 5 mA x 300 us = 75 uC/s x 0.208333 = 15.625 uC/s
    assert dev.power.rate["charge_uc_per_s"] == pytest.approx(15.625)
    # cell: 50 x 2 phases x 300e-6 s / 0.8 x (I^2 R <a^2> + I x 1 V x <a>)
    #     = 0.0375 x (25e-6 x 1050 x 0.194444 + 5e-3 x 0.208333) = 0.0375 x 6.145833e-3 = 0.230469 mW
    #     / 3.7 V = 0.062289 mA, + 0.010 mA quiescent
    stim_w = 0.0375 * (25e-6 * 1050 * (30 - 20 / 3) / 120 + 5e-3 * 25 / 120)
    assert dev.power.rate["drain_ma"] == pytest.approx(stim_w / 3.7 * 1e3 + 0.010)
    assert dev.power.rate["drain_ma"] == pytest.approx(0.072289, abs=1e-6)
    # tissue: 50 x <a^2> x 2 phases x (5 mA)^2 x 1050 ohm x 300 us = 0.153125 mW
    assert dev.power.rate["tissue_w"] == pytest.approx(50 * (30 - 20 / 3) / 120 * 2 * 25e-6 * 1050 * 300e-6)


def test_rendered_waveform_shows_the_ramps_and_matches_the_duty():
    sim = sim_of(settings={"programs": [CYCLED]}, duration="1d")
    dev = sim.devices["ipg"]

    def pulse_ma(t_s):  # the cathodic amplitude of the pulse that starts at t_s
        t, cur = dev.render_waveform(t_s, t_s + 200e-6, 1e6, mode="point")
        return -cur["E2"].min()

    # ramp up over 5 s: the pulse at 1 s is at 1/5 of 5 mA, at 2.5 s at half; full from 5 s; ramp down from 25 s
    assert pulse_ma(1.0) == pytest.approx(1.0)
    assert pulse_ma(2.5) == pytest.approx(2.5)
    assert pulse_ma(10.0) == pytest.approx(5.0)
    assert pulse_ma(27.5) == pytest.approx(2.5)
    assert pulse_ma(35.0) == 0.0  # off phase
    assert pulse_ma(121.0) == pytest.approx(1.0)  # next cycle ramps again
    # a whole cycle: pulses at k x 20 ms weigh t/5 (up), 1 (5..25 s), (30 - t)/5 (down):
    # 0.004 x (0 + ... + 249) + 1001 + 0.004 x (1 + ... + 249) = 124.5 + 1001 + 124.5 = 1250 pulses x 1.5 uC = 1875 uC
    # = the closed form 15.625 uC/s x 120 s
    t, cur = dev.render_waveform(0.0, 120.0, 1e4)
    e2 = cur["E2"]
    assert float(-e2[e2 < 0].sum() * 1e-4 * 1e3) == pytest.approx(1875.0, rel=1e-6)
    assert abs(float(e2.sum())) < 1e-6  # charge balanced
    assert np.all(e2[(t >= 30.0) & (t < 120.0)] == 0)
