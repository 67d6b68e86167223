"""Battery level in closed form: linear between events, threshold times solved analytically.

The state is (t0_s, level_mah, net_ma): the level at t0 and the net current into the cell
(negative while draining, charging current minus drain while recharging). Nothing is simulated
between events; `time_to_pct` gives the moment a threshold is crossed so the device can wake then.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0


@dataclass
class BatteryState:
    capacity_mah: float
    level_mah: float
    t0_s: float = 0.0
    net_ma: float = 0.0  # + charging, - draining

    def level_mah_at(self, t_s: float) -> float:
        return min(self.capacity_mah, max(0.0, self.level_mah + self.net_ma * (t_s - self.t0_s) / SECONDS_PER_HOUR))

    def pct_at(self, t_s: float) -> float:
        cap = self.capacity_mah  # level_mah_at, inlined (hot)
        return 100.0 * min(cap, max(0.0, self.level_mah + self.net_ma * (t_s - self.t0_s) / SECONDS_PER_HOUR)) / cap

    def rebase(self, t_s: float, net_ma: float | None = None) -> None:
        # self.level_mah_at(t_s), inlined (hot: twice an action)
        self.level_mah = min(self.capacity_mah, max(0.0, self.level_mah + self.net_ma * (t_s - self.t0_s) / SECONDS_PER_HOUR))
        self.t0_s = t_s
        if net_ma is not None:
            self.net_ma = net_ma

    def time_to_pct(self, pct: float) -> float:
        """Absolute time at which the level reaches `pct` on its present slope (inf if never)."""
        target = self.capacity_mah * pct / 100.0
        gap = target - self.level_mah
        if -1e-12 < gap < 1e-12:  # abs(gap) < 1e-12
            return self.t0_s
        if self.net_ma == 0 or (gap > 0) != (self.net_ma > 0):
            return math.inf
        return self.t0_s + gap / self.net_ma * SECONDS_PER_HOUR


def days_between(capacity_mah: float, from_pct: float, to_pct: float, drain_ma: float) -> float:
    """Days for a drain of `drain_ma` to take the cell from `from_pct` down to `to_pct`."""
    if drain_ma <= 0:
        return math.inf
    return capacity_mah * (from_pct - to_pct) / 100.0 / drain_ma / 24.0


def charge_time_h(capacity_mah: float, from_pct: float, to_pct: float, charge_ma: float, drain_ma: float = 0.0) -> float:
    """Hours of charging to go from `from_pct` up to `to_pct` while the device keeps drawing `drain_ma`."""
    net = charge_ma - drain_ma
    if net <= 0:
        return math.inf
    return capacity_mah * max(0.0, to_pct - from_pct) / 100.0 / net


def days_per_charge_hour(charge_ma: float, drain_ma: float, charge_h: float = 1.0) -> float:
    """Days of therapy that `charge_h` hours of charging pays for (charge in = drain out)."""
    if drain_ma <= 0:
        return math.inf
    return charge_ma * charge_h / drain_ma / 24.0
