"""Program groups (a platform's programs x areas): stored, selected, refused when timings collide."""
import numpy as np
import pytest

from tests.scs.helpers import sim_of


def prog(name, cathode, anode, **kw):
    return {"name": name, "contacts": {cathode: "-", anode: "+"}, "amplitude_ma": 3.0, "pulse_width_us": 300, "rate_hz": 50, **kw}


PROGS = [prog("a", "E2", "E3"), prog("b", "E5", "E6"), prog("c", "E10", "E11"), prog("d", "E13", "E14"),
         prog("h1", "E2", "E3", pulse_width_us=30, rate_hz=10000, waveform="high_frequency"),
         prog("h2", "E10", "E11", pulse_width_us=30, rate_hz=10000, waveform="high_frequency")]


def test_group_of_four_areas_runs_interleaved_with_summed_drain():
    sim = sim_of(settings={"programs": PROGS, "groups": {"G1": ["a", "b", "c", "d"]}, "active_group": "G1"}, duration="1d")
    dev = sim.devices["ipg"]
    assert dev.active_programs() == ["a", "b", "c", "d"] and dev.summary()["active_group"] == "G1"
    # each: V = 3 mA x 1050 ohm + 1 V = 4.15 V; 2 x 50 x 3e-3 x 4.15 x 300e-6 / 0.8 = 0.466875 mW; x 4 areas
    assert dev.power.rate["drain_ma"] == pytest.approx(4 * 0.466875e-3 / 3.7 * 1e3 + 0.010)
    # offsets: each area owns 600 us (two 300 us phases) of the 20 ms period: a at 0, b at 600 us, c at 1200, d at 1800
    t, cur = dev.render_waveform(0.0, 0.02, 1e6, mode="point")
    firsts = [int(np.argmax(cur[c] < 0)) for c in ("E2", "E5", "E10", "E13")]
    assert firsts == [0, 600, 1200, 1800]


def test_group_limits_and_collisions_are_refused():
    sim = sim_of(settings={"programs": PROGS}, duration="1d")
    dev = sim.devices["ipg"]
    res = sim.apply_action("ipg", "set_group", {"name": "all", "programs": ["a", "b", "c", "d", "h1"]})
    assert not res and res.payload["limit"] == "max_areas"  # 5 > 4 areas
    res = sim.apply_action("ipg", "set_group", {"name": "hf", "programs": ["h1", "h2"]})
    assert not res and res.payload["limit"] == "interleave"  # two 60 us windows every 100 us on one output stage
    for i in range(4):
        assert sim.apply_action("ipg", "set_group", {"name": f"G{i}", "programs": ["a", "b"]})
    res = sim.apply_action("ipg", "set_group", {"name": "G4", "programs": ["a"]})
    assert not res and res.payload["limit"] == "max_groups"
    # changing a grouped program so that it collides with its group partner is refused
    res = sim.apply_action("ipg", "set_program", {"program": {**PROGS[1], "pulse_width_us": 30, "rate_hz": 10000, "waveform": "high_frequency"}})
    assert not res and res.payload["limit"] == "interleave" and "group 'G0'" in res.reason
    assert sim.apply_action("ipg", "select_group", {"name": "G2"})
    assert dev.active_programs() == ["a", "b"] and dev.programs.active_group == "G2"
    assert sim.apply_action("ipg", "select_program", {"name": "c"})
    assert dev.programs.active_group is None


def test_settings_groups_are_validated():
    from simulator.errors import InputError

    with pytest.raises(InputError, match="collide"):
        sim_of(settings={"programs": PROGS, "groups": {"bad": ["h1", "h2"]}})
    with pytest.raises(InputError, match="no group"):
        sim_of(settings={"programs": PROGS, "groups": {}, "active_group": "x"})
