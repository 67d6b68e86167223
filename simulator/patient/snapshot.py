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
    placed_level: str  # the level it was placed at (its top contact at implant)
    top_position_levels: float  # its top contact now, vertebra units (0.0 = top of C1, 1.0 = top of C2, ...)
    placed_top_position_levels: float  # its top contact at implant, vertebra units
    lateral_mm: float  # its midline, mm from the spinal midline (+ right)


class ContactPlace(_Frozen):
    """Where one contact lies along the spine now and at implant (vertebra units) and sideways."""

    contact: str  # 'E1'.. as the stimulator numbers them
    lead: int  # 1 = the first
    position_levels: float  # now, vertebra units (0.0 = top of C1)
    placed_position_levels: float  # at implant (before any migration), vertebra units
    x_mm: float  # lateral, mm (+ right)
    level: str  # the vertebra it lies on now


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
    stimulator: str  # id of the linked stimulator
    label: str = LABEL
    posture: str
    stimulating: bool
    leads: tuple[LeadState, ...]
    contacts: tuple[ContactPlace, ...]  # every contact of every lead, E1.. in order
    segment_mm: float  # height of one vertebral segment in the model, mm (the linked stimulator's)
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
