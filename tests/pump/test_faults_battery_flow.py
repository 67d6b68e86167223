"""Faults, battery ERI/EOS, flow error and the gas-driven pump's environment."""
import pytest

from simulator.pump.flow_accuracy import ambient_pressure_mmhg_at_altitude, gas_flow_factor
from simulator.profiles.registry import default_registry
from tests.pump.helpers import DAY, MIN, kinds, make_sim, morphine_settings


def test_motor_stall_stops_flow_until_cleared():
    sim = make_sim(morphine_settings(), duration="10d", timeline=[
        {"at": "5d", "action": "inject_fault", "params": {"fault": "motor_stall"}},
        {"at": "5d 1h", "action": "acknowledge_alarm", "params": {"alarm": "motor_stall"}},
        {"at": "6d", "action": "clear_fault", "params": {"fault": "motor_stall"}},
    ])
    pump = sim.devices["pump"]
    res = sim.run().results()
    raised = kinds(res, "alarm.raised")[0]
    assert raised.payload["alarm"] == "motor_stall" and raised.payload["severity"] == "critical"
    # critical tone repeats every 10 min: +10..+50 min; the one at +60 min comes after the acknowledgement
    # (the repeats are recorded coalesced, one alarm.repeats event written at the acknowledgement)
    (repeats,) = [e for e in kinds(res, "alarm.repeats") if e.payload["alarm"] == "motor_stall"]
    assert repeats.payload["count"] == 5 and repeats.t_s == 5 * DAY + 60 * MIN
    assert repeats.payload["first_t_s"] == 5 * DAY + 10 * MIN and repeats.payload["last_t_s"] == 5 * DAY + 50 * MIN
    # 9 days of flow at 0.2 mL/day
    assert pump.reservoir_ml_at(10 * DAY) == pytest.approx(20 - 0.2 * 9)
    assert pump.reservoir_ml_at(5.5 * DAY) == pytest.approx(19.0)
    assert [e.payload["reason"] for e in kinds(res, "flow.resumed")] == ["motor_stall cleared"]


def test_patient_bolus_refused_while_stalled():
    sim = make_sim(morphine_settings(patient_bolus={"dose_mg": 0.1, "duration_min": 10, "lockout_min": 60, "max_per_day": 3}), duration="2d", timeline=[
        {"at": "1d", "action": "inject_fault", "params": {"fault": "motor_stall"}},
        {"at": "1d 1h", "action": "patient_bolus"},
    ])
    res = sim.run().results()
    assert kinds(res, "refusal")[0].payload["limit"] == "pump_stopped"


def test_non_critical_memory_error_keeps_flow():
    sim = make_sim(morphine_settings(), duration="2d", timeline=[{"at": "1d", "action": "inject_fault", "params": {"fault": "memory_error", "critical": False}}])
    pump = sim.devices["pump"]
    res = sim.run().results()
    assert kinds(res, "alarm.raised")[0].payload["severity"] == "non_critical"
    assert pump.current_rate_ml_per_day() == pytest.approx(0.2)


def test_eri_and_eos_from_service_life():
    # 7 years - 90 days - 10 days elapsed: ERI on day 10, EOS 90 days later (= 7 years) on day 100
    sim = make_sim(morphine_settings(reservoir_ml=20, service_elapsed_days=7 * 365 - 100), duration="101d")
    res = sim.run().results()
    assert kinds(res, "battery.eri")[0].t_s == pytest.approx(10 * DAY, abs=1)
    assert kinds(res, "battery.eos")[0].t_s == pytest.approx(100 * DAY, abs=1)
    assert "eos" in res.device_summary("pump")["stopped"]


def test_eri_and_eos_from_charge():
    # 6 % left; drain 0.0365 + 0.004 x 0.2 = 0.0373 %/day -> ERI (5 %) after 1 / 0.0373 = 26.81 days;
    # EOS 90 days after ERI (before the charge runs out at 6 / 0.0373 = 160.9 days)
    sim = make_sim(morphine_settings(battery_initial_pct=6), duration="120d")
    res = sim.run().results()
    eri = kinds(res, "battery.eri")[0]
    assert eri.t_s == pytest.approx(1 / 0.0373 * DAY, abs=1) and eri.payload["reason"] == "charge"
    assert kinds(res, "battery.eos")[0].t_s == pytest.approx((1 / 0.0373 + 90) * DAY, abs=1)


