"""The pump interrogation panel tells the truth on every pump type and at every instant.

Figures by hand: morphine 10 mg/mL at 2 mg/day is 2 / 10 = 0.2 mL/day; 3 mL with a 2 mL threshold
reaches the threshold after (3 - 2) / 0.2 = 5 d and is empty after 3 / 0.2 = 15 d.
Gas-driven pump: flow = labelled 1.0 mL/day x (vapour 1520 - ambient) / (1520 - 760) mmHg; at an
ambient 570 mmHg that is 950 / 760 = 1.25 mL/day (2.5 mg/day of 2 mg/mL); 30 mL reach 2 mL after
28 / 1.25 = 22.4 d and are empty after 30 / 1.25 = 24 d (at the labelled rate the reminder would
have said 28 d: after the empty date).
"""
from __future__ import annotations

import pytest

from simulator.engine import Simulation
from simulator.scenario import scenario_from_dict

DAY = 86400.0


def _sim(profile: str, settings: dict, duration: str = "30d") -> Simulation:
    data = {"name": "interrogation", "start": "2026-01-01T00:00:00", "duration": duration, "seed": 1,
            "devices": [{"id": "pump", "profile": profile, "settings": settings}]}
    return Simulation(scenario_from_dict(data))


MORPHINE = {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 3, "low_reservoir_threshold_ml": 2, "mode": {"type": "continuous", "dose_mg_per_day": 2}}


@pytest.mark.parametrize("profile", ["pump/peristaltic-20ml", "pump/valve-gated-20ml"])
def test_low_alarm_sounding_says_when_it_was_reached(qtbot, make_window, no_dialogs, profile):
    sim = _sim(profile, MORPHINE)
    window = make_window(sim)
    pp = window.device_views["pump"].extra["programmer"]
    window.runner.jump_to(6 * DAY, blocking=True)
    assert sim.now == 6 * DAY
    pp.refresh(sim.now)
    assert "low_reservoir" in [a["alarm"] for a in sim.devices["pump"].active_alarms()]
    low = pp.status.low.text()
    assert "not predicted" not in low
    assert low == "threshold 2 mL; reached 2026-01-06 00:00 (alarm sounding)"
    assert pp.status.empty.text() == "2026-01-16 00:00 (in 9.0 d; elapsed 15d 00:00:00)"
    assert pp.status.gauge.text() == "1.80 of 20 mL"  # 3 - 6 x 0.2


def test_exact_empty_instant_and_after(qtbot, make_window, no_dialogs):
    sim = _sim("pump/peristaltic-20ml", MORPHINE)
    window = make_window(sim)
    pp = window.device_views["pump"].extra["programmer"]
    window.runner.jump_to(15 * DAY, blocking=True)
    pp.refresh(sim.now)
    assert pp.status.gauge.text() == "0.00 of 20 mL"
    # the empty alarm is due at this very instant: the panel says so instead of a silent 0.00 mL
    # (the run stops before the moments due at its end: the alarm is raised when the clock moves on)
    assert "empty_reservoir" not in [a["alarm"] for a in sim.devices["pump"].active_alarms()]
    assert pp.status.empty.text() == "empty now (the empty-reservoir alarm is due at this instant)"
    assert "not predicted" not in pp.status.low.text()
    window.runner.jump_to(15 * DAY + 3600, blocking=True)
    pp.refresh(sim.now)
    assert pp.status.empty.text() == "empty since 2026-01-16 00:00 (empty-reservoir alarm sounding)"
    assert pp.status.rate.text().startswith("0 mL/day = 0 mg/day")


