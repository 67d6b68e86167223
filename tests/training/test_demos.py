"""Educator demonstrations: the CSF model against hand-computed values; the waveform comparison."""
import math

import numpy as np
import pytest

from simulator.training.demos import csf_concentration, csf_steady_state_per_ml, waveform_comparison


def test_csf_steady_state_and_half_life_by_hand():
    # 2 mg/day = 2/1440 mg/min; / 0.34 mL/min -> 4.085e-3 mg/mL at the tip
    assert csf_steady_state_per_ml(2.0, 0.34) == pytest.approx(2.0 / 1440 / 0.34)
    r = csf_concentration(1.0, 2.0, change_at_h=1.0, duration_h=10.0, n_t=601)
    assert r.half_life_min == pytest.approx(math.log(2) * 42 / 0.34)  # 85.6 min
    assert r.tip_conc_per_ml[0] == pytest.approx(1.0 / 1440 / 0.34)
    # one half-life after the change the tip is half-way from the old to the new steady state
    t_half_h = 1.0 + r.half_life_min / 60.0
    mid = np.interp(t_half_h, r.t_h, r.tip_conc_per_ml)
    assert mid == pytest.approx((r.steady_before_per_ml + r.steady_after_per_ml) / 2, rel=1e-3)
    assert r.tip_conc_per_ml[-1] == pytest.approx(r.steady_after_per_ml, rel=0.01)
    assert "Educational approximation" in r.label and "Nordberg" in r.sources["clearance_ml_per_min"]


def test_csf_spatial_decay_by_length_constant():
    r = csf_concentration(2.0, 2.0, length_constant_cm=4.0, max_distance_cm=8.0, n_x=5)  # x = -8,-4,0,4,8
    row = r.conc_per_ml[0]
    assert r.distances_cm.tolist() == [-8, -4, 0, 4, 8]
    assert row[3] / row[2] == pytest.approx(math.exp(-1)) and row[1] == pytest.approx(row[3])
    assert row[2] / row[4] == pytest.approx(math.exp(2))  # ~7.4 fold over 8 cm: inside the 5-10 fold of pump.md


def test_csf_rejects_bad_parameters():
    with pytest.raises(ValueError, match="clearance_ml_per_min"):
        csf_concentration(1, 2, clearance_ml_per_min=0)


def test_waveform_comparison_orders_charge_and_energy():
    panels = {p.label: p for p in waveform_comparison(window_s=0.05)}
    assert set(panels) == {"tonic", "burst", "10 kHz"}
    hf, tonic = panels["10 kHz"], panels["tonic"]
    # charge per second is the closed form amplitude x pulse width x pulses per second
    prog = hf.program
    assert hf.charge_uc_per_s == pytest.approx(prog["amplitude_ma"] * prog["pulse_width_us"] / 1000 * prog["rate_hz"], rel=1e-6)
    # the 10 kHz program draws far more battery current than the tonic one (5.8 x the tonic's stimulation
    # power from the battery, 5 x its energy into tissue: claims.energy_comparison)
    assert hf.battery_current_ma > 5 * tonic.battery_current_ma
    # the scope window holds the right number of cathodic pulses: 10 kHz for 50 ms -> 500
    pulses = np.count_nonzero(np.diff((hf.cathode_current_ma < -1e-9).astype(int)) == 1) + int(hf.cathode_current_ma[0] < -1e-9)
    assert pulses == 500
    assert tonic.battery_unit == "years" and tonic.battery_figure > 1


def test_bridge_bolus_comparison_dose_curves():
    from simulator.training.demos import bridge_bolus_comparison

    without, with_bridge = bridge_bolus_comparison()
    assert without.label.startswith("without") and with_bridge.label.startswith("with ")
    day2 = (without.t_h > 12) & (without.t_h < 36)  # well after the refill at 2 h
    # without: the old 10 mg/mL drug leaves the dead volume at the new 0.1 mL/day: 1 mg/day
    assert np.allclose(without.dose_per_day[day2], 1.0, rtol=1e-6)
    # with: the bridge keeps 2 mg/day; and both end at 2 mg/day once the new drug arrives
    assert np.allclose(with_bridge.dose_per_day[day2], 2.0, rtol=1e-6)
    assert without.dose_per_day[-1] == pytest.approx(2.0) and with_bridge.dose_per_day[-1] == pytest.approx(2.0)
    assert "-50 %" in without.dose_error_message and "bridge bolus" in with_bridge.dose_error_message
