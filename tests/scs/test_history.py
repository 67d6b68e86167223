"""render_waveform shows the programs that were in force in the window, from a compact history."""
import numpy as np
import pytest

from tests.scs.helpers import sim_of


def cathodic_uc(x, dt_s):
    return float(-x[x < 0].sum() * dt_s * 1e3)  # mA x s -> uC


def test_past_window_uses_past_amplitude_and_on_off():
    tl = [{"at": 1.0, "device": "ipg", "action": "set_amplitude", "params": {"amplitude_ma": 3.0}},
          {"at": 2.0, "device": "ipg", "action": "stimulation_off", "params": {}}]
    sim = sim_of(timeline=tl, duration="1d")
    sim.run(10.0)
    dev = sim.devices["ipg"]
    t, cur = dev.render_waveform(0.5, 2.5, 1e6, mode="point")
    e2 = cur["E2"]
    # [0.5, 1): pulses at 0.50 .. 0.98 s = 25 x 5 mA x 300 us = 37.5 uC
    assert cathodic_uc(e2[t < 1.0], 1e-6) == pytest.approx(37.5, rel=1e-6)
    # [1, 2): 50 pulses x 3 mA x 300 us = 45 uC (amplitude changed, train not restarted)
    assert cathodic_uc(e2[(t >= 1.0) & (t < 2.0)], 1e-6) == pytest.approx(45.0, rel=1e-6)
    # [2, 2.5): stimulation off
    assert not np.any(e2[t >= 2.0])
    # now (off) and later: nothing
    t2, cur2 = dev.render_waveform(5.0, 5.1, 1e5)
    assert not np.any(cur2["E2"])


def test_past_program_switch_renders_the_old_contacts():
    progs = [{"name": "a", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 4.0, "pulse_width_us": 200, "rate_hz": 40},
             {"name": "b", "contacts": {"E10": "-", "E11": "+"}, "amplitude_ma": 2.0, "pulse_width_us": 500, "rate_hz": 20}]
    tl = [{"at": 1.0, "device": "ipg", "action": "select_program", "params": {"name": "b"}}]
    sim = sim_of(settings={"programs": progs}, timeline=tl, duration="1d")
    sim.run(3.0)
    t, cur = sim.devices["ipg"].render_waveform(0.0, 2.0, 1e6, mode="point")
    # a on [0, 1): 40 pulses x 4 mA x 200 us = 32 uC on E2; b from 1 s (started then): 20 x 2 mA x 500 us = 20 uC on E10
    assert cathodic_uc(cur["E2"], 1e-6) == pytest.approx(32.0, rel=1e-6)
    assert cathodic_uc(cur["E10"], 1e-6) == pytest.approx(20.0, rel=1e-6)
    assert not np.any(cur["E10"][t < 1.0]) and not np.any(cur["E2"][t >= 1.0])


def test_history_holds_state_changes_only():
    tl = [{"at": f"{d}d", "device": "ipg", "action": "recharge", "params": {"duration": "1h"}} for d in range(1, 60)]
    sim = sim_of(timeline=tl, duration="60d")
    sim.run()
    # 59 recharges and 60 days of pulses change nothing the output stage does: one entry
    assert len(sim.devices["ipg"].history) == 1
