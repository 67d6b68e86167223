"""Helpers of the Python API beyond what `simulator` exports at the top level.

    from simulator import load_scenario
    from simulator.api import with_changes, run, load_results

    base = load_scenario("scenarios/pump_morphine_refills.yaml")
    faster = with_changes(base, {"devices[pump].settings.rate_ml_per_day": 0.8, "timeline[0].at": "20d"})
    results = run(faster, seed=3)                 # a Results: numpy arrays, DataFrames, events
    t_s, volume_ml = results.series_arrays("pump", "reservoir_ml")
    again = load_results("out/run1")              # the same Results read back from a run's folder

Field paths are those of `set_field` (see `simulator.sweep.fields`).
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from collections.abc import Mapping

from simulator.sweep.fields import get_field, parse_path, set_field

__all__ = ["get_field", "set_field", "parse_path", "scenario_data", "with_changes", "run", "load_results", "flat_figures"]


def scenario_data(scenario) -> dict[str, Any]:
    """A scenario as plain JSON-able data, ready for `set_field` or `with_changes`.

    Args:
        scenario: a Scenario, a mapping (copied deeply) or a path to a scenario YAML file.

    Returns:
        A dict; `duration` and each `timeline[i].at` are in seconds from the scenario start.

    Example:
        >>> data = scenario_data("scenarios/pump_concentration_change.yaml")
        >>> data["duration"] / 86400    # 20.0 days
    """
    from simulator.scenario import Scenario, load_scenario

    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    if isinstance(scenario, Scenario):
        data = scenario.model_dump(mode="json")
        data["duration"] = float(scenario.duration)
        for item, action in zip(data.get("timeline", []), scenario.timeline):
            item["at"] = float(action.at_s)
        return data
    if isinstance(scenario, Mapping):
        return copy.deepcopy(dict(scenario))
    raise TypeError(f"expected a Scenario, a mapping or a file path, not {type(scenario).__name__}")


def with_changes(scenario, changes: Mapping[str, Any], registry=None):
    """A new, validated Scenario: `scenario` with each field path in `changes` set to its value.

    Neither input is changed: `scenario` is copied first and each value is copied as it is set
    (`set_field`), so a later path reaching inside a value given earlier (a whole program, then
    its amplitude) changes the new scenario only, never the caller's dict. InputError (naming the
    path) if a path does not exist or a value breaks a limit.
    """
    from simulator.scenario import scenario_from_dict

    data = scenario_data(scenario)
    for path, value in changes.items():
        set_field(data, path, value)
    return scenario_from_dict(data, registry)


def run(scenario, seed: int | None = None, until: float | str | None = None, registry=None):
    """Run a scenario and return its Results. Each call is independent (no state is shared).

    Args:
        scenario: a Scenario, a mapping of scenario data, or a path to a scenario YAML file
            (or a bundled scenario's name, e.g. "pump_concentration_change").
        seed: override the scenario's seed (a whole number >= 0); None keeps the scenario's.
            The same scenario and seed always give the same results.
        until: stop early: seconds from the start or a duration text ("30d", "12h");
            None runs to the scenario's duration.
        registry: the ProfileRegistry with the device, lead and drug profiles (default: the
            bundled profiles plus NEUROMOD_PROFILES).

    Returns:
        Results: events (`t_s` in seconds), signals as exact breakpoints (`series_arrays`),
        the summary (`summary`, figures named with units), and DataFrames where pandas is
        installed (`events_frame`, `series_frame`).

    Raises:
        InputError: the scenario is invalid (the message names the file, field, value and
        the allowed range).

    Example:
        >>> results = run("scenarios/pump_concentration_change.yaml", until="12d")
        >>> t_s, reservoir_ml = results.series_arrays("no_bridge", "reservoir_ml")
        >>> results.events_frame(kind="dose_error.*", flat=True)
    """
    from simulator.engine import run_scenario
    from simulator.scenario import Scenario, load_scenario, scenario_from_dict

    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario, registry)
    elif not isinstance(scenario, Scenario):
        scenario = scenario_from_dict(dict(scenario), registry)
    return run_scenario(scenario, seed=seed, until=until, registry=registry)


def load_results(results_dir: str | Path):
    """Read a results folder written by `neuromod-sim run` (or `Results.write`) back into a Results.

    Args:
        results_dir: the folder holding events.jsonl, summary.json, scenario.json and series/.

    Returns:
        Results with the same events, series breakpoints and summary as the run that wrote it.

    Raises:
        InputError: the folder or one of its files is missing or unreadable (named in the message).
    """
    from simulator.report.files import read_results

    return read_results(results_dir)


def flat_figures(summary: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The scalar figures of a summary as one flat dict with dotted names
    (`devices.pump.delivered_mg`); lists are left out. Units are in the names, as in the summary
    (`_mg`, `_ml`, `_pct`, `_t_s` for seconds from the start). `prefix` is put before every name."""
    from simulator.sweep.columns import flatten_summary

    return flatten_summary(summary, prefix)
