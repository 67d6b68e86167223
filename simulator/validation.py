"""Validate any input file by what it contains: a profile, an exercise, an attempt, a sweep spec
or a scenario, each checked as what it is."""
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
        issues = validate_model(profile_model(kind), data, file=file).source_issues(file)
        if issues:
            raise InputError(issues, file)
        return f"profile {kind}"
    if data.get("kind") == "attempt":
        from simulator.training.attempt import attempt_from_dict

        attempt_from_dict(data, file=file)
        return "attempt"
    if "task" in data and "scenario" in data:
        from simulator.training.exercise import exercise_from_dict

        exercise_from_dict(data, registry, file=file)
        return "exercise"
    if "base" in data and "devices" not in data:
        return validate_sweep_data(data, file, registry)
    from simulator.scenario import scenario_from_dict

    scenario_from_dict(data, registry, file=file)
    return "scenario"


#: most distinct points of a sweep that `validate` checks (each is a whole scenario check)
MAX_POINTS_CHECKED = 1000


def validate_sweep_data(data: dict, file: str, registry: ProfileRegistry) -> str:
    """Check a sweep spec as a sweep spec: its fields, its base scenario, and its points (each a
    scenario; at most MAX_POINTS_CHECKED of them). Nothing it names is imported: a spec naming
    plugins gets its fields checked only (its base may need the plugins' device kinds)."""
    from simulator.api import scenario_data
    from simulator.profiles.registry import ProfileRegistry as Registry
    from simulator.scenario import load_scenario, scenario_from_dict
    from simulator.sweep.expand import count_tasks, expand, point_scenario
    from simulator.sweep.spec import MAX_SCENARIOS, sweep_spec_from_dict

    spec = sweep_spec_from_dict(data, file=file, base_dir=Path(file).parent)
    n = count_tasks(spec)
    if n > MAX_SCENARIOS:
        raise InputError(Issue("parameters", f"the sweep has {n} scenarios; at most {MAX_SCENARIOS} are allowed", n), file)
    if spec.plugins:
        return f"sweep spec, {n} scenarios; base and points not checked: it names plugins (code), run it with --allow-plugins"
    if spec.profiles:  # as the sweep itself reads them: bundled, NEUROMOD_PROFILES, the spec's folders
        registry = Registry(spec.profile_dirs())
    base_path = spec.base_path()
    if not base_path.is_file():
        raise InputError(Issue("base", f"base scenario file not found (looked for {base_path})", spec.base), file)
    try:
        base = scenario_data(load_scenario(base_path, registry))
    except InputError as exc:
        raise InputError([i.under("base -> scenario") for i in exc.issues], file) from None
    issues: list[Issue] = []
    invalid = checked = 0
    points: set[int] = set()
    _, tasks = expand(spec) if n <= 100 * MAX_POINTS_CHECKED else ([], [])
    for task in tasks:
        if task.point in points:
            continue
        if len(points) >= MAX_POINTS_CHECKED:
            break
        points.add(task.point)
        scenario = point_scenario(spec, base, task.values)
        checked += 1
        try:
            scenario_from_dict(scenario, registry)
        except InputError as exc:
            invalid += 1
            if spec.on_invalid == "refuse":
                values = ", ".join(f"{c}={v!r}" for c, v in task.values)
                issues.extend(i.under(f"parameters (point {task.point}: {values}) -> scenario") for i in exc.issues)
    if issues:
        raise InputError(issues, file)
    note = f"; {invalid} invalid, to be {'skipped' if spec.on_invalid == 'skip' else 'recorded'}" if invalid else ""
    return f"sweep spec, {n} scenarios, {checked} points checked{note}"
