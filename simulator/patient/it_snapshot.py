"""The intrathecal patient's snapshot: a frozen, typed picture of what the model says now.

APPROXIMATION FOR TEACHING: every figure comes from the toy model of this package (compartments of
`simulator.patient.csf`, effects of `simulator.patient.it_effects`).
"""
from __future__ import annotations

from simulator.patient import LABEL
from simulator.snapshot import Frozen as _Frozen


class DrugState(_Frozen):
    drug: str
    unit: str  # mg or mcg: every amount of this drug
    tip_per_ml: float  # CSF concentration at the catheter tip, unit/mL
    effect_per_ml: float  # effect compartment (minutes)
    rostral_per_ml: float  # rostral compartment (hours)
    tolerance_per_ml: float  # slow exposure (days-weeks)
    lag_per_ml: float  # lagged exposure of the withdrawal model (about a day)
    systemic_equivalent_per_ml: float  # systemic route as an intrathecal-equivalent concentration
    leaving_catheter_per_day: float  # drug the pump sends down the catheter, unit/day
    to_csf_per_day: float
    to_tissue_per_day: float
    csf_half_life_min: float


class IntrathecalPatientSnapshot(_Frozen):
    t_s: float
    device: str
    profile: str
    label: str = LABEL
    pump: str
    drugs: tuple[DrugState, ...]
    nrs: float
    baseline_nrs: float
    ashworth: float | None  # modified Ashworth 0-4 (1+ = 1.5); None without spasticity
    ashworth_grade: str | None
    baseline_ashworth: float | None
    signs: dict[str, float]  # sign -> index 0..1 (analgesia, antispasticity, sedation, respiratory_depression, ...)
    grades: dict[str, str]  # side-effect sign -> none, mild, moderate, severe
    withdrawal_index: dict[str, float]  # withdrawal picture (baclofen, opioid, clonidine) -> w 0..1
    withdrawal_stage: dict[str, str]  # picture -> none, mild, moderate, severe
    catheter: str
    held_back_ml: float  # drug solution held back by a blocked catheter since the last refill, mL
    withdrawal_cause: str
