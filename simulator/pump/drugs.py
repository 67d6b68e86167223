"""The drug library: one DrugProfile per YAML file under profiles/drug/.

Amounts are in the drug's own unit (`unit`: mg or mcg). Fields that hold an amount name the
unit, and a profile sets the one matching its unit: `max_concentration_mg_per_ml` for a mg drug,
`max_concentration_mcg_per_ml` for a mcg drug (setting the other is an error naming the unit).
`max_daily_dose_*` may be null: no set limit.

The maximum daily dose and the maximum concentration are drug-library limits (consensus
recommendations such as PACC 2017), not device limits. `library_limit_policy` says what the
programmer does when an action passes one of them: `warn` (the default, as real programmers do
with drug-library limits: a warning the clinician may confirm, recorded as an `override` event
when confirmed) or `refuse`. Titration rules are always warnings.
"""
from __future__ import annotations

from simulator.errors import InputError, Issue

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from simulator.profiles.base import Profile, StrictModel

Unit = Literal["mg", "mcg"]

_UNIT_FIELDS = ("max_concentration_{u}_per_ml", "max_daily_dose_{u}", "starting_dose_min_{u}_per_day", "starting_dose_max_{u}_per_day")


class TitrationRules(StrictModel):
    """Limits on raising a dose, checked as warnings when a program raises the daily dose.

    Amount fields name the unit like the drug's other fields."""

    max_increase_mg_per_day: float | None = Field(None, gt=0, le=1e5, description="Largest single increase of the daily dose (mg drugs)")
    max_increase_mcg_per_day: float | None = Field(None, gt=0, le=1e8, description="Largest single increase of the daily dose (mcg drugs)")
    max_increase_pct: float | None = Field(None, gt=0, le=1000, description="Largest single increase, percent of the current daily dose")
    min_hours_between_increases: float | None = Field(None, gt=0, le=24 * 365, description="Shortest interval between two increases, hours")
    max_increase_pct_by_origin: dict[Literal["spinal", "cerebral"], float] | None = Field(
        None, description="Largest single increase, percent, by origin of the spasticity (baclofen); used instead of max_increase_pct when the pump's settings name the origin")

    def max_increase_pct_for(self, origin: str | None) -> float | None:
        """The percent limit for a spasticity `origin` ('spinal', 'cerebral' or None: the general one)."""
        if origin is not None and self.max_increase_pct_by_origin and origin in self.max_increase_pct_by_origin:
            return self.max_increase_pct_by_origin[origin]
        return self.max_increase_pct


class DrugProfile(Profile):
    kind: ClassVar[str] = "drug"

    drug_name: str = Field(min_length=1, description="Generic name")
    unit: Unit = Field(description="Unit every amount of this drug is expressed in")
    max_concentration_mg_per_ml: float | None = Field(None, gt=0, le=1e4)
    max_concentration_mcg_per_ml: float | None = Field(None, gt=0, le=1e7)
    max_daily_dose_mg: float | None = Field(None, gt=0, le=1e4, description="null: no set limit")
    max_daily_dose_mcg: float | None = Field(None, gt=0, le=1e7, description="null: no set limit")
    starting_dose_min_mg_per_day: float | None = Field(None, ge=0, le=1e4)
    starting_dose_max_mg_per_day: float | None = Field(None, ge=0, le=1e4)
    starting_dose_min_mcg_per_day: float | None = Field(None, ge=0, le=1e7)
    starting_dose_max_mcg_per_day: float | None = Field(None, ge=0, le=1e7)
    stability_days: float = Field(gt=0, le=3650, description="Longest time the drug may stay in the reservoir (refill interval), days")
    stability_days_undiluted: float | None = Field(None, gt=0, le=3650, description="Refill interval when the pump holds the drug undiluted (at one of undiluted_concentrations_per_ml), days; None: stability_days")
    undiluted_concentrations_per_ml: list[float] = Field(default_factory=list, max_length=10, description="Concentrations (drug unit per mL) of the undiluted product")
    first_fill_refill_days: float | None = Field(None, gt=0, le=3650, description="A new pump's first fill must be replaced within this many days (drug lost to the new pump's surfaces and residual space); None: no such rule")
    titration: TitrationRules = Field(default_factory=lambda: TitrationRules.model_validate({}))
    library_limit_policy: Literal["warn", "refuse"] = Field(
        "warn", description="Past the maximum daily dose or concentration: warn and ask for a confirmation (default) or refuse")
    empty_reservoir_risk: str = Field("", description="What an empty reservoir means for this drug (e.g. withdrawal)")
    notes: str = ""

    @model_validator(mode="after")
    def _units_match(self):
        other = "mcg" if self.unit == "mg" else "mg"
        for template in _UNIT_FIELDS:
            if getattr(self, template.format(u=other)) is not None:
                raise ValueError(f"{self.drug_name} is dosed in {self.unit}: use {template.format(u=self.unit)}, not {template.format(u=other)}")
        if self.max_concentration_per_ml is None:
            raise ValueError(f"{self.drug_name}: max_concentration_{self.unit}_per_ml is required")
        t_other = getattr(self.titration, f"max_increase_{other}_per_day")
        if t_other is not None:
            raise ValueError(f"{self.drug_name} is dosed in {self.unit}: use titration.max_increase_{self.unit}_per_day")
        return self

    # ----- values in the drug's own unit -----
    @property
    def max_concentration_per_ml(self) -> float | None:
        """Maximum concentration, drug unit per mL."""
        return getattr(self, f"max_concentration_{self.unit}_per_ml")

    @property
    def max_daily_dose(self) -> float | None:
        """Maximum daily dose in the drug's unit, or None (no set limit)."""
        return getattr(self, f"max_daily_dose_{self.unit}")

    @property
    def max_titration_increase_per_day(self) -> float | None:
        return getattr(self.titration, f"max_increase_{self.unit}_per_day")

    def refill_interval_days(self, conc_per_ml: float, first_fill: bool = False) -> float:
        """Longest time (days) this fill may stay in the pump: the first fill of a new pump uses
        `first_fill_refill_days`; an undiluted fill `stability_days_undiluted`; else `stability_days`."""
        if first_fill and self.first_fill_refill_days is not None:
            return self.first_fill_refill_days
        if self.stability_days_undiluted is not None and any(abs(conc_per_ml - c) <= 1e-9 * max(1.0, c) for c in self.undiluted_concentrations_per_ml):
            return self.stability_days_undiluted
        return self.stability_days

    @property
    def short_name(self) -> str:
        return self.id.split("/", 1)[1]


def resolve_drug(registry, name: str) -> DrugProfile:
    """The drug profile for `name` (an id like drug/morphine or just morphine); InputError if unknown."""
    pid = name if "/" in name else f"drug/{name}"
    if pid not in registry or not pid.startswith("drug/"):
        raise InputError(Issue("drug", f"unknown drug; known: {', '.join(registry.ids('drug'))}", name))
    return registry.get(pid, expected_kind="drug")
