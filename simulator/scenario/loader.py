"""Load and check scenario files.

Checking has two passes. The first is structural (pydantic: types, unknown keys, durations).
The second resolves references: profile ids exist and are devices, each device's settings
validate against its model, actions name an existing device and a known action with valid
parameters, and fall inside the scenario's duration. Every problem is reported at once, each
naming the file, the field path, the value and what is allowed.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from simulator.collector import collector_paused
from simulator.errors import _MISSING, InputError, Issue, did_you_mean, validate_model
from simulator.profiles.registry import ProfileRegistry, default_registry
from simulator.scenario.model import Scenario
from simulator.units import format_duration
from simulator.yaml_io import load_yaml_file


def load_scenario(path: Path | str, registry: ProfileRegistry | None = None) -> Scenario:
    """Read, validate and cross-check a scenario file; InputError on any problem.

    A name that is not a file is looked up among the bundled example scenarios."""
    from simulator.bundled import resolve_scenario_path

    path = resolve_scenario_path(path)
    try:
        missing = not Path(path).exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        missing = False  # the reader reports it
    if missing:
        from simulator.bundled import not_found_hint

        raise InputError(Issue("(file)", not_found_hint(path, "scenarios")), str(path))
    with collector_paused():
        data = load_yaml_file(path)
        return scenario_from_dict(data, registry, file=str(path))


def scenario_from_dict(data: Any, registry: ProfileRegistry | None = None, file: str | None = None) -> Scenario:
    if not isinstance(data, dict):
        raise InputError(Issue("(top level)", f"a scenario must be a mapping of keys to values, not a {type(data).__name__}"), file)
    registry = registry or default_registry()
    try:
        scenario = validate_model(Scenario, data, file=file)
    except InputError as exc:  # report the references of the well-formed parts too, in one go
        more = _references_of_well_formed_parts(data, exc.issues, registry)
        raise InputError(_once_per_entry([*exc.issues, *more]), file) from None
    validate_references(scenario, registry, file)
    return scenario


_INDEXED = re.compile(r"^(devices|timeline)\[(\d+)\]")


def _references_of_well_formed_parts(data: dict, issues: list[Issue], registry: ProfileRegistry) -> list[Issue]:
    """The reference issues (profiles, settings, actions, params) of the devices and actions that
    passed the structural check, when others did not: so that one `validate` run reports every
    problem of a file. The scenario is checked again without the malformed parts (a malformed
    top-level field at a harmless stand-in), and the issues' paths are mapped back to the file's."""
    from simulator.scenario.model import MAX_SCENARIO_DURATION_S

    bad: dict[str, set[int]] = {"devices": set(), "timeline": set()}
    whole: set[str] = set()
    for issue in issues:
        m = _INDEXED.match(issue.path)
        if m:
            bad[m.group(1)].add(int(m.group(2)))
        else:
            whole.add(issue.path.split(".", 1)[0].split("[", 1)[0])
    devices, timeline = data.get("devices"), data.get("timeline", [])
    if "devices" in whole or not isinstance(devices, list):
        return []
    if "timeline" in whole or not isinstance(timeline, list):
        timeline = []
    pruned = {k: v for k, v in data.items() if k in Scenario.model_fields and k not in whole}
    pruned.setdefault("name", "(checked without its malformed parts)")
    if "duration" in whole:
        pruned["duration"] = MAX_SCENARIO_DURATION_S  # no spurious 'after the end'
    device_map = [i for i in range(len(devices)) if i not in bad["devices"]]
    timeline_map = [j for j in range(len(timeline)) if j not in bad["timeline"]]
    if not device_map:
        return []
    dropped_ids = {d.get("id") for i, d in enumerate(devices) if i in bad["devices"] and isinstance(d, dict) and isinstance(d.get("id"), str)}
    pruned["devices"] = [devices[i] for i in device_map]
    pruned["timeline"] = [timeline[j] for j in timeline_map]
    try:
        partial = validate_model(Scenario, pruned)
        validate_references(partial, registry)
    except InputError as exc:
        found = exc.issues
    else:
        return []
    out: list[Issue] = []
    for issue in found:
        m = _INDEXED.match(issue.path)
        if m is None:
            continue  # a stand-in's own issue: the real one is already reported
        kind, index = m.group(1), int(m.group(2))
        mapping = device_map if kind == "devices" else timeline_map
        if index >= len(mapping):
            continue
        if kind == "timeline" and issue.path.endswith(".device") and issue.value in dropped_ids:
            continue  # names a device that is malformed, not missing
        path = f"{kind}[{mapping[index]}]" + issue.path[m.end():]
        out.append(Issue(path, issue.message, issue.value if issue.value is not _MISSING else _MISSING))
    return out


#: kind -> "module:function" checking a device's timeline actions against its settings without
#: running (e.g. the dose and concentration units of a pump's drug); see `_timeline_problems`.
TIMELINE_CHECKS = {"pump": "simulator.pump.settings:timeline_unit_problems"}


def _timeline_problems(scenario: Scenario, settings: dict[str, Any], parsed: list[Any], registry: ProfileRegistry) -> list[Issue]:
    """Issues from each device kind's timeline check (TIMELINE_CHECKS), actions in time order."""
    import importlib

    issues: list[Issue] = []
    timeline = scenario.timeline
    devices: list[str] | None = None
    for spec in scenario.devices:
        target = TIMELINE_CHECKS.get(spec.profile.split("/", 1)[0])
        if target is None or spec.id not in settings:
            continue
        module, _, name = target.partition(":")
        check = getattr(importlib.import_module(module), name)
        if devices is None:
            devices = [action.device for action in timeline]
        # in time order, the file's order among equal times: (at, j) tuples sorted (j is unique: the models are never compared)
        timed = sorted([(timeline[j].at, j, model) for j, model, _ in parsed if devices[j] == spec.id])
        mine = [(j, timeline[j].action, model) for _, j, model in timed]
        for j, path, message, value in check(settings[spec.id], mine, registry):
            action = scenario.timeline[j]
            issues.append(Issue(f"{action.where(j)}.params.{path}", message + action.occurrence_note(), value))
    return issues


