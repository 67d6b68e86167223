"""The patient's snapshot: a frozen, typed picture of what the model says now.

APPROXIMATION FOR TEACHING: every figure comes from the toy model of this package. The hidden
sweet spot and the drawn maximum relief are not in it (a trainee has to find them).
"""
from __future__ import annotations

from simulator.patient import LABEL
from simulator.snapshot import Frozen as _Frozen


class LeadState(_Frozen):
    lead: int  # 1 = the first
    top_level: str  # where its top contact lies now
    side: str
    lateral_offset_mm: float
    migrated_mm: float  # + caudal


class ProgramFeel(_Frozen):
    program: str
    amplitude_ma: float
    perception_threshold_ma: float | None
    discomfort_threshold_ma: float | None
    ratio_to_perception: float | None
    therapy: str  # paresthesia, sub_perception, high_frequency, burst, none
    regions: tuple[str, ...]
    strength: str
    uncomfortable: bool


class PatientSnapshot(_Frozen):
    t_s: float
    device: str
    profile: str
    label: str = LABEL
    posture: str
    stimulating: bool
    leads: tuple[LeadState, ...]
    programs: tuple[ProgramFeel, ...]
    paresthesia_regions: tuple[str, ...]
    coverage_pct: float
    relief_pct: float
    relief_by_region_pct: dict[str, float]
    nrs: float
    nrs_by_region: dict[str, float]
    baseline_nrs: float
    responder: bool
    trial: dict | None
