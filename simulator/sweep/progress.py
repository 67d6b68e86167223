"""Progress of a sweep on stderr: scenarios done, rate and time left.

A bar in a terminal, a widget in a notebook, plain periodic lines (no carriage returns) in a
log or a pipe: see `simulator.progress`.
"""
from __future__ import annotations

import math
import sys
import time


class SweepProgress:
    """Counts finished scenarios (`update(n)`) and shows them, at most every `min_interval_s` seconds."""

    def __init__(self, total: int, already: int = 0, stream=None, width: int = 28, min_interval_s: float = 0.2, mode: str = "auto"):
        from simulator.progress import ProgressDisplay

        self.total, self.done, self.start_done = total, already, already
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval_s = min_interval_s
        self.display = ProgressDisplay("sweep", self.stream, mode=mode, width=width)
        self.t0 = time.perf_counter()
        self._last = 0.0

    @property
    def rate_per_s(self) -> float:
        """Scenarios finished per second of wall time in this session (resumed ones not counted)."""
        elapsed = time.perf_counter() - self.t0
        return (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0

    def update(self, n: int = 1, force: bool = False) -> None:
        self.done += n
        now = time.perf_counter()
        if not force and now - self._last < self.min_interval_s and self.done < self.total:
            return
        self._last = now
        frac = self.done / self.total if self.total else 1.0
        rate = self.rate_per_s
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = f" {left:.0f} s left" if math.isfinite(left) and self.done < self.total else ""
        self.display.show(frac, f"{self.done}/{self.total} scenarios {rate:.1f}/s{eta}")
