"""Demonstrations an educator drives: each control redraws the figures from the models."""
from __future__ import annotations

import math

import numpy as np
import pytest


def _view(qtbot, name):
    from gui.training import DemoView

    view = DemoView(name)
    qtbot.addWidget(view)
    return view


def test_waveforms_run_on_one_rechargeable_device_with_one_scale_and_controls_redraw(qtbot):
    from simulator.training import demos

    view = _view(qtbot, "waveforms")
    assert [p.profile_id for p in view.panels] == [demos.ONE_DEVICE] * 3
    assert {p.battery_unit for p in view.panels} == {"days"}  # rechargeable: days from a full charge
    ranges = {tuple(w.getPlotItem().getViewBox().viewRange()[1]) for w in view.plots}
    assert len(ranges) == 1  # one current scale for the three
    tonic = view.panels[0]
    # tonic nominal: 1.5 mA x 200 us x 30 Hz = 9 uC/s
    assert tonic.charge_uc_per_s == pytest.approx(1.5 * 200e-3 * 30)
    view.controls["program"].setCurrentText("tonic")
    view.controls["amplitude_ma"].setValue(3.0)
    tonic = view.panels[0]
    assert float(view.curves["tonic"].getOriginalDataset()[1].min()) == pytest.approx(-3.0)  # the cathode's 3 mA
    assert tonic.charge_uc_per_s == pytest.approx(3.0 * 200e-3 * 30)  # 18 uC/s
    assert "<b>tonic</b>: 18 uC/s" in view.caption.text()
    view.controls["rate_hz"].setValue(60)
    assert view.panels[0].charge_uc_per_s == pytest.approx(3.0 * 200e-3 * 60)  # 36 uC/s
    # 60 Hz over the 50 ms window: pulses start at 0, 16.7, 33.3 ms -> 3 cathodic pulses
    y = view.curves["tonic"].getOriginalDataset()[1]
    assert int(np.count_nonzero(np.diff((y < -1.5).astype(int)) == 1)) + int(y[0] < -1.5) == 3
    # the other programs kept their own values (the controls edit the chosen program only)
    assert view.panels[1].program["amplitude_ma"] == 0.6 and view.panels[2].program["rate_hz"] == 10000
    # impedance: the current is controlled (same trace), the cell works harder at a higher load
    before_ua = view.panels[0].battery_current_ma
    trace = view.curves["tonic"].getOriginalDataset()[1].copy()
    view.controls["impedance_ohm"].setValue(1050)
    assert view.panels[0].battery_current_ma > before_ua
    assert np.array_equal(view.curves["tonic"].getOriginalDataset()[1], trace)
    # a program the model refuses is reported, not raised: 10 kHz with 1000 us pulses cannot fit
    view.controls["program"].setCurrentText("10 kHz")
    view.controls["pulse_width_us"].setValue(1000)
    assert view.error and "Not drawn" in view.caption.text()


def test_bridge_bolus_controls_rerun_the_pump_with_the_new_dead_volume(qtbot):
    view = _view(qtbot, "bridge-bolus")
    without = view.dose_curves[0]
    # 50 cm catheter: dead volume 0.370 mL; the new 20 mg/mL at 2 mg/day flows 0.1 mL/day
    assert without.catheter_dead_volume_ml == pytest.approx(0.37, abs=1e-6)
    per_cm = (0.37 - 0.26) / 50  # pump tubing 0.26 mL + the catheter
    view.controls["catheter_length_cm"].setValue(100)
    view.redraw()  # the slow redraw, without waiting for the controls to rest
    without, with_bridge = view.dose_curves
    dead = 0.26 + 100 * per_cm
    assert without.catheter_dead_volume_ml == pytest.approx(dead)  # 0.48 mL
    # the old drug (10 mg/mL) leaves at 0.1 mL/day: 1 mg/day for 0.48 / 0.1 = 4.8 days after 2 h
    t_end_h = 2 + dead / 0.1 * 24
    inside = (without.t_h > 4) & (without.t_h < t_end_h - 2)
    assert np.allclose(without.dose_per_day[inside], 1.0, rtol=1e-6)
    assert np.allclose(with_bridge.dose_per_day[inside], 2.0, rtol=1e-6)
    assert "0.480 mL" in view.caption.text()
    # no concentration change: nothing to bridge, the dose stays 2 mg/day
    view.controls["old_mg_per_ml"].setValue(20)
    view.redraw()
    assert np.allclose(view.dose_curves[0].dose_per_day, 2.0, rtol=1e-6)


def test_csf_bolus_and_catheter_tip_level(qtbot):
    view = _view(qtbot, "csf")
    view.controls["mode"].setCurrentText("bolus")
    view.controls["bolus_mg"].setValue(0.42)
    r = view.csf_result
    # a 0.42 mg bolus into the 42 mL compartment adds 0.01 mg/mL at 2 h, on top of 1 mg/day's steady state
    steady = 1.0 / 1440 / 0.34
    i = int(np.searchsorted(r.t_h, 2.0))
    assert r.tip_conc_per_ml[i] == pytest.approx(steady + 0.01)
    half = 2.0 + math.log(2) * 42 / 0.34 / 60  # one half-life later: half the bolus is left
    assert np.interp(half, r.t_h, r.tip_conc_per_ml) == pytest.approx(steady + 0.005, rel=1e-3)
    # tip at T10, watching T6: 4 levels x 2.5 cm = 10 cm -> exp(-10 / 4) of the tip's concentration
    assert view.csf_watched[-1] / r.tip_conc_per_ml[-1] == pytest.approx(math.exp(-2.5))
    view.controls["tip_level"].setCurrentText("T6")
    assert np.allclose(view.csf_watched, view.csf_result.tip_conc_per_ml)
    assert view.tip_marker.value() == pytest.approx(12 * 2.5)  # T6 is the 13th level from C1
    assert "Nordberg" in view.caption.text() and ".md" not in view.caption.text()


def test_present_mode_enlarges_the_fonts(qtbot):
    from gui.training.demo_view import FONT_PT

    view = _view(qtbot, "csf")
    assert view.caption.font().pointSize() == FONT_PT[False]
    view.present_box.setChecked(True)
    assert view.caption.font().pointSize() == FONT_PT[True] == 16
    assert view.plots[0].getPlotItem().getAxis("left").label.font().pointSize() == 16
