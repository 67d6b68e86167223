"""JSON Schemas complete enough for editors: settings by profile kind, params by action, sweeps,
exercises; every bundled file conforms, and a misspelt field deep inside a device is caught."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from simulator.cli.main import main
from simulator.schema import exercise_schema, scenario_schema, sweep_schema

jsonschema = pytest.importorskip("jsonschema")
ROOT = Path(__file__).resolve().parents[2]


def as_json(path: Path):
    """A YAML file as an editor's JSON view of it (dates as the text they are written as)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=lambda o: o.isoformat()))


@pytest.fixture(scope="module")
def scenario_validator():
    schema = scenario_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(validator, doc):
    return [(list(e.absolute_path), e.message) for e in validator.iter_errors(doc)]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")) + [ROOT / "sweeps" / "pump_morphine_30d.yaml"], ids=lambda p: p.name)
def test_every_bundled_scenario_conforms(scenario_validator, path):
    assert errors(scenario_validator, as_json(path)) == []


def test_a_misspelt_pump_setting_is_caught_by_the_schema(scenario_validator):
    doc = as_json(ROOT / "scenarios" / "pump_morphine_refills.yaml")
    bad = copy.deepcopy(doc)
    bad["devices"][0]["settings"]["concentraton_mg_per_ml"] = 10
    found = errors(scenario_validator, bad)
    assert any(p == ["devices", 0, "settings"] and "concentraton_mg_per_ml" in m for p, m in found)
    # a nested sub-setting too: flow_error's fields come from the pump's settings model
    bad = copy.deepcopy(doc)
    bad["devices"][0]["settings"]["flow_error"] = {"random_systemic": True}
    assert any(p == ["devices", 0, "settings", "flow_error"] for p, _ in errors(scenario_validator, bad))


def test_action_params_follow_the_action(scenario_validator):
    doc = as_json(ROOT / "scenarios" / "pump_morphine_refills.yaml")
    doc["timeline"][1]["params"] = {"fill_ml": "twenty"}  # refill: fill_ml is a number
    assert any(p == ["timeline", 1, "params", "fill_ml"] for p, _ in errors(scenario_validator, doc))
    doc["timeline"][1]["params"] = {"fill_ml": 20, "fil_ml": 3}
    assert any(p == ["timeline", 1, "params"] and "fil_ml" in m for p, m in errors(scenario_validator, doc))


def test_a_stimulator_s_settings_are_not_a_pump_s(scenario_validator):
    doc = as_json(ROOT / "scenarios" / "scs_rechargeable_60d.yaml")
    doc["devices"][0]["settings"]["reservoir_ml"] = 20  # a pump setting on an scs device
    assert any(p == ["devices", 0, "settings"] and "reservoir_ml" in m for p, m in errors(scenario_validator, doc))


def test_the_schema_names_the_recurring_fields_and_lists_actions_and_profiles():
    schema = scenario_schema()
    action = schema["$defs"]["ActionSpec"]
    assert {"every", "count", "until", "at_time"} <= set(action["properties"])
    assert "refill" in action["properties"]["action"]["examples"] and "recharge" in action["properties"]["action"]["examples"]
    assert "pump/peristaltic-20ml" in schema["$defs"]["DeviceSpec"]["properties"]["profile"]["examples"]


def test_bundled_sweeps_and_exercises_conform():
    sweep = jsonschema.Draft202012Validator(sweep_schema())
    for path in sorted((ROOT / "sweeps").glob("morphine_*.yaml")):
        assert errors(sweep, as_json(path)) == [], path
    bad = as_json(ROOT / "sweeps" / "morphine_refill_small.yaml")
    bad["on_invalid"] = "ignore"
    assert any(p == ["on_invalid"] for p, _ in errors(sweep, bad))
    exercise = jsonschema.Draft202012Validator(exercise_schema())
    for path in sorted((ROOT / "exercises").glob("*.yaml")):
        assert errors(exercise, as_json(path)) == [], path


@pytest.mark.parametrize("which, title", [("sweep", "neuromod-sim sweep spec"), ("exercise", "neuromod-sim exercise"), ("scenario", "neuromod-sim scenario"), ("attempt", "neuromod-sim attempt")])
def test_schema_command_prints_each_kind(capsys, which, title):
    assert main(["schema", which]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == title
