"""Soft stop: switching stimulation off or deselecting a program ramps it down over soft_stop_s.

Hand figures: 50 Hz x 300 us x 5 mA = 75 uC/s; a 2 s linear ramp from 5 mA delivers half of 2 s worth,
75 uC/s x 2 s / 2 = 75 uC after the stop; without soft_stop_s nothing after the stop.
"""
import numpy as np
import pytest

from tests.scs.helpers import kinds, sim_of

P = {"name": "a", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 5.0, "pulse_width_us": 300, "rate_hz": 50, "soft_stop_s": 2}
B = {"name": "b", "contacts": {"E10": "-", "E11": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 200, "rate_hz": 40}
FS = 100e3


def cathodic_uc(dev, label, t0, t1):
    t, cur = dev.render_waveform(t0, t1, FS)
    return -float(np.sum(np.minimum(cur[label], 0.0))) / FS * 1e3  # mA x s -> uC


def _off_at_10s(soft_stop_s):
    sim = sim_of(settings={"programs": [dict(P, soft_stop_s=soft_stop_s)]}, duration="60s",
                 timeline=[{"at": "10s", "device": "ipg", "action": "stimulation_off"}])
    sim.run(until=10.0)
    q0 = sim.devices["ipg"].summary()["charge_delivered_uc"]
    return sim, q0


@pytest.mark.parametrize("soft_stop_s,extra_uc", [(2.0, 75.0), (0.0, 0.0)])
def test_stimulation_off_ramps_down(soft_stop_s, extra_uc):
    sim, q0 = _off_at_10s(soft_stop_s)
    dev = sim.devices["ipg"]
    assert q0 == pytest.approx(750.0)  # 10 s x 75 uC/s
    # the rendered waveform after the stop (also while the ramp is still ahead of 'now')
    assert cathodic_uc(dev, "E2", 10.0, 13.0) == pytest.approx(extra_uc, abs=1e-6)
    sim.run()
    res = sim.results()
    assert dev.summary()["charge_delivered_uc"] - q0 == pytest.approx(extra_uc, rel=1e-12, abs=1e-9)
    assert cathodic_uc(dev, "E2", 10.0, 13.0) == pytest.approx(extra_uc, abs=1e-6)
    assert cathodic_uc(dev, "E2", 13.0, 20.0) == 0.0
    assert len(kinds(res, "stimulation.soft_stop")) == (1 if soft_stop_s else 0)


def test_ramp_shape_summary_and_energy():
    sim, _ = _off_at_10s(2.0)
    dev = sim.devices["ipg"]
    sim.run(until=11.0)  # mid ramp: the summary is the closed-form integral, 75 x (1 - 1/4) = 56.25 uC after t0
    assert dev.summary()["charge_delivered_uc"] == pytest.approx(750.0 + 56.25)
    assert cathodic_uc(dev, "E2", 10.0, 11.0) == pytest.approx(56.25, abs=0.02 * 1.5)  # within one pulse
    t, cur = dev.render_waveform(10.0, 12.5, 1e6, mode="point")
    peaks = [-cur["E2"][(t >= a) & (t < a + 0.02)].min() for a in (10.0, 11.0, 11.98, 12.0)]
    # each pulse carries the ramp's mean over its period: 5 x (1 - (k + 1/2) / 100)
    assert peaks == pytest.approx([4.975, 2.475, 0.025, 0.0])
    sim.run()
    # energy: the ramp's tissue energy is 1/3 of 2 s at full power (quadratic in the amplitude)
    sim2, _ = _off_at_10s(0.0)
    sim2.run()
    full_w = sim2.devices["ipg"].summary()["energy_to_tissue_j"] / 10.0
    assert dev.summary()["energy_to_tissue_j"] == pytest.approx(full_w * (10.0 + 2.0 / 3.0))
    assert dev.summary()["energy_used_j"] > sim2.devices["ipg"].summary()["energy_used_j"]


def test_one_wake_at_the_ramp_end_and_battery_exact_there():
    sim, _ = _off_at_10s(2.0)
    dev = sim.devices["ipg"]
    sim.run(until=11.0)
    n_hist = len(dev.history)
    assert dev.soft_stops.end_wake is not None and dev.soft_stops.ramps
    sim.run()
    assert dev.soft_stops.end_wake is None and not dev.soft_stops.ramps
    assert len(dev.history) == n_hist + 1  # one entry at the ramp's end, none per pulse
    assert [s.t_s for s in dev.history.states[-2:]] == [10.0, 12.0]
    # battery: the ramp's battery energy is drawn by its end
    s = dev.summary()
    b = dev.profile.battery
    quiescent_j = b.quiescent_ua * 1e-6 * b.voltage_v * 60.0
    used_mah = b.capacity_mah * (dev.settings.battery_pct - s["battery_pct"]) / 100.0
    assert used_mah * 3.6 * b.voltage_v == pytest.approx(s["energy_used_j"], rel=1e-9)
    assert s["energy_used_j"] > quiescent_j


def test_deselecting_a_program_ramps_it_down_while_the_next_runs():
    sim = sim_of(settings={"programs": [P, B]}, duration="60s",
                 timeline=[{"at": "10s", "device": "ipg", "action": "select_program", "params": {"name": "b"}}])
    sim.run()
    res = sim.results()
    dev = sim.devices["ipg"]
    # a: 750 uC before, 75 uC ramp after; b: 40 Hz x 200 us x 3 mA = 24 uC/s for 50 s
    assert dev.summary()["charge_delivered_uc"] == pytest.approx(750.0 + 75.0 + 24.0 * 50)
    assert cathodic_uc(dev, "E2", 10.0, 13.0) == pytest.approx(75.0, abs=1.5)  # a's pulses may shift by its interleave slot
    assert cathodic_uc(dev, "E10", 10.0, 13.0) == pytest.approx(72.0, abs=0.1)
    assert [e.payload["program"] for e in kinds(res, "stimulation.soft_stop")] == ["a"]


def test_restart_during_the_ramp_cancels_it():
    sim = sim_of(settings={"programs": [P]}, duration="60s",
                 timeline=[{"at": "10s", "device": "ipg", "action": "stimulation_off"},
                           {"at": "11s", "device": "ipg", "action": "stimulation_on"}])
    sim.run()
    dev = sim.devices["ipg"]
    # 10 s on, 56.25 uC of ramp in [10, 11), then 49 s on
    assert dev.summary()["charge_delivered_uc"] == pytest.approx(750.0 + 56.25 + 75.0 * 49)
    assert not dev.soft_stops.ramps


def test_cycling_program_stopped_in_its_off_phase_does_not_ramp():
    cyc = dict(P, cycling={"on_s": 5, "off_s": 5})
    sim = sim_of(settings={"programs": [cyc]}, duration="60s",
                 timeline=[{"at": "7s", "device": "ipg", "action": "stimulation_off"}])
    sim.run()
    res = sim.results()
    assert not kinds(res, "stimulation.soft_stop")
    # in its on phase (at 12 s: 2 s into it, level 1) it ramps over 2 s
    sim = sim_of(settings={"programs": [cyc]}, duration="60s",
                 timeline=[{"at": "12s", "device": "ipg", "action": "stimulation_off"}])
    sim.run()
    res = sim.results()
    (ev,) = kinds(res, "stimulation.soft_stop")
    assert ev.payload["ramp_s"] == pytest.approx(2.0) and ev.payload["charge_uc"] == pytest.approx(75.0)
