"""The six pump example scenarios, each run with its key outcome numbers checked by hand."""
from pathlib import Path

import pytest

from simulator import Simulation, load_scenario
from simulator.pump.flow_accuracy import ambient_pressure_mmhg_at_altitude

DAY, HOUR, MIN = 86400.0, 3600.0, 60.0
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def run(name):
    sim = Simulation(load_scenario(SCENARIOS / name))
    return sim, sim.run().results()


def ev(res, kind, device="pump"):
    return [e for e in res.events if e.device == device and e.kind == kind]


def test_morphine_two_refills_low_alarm():
    sim, res = run("pump_morphine_refills.yaml")
    s = res.device_summary("pump")
    low = [e for e in ev(res, "alarm.raised") if e.payload["alarm"] == "low_reservoir"]
    assert len(low) == 1 and abs(low[0].t_s - 60 * DAY) < MIN  # (20 - 2) / 0.3
    assert [round(r["aspirated_ml"], 9) for r in s["refills"]] == [1.4, 2.6]  # 20 - 62 x 0.3; 20 - 58 x 0.3
    assert s["delivered_drug"] == pytest.approx(3 * 150)  # never empty: 3 mg/day for 150 days
    assert s["final_reservoir_ml"] == pytest.approx(20 - 0.3 * 30)
    assert s["predicted_empty_t_s"] == pytest.approx((120 + 20 / 0.3) * DAY, abs=MIN)
    assert abs(s["mass_balance"]["residual"]) < 1e-9


def test_baclofen_flex_missed_refill_ends_empty():
    sim, res = run("pump_baclofen_flex_missed_refill.yaml")
    s = res.device_summary("pump")
    assert s["drug_unit"] == "mcg" and s["programmed_daily_dose"] == pytest.approx(7100 / 12)
    # 33 days x 591.67 = 19525 mcg; the last 475 mcg by the day-34 steps runs out at 18:20
    empty = [e for e in ev(res, "alarm.raised") if e.payload["alarm"] == "empty_reservoir"][0]
    assert empty.t_s == pytest.approx(33 * DAY + 18 * HOUR + 20 * MIN, abs=1)
    assert any("withdrawal" in e.payload["message"] for e in ev(res, "warning"))
    assert s["delivered_drug"] == pytest.approx(20000.0)
    # each full day delivers the schedule's 591.67 mcg; the last day nothing
    assert s["daily_doses"][5]["amount"] == pytest.approx(7100 / 12)
    assert s["daily_doses"][-1]["amount"] == pytest.approx(0.0, abs=1e-9)


def test_concentration_change_with_and_without_bridge():
    sim, res = run("pump_concentration_change.yaml")
    a, b = res.device_summary("no_bridge"), res.device_summary("bridge")
    assert a["dose_errors"][0]["error_amount"] == pytest.approx(-3.7)
    # no bridge: 20 mg + 3.7 mg over 3.7 days + 2 mg/day x 6.3 days; bridge: 2 mg/day throughout
    assert a["delivered_drug"] == pytest.approx(20 + 3.7 + 12.6)
    assert b["delivered_drug"] == pytest.approx(40.0) and b["dose_errors"] == []


def test_patient_boluses_lockout_and_daily_maximum():
    sim, res = run("pump_patient_boluses.yaml")
    given = [round(e.t_s / MIN) for e in ev(res, "bolus.start")]
    assert given == [60, 125, 360, 1505]
    assert [e.payload["limit"] for e in ev(res, "refusal")] == ["lockout_min", "max_per_day"]
    s = res.device_summary("pump")
    assert s["patient_boluses"] == {"accepted": 4, "refused": 2} and s["refusals"] == 2
    assert s["delivered_drug"] == pytest.approx(2 * 2 + 4 * 0.1)


def test_pocket_fill():
    sim, res = run("pump_pocket_fill.yaml")
    p = ev(res, "pocket_fill")[0].payload
    # 60 mg subcutaneous vs 2 mg/day intrathecal = 200 mg/day parenteral (1:100 conversion): 0.3 x a day's systemic equivalent
    assert p["severity"] == "critical" and p["systemic_dose"] == pytest.approx(60.0) and p["times_daily_systemic_equivalent"] == pytest.approx(0.3)
    assert p["intrathecal_daily_systemic_equivalent"] == pytest.approx(200.0) and "1:100" in p["conversion"]
    d = ev(res, "refill.discrepancy")[0].payload
    # the pump expects 18 - 30 x 0.2 = 12 mL; 12 - 6 = 6 mL is there
    assert d["expected_residual_ml"] == pytest.approx(12.0) and d["aspirated_ml"] == pytest.approx(6.0)
    s = res.device_summary("pump")
    assert s["mass_balance"]["pocket"] == pytest.approx(60.0) and abs(s["mass_balance"]["residual"]) < 1e-9


def test_gas_pump_long_flight():
    sim, res = run("pump_gas_flight.yaml")
    f_flight = (1520 - ambient_pressure_mmhg_at_altitude(2438)) / 760  # ~1.257
    f_fever = (760 + 2 * 13.04) / 760
    # 1 mL/day for 10 days + 0.5 day x (f_flight - 1) + 1 day x (f_fever - 1)
    expected_ml = 10 + 0.5 * (f_flight - 1) + (f_fever - 1)
    s = res.device_summary("pump")
    assert s["delivered_volume_ml"] == pytest.approx(expected_ml)
    assert s["delivered_drug"] == pytest.approx(2 * expected_ml)
    changes = [e.payload["change_pct"] for e in ev(res, "flow.changed")]
    assert changes[0] == pytest.approx((f_flight - 1) * 100) and 25 < changes[0] < 27
