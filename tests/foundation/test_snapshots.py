"""Device snapshots: hand-computed figures, immutability, and settings that round-trip exactly."""
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from simulator.pump.snapshot import PumpSnapshot
from simulator.pump.settings import PeriodicMode
from simulator.scs.snapshot import StimulatorSnapshot
from tests.pump.helpers import DAY, HOUR, MIN, kinds, make_sim, morphine_settings
from tests.scs.helpers import sim_of

START = "2026-01-05T08:00:00"
# 1 mg/day basal and a 0.5 mg bolus every 6 h, the first 30 min after programming
PERIODIC = {"type": "periodic", "dose_mg_per_day": 1, "bolus_dose_mg": 0.5, "interval_h": 6, "first_bolus_after_min": 30}
# flex at 10 mg/mL: 1 mg/day from 00:00, 3 mg/day from 08:00, 2 mg/day from 20:00
FLEX = {"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 1}, {"start": "08:00", "dose_mg_per_day": 3},
                                  {"start": "20:00", "dose_mg_per_day": 2}]}


def _bolus_starts(results, kind="periodic"):
    return [e.t_s for e in kinds(results, "bolus.start") if e.payload["bolus"] == kind]


# ----------------------------------------------------------------- pump: figures
def test_pump_snapshot_figures_by_hand():
    # 20 mL of 10 mg/mL at 2 mg/day = 0.2 mL/day; low threshold 2 mL
    sim = make_sim(morphine_settings(), duration="110d")
    sim.run(10 * DAY)
    snap = sim.devices["pump"].snapshot()
    assert isinstance(snap, PumpSnapshot)
    assert snap.t_s == 10 * DAY
    assert snap.reservoir_ml == pytest.approx(18.0)  # 20 - 10 x 0.2
    assert snap.expected_reservoir_ml == pytest.approx(18.0)  # no flow error: the pump's figure agrees
    assert snap.predicted_low_reservoir_t_s == pytest.approx(90 * DAY, abs=60)  # (20 - 2) / 0.2
    assert snap.predicted_empty_t_s == pytest.approx(100 * DAY, abs=60)  # 20 / 0.2
    assert snap.rate_ml_per_day == pytest.approx(0.2)
    assert snap.drug_rate_per_day == pytest.approx(2.0)
    assert snap.programmed_daily_dose == pytest.approx(2.0)
    assert (snap.drug_name, snap.drug_unit, snap.concentration_per_ml) == ("morphine", "mg", 10.0)
    assert snap.delivered_volume_ml == pytest.approx(2.0) and snap.delivered_drug == pytest.approx(20.0)
    # 10 days x (0.0365 %/day idle + 0.004 %/mL x 0.2 mL/day) = 0.373 %
    assert snap.battery_pct == pytest.approx(100 - 10 * (0.0365 + 0.004 * 0.2))
    assert snap.low_reservoir_threshold_ml == 2.0 and snap.active_alarms == ()
    assert snap.stopped_reasons == () and snap.mode_name == "continuous"
    # settings now: 18 mL left, drug 10 days old, same program
    s = snap.settings
    assert s.reservoir_ml == pytest.approx(18.0) and s.days_since_fill == pytest.approx(10.0)
    assert s.mode.type == "continuous" and s.mode.dose_mg_per_day == 2.0
    assert s.battery_initial_pct == pytest.approx(snap.battery_pct)


def test_pump_snapshot_alarms_and_lockout():
    # low alarm at day 90 (see above); a patient bolus at day 91 starts a 120 min lockout
    pb = {"dose_mg": 0.1, "duration_min": 10, "lockout_min": 120, "max_per_day": 4}
    sim = make_sim(morphine_settings(patient_bolus=pb), duration="95d", timeline=[{"at": "91d", "action": "patient_bolus"}])
    sim.run(91 * DAY + 30 * MIN)
    snap = sim.devices["pump"].snapshot()
    assert [a.alarm for a in snap.active_alarms] == ["low_reservoir"]
    assert snap.active_alarms[0].raised_t_s == pytest.approx(90 * DAY, abs=60)
    lock = snap.patient_lockout
    assert lock.enabled and lock.in_lockout and lock.boluses_last_24h == 1 and lock.max_per_day == 4
    assert lock.lockout_end_t_s == pytest.approx(91 * DAY + 120 * MIN)
    assert snap.patient_bolus.lockout_min == 120


