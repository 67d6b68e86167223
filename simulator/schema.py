"""JSON Schemas of every input: scenarios, sweep specs, exercises, attempts, each device kind's
settings and actions, and profiles; and the
event payloads the simulator writes (`events`: see simulator.event_kinds).

The scenario schema is complete for editors: a device's `settings` follow the settings model of
its profile's kind (`profile: pump/...` -> the pump's settings) and an action's `params` follow
the parameter model of its `action` (discriminated with JSON Schema `if`/`then`), so completion
and checking reach every field. An action name that two kinds share (with different parameters)
accepts either kind's parameters in the schema; `validate` checks them against the device's own.
"""
from __future__ import annotations

from typing import Any, Literal

from simulator.device import DEVICE_CLASSES, Device, device_class_for
from simulator.errors import InputError
from simulator.profiles.registry import PROFILE_MODELS, profile_model
from simulator.scenario.model import Scenario

REF = "#/$defs/{model}"


def _device_classes() -> dict[str, type[Device]]:
    out = {}
    for kind in DEVICE_CLASSES:
        try:
            out[kind] = device_class_for(kind)
        except ImportError:
            continue
    return out


#: models that also accept a short text form (read by a 'before' validator the generated schema
#: cannot see): $defs name -> the text form's schema, added as an alternative
SHORT_FORMS: dict[str, dict[str, Any]] = {
    "ContactUse": {"type": "string", "pattern": r"^\s*[+-]\s*([0-9]*\.?[0-9]+\s*%?)?\s*$", "description": "'-' cathode, '+' anode, or with a share: '-60', '+40'"},
}


def _add_short_forms(defs: dict[str, Any]) -> None:
    for name, text_form in SHORT_FORMS.items():
        if name in defs and "anyOf" not in defs[name]:
            body = defs[name]
            defs[name] = {"anyOf": [text_form, body], "description": body.get("description", "")}


def scenario_schema() -> dict[str, Any]:
    """The scenario schema with each kind's settings and each action's params filled in."""
    from pydantic import BaseModel
    from pydantic.json_schema import models_json_schema

    classes = _device_classes()
    models: list[tuple[type[BaseModel], Literal["validation"]]] = [(Scenario, "validation")]
    for cls in classes.values():
        models.append((cls.Settings, "validation"))
        models.extend((m, "validation") for _, m in sorted(cls.action_models().items()))
    refs, doc = models_json_schema(models, ref_template=REF)
    defs = doc.get("$defs", {})
    top = dict(defs.pop(refs[(Scenario, "validation")]["$ref"].rsplit("/", 1)[-1]))
    device_def = _def_of(top, defs, "devices")
    action_def = _def_of(top, defs, "timeline")

    kind_rules = []
    for kind, cls in classes.items():
        settings_ref = refs[(cls.Settings, "validation")]
        kind_rules.append(
            {
                "if": {"properties": {"profile": {"type": "string", "pattern": f"^{kind}/"}}, "required": ["profile"]},
                "then": {"properties": {"settings": {**settings_ref, "description": f"Settings of a {kind} device"}}},
            }
        )
    device_def["allOf"] = kind_rules
    device_def["properties"]["profile"]["examples"] = _profile_ids(classes)

    by_action: dict[str, list[dict[str, str]]] = {}
    for cls in classes.values():
        for name, model in sorted(cls.action_models().items()):
            ref = refs[(model, "validation")]
            if ref not in by_action.setdefault(name, []):
                by_action[name].append(ref)
    action_rules = []
    for name, choices in sorted(by_action.items()):
        params = choices[0] if len(choices) == 1 else {"anyOf": choices}
        action_rules.append({"if": {"properties": {"action": {"const": name}}, "required": ["action"]}, "then": {"properties": {"params": params}}})
    action_def["allOf"] = action_rules
    action_def["properties"]["action"]["examples"] = sorted(by_action)
    _add_short_forms(defs)
    top["$defs"] = defs
    top["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    top["title"] = "neuromod-sim scenario"
    return top


def _def_of(top: dict, defs: dict, field: str) -> dict:
    """The $defs entry of the items of list field `field` of the top model."""
    ref = top["properties"][field]["items"]["$ref"]
    return defs[ref.rsplit("/", 1)[-1]]


def _profile_ids(classes: dict[str, type]) -> list[str]:
    try:
        from simulator.profiles.registry import default_registry

        registry = default_registry()
        return [pid for kind in classes for pid in registry.ids(kind)]
    except (InputError, OSError):  # the bundled profiles unreadable: the schema still stands without examples
        return []


def sweep_schema() -> dict[str, Any]:
    from simulator.sweep.spec import SweepSpec

    return {**SweepSpec.model_json_schema(), "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "neuromod-sim sweep spec"}


def exercise_schema() -> dict[str, Any]:
    """The exercise schema; an inline `scenario` follows the scenario schema."""
    from simulator.training.exercise import Exercise

    doc = Exercise.model_json_schema(ref_template=REF)
    scenario = scenario_schema()
    defs = doc.setdefault("$defs", {})
    for name, body in scenario.pop("$defs").items():
        defs.setdefault(f"scenario_{name}" if name in defs else name, body)
    scenario.pop("$schema", None)
    defs["ScenarioFile"] = scenario
    doc["properties"]["scenario"] = {
        "anyOf": [{"type": "string", "description": "a bundled scenario's name or a path relative to the exercise"}, {"$ref": "#/$defs/ScenarioFile"}],
        "description": doc["properties"]["scenario"].get("description", ""),
    }
    return {**doc, "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "neuromod-sim exercise"}


def attempt_schema() -> dict[str, Any]:
    from simulator.training.attempt import Attempt

    return {**Attempt.model_json_schema(), "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "neuromod-sim attempt"}


def all_schemas() -> dict[str, Any]:
    out: dict[str, Any] = {"scenario": scenario_schema(), "sweep": sweep_schema(), "exercise": exercise_schema(), "attempt": attempt_schema()}
    for kind, cls in _device_classes().items():
        out[kind] = {
            "settings": cls.Settings.model_json_schema(),
            "actions": {name: model.model_json_schema() for name, model in sorted(cls.action_models().items())},
        }
    out["profiles"] = {}
    for kind in PROFILE_MODELS:
        try:
            out["profiles"][kind] = profile_model(kind).model_json_schema()
        except ImportError:
            continue
    out["events"] = event_schemas()
    return out


def event_schemas() -> dict[str, Any]:
    """Event kind -> its description and the JSON Schema of its payload."""
    from simulator.event_kinds import payload_schemas

    return payload_schemas()
