"""The scenario's `patient:` section: bad input names the field path and the allowed values."""
import copy

import pytest

from simulator.errors import InputError
from simulator.scenario.loader import scenario_from_dict
from tests.patient.helpers import build, scenario, tonic

BASE = scenario(tonic({"E2": "+", "E3": "-"}, 5.0), profile="patient/fbss-back-bilateral-legs")


def _issues(data):
    with pytest.raises(InputError) as exc:
        scenario_from_dict(data)
    return {i.path: i for i in exc.value.issues}


def test_unknown_stimulator_and_non_stimulator_link():
    data = copy.deepcopy(BASE)
    data["patient"]["stimulator"] = "nope"
    assert "patient.stimulator" in _issues(data)
    data = copy.deepcopy(BASE)
    data["devices"].append({"id": "pump", "profile": "pump/peristaltic-20ml", "settings": {}})
    data["patient"]["stimulator"] = "pump"
    issues = _issues(data)
    assert "spinal cord stimulator" in issues["patient.stimulator"].message


def test_placements_must_match_the_stimulator_leads_and_levels_must_exist():
    data = copy.deepcopy(BASE)
    data["patient"]["leads"] = [{"level": "T8"}, {"level": "T9"}]
    assert "patient.leads" in _issues(data)
    data["patient"]["leads"] = [{"level": "T19"}]
    assert any("T19" in str(i.value) or "level" in p for p, i in _issues(data).items())


def test_unknown_profile_trial_too_long_and_patient_among_devices():
    data = copy.deepcopy(BASE)
    data["patient"]["profile"] = "patient/nobody"
    assert any(p.startswith("patient") for p in _issues(data))
    data = copy.deepcopy(BASE)
    data["patient"]["settings"] = {"trial": {"days": 10}}  # scenario lasts 10 d: ends exactly at the end, fine
    scenario_from_dict(data)
    data["patient"]["settings"] = {"trial": {"days": 7, "start": "5d"}}
    assert "patient.settings.trial" in _issues(data)
    data["patient"]["settings"] = {"trial": {"days": 30}}
    assert any("days" in p for p in _issues(data))
    data = copy.deepcopy(BASE)
    data["devices"].append({"id": "p2", "profile": "patient/fbss-back-bilateral-legs"})
    assert "devices[1].profile" in _issues(data)


def test_migration_action_is_validated_and_bounded():
    data = copy.deepcopy(BASE)
    data["timeline"] = [{"at": "1d", "device": "patient", "action": "lead_migration", "params": {"distance_mm": 500}}]
    assert any("distance_mm" in p for p in _issues(data))


def test_the_patient_is_a_device_of_the_run_with_a_summary():
    from simulator.profiles.registry import default_registry

    sim = build(BASE, default_registry())
    sim.run("1d")
    res = sim.results()
    summary = res.device_summary("patient")
    assert summary["linked_stimulator"] == "ipg" and "approximation for teaching" in summary["label"]
    assert "relief_pct" in {s for _, s in res.series if _ == "patient"}
