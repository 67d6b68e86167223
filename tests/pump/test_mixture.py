"""Drug mixtures (issue 19 item 7): a second drug (admixture) in the same reservoir fluid.

Peristaltic 20 mL pump: dead volume = 0.26 mL tubing + 50 cm x 0.0022 mL/cm = 0.37 mL.
Every figure below is worked by hand in the comments.
"""
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulator.errors import InputError
from tests.pump.helpers import DAY, kinds, make_sim


def mix_settings(**over):
    # morphine 10 mg/mL at 5 mg/day -> 0.5 mL/day of fluid; bupivacaine 5 mg/mL in it
    s = {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 20, "low_reservoir_threshold_ml": 2,
         "mode": {"type": "continuous", "dose_mg_per_day": 5},
         "admixture": {"drug": "drug/bupivacaine", "concentration_mg_per_ml": 5}}
    s.update(over)
    return s


def test_each_drug_dose_follows_its_own_concentration():
    sim = make_sim(mix_settings(), duration="10d")
    pump = sim.devices["pump"]
    res = sim.run().results()
    # 0.5 mL/day x 10 mg/mL = 5 mg/day morphine; 0.5 mL/day x 5 mg/mL = 2.5 mg/day bupivacaine
    assert pump.current_drug_rates_per_day() == pytest.approx({"morphine": 5.0, "bupivacaine": 2.5})
    adm = res.device_summary("pump")["admixture"]
    assert adm["drug"] == "bupivacaine" and adm["unit"] == "mg"
    assert adm["programmed_daily_dose"] == pytest.approx(2.5)
    # 10 days x 2.5 mg/day = 25 mg bupivacaine; morphine 10 x 5 = 50 mg
    assert adm["delivered_drug"] == pytest.approx(25.0)
    assert res.device_summary("pump")["delivered_drug"] == pytest.approx(50.0)
    assert abs(adm["mass_balance"]["residual"]) < 1e-9


def test_single_drug_summary_has_no_admixture_key():
    s = mix_settings()
    del s["admixture"]
    res = make_sim(s, duration="1d").run().results()
    assert "admixture" not in res.device_summary("pump")


def test_refill_with_another_admixture_concentration_keeps_each_drug_balanced():
    # day 10: 20 - 10 x 0.5 = 15 mL left. Refill: aspirate it all, fill 18 mL of morphine 10 mg/mL
    # + bupivacaine 10 mg/mL. The 0.37 mL dead volume still holds the old mixture (bupivacaine 5 mg/mL).
    tl = [{"at": "10d", "action": "refill", "params": {"fill_ml": 18, "admixture": {"drug": "drug/bupivacaine", "concentration_mg_per_ml": 10}}}]
    sim = make_sim(mix_settings(), duration="20d", timeline=tl)
    pump = sim.devices["pump"]
    sim.run(until=10 * DAY + 0.5 * DAY)
    # 0.5 days x 0.5 mL/day = 0.25 mL < 0.37 mL moved: the old mixture is still at the tip -> 0.5 x 5 = 2.5 mg/day
    assert pump.current_drug_rates_per_day()["bupivacaine"] == pytest.approx(2.5)
    sim.run(until=20 * DAY)
    assert pump.current_drug_rates_per_day()["bupivacaine"] == pytest.approx(5.0)  # 0.5 x 10
    mb = sim.results().device_summary("pump")["admixture"]["mass_balance"]
    # filled: 20 x 5 + 0.37 x 5 (primed dead volume) + 18 x 10 = 100 + 1.85 + 180 = 281.85 mg
    assert mb["filled"] == pytest.approx(281.85)
    # aspirated: 15 mL x 5 = 75 mg
    assert mb["aspirated"] == pytest.approx(75.0)
    # delivered: days 0-10 25 mg; days 10-20 5 mL moved: the first 0.37 mL at 5 mg/mL = 1.85 mg,
    # then 4.63 mL at 10 mg/mL = 46.3 mg -> 25 + 1.85 + 46.3 = 73.15 mg
    assert mb["delivered"] == pytest.approx(73.15)
    # reservoir 18 - 5 = 13 mL x 10 = 130 mg; dead volume 0.37 x 10 = 3.7 mg
    assert mb["in_reservoir"] == pytest.approx(130.0) and mb["in_dead_volume"] == pytest.approx(3.7)
    assert abs(mb["residual"]) < 1e-9  # 281.85 = 73.15 + 75 + 130 + 3.7
    # the morphine ledger is unchanged by the admixture: filled 200 + 3.7 + 180 = 383.7 mg
    assert sim.results().device_summary("pump")["mass_balance"]["filled"] == pytest.approx(383.7)


