"""Random patient presses: a Poisson process that runs only in the patient's waking hours.

Presses per day average `rate_per_day`, all inside the daily waking window, so while awake the
press rate is rate_per_day / window length. The next press is found by drawing an exponential
waking time (mean: window length / rate_per_day) from the device's generator and walking it
forward through the windows: one draw and one wake-up per press, never a clock tick.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.device import Finding, Wakeup
from simulator.event_kinds import K
from simulator.pump.settings import PatientPressSettings, SetPatientPressesParams
from simulator.pump.schedule import time_of_day_s
from simulator.units import SECONDS_PER_DAY

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice


class PressSchedule:
    def __init__(self, settings: PatientPressSettings, clock_offset_s: float, rng: np.random.Generator):
        self.settings = settings
        self.clock_offset_s = clock_offset_s
        self.rng = rng
        start, end = settings.window_s
        self.start_s = start
        self.length_s = (end - start) % SECONDS_PER_DAY  # a window past midnight wraps
        self.mean_waking_gap_s = self.length_s / settings.rate_per_day

    def _awake_left_today(self, t_s: float) -> tuple[float, float]:
        """(seconds until the next window opens, or 0 if awake now; waking seconds left in that window)."""
        into = (time_of_day_s(t_s, self.clock_offset_s) - self.start_s) % SECONDS_PER_DAY
        if into < self.length_s:
            return 0.0, self.length_s - into
        return SECONDS_PER_DAY - into, self.length_s

    def advance_waking(self, t_s: float, waking_s: float) -> float:
        """The time at which `waking_s` seconds of waking time have passed after t_s."""
        t = t_s
        for _ in range(100_000):
            wait, left = self._awake_left_today(t)
            t += wait
            if waking_s < left:
                return t + waking_s
            waking_s -= left
            t += left
            full_days = math.floor(waking_s / self.length_s)
            if full_days > 0:
                waking_s -= full_days * self.length_s
                t += full_days * SECONDS_PER_DAY
        raise RuntimeError("patient presses: waking time did not converge (internal error)")

    def next_after(self, t_s: float) -> float:
        """Draw the next press strictly after t_s."""
        gap = float(self.rng.exponential(self.mean_waking_gap_s))
        return self.advance_waking(t_s, gap)

    def in_window(self, t_s: float) -> bool:
        return self._awake_left_today(t_s)[0] == 0.0


class PatientPresses:
    """Random patient presses of PumpDevice: one wake-up per press, each dispatched exactly as a
    scripted `patient_bolus` action (so the lockout and daily maximum refuse and log it).
    `random_presses`: presses drawn so far. Owns the `set_patient_presses` action."""

    def __init__(self, dev: PumpDevice):
        self.dev = dev
        self._wake: Wakeup | None = None
        self.random_presses = 0
        self.schedule: PressSchedule | None = None

    def set(self, settings: PatientPressSettings | None) -> None:
        """Start (or stop, with None) the random presses from now."""
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        self.schedule = PressSchedule(settings, self.dev.therapy.clock_offset_s, self.dev.rng) if settings is not None else None
        self._schedule_next()

    def _schedule_next(self) -> None:
        if self.schedule is None:
            return
        dev = self.dev
        t = self.schedule.next_after(dev.now)
        if t <= dev.sim.duration_s:
            self._wake = dev.wake_at(t, self._on_press)

    def _on_press(self) -> None:
        self._wake = None
        self.random_presses += 1
        self.dev.sim._dispatch(self.dev.id, "patient_bolus", {"random": True})
        self._schedule_next()

    def check_set(self, params: SetPatientPressesParams) -> list[Finding]:
        p = self.dev.profile
        if not p.programmable:
            return [Finding("refuse", f"{p.name} has no patient boluses", "programmable", True, False)]
        return []

    def apply_set(self, params: SetPatientPressesParams) -> dict[str, Any]:
        self.set(params.patient_presses)
        enabled = params.patient_presses is not None
        self.dev.emit(K.PATIENT_PRESSES_SETTINGS, enabled=enabled, rate_per_day=params.patient_presses.rate_per_day if params.patient_presses is not None else 0.0)
        return {"enabled": enabled}
