"""Recurring timeline actions, expanded into single actions when a scenario is loaded.

```yaml
timeline:
  - {at: 30d, every: 90d, count: 3, device: pump, action: refill, params: {fill_ml: 20}}
  #   -> refills at 30d, 120d, 210d
  - {every: 1d, at_time: "20:00", until: 365d, device: ipg, action: recharge, params: {to_full: true}}
  #   -> every evening at 20:00 in the calendar of the scenario's `start`
  #      (start 08:00 -> the first at 12 h from the start, then every 24 h)
```
- `every`: the interval (at least 1 s);
- `count`: how many occurrences; or `until`: the last occurrence is at or before this time from
  the start; with neither, the action repeats until the scenario's end;
- `at`: the first occurrence; with `at_time` (only when `every` is a whole number of days), the
  first occurrence is the first time at or after `at` (default 0) whose clock time is `at_time`.

Each occurrence is the same action at `first + k * every` (exact for whole seconds: no sum of
steps accumulates rounding), in place of the recurring entry, so the order of the timeline is
the file's. The bound of MAX_TIMELINE_ACTIONS applies to the expanded timeline; an entry that
would break it is named with what it expands to, before anything is built.
"""
from __future__ import annotations

import math
from datetime import datetime

from simulator.units import SECONDS_PER_DAY, format_duration


def first_occurrence_s(at_s: float | None, at_time: str | None, start: datetime) -> float:
    """Seconds from the start of the first occurrence: `at_s`, or with `at_time` ('HH:MM') the
    first time at or after `at_s` (default 0) whose clock time in the calendar of `start` is
    `at_time`. E.g. start 08:00, at_time 20:00 -> 43200 s (12 h)."""
    at_s = float(at_s or 0.0)
    if at_time is None:
        return at_s
    hours, minutes = (int(x) for x in at_time.split(":"))
    target_s = hours * 3600.0 + minutes * 60.0
    start_clock_s = start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond / 1e6
    wait_s = (target_s - (start_clock_s + at_s)) % SECONDS_PER_DAY
    return at_s + wait_s


def occurrence_count(action, first_s: float, duration_s: float) -> int:
    """How many occurrences a recurring action has (count, or up to until / the scenario's end)."""
    if action.count is not None:
        return int(action.count)
    end_s = float(action.until) if action.until is not None else float(duration_s)
    if end_s < first_s:
        return 0
    # the tolerance keeps an occurrence that lands exactly on `end_s` despite rounding
    return math.floor((end_s - first_s) / float(action.every) + 1e-9) + 1


def describe(action) -> str:
    """'every 7d from 30d until 365d' (for messages)."""
    parts = [f"every {format_duration(float(action.every))}"]
    if action.at_time is not None:
        parts.append(f"at {action.at_time}")
    if action.at is not None:
        parts.append(f"from {format_duration(float(action.at))}")
    if action.count is not None:
        parts.append(f"count {action.count}")
    elif action.until is not None:
        parts.append(f"until {format_duration(float(action.until))}")
    else:
        parts.append("until the scenario's end")
    return " ".join(parts)


def expand_timeline(timeline: list, start: datetime, duration_s: float) -> list:
    """The timeline with every recurring entry replaced by its occurrences (new ActionSpecs).

    Raises ValueError naming the entry when the expanded timeline would exceed the bound, or
    when a recurring entry has no occurrence inside the scenario."""
    from simulator.scenario.model import MAX_TIMELINE_ACTIONS

    if not any(a.every is not None for a in timeline):
        return timeline
    plans: list[tuple[float, int]] = []
    total = 0
    for j, action in enumerate(timeline):
        if action.every is None:
            plans.append((0.0, 1))
            total += 1
            continue
        first_s = first_occurrence_s(action.at, action.at_time, start)
        n = occurrence_count(action, first_s, duration_s)
        if n == 0:
            raise ValueError(
                f"timeline[{j}] ({describe(action)}): its first occurrence, at {format_duration(first_s)}, "
                f"falls after its end ({format_duration(float(action.until if action.until is not None else duration_s))})"
            )
        total += n
        if total > MAX_TIMELINE_ACTIONS:
            raise ValueError(
                f"timeline[{j}] ({describe(action)}) expands to {n} actions, making {total} or more in the timeline; "
                f"a timeline may hold at most {MAX_TIMELINE_ACTIONS} actions after recurring ones are expanded "
                "(use a longer interval, a count, or an earlier until)"
            )
        plans.append((first_s, n))
    out: list = []
    for j, (action, (first_s, n)) in enumerate(zip(timeline, plans, strict=True)):
        if action.every is None:
            single = action.model_copy()
            single._origin = (j, None)
            out.append(single)
            continue
        every_s = float(action.every)
        for k in range(n):
            occurrence = action.model_copy(
                update={"at": first_s + k * every_s, "every": None, "count": None, "until": None, "at_time": None},
                deep=True,
            )
            occurrence._origin = (j, k)
            out.append(occurrence)
    return out
