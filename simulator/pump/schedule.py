"""Dosing programs in closed form: stopped, continuous, flex (daily steps), periodic bolus.

A Program holds doses in the drug's unit; the device turns them into rates with the programmed
concentration (dosing.py). Times are simulation seconds; `clock_offset_s` is the time of day
(seconds after midnight) at t = 0, so flex steps follow the calendar.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from simulator.pump import dosing
from simulator.pump.settings import ContinuousMode, FlexMode, PeriodicMode, StoppedMode
from simulator.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

#: times closer than this (s) are the same instant (float noise of the event clock)
TIME_TOL_S = 1e-6


def time_of_day_s(t_s: float, clock_offset_s: float) -> float:
    """Seconds after midnight at simulation time t_s (rounded to 1 us so boundaries are exact)."""
    return round(t_s + clock_offset_s, 6) % SECONDS_PER_DAY


@dataclass(frozen=True)
class PeriodicPlan:
    """A bolus of `dose` (drug unit) every `interval_s`, starting at `anchor_t_s`."""

    anchor_t_s: float
    interval_s: float
    dose: float
    duration_s: float | None  # None: at the pump's bolus rate

    def next_start_at_or_after(self, t_s: float) -> float:
        if t_s <= self.anchor_t_s + TIME_TOL_S:
            return self.anchor_t_s
        k = math.ceil((t_s - self.anchor_t_s - TIME_TOL_S) / self.interval_s)
        return self.anchor_t_s + k * self.interval_s


class Program:
    """The basal dose schedule of one dosing mode. Doses in the drug's unit per day."""

    def __init__(self, mode_name: str, steps: list[tuple[float, float]], clock_offset_s: float, periodic: PeriodicPlan | None = None):
        self.mode_name = mode_name
        self.starts = [s for s, _ in steps]
        self.doses = [d for _, d in steps]
        self.clock_offset_s = clock_offset_s
        self.periodic = periodic

    # ----- building -----
    @classmethod
    def from_mode(cls, mode, unit: str, drug_name: str, clock_offset_s: float, now_s: float) -> "Program":
        """Build from a settings Mode; raises dosing.UnitMismatch for a dose in the wrong unit."""
        if mode is None or isinstance(mode, StoppedMode):
            return cls("stopped", [(0.0, 0.0)], clock_offset_s)
        if isinstance(mode, ContinuousMode):
            return cls("continuous", [(0.0, dosing.pick(mode, "dose_{u}_per_day", unit, drug_name))], clock_offset_s)
        if isinstance(mode, FlexMode):
            steps = sorted((s.start_s, dosing.pick(s, "dose_{u}_per_day", unit, drug_name)) for s in mode.steps)
            return cls("flex", steps, clock_offset_s)
        if isinstance(mode, PeriodicMode):
            basal = dosing.pick(mode, "dose_{u}_per_day", unit, drug_name)
            dose = dosing.pick(mode, "bolus_dose_{u}", unit, drug_name)
            duration = None if mode.bolus_duration_min is None else mode.bolus_duration_min * 60.0
            plan = PeriodicPlan(now_s + mode.first_bolus_after_min * 60.0, mode.interval_h * SECONDS_PER_HOUR, dose, duration)
            return cls("periodic", [(0.0, basal)], clock_offset_s, plan)
        raise TypeError(f"unknown mode {mode!r}")

    @classmethod
    def fixed(cls, dose_per_day: float, clock_offset_s: float) -> "Program":
        return cls("fixed", [(0.0, dose_per_day)], clock_offset_s)

    # ----- closed form -----
    def basal_dose_per_day_at(self, t_s: float) -> float:
        """Programmed basal dose rate (drug unit/day) in force at t_s."""
        if len(self.starts) == 1:
            return self.doses[0]
        idx = bisect.bisect_right(self.starts, time_of_day_s(t_s, self.clock_offset_s)) - 1
        return self.doses[idx]  # idx -1 wraps to the last step of the previous day

    def next_change_after(self, t_s: float) -> float:
        """Next step boundary strictly after t_s (inf for a single-step schedule)."""
        if len(self.starts) == 1:
            return math.inf
        sod = time_of_day_s(t_s, self.clock_offset_s)
        idx = bisect.bisect_right(self.starts, sod)
        nxt = self.starts[idx] if idx < len(self.starts) else self.starts[0] + SECONDS_PER_DAY
        return t_s + (nxt - sod)

    @property
    def cycle_s(self) -> float:
        """Period after which the program repeats itself."""
        if self.periodic is not None:
            return self.periodic.interval_s
        return SECONDS_PER_DAY

    def basal_daily_dose(self) -> float:
        """Basal drug per day (drug unit): time-weighted over the daily schedule."""
        if len(self.starts) == 1:
            return self.doses[0]
        total = 0.0
        for i, start in enumerate(self.starts):
            end = self.starts[i + 1] if i + 1 < len(self.starts) else self.starts[0] + SECONDS_PER_DAY
            total += self.doses[i] * (end - start) / SECONDS_PER_DAY
        return total

    def daily_dose(self) -> float:
        """Programmed drug per day including periodic boluses (drug unit/day)."""
        extra = 0.0
        if self.periodic is not None:
            extra = self.periodic.dose * SECONDS_PER_DAY / self.periodic.interval_s
        return self.basal_daily_dose() + extra

    def step_doses(self) -> list[float]:
        return list(self.doses)