def test_partial_aspiration_mixes_the_admixture_by_volume():
    # day 10: 15 mL left, aspirate 5 mL -> 10 mL of bupivacaine 5 mg/mL stay; fill 10 mL at 20 mg/mL
    # reservoir: (10 x 5 + 10 x 20) / 20 = 12.5 mg/mL
    tl = [{"at": "10d", "action": "refill", "params": {"fill_ml": 10, "aspirated_ml": 5, "admixture": {"drug": "drug/bupivacaine", "concentration_mg_per_ml": 20}}}]
    sim = make_sim(mix_settings(), duration="11d", timeline=tl)
    res = sim.run().results()
    adm = res.device_summary("pump")["admixture"]
    assert adm["reservoir_concentration_per_ml"] == pytest.approx(12.5)
    assert abs(adm["mass_balance"]["residual"]) < 1e-9


def test_admixture_over_its_daily_maximum_is_an_input_error_at_start():
    # morphine 10 mg/day at 10 mg/mL -> 1 mL/day; bupivacaine 25 mg/mL -> 25 mg/day > 20 mg/day maximum
    s = mix_settings(mode={"type": "continuous", "dose_mg_per_day": 10}, admixture={"drug": "drug/bupivacaine", "concentration_mg_per_ml": 25})
    with pytest.raises(InputError, match="bupivacaine daily maximum of 20") as exc:
        make_sim(s, duration="1d")
    assert exc.value.issues[0].path.endswith("settings.admixture.concentration_mg_per_ml")


def test_program_raising_the_volume_warns_for_the_admixture_maximum():
    # bupivacaine 30 mg/mL; morphine 5 mg/day -> 0.5 mL/day -> 15 mg/day bupivacaine (allowed).
    # programming 8 mg/day -> 0.8 mL/day -> 0.8 x 30 = 24 mg/day > 20 mg/day
    tl = [{"at": "1d", "action": "program", "params": {"mode": {"type": "continuous", "dose_mg_per_day": 8}}}]
    s = mix_settings(admixture={"drug": "drug/bupivacaine", "concentration_mg_per_ml": 30})
    res = make_sim(s, duration="2d", timeline=tl).run().results()
    found = [e for e in kinds(res, "refusal") + kinds(res, "warning") if e.payload.get("limit") == "max_daily_dose_mg"]
    assert len(found) == 1
    assert found[0].payload["value"] == pytest.approx(24.0) and "bupivacaine" in found[0].payload["message"]


def test_admixture_over_its_maximum_concentration_at_a_refill():
    # bupivacaine maximum 30 mg/mL: 40 mg/mL is a drug-library finding naming that limit and value
    tl = [{"at": "10d", "action": "refill", "params": {"fill_ml": 18, "admixture": {"drug": "drug/bupivacaine", "concentration_mg_per_ml": 40}}}]
    res = make_sim(mix_settings(), duration="11d", timeline=tl).run().results()
    found = [e for e in kinds(res, "refusal") + kinds(res, "warning") if e.payload.get("limit") == "max_concentration_mg_per_ml"]
    assert found and found[0].payload["value"] == pytest.approx(40.0)


@pytest.mark.parametrize(("admixture", "path", "value", "words"), [
    ({"drug": "drug/nosuchdrug", "concentration_mg_per_ml": 5}, "admixture.drug", "drug/nosuchdrug", "unknown drug"),
    ({"drug": "drug/morphine", "concentration_mg_per_ml": 5}, "admixture.drug", "drug/morphine", "not the primary drug"),
    ({"drug": "drug/clonidine", "concentration_mg_per_ml": 0.5}, "admixture.concentration_mg_per_ml", 0.5, "clonidine is dosed in mcg"),
])
def test_bad_admixture_input_names_field_and_value(admixture, path, value, words):
    with pytest.raises(InputError) as exc:
        make_sim(mix_settings(admixture=admixture), duration="1d")
    issue = exc.value.issues[0]
    assert issue.path.endswith("settings." + path) and issue.value == value and words in str(issue.message)