def test_snapshot_is_frozen_and_detached_from_the_device():
    sim = make_sim(morphine_settings(mode=PERIODIC), duration="2d")
    pump = sim.devices["pump"]
    snap = pump.snapshot()
    with pytest.raises(ValidationError):
        snap.reservoir_ml = 1.0
    with pytest.raises(ValidationError):
        snap.settings = None
    # nested settings are copies: editing one never reaches the pump
    snap.settings.mode.interval_h = 12
    assert pump.snapshot().settings.mode.interval_h == 6
    with pytest.raises(ValueError, match="present only"):
        pump.snapshot(t_s=5 * DAY)
    assert pump.snapshot(t_s=0.0).t_s == 0.0


# ----------------------------------------------------------------- pump: round trips
def test_periodic_first_bolus_after_min_survives():
    sim = make_sim(morphine_settings(mode=PERIODIC), duration="2d")
    pump = sim.devices["pump"]
    mode = pump.snapshot().settings.mode
    assert isinstance(mode, PeriodicMode)
    assert mode.first_bolus_after_min == 30  # the lossy rebuild gave 0
    assert mode.model_dump(exclude_none=True) == PeriodicMode(**PERIODIC).model_dump(exclude_none=True)
    # 2 h in, the next bolus is at 0.5 h + 6 h = 6.5 h: 270 min away
    sim.run(2 * HOUR)
    snap = pump.snapshot()
    assert snap.settings.mode.first_bolus_after_min == pytest.approx(270)
    assert snap.next_periodic_bolus_t_s == pytest.approx(6.5 * HOUR)
    assert snap.programmed_t_s == 0.0


def test_retransmitting_the_snapshot_program_changes_nothing():
    # bolus starts at 0.5 h + k x 6 h; re-sending the snapshot's mode at 2 h keeps them
    plain = make_sim(morphine_settings(mode=PERIODIC), duration="2d").run().results()
    sim = make_sim(morphine_settings(mode=PERIODIC), duration="2d")
    sim.run(2 * HOUR)
    mode = sim.devices["pump"].snapshot().settings.mode.model_dump(exclude_none=True)
    assert sim.apply_action("pump", "program", {"mode": mode}).accepted
    again = sim.run().results()
    expected = [0.5 * HOUR + k * 6 * HOUR for k in range(8)]
    assert _bolus_starts(plain) == pytest.approx(expected)
    assert _bolus_starts(again) == pytest.approx(expected)
    # 2 days x (1 mg + 4 x 0.5 mg) = 6 mg either way
    assert again.device_summary("pump")["delivered_drug"] == pytest.approx(plain.device_summary("pump")["delivered_drug"])
    assert plain.device_summary("pump")["delivered_drug"] == pytest.approx(6.0, abs=1e-6)


@pytest.mark.parametrize("mode", [{"type": "continuous", "dose_mg_per_day": 2}, FLEX, PERIODIC], ids=["continuous", "flex", "periodic"])
def test_snapshot_settings_start_a_twin_that_continues_the_pump(mode):
    # pump A runs 3 days; pump B starts from A's snapshot settings at A's calendar time then:
    # B after 4 days must equal A after 7 days (flex steps follow the clock, so the calendar matters)
    a = make_sim(morphine_settings(mode=mode), duration="10d")
    a.run(3 * DAY)
    snap = a.devices["pump"].snapshot()
    start_b = (datetime.fromisoformat(START) + timedelta(days=3)).isoformat()
    b = make_sim(snap.settings.model_dump(mode="json", exclude_none=True), duration="10d", start=start_b)
    a.run(7 * DAY)
    b.run(4 * DAY)
    pa, pb = a.devices["pump"], b.devices["pump"]
    assert pb.reservoir_ml_at(4 * DAY) == pytest.approx(pa.reservoir_ml_at(7 * DAY), abs=1e-9)
    delivered_a = pa.delivered_drug_at(7 * DAY) - pa.delivered_drug_at(3 * DAY)
    assert pb.delivered_drug_at(4 * DAY) == pytest.approx(delivered_a, abs=1e-9)
    assert pb.snapshot().settings.mode == pa.snapshot().settings.mode


