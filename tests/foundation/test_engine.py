"""Engine contracts, proven with the toy tank (tests/toy_device.py)."""
import numpy as np
import pytest

from simulator import Simulation, scenario_from_dict
from simulator.engine import device_rng
from simulator.errors import InputError

DAY = 86400.0


def build(data, registry, **kw):
    return Simulation(scenario_from_dict(data, registry), registry=registry, **kw)


def test_closed_form_run_hits_the_hand_computed_empty_time(toy_registry, toy_scenario_dict):
    # 10 mL at 0.5 mL/day: 7.5 mL left at day 5, +4 mL = 11.5 mL; 9 mL at day 10;
    # then 1 mL/day: empty at day 19.
    sim = build(toy_scenario_dict, toy_registry)
    results = sim.run().results()
    alarms = results.events_where(device="tank", kind="alarm.raised")
    assert [e.t_s for e in alarms] == [pytest.approx(19 * DAY)]
    t, v = results.series_arrays("tank", "volume_ml")
    assert v[0] == 10.0
    assert np.interp(7 * DAY, t, v) == pytest.approx(11.5 - 2 * 0.5)


def test_actions_at_the_same_time_apply_before_device_events_in_file_order(toy_registry, toy_scenario_dict):
    data = dict(toy_scenario_dict)
    # the tank empties at day 19 on its own; three actions are also due at day 19
    data["timeline"] = toy_scenario_dict["timeline"] + [
        {"at": "19d", "device": "tank", "action": "set_rate", "params": {"rate_ml_per_day": 2}},
        {"at": "19d", "device": "tank", "action": "fill", "params": {"volume_ml": 1}},
        {"at": "19d", "device": "tank", "action": "set_rate", "params": {"rate_ml_per_day": 3}},
    ]
    results = build(data, toy_registry).run().results()
    at19 = [(e.kind, e.payload.get("action")) for e in results.events if e.t_s == pytest.approx(19 * DAY)]
    assert at19 == [("action", "set_rate"), ("action", "fill"), ("action", "set_rate")]
    # the fill at day 19 came first, so the empty alarm moves to day 19 + 1 mL / 3 mL/day
    empties = results.event_times("tank", "alarm.raised")
    assert empties == pytest.approx([19 * DAY + DAY / 3])


def test_same_scenario_and_seed_give_byte_identical_outputs(toy_registry, toy_scenario_dict, tmp_path):
    a = build(toy_scenario_dict, toy_registry).run().results().write(tmp_path / "a")
    b = build(toy_scenario_dict, toy_registry).run().results().write(tmp_path / "b")
    for name in ["events.jsonl", "summary.json", "series/tank.volume_ml.csv"]:
        assert (a / name).read_bytes() == (b / name).read_bytes()
    c = build(toy_scenario_dict, toy_registry, seed=99).run().results()
    assert c.summary["devices"]["tank"]["noise"] != build(toy_scenario_dict, toy_registry).run().results().summary["devices"]["tank"]["noise"]


def test_small_steps_give_the_same_events_as_one_run(toy_registry, toy_scenario_dict):
    whole = build(toy_scenario_dict, toy_registry).run().results()
    sim = build(toy_scenario_dict, toy_registry)
    while not sim.finished:
        sim.advance(3 * 3600.0)
    stepped = sim.results()
    assert [(e.t_s, e.kind, e.payload) for e in whole.events] == [(e.t_s, e.kind, e.payload) for e in stepped.events]


def test_device_rng_depends_on_seed_and_id_only():
    a = device_rng(5, "pump").random(3)
    assert np.array_equal(a, device_rng(5, "pump").random(3))
    assert not np.array_equal(a, device_rng(5, "ipg").random(3))
    assert not np.array_equal(a, device_rng(6, "pump").random(3))


def test_interactive_actions_are_refused_or_kept_for_saving(toy_registry, toy_scenario_dict):
    sim = build(toy_scenario_dict, toy_registry)
    sim.run(until=2 * DAY)
    refused = sim.apply_action("tank", "fill", {"volume_ml": 50})  # 9 + 50 > 20 mL capacity
    assert not refused and "capacity" in refused.reason
    ok = sim.apply_action("tank", "set_rate", {"rate_ml_per_day": 2})
    assert ok
    with pytest.raises(InputError):
        sim.apply_action("tank", "set_rate", {"rate_ml_per_day": -1})
    with pytest.raises(InputError):
        sim.apply_action("nope", "set_rate", {})
    saved = sim.scenario_with_applied_actions()
    assert [a.at for a in saved.timeline] == [2 * DAY, 2 * DAY, 5 * DAY, 10 * DAY]
    kinds = [e.kind for e in sim.results().events_where(device="tank")]
    assert kinds[:3] == ["action", "refusal", "action"]


def test_run_to_next_event_stops_at_each_event(toy_registry, toy_scenario_dict):
    sim = build(toy_scenario_dict, toy_registry)
    assert sim.run_to_next_event() == pytest.approx(5 * DAY)
    assert sim.run_to_next_event() == pytest.approx(10 * DAY)
    assert sim.run_to_next_event() == pytest.approx(19 * DAY)
