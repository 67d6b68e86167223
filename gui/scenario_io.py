"""Opening and saving scenario files from the app.

Saving writes `Simulation.scenario_with_applied_actions()` as YAML with durations as strings
(`90d`, `12h`), so what the user programmed becomes the scenario's timeline. The file is
written to a temporary name beside the target and renamed: nothing half-written.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from simulator.errors import InputError, Issue
from simulator.scenario import Scenario, load_scenario


def default_scenario_path() -> Path:
    """The bundled default scenario: one stimulator and one pump with real profiles."""
    try:
        from simulator.bundled import default_scenario_path as bundled

        path = bundled()
        if path.exists():
            return path
    except ImportError:
        pass
    here = Path(__file__).resolve().parent / "data" / "default.yaml"
    if here.exists():
        return here
    return Path(__file__).resolve().parents[1] / "scenarios" / "default.yaml"


def open_scenario(path: str | Path, registry=None) -> Scenario:
    """Load and check a scenario file; InputError (with file, field, value) on any problem."""
    return load_scenario(path, registry)


def scenario_yaml(scenario: Scenario) -> str:
    data = scenario.model_dump(mode="json", exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def save_scenario(scenario: Scenario, path: str | Path) -> Path:
    """Write `scenario` as YAML at `path` atomically; InputError if the folder cannot be written."""
    path = Path(path)
    text = scenario_yaml(scenario)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise InputError(Issue("(file)", "the folder does not exist", str(folder)), str(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(Issue("(file)", f"cannot write here: {exc.strerror}", str(folder)), str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path
