"""The pump's series breakpoints at flex step boundaries, generated on demand.

Between two wake-ups the pump follows its daily flex schedule in closed form; its series still
get a breakpoint at every step boundary (the rate steps, the reservoir bends). Those points are a
pure function of the state at the last rebase, so they are captured here as that state and made
(with numpy, all series of one interval at once) only when a series is read: see
`recorder.Series.add_generated`. The values are those an eager computation gives, to the bit.
"""
from __future__ import annotations

import numpy as np

from simulator.pump import dosing
from simulator.units import SECONDS_PER_DAY


class StepBreakpoints:
    """Breakpoints of the pump's series at the step boundaries strictly inside (t_a, t_b)."""

    __slots__ = ("program", "t_a", "t_b", "per_dose", "per_s", "factor", "flowing", "volume_ml", "v_calc", "delivered_ml",
                 "cum_drug", "conc", "unit", "battery_pct", "battery_spec", "_cache")

    def __init__(self, program, t_a: float, t_b: float, parts: tuple[float, float], factor: float, flowing: bool, volume_ml: float,
                 v_calc: float, delivered_ml: float, cum_drug: float | None, conc: float, unit: str, battery_pct: float | None, battery_spec):
        self.program, self.t_a, self.t_b = program, t_a, t_b
        self.per_dose, self.per_s = parts
        self.factor, self.flowing = factor, flowing
        self.volume_ml, self.v_calc, self.delivered_ml = volume_ml, v_calc, delivered_ml
        self.cum_drug, self.conc, self.unit = cum_drug, conc, unit
        self.battery_pct, self.battery_spec = battery_pct, battery_spec
        self._cache: dict | None = None

    def signals(self) -> list[str]:
        """The signals this interval has breakpoints for (with the eager rules' conditions)."""
        out = ["reservoir_ml", "expected_reservoir_ml", "delivered_volume_ml", "rate_ml_per_day"]
        if self.cum_drug is not None:
            out += [f"cumulative_drug_{self.unit}", f"drug_rate_{self.unit}_per_day"]
        if self.battery_pct is not None:
            out.append("battery_pct")
        return out

    def _base(self) -> dict:
        """The arrays every signal needs (times, programmed and true volumes), made once."""
        if self._cache is not None:
            return self._cache
        program, t_a = self.program, self.t_a
        times = program.boundaries_between(t_a, self.t_b)
        per_dose, per_s = self.per_dose, self.per_s
        calc = per_dose * (program.cumulative_basal_dose(times) - program.cumulative_basal_dose(t_a)) + per_s * (times - t_a)
        true = np.minimum(calc * self.factor if self.flowing else 0.0 * calc, self.volume_ml)
        self._cache = {"times": times, "calc": calc, "true": true}
        return self._cache

    def _rate_ml_per_day(self, base: dict):
        if "rate" not in base:
            program = self.program
            tod = np.mod(base["times"] + program.clock_offset_s, SECONDS_PER_DAY)
            doses = np.asarray(program.doses)[np.searchsorted(program.starts, tod + 1e-6, side="right") - 1]
            base["rate"] = (self.per_dose * doses + dosing.ml_per_s_to_ml_per_day(self.per_s)) * (self.factor if self.flowing else 0.0)
        return base["rate"]

    def _values(self, signal: str, base: dict):
        true, calc = base["true"], base["calc"]
        if signal == "reservoir_ml":
            return self.volume_ml - true
        if signal == "expected_reservoir_ml":
            return np.maximum(0.0, self.v_calc - calc)
        if signal == "delivered_volume_ml":
            return self.delivered_ml + true
        if signal == "rate_ml_per_day":
            return self._rate_ml_per_day(base)
        if signal == f"cumulative_drug_{self.unit}":
            return self.cum_drug + true * self.conc
        if signal == f"drug_rate_{self.unit}_per_day":
            return self._rate_ml_per_day(base) * self.conc
        if signal == "battery_pct":
            spec = self.battery_spec
            pct = self.battery_pct - spec.idle_drain_pct_per_day / SECONDS_PER_DAY * (base["times"] - self.t_a) - spec.pumping_drain_pct_per_ml * calc
            return np.maximum(0.0, pct)
        raise KeyError(signal)

    def points(self, signal: str) -> tuple[np.ndarray, np.ndarray]:
        """Breakpoints (times, values) of `signal` as float64 arrays: only the arrays it needs are made."""
        base = self._base()
        times = base["times"]
        if not len(times):
            return times, times
        return times, np.asarray(self._values(signal, base), dtype=float)
