"""Safe YAML reading with errors that name the file and the line.

Only plain data is built (yaml.SafeLoader): no Python objects, ever. Files over
`MAX_INPUT_BYTES` are refused before parsing, and binary junk is reported as such.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from simulator.errors import InputError, Issue

MAX_INPUT_BYTES = 2 * 1024 * 1024

#: libyaml's safe loader when PyYAML was built with it (about ten times faster), else the pure one;
#: both build plain data only.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_text(text: str, file: str) -> Any:
    try:
        return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a safe loader builds plain data only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(unknown place)"
        raise InputError(Issue(where, f"malformed YAML: {exc.problem or exc}"), file) from None
    except yaml.YAMLError as exc:
        raise InputError(Issue("(top level)", f"malformed YAML: {exc}"), file) from None


def load_yaml_file(path: Path | str) -> Any:
    """Read a YAML (or JSON) file into plain data; InputError for anything a user could get wrong."""
    path = Path(path)
    file = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(Issue("(file)", "file not found"), file) from None
    except OSError as exc:
        raise InputError(Issue("(file)", f"cannot read file: {exc.strerror}"), file) from None
    if path.is_dir():
        raise InputError(Issue("(file)", "is a folder, not a file"), file)
    if size > MAX_INPUT_BYTES:
        raise InputError(Issue("(file)", f"file is {size} bytes; input files may be at most {MAX_INPUT_BYTES} bytes"), file)
    data = path.read_bytes()
    if b"\x00" in data:
        raise InputError(Issue("(file)", "file is binary (contains NUL bytes), not YAML text"), file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Issue("(file)", f"file is not UTF-8 text (byte {exc.start})"), file) from None
    if not text.strip():
        raise InputError(Issue("(top level)", "file is empty; expected a YAML mapping"), file)
    data = load_yaml_text(text, file)
    if data is None:
        raise InputError(Issue("(top level)", "file is empty (only comments or blank lines); expected a YAML mapping"), file)
    return data
