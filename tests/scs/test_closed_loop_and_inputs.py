"""Closed-loop closed forms, the perception indicator, and bad input reported clearly."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import InputError
from simulator.scs.closed_loop import LoopTracker, ecap_uv, threshold_ma, time_in_window_s
from simulator.scs.perception import estimate, perception_threshold_ma
from simulator.scs.program import Program
from tests.scs.helpers import sim_of


@pytest.fixture(scope="module")
def cl(registry):
    return registry.get("scs/closed-loop-ecap").closed_loop


def test_recruitment_hand(cl):
    # supine factor 0.75: threshold 2.5 x 0.75^2 = 1.40625 mA; 4 mA -> 20 uV/mA x 2.59375 = 51.875 uV
    assert threshold_ma(cl, 0.75) == pytest.approx(1.40625)
    assert ecap_uv(cl, 4.0, 0.75) == pytest.approx(51.875)


def test_controller_settling_time_hand(cl):
    # from 4 mA toward 2.90625 mA (30 uV supine); leaves 'too strong' at 3.90625 mA (50 uV):
    # t = 0.1 x ln((4 - 2.90625) / (3.90625 - 2.90625)) = 0.1 x ln(1.09375) = 8.961 ms
    inside = time_in_window_s(cl, 4.0, 2.90625, 0.1, 0.75, 10.0)
    assert 10.0 - inside == pytest.approx(0.1 * math.log(1.09375))


@settings(max_examples=60, deadline=None)
@given(i0=st.floats(0.0, 12.0), f=st.floats(0.5, 1.5), dur=st.floats(0.0, 100.0))
def test_time_in_window_bounds(cl, i0, f, dur):
    lt = LoopTracker(cl, 30.0, i0, 12.0, 1.0)
    lt.set_distance(0.0, f)
    lt.advance(dur)
    assert 0.0 <= lt.closed_s_in <= dur + 1e-9 and 0.0 <= lt.open_s_in <= dur + 1e-9


def test_perception_indicator_hand():
    # 2.5 x (1 + 295/300) = 4.958 mA; discomfort 1.4-2 x = 6.94-9.92 mA
    assert perception_threshold_ma(300.0) == pytest.approx(4.9583, abs=1e-4)
    e = estimate(Program(name="p", contacts={"E1": "-", "E2": "+"}, amplitude_ma=8.0, pulse_width_us=300, rate_hz=50))
    assert e["zone"] == "possibly uncomfortable" and e["discomfort_low_ma"] == pytest.approx(6.9417, abs=1e-4)
    hf = estimate(Program(name="h", contacts={"E1": "-", "E2": "+"}, amplitude_ma=2.5, pulse_width_us=30, rate_hz=10000, waveform="high_frequency"))
    assert hf["zone"] == "below perception"  # 2.5 x (1 + 295/30) = 27.1 mA


def test_bad_settings_name_the_field():
    bad = {"name": "p", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 5.05, "pulse_width_us": 300, "rate_hz": 50}
    with pytest.raises(InputError) as exc:
        sim_of(settings={"programs": [bad]})
    text = str(exc.value)
    assert "devices[0].settings.programs[0]" in text and "0.1 mA step" in text
    with pytest.raises(InputError, match="has no closed-loop model"):
        sim_of(settings={"closed_loop": {"enabled": True}})
    with pytest.raises(InputError, match="drives at most 16"):
        sim_of(leads=[{"lead": "lead/paddle-16", "top_level": "T8"}, {"lead": "lead/percutaneous-8", "top_level": "T8"}])


def test_bad_action_is_refused_not_crashed():
    sim = sim_of(duration="1d")
    res = sim.apply_action("ipg", "set_program", {"program": {"name": "x", "contacts": {"E40": "-", "E3": "+"}, "pulse_width_us": 300, "rate_hz": 50}})
    assert not res and res.payload["limit"] == "contacts"
    res = sim.apply_action("ipg", "select_program", {"name": "nope"})
    assert not res and res.payload["limit"] == "program"
    res = sim.apply_action("ipg", "set_closed_loop", {"enabled": True})
    assert not res
