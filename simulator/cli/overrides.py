"""`--set PATH=VALUE` on `run`, `validate`, `gui` and `sweep`: change one field of the input.

PATH is a field path of the API and of sweep specs (`simulator.sweep.fields`), e.g.
`devices[pump].settings.mode.dose_mg_per_day=4` or `timeline[0].every=14d`. VALUE is read as a
YAML scalar or flow collection, safely (plain data only, bounded like a file): `4`, `true`,
`30d`, `"a text"`, `[1, 2]`, `{type: continuous, dose_mg_per_day: 3}`. The changed input is then
checked as a whole, like a file, so a bad value is reported with its path and allowed range.

The paths address the file as written (before recurring actions are expanded): `timeline[0]` is
the first entry of the file's timeline.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from simulator.errors import InputError, Issue

#: most --set options on one command line (every input is bounded)
MAX_SETS = 1000


def add_set_argument(parser) -> None:
    parser.add_argument(
        "--set",
        dest="set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="change one field before checking, e.g. --set 'devices[pump].settings.mode.dose_mg_per_day=4' (repeatable; VALUE is YAML: 4, true, 30d, [1, 2], {a: 1})",
    )


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    """{path: value} from `--set` options; InputError naming the option on a malformed one."""
    items = list(items or [])
    if not items:
        return {}
    from simulator.sweep.fields import parse_path
    from simulator.yaml_io import load_yaml_text

    if len(items) > MAX_SETS:
        raise InputError(Issue("--set", f"at most {MAX_SETS} --set options are allowed", len(items)))
    out: dict[str, Any] = {}
    for item in items:
        path, sep, text = item.partition("=")
        path = path.strip()
        if not sep or not path:
            raise InputError(Issue("--set", "give PATH=VALUE, e.g. devices[pump].settings.rate_ml_per_day=0.8", item))
        try:
            parse_path(path)
        except InputError as exc:
            raise InputError([Issue("--set", i.message, item) for i in exc.issues]) from None
        try:
            value = load_yaml_text(text, f"--set {path}") if text.strip() else None
        except InputError as exc:
            raise InputError([Issue("--set", f"cannot read the value as YAML: {i.message}", item) for i in exc.issues]) from None
        if path in out:
            raise InputError(Issue("--set", "this path is given twice; give each path once", item))
        out[path] = value
    return out


def apply_sets(data: Any, sets: dict[str, Any], file: str | None = None, note=None) -> Any:
    """`data` (plain data read from a file) with each field of `sets` set; notes (a default
    sub-setting created) go to `note` (default: printed on stderr)."""
    from simulator.sweep.fields import set_field

    if not sets:
        return data
    if not isinstance(data, dict):
        raise InputError(Issue("(top level)", f"--set needs a file holding a mapping, not a {type(data).__name__}"), file)
    notes: list[str] = []
    for path, value in sets.items():
        try:
            set_field(data, path, value, notes)
        except InputError as exc:
            raise InputError([Issue(f"--set {path}", i.message, value) for i in exc.issues], file) from None
    from simulator.errors import printable

    for text in notes:
        (note or (lambda t: print(f"neuromod-sim: note: --set: {printable(t)}", file=sys.stderr)))(text)
    return data


def load_scenario_with_sets(path: str | Path, registry, set_items: list[str] | None):
    """`load_scenario(path)`, with the `--set` options applied to the file's data first."""
    from simulator.scenario import load_scenario, scenario_from_dict

    sets = parse_sets(set_items)
    if not sets:
        return load_scenario(path, registry)
    from simulator.bundled import not_found_hint, resolve_scenario_path
    from simulator.yaml_io import load_yaml_file

    resolved = resolve_scenario_path(path)
    try:
        missing = not Path(resolved).exists()
    except (OSError, ValueError):
        missing = False
    if missing:
        raise InputError(Issue("(file)", not_found_hint(resolved, "scenarios")), str(resolved))
    data = load_yaml_file(resolved)
    data = apply_sets(data, sets, str(resolved))
    return scenario_from_dict(data, registry, file=str(resolved))
