"""The pain diary and the trial verdict.

APPROXIMATION FOR TEACHING. A diary entry is the patient's pain score of the day: the model's NRS
plus day-to-day noise (normal, `diary_noise_sd_nrs` [?]), clipped to 0-10 and rounded to 0.1.
A trial passes with >= 50 % relief [L: NMF]: relief = 1 - mean(diary NRS) / baseline NRS
(e.g. baseline 8, diary mean 3.5 -> 1 - 3.5 / 8 = 56.25 % -> pass).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PASS_RELIEF = 0.5  # [L: NMF] responder / trial pass: >= 50 % less pain


def diary_entry(rng: np.random.Generator, nrs_value: float, noise_sd_nrs: float) -> float:
    """One day's NRS as the patient writes it: noisy, 0-10, one decimal."""
    noise = float(rng.normal(0.0, noise_sd_nrs)) if noise_sd_nrs > 0 else 0.0
    return round(min(10.0, max(0.0, nrs_value + noise)), 1)


@dataclass(frozen=True)
class TrialVerdict:
    baseline_nrs: float
    diary_mean_nrs: float | None
    days: int
    relief_pct: float
    passed: bool

    def as_dict(self) -> dict:
        return {"baseline_nrs": self.baseline_nrs, "diary_mean_nrs": self.diary_mean_nrs, "days": self.days,
                "relief_pct": self.relief_pct, "passed": self.passed, "rule": ">= 50 % relief of the mean diary NRS against baseline"}


def trial_verdict(baseline_nrs: float, diary_nrs: list[float]) -> TrialVerdict:
    """Pass / fail of a trial from its diary by the >= 50 % rule (no entries: fail)."""
    if not diary_nrs or baseline_nrs <= 0:
        return TrialVerdict(baseline_nrs, float(np.mean(diary_nrs)) if diary_nrs else None, len(diary_nrs), 0.0, False)
    mean = float(np.mean(diary_nrs))
    relief = 1.0 - mean / baseline_nrs
    return TrialVerdict(baseline_nrs, mean, len(diary_nrs), 100.0 * relief, relief >= PASS_RELIEF - 1e-12)


def is_responder(relief: float) -> bool:
    """Responder: >= 50 % less pain [L: NMF]."""
    return relief >= PASS_RELIEF - 1e-12
