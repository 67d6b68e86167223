"""The pump's series breakpoints at flex step boundaries, generated on demand.

Between two wake-ups the pump follows its daily flex schedule in closed form; its series still
get a breakpoint at every step boundary where the dose changes (the rate steps, the reservoir
bends: `Program.bend_starts`). A boundary between two steps of the same dose gets none: there
every series runs straight on, so a point would lie on the line through its neighbours (the
values read at any moment are the same; the files hold fewer rows). Those points are a
pure function of the state at the last rebase, so they are captured here as that state (a compact
descriptor: the program and eleven numbers) and made only when a series is read: see
`recorder.Series.add_generated`. A series reads all its pending descriptors at once
(`StepBreakpoints.flat_points_of_signals`: one numpy pass per program over every interval; the
writer reads a pump's series together, so the step times and pumped volumes are made once for
all of them), and nothing is cached: a descriptor holds no arrays before or after a read. The values are those an eager
computation gives, to the bit (the same float operations, element by element).
"""
from __future__ import annotations

import math
import struct
from itertools import repeat
from operator import attrgetter, is_

import numpy as np

from simulator.pump import dosing
from simulator.pump.schedule import TIME_TOL_S
from simulator.units import SECONDS_PER_DAY

#: StepBreakpoints.numbers: eleven doubles in one bytes object (one allocation, no float objects)
_NUMBERS = struct.Struct("=11d")
# positions in StepBreakpoints.numbers
_T_A, _T_B, _PER_DOSE, _PER_S, _FACTOR, _VOLUME, _V_CALC, _DELIVERED, _CUM_DRUG, _CONC, _BATTERY = range(11)


class StepBreakpoints:
    """Breakpoints of the pump's series at the step boundaries strictly inside (t_a, t_b) where
    the dose changes (`boundaries_of_many`).

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
        times, values, counts = StepBreakpoints.flat_points_of_signals(gens, [signal])[signal]
        bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
        return [(times[lo:hi], values[lo:hi]) for lo, hi in zip(bounds, bounds[1:])]

    @staticmethod
    def flat_points_of_signals(gens: list[StepBreakpoints], signals: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """For each signal of `signals`: the breakpoints of every interval in `gens`, one after the
        other (interval by interval, in the order of `gens`), as float64 arrays (times in s,
        values), and how many belong to each interval (`counts[j]` for `gens[j]`, intp). The
        times and the volume pumped at each (shared by all signals) are computed once per
        distinct program, then each signal's values."""
        programs = _distinct(list(map(_PROGRAM, gens)))
        if len(programs) == 1:
            intervals = _Intervals(gens)
            counts = intervals.counts()
            return {signal: (intervals.times, intervals.values(signal), counts) for signal in signals}
        owner_of = [np.flatnonzero(np.fromiter((g.program is p for g in gens), bool, len(gens))) for p in programs]
        groups = [(members, _Intervals([gens[i] for i in members])) for members in owner_of]
        owner = np.concatenate([members[intervals.k] for members, intervals in groups])
        order = np.argsort(owner, kind="stable")  # interval by interval; each interval's points keep their order
        times = np.concatenate([intervals.times for _, intervals in groups])[order]
        counts = np.bincount(owner, minlength=len(gens))
        return {signal: (times, np.concatenate([intervals.values(signal) for _, intervals in groups])[order], counts) for signal in signals}


_PROGRAM = attrgetter("program")
_NUMBERS_OF = attrgetter("numbers")
_FLOWING = attrgetter("flowing")
_BATTERY_SPEC = attrgetter("battery_spec")
_EMPTY = np.empty(0)


def _distinct(objects: list) -> list:
    """The distinct objects (by identity) of `objects`, in the order they first come (one
    comparison of each with the first when they are all the same object, the usual case)."""
    first = objects[0] if objects else None
    if all(map(is_, objects, repeat(first))):
        return objects[:1]
    return list({id(o): o for o in objects}.values())


def _per_object(objects: list, value_of) -> np.ndarray:
    """`np.array([value_of(o) for o in objects])` with `value_of` called once per distinct object
    (by identity): the value of each object, float64."""
    distinct = _distinct(objects)
    if len(distinct) == 1:
        return np.full(len(objects), value_of(distinct[0]), dtype=float)
    return np.array([value_of(o) for o in objects], dtype=float)