def _once_per_entry(issues: list[Issue]) -> list[Issue]:
    """The issues with repeats of one problem of one recurring entry left out (its 365
    occurrences share their params: the first occurrence's problem is shown once)."""
    seen: set[tuple[str, str]] = set()
    out: list[Issue] = []
    for issue in issues:
        key = (issue.path, issue.message.split(" (occurrence ", 1)[0])
        if key in seen:
            continue
        seen.add(key)
        out.append(issue)
    return out


def _params_key(value: Any) -> Any:
    """A hashable key equal for two params values only when they are equal and of the same
    types all the way down (1, 1.0 and True differ; a dict's key order counts), or None when
    `value` holds anything but dicts with string keys, lists, tuples, str, int, float, bool
    and None (such params are parsed on their own)."""
    kind = type(value)
    if kind is dict and not value:
        return _EMPTY_DICT_KEY  # (a daily bolus's params)
    if kind is float:
        return (float, value.hex())  # -0.0 and 0.0 differ
    if kind is str or kind is int or kind is bool or value is None:
        return (kind, value)
    if kind is dict:
        items = []
        for k, v in value.items():
            inner = _params_key(v)
            if type(k) is not str or inner is None:
                return None
            items.append((k, inner))
        return (dict, tuple(items))
    if kind is list or kind is tuple:
        inner_keys = [_params_key(v) for v in value]
        if any(k is None for k in inner_keys):
            return None
        return (kind, tuple(inner_keys))
    return None


_EMPTY_DICT_KEY = (dict, ())


def _parse_params(model_cls: type, params: Any, shared: dict[tuple, tuple[Any, dict]]) -> tuple[Any, dict]:
    """(params model, params as JSON) of one action, validated once per distinct params of one
    action model and shared by the actions that repeat them (the occurrences of a recurring
    entry, a generated timeline's daily bolus): nothing mutates either (the engine copies the
    JSON into each event, devices read the model), and a scenario's cached parse holds one
    copy instead of thousands (tests/foundation/test_params_cache.py). InputError when invalid."""
    inner = _params_key(params)
    key = None if inner is None else (model_cls, inner)
    hit = None if key is None else shared.get(key)
    if hit is None:
        model: Any = validate_model(model_cls, params)
        hit = (model, model.model_dump(mode="json"))
        if key is not None:
            shared[key] = hit
    return hit


