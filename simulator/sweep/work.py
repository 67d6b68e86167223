"""The unit of work of a sweep: (scenario as plain data, seed) -> one flat row of figures.

Everything that crosses to a worker is plain data (dicts, lists, numbers, strings), so the same
function runs in this process, in a spawned process or on a Dask worker. Each worker builds its
profile registry once per set of profile folders and calls each plug-in once.
"""
from __future__ import annotations

import importlib
from typing import Any

_REGISTRIES: dict[tuple[str, ...], Any] = {}
_PLUGINS_DONE: set[str] = set()
#: validated scenarios by the job's `scenario_key` (a sweep point): a worker parses and checks a
#: point's scenario once, then every seed of it reuses the parsed settings and action params
_SCENARIOS: dict[str, Any] = {}
_SCENARIOS_MAX = 32


def install_plugins(plugins: list[str]) -> None:
    """Import and call each 'module:function' once per process (registers extra device kinds)."""
    from simulator.errors import InputError, Issue

    for i, ref in enumerate(plugins):
        if ref in _PLUGINS_DONE:
            continue
        module, _, func = ref.partition(":")
        try:
            install = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError) as exc:
            raise InputError(
                Issue(f"plugins[{i}]", f"cannot load the plug-in ({exc}); it must be importable in every worker (installed, or on PYTHONPATH)", ref)
            ) from None
        install()
        _PLUGINS_DONE.add(ref)


def registry_for(profile_dirs: list[str]):
    from simulator.profiles.registry import ProfileRegistry, default_registry

    key = tuple(profile_dirs)
    if key not in _REGISTRIES:
        _REGISTRIES[key] = ProfileRegistry(profile_dirs) if profile_dirs else default_registry()
    return _REGISTRIES[key]


def run_task(job: dict[str, Any]) -> dict[str, Any]:
    """Run one scenario of a sweep.

    `job` keys: scenario (dict), scenario_key (optional: the same key for the same scenario dict,
    so a worker validates it once), seed (int), until (s or None), profiles (folders), plugins
    ('module:function'), outputs (names/patterns or None), head (columns put first: task, point,
    replicate, seed and the parameter values). Returns head + the chosen summary figures.
    """
    from simulator.engine import Simulation
    from simulator.errors import validate_model
    from simulator.scenario.model import Scenario
    from simulator.sweep.columns import flatten_summary, select_columns

    install_plugins(job.get("plugins", []))
    registry = registry_for(job.get("profiles", []))
    key = job.get("scenario_key")
    scenario = _SCENARIOS.get(key) if key is not None else None
    if scenario is None:
        scenario = validate_model(Scenario, job["scenario"])
        if key is not None:
            if len(_SCENARIOS) >= _SCENARIOS_MAX:
                _SCENARIOS.clear()
            _SCENARIOS[key] = scenario
    sim = Simulation(scenario, registry=registry, seed=job["seed"], validate=True)  # checked once per scenario and registry
    sim.run(job.get("until"))
    summary = sim.results().summary
    row = dict(job["head"])
    row.update(select_columns(flatten_summary(summary), job.get("outputs")))
    return row


def run_batch(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [run_task(job) for job in jobs]
