"""Conversions, trial and baclofen screening/titration: answers worked by hand from domain/patient.md B1-B2."""
import pytest

from simulator.errors import InputError
from simulator.patient.conversions import (
    CAUTION,
    baclofen_screening_plan,
    baclofen_starting_dose,
    baclofen_titration,
    hydromorphone_from_it_morphine,
    it_hydromorphone_from_iv,
    morphine_conversion,
    next_screening_dose_mcg,
    starting_infusion_from_trial,
    trial_bolus,
    trial_response,
)


def test_oral_to_intrathecal_morphine_with_its_range():
    e = morphine_conversion(300, "oral", "intrathecal")
    # 300 / 300 = 1 mg/day; range over oral:IT 300:1 .. 10:1 -> 1 .. 30 mg/day
    assert (e.value, e.low, e.high) == pytest.approx((1.0, 1.0, 30.0))
    assert e.note == CAUTION and "starting convention" in e.note
    assert e.label.startswith("approximation for teaching")


def test_iv_and_epidural_morphine():
    # 100 mg IV -> 100 / 100 x 10 = 10 mg epidural; 50 mg epidural -> 50 / 10 = 5 mg intrathecal
    assert morphine_conversion(100, "iv", "epidural").value == pytest.approx(10.0)
    assert morphine_conversion(50, "epidural", "intrathecal").value == pytest.approx(5.0)
    # 2 mg IT -> 2 x 300 = 600 mg oral (range 2 x 10 = 20 .. 600)
    e = morphine_conversion(2, "intrathecal", "oral")
    assert (e.value, e.low, e.high) == pytest.approx((600.0, 20.0, 600.0))


def test_hydromorphone_equivalence():
    # 5 mg/day IT morphine / 5 = 1 mg/day; range 5 / 6 = 0.8333 .. 5 / 1.7 = 2.9412
    e = hydromorphone_from_it_morphine(5.0)
    assert (e.value, e.low, e.high) == pytest.approx((1.0, 0.833333, 2.941176), rel=1e-5)
    # 10 mg IV hydromorphone x 0.04 = 0.4 mg IT
    assert it_hydromorphone_from_iv(10).value == pytest.approx(0.4)
    with pytest.raises(InputError, match="ratio"):
        hydromorphone_from_it_morphine(5.0, ratio=10)


def test_trial_and_starting_dose():
    assert trial_bolus("morphine", opioid_tolerant=False).value == 0.1
    assert trial_bolus("hydromorphone", opioid_tolerant=True).value == 0.1
    assert trial_bolus("morphine", False).details["observe_h"] == 6.0
    # NRS 8 -> 3: 1 - 3/8 = 62.5 % relief, positive; 8 -> 5: 37.5 %, not
    r = trial_response(8, 3)
    assert r["relief_pct"] == pytest.approx(62.5) and r["positive"]
    assert not trial_response(8, 5)["positive"]
    # 0.3 mg naive x 0.5 = 0.15, raised to the naive floor 0.2 mg/day; 4 mg tolerant x 0.5 = 2 mg/day
    assert starting_infusion_from_trial(0.3, False).value == pytest.approx(0.2)
    assert starting_infusion_from_trial(4.0, True).value == pytest.approx(2.0)
    # 30 mg tolerant x 0.5 = 15, capped at the tolerant top 10 mg/day
    assert starting_infusion_from_trial(30.0, True).value == pytest.approx(10.0)


def test_baclofen_screening_and_titration():
    plan = baclofen_screening_plan()
    assert [(p["dose_mcg"], p["at_h"]) for p in plan] == [(50.0, 0.0), (75.0, 24.0), (100.0, 48.0)]
    assert next_screening_dose_mcg(50, positive=False) == 75.0
    assert next_screening_dose_mcg(75, positive=True) is None
    assert next_screening_dose_mcg(100, positive=False) is None
    # twice the effective dose (effect 6 h), once when it lasted over 8 h
    assert baclofen_starting_dose(50, 6).value == 100.0
    assert baclofen_starting_dose(100, 10).value == 100.0
    # 400 spinal: +10 % .. +30 % = 440 .. 520, middle +20 % = 480; 200 cerebral: 210 .. 230, middle 220
    s = baclofen_titration(400, "spinal")
    assert (s.value, s.low, s.high) == pytest.approx((480.0, 440.0, 520.0))
    c = baclofen_titration(200, "cerebral")
    assert (c.value, c.low, c.high) == pytest.approx((220.0, 210.0, 230.0))


def test_bad_input_names_the_field():
    with pytest.raises(InputError, match="from_route"):
        morphine_conversion(10, "rectal", "intrathecal")
    with pytest.raises(InputError, match="dose_mg_per_day"):
        morphine_conversion(-1, "oral", "intrathecal")
    with pytest.raises(InputError, match="origin"):
        baclofen_titration(100, "cortical")
    with pytest.raises(InputError, match="previous_mcg"):
        next_screening_dose_mcg(60, False)
