"""The unit of work of a sweep: (scenario as plain data, seed) -> one flat row of figures.

Everything that crosses to a worker is plain data (dicts, lists, numbers, strings), so the same
function runs in this process, in a spawned process or on a Dask worker. Each worker builds its
profile registry once per set of profile folders (scanned again if the profiles' content is not
the one the sweep was planned with) and calls each plug-in once: plug-ins reach a worker only
from a sweep whose caller opted in (`allow_plugins`, `--allow-plugins`).
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
from typing import Any

#: registries by (extra folders, NEUROMOD_PROFILES): (registry, its profiles_fingerprint)
_REGISTRIES: dict[tuple[Any, ...], tuple[Any, str]] = {}
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


def profiles_fingerprint(registry) -> str:
    """SHA-256 of the resolved profiles' content: every id the registry knows and the data of the
    file that wins for it (a user folder overriding a bundled profile counts as the user's)."""
    doc = {pid: registry.raw(pid) for pid in registry.ids()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def registry_for(profile_dirs: list[str], fingerprint: str | None = None, rescan: bool = False):
    """The profile registry for these extra folders (plus the bundled ones and NEUROMOD_PROFILES).

    Kept per process and reused while its content is what the sweep expects: with `fingerprint`
    (the planning process's `profiles_fingerprint`), a kept registry of other content is scanned
    again, and if the files now read differ, an InputError stops the sweep rather than mixing
    results of two sets of profiles. `rescan` always reads the files again (planning a sweep)."""
    from simulator.errors import InputError, Issue
    from simulator.profiles.registry import ENV_VAR, ProfileRegistry

    key = (tuple(profile_dirs), os.environ.get(ENV_VAR, ""))
    kept = _REGISTRIES.get(key)
    if kept is not None and not rescan and (fingerprint is None or kept[1] == fingerprint):
        return kept[0]
    registry = ProfileRegistry(profile_dirs)
    found = profiles_fingerprint(registry)
    if fingerprint is not None and found != fingerprint:
        raise InputError(
            Issue(
                "profiles",
                "the profiles read here differ from those the sweep was planned with (a profile file changed during "
                "the sweep, or this worker sees other files); run the sweep again",
                ", ".join(map(str, registry.folders)),
            )
        )
    _REGISTRIES[key] = (registry, found)
    return registry


def run_task(job: dict[str, Any]) -> dict[str, Any]:
    """Run one scenario of a sweep.

    `job` keys: scenario (dict), scenario_key (optional: the same key for the same scenario dict,
    so a worker validates it once), seed (int), until (s or None), profiles (folders),
    profiles_hash (optional: the content those folders must resolve to), plugins
    ('module:function'), outputs (names/patterns or None), spec_file (optional: named in an
    error about outputs), head (columns put first: task, point, replicate, seed and the parameter
    values). Returns head + the chosen summary figures.
    """
    from simulator.engine import Simulation
    from simulator.errors import validate_model
    from simulator.scenario.model import Scenario
    from simulator.sweep.columns import flatten_summary, select_columns

    if job.get("check"):  # planning: check a point's scenario (see runner.plan_sweep)
        return check_point(job)
    if job.get("invalid"):  # a point recorded as invalid (on_invalid: record): not run
        return dict(job["head"])
    install_plugins(job.get("plugins", []))
    registry = registry_for(job.get("profiles", []), job.get("profiles_hash"))
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
    row.update(select_columns(flatten_summary(summary), job.get("outputs"), job.get("spec_file")))
    return row


def check_point(job: dict[str, Any]) -> dict[str, Any]:
    """Check one point's scenario as planning does in its own process (`scenario_from_dict` with
    the sweep's registry): {"point", "issues": None when valid, else each issue as plain data
    (`issue_data`)}. `job` keys: check (true), point, scenario, profiles, profiles_hash, plugins."""
    from simulator.errors import InputError
    from simulator.scenario import scenario_from_dict

    install_plugins(job.get("plugins", []))
    registry = registry_for(job.get("profiles", []), job.get("profiles_hash"))
    try:
        scenario_from_dict(job["scenario"], registry)
    except InputError as exc:
        return {"point": job["point"], "issues": [issue_data(i) for i in exc.issues]}
    return {"point": job["point"], "issues": None}


def issue_data(issue) -> tuple:
    """An Issue as plain data that crosses to another process intact (its 'no value' marker is an
    object of this process): (path, message, has value, value, file)."""
    from simulator.errors import _MISSING

    has_value = issue.value is not _MISSING
    return (issue.path, issue.message, has_value, issue.value if has_value else None, issue.file)


def issue_from_data(data: tuple):
    """The Issue `issue_data` described."""
    from simulator.errors import Issue

    path, message, has_value, value, file = data
    return Issue(path, message, value, file) if has_value else Issue(path, message, file=file)


def run_batch(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [run_task(job) for job in jobs]
