"""Durations and time conversions.

Simulation time is float seconds from the scenario start. Scenario files may write durations as
numbers of seconds or as strings with a unit: `250us`, `1.5ms`, `30s`, `30min`, `12h`, `90d`,
`2w`, `1y` (365 days), and sums such as `1d 6h`.
"""
from __future__ import annotations

import math
import re

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
SECONDS_PER_YEAR = 365.0 * SECONDS_PER_DAY

_UNIT_SECONDS = {
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 7 * 86400.0,
    "y": SECONDS_PER_YEAR,
}
_TERM = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Z]+)\s*")
#: one whole number and one lower-case unit ('34h', '90d'): what a long timeline's `at` values look
#: like; read without the float() attempt (an exception) and the term loop of the general form
_ONE_TERM = re.compile(r"([0-9]+)(us|ms|s|sec|min|h|hr|d|day|days|w|y)")
#: the longest duration any field accepts (a scenario's own `duration` has a tighter bound:
#: simulator.scenario.model.MAX_SCENARIO_DURATION_S)
MAX_DURATION_S = 365250 * SECONDS_PER_DAY  # a thousand years of 365.25 days
ALLOWED_DURATION_FORMS = "a number of seconds or e.g. '250us', '30s', '30min', '12h', '90d', '2w', '1y', '1d 6h'"


#: seconds of the one-letter units, for the quickest form: ASCII digits and one of these letters
#: ('87442h', '3650d': a generated timeline's `at` values)
_LETTER_SECONDS = {unit: _UNIT_SECONDS[unit] for unit in ("s", "h", "d", "w", "y")}


def parse_duration_s(value: object) -> float:
    """Return a duration in seconds; raise ValueError with the accepted forms otherwise."""
    if type(value) is str:  # ASCII digits and a one-letter unit, nothing around: what `_ONE_TERM` reads, without the regex (~4x faster)
        factor = _LETTER_SECONDS.get(value[-1:])
        digits = value[:-1]
        if factor is not None and digits.isdigit() and digits.isascii():
            seconds = float(digits) * factor
            if seconds <= MAX_DURATION_S:
                return seconds
            return _checked_seconds(seconds)
    if isinstance(value, bool):
        raise ValueError(f"a duration must be {ALLOWED_DURATION_FORMS}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        one = _ONE_TERM.fullmatch(text)
        if one is not None:  # the same sum `_parse_terms` makes of one term: 0.0 + number * factor
            seconds = float(one.group(1)) * _UNIT_SECONDS[one.group(2)]
            if seconds <= MAX_DURATION_S:  # (digits times a positive factor: not negative, not NaN)
                return seconds
            return _checked_seconds(seconds)
        try:
            seconds = float(text)
        except ValueError:
            if text.startswith("-"):
                raise ValueError("a duration must not be negative") from None
            seconds = _parse_terms(text)
    else:
        raise ValueError(f"a duration must be {ALLOWED_DURATION_FORMS}")
    return _checked_seconds(seconds)


def _checked_seconds(seconds: float) -> float:
    """`seconds` (a duration, s) if finite, not negative and at most MAX_DURATION_S; else ValueError."""
    if not math.isfinite(seconds):
        raise ValueError("a duration must be finite")
    if seconds < 0:
        raise ValueError("a duration must not be negative")
    if seconds > MAX_DURATION_S:
        raise ValueError("a duration may be at most 365250 days (1000 years of 365.25 days)")
    return seconds


def _parse_terms(text: str) -> float:
    pos, total, matched = 0, 0.0, False
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read {text!r} as a duration; use {ALLOWED_DURATION_FORMS}")
        number, unit = m.groups()
        factor = _UNIT_SECONDS.get(unit.lower() if unit not in ("ms", "us") else unit)
        if factor is None:
            raise ValueError(
                f"unknown duration unit {unit!r}; allowed units: {', '.join(sorted(_UNIT_SECONDS))}"
            )
        total += float(number) * factor
        matched = True
        pos = m.end()
    if not matched:
        raise ValueError(f"cannot read {text!r} as a duration; use {ALLOWED_DURATION_FORMS}")
    return total


def format_duration(seconds: float) -> str:
    """The shortest exact human form of a duration, for saving scenarios: 90d, 12h, 250us."""
    if seconds == 0:
        return "0s"
    for unit, factor in (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        count = seconds / factor
        if count >= 1 and abs(count - round(count)) < 1e-9 * max(1.0, count):
            return f"{int(round(count))}{unit}"
    return f"{seconds!r}s"


def describe_elapsed(seconds: float) -> str:
    """A readable elapsed time for tables and status bars: '12d 03:25:00'."""
    days, rem = divmod(int(round(seconds)), 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    return f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"
