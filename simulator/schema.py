"""JSON Schemas of every input (scenarios, each device kind's settings and actions, profiles) and
of the event payloads the simulator writes (`events`: see simulator.event_kinds)."""
from __future__ import annotations

from typing import Any

from simulator.device import DEVICE_CLASSES, device_class_for
from simulator.profiles.registry import PROFILE_MODELS, profile_model
from simulator.scenario.model import Scenario


def all_schemas() -> dict[str, Any]:
    out: dict[str, Any] = {"scenario": Scenario.model_json_schema()}
    for kind in DEVICE_CLASSES:
        try:
            cls = device_class_for(kind)
        except ImportError:
            continue
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