def test_bolus_heavy_therapy_drains_the_battery_faster():
    timeline = [{"at": f"{d}d", "action": "single_bolus", "params": {"dose_mg": 5}} for d in range(1, 10)]
    plain = make_sim(morphine_settings(), duration="10d").run().results().device_summary("pump")["battery_pct"]
    heavy = make_sim(morphine_settings(), duration="10d", timeline=timeline).run().results().device_summary("pump")["battery_pct"]
    # 9 boluses x 0.5 mL x 0.004 %/mL = 0.018 % more
    assert plain - heavy == pytest.approx(9 * 0.5 * 0.004)


def test_systematic_over_delivery_empties_before_the_pump_knows():
    # +10 %: true flow 0.22 mL/day -> truly empty at 20 / 0.22 = 90.909 days; the pump alarms at day 100
    sim = make_sim(morphine_settings(flow_error={"systematic_error_pct": 10}), duration="101d")
    res = sim.run().results()
    empty = kinds(res, "reservoir.empty")[0]
    assert empty.t_s == pytest.approx(20 / 0.22 * DAY, abs=MIN)
    assert "has not detected it" in empty.payload["message"]
    alarm = [e for e in kinds(res, "alarm.raised") if e.payload["alarm"] == "empty_reservoir"][0]
    assert alarm.t_s == pytest.approx(100 * DAY, abs=MIN)


def test_systematic_error_outside_the_band_is_refused():
    from simulator.errors import InputError
    with pytest.raises(InputError, match="accuracy band of \\+/-14.5 %"):
        make_sim(morphine_settings(flow_error={"systematic_error_pct": 20}))


def test_random_systematic_error_is_seeded_and_within_band():
    s = morphine_settings(flow_error={"random_systematic": True})
    a = make_sim(s, seed=3).devices["pump"].flow.systematic_error_pct
    b = make_sim(s, seed=3).devices["pump"].flow.systematic_error_pct
    c = make_sim(s, seed=4).devices["pump"].flow.systematic_error_pct
    assert a == b and a != c and abs(a) <= 14.5


GAS = {"drug": "morphine", "concentration_mg_per_ml": 2, "reservoir_ml": 30}


def test_gas_flow_factor_hand_computed():
    gas = default_registry().get("pump/gas-driven-30ml").gas
    # fever 39 C: (1520 + 2 x 13.04 - 760) / 760 = +3.4 %
    assert gas_flow_factor(gas, 39, 760) == pytest.approx((760 + 26.08) / 760)
    # 30 C vs 25 C: (760 - 7 x 13.04) / (760 - 12 x 13.04) = 668.72 / 603.52 = 1.108 (the paper's 10.8 %)
    assert gas_flow_factor(gas, 30, 760) / gas_flow_factor(gas, 25, 760) == pytest.approx(1.108, abs=1e-4)
    # cabin at 8000 ft (2438 m): ~564 mmHg -> (1520 - 564) / 760 = +25.7 %
    p = ambient_pressure_mmhg_at_altitude(2438)
    assert p == pytest.approx(564.4, abs=0.5)
    assert gas_flow_factor(gas, 37, p) == pytest.approx((1520 - p) / 760)
    # 2.0 ATA: 1520 mmHg = the propellant pressure -> no flow
    assert gas_flow_factor(gas, 37, 1520) == 0


def test_gas_pump_flight_and_hyperbaric():
    sim = make_sim(GAS, profile="pump/gas-driven-30ml", duration="3d", timeline=[
        {"at": "1d", "action": "set_environment", "params": {"altitude_m": 2438}},
        {"at": "1d 10h", "action": "set_environment", "params": {"ambient_pressure_mmhg": 760}},
        {"at": "2d", "action": "set_environment", "params": {"ambient_pressure_ata": 2.0}},
        {"at": "2d 2h", "action": "set_environment", "params": {"ambient_pressure_ata": 1.0}},
    ])
    pump = sim.devices["pump"]
    res = sim.run().results()
    f = (1520 - ambient_pressure_mmhg_at_altitude(2438)) / 760
    # 1 mL/day: 3 days - 2 h stopped + 10 h at factor f
    expected = 3 - 2 / 24 + 10 / 24 * (f - 1)
    assert pump.delivered_volume_ml_at(3 * DAY) == pytest.approx(expected)
    assert pump.delivered_drug_at(3 * DAY) == pytest.approx(2 * expected)
    assert [e.payload["reason"] for e in kinds(res, "flow.stopped")] == ["ambient pressure at or above the propellant pressure"]


def test_gas_pump_cannot_be_programmed():
    sim = make_sim(GAS, profile="pump/gas-driven-30ml", duration="2d", timeline=[{"at": "1d", "action": "program", "params": {"mode": {"type": "continuous", "dose_mg_per_day": 1}}}])
    res = sim.run().results()
    assert kinds(res, "refusal")[0].payload["limit"] == "programmable"
