"""Dose limits of the pump, one test per issue item, every figure worked by hand.

Drug-library limits (maximum daily dose and concentration, titration rules) warn by default and
may be confirmed (an `override` event) or, under the drug's `refuse` policy, are refused. Device
limits (bolus, priming and bridge rates) are always refused.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from simulator import Simulation, scenario_from_dict
from simulator.profiles.registry import ProfileRegistry, bundled_profiles_dir

from .helpers import DAY, HOUR, kinds, make_sim, morphine_settings

# peristaltic-20ml: tubing 0.26 mL + catheter 50 cm x 0.0022 mL/cm = 0.37 mL dead volume
DEAD_ML = 0.26 + 50 * 0.0022


def limits(events, name):
    return [e for e in events if e.payload.get("limit") == name]


def strict_morphine_registry(tmp_path: Path) -> ProfileRegistry:
    """The bundled profiles plus drug/morphine-strict: morphine with the drug library set to refuse."""
    raw = yaml.safe_load((bundled_profiles_dir() / "drug" / "morphine.yaml").read_text())
    raw.update(id="drug/morphine-strict", library_limit_policy="refuse")
    (tmp_path / "drug").mkdir()
    (tmp_path / "drug" / "morphine-strict.yaml").write_text(yaml.safe_dump(raw))
    return ProfileRegistry([tmp_path])


def sim_with(registry, settings, timeline, duration="2d"):
    sc = scenario_from_dict({
        "name": "strict", "seed": 0, "start": "2026-01-05T08:00:00", "duration": duration,
        "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": settings}],
        "timeline": [dict(device="pump", **a) for a in timeline],
    }, registry)
    return Simulation(sc, registry=registry)


# ----- item 8: every delivery rate within the profile's limits -----
def test_bridge_bolus_at_refill_with_an_unprimed_dead_volume_is_refused_naming_the_priming_rate():
    # drug-free dead volume; 3 mg/day of 10 mg/mL = 0.3 mL/day. After 60 s only
    # 0.3 x 60 / 86400 = 2.0833e-4 mL of drug (2.0833e-3 mg) is in the 0.37 mL dead volume: mean
    # 5.6306e-3 mg/mL. Keeping 3 mg/day from it needs 3 / 5.6306e-3 = 532.8 mL/day = 22.2 mL/h,
    # above the 1 mL/h priming/bridge rate: the refill with the bridge is refused.
    sim = make_sim(morphine_settings(reservoir_ml=18, dead_volume_primed=False, mode={"type": "continuous", "dose_mg_per_day": 3}), duration="2d",
                   timeline=[{"at": "60s", "action": "refill", "params": {"fill_ml": 2, "aspirated_ml": 0, "concentration_mg_per_ml": 20, "bridge_bolus": True}}])
    res = sim.run().results()
    refused = kinds(res, "refusal")
    assert len(refused) == 1 and refused[0].payload["limit"] == "priming_rate_ml_per_h"
    assert refused[0].payload["value"] == pytest.approx(22.2, rel=1e-6) and refused[0].payload["allowed"] == 1.0
    assert [e for e in kinds(res, "bolus.start") if e.payload["bolus"] == "bridge"] == []
    # nothing runs away: 2 days at 0.3 mL/day move 0.6 mL, and the reservoir keeps the rest
    assert res.device_summary("pump")["delivered_volume_ml"] == pytest.approx(0.6, rel=1e-6)
    assert res.device_summary("pump")["final_reservoir_ml"] == pytest.approx(17.4, rel=1e-6)


def test_bridge_bolus_action_with_a_trace_of_drug_is_refused_and_a_primed_one_runs_at_the_old_rate():
    # the same trace after 60 s: the bridge_bolus action is refused the same way (22.2 mL/h > 1 mL/h)
    sim = make_sim(morphine_settings(dead_volume_primed=False, mode={"type": "continuous", "dose_mg_per_day": 3}), duration="1d",
                   timeline=[{"at": "60s", "action": "bridge_bolus"}])
    res = sim.run().results()
    assert [r.payload["limit"] for r in kinds(res, "refusal")] == ["priming_rate_ml_per_h"]
    # primed with 10 mg/mL at 2 mg/day, refilled with 20 mg/mL: the bridge keeps 2 mg/day from the
    # old drug, 2 / 10 = 0.2 mL/day (within 1 mL/h), and runs the 0.37 mL out in 0.37 / 0.2 = 1.85 days
    sim = make_sim(morphine_settings(reservoir_ml=3, mode={"type": "continuous", "dose_mg_per_day": 2}), duration="3d",
                   timeline=[{"at": "1h", "action": "refill", "params": {"fill_ml": 17, "concentration_mg_per_ml": 20, "bridge_bolus": True}}])
    res = sim.run().results()
    bridge = [e for e in kinds(res, "bolus.start") if e.payload["bolus"] == "bridge"]
    assert len(bridge) == 1 and bridge[0].payload["rate_ml_per_day"] == pytest.approx(0.2)
    assert bridge[0].payload["duration_s"] == pytest.approx(DEAD_ML / 0.2 * DAY)


def test_single_bolus_faster_than_the_bolus_rate_is_refused_naming_it():
    # 5 mg of 10 mg/mL = 0.5 mL in 15 min = 2 mL/h > 1 mL/h
    sim = make_sim(morphine_settings(), duration="1d", timeline=[{"at": "1h", "action": "single_bolus", "params": {"dose_mg": 5, "duration_min": 15}}])
    res = sim.run().results()
    r = kinds(res, "refusal")
    assert len(r) == 1 and r[0].payload["limit"] == "max_bolus_rate_ml_per_h" and r[0].payload["value"] == pytest.approx(2.0)


# ----- item 9: the rolling 24 h total counts every bolus kind -----
THREE_BOLUSES = [{"at": f"{h}h", "action": "single_bolus", "params": {"dose_mg": 10}} for h in (1, 2, 3)]


def test_three_10mg_single_boluses_on_a_3mg_program_count_against_the_rolling_24h_maximum():
    # 3 mg/day basal; each 10 mg bolus is 1 mL at the 1 mL/h bolus rate (1 h each, no overlap).
    # 1st: 3 + 10 = 13 <= 15 (no finding); 2nd: 3 + 10 + 10 = 23 > 15; 3rd: 3 + 30 = 33 > 15.
    sim = make_sim(morphine_settings(mode={"type": "continuous", "dose_mg_per_day": 3}), duration="1d", timeline=THREE_BOLUSES)
    res = sim.run().results()
    warned = limits(kinds(res, "warning"), "max_daily_dose_mg")
    assert [w.t_s for w in warned] == [2 * HOUR, 3 * HOUR]
    assert [w.payload["value"] for w in warned] == [pytest.approx(23.0), pytest.approx(33.0)]
    assert all(w.payload["allowed"] == 15 for w in warned)
    # warned, not refused (the default drug-library policy): 3 mg basal + 30 mg in the day
    assert kinds(res, "refusal") == []
    assert res.device_summary("pump")["delivered_drug"] == pytest.approx(33.0, rel=1e-9)


def test_three_10mg_single_boluses_under_the_refuse_policy_give_only_the_first(tmp_path):
    # refuse policy: 2nd refused at 3 + 10 + 10 = 23, 3rd refused at 23 too (the 2nd was never given)
    settings = morphine_settings(drug="drug/morphine-strict", mode={"type": "continuous", "dose_mg_per_day": 3})
    sim = sim_with(strict_morphine_registry(tmp_path), settings, THREE_BOLUSES, duration="1d")
    res = sim.run().results()
    refused = kinds(res, "refusal")
    assert [(r.t_s, r.payload["limit"]) for r in refused] == [(2 * HOUR, "max_daily_dose_mg"), (3 * HOUR, "max_daily_dose_mg")]
    assert [r.payload["value"] for r in refused] == [pytest.approx(23.0), pytest.approx(23.0)]
    assert res.device_summary("pump")["delivered_drug"] == pytest.approx(13.0, rel=1e-9)  # 3 + 10


def test_a_bolus_after_a_program_decrease_counts_the_higher_basal_still_in_the_window():
    # 14 mg/day (in force before t = 0 too) until t = 4 h, then 3 mg/day; a 5 mg bolus at t = 5 h
    # runs 0.5 mL at 1 mL/h, to 5.5 h. The earliest 24 h window holding all of it starts at
    # -18.5 h: 22.5 h at 14 mg/day and 1.5 h at 3 mg/day = 13.125 + 0.1875 = 13.3125 mg, + 5 =
    # 18.3125 mg > 15. (Starting earlier loses 10 mg/h of bolus and gains only 11/24 mg/h of basal.)
    # Counting only the new 3 mg/day basal would give 3 + 5 = 8 and miss it.
    sim = make_sim(morphine_settings(mode={"type": "continuous", "dose_mg_per_day": 14}), duration="1d", timeline=[
        {"at": "4h", "action": "program", "params": {"mode": {"type": "continuous", "dose_mg_per_day": 3}}},
        {"at": "5h", "action": "single_bolus", "params": {"dose_mg": 5}},
    ])
    res = sim.run().results()
    warned = limits(kinds(res, "warning"), "max_daily_dose_mg")
    assert len(warned) == 1 and warned[0].t_s == 5 * HOUR
    assert warned[0].payload["value"] == pytest.approx(14 * 22.5 / 24 + 3 * 1.5 / 24 + 5, rel=1e-6)


def test_patient_boluses_taken_count_in_a_clinician_bolus_check():
    # 3 mg/day basal, patient rule 1 mg x at most 4 a day: allowance 4 mg. A 7 mg bolus at 1 h:
    # 3 + 4 + 7 = 14 <= 15 (no finding). An 8 mg bolus would be 3 + 4 + 8 = 15: still within.
    # A 9 mg bolus: 3 + 4 + 9 = 16 > 15: warned.
    patient = {"dose_mg": 1, "duration_min": 30, "lockout_min": 60, "max_per_day": 4}
    tl = [{"at": "1h", "action": "single_bolus", "params": {"dose_mg": 7}}]
    res = make_sim(morphine_settings(mode={"type": "continuous", "dose_mg_per_day": 3}, patient_bolus=patient), duration="6h", timeline=tl).run().results()
    assert limits(kinds(res, "warning"), "max_daily_dose_mg") == []
    tl = [{"at": "1h", "action": "single_bolus", "params": {"dose_mg": 9}}]
    res = make_sim(morphine_settings(mode={"type": "continuous", "dose_mg_per_day": 3}, patient_bolus=patient), duration="6h", timeline=tl).run().results()
    warned = limits(kinds(res, "warning"), "max_daily_dose_mg")
    assert len(warned) == 1 and warned[0].payload["value"] == pytest.approx(16.0)


# ----- domain item 4: titration rules on every path that changes the dose -----
def test_titration_warning_at_refill_like_at_program():
    # morphine 3 -> 5 mg/day at a refill: +2 / 3 = 66.7 % against the 25 % rule: a warning
    sim = make_sim(morphine_settings(mode={"type": "continuous", "dose_mg_per_day": 3}), duration="3d", timeline=[
        {"at": "1d", "action": "refill", "params": {"fill_ml": 18, "mode": {"type": "continuous", "dose_mg_per_day": 5}}},
    ])
    res = sim.run().results()
    warned = limits(kinds(res, "warning"), "titration.max_increase_pct")
    assert len(warned) == 1 and warned[0].payload["value"] == pytest.approx(200 / 3) and warned[0].payload["allowed"] == 25
    assert kinds(res, "refusal") == []
    assert sim.devices["pump"].therapy.program.daily_dose() == 5.0


def test_titration_warning_when_a_fixed_rate_pump_is_refilled_stronger():
    # gas-driven 1 mL/day: morphine 2 mg/mL gives 2 mg/day; refilled at 3 mg/mL it gives 3 mg/day,
    # +50 % against the 25 % rule: the dose change through the concentration warns too
    settings = {"drug": "drug/morphine", "concentration_mg_per_ml": 2, "reservoir_ml": 20}
    sim = make_sim(settings, duration="3d", profile="pump/gas-driven-30ml", timeline=[
        {"at": "1d", "action": "refill", "params": {"fill_ml": 25, "concentration_mg_per_ml": 3}},
    ])
    res = sim.run().results()
    warned = limits(kinds(res, "warning"), "titration.max_increase_pct")
    assert len(warned) == 1 and warned[0].payload["value"] == pytest.approx(50.0)


# ----- domain item 5: consensus maxima are drug-library warnings; confirmed -> override -----
def test_confirmed_consensus_maximum_is_recorded_as_an_override_event():
    # 2 -> 20 mg/day: daily maximum (20 > 15) and titration (+900 % > 25 %), both confirmed
    confirm = ["max_daily_dose_mg", "titration.max_increase_pct"]
    sim = make_sim(morphine_settings(), duration="2d", timeline=[
        {"at": "1d", "action": "program", "params": {"mode": {"type": "continuous", "dose_mg_per_day": 20}, "confirm": confirm}},
        {"at": "1d 1h", "action": "refill", "params": {"fill_ml": 10, "aspirated_ml": 10, "concentration_mg_per_ml": 25, "confirm": ["max_concentration_mg_per_ml"]}},
    ])
    res = sim.run().results()
    over = kinds(res, "override")
    assert [(o.t_s, o.payload["limit"]) for o in over] == [
        (DAY, "max_daily_dose_mg"), (DAY, "titration.max_increase_pct"), (DAY + HOUR, "max_concentration_mg_per_ml")]
    assert over[0].payload["value"] == pytest.approx(20.0) and over[0].payload["allowed"] == 15
    assert over[2].payload["value"] == 25 and over[2].payload["allowed"] == 20
    assert limits(kinds(res, "warning"), "max_daily_dose_mg") == [] and kinds(res, "refusal") == []
    # the confirmed program runs: 20 mg/day at 10 mg/mL = 2 mL/day until the refill
    assert sim.devices["pump"].therapy.program.daily_dose() == 20.0


def test_confirming_a_limit_that_was_not_warned_records_nothing():
    sim = make_sim(morphine_settings(), duration="1d", timeline=[
        {"at": "1h", "action": "program", "params": {"mode": {"type": "continuous", "dose_mg_per_day": 2.4}, "confirm": ["max_daily_dose_mg"]}},
    ])
    res = sim.run().results()
    assert kinds(res, "override") == [] and kinds(res, "warning") == []


def test_refuse_policy_of_the_drug_library_refuses_even_when_confirmed(tmp_path):
    registry = strict_morphine_registry(tmp_path)
    settings = morphine_settings(drug="drug/morphine-strict")
    sim = sim_with(registry, settings, [
        {"at": "1h", "action": "program", "params": {"mode": {"type": "continuous", "dose_mg_per_day": 20}, "confirm": ["max_daily_dose_mg"]}},
        {"at": "2h", "action": "refill", "params": {"fill_ml": 10, "aspirated_ml": 10, "concentration_mg_per_ml": 25}},
    ])
    res = sim.run().results()
    refused = kinds(res, "refusal")
    assert [r.payload["limit"] for r in refused] == ["max_daily_dose_mg", "max_concentration_mg_per_ml"]
    assert refused[0].payload["value"] == pytest.approx(20.0) and refused[1].payload["value"] == 25
    assert kinds(res, "override") == []
    assert sim.devices["pump"].therapy.program.daily_dose() == 2.0  # unchanged


def test_the_run_report_lists_confirmed_overrides():
    from simulator.report.markdown import render

    sim = make_sim(morphine_settings(), duration="1d", timeline=[
        {"at": "1h", "action": "program", "params": {"mode": {"type": "continuous", "dose_mg_per_day": 2.4}, "confirm": ["max_daily_dose_mg"]}},
        {"at": "2h", "action": "single_bolus", "params": {"dose_mg": 13, "confirm": ["max_daily_dose_mg"]}},
    ])
    # 2 -> 2.4 mg/day (+20 %: within the rules, nothing to confirm, no override). The 13 mg bolus
    # runs 1.3 mL at 1 mL/h from 2 h to 3.3 h; a window starting between 1 h and 2 h holds a full
    # day of 2.4 mg/day and all of it: 2.4 + 13 = 15.4 mg > 15: the confirmed override.
    text = render(sim.run().results(), [], {})
    rows = [r for r in text.split("## Confirmed overrides", 1)[1].split("\n\n")[1].splitlines() if "max_daily_dose_mg" in r]
    assert len(rows) == 1 and "single_bolus" in rows[0] and "up to 15.4 mg in a rolling 24 h" in rows[0]


def test_periodic_boluses_count_by_the_most_any_24h_can_hold_not_the_daily_average():
    # 5 mg/day basal + 4 mg every 10 h: the daily average is 5 + 4 x 24/10 = 14.6 mg <= 15, but a
    # 24 h window can hold 3 bolus starts (e.g. 5 h, 15 h, 25 h after programming): 5 + 12 = 17 > 15
    mode = {"type": "periodic", "dose_mg_per_day": 5, "bolus_dose_mg": 4, "interval_h": 10, "first_bolus_after_min": 300}
    sim = make_sim(morphine_settings(mode={"type": "continuous", "dose_mg_per_day": 5}), duration="1d",
                   timeline=[{"at": "1h", "action": "program", "params": {"mode": mode}}])
    res = sim.run().results()
    warned = limits(kinds(res, "warning"), "max_daily_dose_mg")
    assert len(warned) == 1 and warned[0].payload["value"] == pytest.approx(17.0)


def test_two_flex_schedules_each_within_the_maximum_can_pass_it_across_the_change():
    # the scenario starts at 08:00. Flex 16 mg/day from 00:00, 0 from 12:00 (8 mg a day); at 12:00
    # (t = 4 h) the program becomes 0 from 00:00, 16 mg/day from 12:00 (8 mg a day as well). The day
    # from 00:00 (t = -8 h) gets 16 x 12/24 = 8 mg before the change and 8 mg after it: 16 > 15.
    before = {"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 16}, {"start": "12:00", "dose_mg_per_day": 0}]}
    after = {"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 0}, {"start": "12:00", "dose_mg_per_day": 16}]}
    sim = make_sim(morphine_settings(mode=before), duration="1d", timeline=[{"at": "4h", "action": "program", "params": {"mode": after}}])
    res = sim.run().results()
    warned = limits(kinds(res, "warning"), "max_daily_dose_mg")
    assert len(warned) == 1 and warned[0].payload["value"] == pytest.approx(16.0)
    # and the pump delivers it: t = 0 (08:00) to 4 h at 16 mg/day, 4 h to 16 h (midnight) at 16
    # mg/day: 16 h x 16/24 = 10.667 mg in the run, plus 8 h x 16/24 = 5.333 mg before it = 16 mg
    t, cum = res.series_arrays("pump", "cumulative_drug_mg")
    assert float(np.interp(16 * HOUR, t, cum)) == pytest.approx(16 * 16 / 24, rel=1e-6)
