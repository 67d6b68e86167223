"""Recurring timeline actions: `every` with `count`, `until` or `at_time`, expanded at load."""
from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.api import run
from simulator.errors import InputError
from simulator.scenario import load_scenario, scenario_from_dict
from simulator.scenario.model import MAX_TIMELINE_ACTIONS

DAY = 86400.0
HOUR = 3600.0
ROOT = Path(__file__).resolve().parents[2]


def pump_scenario(timeline, duration="240d", start="2026-01-05T08:00:00"):
    return {
        "name": "recurring",
        "start": start,
        "duration": duration,
        "devices": [
            {
                "id": "pump",
                "profile": "pump/peristaltic-20ml",
                "settings": {
                    "drug": "drug/morphine",
                    "concentration_mg_per_ml": 10,
                    "reservoir_ml": 20,
                    "low_reservoir_threshold_ml": 2,
                    "mode": {"type": "continuous", "dose_mg_per_day": 1},
                },
            }
        ],
        "timeline": timeline,
    }


REFILL = {"device": "pump", "action": "refill", "params": {"fill_ml": 20}}


def test_a_refill_every_90_days_three_times_from_day_30():
    scenario = scenario_from_dict(pump_scenario([{"at": "30d", "every": "90d", "count": 3, **REFILL}]))
    assert [a.at / DAY for a in scenario.timeline] == [30, 120, 210]
    # 1 mg/day of 10 mg/mL is 0.1 mL/day: each refill (all residual aspirated, 20 mL injected)
    # finds 20 - 0.1 * 90 = 11 mL left (17 at the first, 30 days in) and leaves 20 mL
    results = run(scenario)
    refills = [(e.t_s / DAY, e.payload["reservoir_ml"]) for e in results.events if e.kind == "refill.completed"]
    assert refills == [(30, 20), (120, 20), (210, 20)]
    grid = np.array([29.5, 119.5, 209.5, 240]) * DAY
    assert np.allclose(results.resample("pump", "reservoir_ml", grid), [20 - 2.95, 20 - 8.95, 20 - 8.95, 17])


def test_the_expanded_timeline_is_what_scenario_json_holds():
    scenario = scenario_from_dict(pump_scenario([{"at": "30d", "every": "90d", "count": 3, **REFILL}]))
    timeline = scenario.model_dump(mode="json")["timeline"]
    assert [item["at"] for item in timeline] == ["30d", "120d", "210d"]
    assert all(set(item) == {"at", "device", "action", "params"} for item in timeline)  # no every/count left
    again = scenario_from_dict(scenario.model_dump(mode="json"))
    assert [a.at for a in again.timeline] == [30 * DAY, 120 * DAY, 210 * DAY]


def test_until_is_inclusive_and_defaults_to_the_scenario_end():
    s = scenario_from_dict(pump_scenario([{"at": "7d", "every": "7d", "until": "28d", **REFILL}]))
    assert [a.at / DAY for a in s.timeline] == [7, 14, 21, 28]
    s = scenario_from_dict(pump_scenario([{"at": "0d", "every": "100d", **REFILL}]))  # 240 d: 0, 100, 200
    assert [a.at / DAY for a in s.timeline] == [0, 100, 200]


def test_every_day_at_20_00_from_an_08_00_start_begins_12_hours_in():
    s = scenario_from_dict(pump_scenario([{"every": "1d", "at_time": "20:00", "count": 3, **REFILL}], duration="10d"))
    assert [a.at / HOUR for a in s.timeline] == [12, 36, 60]
    # at_time counts from `at`: the first 20:00 at or after 2 days 13 h (21:00 on the clock) is 3d 12h
    s = scenario_from_dict(pump_scenario([{"at": "2d 13h", "every": "1d", "at_time": "20:00", "count": 2, **REFILL}], duration="10d"))
    assert [a.at / HOUR for a in s.timeline] == [84, 108]
    # a start at 23:30 and at_time 00:15: the first is 45 minutes in
    s = scenario_from_dict(pump_scenario([{"every": "7d", "at_time": "00:15", "count": 2, **REFILL}], duration="20d", start="2026-01-05T23:30:00"))
    assert [a.at for a in s.timeline] == [45 * 60.0, 45 * 60.0 + 7 * DAY]


def test_occurrences_stay_in_place_among_single_actions():
    timeline = [
        {"at": "1d", "device": "pump", "action": "acknowledge_alarm", "params": {"alarm": "all"}},
        {"at": "30d", "every": "90d", "count": 2, **REFILL},
        {"at": "2d", "device": "pump", "action": "acknowledge_alarm", "params": {"alarm": "all"}},
    ]
    s = scenario_from_dict(pump_scenario(timeline))
    assert [(a.action, a.at / DAY) for a in s.timeline] == [("acknowledge_alarm", 1), ("refill", 30), ("refill", 120), ("acknowledge_alarm", 2)]
    s.timeline[1].params["fill_ml"] = 5  # each occurrence has its own params
    assert s.timeline[2].params["fill_ml"] == 20


def test_the_year_scenario_expands_to_hour_20_plus_24_k():
    new = load_scenario(ROOT / "scenarios" / "scs_tonic_burst_hf_year.yaml")
    # by hand: the 365 lines were hours 20, 44, ..., 8756 (20 + 24 k for k = 0..364), each a
    # recharge to full of hf10_charged
    assert [a.at for a in new.timeline] == [(20 + 24 * k) * HOUR for k in range(365)]
    assert {(a.device, a.action, repr(a.params)) for a in new.timeline} == {("hf10_charged", "recharge", repr({"to_full": True}))}


