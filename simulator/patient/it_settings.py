"""Settings and actions of the intrathecal patient (the scenario's `patient:` section with `pump:`).

APPROXIMATION FOR TEACHING. Every input is bounded.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulator.profiles.base import StrictModel

WORKUP_TESTS = ("cap_aspiration", "contrast_study", "rotor_study", "refill_discrepancy", "mri")


class IntrathecalPatientSettings(StrictModel):
    pump: str = Field(description="Id of the linked drug pump")
    start_steady: bool = Field(True, description="Start at the steady state of the pump's rate at t = 0 (a patient long on the therapy); "
                               "false: drug-naive (a trial or a first fill)")
    catheter: Literal["patent", "occlusion", "kink", "disconnection", "migration", "csf_leak", "mass"] = Field(
        "patent", description="Catheter state at the start")
    inflammatory_mass: bool = Field(False, description="Seeded risk of an inflammatory mass at the tip, growing with opioid dose and concentration")


class CatheterFault(StrictModel):
    """Fault: the catheter becomes occluded, kinked (intermittent), disconnected, migrated, leaks CSF, or a mass forms at its tip."""

    fault: Literal["occlusion", "kink", "disconnection", "migration", "csf_leak", "mass"] = Field(description="Which fault")


class CatheterRepair(StrictModel):
    """The catheter is revised: patent again."""


class Workup(StrictModel):
    """A work-up test: catheter access port aspiration, contrast study, rotor study, refill discrepancy, MRI."""

    test: Literal["cap_aspiration", "contrast_study", "rotor_study", "refill_discrepancy", "mri"] = Field(description="Which test")


class AskItPatient(StrictModel):
    """Ask the patient how they are (a `patient.it_report` event)."""


class TrialBolus(StrictModel):
    """An intrathecal trial or screening bolus by lumbar puncture (not through the pump), then an
    assessment after `observe_h` (a `patient.workup` event, test `trial`)."""

    drug: str = Field(description="Drug short name, e.g. morphine, baclofen (the profile must have a response to it)")
    dose: float = Field(gt=0, le=10000, description="Dose in the drug's unit in the profile (mg or mcg)")
    observe_h: float = Field(6.0, ge=1, le=24, description="Observation before the assessment, h (>= 6 h for opioids [L: PACC]; baclofen 4-8 h [L])")
