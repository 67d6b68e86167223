"""Anatomy of the virtual patient: positions along the spine, contact sites, dorsal CSF thickness.

APPROXIMATION FOR TEACHING. Positions along the spine are in vertebra units: 0.0 is the top of
C1, 1.0 the top of C2, and so on (`VERTEBRAE` from `simulator.scs.leads`); the level of a point is
the vertebra whose span holds it. A lead's top contact sits a quarter segment below the top of its
level (the convention of `simulator.scs.leads.level_name`), each further row `y_mm / segment_mm`
lower. A caudal migration of `m` mm adds `m / segment_mm` (12.5 mm at 25 mm a segment = half a level).

Dorsal CSF thickness (cord to dura, mm) is given by the profile at anchor levels, measured supine
(MRI) [L: Holsheimer 1994 AJNR 15:951]; between anchors it is interpolated linearly by position,
beyond them held at the nearest anchor. Another posture multiplies it by the posture's distance
factor relative to supine, the same factors (distance / standing distance) as the closed-loop ECAP
model (`simulator.scs.closed_loop`, profile `posture_distance_factor`), so one posture shape drives
both.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from simulator.scs.leads import VERTEBRAE

#: The top contact sits a quarter segment below the top of its level (simulator.scs.leads).
TOP_CONTACT_FRACTION = 0.25


def level_index(level: str) -> int:
    """Index of a vertebra: C1 -> 0, C7 -> 6, T1 -> 7, T10 -> 16, L1 -> 19, S1 -> 24."""
    name = level.strip().upper()
    if name not in VERTEBRAE:
        raise ValueError(f"unknown vertebral level {level!r}; allowed: {', '.join(VERTEBRAE)}")
    return VERTEBRAE.index(name)


def level_at(position: float) -> str:
    """The vertebra holding a position in vertebra units (clamped to C1..S1)."""
    return VERTEBRAE[min(max(math.floor(position + 1e-9), 0), len(VERTEBRAE) - 1)]


def position_of_level(level: str, fraction: float = 0.5) -> float:
    """Position of a point `fraction` of the way down a vertebra (0.5 = its middle)."""
    return level_index(level) + fraction


@dataclass(frozen=True)
class ContactSite:
    """Where one contact lies: label ('E1'..), lead index, position (vertebra units), lateral mm (+ right)."""

    label: str
    lead_index: int
    position: float
    x_mm: float

    @property
    def level(self) -> str:
        return level_at(self.position)


def side_of(x_mm: float, midline_band_mm: float) -> str:
    """'midline' within +-midline_band_mm of the cord midline, else 'left' (x < 0) or 'right'."""
    if abs(x_mm) <= midline_band_mm:
        return "midline"
    return "right" if x_mm > 0 else "left"


def placement_lateral_mm(side: str, lateral_offset_mm: float, default_lateral_mm: float = 2.0) -> float:
    """Lateral position of a lead's midline, mm (+ right): the offset when given, else 2 mm to the
    named side (the convention of `simulator.scs.leads.contact_map`), 0 for midline."""
    if lateral_offset_mm:
        return float(lateral_offset_mm)
    return {"left": -default_lateral_mm, "midline": 0.0, "right": default_lateral_mm}[side]


def contact_sites(placements, lead_geometries, segment_mm: float, shifts_mm: list[float]) -> list[ContactSite]:
    """Contact sites of all leads, numbered E1.. across the leads in order (as the stimulator does).

    `placements`: per lead (level, side, lateral_offset_mm); `lead_geometries`: per lead the list of
    (lateral mm, mm below the top row) of `LeadProfile.contact_positions_mm()`; `shifts_mm`: per
    lead, caudal migration so far (mm, + caudal)."""
    out: list[ContactSite] = []
    n = 0
    for li, (place, geometry) in enumerate(zip(placements, lead_geometries)):
        top = level_index(place.level) + TOP_CONTACT_FRACTION + shifts_mm[li] / segment_mm
        lateral = placement_lateral_mm(place.side, place.lateral_offset_mm)
        for x, y in geometry:
            n += 1
            out.append(ContactSite(f"E{n}", li, top + y / segment_mm, lateral + x))
    return out


def csf_thickness_supine_mm(anchors: dict[str, float], position: float) -> float:
    """Dorsal CSF thickness at a position, mm (supine): linear between anchor levels (taken at
    their middles), held at the nearest anchor beyond the first and last."""
    pts = sorted((position_of_level(k), float(v)) for k, v in anchors.items())
    if position <= pts[0][0]:
        return pts[0][1]
    if position >= pts[-1][0]:
        return pts[-1][1]
    for (p0, d0), (p1, d1) in itertools.pairwise(pts):
        if p0 <= position <= p1:
            return d0 + (d1 - d0) * (position - p0) / (p1 - p0)
    return pts[-1][1]  # unreachable


def posture_factor(posture: str, factors: dict[str, float]) -> float:
    """Distance in `posture` relative to supine (the MRI posture): f(posture) / f(supine)."""
    return factors.get(posture, 1.0) / factors.get("supine", 1.0)


def csf_thickness_mm(anchors: dict[str, float], position: float, posture: str, factors: dict[str, float]) -> float:
    """Dorsal CSF thickness at a position in a posture, mm."""
    return csf_thickness_supine_mm(anchors, position) * posture_factor(posture, factors)
