"""Settings and action parameters of the virtual patient (the scenario's `patient:` section).

APPROXIMATION FOR TEACHING. `stimulator` and `leads` come from the section itself; `trial`,
`diary` and `migration` from its `settings`. Every input is bounded.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulator.profiles.base import StrictModel
from simulator.scenario.model import Duration, PatientLeadPlacement

MAX_DIARY_DAYS = 3660  # ten years of daily entries at most


class TrialSettings(StrictModel):
    """A trial with an external trial stimulator: a daily diary, then a pass/fail verdict."""

    days: int = Field(7, ge=3, le=10, description="Trial length, days (3-8, some 3 weeks [L: NMF]; 3-10 here)")
    start: Duration = Field(0.0, description="When the trial starts, from the scenario start")


class DiarySettings(StrictModel):
    """A daily pain diary outside a trial (one event a day)."""

    start: Duration = Field(0.0, description="First day starts here")
    days: int = Field(ge=1, le=MAX_DIARY_DAYS, description="How many daily entries")


class RandomMigration(StrictModel):
    """A seeded chance that a lead migrates caudally once, at a random time in a window."""

    probability: float = Field(ge=0, le=1, description="Chance that the lead migrates in the window")
    lead: int = Field(1, ge=1, le=8, description="Which lead (1 = the first)")
    within: Duration = Field(7 * 86400.0, description="Window from the scenario start in which it may happen")
    mean_mm: float = Field(12.5, ge=0, le=100, description="Mean caudal distance, mm ([L: RAPM 2023-104347] 0.55 level = 12.5 mm)")
    sd_mm: float = Field(18.2, ge=0, le=100, description="SD of the distance, mm ([L: same] 18.2 mm)")
    max_mm: float = Field(60.0, gt=0, le=150, description="Largest distance drawn, mm")


class PatientSettings(StrictModel):
    stimulator: str = Field(description="Id of the linked stimulator device")
    leads: list[PatientLeadPlacement] | None = Field(None, max_length=8, description="Placement per lead (default: the stimulator's)")
    trial: TrialSettings | None = None
    diary: DiarySettings | None = None
    migration: RandomMigration | None = None


class LeadMigration(StrictModel):
    """Fault: a lead moves along the spine by `distance_mm` (caudal by default)."""

    lead: int = Field(1, ge=1, le=8, description="Which lead (1 = the first)")
    distance_mm: float = Field(12.5, gt=0, le=150, description="How far, mm (12.5 mm = the mean trial migration [L: RAPM 2023-104347])")
    direction: Literal["caudal", "rostral"] = "caudal"


class AskPatient(StrictModel):
    """Ask the patient what they feel now (a `patient.report` event)."""
