"""Results share the run's Scenario and dump `scenario_json` when it is first read: the same data
as a dump made at results(), pickled as JSON; and nothing in a run, its results or their files
edits the Scenario (which is what makes sharing it safe)."""
from __future__ import annotations

import dataclasses
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


def test_scenario_json_is_dumped_on_first_read_and_kept():
    scenario, before, results = _run("default", 10.0)
    assert results.__dict__["_scenario_json"] is scenario  # shared, not copied, until read
    first = results.scenario_json
    assert first == before and results.scenario_json is first


def test_pickled_results_carry_the_json_not_the_scenario():
    _, before, results = _run("default", 10.0)
    data = pickle.dumps(results)
    assert b"Scenario" not in data
    back = pickle.loads(data)
    assert back.scenario_json == before and back == results


def test_hand_made_results_and_replace_keep_their_dicts():
    r = Results("x", 0, "", 1.0, [], {}, {})
    assert r.scenario_json == {} and r.scenario_json is not Results("y", 0, "", 1.0, [], {}, {}).scenario_json
    s = Results("x", 0, "", 1.0, [], {}, {}, {"name": "x"})
    assert dataclasses.replace(s, events=[]).scenario_json == {"name": "x"}


@pytest.mark.parametrize("name", bundled_scenario_names())
def test_a_run_and_its_files_leave_the_scenario_unchanged(name, tmp_path):
    scenario, before, results = _run(name)
    results.write(tmp_path / "out")
    assert scenario.model_dump(mode="json") == before
    assert results.scenario_json == before
