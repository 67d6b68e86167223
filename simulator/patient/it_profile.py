"""The intrathecal part of a patient profile (`intrathecal:`): APPROXIMATION FOR TEACHING.

Per drug (keyed by the drug's short name, e.g. `morphine`, `baclofen`): CSF kinetics, the time
constants of the effect, rostral, habituation, withdrawal-lag and tolerance compartments
(`simulator.patient.csf`), Emax effects on named signs, and withdrawal. Every figure without a
published source is a default marked [?] in domain/patient.md; a profile's `sources` notes say so.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from simulator.profiles.base import StrictModel

#: signs a drug can act on; each is an index 0..1 (analgesia and antispasticity are benefits)
SIGNS = ("analgesia", "antispasticity", "sedation", "respiratory_depression", "pruritus", "nausea",
         "hypotension", "motor_block", "neuropsychiatric")
#: what drives an effect: effect-site Ce, rostral Cr, Ce above its habituation (fades over days),
#: or the slow exposure T (builds over weeks)
DRIVERS = ("effect", "rostral", "fading", "slow")
GRADES = ("none", "mild", "moderate", "severe")


class EffectSpec(StrictModel):
    """E = emax x D^h / (EC50^h + D^h), D the driver concentration; with `tolerant`, EC50 rises to
    EC50 + tolerance_gain x T (T the slow exposure)."""

    driver: Literal["effect", "rostral", "fading", "slow"] = Field("effect", description="Which concentration drives it (see DRIVERS)")
    ec50_per_ml: float = Field(gt=0, le=1e6, description="Driver concentration of half the maximum, drug unit/mL")
    emax: float = Field(1.0, gt=0, le=1, description="Largest index (0..1)")
    hill: float = Field(1.0, gt=0, le=8, description="Hill exponent h")
    tolerant: bool = Field(False, description="EC50 rises with tolerance")


class WithdrawalSpec(StrictModel):
    """Withdrawal index w = 1 - L / T while T >= dependence_min_per_ml (L: lagged exposure, T: slow exposure)."""

    kind: Literal["baclofen", "opioid", "clonidine"] = Field(description="Which withdrawal picture")
    lag_tau_h: float = Field(24.0, gt=0, le=240, description="Time constant of the lag L, h")
    dependence_min_per_ml: float = Field(gt=0, le=1e6, description="Slow exposure T from which stopping causes withdrawal, drug unit/mL")
    mild: float = Field(0.6, gt=0, lt=1, description="w from which withdrawal is mild")
    moderate: float = Field(0.8, gt=0, lt=1, description="w from which it is moderate")
    severe: float = Field(0.95, gt=0, lt=1, description="w from which it is severe")

    @model_validator(mode="after")
    def _order(self):
        if not (self.mild < self.moderate < self.severe):
            raise ValueError(f"withdrawal thresholds must rise: mild {self.mild} < moderate {self.moderate} < severe {self.severe}")
        return self


class DrugResponse(StrictModel):
    """How this patient's body handles one intrathecal drug."""

    unit: Literal["mg", "mcg"] = Field(description="Drug unit of every amount and concentration here (the drug profile's unit)")
    clearance_ml_per_min: float = Field(0.34, gt=0, le=50, description="CSF clearance, mL/min")
    volume_ml: float = Field(42.0, gt=0, le=500, description="CSF distribution volume at the tip, mL")
    effect_tau_min: float = Field(10.0, gt=0, le=1440, description="Effect compartment time constant, min")
    rostral_tau_h: float = Field(7.0, gt=0, le=72, description="Rostral compartment time constant, h")
    habituation_tau_days: float = Field(3.0, gt=0, le=60, description="Fading of pruritus, nausea, hypotension, days")
    tolerance_tau_days: float = Field(14.0, gt=0, le=365, description="Tolerance / slow exposure time constant, days")
    tolerance_gain: float = Field(0.0, ge=0, le=10, description="EC50 of a tolerant effect rises by this x T")
    systemic_ratio: float = Field(100.0, gt=0, le=10000, description="Systemic dose per intrathecal dose of equal effect (e.g. IV:IT 100)")
    absorption_tau_h: float = Field(1.0, gt=0, le=72, description="Absorption from tissue (pocket) to blood, h")
    systemic_tau_h: float = Field(4.0, gt=0, le=72, description="Systemic elimination time constant, h")
    effects: dict[str, EffectSpec] = Field(default_factory=dict, description="Sign -> effect (signs: " + ", ".join(SIGNS) + ")")
    withdrawal: WithdrawalSpec | None = None

    @field_validator("effects")
    @classmethod
    def _signs(cls, value: dict[str, EffectSpec]) -> dict[str, EffectSpec]:
        for sign in value:
            if sign not in SIGNS:
                raise ValueError(f"unknown sign {sign!r}; allowed: {', '.join(SIGNS)}")
        return value


class GradeThresholds(StrictModel):
    """Index (0..1) from which a side effect is mild, moderate, severe."""

    mild: float = Field(0.2, gt=0, lt=1)
    moderate: float = Field(0.45, gt=0, lt=1)
    severe: float = Field(0.7, gt=0, lt=1)

    @model_validator(mode="after")
    def _order(self):
        if not (self.mild < self.moderate < self.severe):
            raise ValueError(f"grade thresholds must rise: {self.mild} < {self.moderate} < {self.severe}")
        return self

    def grade(self, value: float) -> str:
        if value >= self.severe:
            return "severe"
        if value >= self.moderate:
            return "moderate"
        if value >= self.mild:
            return "mild"
        return "none"


class CatheterModel(StrictModel):
    """What reaches the CSF with a catheter fault, and the seeded risks."""

    migration_csf_fraction: float = Field(0.1, ge=0, le=1, description="Share of the drug reaching the CSF from a migrated tip (rest: tissue)")
    mass_csf_fraction: float = Field(0.3, ge=0, le=1, description="Share reaching the CSF past an inflammatory mass (rest tracks back into tissue)")
    kink_open_mean_h: float = Field(36.0, gt=0, le=2400, description="Mean time a kinked catheter stays open, h")
    kink_closed_mean_h: float = Field(12.0, gt=0, le=2400, description="Mean time it stays closed, h")
    mass_risk_per_year: float = Field(0.009, ge=0, le=1, description="Hazard of an inflammatory mass at the reference dose and concentration, per year")
    mass_reference_dose_per_day: float = Field(10.0, gt=0, le=1e5, description="Reference opioid daily dose, drug unit/day")
    mass_reference_concentration_per_ml: float = Field(10.0, gt=0, le=1e5, description="Reference opioid concentration, drug unit/mL")


class IntrathecalModel(StrictModel):
    """The intrathecal patient: baseline pain and tone, responses per drug, grades, catheter."""

    baseline_ashworth: float | None = Field(None, ge=0, le=4, description="Modified Ashworth score without therapy (0-4; 1+ = 1.5)")
    spasticity_origin: Literal["spinal", "cerebral"] | None = Field(None, description="Origin of the spasticity (titration steps)")
    opioid_tolerant: bool = Field(False, description="Already on opioids (starting dose conventions)")
    drugs: dict[str, DrugResponse] = Field(min_length=1, max_length=8, description="Drug short name -> response")
    grades: GradeThresholds = Field(default_factory=GradeThresholds)
    catheter: CatheterModel = Field(default_factory=CatheterModel)
    opioids: tuple[str, ...] = Field(("morphine", "hydromorphone", "fentanyl"), description="Drugs counted for the inflammatory-mass risk")
