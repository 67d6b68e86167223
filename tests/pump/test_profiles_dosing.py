"""Pump and drug profiles, and the dose <-> volume conversions."""
import pytest

from simulator.errors import InputError, validate_model
from simulator.profiles.registry import default_registry
from simulator.pump import dosing
from simulator.pump.drugs import DrugProfile
from simulator.pump.profile import PumpProfile

PUMPS = ["pump/peristaltic-20ml", "pump/peristaltic-40ml", "pump/valve-gated-20ml", "pump/gas-driven-30ml"]
DRUGS = ["drug/morphine", "drug/hydromorphone", "drug/fentanyl", "drug/bupivacaine", "drug/clonidine", "drug/ziconotide", "drug/baclofen"]


def test_every_bundled_pump_and_drug_profile_has_a_source_for_every_figure():
    reg = default_registry()
    ids = reg.ids("pump") + reg.ids("drug")
    assert len(ids) >= 11
    missing = {pid: reg.get(pid).figures_without_source() for pid in ids}
    assert {k: v for k, v in missing.items() if v} == {}


def test_every_bundled_pump_and_drug_is_present():
    reg = default_registry()
    assert set(PUMPS) <= set(reg.ids("pump"))
    assert set(DRUGS) <= set(reg.ids("drug"))


def test_archetype_figures():
    reg = default_registry()
    assert reg.get("pump/peristaltic-20ml").reservoir_capacity_ml == 20
    assert reg.get("pump/peristaltic-40ml").reservoir_capacity_ml == 40
    assert reg.get("pump/valve-gated-20ml").stroke_volume_ul == 2.5
    gas = reg.get("pump/gas-driven-30ml")
    assert not gas.programmable and gas.battery is None and gas.fixed_rate_ml_per_day > 0


def test_drug_units_and_limits():
    reg = default_registry()
    morphine, zic, fent = reg.get("drug/morphine"), reg.get("drug/ziconotide"), reg.get("drug/fentanyl")
    assert (morphine.unit, morphine.max_daily_dose, morphine.max_concentration_per_ml) == ("mg", 15, 20)
    assert (zic.unit, zic.max_daily_dose, zic.max_titration_increase_per_day) == ("mcg", 19.2, 2.4)
    assert fent.max_daily_dose is None  # no set limit


def test_a_drug_profile_in_the_wrong_unit_is_refused_naming_the_unit():
    raw = dict(default_registry().raw("drug/morphine"))
    raw["max_concentration_mcg_per_ml"] = raw.pop("max_concentration_mg_per_ml")
    with pytest.raises(InputError, match="morphine is dosed in mg: use max_concentration_mg_per_ml"):
        validate_model(DrugProfile, raw)


def test_a_gas_pump_cannot_be_programmable():
    raw = dict(default_registry().raw("pump/gas-driven-30ml"))
    raw["programmable"] = True
    with pytest.raises(InputError, match="not programmable"):
        validate_model(PumpProfile, raw)


def test_dose_volume_conversions_hand_computed():
    # 2 mg/day of 10 mg/mL morphine = 2 / 10 = 0.2 mL/day
    assert dosing.rate_ml_per_day_for_dose(2.0, 10.0) == pytest.approx(0.2)
    # 0.2 mL/day at 10 mg/mL = 2 mg/day
    assert dosing.dose_per_day_for_rate(0.2, 10.0) == pytest.approx(2.0)
    # a 50 mcg bolus at 500 mcg/mL is 0.1 mL
    assert dosing.volume_ml_for_dose(50.0, 500.0) == pytest.approx(0.1)
    # 1 mL/day = 1 / 86400 mL/s
    assert dosing.ml_per_day_to_ml_per_s(86.4) == pytest.approx(0.001)
    # 5 mL at 10 + 15 mL at 20 -> (50 + 300) / 20 = 17.5 mg/mL
    assert dosing.mixed_concentration(5, 10, 15, 20) == pytest.approx(17.5)
    with pytest.raises(ValueError):
        dosing.volume_ml_for_dose(1.0, 0.0)


def test_pick_refuses_the_wrong_unit_with_a_clear_message():
    assert dosing.pick({"concentration_mg_per_ml": 10}, "concentration_{u}_per_ml", "mg", "morphine") == 10
    with pytest.raises(dosing.UnitMismatch, match="baclofen is dosed in mcg: give concentration_mcg_per_ml, not concentration_mg_per_ml"):
        dosing.pick({"concentration_mg_per_ml": 2}, "concentration_{u}_per_ml", "mcg", "baclofen")
    with pytest.raises(dosing.UnitMismatch, match="dose_mg_per_day is required"):
        dosing.pick({}, "dose_{u}_per_day", "mg", "morphine")
    assert dosing.pick({}, "dose_{u}", "mg", "morphine", required=False) is None