def _per_value(x: np.ndarray, function) -> np.ndarray:
    """`np.array([function(v) for v in x.tolist()])` with `function` called once per distinct
    value of `x` (float64; distinct bit for bit, so -0.0 and 0.0 each get their own call)."""
    bits, inverse = np.unique(np.ascontiguousarray(x, dtype=float).view(np.int64), return_inverse=True)
    images = np.array([function(v) for v in bits.view(float).tolist()], dtype=float)
    return images[inverse.reshape(-1)]


def mod_day(u_s: np.ndarray) -> np.ndarray:
    """`np.mod(u_s, SECONDS_PER_DAY)` (s) bit for bit, without numpy's slower floored division
    when every time is in [0, 2**52): with q = floor(u / day) and, where the division rounded up
    to the next day (r < 0), q - 1, u - q x day is exact (q x day is an integer below 2**53, and
    u and q x day are within a factor 2 of each other, or q is 0), so it is the exact remainder
    np.mod gives (never -0.0: -0.0 - -0.0 is +0.0, as np.mod's zero)."""
    day = float(SECONDS_PER_DAY)
    if not len(u_s) or not (bool(np.all(u_s >= 0.0)) and bool(np.all(u_s < 2.0 ** 52))):
        return np.mod(u_s, SECONDS_PER_DAY)
    q = np.floor(u_s / day)
    r = u_s - q * day
    below = r < 0.0
    if below.any():
        r[below] = u_s[below] - (q[below] - 1.0) * day
    return r


