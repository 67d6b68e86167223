"""Results keep the scenario as it ran (`scenario_json`, a copy made at results()), whatever the
caller does to the Scenario afterwards; and nothing in a run, its results or their files edits
the Scenario."""
from __future__ import annotations

import pickle

import pytest

from simulator import Simulation
from simulator.bundled import bundled_scenario_names, resolve_scenario_path
from simulator.results import Results
from simulator.scenario.loader import load_scenario


def _run(name: str, days: float = 60.0) -> tuple:
    scenario = load_scenario(resolve_scenario_path(name))
    before = scenario.model_dump(mode="json")
    sim = Simulation(scenario)
    sim.run(until=min(sim.duration_s, days * 86400.0))
    return scenario, before, sim.results()


def test_results_keep_the_scenario_as_run_after_the_caller_edits_it():
    scenario, before, results = _run("default", 10.0)
    scenario.name = "edited after the run"  # a Python caller editing its scenario for the next run
    assert results.scenario_json == before
    assert results.scenario_json["name"] != "edited after the run"


def test_pickled_results_carry_the_scenario_json():
    _, before, results = _run("default", 10.0)
    back = pickle.loads(pickle.dumps(results))
    assert back.scenario_json == before and back == results


def test_hand_made_results_have_their_own_dicts():
    assert Results("x", 0, "", 1.0, [], {}, {}).scenario_json == {}
    assert Results("x", 0, "", 1.0, [], {}, {}).scenario_json is not Results("y", 0, "", 1.0, [], {}, {}).scenario_json


@pytest.mark.parametrize("name", bundled_scenario_names())
def test_a_run_and_its_files_leave_the_scenario_unchanged(name, tmp_path):
    scenario, before, results = _run(name)
    results.write(tmp_path / "out")
    assert scenario.model_dump(mode="json") == before
    assert results.scenario_json == before
