"""Relief per body region: targets from the therapy, and the closed-form exponential approach.

APPROXIMATION FOR TEACHING (domain/patient.md A3, A6). Between events each region's relief r
(0..1) follows dr/dt = (r* - r) / tau, so r(t) = r* + (r0 - r*) e^{-(t - t0) / tau}: after one time
constant 1 - e^-1 = 63.2 % of the way to the target, after three 1 - e^-3 = 95.0 %. It is never
stepped: a new target (a program change, posture, migration, stimulation off) rebases it.

Targets r* per region, from each active program (the largest wins when several run):
- tonic at or above perception: R_paresthesia in the regions its paresthesia covers, tau minutes;
- tonic below perception (from `sub_perception_min_ratio` x PT): 0.29 x R_paresthesia in the
  regions it would cover at threshold [D: (6.4 - 5.6) / (6.4 - 3.6)], tau days;
- 10 kHz / burst from `paresthesia_free_min_ma`: R of that class in every painful region when a
  cathode lies within `sweet_spot_tolerance_levels` of the hidden sweet spot, tau days;
- nothing running: 0, fading with the wash-out constant of what gave the relief.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

MINUTE_S = 60.0
DAY_S = 86400.0


def approach(r0: float, target: float, tau_s: float, dt_s: float) -> float:
    """Closed-form first-order approach from r0 toward target after dt_s seconds."""
    if dt_s <= 0 or tau_s <= 0:
        return r0 if dt_s <= 0 else target
    return target + (r0 - target) * math.exp(-dt_s / tau_s)


@dataclass(frozen=True)
class RegionTarget:
    """What therapy asks of one region: target relief, rise time constant, wash-out time constant (s), therapy."""

    target: float
    tau_s: float
    washout_s: float
    therapy: str


@dataclass
class _Segment:
    t0_s: float
    r0: float
    target: float
    tau_s: float

    def at(self, t_s: float) -> float:
        return approach(self.r0, self.target, self.tau_s, t_s - self.t0_s)


@dataclass
class ReliefState:
    """Relief of every painful region, closed form from its last rebase; past segments kept for queries."""

    regions: tuple[str, ...]
    segments: dict[str, _Segment] = field(default_factory=dict)
    washout_s: dict[str, float] = field(default_factory=dict)
    history: list[tuple[float, dict[str, _Segment]]] = field(default_factory=list)
    _history_t: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self):
        for r in self.regions:
            self.segments.setdefault(r, _Segment(0.0, 0.0, 0.0, DAY_S))
            self.washout_s.setdefault(r, DAY_S)
        self.history.append((0.0, dict(self.segments)))

    def at(self, region: str, t_s: float) -> float:
        """Relief of `region` at t_s (0..1): closed form from its segment in force at t_s."""
        seg = self.segments[region]
        if t_s < seg.t0_s:
            i = bisect.bisect_right(self._times(), t_s) - 1
            return self.history[i][1][region].at(t_s) if i >= 0 else 0.0
        return seg.at(t_s)

    def _times(self) -> list[float]:
        """Start times of the history entries (ascending), kept in step with `history`."""
        if len(self._history_t) != len(self.history):
            self._history_t = [t for t, _ in self.history]
        return self._history_t

    def sample_times(self, t_a: float, t_b: float, multiples=(0.25, 0.5, 1.0, 2.0, 3.0, 5.0), limit: int = 60) -> list[float]:
        """Times strictly inside (t_a, t_b) at the given multiples of tau after the start of every
        segment in force there: where to put breakpoints so that a piecewise-linear series follows
        the exponentials closely (used for recording; no simulation event)."""
        first = max(0, bisect.bisect_right(self._times(), t_a) - 1)  # the segment set in force at t_a
        out: set[float] = set()
        for i in range(first, len(self.history)):
            if self.history[i][0] >= t_b:
                break
            segs = self.history[i][1]
            t_end = self.history[i + 1][0] if i + 1 < len(self.history) else t_b
            if t_end <= t_a:
                continue
            for seg in segs.values():
                for k in multiples:
                    t = seg.t0_s + k * seg.tau_s
                    if t_a < t < min(t_b, t_end):
                        out.add(t)
        return sorted(out)[:limit]

    def target(self, region: str) -> float:
        return self.segments[region].target

    def retarget(self, t_s: float, targets: dict[str, RegionTarget]) -> bool:
        """New targets from t_s (regions not named go to 0 with their wash-out). True when any changed."""
        changed = False
        new = dict(self.segments)
        for region in self.regions:
            seg = self.segments[region]
            r = seg.at(t_s)
            want = targets.get(region)
            target = want.target if want else 0.0
            if want is not None and want.target > 0:
                tau = want.tau_s if target >= r else self.washout_s[region]
            else:
                tau = self.washout_s[region]
            if target == seg.target:  # same target: the approach in progress goes on
                continue
            new[region] = _Segment(t_s, r, target, tau)
            if want is not None and want.target > 0:
                self.washout_s[region] = want.washout_s
            changed = True
        if changed:
            self.segments = new
            if self.history and self.history[-1][0] == t_s:
                self.history[-1] = (t_s, dict(new))
            else:
                self.history.append((t_s, dict(new)))
        return changed


def weighted_relief(pain_map: dict[str, float], relief: dict[str, float]) -> float:
    """Pain-weighted mean relief over the painful regions, 0..1."""
    total = sum(pain_map.values())
    return sum(w * relief.get(r, 0.0) for r, w in pain_map.items()) / total if total > 0 else 0.0


def nrs(baseline_nrs: float, relief: float) -> float:
    """NRS = baseline x (1 - relief), 0..10 (domain/patient.md A6, without the noise)."""
    return max(0.0, min(10.0, baseline_nrs * (1.0 - relief)))
