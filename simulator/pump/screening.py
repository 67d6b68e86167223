"""Intrathecal baclofen: the starting daily dose from a screening result, and titration steps.

Rules, in our own words, from the Lioresal Intrathecal (baclofen injection) labeling, sections on
screening and dose titration [L]:
- screening boluses of 50, 75 or 100 mcg (25 mcg may be used in very small patients); a patient
  who does not respond to 100 mcg is not a candidate for a pump;
- the starting total daily dose by pump is twice the screening dose that gave a positive response,
  given over 24 h; if the effect of that screening dose lasted more than 8 h, the starting daily
  dose equals the screening dose;
- after the first 24 h the daily dose is raised slowly, at most once every 24 h, by 10-30 % for
  spasticity of spinal origin and by 5-15 % for spasticity of cerebral origin.
Educational use only: not a dosing tool.
"""
from __future__ import annotations

from typing import Literal

from simulator.errors import InputError, Issue

SCREENING_DOSE_MIN_MCG = 25.0  # [L] smallest screening dose (very small patients)
SCREENING_DOSE_MAX_MCG = 100.0  # [L] largest screening dose: no response -> not a candidate
LONG_EFFECT_H = 8.0  # [L] an effect longer than this: start at once the screening dose per day
MAX_EFFECT_H = 72.0  # input bound (an effect of days is not a screening result)

# [L] titration step per 24 h, percent of the daily dose, by origin of the spasticity
TITRATION_PCT_PER_24H: dict[str, tuple[float, float]] = {"spinal": (10.0, 30.0), "cerebral": (5.0, 15.0)}


def baclofen_starting_dose_mcg_per_day(effective_screening_dose_mcg: float, effect_duration_h: float) -> float:
    """Starting daily pump dose, mcg/day, from the screening dose that worked and how long it lasted.

    Twice the screening dose, or the screening dose itself when its effect lasted more than 8 h.
    Example: 50 mcg lasting 6 h -> 100 mcg/day; 50 mcg lasting 10 h -> 50 mcg/day.
    InputError naming the argument, the value and the allowed range for a dose outside 25-100 mcg
    or an effect duration outside (0, 72] h.
    """
    issues = []
    if not (SCREENING_DOSE_MIN_MCG <= effective_screening_dose_mcg <= SCREENING_DOSE_MAX_MCG):
        issues.append(Issue("effective_screening_dose_mcg", f"allowed {SCREENING_DOSE_MIN_MCG:g} to {SCREENING_DOSE_MAX_MCG:g} mcg (labelled screening doses)", effective_screening_dose_mcg))
    if not (0.0 < effect_duration_h <= MAX_EFFECT_H):
        issues.append(Issue("effect_duration_h", f"allowed above 0 up to {MAX_EFFECT_H:g} h", effect_duration_h))
    if issues:
        raise InputError(issues)
    factor = 1.0 if effect_duration_h > LONG_EFFECT_H else 2.0
    return factor * effective_screening_dose_mcg


def baclofen_titration_step_mcg_per_day(daily_dose_mcg: float, origin: Literal["spinal", "cerebral"]) -> tuple[float, float]:
    """(smallest, largest) labelled increase of the daily dose over the next 24 h, mcg/day.

    Example: 200 mcg/day of spinal origin -> (20, 60); of cerebral origin -> (10, 30)."""
    if origin not in TITRATION_PCT_PER_24H:
        raise InputError(Issue("origin", f"allowed {', '.join(TITRATION_PCT_PER_24H)}", origin))
    if not (0.0 < daily_dose_mcg <= 1e5):
        raise InputError(Issue("daily_dose_mcg", "allowed above 0 up to 100000 mcg/day", daily_dose_mcg))
    lo, hi = TITRATION_PCT_PER_24H[origin]
    return daily_dose_mcg * lo / 100.0, daily_dose_mcg * hi / 100.0