def test_clonidine_in_mcg_beside_morphine_in_mg():
    # 0.5 mL/day x 100 mcg/mL = 50 mcg/day clonidine
    s = mix_settings(admixture={"drug": "drug/clonidine", "concentration_mcg_per_ml": 100})
    sim = make_sim(s, duration="2d")
    pump = sim.devices["pump"]
    res = sim.run().results()
    assert pump.current_drug_rates_per_day() == pytest.approx({"morphine": 5.0, "clonidine": 50.0})
    adm = res.device_summary("pump")["admixture"]
    assert adm["unit"] == "mcg" and adm["delivered_drug"] == pytest.approx(100.0)  # 2 days x 50


def test_first_admixture_at_a_refill_starts_behind_a_drug_free_dead_volume():
    # single-drug pump; day 10 refill adds bupivacaine 5 mg/mL. The 0.37 mL dead volume holds none
    # of it: bupivacaine reaches the tip after 0.37 / 0.5 = 0.74 days
    s = mix_settings()
    del s["admixture"]
    tl = [{"at": "10d", "action": "refill", "params": {"fill_ml": 18, "admixture": {"drug": "drug/bupivacaine", "concentration_mg_per_ml": 5}}}]
    sim = make_sim(s, duration="12d", timeline=tl)
    pump = sim.devices["pump"]
    sim.run(until=10.5 * DAY)
    assert pump.current_drug_rates_per_day()["bupivacaine"] == 0.0
    sim.run(until=12 * DAY)
    mb = sim.results().device_summary("pump")["admixture"]["mass_balance"]
    # filled 18 x 5 = 90 mg; delivered (2 days x 0.5 - 0.37) x 5 = 0.63 x 5 = 3.15 mg
    assert mb["filled"] == pytest.approx(90.0) and mb["delivered"] == pytest.approx(3.15)
    assert abs(mb["residual"]) < 1e-9


def _with_patient(settings, timeline=(), duration="12d"):
    from simulator import Simulation, scenario_from_dict

    sc = scenario_from_dict({
        "name": "mix", "seed": 1, "start": "2026-01-05T08:00:00", "duration": duration,
        "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": settings}],
        "patient": {"profile": "patient/it-cancer-pain-morphine", "pump": "pump"},
        "timeline": list(timeline),
    })
    return Simulation(sc)


def test_admixture_tip_change_is_an_event_at_the_hand_computed_time_and_the_patient_gets_the_drug():
    # single-drug pump; the day-10 refill adds bupivacaine 5 mg/mL behind 0.37 mL of fluid without it.
    # At 0.5 mL/day it reaches the tip 0.37 / 0.5 = 0.74 days = 63936 s after the refill
    s = mix_settings()
    del s["admixture"]
    tl = [{"at": "10d", "device": "pump", "action": "refill",
           "params": {"fill_ml": 18, "admixture": {"drug": "drug/bupivacaine", "concentration_mg_per_ml": 5}}}]
    sim = _with_patient(s, tl)
    res = sim.run().results()
    tips = kinds(res, "dead_volume.admixture_tip_change")
    assert len(tips) == 1
    assert tips[0].t_s == pytest.approx(10 * DAY + 0.74 * DAY, abs=1.0)
    assert tips[0].payload["drug"] == "bupivacaine" and tips[0].payload["concentration_per_ml"] == pytest.approx(5.0)
    inputs = [e for e in res.events if e.device == "patient" and e.kind == "patient.drug_input"]
    with_bupi = [e for e in inputs if "bupivacaine" in e.payload["rates_per_day"]]
    # the patient gets bupivacaine from that instant on, at 0.5 mL/day x 5 mg/mL = 2.5 mg/day
    assert with_bupi and with_bupi[0].t_s == pytest.approx(tips[0].t_s)
    assert with_bupi[0].payload["rates_per_day"]["bupivacaine"] == pytest.approx(2.5)
    assert with_bupi[0].payload["rates_per_day"]["morphine"] == pytest.approx(5.0)


