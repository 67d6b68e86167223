"""Opening and saving scenario files from the app.

Saving writes `Simulation.scenario_with_applied_actions()` as YAML with durations as strings
(`90d`, `12h`), so what the user programmed becomes the scenario's timeline. The file is
written to a temporary name beside the target and renamed (`simulator.atomic`): nothing
half-written, and the file's mode follows the user's umask.
"""
from __future__ import annotations

from pathlib import Path

import yaml

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
    from simulator.atomic import write_text_atomic

    return write_text_atomic(Path(path), scenario_yaml(scenario))
