"""The timeline's group runner (`Simulation._fire_group`, issue 14, twelfth pass) runs the
actions of an instant as the plain path does: `Simulation._dispatch` for each action in file
order, then the deferred wake-ups it did not replace. Whole runs identical event by event and
series by series: bundled scenarios (pumps with deferred wake-ups, refills, a patient, the
stimulator's faults), refused and warned actions, actions not checked before the run
(`validate=False`: parsed at dispatch), and runs stopped at action instants."""
from __future__ import annotations

from pathlib import Path

import pytest

from simulator.engine import Simulation
from simulator.scenario import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ["pump_morphine_refills.yaml", "pump_patient_boluses.yaml", "pump_baclofen_flex_missed_refill.yaml",
           "it_patient_ziconotide_titration.yaml", "scs_impedance_fault.yaml", "scs_closed_loop_postures.yaml", "default.yaml"]
TWO_PERC8 = [{"lead": "lead/percutaneous-8", "top_level": "T8", "side": "left"}, {"lead": "lead/percutaneous-8", "top_level": "T8", "side": "right"}]


def _plain_fire_group(self: Simulation, at: float, entries: list[tuple], _event) -> None:
    """The plain path (the engine before the group runner): the group leaves the table, then
    `_dispatch` and the deferred wake-ups' check for each action."""
    groups = self._action_groups
    groups.pop(at, None)
    if not groups:
        self._action_groups = {}
    for device_id, action, params, pre in entries:
        self._dispatch(device_id, action, params, pre)
        now = self.env.now
        if now >= self.wakeups.guard_s:
            self.wakeups.after_action(device_id, now)


def _stimulator_scenario():
    """Steps, refusals (above the lead's limit, an unknown program) and warnings at shared instants."""
    program = {"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 210.0, "rate_hz": 40.0}
    steps = [{"at": 3600.0 * k, "device": "ipg", "action": "amplitude_up" if k % 3 else "amplitude_down", "params": {"program": "back"}}
             for k in range(1, 40)]
    steps += [{"at": 3600.0 * 5, "device": "ipg", "action": "set_amplitude", "params": {"program": "back", "amplitude_ma": 25.0}},
              {"at": 3600.0 * 5, "device": "ipg", "action": "set_amplitude", "params": {"program": "nope", "amplitude_ma": 1.0}},
              {"at": 3600.0 * 7, "device": "ipg", "action": "set_amplitude", "params": {"program": "back", "amplitude_ma": 9.0}},
              {"at": 3600.0 * 9, "device": "ipg", "action": "stimulation_off", "params": {}},
              {"at": 3600.0 * 9 + 1.0, "device": "ipg", "action": "stimulation_on", "params": {}}]
    return scenario_from_dict({"name": "t", "seed": 2, "duration": "2d", "timeline": steps,
                               "devices": [{"id": "ipg", "profile": "scs/rechargeable-micc-16",
                                            "settings": {"leads": TWO_PERC8, "programs": [program], "active_programs": ["back"]}}]})


def _runs(scenario, monkeypatch: pytest.MonkeyPatch, validate: bool = True, stops: tuple[float, ...] = ()):
    """(group runner's results, plain path's results) of `scenario`, each run through `stops` (s) then to the end."""
    out = []
    for plain in (False, True):
        with monkeypatch.context() as m:
            if plain:
                m.setattr(Simulation, "_fire_group", _plain_fire_group)
            sim = Simulation(scenario, validate=validate)
            for stop in stops:
                sim.run(until=stop)
            sim.run()
            out.append(sim.results())
    return out


def _assert_same(a, b) -> None:
    assert len(a.events) == len(b.events)
    for x, y in zip(a.events, b.events):  # event by event
        assert x == y
    assert a.summary == b.summary
    assert list(a.series) == list(b.series)
    for key in a.series:  # series by series
        assert a.series[key] == b.series[key], key


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_group_runner_is_plain(monkeypatch, name):
    scenario = load_scenario(ROOT / "scenarios" / name)
    fast, slow = _runs(scenario, monkeypatch)
    assert any(e.kind == "action" for e in fast.events) or not scenario.timeline
    _assert_same(fast, slow)


@pytest.mark.parametrize("name", ["pump_morphine_refills.yaml", "scs_impedance_fault.yaml"])
def test_runs_stopped_at_action_instants_group_runner_is_plain(monkeypatch, name):
    scenario = load_scenario(ROOT / "scenarios" / name)
    stops = tuple(sorted({a.at_s for a in scenario.timeline if 0 < a.at_s < scenario.duration}))[:12]
    assert stops
    fast, slow = _runs(scenario, monkeypatch, stops=stops)
    _assert_same(fast, slow)
    whole, _ = _runs(scenario, monkeypatch)
    assert [(e.t_s, e.kind) for e in fast.events] == [(e.t_s, e.kind) for e in whole.events]


@pytest.mark.parametrize("validate", [True, False])
def test_refusals_and_warnings_group_runner_is_plain(monkeypatch, validate):
    fast, slow = _runs(_stimulator_scenario(), monkeypatch, validate=validate)
    kinds = [e.kind for e in fast.events]
    assert kinds.count("refusal") == 2  # 25 mA above the limit; no program "nope"
    assert kinds.count("action") == 44
    _assert_same(fast, slow)
    # the refusal events name the action and say why, as `_dispatch` writes them
    refusals = [e.payload for e in fast.events if e.kind == "refusal"]
    assert all(r["action"] == "set_amplitude" and r["reason"] for r in refusals)
