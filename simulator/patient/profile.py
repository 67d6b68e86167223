"""Patient profiles (kind `patient`): pain map, baseline pain, anatomy, responder draw, time constants.

APPROXIMATION FOR TEACHING. Every figure is a setting with a `source` note ([L] read in a named
public source, [D] derived, [?] a default); the defaults below come from domain/patient.md
section A and are repeated in each bundled profile's `sources`.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from simulator.patient.anatomy import level_index
from simulator.patient.it_profile import IntrathecalModel
from simulator.patient.somatotopy import REGIONS
from simulator.profiles.base import Profile, StrictModel

POSTURES = ("standing", "sitting", "supine", "prone")


class ReliefDraw(StrictModel):
    """Maximum relief R (0..1) a therapy class gives this patient, drawn once per run from the seed.

    With `fixed` set, R is that value. Otherwise the patient is a responder with
    `responder_probability`; R is then uniform in `responder_range`, else in `non_responder_range`."""

    fixed: float | None = Field(None, ge=0, le=1, description="R without a draw (0..1)")
    responder_probability: float = Field(0.5, ge=0, le=1, description="Chance that R >= 0.5")
    responder_range: tuple[float, float] = Field((0.5, 0.9), description="R of a responder (uniform), 0..1")
    non_responder_range: tuple[float, float] = Field((0.0, 0.45), description="R of a non-responder (uniform), 0..1")

    @model_validator(mode="after")
    def _ranges(self):
        for name in ("responder_range", "non_responder_range"):
            lo, hi = getattr(self, name)
            if not (0.0 <= lo <= hi <= 1.0):
                raise ValueError(f"{name} must be (low, high) with 0 <= low <= high <= 1, not ({lo}, {hi})")
        if self.responder_range[0] < 0.5 or self.non_responder_range[1] >= 0.5:
            raise ValueError("a responder has R >= 0.5 and a non-responder R < 0.5 (the >= 50 % rule)")
        return self


class ReliefDraws(StrictModel):
    paresthesia: ReliefDraw = Field(description="Tonic paresthesia-based therapy (and its sub-perception use)")
    high_frequency: ReliefDraw = Field(description="10 kHz, paresthesia-free")
    burst: ReliefDraw = Field(description="Burst, paresthesia-free")


class TimeConstants(StrictModel):
    """Time constants of the exponential relief approach dr/dt = (r* - r) / tau."""

    tonic_min: float = Field(3.7, gt=0, le=1440, description="Tonic above perception (and FAST), min")
    sub_perception_days: float = Field(2.0, gt=0, le=60, description="Tonic below perception, days")
    high_frequency_days: float = Field(3.0, gt=0, le=60, description="10 kHz wash-in, days")
    burst_days: float = Field(1.0, gt=0, le=60, description="Burst wash-in, days")
    tonic_washout_min: float = Field(30.0, gt=0, le=100_000, description="Relief fading after tonic paresthesia stops, min")
    washout_days: float = Field(2.0, gt=0, le=60, description="Relief fading after a slow (10 kHz, burst, sub-perception) therapy stops, days")


class PatientProfile(Profile):
    kind: ClassVar[str] = "patient"

    condition: str = Field(description="Diagnosis in words, e.g. 'failed back surgery syndrome'")
    pain_map: dict[str, float] = Field(min_length=1, max_length=len(REGIONS), description="Region -> pain intensity weight (0..1]")
    baseline_nrs: float = Field(ge=0, le=10, description="Pain score without therapy, NRS 0-10")
    dorsal_csf_mm: dict[str, float] | None = Field(None, min_length=1, max_length=25,
                                                   description="Vertebral level -> dorsal CSF thickness (supine), mm (needed with a stimulator)")
    posture_distance_factor: dict[str, float] = Field(
        default_factory=lambda: {"standing": 1.0, "sitting": 0.95, "supine": 0.75, "prone": 1.2},
        description="Posture -> cord distance / standing distance (as the closed-loop profile)")
    reference_distance_mm: float = Field(6.0, gt=0, le=20, description="Distance at which PT equals the strength-duration fit, mm")
    threshold_exponent: float = Field(2.0, gt=0, le=4, description="n in PT ~ d^n")
    discomfort_ratio: float = Field(1.7, ge=1.1, le=4, description="DT / PT")
    lateral_mm_per_mm: float = Field(0.3, ge=0, le=1, description="Change of effective distance per mm of lateral offset, mm/mm "
                                     "(closer below C4, farther at C4 and above)")
    lateral_cap_mm: float = Field(3.0, ge=0, le=10, description="Lateral offset beyond which the lateral term stops growing, mm")
    min_distance_mm: float = Field(0.5, gt=0, le=5, description="Smallest effective distance, mm")
    cord_offset_mm: float = Field(0.0, ge=-3, le=3, description="Cord midline off the spinal midline, mm (+ right)")
    midline_band_mm: float = Field(1.0, ge=0, le=5, description="A cathode within this of the cord midline is midline, mm")
    widen_ratio: float = Field(1.3, ge=1, le=4, description="I / PT from which paresthesia widens")
    caudal_spread_pw_us: float = Field(450.0, gt=0, le=5000, description="Pulse width from which paresthesia spreads one level caudally, us")
    sub_perception_fraction: float = Field(0.29, ge=0, le=1, description="Relief below perception as a fraction of R")
    sub_perception_min_ratio: float = Field(0.3, ge=0, le=1, description="I / PT below which tonic gives no relief")
    relief: ReliefDraws | None = Field(None, description="Responder draws per therapy class (needed with a stimulator)")
    sweet_spot_level: str | None = Field(None, description="Hidden level whose stimulation gives paresthesia-free relief, e.g. 'T9' (needed with a stimulator)")
    sweet_spot_tolerance_levels: float = Field(1.0, ge=0, le=5, description="A cathode within this many levels of the sweet spot's middle hits it")
    paresthesia_free_min_ma: float = Field(1.0, ge=0, le=25, description="Lowest 10 kHz / burst amplitude that gives relief, mA")
    time_constants: TimeConstants = Field(default_factory=TimeConstants)
    diary_noise_sd_nrs: float = Field(0.5, ge=0, le=3, description="Day-to-day noise of a diary entry, NRS points (SD)")
    intrathecal: IntrathecalModel | None = Field(None, description="Responses to intrathecal drugs (needed with a pump); see simulator.patient.it_profile")

    #: fields a patient linked to a stimulator needs (the intrathecal patient does without them)
    SCS_FIELDS: ClassVar[tuple[str, ...]] = ("dorsal_csf_mm", "relief", "sweet_spot_level")

    def missing_for(self, link: str) -> list[str]:
        """Fields this profile lacks for a patient linked to a 'stimulator' or a 'pump'."""
        if link == "pump":
            return [] if self.intrathecal is not None else ["intrathecal"]
        return [f for f in self.SCS_FIELDS if getattr(self, f) is None]

    def figures_without_source(self) -> list[str]:
        """As for any profile; an intrathecal-only patient (no stimulator fields) needs no notes for
        the stimulator model's defaults, which it never uses."""
        missing = super().figures_without_source()
        if self.missing_for("stimulator"):
            shared = ("condition", "pain_map", "baseline_nrs", "intrathecal")
            scs_only = [f for f in PatientProfile.model_fields if f not in shared and f not in Profile.model_fields]
            missing = [m for m in missing if m.split(".", 1)[0] not in scs_only]
        return missing

    @model_validator(mode="after")
    def _some_therapy(self):
        if self.intrathecal is None and self.missing_for("stimulator"):
            raise ValueError(f"a patient profile needs the stimulator fields ({', '.join(self.missing_for('stimulator'))}) or an 'intrathecal' section")
        return self

    @field_validator("pain_map")
    @classmethod
    def _regions(cls, value: dict[str, float]) -> dict[str, float]:
        for region, weight in value.items():
            if region not in REGIONS:
                raise ValueError(f"unknown body region {region!r}; allowed: {', '.join(REGIONS)}")
            if not (0.0 < weight <= 1.0):
                raise ValueError(f"pain intensity of {region} must be in (0, 1], not {weight}")
        return value

    @field_validator("dorsal_csf_mm")
    @classmethod
    def _levels(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return None
        out = {}
        for level, mm in value.items():
            level_index(level)  # ValueError names the allowed levels
            if not (0.5 <= mm <= 15.0):
                raise ValueError(f"dorsal CSF thickness at {level} must be 0.5-15 mm, not {mm}")
            out[level.upper()] = float(mm)
        return out

    @field_validator("sweet_spot_level")
    @classmethod
    def _sweet(cls, value: str | None) -> str | None:
        if value is None:
            return None
        level_index(value)
        return value.upper()

    @field_validator("posture_distance_factor")
    @classmethod
    def _postures(cls, value: dict[str, float]) -> dict[str, float]:
        for posture, f in value.items():
            if posture not in POSTURES:
                raise ValueError(f"unknown posture {posture!r}; allowed: {', '.join(POSTURES)}")
            if not (0.1 <= f <= 5.0):
                raise ValueError(f"posture distance factor for {posture} must be 0.1-5, not {f}")
        return value
