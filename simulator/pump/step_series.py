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

    def _arrays(self) -> dict:
        if self._cache is not None:
            return self._cache
        program, t_a = self.program, self.t_a
        times = program.boundaries_between(t_a, self.t_b)
        per_dose, per_s, factor, flowing = self.per_dose, self.per_s, self.factor, self.flowing
        calc = per_dose * (program.cumulative_basal_dose(times) - program.cumulative_basal_dose(t_a)) + per_s * (times - t_a)
        true = np.minimum(calc * factor if flowing else 0.0 * calc, self.volume_ml)
        tod = np.mod(times + program.clock_offset_s, SECONDS_PER_DAY)
        doses = np.asarray(program.doses)[np.searchsorted(program.starts, tod + 1e-6, side="right") - 1]
        rate_ml_per_day = (per_dose * doses + dosing.ml_per_s_to_ml_per_day(per_s)) * (factor if flowing else 0.0)
        values = {
            "reservoir_ml": self.volume_ml - true,
            "expected_reservoir_ml": np.maximum(0.0, self.v_calc - calc),
            "delivered_volume_ml": self.delivered_ml + true,
            "rate_ml_per_day": rate_ml_per_day,
        }
        if self.cum_drug is not None:
            values[f"cumulative_drug_{self.unit}"] = self.cum_drug + true * self.conc
            values[f"drug_rate_{self.unit}_per_day"] = rate_ml_per_day * self.conc
        if self.battery_pct is not None:
            spec = self.battery_spec
            pct = self.battery_pct - spec.idle_drain_pct_per_day / SECONDS_PER_DAY * (times - t_a) - spec.pumping_drain_pct_per_ml * calc
            values["battery_pct"] = np.maximum(0.0, pct)
        self._cache = {"times": times.tolist(), "values": values}
        return self._cache

    def points(self, signal: str) -> tuple[list[float], list[float]]:
        arrays = self._arrays()
        times = arrays["times"]
        if not times:
            return [], []
        return list(times), np.asarray(arrays["values"][signal], dtype=float).tolist()
