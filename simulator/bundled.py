"""Where the example scenarios shipped with the package live, and finding one by name.

`neuromod-sim run pump_morphine_refills` works from any directory: a scenario argument that is
not an existing file is looked up by name among the bundled scenarios.
"""
from __future__ import annotations

from pathlib import Path

DEFAULT_SCENARIO = "default"


def bundled_scenarios_dir() -> Path:
    try:
        import neuromod_scenarios

        return Path(neuromod_scenarios.__file__).parent
    except ImportError:
        return Path(__file__).resolve().parents[1] / "scenarios"


def bundled_scenario_names() -> list[str]:
    return sorted(p.stem for p in bundled_scenarios_dir().glob("*.yaml"))


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """The file itself when it exists, else the bundled scenario of that name (with or without .yaml)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    stem = path.name[:-5] if path.name.endswith(".yaml") else path.name
    candidate = bundled_scenarios_dir() / f"{stem}.yaml"
    if candidate.exists() and path.parent == Path("."):
        return candidate
    return path


def default_scenario_path() -> Path:
    return bundled_scenarios_dir() / f"{DEFAULT_SCENARIO}.yaml"
