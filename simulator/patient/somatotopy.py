"""Where tonic paresthesia is felt for an active cathode: table A1 of domain/patient.md.

APPROXIMATION FOR TEACHING. Body regions are named `left_<part>` / `right_<part>` for the paired
parts and `<part>` for the midline ones (`low_back`, `occiput`, `neck`, `perineum`). A row of the
table gives, for a cathode level, the parts felt with a midline cathode (both sides), with a
lateral cathode (that side only: "one-sided segmental paresthesia" [L: Holsheimer 1997
Neurosurgery 41:654]) and the parts reached only well above threshold ("at times", "harder").

Widening (rules of the model, figures are patient-profile settings):
- amplitude: at I / PT >= `widen_ratio` the row's extra parts and the parts of the next caudal
  level's row (same side) are added;
- pulse width: at PW >= `caudal_spread_pw_us` the next caudal level's row is added ("longer PW
  spreads caudally" [L: Holsheimer 2011]).
"""
from __future__ import annotations

from dataclasses import dataclass

from simulator.scs.leads import VERTEBRAE

PAIRED_PARTS: tuple[str, ...] = (
    "jaw", "shoulder", "upper_arm", "forearm", "hand", "chest", "axilla", "abdomen",
    "buttock", "thigh_front", "thigh_back", "knee", "leg", "ankle", "foot",
)
MIDLINE_PARTS: tuple[str, ...] = ("occiput", "neck", "low_back", "perineum")
REGIONS: tuple[str, ...] = tuple(f"{s}_{p}" for p in PAIRED_PARTS for s in ("left", "right")) + MIDLINE_PARTS


@dataclass(frozen=True)
class Row:
    """One row of table A1: levels it applies to, parts (midline / lateral cathode), extra parts, source."""

    levels: tuple[str, ...]
    midline: tuple[str, ...]
    lateral: tuple[str, ...]
    extra: tuple[str, ...]
    source: str


def _levels(first: str, last: str) -> tuple[str, ...]:
    return VERTEBRAE[VERTEBRAE.index(first): VERTEBRAE.index(last) + 1]


TABLE: tuple[Row, ...] = (
    Row(_levels("C1", "C1"), ("occiput",), ("occiput",), ("neck",), "[?] default: above the table's first row, taken like C2"),
    Row(_levels("C2", "C3"), ("occiput",), ("occiput",), ("jaw", "shoulder"), "[L: Falowski] C2-C4: occiput, at times jaw / shoulder; lateral [?] the same, one side"),
    Row(_levels("C4", "C4"), ("hand", "forearm", "upper_arm"), ("shoulder", "upper_arm", "forearm", "hand"), ("shoulder",),
        "[L: SFN 61:146] C4 midline hand, forearm, upper arm; lateral front of shoulder, arm, hand"),
    Row(_levels("C5", "C6"), ("hand",), ("hand",), ("forearm",), "[L: Falowski] C5-C6 whole hand; lateral and extra [?]"),
    Row(_levels("C7", "C7"), ("chest", "axilla"), ("chest", "axilla"), ("hand",), "[L: Falowski] C7 front of chest, axilla; lateral and extra [?]"),
    Row(_levels("T1", "T6"), ("chest", "abdomen"), ("chest", "abdomen"), (), "[?] default: segmental trunk wall, not in table A1"),
    Row(_levels("T7", "T9"), ("low_back", "thigh_front", "thigh_back", "knee", "leg"), ("low_back", "thigh_front", "thigh_back", "knee", "leg"),
        ("ankle", "foot"), "[?] T7-T9 low back + legs (table A1 [?]); foot hard [L: Barolat 1993]"),
    Row(_levels("T10", "T10"), ("thigh_front", "thigh_back", "leg", "knee", "ankle", "foot"), ("abdomen", "thigh_front", "leg", "knee"), (),
        "[L: SFN 61:146] T10 midline thigh, leg, knee, ankle, foot; lateral abdomen, front thigh/leg, knee"),
    Row(_levels("T11", "T12"), ("thigh_back",), ("thigh_front",), ("foot",), "[L: Falowski] T11-L1 back of thigh, foot harder; T11-T12 lateral front of thigh"),
    Row(_levels("L1", "L1"), ("thigh_back",), ("thigh_front",), ("foot",), "[L: Falowski] T11-L1 back of thigh, foot harder; L1 lateral [?] like T12"),
    Row(_levels("L2", "S1"), ("ankle", "foot"), ("ankle", "foot"), ("perineum",), "[?] default: below the conus, roots of the lower leg"),
)
_BY_LEVEL: dict[str, Row] = {lvl: row for row in TABLE for lvl in row.levels}


def row_for(level: str) -> Row:
    return _BY_LEVEL[level.upper()]


def _expand(parts: tuple[str, ...], sides: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for p in parts:
        if p in MIDLINE_PARTS:
            out.add(p)
        else:
            out.update(f"{s}_{p}" for s in sides)
    return out


def core_regions(level: str, side: str) -> set[str]:
    """Regions of the table row for a cathode at `level` on `side` ('midline', 'left', 'right')."""
    row = row_for(level)
    if side == "midline":
        return _expand(row.midline, ("left", "right"))
    return _expand(row.lateral, (side,))


def _next_caudal(level: str) -> str | None:
    i = VERTEBRAE.index(level.upper())
    return VERTEBRAE[i + 1] if i + 1 < len(VERTEBRAE) else None


def paresthesia_regions(level: str, side: str, ratio: float, pulse_width_us: float, widen_ratio: float, caudal_spread_pw_us: float) -> set[str]:
    """Regions where a cathode's paresthesia is felt; empty below threshold (ratio = I / PT < 1)."""
    if ratio < 1.0:
        return set()
    regions = core_regions(level, side)
    caudal = _next_caudal(level)
    if ratio >= widen_ratio:
        sides = ("left", "right") if side == "midline" else (side,)
        regions |= _expand(row_for(level).extra, sides)
        if caudal:
            regions |= core_regions(caudal, side)
    if pulse_width_us >= caudal_spread_pw_us and caudal:
        regions |= core_regions(caudal, side)
    return regions
