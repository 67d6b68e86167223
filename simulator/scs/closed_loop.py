"""Closed-loop ECAP: a labelled EDUCATIONAL model, not a physiological one.

- Recruitment: ECAP (uV) = slope x max(0, I - I_T), with threshold I_T = I_T,ref x (d / d_ref)^n:
  the closer the cord to the lead, the lower the threshold. Posture sets d / d_ref (profile
  factors, e.g. supine closer than standing); a cough multiplies it for a couple of seconds.
- Controller: after every change the amplitude relaxes exponentially toward the amplitude that
  gives the target ECAP, I(t) = I_inf + (I_0 - I_inf) e^{-t/tau}, capped by the allowed maximum.
  This is the smooth limit of a per-measurement controller; it is never stepped per measurement.
- Open loop keeps the programmed amplitude, so its ECAP jumps with every posture change.
- Time inside the therapeutic window [low, high] uV is integrated in closed form per segment
  between posture events, for closed and open loop side by side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.scs.profile import ClosedLoopSpec

LABEL = "educational model: linear recruitment above a distance-dependent threshold; first-order controller"


def threshold_ma(spec: ClosedLoopSpec, distance_factor: float) -> float:
    return spec.threshold_ma_at_reference * distance_factor ** spec.distance_exponent


def ecap_uv(spec: ClosedLoopSpec, amplitude_ma: float, distance_factor: float) -> float:
    return spec.slope_uv_per_ma * max(0.0, amplitude_ma - threshold_ma(spec, distance_factor))


def amplitude_for_ecap_ma(spec: ClosedLoopSpec, target_uv: float, distance_factor: float) -> float:
    return threshold_ma(spec, distance_factor) + target_uv / spec.slope_uv_per_ma


def _time_above(i0: float, i_inf: float, tau: float, level: float, duration: float) -> float:
    """Seconds in [0, duration] with I(t) = i_inf + (i0 - i_inf) e^{-t/tau} >= level."""
    if duration <= 0:
        return 0.0
    if i0 == i_inf:
        return duration if i0 >= level else 0.0
    # I is monotone: find when it crosses `level`, if ever
    ratio = (level - i_inf) / (i0 - i_inf)
    cross = -tau * math.log(ratio) if 0 < ratio <= 1 else None
    if i0 >= level:
        if i_inf >= level or cross is None:
            return duration if i_inf >= level else min(duration, cross or 0.0)
        return min(duration, cross)
    # starts below
    if i_inf <= level or cross is None:
        return 0.0
    return max(0.0, duration - cross)


def time_in_window_s(spec: ClosedLoopSpec, i0: float, i_inf: float, tau: float, distance_factor: float, duration_s: float,
                     low_uv: float | None = None, high_uv: float | None = None) -> float:
    """Seconds of a segment with the ECAP inside [low, high] (I relaxing from i0 to i_inf)."""
    low = spec.window_low_uv if low_uv is None else low_uv
    high = spec.window_high_uv if high_uv is None else high_uv
    i_low = amplitude_for_ecap_ma(spec, low, distance_factor)
    i_high = amplitude_for_ecap_ma(spec, high, distance_factor)
    above_low = _time_above(i0, i_inf, tau, i_low, duration_s)
    above_high = _time_above(i0, i_inf, tau, i_high, duration_s) if i_high > i_low else 0.0
    # {I >= i_low} contains {I > i_high}; the boundary has zero measure
    return max(0.0, above_low - above_high)


@dataclass
class LoopTracker:
    """Closed and open loop side by side through posture and cough events."""

    spec: ClosedLoopSpec
    target_uv: float
    open_amplitude_ma: float
    max_amplitude_ma: float
    distance_factor: float
    t_s: float = 0.0
    closed_i0_ma: float = 0.0  # closed-loop amplitude at the start of the present segment
    closed_s_in: float = 0.0
    open_s_in: float = 0.0
    tracked_s: float = 0.0
    history: list = field(default_factory=list)

    def __post_init__(self):
        self.closed_i0_ma = self.settled_ma()

    def settled_ma(self) -> float:
        """Where the controller heads in the present posture (capped)."""
        return min(self.max_amplitude_ma, max(0.0, amplitude_for_ecap_ma(self.spec, self.target_uv, self.distance_factor)))

    def closed_amplitude_at(self, t_s: float) -> float:
        i_inf = self.settled_ma()
        return i_inf + (self.closed_i0_ma - i_inf) * math.exp(-max(0.0, t_s - self.t_s) / self.spec.controller_tau_s)

    def ecap_at(self, t_s: float, closed: bool = True) -> float:
        amp = self.closed_amplitude_at(t_s) if closed else self.open_amplitude_ma
        return ecap_uv(self.spec, amp, self.distance_factor)

    def advance(self, t_s: float, stimulating: bool = True) -> None:
        """Integrate time in window from the segment start to t_s, and start a new segment at t_s."""
        dur = t_s - self.t_s
        if dur > 0:
            if stimulating:
                i_inf = self.settled_ma()
                self.closed_s_in += time_in_window_s(self.spec, self.closed_i0_ma, i_inf, self.spec.controller_tau_s, self.distance_factor, dur)
                self.open_s_in += time_in_window_s(self.spec, self.open_amplitude_ma, self.open_amplitude_ma, 1.0, self.distance_factor, dur)
            self.tracked_s += dur if stimulating else 0.0
        self.closed_i0_ma = self.closed_amplitude_at(t_s)
        self.t_s = t_s

    def set_distance(self, t_s: float, factor: float, stimulating: bool = True) -> None:
        self.advance(t_s, stimulating)
        self.distance_factor = factor

    def pct(self) -> dict[str, float | None]:
        if self.tracked_s <= 0:
            return {"closed_loop_pct": None, "open_loop_pct": None, "tracked_s": 0.0}
        return {"closed_loop_pct": 100.0 * self.closed_s_in / self.tracked_s, "open_loop_pct": 100.0 * self.open_s_in / self.tracked_s, "tracked_s": self.tracked_s}
