"""What a report covers: a time window (`--window 0d..7d`) and a set of devices (`--devices pump,scs`),
and how it writes times (days from the start and calendar time, never raw seconds).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from simulator.errors import InputError, Issue
from simulator.units import (
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    describe_elapsed,
    parse_duration_s,
)

MAX_DEVICES = 64
WINDOW_FORMS = "START..END with durations from the scenario start, e.g. 0d..7d, 36h..3d, 10d.. (to the end), ..2w"


@dataclass(frozen=True)
class ReportScope:
    """The part of a run a report shows: [start_s, end_s) in seconds from the scenario start
    (end_s None: to the end of the run) and the device ids (None: all)."""

    start_s: float = 0.0
    end_s: float | None = None
    devices: tuple[str, ...] | None = None

    @property
    def whole_run(self) -> bool:
        return self.start_s == 0.0 and self.end_s is None and self.devices is None

    def contains(self, t_s: float) -> bool:
        return t_s >= self.start_s and (self.end_s is None or t_s <= self.end_s)

    def describe(self, end_of_run_s: float) -> str:
        """'days 0.00 to 7.00, devices pump, scs' (for the report's heading)."""
        end = end_of_run_s if self.end_s is None else min(self.end_s, end_of_run_s)
        text = f"day {self.start_s / SECONDS_PER_DAY:.2f} to day {end / SECONDS_PER_DAY:.2f}"
        if self.devices is not None:
            text += ", devices " + ", ".join(self.devices)
        return text


def parse_window(text: str | None) -> tuple[float, float | None]:
    """'0d..7d' -> (0.0, 604800.0); either side may be left out. InputError (--window) otherwise."""
    if text is None:
        return 0.0, None
    if ".." not in text:
        raise InputError(Issue("--window", f"must be {WINDOW_FORMS}", text))
    left, right = text.split("..", 1)
    try:
        start = parse_duration_s(left) if left.strip() else 0.0
        end = parse_duration_s(right) if right.strip() else None
    except ValueError as exc:
        raise InputError(Issue("--window", f"{exc}; the window is {WINDOW_FORMS}", text)) from None
    if end is not None and end <= start:
        raise InputError(Issue("--window", "the end must come after the start", text))
    return start, end


def parse_devices(text: str | None, known: list[str]) -> tuple[str, ...] | None:
    """'pump,scs' -> ('pump', 'scs'), each checked against the run's devices (InputError --devices)."""
    if text is None:
        return None
    ids = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not ids or len(ids) > MAX_DEVICES:
        raise InputError(Issue("--devices", f"must be 1 to {MAX_DEVICES} device ids separated by commas", text))
    unknown = [d for d in ids if d not in known]
    if unknown:
        raise InputError(Issue("--devices", f"no device {unknown[0]!r} in this run; its devices are: {', '.join(known) or '(none)'}", text))
    return ids


def scope_from_args(window: str | None, devices: str | None, known_devices: list[str], run_end_s: float | None = None) -> ReportScope:
    """The scope of `--window` and `--devices` (both optional) for a run with `known_devices`
    that ends at `run_end_s` (s; a window starting at or after it is an InputError)."""
    start, end = parse_window(window)
    if run_end_s is not None and start > 0 and start >= run_end_s:
        raise InputError(Issue("--window", f"starts at or after the end of the run (day {run_end_s / SECONDS_PER_DAY:.4g})", window))
    return ReportScope(start, end, parse_devices(devices, known_devices))


def restrict(results, scope: ReportScope):
    """A copy of `results` with only the scope's events (simulation events kept) and the series of
    its devices. Series keep their whole length; plots and tables cut them to the window."""
    if scope.whole_run:
        return results
    keep = None if scope.devices is None else set(scope.devices) | {"sim"}
    events = [e for e in results.events if scope.contains(e.t_s) and (keep is None or e.device in keep)]
    series = {k: v for k, v in results.series.items() if keep is None or k[0] in keep}
    return replace(results, events=events, series=series)


def calendar(start_iso: str | None, t_s: float) -> str:
    """Calendar time of `t_s` as 'YYYY-MM-DD HH:MM', or '' when the run has no calendar start."""
    if not start_iso:
        return ""
    try:
        start = datetime.fromisoformat(start_iso)
    except ValueError:
        return ""
    return f"{start + timedelta(seconds=float(t_s)):%Y-%m-%d %H:%M}"


def elapsed(t_s: float) -> str:
    """Time from the scenario start as '12d 03:25:00' (days, then hours:minutes:seconds)."""
    return describe_elapsed(t_s)


def duration_text(seconds: float) -> str:
    """A duration for people: '88.8 h (3.70 d)' from a day on, else hours or minutes."""
    hours = seconds / SECONDS_PER_HOUR
    if hours >= 24:
        return f"{hours:.1f} h ({seconds / SECONDS_PER_DAY:.2f} d)"
    if hours >= 1:
        return f"{hours:.1f} h"
    return f"{seconds / 60:.1f} min"
