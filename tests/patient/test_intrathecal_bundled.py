"""The bundled intrathecal patients and scenarios read known figures (worked by hand)."""
import pytest

from simulator.engine import Simulation
from simulator.event_kinds import K, validate_payload
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario

DAY, H = 86400.0, 3600.0
IT_KINDS = {K.PATIENT_DRUG_INPUT, K.PATIENT_SIGN, K.PATIENT_WITHDRAWAL, K.PATIENT_CATHETER, K.PATIENT_WORKUP, K.PATIENT_IT_REPORT}


def run(name):
    sim = Simulation(load_scenario(name))
    sim.run()
    evs = sim.results().events
    for e in evs:
        validate_payload(e.kind, e.payload)
    return sim, evs


def test_three_bundled_intrathecal_patients_with_sources():
    reg = default_registry()
    ids = [p for p in reg.ids("patient") if reg.get(p).intrathecal is not None]
    assert len(ids) >= 3
    drugs = set()
    for pid in ids:
        prof = reg.get(pid)
        assert prof.figures_without_source() == []
        drugs |= set(prof.intrathecal.drugs)
    assert {"baclofen", "morphine", "ziconotide", "clonidine", "bupivacaine"} <= drugs


def test_baclofen_missed_refill():
    sim, evs = run("it_patient_baclofen_missed_refill")
    empty = next(e.t_s for e in evs if e.kind == K.RESERVOIR_EMPTY)
    # 20 mL x 500 mcg/mL / 400 mcg/day = 25 days
    assert empty == pytest.approx(25 * DAY, abs=60)
    w = [(e.payload["stage"], round((e.t_s - empty) / H, 1)) for e in evs if e.kind == K.PATIENT_WITHDRAWAL]
    # mild 31.92 h and severe 83.61 h after the empty date (worked in test_intrathecal_scenarios); moderate at w = 0.8:
    # the slow terms give ln(1.46752 / (0.2 x 1.01173)) / 0.00067130 min = ln(7.25248) / 0.00067130 = 2951.6 min = 49.19 h
    assert w[:3] == [("mild", 31.9), ("moderate", 49.2), ("severe", 83.6)]
    assert [s for s, _ in w[3:]] == ["moderate", "mild", "none"]  # after the refill on day 29
    reports = [e.payload for e in evs if e.kind == K.PATIENT_IT_REPORT]
    assert reports[0]["ashworth_grade"] == "1+" and reports[2]["ashworth_grade"] == "3"
    assert "withdrawal severe" in reports[3]["nurse_observes"]
    assert sim.devices["patient"].snapshot().withdrawal_stage["baclofen"] == "none"


def test_catheter_occlusion_scenario():
    sim, evs = run("it_patient_catheter_occlusion")
    work = {e.payload["test"]: e.payload for e in evs if e.kind == K.PATIENT_WORKUP}
    # 10 mg/mL at 5 mg/day = 0.5 mL/day; occluded days 10-30: 10 mL held back; expected 20 - 15 = 5 mL
    assert work["refill_discrepancy"]["findings"]["held_back_ml"] == pytest.approx(10.0, rel=1e-6)
    assert work["refill_discrepancy"]["findings"]["aspirated_ml"] == pytest.approx(15.0, rel=1e-6)
    assert (work["rotor_study"]["result"], work["cap_aspiration"]["result"], work["contrast_study"]["result"]) == ("moves", "no_aspirate", "blocked")
    reports = [e.payload for e in evs if e.kind == K.PATIENT_IT_REPORT]
    # day 12: no analgesia left -> NRS 8; day 32: analgesia back (tolerance partly lost, so NRS lower than the 3.7 before)
    assert reports[0]["nrs"] == pytest.approx(8.0, abs=1e-3)
    assert reports[1]["nrs"] < 3.7
    seen = {e.kind for e in evs}
    assert IT_KINDS <= seen


def test_ziconotide_titration_builds_neuropsychiatric_effects_over_weeks():
    _, evs = run("it_patient_ziconotide_titration")
    np_events = [(e.payload["grade"], e.t_s / DAY) for e in evs if e.kind == K.PATIENT_SIGN and e.payload["sign"] == "neuropsychiatric"]
    assert np_events[0][0] == "mild" and np_events[0][1] > 21  # weeks, not hours
    assert np_events[-1][0] == "none" and np_events[-1][1] > 49  # fades after the cut on day 49
    assert not [e for e in evs if e.kind == K.PATIENT_WITHDRAWAL]