def boundaries_of_many(program, t_a: np.ndarray, t_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`program.bends_between(t_a[k], t_b[k])` for every k at once: (times, k of each time), the
    times of each interval in order, intervals in order. The same float operations as
    `Program.bends_between`, element by element (tests/pump/test_step_descriptors.py). Only the
    boundaries where the dose changes: at the others every series of the pump runs straight on."""
    if not program.bend_starts:
        return _EMPTY, np.empty(0, dtype=np.intp)
    offset = program.clock_offset_s
    u_a, u_b = t_a + offset, t_b + offset
    d0, d1 = np.floor(u_a / SECONDS_PER_DAY), np.floor(u_b / SECONDS_PER_DAY)
    days = np.where(t_b > t_a, d1 - d0 + 1, 0).astype(np.intp)  # an empty interval has no boundary
    owner = np.repeat(np.arange(len(t_a)), days)
    first_row = np.cumsum(days) - days
    day = d0[owner] + (np.arange(len(owner)) - first_row[owner])
    starts = np.asarray(program.bend_starts, dtype=float)
    grid = day[:, None] * SECONDS_PER_DAY + starts[None, :]  # a row a day, a column a step
    # (the bounds of each interval made once and compared row by row: the same floats as
    # u_a[owner] + TIME_TOL_S point by point)
    keep = (grid > (u_a + TIME_TOL_S)[owner][:, None]) & (grid < (u_b - TIME_TOL_S)[owner][:, None])
    return grid[keep] - offset, np.repeat(owner, np.count_nonzero(keep, axis=1))


class _Intervals:
    """The step boundaries of intervals that share one program and what every signal's values
    are made of: `times` (s), `k` (the index in `gens` of each time's interval, non-decreasing),
    `calc` (the programmed volume pumped from the interval's start to each time, mL) and the
    flow factor of each interval (0.0 when not flowing)."""

    def __init__(self, gens: list[StepBreakpoints]) -> None:
        self.gens = gens
        self.program = program = gens[0].program
        self.num = num = np.frombuffer(b"".join(map(_NUMBERS_OF, gens)), dtype=float).reshape(len(gens), 11)
        t_a = num[:, _T_A]
        self.times, self.k = times, k = boundaries_of_many(program, t_a, num[:, _T_B])
        self._at_k: dict[int, np.ndarray] = {}
        self._rate: np.ndarray | None = None
        self._true: np.ndarray | None = None
        self._counts: np.ndarray | None = None
        if not len(times):
            self.times, self.k = _EMPTY, np.empty(0, dtype=np.intp)
            return
        at_a = program.cumulative_basal_dose(t_a)  # the array path gives the scalar path's floats (test_lazy_series.py)
        self.calc = self.at_k(_PER_DOSE) * (program.cumulative_basal_dose(times) - self.per_time(at_a)) + self.at_k(_PER_S) * (times - self.at_k(_T_A))
        flowing = np.fromiter(map(_FLOWING, gens), dtype=bool, count=len(gens))
        self.factor = np.where(flowing, num[:, _FACTOR], 0.0)  # x 0.0 when not flowing, as the eager 0.0 x calc

    def counts(self) -> np.ndarray:
        """How many times each interval has (made once)."""
        if self._counts is None:
            self._counts = np.bincount(self.k, minlength=len(self.gens))
        return self._counts

    def at_k(self, column: int) -> np.ndarray:
        """Column `column` of the numbers, of each time's interval (made once)."""
        out = self._at_k.get(column)
        if out is None:
            out = self._at_k[column] = self.per_time(self.num[:, column])
        return out

    def per_time(self, per_interval: np.ndarray) -> np.ndarray:
        """`per_interval[k]`, the value of each time's interval, as a repeat of each interval's
        value by its count of times (`k` is non-decreasing: the same array, made faster)."""
        return np.repeat(per_interval, self.counts())

    def rate_ml_per_day(self) -> np.ndarray:
        """The flow rate (mL/day) of the step each time begins (made once: two signals use it)."""
        if self._rate is None:
            program, times = self.program, self.times
            tod = mod_day(times + program.clock_offset_s)
            doses = np.asarray(program.doses)[np.searchsorted(program.starts, tod + 1e-6, side="right") - 1]
            per_s_per_day = _per_value(self.num[:, _PER_S], dosing.ml_per_s_to_ml_per_day)
            self._rate = (self.at_k(_PER_DOSE) * doses + self.per_time(per_s_per_day)) * self.factor_at_k()
        return self._rate

    def factor_at_k(self) -> np.ndarray:
        """The flow factor of each time's interval (made once)."""
        out = self._at_k.get(-1)
        if out is None:
            out = self._at_k[-1] = self.per_time(self.factor)
        return out

    def true_pumped_ml(self) -> np.ndarray:
        """The volume truly pumped from each time's interval start to the time, mL: the
        programmed volume times the flow factor, at most the reservoir volume (made once:
        three signals use it)."""
        if self._true is None:
            self._true = np.minimum(self.calc * self.factor_at_k(), self.at_k(_VOLUME))
        return self._true

    def values(self, signal: str) -> np.ndarray:
        """The values of `signal` at `times` (float64)."""
        if not len(self.times):
            return _EMPTY
        return np.asarray(_signal_values(signal, self), dtype=float)


def _signal_values(signal: str, iv: _Intervals) -> np.ndarray:
    """The values of `signal` at the intervals' times."""
    gens, times, calc = iv.gens, iv.times, iv.calc
    unit = gens[0].unit
    if signal == "expected_reservoir_ml":
        return np.maximum(0.0, iv.at_k(_V_CALC) - calc)
    if signal == "rate_ml_per_day":
        return iv.rate_ml_per_day()
    if signal == "battery_pct":
        specs = list(map(_BATTERY_SPEC, gens))
        idle = _per_object(specs, lambda spec: spec.idle_drain_pct_per_day / SECONDS_PER_DAY)
        pumping = _per_object(specs, lambda spec: spec.pumping_drain_pct_per_ml)
        pct = iv.at_k(_BATTERY) - iv.per_time(idle) * (times - iv.at_k(_T_A)) - iv.per_time(pumping) * calc
        return np.maximum(0.0, pct)
    if signal == f"drug_rate_{unit}_per_day":
        return iv.rate_ml_per_day() * iv.at_k(_CONC)
    true = iv.true_pumped_ml()
    if signal == "reservoir_ml":
        return iv.at_k(_VOLUME) - true
    if signal == "delivered_volume_ml":
        return iv.at_k(_DELIVERED) + true
    if signal == f"cumulative_drug_{unit}":
        return iv.at_k(_CUM_DRUG) + true * iv.at_k(_CONC)
    raise KeyError(signal)