def test_flex_round_trip_as_a_program_and_daily_dose_by_hand():
    # 1 x 8/24 + 3 x 12/24 + 2 x 4/24 = 13/6 mg/day
    sim = make_sim(morphine_settings(), duration="6d", timeline=[{"at": "1d", "action": "program", "params": {"mode": FLEX}}])
    sim.run(2 * DAY)
    snap = sim.devices["pump"].snapshot()
    assert snap.programmed_daily_dose == pytest.approx(13 / 6)
    assert snap.programmed_t_s == 1 * DAY
    assert snap.settings.mode.model_dump(exclude_none=True) == {"type": "flex", "steps": FLEX["steps"]}
    # another pump given the snapshot's mode as a program at day 1 delivers the same
    twin = make_sim(morphine_settings(), duration="6d", timeline=[{"at": "1d", "action": "program", "params": {"mode": snap.settings.mode.model_dump(mode="json")}}])
    r1, r2 = sim.run().results(), twin.run().results()
    d1, d2 = r1.device_summary("pump")["daily_doses"], r2.device_summary("pump")["daily_doses"]
    assert [d["date"] for d in d2] == [d["date"] for d in d1]
    assert [d["amount"] for d in d2] == pytest.approx([d["amount"] for d in d1], abs=1e-12)
    # full calendar day 3 (both schedule days complete): 13/6 mg
    assert r1.device_summary("pump")["daily_doses"][3]["amount"] == pytest.approx(13 / 6)


# ----------------------------------------------------------------- stimulator
BACK = {"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 5, "pulse_width_us": 300, "rate_hz": 50,
        "cycling": {"on_s": 60, "off_s": 180}}
LEG = {"name": "leg", "contacts": {"E12": "-", "E13": "+"}, "amplitude_ma": 3, "pulse_width_us": 200, "rate_hz": 40}


def _scs(**over):
    settings = {"programs": [BACK, LEG], "groups": {"both": ["back", "leg"]}, "active_group": "both", **over}
    return sim_of(settings=settings, duration="3d")


def test_stimulator_snapshot_programs_groups_impedances_battery():
    sim = _scs(active_group=None, active_programs=["back"])
    sim.run(1 * HOUR)
    sim.apply_action("ipg", "inject_impedance_fault", {"contact": "E12", "fault": "open"})
    dev = sim.devices["ipg"]
    assert dev.snapshot().last_impedance_check is None
    sim.apply_action("ipg", "impedance_check", {})
    sim.run(1 * DAY)
    snap = dev.snapshot()
    assert isinstance(snap, StimulatorSnapshot)
    assert list(snap.programs) == ["back", "leg"] and snap.active_programs == ("back",)
    assert snap.programs["back"].cycling.on_s == 60 and snap.programs["back"].cycling.off_s == 180
    assert snap.groups == {"both": ("back", "leg")} and snap.active_group is None
    assert snap.last_impedance_check_t_s == 1 * HOUR
    rows = {r.contact: r for r in snap.last_impedance_check}
    assert rows["E12"].ohm == 20000.0 and rows["E12"].flag == "open" and not rows["E12"].ok  # the profile's open-fault figure
    assert rows["E2"].ohm == 525.0 and rows["E2"].ok and rows["E2"].level == "T8"
    assert snap.faulty_contacts == {"E12": "open"}
    # micc-16: 5 mA, 300 us, 50 Hz into 525 + 525 ohm: 0.316723 mA while on, x 60/240 duty, + 10 uA
    # quiescent; 120 mAh cell -> % used in 1 day = drain x 24 h / 120 mAh x 100
    drain_ma = 1.171875e-3 / 3.7 * 1e3 * 0.25 + 0.010
    assert snap.battery_pct == pytest.approx(100 - drain_ma * 24 / 120 * 100)
    assert snap.projection.chemistry == "rechargeable" and snap.projection.drain_ma == pytest.approx(drain_ma)
    assert snap.stimulating and snap.effective_amplitudes_ma == {"back": 5.0}
    assert snap.contacts["E2"].level == "T8"
    assert "impedance_fault" in {a.alarm for a in snap.active_alarms}
    with pytest.raises(ValidationError):
        snap.battery_pct = 50.0


