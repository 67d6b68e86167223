"""Lead profiles (kind `lead`) and lead placement: where every contact sits on the spine.

A lead profile gives the contact geometry: count, columns, contact size (so the area used for
charge density), spacing along the lead (centre to centre) and between columns. A placement
(scenario setting) puts a lead's top contact at a vertebral level, on a side, so every contact
gets a level. Contacts are numbered row by row from the top (paddle: left to right in a row).
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from simulator.profiles.base import Profile, StrictModel

#: Vertebrae from the skull down, for naming the level of a contact.
VERTEBRAE: tuple[str, ...] = tuple(
    [f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)] + ["S1"]
)
#: [?] default: height of one thoracic segment (vertebral body plus disc), about 25 mm.
DEFAULT_SEGMENT_MM = 25.0


class LeadProfile(Profile):
    kind: ClassVar[str] = "lead"

    lead_type: Literal["percutaneous", "paddle"]
    contacts: int = Field(ge=1, le=64, description="Number of contacts")
    columns: int = Field(1, ge=1, le=8, description="Columns of contacts (1 for a percutaneous lead)")
    contact_length_mm: float = Field(gt=0, le=20, description="Contact length along the lead, mm")
    contact_diameter_mm: float | None = Field(None, gt=0, le=5, description="Cylindrical contact diameter, mm (percutaneous)")
    contact_width_mm: float | None = Field(None, gt=0, le=10, description="Flat contact width, mm (paddle)")
    spacing_mm: float = Field(gt=0, le=50, description="Centre-to-centre spacing of rows along the lead, mm")
    column_spacing_mm: float = Field(0.0, ge=0, le=20, description="Centre-to-centre spacing of columns, mm")

    @model_validator(mode="after")
    def _geometry(self):
        if self.lead_type == "percutaneous" and self.contact_diameter_mm is None:
            raise ValueError("a percutaneous lead needs contact_diameter_mm")
        if self.lead_type == "paddle" and self.contact_width_mm is None:
            raise ValueError("a paddle lead needs contact_width_mm")
        if self.contacts % self.columns:
            raise ValueError(f"{self.contacts} contacts do not fill {self.columns} columns evenly")
        if self.spacing_mm < self.contact_length_mm:
            raise ValueError(f"spacing_mm ({self.spacing_mm}) is shorter than a contact ({self.contact_length_mm} mm): contacts overlap")
        return self

    @property
    def rows(self) -> int:
        return self.contacts // self.columns

    @property
    def contact_area_cm2(self) -> float:
        """Stimulating area of one contact, cm^2: cylinder pi*d*L, or flat w*L (mm^2 / 100)."""
        size_mm = self.contact_diameter_mm if self.lead_type == "percutaneous" else self.contact_width_mm
        if size_mm is None:  # the model's validator requires it; kept for the type checker
            raise ValueError(f"lead {self.id}: no contact {'diameter' if self.lead_type == 'percutaneous' else 'width'}")
        if self.lead_type == "percutaneous":
            return math.pi * float(size_mm) * self.contact_length_mm / 100.0
        return float(size_mm) * self.contact_length_mm / 100.0

    def contact_positions_mm(self) -> list[tuple[float, float]]:
        """(lateral offset from the lead's midline, distance below the top row) per contact, mm."""
        out = []
        mid = (self.columns - 1) / 2.0
        for i in range(self.contacts):
            row, col = divmod(i, self.columns)
            out.append(((col - mid) * self.column_spacing_mm, row * self.spacing_mm))
        return out


class LeadPlacement(StrictModel):
    """Where a lead lies: its profile, the vertebral level of its top contact, its side."""

    lead: str = Field(description="Lead profile id, e.g. 'lead/percutaneous-8'")
    top_level: str = Field(description="Vertebral level of the top contact, e.g. 'T8' (C1..S1)")
    side: Literal["left", "midline", "right"] = "midline"
    lateral_offset_mm: float = Field(0.0, ge=-30, le=30, description="Offset of the lead's midline from the cord midline, mm (+ right)")

    @model_validator(mode="after")
    def _level(self):
        if self.top_level.upper() not in VERTEBRAE:
            raise ValueError(f"unknown vertebral level {self.top_level!r}; allowed: {', '.join(VERTEBRAE)}")
        return self


def level_name(top_level: str, distance_mm: float, segment_mm: float = DEFAULT_SEGMENT_MM) -> str:
    """The vertebra a point `distance_mm` below the top of `top_level` lies on, e.g. 'T9'.

    The top contact sits at the upper part of its vertebra (we take a quarter segment down).
    """
    start = VERTEBRAE.index(top_level.upper())
    idx = start + int(math.floor(distance_mm / segment_mm + 0.25))
    return VERTEBRAE[min(max(idx, 0), len(VERTEBRAE) - 1)]


def contact_map(placements: list[LeadPlacement], leads: list[LeadProfile], segment_mm: float = DEFAULT_SEGMENT_MM) -> dict[str, dict]:
    """Label ('E1'..) -> {lead_index, lead, index_on_lead, area_cm2, level, side, x_mm, y_mm}.

    Contacts are numbered across the leads in placement order, as programmers do.
    """
    out: dict[str, dict] = {}
    n = 0
    for li, (place, prof) in enumerate(zip(placements, leads)):
        for ci, (x, y) in enumerate(prof.contact_positions_mm()):
            n += 1
            side_sign = {"left": -1.0, "midline": 0.0, "right": 1.0}[place.side]
            lateral = place.lateral_offset_mm if place.lateral_offset_mm else side_sign * 2.0
            out[f"E{n}"] = {
                "lead_index": li,
                "lead": prof.id,
                "index_on_lead": ci,
                "area_cm2": prof.contact_area_cm2,
                "level": level_name(place.top_level, y, segment_mm),
                "side": place.side,
                "x_mm": lateral + x,
                "y_mm": y,
            }
    return out
