"""A progress line on stderr: scenarios done, rate and time left."""
from __future__ import annotations

import sys
import time


class SweepProgress:
    def __init__(self, total: int, already: int = 0, stream=None, width: int = 28, min_interval_s: float = 0.2):
        self.total, self.done, self.start_done = total, already, already
        self.stream = stream if stream is not None else sys.stderr
        self.width, self.min_interval_s = width, min_interval_s
        self.t0 = time.perf_counter()
        self._last = 0.0

    @property
    def rate_per_s(self) -> float:
        elapsed = time.perf_counter() - self.t0
        return (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0

    def update(self, n: int = 1, force: bool = False) -> None:
        self.done += n
        now = time.perf_counter()
        if not force and now - self._last < self.min_interval_s and self.done < self.total:
            return
        self._last = now
        frac = self.done / self.total if self.total else 1.0
        filled = int(round(self.width * frac))
        rate = self.rate_per_s
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = f"{left:6.0f} s left" if left == left else "       "
        self.stream.write(f"\rsweep [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} scenarios {rate:7.1f}/s {eta}")
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()
