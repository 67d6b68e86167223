"""Address one field of a scenario (as plain data) by a path such as
`devices[0].settings.concentration_mg_per_ml`, `devices[pump].settings.rate_ml_per_day` or
`timeline[2].at`.

`[n]` indexes a list by position (negative counts from the end); `[name]` picks the item of a
list whose `id` is `name` (devices have ids). The Python API and sweeps both use `set_field`, so a
path that works in a script works in a sweep spec.
"""
from __future__ import annotations

import copy
import functools
import re
from typing import Any

from simulator.errors import InputError, Issue, _short, did_you_mean

_FIRST = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)()()")
_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]|\[([A-Za-z][A-Za-z0-9_-]*)\]")
_ALLOWED = "dotted names with [index] or [device-id], e.g. devices[0].settings.rate_ml_per_day or timeline[2].at"


def parse_path(path: str) -> list[str | int]:
    """Split a field path into keys (str) and list positions (int). A `[name]` becomes `'[name]'`.
    A sweep sets the same few paths in every point: each text is parsed once (`_parsed`)."""
    if not isinstance(path, str) or not path:
        raise InputError(Issue("path", f"a field path must be {_ALLOWED}", path))
    return list(_parsed(path))


@functools.lru_cache(maxsize=256)
def _parsed(path: str) -> tuple[str | int, ...]:
    """The parts of the non-empty text `path` (see `parse_path`); InputError when unreadable."""
    if not path:
        raise InputError(Issue("path", f"a field path must be {_ALLOWED}", path))
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = (_FIRST if pos == 0 else _TOKEN).match(path, pos)
        if not m:
            raise InputError(Issue("path", f"cannot read the field path at character {pos + 1}; use {_ALLOWED}", path))
        name, index, ident = (g or None for g in m.groups())
        if name is not None:
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
        else:
            parts.append(f"[{ident}]")
        pos = m.end()
    return tuple(parts)


def _step(container: Any, part: str | int, path: str, done: str) -> tuple[Any, Any]:
    """The key/index to use in `container` for `part`, checked."""
    where = done or "(top level)"
    if isinstance(part, int) or part.startswith("["):
        if not isinstance(container, list):
            raise InputError(Issue("path", f"{where} is not a list, so it cannot be indexed", path))
        if isinstance(part, int):
            if not -len(container) <= part < len(container):
                raise InputError(Issue("path", f"{where} has {len(container)} items; allowed index 0..{len(container) - 1}", path))
            return part, container[part]
        ident = part[1:-1]
        ids = [item.get("id") for item in container if isinstance(item, dict)]
        if ident not in ids:
            raise InputError(Issue("path", f"{where} has no item with id {ident!r}; ids: {', '.join(str(i) for i in ids)}{did_you_mean(ident, ids)}", path))
        k = ids.index(ident)
        return k, container[k]
    if not isinstance(container, dict):
        raise InputError(Issue("path", f"{where} is not a mapping, so it has no field {part!r}", path))
    return part, container.get(part)


def get_field(data: dict, path: str) -> Any:
    """The value at `path` in `data`; InputError naming the path when it does not exist."""
    current: Any = data
    done = ""
    for part in parse_path(path):
        key, value = _step(current, part, path, done)
        if isinstance(current, dict) and key not in current:
            raise InputError(Issue("path", f"{done or '(top level)'} has no field {key!r}; fields: {', '.join(map(str, current))}{did_you_mean(key, current)}", path))
        current = value
        done += f"[{part}]" if isinstance(part, int) else (part if part.startswith("[") else ("." if done else "") + part)
    return current


def _names_only(parts: list[str | int]) -> bool:
    """True when every part is a mapping key (no list index, no [device-id])."""
    return all(isinstance(p, str) and not p.startswith("[") for p in parts)


def set_field(data: dict, path: str, value: Any, notes: list[str] | None = None) -> dict:
    """Set the field at `path` in the scenario data `data` (changed in place) and return `data`.

    `data` receives its own deep copy of `value`: a later change inside `data` (another path
    reaching into the value just set) never changes the caller's `value`, nor any other scenario
    the same value was set in. Every list step must exist; a mapping step that is missing or
    null (a sub-setting left at its default, e.g. `flow_error` before
    `devices[pump].settings.flow_error.random_systematic`) is created as an empty mapping, so
    the new field is its only given field and the others keep their defaults; a note saying so
    is appended to `notes` when given. The result is plain data: validate it with
    `simulator.scenario_from_dict` (the API's `with_changes` does).
    """
    parts = parse_path(path)
    current: Any = data
    done = ""
    for n, part in enumerate(parts[:-1]):
        key, nxt = _step(current, part, path, done)
        here = done + f"[{part}]" if isinstance(part, int) else done + (part if part.startswith("[") else ("." if done else "") + part)
        following = parts[n + 1]
        if nxt is None and isinstance(current, dict) and _names_only(parts[n + 1 :]):  # nothing can fail after creating
            nxt = current[key] = {}
            if notes is not None:
                notes.append(
                    f"{here} was not given (its default); it is created with only the fields you set, the others keep their defaults"
                )
        elif nxt is None or not isinstance(nxt, (dict, list)):
            what = "it is not given" if nxt is None else f"it holds {_short(nxt)}"
            step = following if isinstance(following, str) and following.startswith("[") else (f"[{following}]" if isinstance(following, int) else f"field {following!r}")
            raise InputError(
                Issue("path", f"{here} is not a mapping or list ({what}), so it has no {step}; set {here} as a whole instead", path)
            )
        current = nxt
        done = here
    key, _ = _step(current, parts[-1], path, done)
    current[key] = copy.deepcopy(value)
    return data