def test_snapshot_reports_the_admixture_and_its_settings_restart_the_mixture():
    sim = make_sim(mix_settings(), duration="4d")
    pump = sim.devices["pump"]
    sim.run()
    snap = pump.snapshot()
    assert snap.admixture is not None and snap.admixture.drug_name == "bupivacaine"
    assert snap.admixture.drug_rate_per_day == pytest.approx(2.5)  # 0.5 mL/day x 5 mg/mL
    assert snap.admixture.programmed_daily_dose == pytest.approx(2.5)
    assert snap.settings.admixture is not None and snap.settings.admixture.concentration_mg_per_ml == 5
    # a single-drug snapshot has none, and its settings dump has no admixture key
    s = mix_settings()
    del s["admixture"]
    single = make_sim(s, duration="1d")
    single.run()
    snap1 = single.devices["pump"].snapshot()
    assert snap1.admixture is None and "admixture" not in snap1.settings.model_dump()


def test_stability_is_the_shorter_of_the_two_drugs():
    # morphine keeps 180 days, bupivacaine 90 days (profiles): the mixture warns at day 90
    s = mix_settings(reservoir_ml=20, mode={"type": "continuous", "dose_mg_per_day": 1})  # 0.1 mL/day: 20 mL lasts 200 days
    res = make_sim(s, duration="100d").run().results()
    stab = [e for e in kinds(res, "warning") if e.payload.get("limit") == "stability_days"]
    assert len(stab) == 1 and stab[0].t_s == pytest.approx(90 * DAY)


def test_bundled_mixture_scenario_hand_figures():
    from pathlib import Path

    from simulator import Simulation, load_scenario

    path = Path(__file__).resolve().parents[2] / "scenarios" / "pump_mixture_morphine_bupivacaine.yaml"
    res = Simulation(load_scenario(path)).run().results()
    adm = res.device_summary("pump")["admixture"]
    # 30 x 2.5 + 0.37 x 5 + (5 - 0.37) x 10 = 75 + 1.85 + 46.3 = 123.15 mg
    assert adm["delivered_drug"] == pytest.approx(123.15)
    assert abs(adm["mass_balance"]["residual"]) < 1e-9
    tips = kinds(res, "dead_volume.admixture_tip_change")
    assert len(tips) == 1 and tips[0].t_s == pytest.approx(30.74 * DAY, abs=1.0)
    # morphine unchanged by the mixture: 40 days x 5 mg/day = 200 mg
    assert res.device_summary("pump")["delivered_drug"] == pytest.approx(200.0)


@pytest.mark.parametrize(("admixture", "path", "value"), [
    ({"drug": "drug/nosuchdrug", "concentration_mg_per_ml": 5}, "admixture.drug", "drug/nosuchdrug"),
    ({"drug": "drug/morphine", "concentration_mg_per_ml": 5}, "admixture.drug", "drug/morphine"),
    ({"drug": "drug/clonidine", "concentration_mg_per_ml": 0.5}, "admixture.concentration_mg_per_ml", 0.5),
])
def test_bad_admixture_of_a_timeline_refill_is_an_input_error_at_load(admixture, path, value):
    tl = [{"at": "10d", "action": "refill", "params": {"fill_ml": 18, "admixture": admixture}}]
    with pytest.raises(InputError) as exc:
        make_sim(mix_settings(), duration="11d", timeline=tl)
    issue = exc.value.issues[0]
    assert issue.path.endswith(path) and issue.value == value


