"""Paresthesia of a program and its coverage of the pain map.

APPROXIMATION FOR TEACHING. Each cathode whose share of the amplitude reaches its own threshold
(ratio = I x share / PT_c >= 1) adds the regions of table A1 for its level and side, widened with
its ratio and the pulse width (`somatotopy.paresthesia_regions`). Coverage is the pain-weighted
overlap: sum of pain weights of the painful regions felt / sum of all pain weights, in [0, 1].
"""
from __future__ import annotations

from simulator.patient.profile import PatientProfile
from simulator.patient.somatotopy import paresthesia_regions
from simulator.patient.thresholds import ProgramThresholds


def felt_regions(profile: PatientProfile, thresholds: ProgramThresholds, amplitude_ma: float, pulse_width_us: float,
                 at_threshold: bool = False) -> set[str]:
    """Regions where the program's paresthesia is felt at `amplitude_ma` (none below threshold).

    With `at_threshold`, the regions it would cover at perception threshold (for sub-perception relief)."""
    out: set[str] = set()
    for c in thresholds.cathodes:
        ratio = 1.0 if at_threshold else amplitude_ma * c.share / c.threshold_ma
        out |= paresthesia_regions(c.level, c.side, ratio, pulse_width_us, profile.widen_ratio, profile.caudal_spread_pw_us)
    return out


def coverage(pain_map: dict[str, float], regions: set[str]) -> float:
    """Pain-weighted overlap of `regions` with the pain map, 0..1."""
    total = sum(pain_map.values())
    if total <= 0:
        return 0.0
    return min(1.0, sum(w for r, w in pain_map.items() if r in regions) / total)
