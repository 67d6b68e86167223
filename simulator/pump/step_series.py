"""The pump's series breakpoints at flex step boundaries, generated on demand.

Between two wake-ups the pump follows its daily flex schedule in closed form; its series still
get a breakpoint at every step boundary (the rate steps, the reservoir bends). Those points are a
pure function of the state at the last rebase, so they are captured here as that state (a compact
descriptor: the program and eleven numbers) and made only when a series is read: see
`recorder.Series.add_generated`. A series reads all its pending descriptors at once
(`StepBreakpoints.points_of_many`: one numpy pass per program over every interval), and nothing
is cached: a descriptor holds no arrays before or after a read. The values are those an eager
computation gives, to the bit (the same float operations, element by element).
"""
from __future__ import annotations

import math
import struct

import numpy as np

from simulator.pump import dosing
from simulator.pump.schedule import TIME_TOL_S
from simulator.units import SECONDS_PER_DAY

#: StepBreakpoints.numbers: eleven doubles in one bytes object (one allocation, no float objects)
_NUMBERS = struct.Struct("=11d")
# positions in StepBreakpoints.numbers
_T_A, _T_B, _PER_DOSE, _PER_S, _FACTOR, _VOLUME, _V_CALC, _DELIVERED, _CUM_DRUG, _CONC, _BATTERY = range(11)


