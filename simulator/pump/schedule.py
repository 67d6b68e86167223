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
#: a time of day farther than this (s) from every step start and from midnight has the same
#: step with or without its rounding to 1 us (time_of_day_s): Program._step_index_unrounded
ROUNDING_MARGIN_S = 1e-4
#: the unrounded shortcut is taken for clock times (s) below this only (3,000 years)
UNROUNDED_MAX_S = 1e11
#: a step's span (Program.dose_and_span) stops this far (s) short of its step starts and midnight:
#: ten times ROUNDING_MARGIN_S, far above the float rounding of its ends below UNROUNDED_MAX_S
SPAN_MARGIN_S = 1e-3


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
        #: True when the basal dose changes during the day (flex), so it is integrated in closed
        #: form (the steps never change after this)
        self.is_stepped = len(self.starts) > 1
        starts = sorted(self.starts)
        #: the longest stretch (s) between a step start and the next one (a day for one step):
        #: any interval longer than this holds a step boundary
        self.max_step_gap_s = max(b - a for a, b in zip(starts, [*starts[1:], starts[0] + SECONDS_PER_DAY]))
        # one day of the basal schedule as a piecewise-linear cumulative dose, from midnight:
        # knots (s after midnight) and the dose (drug unit) delivered from midnight to each knot
        knots = sorted({0.0, *self.starts, SECONDS_PER_DAY})
        cum = [0.0]
        for a, b in zip(knots, knots[1:]):
            cum.append(cum[-1] + self._dose_at_tod(a) * (b - a) / SECONDS_PER_DAY)
        self._knots, self._cum = knots, cum
        self._knot_doses = [self._dose_at_tod(k) for k in knots]  # the dose rate (drug unit/day) from each knot on
        #: the step starts (s after midnight) where the dose differs from the step before it (for
        #: the first step, the last step of the day before): the only boundaries where the flow
        #: rate changes, so the only ones where a series of the pump bends. A boundary between
        #: two steps of the same dose is a point on a straight line; the series leave it out.
        self.bend_starts = [s for i, s in enumerate(self.starts) if self.doses[i] != self.doses[i - 1]] if self.is_stepped else []
        self.max_dose_per_s = max(self.doses) / SECONDS_PER_DAY  # the highest basal rate (drug unit/s)
        self._starts_in_order = starts == self.starts  # (dose_and_span's interval needs bisect's order)
        #: (per_dose, per_s) -> (H at each knot, the slope of H from each knot (per s), H over a day): time_to_reach
        self._inverse_cache: dict[tuple[float, float], tuple[list[float], list[float], float]] = {}
        self._cumulative_memo: dict[float, float] = {}  # t_s -> cumulative_basal_dose(t_s)
        self._reach_last: tuple[tuple[float, float, float, float], float] | None = None  # (time_to_reach's args, its answer)

    # ----- building -----
    @classmethod
    def from_mode(cls, mode, unit: str, drug_name: str, clock_offset_s: float, now_s: float) -> Program:
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
    def fixed(cls, dose_per_day: float, clock_offset_s: float) -> Program:
        return cls("fixed", [(0.0, dose_per_day)], clock_offset_s)

    # ----- closed form -----
    def basal_dose_per_day_at(self, t_s: float) -> float:
        """Programmed basal dose rate (drug unit/day) in force at t_s."""
        if len(self.starts) == 1:
            return self.doses[0]
        idx = self._step_index_unrounded(t_s)
        if idx is None:
            idx = bisect.bisect_right(self.starts, time_of_day_s(t_s, self.clock_offset_s))
        return self.doses[idx - 1]  # idx 0 wraps to the last step of the previous day

    def _step_index_unrounded(self, t_s: float) -> int | None:
        """`bisect_right(starts, time_of_day_s(t_s))` from the time of day without its rounding
        to 1 us (`round` is ~15x the rest), or None when that could give another index: the
        rounding moves a time below UNROUNDED_MAX_S by less than 1e-5 s (5e-7 s plus half its
        float spacing; a float mod is exact), so the index is the same unless the unrounded time
        of day lies within ROUNDING_MARGIN_S of a step start or of midnight (a step start of 0
        is midnight itself). A clock time of whole seconds (a timeline action's, a bolus end's
        of whole-second duration: often exactly at a step start) is its own rounding to 1 us
        (`round` returns a whole float below 2**53 as it is), so its index is the rounded one
        there too."""
        u = t_s + self.clock_offset_s
        if not -UNROUNDED_MAX_S < u < UNROUNDED_MAX_S:
            return None
        x = u % SECONDS_PER_DAY
        if u % 1.0 == 0.0:  # whole seconds: round(u, 6) is u, the rounded time of day is x itself
            return bisect.bisect_right(self.starts, x)
        if not ROUNDING_MARGIN_S < x < SECONDS_PER_DAY - ROUNDING_MARGIN_S:
            return None
        starts = self.starts
        idx = bisect.bisect_right(starts, x)
        if (idx < len(starts) and starts[idx] - x <= ROUNDING_MARGIN_S) or (idx > 0 and x - starts[idx - 1] <= ROUNDING_MARGIN_S):
            return None
        return idx

    def dose_and_span(self, t_s: float) -> tuple[float, float, float]:
        """(basal_dose_per_day_at(t_s), lo, hi): the dose in force at t_s (the very float of
        `doses`) and an open interval of simulation times (s), lo < t < hi, on which
        `basal_dose_per_day_at` gives that dose too (lo >= hi: none known; t_s itself need not
        lie in it).

        The interval is the step of t_s, SPAN_MARGIN_S short of its start and end (a step start,
        midnight), when the step index is known without rounding (`_step_index_unrounded`):
        for every t in it `_step_index_unrounded(t)` is that step's index (its time of day lies
        more than ROUNDING_MARGIN_S from every start and from midnight; the float rounding of
        lo, hi and t + clock_offset_s is far below 1e-4 s under UNROUNDED_MAX_S)."""
        starts = self.starts
        if len(starts) == 1:
            return self.doses[0], -math.inf, math.inf
        idx = self._step_index_unrounded(t_s)
        if idx is None or not self._starts_in_order:
            return self.basal_dose_per_day_at(t_s), math.inf, -math.inf
        offset = self.clock_offset_s
        u = t_s + offset
        day_s = u - u % SECONDS_PER_DAY  # (exact: a whole number of days)
        first = starts[idx - 1] if idx > 0 else 0.0
        end = starts[idx] if idx < len(starts) else SECONDS_PER_DAY
        return self.doses[idx - 1], day_s + first + SPAN_MARGIN_S - offset, day_s + end - SPAN_MARGIN_S - offset

    def next_change_after_exceeds(self, t_s: float, limit_s: float) -> bool:
        """`next_change_after(t_s) > limit_s`, decided without rounding the time of day when the
        answer cannot depend on it: the step index is the same (`_step_index_unrounded`) and the
        unrounded next change lies more than 1e-3 s from `limit_s` (the rounding moves it by
        at most 5e-7 s, the float sums by far less at any simulated time)."""
        starts = self.starts
        if len(starts) > 1:
            idx = self._step_index_unrounded(t_s)
            if idx is not None:
                tod = (t_s + self.clock_offset_s) % SECONDS_PER_DAY
                nxt = starts[idx] if idx < len(starts) else starts[0] + SECONDS_PER_DAY
                approx = t_s + (nxt - tod)
                if approx > limit_s + 1e-3:
                    return True
                if approx < limit_s - 1e-3:
                    return False
        return self.next_change_after(t_s) > limit_s

    def _dose_at_tod(self, tod_s: float) -> float:
        return self.doses[bisect.bisect_right(self.starts, tod_s) - 1]

    # ----- the periodic daily schedule in closed form (no wake-up per step) -----
    def cumulative_basal_dose(self, t_s):
        """Basal dose (drug unit) delivered from the midnight before t = 0 to t_s (float or numpy array)."""
        if type(t_s) is float:
            # a pure function of t_s: the last four answers are kept, the oldest dropped first (a
            # rebase from t0 to t asks for t0, the end of the previous rebase, again)
            memo = self._cumulative_memo
            value = memo.get(t_s)
            if value is None:
                if len(memo) >= 4:
                    del memo[next(iter(memo))]  # (a dict keeps its insertion order)
                value = memo[t_s] = self._cumulative_basal_dose_scalar(t_s)
            return value
        import numpy as np

        u = np.asarray(t_s, dtype=float) + self.clock_offset_s
        days = np.floor(u / SECONDS_PER_DAY)
        out = days * self._cum[-1] + np.interp(u - days * SECONDS_PER_DAY, self._knots, self._cum)
        return float(out) if out.ndim == 0 else out

    def _cumulative_basal_dose_scalar(self, t_s: float) -> float:
        """cumulative_basal_dose for one float, without numpy: the same operations as the array
        path (np.floor, then np.interp's own formula: the knot value at a knot, else
        slope x (x - knot) + value), so the same float to the bit."""
        u = t_s + self.clock_offset_s
        days = float(math.floor(u / SECONDS_PER_DAY))
        x = u - days * SECONDS_PER_DAY
        knots, cum = self._knots, self._cum
        j = bisect.bisect_right(knots, x) - 1
        if j < 0:
            y = cum[0]
        elif j >= len(knots) - 1 or knots[j] == x:
            y = cum[min(j, len(knots) - 1)]
        else:
            slope = (cum[j + 1] - cum[j]) / (knots[j + 1] - knots[j])
            y = slope * (x - knots[j]) + cum[j]
        return days * cum[-1] + y

    def basal_dose_between(self, t_a_s: float, t_b_s: float) -> float:
        """Basal dose (drug unit) the schedule delivers from t_a_s to t_b_s."""
        if t_b_s <= t_a_s:
            return 0.0
        if not self.is_stepped:
            return self.doses[0] * (t_b_s - t_a_s) / SECONDS_PER_DAY
        return self.cumulative_basal_dose(t_b_s) - self.cumulative_basal_dose(t_a_s)

    def time_to_reach(self, t_a_s: float, target: float, per_dose: float, per_s: float) -> float:
        """First time t >= t_a_s at which per_dose x basal_dose_between(t_a_s, t) + per_s x (t - t_a_s)
        reaches `target` (inf when it never does). Closed form: whole days, then one bisection over
        the day's knots; O(log steps) after the first call for a given (per_dose, per_s)."""
        if target <= 0:
            return t_a_s
        if per_dose < 0 or per_s < 0:
            raise ValueError("rates must be >= 0")
        # a pure function of its inputs: the last answer is kept (the crossings of one listing
        # often ask twice: true empty and calculated empty of the same volume)
        args = (t_a_s, target, per_dose, per_s)
        last = self._reach_last
        if last is not None and last[0] == args:
            return last[1]
        t = self._time_to_reach(t_a_s, target, per_dose, per_s)
        self._reach_last = (args, t)
        return t

    def _time_to_reach(self, t_a_s: float, target: float, per_dose: float, per_s: float) -> float:
        """time_to_reach for a target > 0 and rates >= 0 (no memo)."""
        key = (per_dose, per_s)
        inverse = self._inverse_cache.get(key)
        if inverse is None:
            # H at each knot (per_dose x cumulative dose + per_s x s from midnight), the slope of
            # H from each knot (drug unit rate -> per s), and H over a whole day
            h = [per_dose * c + per_s * k for k, c in zip(self._knots, self._cum)]
            slopes = [per_dose * d / SECONDS_PER_DAY + per_s for d in self._knot_doses]
            inverse = (h, slopes, per_dose * self._cum[-1] + per_s * SECONDS_PER_DAY)
            if len(self._inverse_cache) > 64:
                self._inverse_cache.clear()
            self._inverse_cache[key] = inverse
        h, slopes, day_total = inverse
        if day_total <= 0:
            return math.inf
        knots, clock_offset_s = self._knots, self.clock_offset_s
        last = len(knots) - 2  # the last knot a day's stretch starts from
        u_a = t_a_s + clock_offset_s
        day_a = math.floor(u_a / SECONDS_PER_DAY)
        r_a = u_a - day_a * SECONDS_PER_DAY
        # H(u) measured from midnight of day_a: H at r_a, plus the target
        i = bisect.bisect_right(knots, r_a) - 1
        i = 0 if i < 0 else last if i > last else i
        h_goal = h[i] + slopes[i] * (r_a - knots[i]) + target
        days = math.floor(h_goal / day_total)
        rem = h_goal - days * day_total
        i = bisect.bisect_right(h, rem) - 1
        i = 0 if i < 0 else last if i > last else i
        slope = slopes[i]
        r = knots[i] + ((rem - h[i]) / slope if slope > 0 else 0.0)
        t = (day_a + days) * SECONDS_PER_DAY + r - clock_offset_s
        return max(t, t_a_s)

    def boundaries_between(self, t_a_s: float, t_b_s: float):
        """Step boundaries strictly inside (t_a_s, t_b_s), as a numpy array of times."""
        return self._boundaries_of(self.starts, t_a_s, t_b_s)

    def bends_between(self, t_a_s: float, t_b_s: float):
        """The step boundaries strictly inside (t_a_s, t_b_s) where the dose changes
        (`bend_starts`), as a numpy array of times (s)."""
        return self._boundaries_of(self.bend_starts, t_a_s, t_b_s)

    def _boundaries_of(self, day_starts: list[float], t_a_s: float, t_b_s: float):
        """The times (s) strictly inside (t_a_s, t_b_s) whose time of day is one of `day_starts`
        (s after midnight, in order), as a numpy array."""
        import numpy as np

        if not self.is_stepped or not day_starts or t_b_s <= t_a_s:
            return np.empty(0)
        u_a, u_b = t_a_s + self.clock_offset_s, t_b_s + self.clock_offset_s
        d0, d1 = math.floor(u_a / SECONDS_PER_DAY), math.floor(u_b / SECONDS_PER_DAY)
        starts = np.asarray(day_starts, dtype=float)
        grid = (np.arange(d0, d1 + 1, dtype=float)[:, None] * SECONDS_PER_DAY + starts[None, :]).ravel()
        grid = grid[(grid > u_a + TIME_TOL_S) & (grid < u_b - TIME_TOL_S)]
        return grid - self.clock_offset_s

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