def validate_references(scenario: Scenario, registry: ProfileRegistry, file: str | None = None) -> dict:
    """Check the references of `scenario` against `registry` (InputError on problems).

    Returns what it parsed, {"settings": {device id: settings model}, "params": [(params model,
    params as JSON) per action]}, and keeps it on the scenario, so that checking the same
    scenario again (a Simulation built from it) costs nothing and each action's params are
    validated once, not at every dispatch."""
    from simulator.device import Device, device_class_for

    done = scenario.checked_with(registry)
    if done is not None:
        return done
    issues: list[Issue] = []
    settings: dict[str, Any] = {}
    parsed: list[Any] = []
    classes: dict[str, type[Device]] = {}
    shared: dict[tuple, tuple[Any, dict]] = {}  # one parse per distinct (params model, params): see _parse_params
    params: list[Any] = [None] * len(scenario.timeline)  # (params model, params as JSON) per action
    seen: set[str] = set()
    for i, spec in enumerate(scenario.devices):
        where = f"devices[{i}]"
        if spec.id in seen:
            issues.append(Issue(f"{where}.id", "duplicate device id; each device needs its own", spec.id))
        seen.add(spec.id)
        kind = spec.profile.split("/", 1)[0]
        if kind == "patient":
            issues.append(Issue(f"{where}.profile", "a patient goes in the scenario's 'patient:' section, linked to a stimulator", spec.profile))
            continue
        try:
            cls = device_class_for(kind)
        except KeyError as exc:
            issues.append(Issue(f"{where}.profile", str(exc.args[0]), spec.profile))
            continue
        classes[spec.id] = cls  # its actions are checked even if the profile is unknown
        try:
            profile = registry.get(spec.profile, expected_kind=kind)
        except InputError as exc:
            issues.extend(i.under(where) for i in exc.issues)
            continue
        try:
            settings[spec.id] = cls.validate_settings(profile, spec.settings, registry)
        except InputError as exc:
            issues.extend(i.under(f"{where}.settings") for i in exc.issues)
        classes[spec.id] = cls
    if scenario.patient is not None:  # the virtual patient (simulator/patient)
        from simulator.patient.scenario import check_patient_section

        issues.extend(check_patient_section(scenario, registry, settings, classes))
        seen.add(scenario.patient.id)
    models_of: dict[type[Device], dict[str, type]] = {}  # each class's action models, asked once (a copy per call)
    duration = scenario.duration
    empty_params: dict[tuple[str, str], tuple[Any, dict]] = {}  # (device, action) -> the parse of `{}` params (a daily bolus's)
    for j, action in enumerate(scenario.timeline):
        if not action.params:  # the commonest action of a long timeline: `{}` params for a known device and action
            pair = empty_params.get((action.device, action.action))
            if pair is not None and type(action.params) is dict and action.at_s <= duration:
                params[j] = pair
                parsed.append((j, *pair))
                continue
        if action.at_s > duration:
            issues.append(
                Issue(f"{action.where(j)}.at", f"action falls after the end of the scenario (duration {format_duration(scenario.duration)}){action.occurrence_note()}", format_duration(action.at_s))
            )
        action_cls = classes.get(action.device)
        if action_cls is None:
            if action.device not in seen:
                issues.append(Issue(f"{action.where(j)}.device", f"no such device; devices: {', '.join(s.id for s in scenario.devices)}{did_you_mean(action.device, [s.id for s in scenario.devices])}", action.device))
            continue
        models = models_of.get(action_cls)
        if models is None:
            models = models_of[action_cls] = action_cls.action_models()
        if action.action not in models:
            issues.append(Issue(f"{action.where(j)}.action", f"unknown action for a {action_cls.kind} device; allowed: {', '.join(sorted(models))}{did_you_mean(action.action, models)}", action.action))
            continue
        try:
            pair = params[j] = _parse_params(models[action.action], action.params, shared)  # shared by repeats, not copied
            parsed.append((j, *pair))
            if type(action.params) is dict and not action.params:
                empty_params[(action.device, action.action)] = pair  # (the next such action skips the look-ups above)
        except InputError as exc:
            issues.extend(i.under(f"{action.where(j)}.params") for i in exc.issues)
    issues.extend(_timeline_problems(scenario, settings, parsed, registry))
    if issues:
        raise InputError(_once_per_entry(issues), file)
    done = {"settings": settings, "params": params}
    scenario._remember_checked(registry, done)
    return done