def test_gas_pump_low_before_empty_and_no_alarm_control(qtbot, make_window, no_dialogs):
    sim = _sim("pump/gas-driven-30ml", {"drug": "drug/morphine", "concentration_mg_per_ml": 2, "reservoir_ml": 30})
    sim.apply_action("pump", "set_environment", {"ambient_pressure_mmhg": 570})
    window = make_window(sim)
    pp = window.device_views["pump"].extra["programmer"]
    pp.refresh(sim.now)
    pump = sim.devices["pump"]
    assert pump.predicted_low_reservoir_t_s() == pytest.approx(22.4 * DAY)
    assert pump.predicted_empty_t_s() == pytest.approx(24 * DAY)
    assert pp.status.low.text() == "threshold 2 mL; refill reminder (calculated: the pump has no electronics) 2026-01-23 09:36 (in 22.4 d; elapsed 22d 09:36:00)"
    assert pp.status.empty.text() == "2026-01-25 00:00 (in 24.0 d; elapsed 24d 00:00:00)"
    assert pp.status.rate.text() == "1.25 mL/day = 2.5 mg/day (fixed rate: gas-driven, not programmable)"
    assert "stopped" not in pp.status.rate.text()
    # no electronics: no low-alarm control and no dosing program editor is offered
    assert not pp.threshold.isVisibleTo(pp) and not pp.threshold_button.isVisibleTo(pp)
    assert not pp.mode_editor.isVisibleTo(pp)
    # the reminder comes when the prediction said (same flow), before the empty date
    window.runner.jump_to(23 * DAY, blocking=True)
    pp.refresh(sim.now)
    assert pp.status.low.text() == "threshold 2 mL; reached 2026-01-23 09:36 (refill reminder (calculated: the pump has no electronics) active)"
    assert pp.status.gauge.text() == "1.25 of 30 mL"  # 30 - 23 x 1.25


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(t_s=st.floats(min_value=0.0, max_value=20 * DAY), profile=st.sampled_from(["pump/peristaltic-20ml", "pump/valve-gated-20ml"]))
def test_interrogation_never_contradicts_the_alarms_at_any_instant(t_s, profile):
    from gui.pump_programmer import interrogation_text

    sim = _sim(profile, MORPHINE)
    sim.run(until=t_s)
    pump = sim.devices["pump"]
    text = interrogation_text(sim, pump, sim.now)
    active = {a["alarm"] for a in pump.active_alarms()}
    if "low_reservoir" in active:
        assert text["low"].startswith("threshold 2 mL; reached 2026-01-06 00:00")  # (3 - 2) / 0.2 = 5 d
    if "empty_reservoir" in active:
        assert text["empty"].startswith("empty since")
    left_ml = pump.expected_reservoir_ml_at(sim.now)
    if left_ml <= 1e-9:  # empty by the pump's calculation
        assert text["empty"].startswith(("empty now", "empty since"))
    elif left_ml < 0.005:  # the gauge shows 0.00 mL: the text gives the empty time, under 0.025 d (0.005 / 0.2) away
        assert text["empty"].startswith(("empty now", "empty since")) or "(in 0.0 d" in text["empty"]
    assert "not predicted" not in text["low"] + text["empty"]  # the pump flows all along: every moment is known
    low, empty = pump.predicted_low_reservoir_t_s(), pump.predicted_empty_t_s()
    if low is not None and empty is not None:
        assert low < empty


@settings(max_examples=20, deadline=None)
@given(ambient_mmhg=st.floats(min_value=300, max_value=1400), reservoir_ml=st.floats(min_value=2.5, max_value=30))
def test_gas_pump_low_reminder_always_before_empty(ambient_mmhg, reservoir_ml):
    # flow = 1.0 x (1520 - ambient) / 760 mL/day; low after (V - 2) / flow, empty after V / flow
    sim = _sim("pump/gas-driven-30ml", {"drug": "drug/morphine", "concentration_mg_per_ml": 2, "reservoir_ml": reservoir_ml})
    sim.apply_action("pump", "set_environment", {"ambient_pressure_mmhg": ambient_mmhg})
    pump = sim.devices["pump"]
    flow = (1520 - ambient_mmhg) / 760
    assert pump.predicted_empty_t_s() == pytest.approx(reservoir_ml / flow * DAY, rel=1e-9)
    assert pump.predicted_low_reservoir_t_s() == pytest.approx((reservoir_ml - 2) / flow * DAY, rel=1e-9)