def test_stimulator_settings_round_trip_with_groups_and_cycling():
    sim = _scs()
    sim.run(2 * HOUR)
    sim.apply_action("ipg", "set_cycling", {"program": "leg", "on_s": 30, "off_s": 30})
    sim.run(3 * HOUR)
    dev = sim.devices["ipg"]
    snap = dev.snapshot()
    assert snap.settings.active_group == "both" and snap.settings.groups == {"both": ["back", "leg"]}
    assert snap.settings.programs[1].cycling.on_s == 30
    # a new stimulator started from the snapshot's settings drains like this one from now on
    twin = sim_of(settings=snap.settings.model_dump(mode="json", exclude_none=True), duration="3d")
    tdev = twin.devices["ipg"]
    assert tdev.snapshot().settings.programs == snap.settings.programs
    assert tdev.therapy_drain_ma() == pytest.approx(dev.therapy_drain_ma())
    assert tdev.battery_pct_at(0.0) == pytest.approx(snap.battery_pct)
    sim.run(3 * HOUR + 1 * DAY)
    twin.run(1 * DAY)
    assert tdev.battery_pct_at(1 * DAY) == pytest.approx(dev.battery_pct_at(3 * HOUR + 1 * DAY))
    # sending a program back as it is leaves the device as it was
    before = dev.snapshot()
    assert sim.apply_action("ipg", "set_program", {"program": before.programs["leg"].model_dump(mode="json")}).accepted
    after = dev.snapshot()
    assert after.programs == before.programs and after.active_programs == before.active_programs


def test_snapshot_after_a_refill_with_a_drug_change():
    # day 5: morphine aspirated, 15 mL of baclofen 500 mcg/mL at 100 mcg/day = 0.2 mL/day
    refill = {"fill_ml": 15, "drug": "baclofen", "concentration_mcg_per_ml": 500, "mode": {"type": "continuous", "dose_mcg_per_day": 100}}
    sim = make_sim(morphine_settings(), duration="20d", timeline=[{"at": "5d", "action": "refill", "params": refill}])
    sim.run(6 * DAY)
    snap = sim.devices["pump"].snapshot()
    assert (snap.drug_id, snap.drug_unit, snap.concentration_per_ml) == ("drug/baclofen", "mcg", 500.0)
    assert snap.expected_reservoir_ml == pytest.approx(15 - 0.2)  # one day at 0.2 mL/day
    assert snap.drug_age_days == pytest.approx(1.0) and snap.programmed_t_s == 5 * DAY
    s = snap.settings
    assert (s.drug, s.concentration_mg_per_ml, s.concentration_mcg_per_ml) == ("drug/baclofen", None, 500.0)
    assert s.mode.dose_mcg_per_day == 100 and s.mode.dose_mg_per_day is None
    twin = make_sim(s.model_dump(mode="json", exclude_none=True), duration="20d").devices["pump"]
    assert twin.current_rate_ml_per_day() == pytest.approx(0.2)


