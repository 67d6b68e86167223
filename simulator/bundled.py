"""The data folders shipped with the package, and finding a bundled file by name.

The top-level folders profiles/, scenarios/ and exercises/ install as the packages
`neuromod_profiles`, `neuromod_scenarios` and `neuromod_exercises` (pyproject.toml lists them); in a source
checkout without an install they are read from the tree. `neuromod-sim run pump_morphine_refills`
works from any directory: an argument that is not an existing file is looked up by name.
"""
from __future__ import annotations

import importlib
from pathlib import Path

DEFAULT_SCENARIO = "default"
_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def bundled_dir(folder: str) -> Path:
    """The installed package `neuromod_<folder>`, or the source tree's `<folder>/`."""
    try:
        module = importlib.import_module(f"neuromod_{folder}")
    except ImportError:
        return _SOURCE_ROOT / folder
    if module.__file__ is None:  # a namespace package (some folder of that name without __init__.py)
        return _SOURCE_ROOT / folder
    return Path(module.__file__).parent


def resolve_bundled(name_or_path: str | Path, folder: str) -> Path:
    """The file itself when it exists, else the bundled `<folder>/<name>.yaml` (a bare name only)."""
    path = Path(name_or_path)
    try:
        if path.exists():
            return path
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte: reported by the reader
        return path
    stem = path.name[:-5] if path.name.endswith(".yaml") else path.name
    candidate = bundled_dir(folder) / f"{stem}.yaml"
    if candidate.exists() and path.parent == Path("."):
        return candidate
    return path


def not_found_hint(name_or_path: str | Path, folder: str) -> str:
    """For a missing file: the closest bundled names, or the list of them, as a hint."""
    import difflib

    names = sorted(p.stem for p in bundled_dir(folder).glob("*.yaml"))
    stem = Path(name_or_path).name.removesuffix(".yaml")
    close = difflib.get_close_matches(stem, names, n=3, cutoff=0.6)
    if close:
        return f"file not found; did you mean the bundled {' or '.join(close)}?"
    return f"file not found; bundled {folder}: {', '.join(names)}"


def bundled_scenarios_dir() -> Path:
    return bundled_dir("scenarios")


def bundled_scenario_names() -> list[str]:
    return sorted(p.stem for p in bundled_scenarios_dir().glob("*.yaml"))


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    return resolve_bundled(name_or_path, "scenarios")


def default_scenario_path() -> Path:
    return bundled_scenarios_dir() / f"{DEFAULT_SCENARIO}.yaml"
