"""Validate any input file by what it contains: a profile, an exercise or a scenario."""
from __future__ import annotations

from pathlib import Path

from simulator.errors import InputError, Issue, validate_model
from simulator.profiles.registry import PROFILE_MODELS, ProfileRegistry, profile_model
from simulator.yaml_io import load_yaml_file


def validate_file(path: str | Path, registry: ProfileRegistry, sets: dict | None = None) -> str:
    """Return the kind of file ('scenario', 'exercise', 'attempt', 'profile pump', ...); InputError if invalid.

    `sets` ({field path: value}, the `--set` options) are applied to the file's data first."""
    file = str(path)
    data = load_yaml_file(path)
    if sets:
        from simulator.cli.overrides import apply_sets

        data = apply_sets(data, sets, file)
    if not isinstance(data, dict):
        raise InputError(Issue("(top level)", f"the file must be a mapping of keys to values, not a {type(data).__name__}"), file)
    if isinstance(data.get("id"), str) and "/" in data["id"] and "devices" not in data:
        kind = data["id"].split("/", 1)[0]
        if kind not in PROFILE_MODELS:
            raise InputError(Issue("id", f"unknown profile kind; allowed: {', '.join(PROFILE_MODELS)}", data["id"]), file)
        validate_model(profile_model(kind), data, file=file)
        return f"profile {kind}"
    if data.get("kind") == "attempt":
        from simulator.training.attempt import attempt_from_dict

        attempt_from_dict(data, file=file)
        return "attempt"
    if "task" in data and "scenario" in data:
        from simulator.training.exercise import exercise_from_dict

        exercise_from_dict(data, registry, file=file)
        return "exercise"
    from simulator.scenario import scenario_from_dict

    scenario_from_dict(data, registry, file=file)
    return "scenario"