def test_the_year_scenario_expands_to_the_old_365_lines_exactly():
    old_text = subprocess.run(
        ["git", "show", "2ebe044:scenarios/scs_tonic_burst_hf_year.yaml"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout
    if not old_text:
        pytest.skip("the git history is not available (the hand-computed test above still runs)")
    old = scenario_from_dict(yaml.safe_load(old_text))
    new = load_scenario(ROOT / "scenarios" / "scs_tonic_burst_hf_year.yaml")
    assert len(old.timeline) == 365
    assert [(a.at, a.device, a.action, a.params) for a in new.timeline] == [(a.at, a.device, a.action, a.params) for a in old.timeline]
    # all but the description, whose wording has been corrected since (the recharge hour)
    assert new.model_dump(mode="json", exclude={"description"}) == old.model_dump(mode="json", exclude={"description"})


def test_the_weekly_recharges_of_the_bundled_scenarios_are_the_old_dates():
    s = load_scenario(ROOT / "scenarios" / "scs_rechargeable_60d.yaml")
    assert [a.at / DAY for a in s.timeline] == [7, 14, 21, 28, 35, 42, 49, 56]
    s = load_scenario(ROOT / "scenarios" / "default.yaml")  # start 08:00, 20:00 from day 6: 6d 12h + 7 k
    assert [a.at / DAY for a in s.timeline] == [6.5 + 7 * k for k in range(25)]


@pytest.mark.parametrize(
    "entry, path, words",
    [
        ({"at": "1d", "count": 3, **REFILL}, "timeline[0]", "count only applies to a recurring action: add every"),
        ({"every": "7d", **REFILL}, "timeline[0]", "needs at (its first occurrence) or at_time"),
        ({"at": "1d", "every": "7d", "count": 2, "until": "30d", **REFILL}, "timeline[0]", "give count or until, not both"),
        ({"at": "1d", "every": "12h", "at_time": "20:00", "count": 2, **REFILL}, "timeline[0]", "at_time needs every to be a whole number of days"),
        ({"at": "1d", "every": "1d", "at_time": "25:00", "count": 2, **REFILL}, "timeline[0].at_time", "pattern"),
        ({"at": "1d", "every": "0.5s", "count": 2, **REFILL}, "timeline[0]", "every must be at least 1 s"),
        ({"at": "10d", "every": "1d", "until": "5d", **REFILL}, "timeline[0]", "until (5d) is before at (10d)"),
    ],
)
def test_malformed_recurring_entries_are_named(entry, path, words):
    with pytest.raises(InputError) as err:
        scenario_from_dict(pump_scenario([entry]))
    assert any(i.path == path and words in i.message for i in err.value.issues), err.value


def test_occurrences_past_the_end_are_reported_once_with_readable_durations():
    with pytest.raises(InputError) as err:
        scenario_from_dict(pump_scenario([{"at": "30d", "every": "90d", "count": 4, **REFILL}]))  # 30,120,210,300 > 240
    issues = err.value.issues
    assert len(issues) == 1
    assert issues[0].path == "timeline[0].at"
    assert "duration 240d" in issues[0].message and "occurrence 4 of the recurring action, at 300d" in issues[0].message


def test_a_bad_param_of_a_recurring_action_is_reported_once_at_its_file_entry():
    timeline = [{"at": "1d", "device": "pump", "action": "acknowledge_alarm", "params": {"alarm": "all"}}, {"at": "0d", "every": "1d", "device": "pump", "action": "refill", "params": {"fill_ml": -1}}]
    with pytest.raises(InputError) as err:
        scenario_from_dict(pump_scenario(timeline))
    assert [i.path for i in err.value.issues] == ["timeline[1].params.fill_ml"]


def test_the_timeline_bound_applies_after_expansion_and_names_the_entry():
    entry = {"at": "0s", "every": "1min", **REFILL}  # 240 days of minutes: 345601 actions
    with pytest.raises(InputError) as err:
        scenario_from_dict(pump_scenario([{"at": "1d", **REFILL}, entry]))
    message = err.value.issues[0].message
    assert err.value.issues[0].path == "timeline"
    assert "timeline[1] (every 1min from 0s until the scenario's end) expands to 345601 actions" in message
    assert f"at most {MAX_TIMELINE_ACTIONS} actions after recurring ones are expanded" in message
    # exactly the bound is allowed: 9999 occurrences + 1 single action
    s = scenario_from_dict(pump_scenario([{"at": "1d", **REFILL}, {"at": "0s", "every": "1min", "count": MAX_TIMELINE_ACTIONS - 1, "device": "pump", "action": "acknowledge_alarm", "params": {"alarm": "all"}}]))
    assert len(s.timeline) == MAX_TIMELINE_ACTIONS and s.timeline[-1].at == (MAX_TIMELINE_ACTIONS - 2) * 60.0


@settings(max_examples=40, deadline=None)
@given(
    at_h=st.integers(0, 24 * 30),
    every_h=st.integers(1, 24 * 20),
    until_h=st.integers(0, 24 * 60),
)
def test_until_gives_every_occurrence_in_range_and_no_other(at_h, every_h, until_h):
    entry = {"at": at_h * HOUR, "every": every_h * HOUR, "until": max(until_h, at_h) * HOUR, **REFILL}
    s = scenario_from_dict(pump_scenario([entry], duration="100d"))
    times = [a.at for a in s.timeline]
    end = max(until_h, at_h) * HOUR
    assert times[0] == at_h * HOUR and times[-1] <= end and times[-1] + every_h * HOUR > end
    assert all(b - a == every_h * HOUR for a, b in itertools.pairwise(times))
