"""Pump domain corrections: MRI (both valve-gated generations, post-scan delay, telemetry lock,
field condition), measured accuracy and out-of-specification pumps, baclofen starting dose,
ziconotide refill rules, single-bolus semantics, catheter volume per family, pocket fill in
systemic equivalents, illustrative gas coefficients. Every expected figure is worked by hand in
the comment above its assertion."""
import zlib

import numpy as np
import pytest
import yaml
from hypothesis import given, settings as hsettings, strategies as st

from simulator import Simulation, scenario_from_dict
from simulator.errors import InputError
from simulator.profiles.registry import ProfileRegistry, default_registry
from simulator.pump.screening import baclofen_starting_dose_mcg_per_day, baclofen_titration_step_mcg_per_day
from simulator.pump.systemic import pocket_fill_comparison
from tests.pump.helpers import DAY, HOUR, MIN, kinds, make_sim, morphine_settings

# morphine 10 mg/mL at 2 mg/day = 0.2 mL/day throughout


def variant_sim(tmp_path, base_id, changes, settings, timeline=(), duration="5d", seed=0):
    """A one-pump simulation on a copy of a bundled pump profile with `changes` applied."""
    raw = dict(default_registry().raw(base_id))
    raw.update(changes, id=base_id + "-variant")
    folder = tmp_path / "profiles"
    folder.mkdir(exist_ok=True)
    (folder / "variant.yaml").write_text(yaml.safe_dump(raw))
    reg = ProfileRegistry([folder])
    sc = scenario_from_dict({"name": "t", "seed": seed, "start": "2026-01-05T08:00:00", "duration": duration,
                             "devices": [{"id": "pump", "profile": base_id + "-variant", "settings": settings}],
                             "timeline": [dict(device="pump", **a) for a in timeline]}, reg)
    return Simulation(sc, registry=reg)


def delivered_between(pump, t_a, t_b):
    return pump.delivered_volume_ml_at(t_b) - pump.delivered_volume_ml_at(t_a)


# ----- item 2: peristaltic pump after an MRI -----
def test_post_mri_delay_given_by_the_scenario_stalls_the_motor_and_alarms():
    # scan 1d -> 1d 1h, then a 6 h motor stall: no flow for 7 h of the scan day.
    # delivered over [1d, 2d) = 0.2 x 17/24 = 0.1416667 mL; missed 0.2 x 7/24 = 0.0583333 mL = 0.583333 mg
    sim = make_sim(morphine_settings(), duration="3d", timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 60, "recovery_delay_h": 6}}])
    res = sim.run().results()
    pump = sim.devices["pump"]
    assert delivered_between(pump, DAY, 2 * DAY) == pytest.approx(0.2 * 17 / 24, abs=1e-12)
    assert delivered_between(pump, DAY + HOUR, DAY + 7 * HOUR) == pytest.approx(0.0, abs=1e-12)
    raised = [e for e in kinds(res, "alarm.raised") if e.payload.get("alarm") == "motor_stall"]
    cleared = [e for e in kinds(res, "alarm.cleared") if e.payload.get("alarm") == "motor_stall"]
    assert [e.t_s for e in raised] == [pytest.approx(DAY + HOUR)] and [e.t_s for e in cleared] == [pytest.approx(DAY + 7 * HOUR)]
    resumed = kinds(res, "mri.resumed")[0]
    assert resumed.t_s == pytest.approx(DAY + 7 * HOUR)
    assert resumed.payload["missed_volume_ml"] == pytest.approx(0.2 * 7 / 24, rel=1e-9)
    assert resumed.payload["missed_drug"] == pytest.approx(2 * 7 / 24, rel=1e-9)
    assert abs(pump.mass_balance()["residual"]) < 1e-9


