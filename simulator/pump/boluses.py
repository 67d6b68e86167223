"""Running boluses and the patient-bolus policy.

A bolus is either *additive* (single, periodic and patient boluses run on top of the basal
schedule, which keeps following the clock) or an *override* (bridge and priming boluses replace
the basal with their own rate for their duration). Rates are programmed rates in mL/s.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from simulator.units import SECONDS_PER_DAY

ADDITIVE_KINDS = ("single", "periodic", "patient")
OVERRIDE_KINDS = ("bridge", "priming")


@dataclass
class Bolus:
    kind: str
    start_t_s: float
    end_t_s: float
    rate_ml_per_s: float
    volume_ml: float
    dose: float  # programmed amount in the drug's unit (0 for priming)
    #: a bridge bolus started with old content in the dead volume: it ends when the reservoir's drug
    #: reaches the tip, even before `end_t_s` (other flow beside it pushes part of the dead volume)
    ends_at_tip: bool = field(default=False, compare=False)
    #: True for an override bolus (bridge, priming): set from `kind` when the bolus is made (a
    #: Bolus is never changed in place: `dataclasses.replace` makes a new one, and sets it again)
    override: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.override = self.kind in OVERRIDE_KINDS

    def as_event(self) -> dict:
        return {
            "bolus": self.kind,
            "dose": self.dose,
            "volume_ml": self.volume_ml,
            "duration_s": self.end_t_s - self.start_t_s,
            "rate_ml_per_day": self.rate_ml_per_s * SECONDS_PER_DAY,
            "end_t_s": self.end_t_s,
        }


@dataclass(frozen=True)
class PatientBolusRule:
    """Patient bolus settings in the drug's unit and seconds."""

    dose: float
    duration_s: float
    lockout_s: float
    max_per_day: int


class PatientBolusPolicy:
    """Counts accepted presses and says why a press must be refused.

    Lockout runs from the start of the last accepted bolus. The daily maximum applies to any
    rolling 24 h window (so no 24 h ever holds more than `max_per_day` boluses).
    """

    WINDOW_S = SECONDS_PER_DAY

    def __init__(self, rule: PatientBolusRule | None):
        self.rule = rule
        self.accepted: deque[float] = deque()
        self.accepted_total = 0
        self.refused_total = 0
        self.last_start_t_s: float | None = None

    def set_rule(self, rule: PatientBolusRule | None) -> None:
        self.rule = rule

    def _trim(self, t_s: float) -> None:
        while self.accepted and self.accepted[0] <= t_s - self.WINDOW_S:
            self.accepted.popleft()

    def lockout_end_t_s(self) -> float | None:
        if self.rule is None or self.last_start_t_s is None:
            return None
        return self.last_start_t_s + self.rule.lockout_s

    def refusal(self, t_s: float) -> tuple[str, str, float, float] | None:
        """(message, limit, value, allowed) when a press at t_s must be refused, else None."""
        if self.rule is None:
            return ("patient boluses are not enabled", "patient_bolus", 0, 0)
        end = self.lockout_end_t_s()
        if end is not None and self.last_start_t_s is not None and t_s < end - 1e-6:
            waited = t_s - self.last_start_t_s
            return (f"inside the lockout: {waited / 60:.1f} min since the last bolus, lockout {self.rule.lockout_s / 60:g} min", "lockout_min", waited / 60, self.rule.lockout_s / 60)
        self._trim(t_s)
        if len(self.accepted) >= self.rule.max_per_day:
            return (f"daily maximum reached: {len(self.accepted)} boluses in the last 24 h, maximum {self.rule.max_per_day}", "max_per_day", len(self.accepted), self.rule.max_per_day)
        return None

    def accept(self, t_s: float) -> None:
        self._trim(t_s)
        self.accepted.append(t_s)
        self.accepted_total += 1
        self.last_start_t_s = t_s

    def count_last_24h(self, t_s: float) -> int:
        self._trim(t_s)
        return len(self.accepted)