def test_interactive_refill_with_a_bad_admixture_is_refused_naming_field_and_value():
    from simulator.pump.settings import RefillParams

    sim = make_sim(mix_settings(), duration="3d")
    sim.run(until=DAY)
    pump = sim.devices["pump"]
    bad = RefillParams.model_validate({"fill_ml": 10, "admixture": {"drug": "drug/clonidine", "concentration_mg_per_ml": 0.5}})
    refusals = [f for f in pump.check("refill", bad) if f.level == "refuse"]
    assert [(f.limit, f.value) for f in refusals] == [("admixture.concentration_mg_per_ml", 0.5)]
    same = RefillParams.model_validate({"fill_ml": 10, "admixture": {"drug": "drug/morphine", "concentration_mg_per_ml": 5}})
    assert [(f.limit, f.value) for f in pump.check("refill", same) if f.level == "refuse"] == [("admixture.drug", "drug/morphine")]
    # changing the admixture drug with fluid left: 20 - 0.5 = 19.5 mL in the reservoir, 9.5 aspirated -> 10 mL would stay
    switch = RefillParams.model_validate({"fill_ml": 5, "aspirated_ml": 9.5, "admixture": {"drug": "drug/clonidine", "concentration_mcg_per_ml": 100}})
    refused = [f for f in pump.check("refill", switch) if f.level == "refuse"]
    assert [f.limit for f in refused] == ["aspirated_ml"] and refused[0].value == pytest.approx(10.0)


def test_mri_discharge_empties_the_admixture_too():
    # valve-gated gen1: 2 mg/day morphine at 10 mg/mL = 0.2 mL/day; on day 1 the discharge is
    # 19.8 mL reservoir + 0.31 mL dead volume = 20.11 mL (as for morphine alone): bupivacaine
    # 20.11 x 5 = 100.55 mg, after 0.2 x 5 = 1.0 mg on day 0-1 -> 101.55 mg delivered
    s = mix_settings(mode={"type": "continuous", "dose_mg_per_day": 2})
    sim = make_sim(s, duration="2d", profile="pump/valve-gated-20ml-gen1",
                   timeline=[{"at": "1d", "action": "mri", "params": {"duration_min": 30, "override": True}}])
    res = sim.run().results()
    adm = res.device_summary("pump")["admixture"]
    assert adm["delivered_drug"] == pytest.approx(101.55)
    assert adm["mass_balance"]["in_reservoir"] == 0.0 and adm["mass_balance"]["in_dead_volume"] == 0.0
    assert abs(adm["mass_balance"]["residual"]) < 1e-9


fills = st.lists(st.tuples(st.integers(1, 25), st.floats(1.0, 15.0), st.sampled_from([None, 2.0, 5.0, 12.5]),
                           st.booleans(), st.floats(0.0, 0.5)), min_size=1, max_size=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fills)
@example(plan=[(1, 1.0, None, True, 0.0), (11, 15.0, None, True, 0.0)])  # programmed 1 mL: stopped on day 11 before
def test_each_drug_balances_after_any_refills(plan):
    """Invariant: filled = delivered + reservoir + dead volume + aspirated + pocket for both drugs,
    whatever the refills (half the residual kept, another admixture concentration, a pocket fill)."""
    timeline, day, vol = [], 0, 20.0  # 1 mg/day at 10 mg/mL = 0.1 mL/day
    for gap, fill, adm_conc, keep_half, pocket_frac in plan:
        day += gap
        vol = max(0.0, vol - 0.1 * gap)
        left = vol / 2 if keep_half else 0.0
        fill = min(fill, 20.0 - left - 0.01)
        # the reservoir volume programmed at the refill is what the reservoir really holds: with a
        # smaller figure the pump reaches its calculated empty early and stops, and the volumes
        # this plan works out (0.1 mL a day throughout) no longer hold
        params = {"fill_ml": fill, "aspirated_ml": vol - left, "pocket_fill_ml": fill * pocket_frac,
                  "programmed_reservoir_ml": left + fill * (1 - pocket_frac)}
        if adm_conc is not None:
            params["admixture"] = {"drug": "drug/bupivacaine", "concentration_mg_per_ml": adm_conc}
        timeline.append({"at": f"{day}d", "action": "refill", "params": params})
        vol = left + fill * (1 - pocket_frac)
    res = make_sim(mix_settings(mode={"type": "continuous", "dose_mg_per_day": 1}), duration=f"{day + 2}d", timeline=timeline).run().results()
    assert not kinds(res, "refusal")
    summary = res.device_summary("pump")
    assert len(summary["refills"]) == len(plan)
    assert abs(summary["mass_balance"]["residual"]) < 1e-9
    assert abs(summary["admixture"]["mass_balance"]["residual"]) < 1e-9
    assert summary["admixture"]["mass_balance"]["in_dead_volume"] >= 0.0