class StepBreakpoints:
    """Breakpoints of the pump's series at the step boundaries strictly inside (t_a, t_b).

    `numbers` holds, as packed doubles: t_a and t_b (s), the programmed volume per drug unit and per
    second (mL), the flow factor, the reservoir volume, the calculated (programmed) reservoir
    volume and the delivered volume at t_a (mL), the cumulative drug (drug unit, NaN when not
    recorded), the concentration (drug unit/mL) and the battery level (%, NaN when not recorded).
    """

    __slots__ = ("program", "numbers", "flowing", "unit", "battery_spec")

    def __init__(self, program, t_a: float, t_b: float, parts: tuple[float, float], factor: float, flowing: bool, volume_ml: float,
                 v_calc: float, delivered_ml: float, cum_drug: float | None, conc: float, unit: str, battery_pct: float | None, battery_spec):
        self.program, self.flowing, self.unit, self.battery_spec = program, flowing, unit, battery_spec
        per_dose, per_s = parts
        self.numbers = _NUMBERS.pack(t_a, t_b, per_dose, per_s, factor, volume_ml, v_calc, delivered_ml,
                                     math.nan if cum_drug is None else cum_drug, conc, math.nan if battery_pct is None else battery_pct)

    @property
    def has_drug(self) -> bool:
        """True when the interval records the cumulative drug and drug rate series."""
        return not math.isnan(_NUMBERS.unpack(self.numbers)[_CUM_DRUG])

    @property
    def has_battery(self) -> bool:
        """True when the interval records the battery series."""
        return not math.isnan(_NUMBERS.unpack(self.numbers)[_BATTERY])

    def signals(self) -> list[str]:
        """The signals this interval has breakpoints for (with the eager rules' conditions)."""
        out = ["reservoir_ml", "expected_reservoir_ml", "delivered_volume_ml", "rate_ml_per_day"]
        if self.has_drug:
            out += [f"cumulative_drug_{self.unit}", f"drug_rate_{self.unit}_per_day"]
        if self.has_battery:
            out.append("battery_pct")
        return out

    def points(self, signal: str) -> tuple[np.ndarray, np.ndarray]:
        """Breakpoints (times, values) of `signal` as float64 arrays."""
        return self.points_of_many([self], signal)[0]

    @staticmethod
    def points_of_many(gens: list[StepBreakpoints], signal: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """The breakpoints of `signal` of each interval in `gens` (in order), computed with one
        numpy pass per distinct program; only the arrays the signal needs are made."""
        times, values, counts = StepBreakpoints.flat_points_of_many(gens, signal)
        bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
        return [(times[lo:hi], values[lo:hi]) for lo, hi in zip(bounds, bounds[1:])]

    @staticmethod
    def flat_points_of_many(gens: list[StepBreakpoints], signal: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The breakpoints of `signal` of every interval in `gens`, one after the other (interval
        by interval, in the order of `gens`), as float64 arrays (times in s, values), and how many
        belong to each interval (`counts[j]` for `gens[j]`, an intp array): `points_of_many`
        without cutting the arrays into one pair per interval."""
        by_program: dict[int, list[int]] = {}
        for i, gen in enumerate(gens):
            by_program.setdefault(id(gen.program), []).append(i)
        if len(by_program) == 1:
            times, values, k = _flat_points_of_one_program(gens, signal)
            return times, values, np.bincount(k, minlength=len(gens))
        parts = []
        for members in by_program.values():
            times, values, k = _flat_points_of_one_program([gens[i] for i in members], signal)
            parts.append((times, values, np.asarray(members, dtype=np.intp)[k]))
        owner = np.concatenate([p[2] for p in parts])
        order = np.argsort(owner, kind="stable")  # interval by interval; each interval's points keep their order
        times = np.concatenate([p[0] for p in parts])[order]
        values = np.concatenate([p[1] for p in parts])[order]
        return times, values, np.bincount(owner, minlength=len(gens))


_EMPTY = np.empty(0)


def boundaries_of_many(program, t_a: np.ndarray, t_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`program.boundaries_between(t_a[k], t_b[k])` for every k at once: (times, k of each time),
    the times of each interval in order, intervals in order. The same float operations as
    `Program.boundaries_between`, element by element (tests/pump/test_step_descriptors.py)."""
    if not program.is_stepped:
        return _EMPTY, np.empty(0, dtype=np.intp)
    offset = program.clock_offset_s
    u_a, u_b = t_a + offset, t_b + offset
    d0, d1 = np.floor(u_a / SECONDS_PER_DAY), np.floor(u_b / SECONDS_PER_DAY)
    days = np.where(t_b > t_a, d1 - d0 + 1, 0).astype(np.intp)  # an empty interval has no boundary
    owner = np.repeat(np.arange(len(t_a)), days)
    first_row = np.cumsum(days) - days
    day = d0[owner] + (np.arange(len(owner)) - first_row[owner])
    starts = np.asarray(program.starts, dtype=float)
    grid = (day[:, None] * SECONDS_PER_DAY + starts[None, :]).ravel()
    owner = np.repeat(owner, len(starts))
    keep = (grid > u_a[owner] + TIME_TOL_S) & (grid < u_b[owner] - TIME_TOL_S)
    return grid[keep] - offset, owner[keep]


def _flat_points_of_one_program(gens: list[StepBreakpoints], signal: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """flat_points_of_many for intervals that share one program: (times, values, k), k the
    index in `gens` of each point's interval (non-decreasing)."""
    program = gens[0].program
    num = np.frombuffer(b"".join([g.numbers for g in gens]), dtype=float).reshape(len(gens), 11)
    t_a = num[:, _T_A]
    times, k = boundaries_of_many(program, t_a, num[:, _T_B])
    if not len(times):
        return _EMPTY, _EMPTY, np.empty(0, dtype=np.intp)
    per_dose = num[:, _PER_DOSE]
    at_a = program.cumulative_basal_dose(t_a)  # the array path gives the scalar path's floats (test_lazy_series.py)
    calc = per_dose[k] * (program.cumulative_basal_dose(times) - at_a[k]) + num[:, _PER_S][k] * (times - t_a[k])
    flowing = np.array([g.flowing for g in gens])
    factor = np.where(flowing, num[:, _FACTOR], 0.0)  # x 0.0 when not flowing, as the eager 0.0 x calc
    values = _signal_values(signal, gens, num, times, k, calc, factor)
    return times, np.asarray(values, dtype=float), k


def _signal_values(signal: str, gens: list[StepBreakpoints], num: np.ndarray, times: np.ndarray, k: np.ndarray, calc: np.ndarray,
                   factor: np.ndarray) -> np.ndarray:
    """The values of `signal` at `times` (k: the interval of each time)."""
    unit = gens[0].unit
    if signal == "expected_reservoir_ml":
        return np.maximum(0.0, num[:, _V_CALC][k] - calc)
    if signal == "rate_ml_per_day":
        return _rate_ml_per_day(gens[0].program, num, times, k, factor)
    if signal == "battery_pct":
        idle = np.array([g.battery_spec.idle_drain_pct_per_day / SECONDS_PER_DAY for g in gens])
        pumping = np.array([g.battery_spec.pumping_drain_pct_per_ml for g in gens])
        pct = num[:, _BATTERY][k] - idle[k] * (times - num[:, _T_A][k]) - pumping[k] * calc
        return np.maximum(0.0, pct)
    if signal == f"drug_rate_{unit}_per_day":
        return _rate_ml_per_day(gens[0].program, num, times, k, factor) * num[:, _CONC][k]
    true = np.minimum(calc * factor[k], num[:, _VOLUME][k])
    if signal == "reservoir_ml":
        return num[:, _VOLUME][k] - true
    if signal == "delivered_volume_ml":
        return num[:, _DELIVERED][k] + true
    if signal == f"cumulative_drug_{unit}":
        return num[:, _CUM_DRUG][k] + true * num[:, _CONC][k]
    raise KeyError(signal)


def _rate_ml_per_day(program, num: np.ndarray, times: np.ndarray, k: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """The flow rate (mL/day) of the step each time begins."""
    tod = np.mod(times + program.clock_offset_s, SECONDS_PER_DAY)
    doses = np.asarray(program.doses)[np.searchsorted(program.starts, tod + 1e-6, side="right") - 1]
    per_s_per_day = np.array([dosing.ml_per_s_to_ml_per_day(per_s) for per_s in num[:, _PER_S].tolist()])
    return (num[:, _PER_DOSE][k] * doses + per_s_per_day[k]) * factor[k]
