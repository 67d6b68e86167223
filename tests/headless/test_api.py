"""The Python API: load or build, change by field path, run, read arrays, DataFrames and events."""
from __future__ import annotations

import numpy as np
import pytest

from simulator import Scenario, Simulation, scenario_from_dict
from simulator.api import flat_figures, load_results, run, scenario_data, with_changes
from simulator.errors import InputError

DAY = 86400.0


def test_with_changes_makes_a_new_validated_scenario(toy_registry, toy_scenario_dict):
    base = scenario_from_dict(toy_scenario_dict, toy_registry)
    changed = with_changes(base, {"devices[tank].settings.rate_ml_per_day": 1.0, "timeline[0].at": "2d", "duration": "12d"}, toy_registry)
    assert isinstance(changed, Scenario)
    assert changed.devices[0].settings["rate_ml_per_day"] == 1.0
    assert changed.timeline[0].at == 2 * DAY and changed.duration == 12 * DAY
    assert base.devices[0].settings["rate_ml_per_day"] == 0.5 and base.timeline[0].at == 5 * DAY  # untouched
    with pytest.raises(InputError) as err:
        with_changes(base, {"devices[0].settings.rate_ml_per_day": -1}, toy_registry)
    assert err.value.issues[0].path == "devices[0].settings.rate_ml_per_day" and err.value.issues[0].value == -1


def test_scenario_data_round_trips(toy_registry, toy_scenario_dict):
    base = scenario_from_dict(toy_scenario_dict, toy_registry)
    data = scenario_data(base)
    assert data["duration"] == 30 * DAY and data["timeline"][1]["at"] == 10 * DAY
    assert scenario_from_dict(data, toy_registry) == base


def test_results_as_arrays_and_frames_with_known_values(toy_registry, toy_scenario_dict):
    results = run(toy_scenario_dict, registry=toy_registry)
    t, v = results.series_arrays("tank", "volume_ml")
    # 10 mL at 0.5 mL/day: 7.5 at day 5, +4 -> 11.5; 9 at day 10; then 1 mL/day: empty at day 19
    grid = np.array([0, 5, 10, 19, 30]) * DAY
    assert np.allclose(results.resample("tank", "volume_ml", grid), [10, 11.5, 9, 0, 0])
    assert t[0] == 0 and t[-1] == 30 * DAY and v[0] == 10
    frame = results.series_frame("tank", step_s=DAY)
    assert list(frame.columns) == ["t_s", "rate_ml_per_day", "volume_ml"] and len(frame) == 31
    assert frame.loc[3, "volume_ml"] == pytest.approx(8.5)
    alarms = results.events_where(device="tank", kind="alarm.*")
    assert [(e.kind, e.t_s, e.payload["alarm"]) for e in alarms] == [("alarm.raised", pytest.approx(19 * DAY), "empty")]
    actions = results.events_frame(device="tank", kind="action")
    assert list(actions["t_s"]) == [5 * DAY, 10 * DAY]
    assert [p["action"] for p in actions["payload"]] == ["fill", "set_rate"]
    assert results.events_where(device="nobody") == []
    flat = flat_figures(results.summary)
    assert flat["devices.tank.volume_ml"] == 0.0 and flat["event_counts.alarm.raised"] == 1


def test_running_twice_in_one_process_leaks_no_state(toy_registry, toy_scenario_dict):
    def fingerprint(results):
        return [(e.t_s, e.device, e.kind, e.payload) for e in results.events], results.summary, {
            k: (s.t_s.tolist(), s.values.tolist()) for k, s in results.series.items()
        }

    first = fingerprint(run(toy_scenario_dict, registry=toy_registry))
    # a different run in between, and two simulations advanced in turns
    other = with_changes(toy_scenario_dict, {"devices[0].settings.volume_ml": 3, "seed": 99}, toy_registry)
    run(other, registry=toy_registry)
    a = Simulation(scenario_from_dict(toy_scenario_dict, toy_registry), registry=toy_registry)
    b = Simulation(other, registry=toy_registry)
    for k in range(1, 31):
        a.run(until=k * DAY)
        b.run(until=k * DAY)
    assert fingerprint(a.results()) == first
    assert fingerprint(run(toy_scenario_dict, registry=toy_registry)) == first
    assert a.results().events[0].seq == 0  # sequence numbers start again in each run


def test_load_results_reads_back_what_run_wrote(tmp_path, toy_registry, toy_scenario_dict):
    results = run(toy_scenario_dict, seed=8, registry=toy_registry)
    results.write(tmp_path / "out")
    back = load_results(tmp_path / "out")
    assert back.summary == results.summary and back.seed == 8
    assert [e.as_dict() for e in back.events] == [e.as_dict() for e in results.events]
    for key in results.series:
        assert np.array_equal(back.series[key].t_s, results.series[key].t_s)
        assert np.array_equal(back.series[key].values, results.series[key].values)
        assert back.series[key].interp == results.series[key].interp