def seeded_delay_h(seed: int, device_id: str, lo: float, hi: float, probability: float) -> float:
    """The delay the seeded MRI generator gives (its own stream keyed '<device>/mri')."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(zlib.crc32(f"{device_id}/mri".encode()),)))
    if rng.random() >= probability:
        return 0.0
    return float(rng.uniform(lo, hi))


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_post_mri_delay_drawn_from_the_profile_range_0_to_24_h(tmp_path, seed):
    # profile delay 0..24 h, always delayed: the delay d is the seeded draw; the scan day then delivers
    # 0.2 x (24 - 1 - d) / 24 mL (1 h scan + d h stall), all of [1d, 2d) when d <= 23 h
    changes = {"mri_recovery_delay_h_min": 0, "mri_recovery_delay_h_max": 24, "mri_recovery_delay_probability": 1.0}
    sim = variant_sim(tmp_path, "pump/peristaltic-20ml", changes, morphine_settings(), duration="3d", seed=seed,
                      timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 60}}])
    res = sim.run().results()
    d = seeded_delay_h(seed, "pump", 0.0, 24.0, 1.0)
    assert 0.0 <= d <= 24.0
    assert kinds(res, "mri.started")[0].payload["recovery_delay_h"] == pytest.approx(d, abs=1e-12)
    pump = sim.devices["pump"]
    blocked_h = 1 + d
    if blocked_h <= 24:
        assert delivered_between(pump, DAY, 2 * DAY) == pytest.approx(0.2 * (24 - blocked_h) / 24, abs=1e-12)
    assert delivered_between(pump, DAY + blocked_h * HOUR, 3 * DAY) == pytest.approx(0.2 * (48 - blocked_h) / 24, abs=1e-12)


def test_a_pump_alarming_during_the_scan_does_not_resume_until_interrogated():
    # a non-critical memory error alarm is active at the scan (1d, 60 min); no motor delay.
    # the pump stays in telemetry until the interrogation at 1d 5h: delivered over [1d, 2d) = 0.2 x 19/24 mL
    timeline = [{"at": "12h", "action": "inject_fault", "params": {"fault": "memory_error", "critical": False}},
                {"at": "1d", "action": "mri", "params": {"duration_min": 60, "recovery_delay_h": 0}},
                {"at": "1d 30min", "action": "interrogate"},  # still in the scanner: refused
                {"at": "1d 5h", "action": "interrogate"}]
    sim = make_sim(morphine_settings(), duration="3d", timeline=timeline)
    res = sim.run().results()
    pump = sim.devices["pump"]
    assert kinds(res, "mri.started")[0].payload["telemetry_lock"] is True
    assert [e.payload["action"] for e in kinds(res, "refusal")] == ["interrogate"]
    assert delivered_between(pump, DAY + HOUR, DAY + 5 * HOUR) == pytest.approx(0.0, abs=1e-12)
    assert delivered_between(pump, DAY, 2 * DAY) == pytest.approx(0.2 * 19 / 24, abs=1e-12)
    assert kinds(res, "mri.resumed")[0].t_s == pytest.approx(DAY + 5 * HOUR)
    assert any("interrogate" in e.payload["message"] for e in kinds(res, "warning"))


def test_field_strength_above_the_profile_condition_is_refused_or_overridden():
    # peristaltic condition 1.5 T, policy refuse: a 3 T scan is refused (no block, full flow);
    # with override it runs with a warning naming the limit: 1 h scan -> 0.2 x 23/24 mL on the scan day
    sim = make_sim(morphine_settings(), duration="2d", timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 60, "field_t": 3.0}}])
    res = sim.run().results()
    ref = kinds(res, "refusal")
    assert len(ref) == 1 and ref[0].payload["limit"] == "mri_max_field_t" and "3 T" in ref[0].payload["reason"]
    assert sim.devices["pump"].delivered_volume_ml_at(2 * DAY) == pytest.approx(0.4, abs=1e-12)
    over = make_sim(morphine_settings(), duration="2d", timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 60, "field_t": 3.0, "override": True, "recovery_delay_h": 0}}])
    res = over.run().results()
    assert not kinds(res, "refusal")
    assert any(e.payload.get("limit") == "mri_max_field_t" and e.payload["message"].startswith("overridden") for e in kinds(res, "warning"))
    assert delivered_between(over.devices["pump"], DAY, 2 * DAY) == pytest.approx(0.2 * 23 / 24, abs=1e-12)


def test_field_strength_policy_warn_lets_the_scan_run_with_a_warning(tmp_path):
    sim = variant_sim(tmp_path, "pump/peristaltic-20ml", {"mri_condition_policy": "warn"}, morphine_settings(), duration="2d",
                      timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 60, "field_t": 3.0, "recovery_delay_h": 0}}])
    res = sim.run().results()
    assert not kinds(res, "refusal") and len(kinds(res, "mri.started")) == 1
    assert any(e.payload.get("limit") == "mri_max_field_t" for e in kinds(res, "warning"))


# ----- item 1: valve-gated pumps and MRI -----
def test_first_generation_valve_gated_scan_with_drug_is_refused_then_overridden_discharge():
    # dead volume 0.2 + 50 x 0.0022 = 0.31 mL. At 1d the reservoir holds 20 - 0.2 = 19.8 mL.
    # Overridden scan: the valves open, 19.8 + 0.31 = 20.11 mL = 201.1 mg reach the patient at once.
    # Delivered at 1d 1min: 0.2 + 20.11 = 20.31 mL (203.1 mg = all that was filled).
    refused = make_sim(morphine_settings(), duration="2d", profile="pump/valve-gated-20ml-gen1",
                       timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 30}}])
    res = refused.run().results()
    assert [e.payload["limit"] for e in kinds(res, "refusal")] == ["mri_requires_empty_reservoir"]
    assert refused.devices["pump"].reservoir_ml_at(2 * DAY) == pytest.approx(19.6, abs=1e-12)

    sim = make_sim(morphine_settings(), duration="2d", profile="pump/valve-gated-20ml-gen1",
                   timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 30, "override": True}}])
    res = sim.run().results()
    pump = sim.devices["pump"]
    d = kinds(res, "mri.discharge")[0]
    assert d.t_s == pytest.approx(DAY) and d.payload["severity"] == "critical"
    assert d.payload["volume_ml"] == pytest.approx(20.11, abs=1e-12)
    assert d.payload["amounts"]["morphine"] == pytest.approx(201.1, abs=1e-9)
    assert pump.delivered_volume_ml_at(DAY + MIN) == pytest.approx(20.31, abs=1e-12)
    assert pump.delivered_drug_at(DAY + MIN) == pytest.approx(203.1, abs=1e-9)
    assert pump.reservoir_ml_at(DAY + MIN) == pytest.approx(0.0, abs=1e-12)
    assert kinds(res, "reservoir.empty")
    assert abs(pump.mass_balance()["residual"]) < 1e-9


def test_emptied_valve_gated_pumps_scan_without_refusal_or_discharge():
    # the labelled procedure: reservoir emptied (0 mL) before the scan -> nothing to refuse, nothing discharged
    for profile in ("pump/valve-gated-20ml-gen1", "pump/valve-gated-20ml"):
        sim = make_sim(morphine_settings(reservoir_ml=0, mode={"type": "stopped"}), duration="1d", profile=profile,
                       timeline=[{"at": "1h", "action": "mri", "params": {"duration_min": 30}}])
        res = sim.run().results()
        assert not kinds(res, "refusal") and not kinds(res, "mri.discharge")
        assert sim.devices["pump"].delivered_volume_ml_at(DAY) == pytest.approx(0.0, abs=1e-12)


def test_newer_generation_refuses_a_scan_with_drug_unless_overridden():
    sim = make_sim(morphine_settings(), duration="2d", profile="pump/valve-gated-20ml",
                   timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 30}}])
    res = sim.run().results()
    ref = kinds(res, "refusal")
    assert len(ref) == 1 and ref[0].payload["limit"] == "mri_requires_empty_reservoir" and "10 uL" in ref[0].payload["reason"]
    assert not kinds(res, "mri.started")


# ----- item 8: measured accuracy, band as the limit, out-of-specification pumps -----
@hsettings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_valve_gated_random_error_uses_the_measured_figure(seed):
    # measured mean |error| 3.2 % -> uniform in +/- 6.4 % (mean |error| of uniform +/-a is a/2), inside the 15 % band
    sim = make_sim(morphine_settings(flow_error={"random_systematic": True}), duration="1d", profile="pump/valve-gated-20ml", seed=seed)
    err = sim.devices["pump"].flow.systematic_error_pct
    expected = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(zlib.crc32(b"pump"),))).uniform(-6.4, 6.4)
    assert err == pytest.approx(expected, abs=1e-12) and abs(err) <= 6.4


def test_out_of_specification_valve_gated_pump_runs_in_a_fault_scenario():
    # +25 % flow error, outside the 15 % band: refused as a normal setting, accepted as a fault.
    # 10 days at 0.2 x 1.25 = 0.25 mL/day: true reservoir 20 - 2.5 = 17.5 mL; the pump calculates 20 - 2 = 18 mL
    with pytest.raises(InputError) as exc:
        make_sim(morphine_settings(flow_error={"systematic_error_pct": 25}), duration="10d", profile="pump/valve-gated-20ml")
    assert "flow_error.systematic_error_pct" in str(exc.value) and "15" in str(exc.value)
    sim = make_sim(morphine_settings(flow_error={"systematic_error_pct": 25, "out_of_specification": True}), duration="10d", profile="pump/valve-gated-20ml")
    res = sim.run().results()
    pump = sim.devices["pump"]
    assert pump.reservoir_ml_at(10 * DAY) == pytest.approx(17.5, abs=1e-9)
    assert pump.expected_reservoir_ml_at(10 * DAY) == pytest.approx(18.0, abs=1e-9)
    assert pump.delivered_drug_at(10 * DAY) == pytest.approx(25.0, abs=1e-9)  # 2.5 mL x 10 mg/mL
    assert any(e.payload.get("limit") == "accuracy_pct" and "out of specification" in e.payload["message"] for e in kinds(res, "warning"))


# ----- item 6: baclofen -----
def test_baclofen_starting_dose_from_the_screening_result():
    # twice the effective screening dose a day, or once if its effect lasted more than 8 h
    assert baclofen_starting_dose_mcg_per_day(50, 6) == pytest.approx(100.0)
    assert baclofen_starting_dose_mcg_per_day(50, 10) == pytest.approx(50.0)
    assert baclofen_starting_dose_mcg_per_day(75, 8) == pytest.approx(150.0)  # 8 h is not "more than 8 h"
    assert baclofen_starting_dose_mcg_per_day(100, 4) == pytest.approx(200.0)  # the top of the typical 50-200 range
    for dose, hours, field in ((150, 6, "effective_screening_dose_mcg"), (50, 0, "effect_duration_h"), (10, 6, "effective_screening_dose_mcg")):
        with pytest.raises(InputError) as exc:
            baclofen_starting_dose_mcg_per_day(dose, hours)
        assert field in str(exc.value)


def test_baclofen_titration_steps_by_origin_and_profile_figures():
    # 200 mcg/day: spinal 10-30 % -> 20-60 mcg; cerebral 5-15 % -> 10-30 mcg
    assert baclofen_titration_step_mcg_per_day(200, "spinal") == pytest.approx((20.0, 60.0))
    assert baclofen_titration_step_mcg_per_day(200, "cerebral") == pytest.approx((10.0, 30.0))
    with pytest.raises(InputError):
        baclofen_titration_step_mcg_per_day(200, "peripheral")
    bac = default_registry().get("drug/baclofen")
    assert (bac.starting_dose_min_mcg_per_day, bac.starting_dose_max_mcg_per_day) == (50, 200)
    assert "not a labelled maximum" in bac.sources["max_daily_dose_mcg"]


def _baclofen_raise_to(new_mcg_per_day: float, origin: str | None) -> list:
    """Baclofen 200 mcg/day at 500 mcg/mL (0.4 mL/day), raised on day 2 to `new_mcg_per_day`:
    the titration warnings of that program change."""
    settings = {"drug": "drug/baclofen", "concentration_mcg_per_ml": 500, "reservoir_ml": 20,
                "mode": {"type": "continuous", "dose_mcg_per_day": 200}}
    if origin is not None:
        settings["spasticity_origin"] = origin
    data = {"name": "titration by origin", "seed": 1, "duration": "3d",
            "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": settings}],
            "timeline": [{"at": "2d", "device": "pump", "action": "program",
                          "params": {"mode": {"type": "continuous", "dose_mcg_per_day": new_mcg_per_day}}}]}
    res = Simulation(scenario_from_dict(data)).run().results()
    return [e for e in res.events_where("pump", "warning") if e.payload.get("limit") == "titration.max_increase_pct"]


def test_baclofen_titration_warning_follows_the_origin_of_the_spasticity():
    # 200 -> 240 mcg/day is +20 %: within the spinal 30 % step, past the cerebral 15 % step
    assert _baclofen_raise_to(240, "spinal") == []
    assert _baclofen_raise_to(240, None) == []  # no origin: the general (spinal) 30 %
    cerebral = _baclofen_raise_to(240, "cerebral")
    assert len(cerebral) == 1 and cerebral[0].payload["value"] == pytest.approx(20.0) and cerebral[0].payload["allowed"] == 15
    assert "cerebral-origin" in cerebral[0].payload["message"]
    # 200 -> 270 mcg/day is +35 %: past both
    spinal = _baclofen_raise_to(270, "spinal")
    assert len(spinal) == 1 and spinal[0].payload["value"] == pytest.approx(35.0) and spinal[0].payload["allowed"] == 30


# ----- item 10: ziconotide refill rules, single bolus, catheter volume -----
def test_ziconotide_refill_interval_rules():
    zic = default_registry().get("drug/ziconotide")
    assert zic.refill_interval_days(25.0, first_fill=True) == 14
    assert zic.refill_interval_days(25.0) == 84 and zic.refill_interval_days(100.0) == 84
    assert zic.refill_interval_days(5.0) == 40


@pytest.mark.parametrize("conc, extra, expected_days", [
    (25, {}, 14),                                  # a new pump's first fill (implant and fill at t = 0)
    (25, {"service_elapsed_days": 100}, 84),       # undiluted, not the first fill
    (5, {"service_elapsed_days": 100}, 40),        # diluted
])
def test_ziconotide_stability_warning_time(conc, extra, expected_days):
    # 2.4 mcg/day: 0.096 mL/day at 25 mcg/mL, 0.48 mL/day at 5 mcg/mL (20 mL lasts 41.7 days): still drug at the limit
    settings = {"drug": "ziconotide", "concentration_mcg_per_ml": conc, "reservoir_ml": 20,
                "mode": {"type": "continuous", "dose_mcg_per_day": 2.4}, **extra}
    sim = make_sim(settings, duration="90d")
    res = sim.run().results()
    w = [e for e in kinds(res, "warning") if e.payload.get("limit") == "stability_days"]
    assert w and w[0].t_s == pytest.approx(expected_days * DAY) and w[0].payload["allowed"] == expected_days


def test_single_bolus_then_stopped_for_a_family_that_reverts(tmp_path):
    # 0.5 mg single bolus at 1d at 1 mL/h: 0.05 mL in 3 min (the 0.2 mL/day basal runs too: 0.2 x 3/1440 mL).
    # Reverting family: stopped afterwards -> delivered at 3d = 0.2 + 0.05 + 0.2 x 3/1440 = 0.2504167 mL.
    # Default family: back to the previous mode -> 0.6 + 0.05 = 0.65 mL.
    tl = [{"at": "1d", "action": "single_bolus", "params": {"dose_mg": 0.5}}]
    stop = variant_sim(tmp_path, "pump/peristaltic-20ml", {"single_bolus_then": "stopped"}, morphine_settings(), timeline=tl, duration="3d")
    res = stop.run().results()
    assert stop.devices["pump"].delivered_volume_ml_at(3 * DAY) == pytest.approx(0.2 + 0.05 + 0.2 * 3 / 1440, abs=1e-12)
    assert kinds(res, "program.changed")[-1].payload["mode"] == "stopped"
    keep = make_sim(morphine_settings(), duration="3d", timeline=tl)
    keep.run()
    assert keep.devices["pump"].delivered_volume_ml_at(3 * DAY) == pytest.approx(0.65, abs=1e-12)


def test_catheter_volume_defaults_to_the_pump_family_and_a_scenario_overrides_it(tmp_path):
    # family 0.0026 mL/cm: 0.26 + 50 x 0.0026 = 0.39 mL; scenario 0.0022: 0.26 + 0.11 = 0.37 mL
    fam = variant_sim(tmp_path, "pump/peristaltic-20ml", {"catheter_volume_ml_per_cm": 0.0026}, morphine_settings(), duration="1d")
    assert fam.devices["pump"].dead_volume.volume_ml == pytest.approx(0.39, abs=1e-12)
    own = variant_sim(tmp_path, "pump/peristaltic-20ml", {"catheter_volume_ml_per_cm": 0.0026}, morphine_settings(catheter_volume_ml_per_cm=0.0022), duration="1d")
    assert own.devices["pump"].dead_volume.volume_ml == pytest.approx(0.37, abs=1e-12)


# ----- item 9: pocket fill in systemic equivalents -----
def test_pocket_fill_comparison_uses_a_named_conversion_or_none():
    # 60 mg morphine subcutaneous; 2 mg/day intrathecal x 100 = 200 mg/day parenteral -> 0.3
    m = pocket_fill_comparison("morphine", "morphine", "mg", 60.0, 2.0)
    assert m["intrathecal_daily_systemic_equivalent"] == pytest.approx(200.0) and m["times_daily_systemic_equivalent"] == pytest.approx(0.3)
    assert "1:100" in m["conversion"] and "1:100" in m["sentence"]
    b = pocket_fill_comparison("baclofen", "baclofen", "mcg", 4000.0, 400.0)
    assert b["conversion"] is None and b["times_daily_systemic_equivalent"] is None and "not compared" in b["sentence"]


# ----- item 7: gas-driven coefficients are illustrative -----
def test_gas_coefficients_are_tagged_illustrative_in_profile_and_events():
    gas = default_registry().get("pump/gas-driven-30ml")
    for key in ("gas.vapour_pressure_mmhg_per_c", "gas.vapour_pressure_abs_mmhg_at_ref"):
        assert gas.sources[key].startswith("[?] illustrative")
    sim = make_sim({"drug": "morphine", "concentration_mg_per_ml": 2, "reservoir_ml": 30}, duration="2d", profile="pump/gas-driven-30ml",
                   timeline=[{"at": "1d", "action": "set_environment", "params": {"body_temperature_c": 39}}])
    res = sim.run().results()
    ev = kinds(res, "flow.changed")[0].payload
    assert ev["illustrative"] is True and "illustrative" in ev["message"]
