"""Time series kept as breakpoints of piecewise-linear or piecewise-constant signals.

Devices record a value each time a signal's slope or level changes, so a series is exact and
small; resampling onto a grid happens only for display or export. A jump in a linear signal
(a refill) is two breakpoints at the same time: the value before, then the value after.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from simulator.events import EventRecord

Interp = Literal["linear", "step"]


@dataclass
class Series:
    device: str
    signal: str
    unit: str
    interp: Interp
    _t: list[float] = field(default_factory=list)
    _v: list[float] = field(default_factory=list)

    def add(self, t_s: float, value: float, force: bool = False) -> None:
        """Add a breakpoint; `force` keeps it even when the level did not change (run end)."""
        t_s, value = float(t_s), float(value)
        if self._t and t_s == self._t[-1] and value == self._v[-1]:
            return
        if not force and self._t and self.interp == "step" and self._v[-1] == value:
            return  # a level that did not change adds nothing
        self._t.append(t_s)
        self._v.append(value)

    @property
    def t_s(self) -> np.ndarray:
        return np.asarray(self._t, dtype=float)

    @property
    def values(self) -> np.ndarray:
        return np.asarray(self._v, dtype=float)

    def __len__(self) -> int:
        return len(self._t)

    def at(self, t_s: np.ndarray | float) -> np.ndarray:
        """Values at the given times (the value after a jump where a time hits one exactly)."""
        t = np.asarray(t_s, dtype=float)
        if not self._t:
            return np.full(t.shape, np.nan)
        times, vals = self.t_s, self.values
        if self.interp == "step":
            idx = np.searchsorted(times, t, side="right") - 1
            out = vals[np.clip(idx, 0, None)]
            return np.where(idx < 0, np.nan, out)
        # linear: for duplicate times take the later value (after the jump)
        idx = np.searchsorted(times, t, side="right") - 1
        idx = np.clip(idx, 0, len(times) - 1)
        nxt = np.clip(idx + 1, 0, len(times) - 1)
        t0, t1, v0, v1 = times[idx], times[nxt], vals[idx], vals[nxt]
        span = np.where(t1 > t0, t1 - t0, 1.0)
        frac = np.where(t1 > t0, (t - t0) / span, 0.0)
        out = v0 + np.clip(frac, 0.0, 1.0) * (v1 - v0)
        return np.where(t < times[0], np.nan, out)

    def resample(self, t_start_s: float, t_end_s: float, n: int) -> tuple[np.ndarray, np.ndarray]:
        grid = np.linspace(t_start_s, t_end_s, n)
        return grid, self.at(grid)


class Recorder:
    """Keeps every event record and every time series of a run."""

    def __init__(self) -> None:
        self.events: list[EventRecord] = []
        self.series: dict[tuple[str, str], Series] = {}

    def on_event(self, record: EventRecord) -> None:
        self.events.append(record)

    def record(self, t_s: float, device: str, signal: str, value: float, unit: str = "", interp: Interp = "linear") -> None:
        key = (device, signal)
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = Series(device, signal, unit, interp)
        series.add(t_s, value)

    def close(self, t_s: float) -> None:
        """Extend every series to the end of the run with its current value."""
        for series in self.series.values():
            if len(series) and series._t[-1] < t_s:
                series.add(t_s, float(series.at(t_s)), force=True)

    def get(self, device: str, signal: str) -> Series:
        return self.series[(device, signal)]
