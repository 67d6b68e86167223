"""Calendar dates of many run times at once, as ISO texts (the pump summary's daily dose table).

`date_texts(start, times_s)` gives, for each time t (s after `start`), the text
`(start + timedelta(seconds=t)).date().isoformat()`, the same text, without building a datetime
a day: a whole-second time's day is found by integer arithmetic (exact: `timedelta` of a whole
float is that many seconds, and a datetime plus it keeps its wall-clock fields, its tzinfo
untouched), and the texts of the days spanned are made month by month ("YYYY-MM-" + "DD").
Times that are not whole seconds, out of range or too few take the plain expression one by one.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta

import numpy as np

#: below this many times, the plain expression one by one (the set-up costs more)
FAST_FROM = 16
#: whole-second times beyond this magnitude (s; ~31,700 years) take the plain expression
MAX_ABS_S = 10**12

_US_PER_S = 1_000_000
_US_PER_DAY = 86_400 * _US_PER_S
_DAY_TEXTS = [f"{d:02d}" for d in range(32)]


def plain_date_text(start: datetime, t_s: float) -> str:
    """ISO date (YYYY-MM-DD) of `start` plus `t_s` seconds."""
    return (start + timedelta(seconds=t_s)).date().isoformat()


def date_texts(start: datetime, times_s: list[float]) -> list[str]:
    """ISO date of `start` plus each of `times_s` (s): `plain_date_text(start, t)` for each t."""
    if len(times_s) < FAST_FROM:
        return [plain_date_text(start, t) for t in times_s]
    t = np.asarray(times_s, dtype=float)
    whole = (t == np.trunc(t)) & (np.abs(t) <= MAX_ABS_S)  # (NaN and infinities are not whole)
    start_us = ((start.hour * 60 + start.minute) * 60 + start.second) * _US_PER_S + start.microsecond
    seconds = np.where(whole, t, 0.0).astype(np.int64)
    ordinals = start.toordinal() + (start_us + seconds * _US_PER_S) // _US_PER_DAY  # floor division, as the calendar's
    lo, hi = int(ordinals.min()), int(ordinals.max())
    if lo < 1 or hi > date.max.toordinal() or hi - lo > 4 * len(times_s) + 62:
        return [plain_date_text(start, t) for t in times_s]  # (out of the calendar: the plain error; sparse: not worth a table)
    table = _texts_of_days(lo, hi)
    out = [table[i] for i in (ordinals - lo).tolist()]
    for i in np.flatnonzero(~whole).tolist():
        out[i] = plain_date_text(start, times_s[i])
    return out


def _texts_of_days(lo: int, hi: int) -> list[str]:
    """ISO texts of the days with ordinals lo..hi (both included), in order."""
    first, last = date.fromordinal(lo), date.fromordinal(hi)
    out: list[str] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        prefix = f"{y:04d}-{m:02d}-"
        d_lo = first.day if (y, m) == (first.year, first.month) else 1
        d_hi = last.day if (y, m) == (last.year, last.month) else monthrange(y, m)[1]
        out.extend([prefix + dd for dd in _DAY_TEXTS[d_lo:d_hi + 1]])
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out

