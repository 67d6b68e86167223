"""The one place that converts between drug amounts and volumes, and reads unit-named fields.

Amounts are in the drug's own unit (mg or mcg); concentrations in that unit per mL; rates in
mL/day or mL/s. Nothing else in the package multiplies or divides by a concentration.

Settings and action parameters carry the unit in their names (`dose_mg_per_day` or
`dose_mcg_per_day`, `concentration_mg_per_ml` or `concentration_mcg_per_ml`). `pick` returns
the value of the one matching the drug's unit and refuses the other with a message naming
the drug and its unit, so a mg figure can never be read as mcg.
"""
from __future__ import annotations

from typing import Any, Literal, overload

from simulator.units import SECONDS_PER_DAY

UNITS = ("mg", "mcg")


class UnitMismatch(ValueError):
    """A unit-named field was given in the wrong unit for the drug (or is missing)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def other_unit(unit: str) -> str:
    return "mcg" if unit == "mg" else "mg"


@overload
def pick(obj: Any, template: str, unit: str, drug_name: str, required: Literal[True] = True) -> float: ...
@overload
def pick(obj: Any, template: str, unit: str, drug_name: str, required: bool) -> float | None: ...
def pick(obj: Any, template: str, unit: str, drug_name: str, required: bool = True) -> float | None:
    """Value of the field `template.format(u=unit)` of `obj` (a model or a dict).

    `template` is e.g. "dose_{u}_per_day". Raises UnitMismatch if the field in the other unit
    is set, or if neither is set and `required`.
    """
    right, wrong = template.format(u=unit), template.format(u=other_unit(unit))
    get = obj.get if isinstance(obj, dict) else (lambda name: getattr(obj, name, None))
    if get(wrong) is not None:
        raise UnitMismatch(f"{drug_name} is dosed in {unit}: give {right}, not {wrong}", wrong)
    value = get(right)
    if value is None and required:
        raise UnitMismatch(f"{drug_name} is dosed in {unit}: {right} is required", right)
    return None if value is None else float(value)


def has_any(obj: Any, template: str) -> bool:
    """True when the field is given in either unit."""
    get = obj.get if isinstance(obj, dict) else (lambda name: getattr(obj, name, None))
    return any(get(template.format(u=u)) is not None for u in UNITS)


# ----- conversions (the only ones in the package) -----
def volume_ml_for_dose(dose: float, concentration_per_ml: float) -> float:
    """Volume (mL) holding `dose` (drug unit) at `concentration_per_ml` (drug unit/mL)."""
    if concentration_per_ml <= 0:
        raise ValueError("concentration must be positive to convert a dose into a volume")
    return dose / concentration_per_ml


def dose_in_volume(volume_ml: float, concentration_per_ml: float) -> float:
    """Amount of drug (drug unit) in `volume_ml` mL at `concentration_per_ml`."""
    return volume_ml * concentration_per_ml


def rate_ml_per_day_for_dose(dose_per_day: float, concentration_per_ml: float) -> float:
    """Flow (mL/day) that delivers `dose_per_day` (drug unit/day) at the concentration."""
    return volume_ml_for_dose(dose_per_day, concentration_per_ml)


def dose_per_day_for_rate(rate_ml_per_day: float, concentration_per_ml: float) -> float:
    """Daily dose (drug unit/day) delivered by `rate_ml_per_day` at the concentration."""
    return dose_in_volume(rate_ml_per_day, concentration_per_ml)


def ml_per_day_to_ml_per_s(rate_ml_per_day: float) -> float:
    return rate_ml_per_day / SECONDS_PER_DAY


def ml_per_s_to_ml_per_day(rate_ml_per_s: float) -> float:
    return rate_ml_per_s * SECONDS_PER_DAY


def mixed_concentration(volume_a_ml: float, conc_a: float, volume_b_ml: float, conc_b: float) -> float:
    """Concentration after mixing two volumes of the same drug (drug unit/mL)."""
    total = volume_a_ml + volume_b_ml
    if total <= 0:
        return conc_b
    return (dose_in_volume(volume_a_ml, conc_a) + dose_in_volume(volume_b_ml, conc_b)) / total