def test_gas_pump_snapshot_keeps_the_environment_in_its_settings():
    # a fixed-rate pump has no mode; a fever changes its flow, and a twin started from the snapshot flows alike
    sim = make_sim({"drug": "drug/morphine", "concentration_mg_per_ml": 1, "reservoir_ml": 30}, profile="pump/gas-driven-30ml", duration="20d",
                   timeline=[{"at": "1d", "action": "set_environment", "params": {"body_temperature_c": 39}}])
    sim.run(2 * DAY)
    snap = sim.devices["pump"].snapshot()
    assert snap.settings.mode is None and snap.mode_name == "fixed" and snap.battery_pct is None
    assert snap.settings.environment.body_temperature_c == 39 and snap.body_temperature_c == 39
    assert snap.flow_factor > 1  # warmer gas: faster flow
    twin = make_sim(snap.settings.model_dump(mode="json", exclude_none=True), profile="pump/gas-driven-30ml", duration="20d").devices["pump"]
    assert twin.snapshot().rate_ml_per_day == pytest.approx(snap.rate_ml_per_day)
    assert twin.snapshot().reservoir_ml == pytest.approx(snap.reservoir_ml)


def test_stimulator_snapshot_closed_loop_state():
    # closed-loop-ecap: ECAP = 20 uV/mA x (I - 2.5 mA x d^2), target 30 uV. Standing (d = 1): the
    # controller settles at 2.5 + 30 / 20 = 4.0 mA. Supine (d = 0.75): threshold 2.5 x 0.5625 = 1.40625 mA,
    # settled 1.40625 + 1.5 = 2.90625 mA; after 10 s (100 time constants of 0.1 s) it is there, ECAP 30 uV.
    sim = sim_of(profile="scs/closed-loop-ecap", settings={"closed_loop": {"enabled": True}}, duration="1d")
    sim.run(1 * HOUR)
    dev = sim.devices["ipg"]
    loop = dev.snapshot().closed_loop
    assert loop.enabled and loop.posture == "standing" and loop.target_uv == 30.0
    assert loop.settled_amplitude_ma == pytest.approx(4.0) and loop.ecap_uv == pytest.approx(30.0)
    sim.apply_action("ipg", "posture", {"posture": "supine"})
    sim.run(1 * HOUR + 10)
    snap = dev.snapshot()
    assert snap.closed_loop.settled_amplitude_ma == pytest.approx(2.90625)
    assert snap.closed_loop.amplitude_ma == pytest.approx(2.90625, abs=1e-6)
    assert snap.closed_loop.ecap_uv == pytest.approx(30.0, abs=1e-4)
    assert snap.closed_loop.program == snap.active_programs[0]
    assert snap.settings.closed_loop.posture == "supine" and snap.settings.closed_loop.enabled


def test_taking_snapshots_never_changes_a_run():
    # a snapshot only reads: a run with a snapshot every 7 h gives the same series, bit for bit
    plain = make_sim(morphine_settings(mode=FLEX), duration="5d").run().results()
    sim = make_sim(morphine_settings(mode=FLEX), duration="5d")
    pump = sim.devices["pump"]
    for k in range(1, 17):
        sim.run(k * 7 * HOUR)
        snap = pump.snapshot()
        assert snap.expected_reservoir_ml == pytest.approx(pump.expected_reservoir_ml_at(k * 7 * HOUR))
    watched = sim.run().results()
    for signal in ("reservoir_ml", "cumulative_drug_mg", "battery_pct"):
        t1, v1 = plain.series_arrays("pump", signal)
        t2, v2 = watched.series_arrays("pump", signal)
        assert t1.tolist() == t2.tolist() and v1.tolist() == v2.tolist(), signal


def test_pump_predicted_eri_by_hand():
    # peristaltic-20ml battery: 0.0365 %/day idle + 0.004 %/mL; 0.2 mL/day -> 0.0373 %/day.
    # Start at 30 % with ERI at 5 %: (30 - 5) / 0.0373 = 670.2 days (well before the 7-year service life)
    sim = make_sim(morphine_settings(battery_initial_pct=30), duration="30d")
    pump = sim.devices["pump"]
    sim.run(5 * DAY)
    snap = pump.snapshot()
    assert pump.profile.battery.eri_pct == 5
    assert snap.battery_pct == pytest.approx(30 - 5 * 0.0373)
    assert snap.predicted_eri_t_s == pytest.approx(25 / 0.0373 * DAY, rel=1e-9)
