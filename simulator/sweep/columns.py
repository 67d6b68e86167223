"""Summary figures as flat table columns.

A run's summary is nested (`devices.pump.delivered_mg`); a sweep table wants one column per
scalar. `flatten_summary` joins keys with dots and leaves lists out. `select_columns` applies a
spec's `outputs` (exact names or shell-style patterns such as `devices.pump.*`).
"""
from __future__ import annotations

import fnmatch
from typing import Any
from collections.abc import Mapping

from simulator.errors import InputError, Issue

#: Summary keys that are the same in every run of a sweep, or already a column of their own.
COUNTS = "event_counts."
CONSTANT_KEYS = ("schema_version", "neuromod_sim_version", "scenario", "start", "seed")


def flatten_summary(summary: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Scalars (numbers, bools, strings, None) of a nested mapping under dotted names."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten_summary(value, name))
        elif value is None or isinstance(value, (bool, int, float, str)):
            out[name] = value
    return out


def select_columns(flat: Mapping[str, Any], outputs: list[str] | None, file: str | None = None) -> dict[str, Any]:
    """The columns a spec asks for (all but the constant ones when `outputs` is None).

    A name or pattern that matches no figure is an InputError listing the figures there are,
    except under `event_counts.`: a kind that did not happen in this run counts 0.
    """
    if outputs is None:
        return {k: v for k, v in flat.items() if k not in CONSTANT_KEYS}
    chosen: dict[str, Any] = {}
    for i, pattern in enumerate(outputs):
        if any(ch in pattern for ch in "*?["):
            names = [k for k in flat if fnmatch.fnmatchcase(k, pattern)]
        else:
            names = [pattern] if pattern in flat else []
        if not names and pattern.startswith(COUNTS):
            if not any(ch in pattern for ch in "*?["):
                chosen[pattern] = 0
            continue
        if not names:
            available = ", ".join(k for k in flat if k not in CONSTANT_KEYS)
            raise InputError(Issue(f"outputs[{i}]", f"no summary figure of that name; figures: {available}", pattern), file)
        for name in names:
            chosen[name] = flat[name]
    return chosen
