"""The scenario's parsed action params: one parse per distinct params of one action model, shared
by the actions that repeat them; never shared across different values or types; never mutated."""
from __future__ import annotations

import pytest

from simulator import Simulation, scenario_from_dict
from simulator.bundled import bundled_scenario_names, resolve_scenario_path
from simulator.profiles.registry import default_registry
from simulator.scenario.loader import _params_key, load_scenario, validate_references
from tests.pump.helpers import morphine_settings


def _scenario(timeline):
    return scenario_from_dict({
        "name": "params", "duration": "20d",
        "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": morphine_settings()}],
        "timeline": timeline,
    })


def test_repeated_params_are_parsed_once_and_events_get_their_own_copy():
    scenario = _scenario([{"at": f"{d}d", "device": "pump", "action": "interrogate", "params": {}} for d in (1, 2, 3)]
                         + [{"at": "5d", "device": "pump", "action": "refill", "params": {"fill_ml": 20}},
                            {"at": "12d", "device": "pump", "action": "refill", "params": {"fill_ml": 20}},
                            {"at": "15d", "device": "pump", "action": "refill", "params": {"fill_ml": 10}}])
    parsed = validate_references(scenario, default_registry())["params"]
    ack, refill_20, refill_20b, refill_10 = parsed[0], parsed[3], parsed[4], parsed[5]
    for model, dumped in (parsed[1], parsed[2]):  # three interrogations: one parse
        assert model is ack[0] and dumped is ack[1]
    assert refill_20[0] is refill_20b[0] and refill_20[1] is refill_20b[1] and refill_20[0].fill_ml == 20
    assert refill_10[0] is not refill_20[0] and refill_10[0].fill_ml == 10
    events = [e for e in Simulation(scenario).run().results().events if e.kind == "action" and e.payload["action"] == "refill"]
    assert [e.payload["params"]["fill_ml"] for e in events] == [20, 20, 10]
    assert events[0].payload["params"] is not events[1].payload["params"]  # each event its own dict


@pytest.mark.parametrize("a, b", [(1, 1.0), (1, True), (0.0, -0.0), ({"a": 1, "b": 2}, {"b": 2, "a": 1}), ([1], (1,)), ("1", 1)])
def test_equal_looking_values_of_other_types_or_order_get_their_own_key(a, b):
    assert _params_key(a) != _params_key(b)
    assert _params_key(a) == _params_key(a)


def test_params_of_other_types_are_parsed_on_their_own():
    assert _params_key({"x": object()}) is None
    assert _params_key({1: "a"}) is None


@pytest.mark.parametrize("name", bundled_scenario_names())
def test_a_run_leaves_the_shared_parses_unchanged(name):
    """Nothing a run does edits an action's parsed params (model or JSON): sharing them is safe."""
    scenario = load_scenario(resolve_scenario_path(name))
    parsed = [p for p in validate_references(scenario, default_registry())["params"] if p is not None]
    before = [(model.model_dump(mode="json"), repr(dumped)) for model, dumped in parsed]
    sim = Simulation(scenario)
    sim.run(until=min(sim.duration_s, 60 * 86400.0))
    sim.results()
    assert [(model.model_dump(mode="json"), repr(dumped)) for model, dumped in parsed] == before


def test_empty_params_repeated_keep_every_check_of_their_action():
    """Actions with `{}` params after one of the same device and action parsed them: the shared
    parse, and still the end-of-scenario, device and action checks of each."""
    from simulator.errors import InputError

    timeline = [{"at": f"{d}d", "device": "pump", "action": "interrogate", "params": {}} for d in (1, 2, 3)]
    parsed = validate_references(_scenario(timeline), default_registry())["params"]
    assert parsed[0] is parsed[1] is parsed[2]
    timeline += [{"at": "25d", "device": "pump", "action": "interrogate", "params": {}},
                 {"at": "4d", "device": "pumpx", "action": "interrogate", "params": {}},
                 {"at": "4d", "device": "pump", "action": "interrogatex", "params": {}}]
    with pytest.raises(InputError) as info:
        _scenario(timeline)
    paths = [issue.path for issue in info.value.issues]
    assert paths == ["timeline[3].at", "timeline[4].device", "timeline[5].action"]
