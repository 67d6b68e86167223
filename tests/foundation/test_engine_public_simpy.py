"""SimPy through its public API only (core issue item 5), and the action ordering it must keep:
actions at a stopping instant are applied inside the run that stops there, before sim.end at
the scenario's end, and before the device's own events at the same instant. Toy tank: see
tests/toy_device.py (10 mL at 0.5 mL/day)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simulator import Simulation, scenario_from_dict
from tests.engine_steps import run_counting_steps

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0
PRIVATE_SIMPY = {"_now", "_ok", "_value", "_queue", "_eid", "_delay", "_defused", "_target", "_generator"}


def build(data, registry):
    return Simulation(scenario_from_dict(data, registry), registry=registry)


def test_no_private_simpy_attribute_or_module_in_the_simulator():
    found = []
    for path in sorted((ROOT / "simulator").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE_SIMPY:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simpy."):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} from {node.module}")
    assert found == []


def test_an_action_at_the_scenario_end_is_applied_before_sim_end(toy_registry, toy_scenario_dict):
    data = dict(toy_scenario_dict, timeline=[*toy_scenario_dict["timeline"], {"at": "30d", "device": "tank", "action": "fill", "params": {"volume_ml": 2}}])
    results = build(data, toy_registry).run().results()
    tail = [(e.t_s, e.kind, e.payload.get("action")) for e in results.events][-2:]
    assert tail == [(30 * DAY, "action", "fill"), (30 * DAY, "sim.end", None)]
    # the tank holds 9 mL at day 10 (10 - 0.5 x 5 + 4 - 0.5 x 5) and empties at 1 mL/day on day
    # 19; the 2 mL filled at day 30 are its content at the end
    assert results.series_arrays("tank", "volume_ml")[1][-1] == pytest.approx(2.0)


def test_a_run_stopping_at_an_action_instant_applies_the_action_inside_it(toy_registry, toy_scenario_dict):
    sim = build(toy_scenario_dict, toy_registry)
    sim.run(until=5 * DAY)  # the fill of 4 mL is due at day 5
    assert sim.now == 5 * DAY
    assert [(e.t_s, e.payload.get("action")) for e in sim.recorder.events if e.kind == "action"] == [(5 * DAY, "fill")]
    sim.run(until=7 * DAY)
    sim.run()
    whole = build(toy_scenario_dict, toy_registry).run().results()
    assert [(e.t_s, e.kind, e.payload) for e in sim.results().events] == [(e.t_s, e.kind, e.payload) for e in whole.events]


def test_actions_at_one_instant_share_one_simpy_event(toy_registry, toy_scenario_dict):
    three = [{"at": "12d", "device": "tank", "action": "fill", "params": {"volume_ml": 1}} for _ in range(3)]
    sim = build(dict(toy_scenario_dict, timeline=[*toy_scenario_dict["timeline"], *three]), toy_registry)
    # By hand (the tank re-plans its empty wake-up at every action; a cancelled wake-up still
    # fires, as a no-op): 10 mL at 0.5 mL/day -> wake-up at day 20; fill 4 mL at day 5 (7.5 + 4
    # = 11.5 mL) -> day 28; 1 mL/day at day 10 (9 mL) -> day 19; three fills of 1 mL at day 12
    # (7 mL -> 8, 9, 10) -> days 20, 21, 22. Processed before day 30: 3 action instants (5, 10,
    # 12 d: one SimPy event each, however many actions), 6 wake-ups (20, 28, 19, 20, 21, 22 d)
    # and the run's own stop event = 10 (one event per action would make it 12).
    assert run_counting_steps(sim) == 10
    assert [e.payload.get("action") for e in sim.recorder.events if e.t_s == 12 * DAY] == ["fill"] * 3
    assert sim.results().event_times("tank", "alarm.raised") == pytest.approx([22 * DAY])
