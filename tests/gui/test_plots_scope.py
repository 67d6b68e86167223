"""The scope behaves like one: a pulse-locked trigger, a time base per waveform, one colour per
contact, a cursor read-out of current and phase charge, notes when the line is flat; and a
property test of the trigger on random pulse and burst trains."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.scenario_io import default_scenario_path, open_scenario
from simulator.engine import Simulation

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _first_rising_edge_x(scope) -> float:
    """x (ms) of the first sample where the summed |current| of the shown traces rises above half its peak."""
    level = sum(np.abs(v) for v in scope.last_traces.values())
    on = level > 0.5 * level.max()
    i = int(np.flatnonzero(np.diff(on.astype(int)) == 1)[0]) + 1
    x, _ = next(iter(scope.curves.values())).getData()
    return float(x[i])


def test_the_trace_stands_still_at_real_time(qtbot, make_window):
    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    window.refresh_views()
    scope = window.device_views["ipg"].extra["scope"]  # on the overview
    window.runner.step(10.0)
    x1 = _first_rising_edge_x(scope)
    trig1 = scope.last_trigger_t_s
    window.runner.step(1 / 30)  # one frame at real time: 33.3 ms, not a whole number of 20 ms periods
    x2 = _first_rising_edge_x(scope)
    trig2 = scope.last_trigger_t_s
    sample_ms = 1e3 / scope.last_sample_rate_hz
    assert abs(x2 - x1) <= sample_ms
    # both frames locked on a pulse of the 50 Hz program: the triggers are whole periods apart
    periods = (trig2 - trig1) / 0.020
    assert abs(periods - round(periods)) * 0.020 <= 1.0 / scope.last_sample_rate_hz
    assert round(periods) >= 1  # and the second is a later pulse, not the same one
    # the trigger is the last pulse onset at or before now, and the window shows five periods
    assert sim.now - 0.020 < trig2 <= sim.now
    assert scope.window_s == pytest.approx(0.100)  # auto: 5 x 20 ms


def test_auto_time_base_per_waveform_and_burst_trigger_on_the_first_pulse(qtbot):
    from gui.scope import AUTO, Scope

    sim = Simulation(open_scenario(SCENARIOS / "scs_tonic_burst_hf_year.yaml"))
    sim.run(until=10.0)  # the cycled burst program is on for its first 30 s
    scopes = {}
    for dev in ("tonic", "burst", "hf10"):
        scope = Scope(dev)
        qtbot.addWidget(scope)
        scope.set_simulation(sim)
        scopes[dev] = scope
    assert scopes["hf10"].time_base.currentText() == AUTO
    assert scopes["hf10"].window_s == pytest.approx(0.5e-3)  # 5 x 100 us at 10 kHz
    assert scopes["burst"].window_s == pytest.approx(0.100)  # 5 x 25 ms = 125 ms -> nearest listed base 100 ms
    burst = scopes["burst"]
    # locked on the burst's first pulse: no cathodic pulse on E2 in the 2 ms before it (at 500 Hz
    # a second pulse of a burst has its predecessor 2 ms earlier); only the passive recovery tail
    x = burst.last_x_ms
    before = burst.last_traces["E2"][(x < 0) & (x >= -2.0)]
    assert len(before) and float(before.min()) >= 0.0
    # the five pulses of the burst start at 0, 2, 4, 6, 8 ms (500 Hz inside the burst)
    e2 = burst.last_traces["E2"]
    onsets = x[1:][np.diff((e2 < -0.3).astype(int)) == 1]
    assert onsets[:5] == pytest.approx([0, 2, 4, 6, 8], abs=2e3 / burst.last_sample_rate_hz)
    # cursor read-out in the middle of the first cathodic phase: 0.6 mA for 1000 us = 0.6 uC
    readout = burst.readout_at(0.5)
    current, charge = readout["E2"]
    assert current == pytest.approx(-0.6, rel=1e-3)
    assert charge == pytest.approx(-0.6, rel=0.02)
    assert "phase charge 0.6 uC" in burst.readout_text(0.5)
    # the user can still choose a time base
    burst.time_base.setCurrentText("20 ms")
    assert burst.window_s == pytest.approx(0.020)
    assert burst.last_x_ms[-1] - burst.last_x_ms[0] == pytest.approx(20.0, abs=0.1)


def test_a_cycling_off_program_and_stimulation_off_say_why_the_line_is_flat(qtbot):
    from gui.scope import Scope

    sim = Simulation(open_scenario(SCENARIOS / "scs_tonic_burst_hf_year.yaml"))
    sim.run(until=100.0)  # 30 s on, 360 s off: at 100 s the burst program is off
    scope = Scope("burst")
    qtbot.addWidget(scope)
    scope.set_simulation(sim)
    assert max(float(np.max(np.abs(v))) for v in scope.last_traces.values()) == 0.0
    assert scope.note_text == "burst-low-dose is cycling off\n(on 30 s / off 360 s)\nno pulses in this window"
    assert scope.note.isVisible()
    sim.apply_action("tonic", "stimulation_off", {})
    tonic = Scope("tonic")
    qtbot.addWidget(tonic)
    tonic.set_simulation(sim)
    assert tonic.note_text == "stimulation is off"
    sim.run(until=400.0)  # the next on phase (390 s to 420 s)
    scope._force()
    assert scope.note_text == "" and max(float(np.max(np.abs(v))) for v in scope.last_traces.values()) == pytest.approx(0.6)


def test_colour_follows_the_contact_not_the_order_traces_appear(qtbot, make_window):
    from gui.plot_common import contact_colour

    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    window.refresh_views()
    scope = window.device_views["ipg"].extra["scope"]
    window.runner.step(1.0)
    contacts = list(sim.devices["ipg"].electrodes.contacts)
    e2_before = scope.curves["E2"].opts["pen"].color().name()
    assert e2_before == contact_colour(contacts.index("E2"))
    assert e2_before != scope.curves["E3"].opts["pen"].color().name()
    # a second program on E4 (cathode) and E2 (anode), run interleaved with the first
    leg = {"name": "leg", "contacts": {"E4": "-", "E2": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 300, "rate_hz": 50}
    window.runner.apply_action("ipg", "set_program", {"program": leg})
    window.runner.apply_action("ipg", "select_program", {"names": ["tonic", "leg"]})
    window.runner.step(1.0)
    assert set(scope.curves) == {"E2", "E3", "E4"}
    colours = {label: c.opts["pen"].color().name() for label, c in scope.curves.items()}
    assert colours["E2"] == e2_before  # the same contact keeps its colour across programs
    assert len(set(colours.values())) == 3  # different contacts, different colours
    assert colours["E4"] == contact_colour(contacts.index("E4"))
    # interleaved programs are told apart: the legend names the programs on each contact
    assert scope.curves["E2"].name() == "E2 (tonic, leg)" and scope.curves["E4"].name() == "E4 (leg)"
    assert [scope.trigger_combo.itemText(i) for i in range(scope.trigger_combo.count())] == ["tonic", "leg", "free run"]
    scope.trigger_combo.setCurrentText("leg")
    # locked on the leg program: E4 (only leg uses it) starts its cathodic phase at x = 0
    x = scope.last_x_ms
    e4 = scope.last_traces["E4"]
    first = float(x[1:][np.diff((e4 < -1.5).astype(int)) == 1][0])
    assert abs(first) <= 1e3 / scope.last_sample_rate_hz


def _train(period_s, width_s, offset_s, pulses_per_burst, intra_s, fs, t0, t1):
    """A pulse train sampled at fs over [t0, t1): bursts of `pulses_per_burst` pulses (intra_s
    apart) every period_s, the first at offset_s; level 1 inside a pulse, 0 outside."""
    t = t0 + np.arange(round((t1 - t0) * fs)) / fs
    phase = np.mod(t - offset_s, period_s)
    level = np.zeros(len(t))
    for k in range(pulses_per_burst):
        level[(phase >= k * intra_s) & (phase < k * intra_s + width_s)] = 1.0
    return t, level


@settings(max_examples=60, deadline=None)
@given(
    period_ms=st.floats(5.0, 40.0),
    width_frac=st.floats(0.02, 0.1),
    offset_frac=st.floats(0.0, 1.0),
    burst=st.sampled_from([1, 3, 5]),
    now_frac=st.floats(0.0, 1.0),
)
def test_the_trigger_is_the_last_train_onset_before_now(period_ms, width_frac, offset_frac, burst, now_frac):
    from gui.scope import find_trigger

    fs = 200e3
    period = period_ms * 1e-3
    width = width_frac * period / 5  # a burst of up to five pulses fills at most half the period
    intra = 2 * width
    offset = offset_frac * period
    t0, now = 0.0, 2 * period + now_frac * period  # the lookback holds two periods before now
    t, level = _train(period, width, offset, burst, intra, fs, t0, now + 0.5 * period)
    found = find_trigger(t, level, now)
    assert found is not None
    i, quiet = found
    # the onset of a train (its first pulse), not of a later pulse in a burst
    assert level[i] == 1.0 and level[i - 1] == 0.0
    assert abs(np.mod(t[i] - offset + 0.5 * period, period) - 0.5 * period) <= 1.5 / fs
    # the last such onset at or before now: the next one is after now
    assert t[i] <= now < t[i] + period + 1.5 / fs
    # the quiet stretch before it is the gap between trains
    assert quiet == pytest.approx(period - ((burst - 1) * intra + width), abs=2.5 / fs)
