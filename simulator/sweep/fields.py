"""Address one field of a scenario (as plain data) by a path such as
`devices[0].settings.concentration_mg_per_ml`, `devices[pump].settings.rate_ml_per_day` or
`timeline[2].at`.

`[n]` indexes a list by position (negative counts from the end); `[name]` picks the item of a
list whose `id` is `name` (devices have ids). The Python API and sweeps both use `set_field`, so a
path that works in a script works in a sweep spec.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from simulator.errors import InputError, Issue

_FIRST = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)()()")
_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]|\[([A-Za-z][A-Za-z0-9_-]*)\]")
_ALLOWED = "dotted names with [index] or [device-id], e.g. devices[0].settings.rate_ml_per_day or timeline[2].at"


def parse_path(path: str) -> list[str | int]:
    """Split a field path into keys (str) and list positions (int). A `[name]` becomes `'[name]'`."""
    if not isinstance(path, str) or not path:
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
    return parts


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
            raise InputError(Issue("path", f"{where} has no item with id {ident!r}; ids: {', '.join(str(i) for i in ids)}", path))
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
            raise InputError(Issue("path", f"{done or '(top level)'} has no field {key!r}; fields: {', '.join(map(str, current))}", path))
        current = value
        done += f"[{part}]" if isinstance(part, int) else (part if part.startswith("[") else ("." if done else "") + part)
    return current


def set_field(data: dict, path: str, value: Any) -> dict:
    """Set the field at `path` in the scenario data `data` (changed in place) and return `data`.

    `data` receives its own deep copy of `value`: a later change inside `data` (another path
    reaching into the value just set) never changes the caller's `value`, nor any other scenario
    the same value was set in. Every step but the last must exist; the last may be a new key of a mapping (a device setting
    that was left at its default). The result is plain data: validate it with
    `simulator.scenario_from_dict` (the API's `with_changes` does).
    """
    parts = parse_path(path)
    current: Any = data
    done = ""
    for part in parts[:-1]:
        key, nxt = _step(current, part, path, done)
        if nxt is None or not isinstance(nxt, (dict, list)):
            raise InputError(Issue("path", f"{done + ('.' if done else '') + str(key)} is not a mapping or list (got {nxt!r})", path))
        current = nxt
        done += f"[{part}]" if isinstance(part, int) else (part if part.startswith("[") else ("." if done else "") + part)
    key, _ = _step(current, parts[-1], path, done)
    current[key] = copy.deepcopy(value)
    return data
