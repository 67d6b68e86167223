"""Battery charge, ERI and EOS in closed form.

Charge (% of capacity) falls linearly between state changes: a fixed housekeeping drain per day
plus an energy cost per mL the motor moves (so bolus-heavy therapy shortens service life).
ERI comes at the first of: charge down to `eri_pct`, or elapsed service life reaching
`max_service_years` minus `eri_before_max_service_days`. EOS (the pump stops) comes at the first
of: charge down to `eos_pct`, `eos_after_eri_days` after ERI, or `max_service_years`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.pump.profile import BatterySpec
from simulator.units import SECONDS_PER_DAY, SECONDS_PER_YEAR


@dataclass(frozen=True, slots=True)
class BatteryLimits:
    """The constants of a battery spec that the moments ask for at every listing, computed once
    with the same float operations the closed forms use (so the same floats).

    `eri_life_s` / `eos_life_s`: elapsed service life (s) at which ERI / EOS come by age;
    `idle_pct_per_s`: the idle drain (% per s); `pumping_pct_per_ml`: the motor's drain (% per mL);
    `eri_pct`, `eos_pct`: the charge thresholds (%); `eos_after_eri_s`: EOS at most this long after ERI (s)."""

    eri_life_s: float
    eos_life_s: float
    idle_pct_per_s: float
    pumping_pct_per_ml: float
    eri_pct: float
    eos_pct: float
    eos_after_eri_s: float

    @classmethod
    def of(cls, spec: BatterySpec) -> BatteryLimits:
        return cls(spec.max_service_years * SECONDS_PER_YEAR - spec.eri_before_max_service_days * SECONDS_PER_DAY,
                   spec.max_service_years * SECONDS_PER_YEAR, spec.idle_drain_pct_per_day / SECONDS_PER_DAY,
                   spec.pumping_drain_pct_per_ml, spec.eri_pct, spec.eos_pct, spec.eos_after_eri_days * SECONDS_PER_DAY)


class Battery:
    __slots__ = ("spec", "limits", "pct", "elapsed_s", "eri_t_s", "eos_t_s")

    def __init__(self, spec: BatterySpec, pct: float, elapsed_s: float):
        self.spec = spec
        self.limits = BatteryLimits.of(spec)  # (the spec never changes)
        self.pct = pct
        self.elapsed_s = elapsed_s  # service life elapsed at the last rebase
        self.eri_t_s: float | None = None
        self.eos_t_s: float | None = None

    @staticmethod
    def most_pct(spec: BatterySpec, service_elapsed_days: float) -> float:
        """The most charge (%) a battery can hold after `service_elapsed_days` in service: full
        less the idle drain (it is never recharged). Also the default charge at t = 0."""
        return max(0.0, 100.0 - spec.idle_drain_pct_per_day * service_elapsed_days)

    @classmethod
    def snapshot(cls, battery: Battery) -> Battery:
        """A copy of the state now (charge, service life, ERI/EOS times)."""
        snap = cls.__new__(cls)
        snap.spec, snap.limits, snap.pct, snap.elapsed_s, snap.eri_t_s, snap.eos_t_s = (battery.spec, battery.limits, battery.pct, battery.elapsed_s,
                                                                                        battery.eri_t_s, battery.eos_t_s)
        return snap

    def drain_pct_per_s(self, motor_ml_per_s: float) -> float:
        return self.spec.idle_drain_pct_per_day / SECONDS_PER_DAY + self.spec.pumping_drain_pct_per_ml * motor_ml_per_s

    def advance(self, dt_s: float, motor_ml_per_s: float) -> None:
        if self.eos_t_s is not None:
            self.elapsed_s += dt_s
            return
        spec = self.spec  # (drain_pct_per_s, written out: this runs at every rebase)
        self.pct = max(0.0, self.pct - (spec.idle_drain_pct_per_day / SECONDS_PER_DAY + spec.pumping_drain_pct_per_ml * motor_ml_per_s) * dt_s)
        self.elapsed_s += dt_s

    def pct_after(self, dt_s: float, motor_ml_per_s: float) -> float:
        if self.eos_t_s is not None:
            return self.pct
        spec = self.spec  # (drain_pct_per_s, written out: this runs at every recorded instant)
        return max(0.0, self.pct - (spec.idle_drain_pct_per_day / SECONDS_PER_DAY + spec.pumping_drain_pct_per_ml * motor_ml_per_s) * dt_s)

    def _time_to_pct(self, target_pct: float, motor_ml_per_s: float, drain_time_s=None) -> float:
        if self.pct <= target_pct:
            return 0.0
        if drain_time_s is not None:  # a varying motor rate: the caller integrates it (percent -> s)
            return drain_time_s(self.pct - target_pct)
        rate = self.drain_pct_per_s(motor_ml_per_s)
        return (self.pct - target_pct) / rate if rate > 0 else math.inf

    def time_to_eri_s(self, motor_ml_per_s: float, drain_time_s=None) -> float:
        """Seconds from the last rebase to ERI (inf if already reached). `drain_time_s(pct)`, when
        given, returns the seconds to use `pct` percent of charge (a motor rate that varies)."""
        if self.eri_t_s is not None:
            return math.inf
        by_life = self.spec.max_service_years * SECONDS_PER_YEAR - self.spec.eri_before_max_service_days * SECONDS_PER_DAY - self.elapsed_s
        return max(0.0, min(self._time_to_pct(self.spec.eri_pct, motor_ml_per_s, drain_time_s), by_life))

    def time_to_eos_s(self, motor_ml_per_s: float, now_s: float, drain_time_s=None) -> float:
        if self.eos_t_s is not None:
            return math.inf
        by_life = self.spec.max_service_years * SECONDS_PER_YEAR - self.elapsed_s
        after_eri = math.inf if self.eri_t_s is None else self.eri_t_s + self.spec.eos_after_eri_days * SECONDS_PER_DAY - now_s
        return max(0.0, min(self._time_to_pct(self.spec.eos_pct, motor_ml_per_s, drain_time_s), by_life, after_eri))

    def reach_eri(self, t_s: float) -> None:
        """ERI reached at t_s (simulation s)."""
        self.eri_t_s = t_s

    def reach_eos(self, t_s: float) -> None:
        """EOS reached at t_s (simulation s): the charge stops falling."""
        self.eos_t_s = t_s

    def eri_reason(self) -> str:
        return "charge" if self.pct <= self.spec.eri_pct + 1e-9 else "service life"
