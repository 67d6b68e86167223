"""`neuromod-sim validate`: each kind of file checked as what it is; every problem in one run,
with readable durations and a 'did you mean' for misspelt keys and ids."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def cli(capsys, *args):
    code = main(["validate", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def refills():
    return yaml.safe_load((ROOT / "scenarios" / "pump_morphine_refills.yaml").read_text())


def test_each_kind_is_recognised(capsys):
    code, out, err = cli(
        capsys,
        ROOT / "scenarios" / "pump_morphine_refills.yaml",
        ROOT / "sweeps" / "morphine_refill_small.yaml",
        ROOT / "exercises" / "pump-alarms.yaml",
        ROOT / "tests" / "training" / "data" / "attempts" / "good.yaml",
        ROOT / "profiles" / "pump" / "peristaltic-20ml.yaml" if (ROOT / "profiles" / "pump" / "peristaltic-20ml.yaml").exists() else ROOT / "scenarios" / "default.yaml",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].endswith("(scenario)")
    # 5 refill days x 2 doses = 10 points, 4 seeds each: 40 scenarios
    assert lines[1].endswith("(sweep spec, 40 scenarios, 10 points checked)")
    assert lines[2].endswith("(exercise)") and lines[3].endswith("(attempt)")


def test_a_sweep_spec_is_checked_as_a_sweep_not_a_scenario(tmp_path, capsys):
    spec = {
        "name": "s",
        "base": str(ROOT / "sweeps" / "pump_morphine_30d.yaml"),
        "parameterz": [],
    }
    code, _, err = cli(capsys, write(tmp_path, "s.yaml", spec))
    assert code == 2
    assert "parameterz: unknown key" in err and "did you mean 'parameters'?" in err
    assert "devices" not in err  # not 'devices: required field is missing' as a scenario would say


def test_a_sweep_point_out_of_range_is_named(tmp_path, capsys):
    spec = {
        "name": "s",
        "base": str(ROOT / "sweeps" / "pump_morphine_30d.yaml"),
        "parameters": [{"path": "devices[pump].settings.mode.dose_mg_per_day", "name": "dose", "values": [4, -1]}],
    }
    code, _, err = cli(capsys, write(tmp_path, "s.yaml", spec))
    assert code == 2 and "point 1: dose=-1" in err and "greater than or equal to 0" in err
    spec["on_invalid"] = "skip"
    code, out, err = cli(capsys, write(tmp_path, "s.yaml", spec))
    assert code == 0 and "(sweep spec, 2 scenarios, 2 points checked; 1 invalid, to be skipped)" in out


def test_a_missing_base_is_named(tmp_path, capsys):
    code, _, err = cli(capsys, write(tmp_path, "s.yaml", {"name": "s", "base": "nowhere.yaml"}))
    assert code == 2 and "base: base scenario file not found" in err


def test_every_problem_of_a_scenario_in_one_run(tmp_path, capsys):
    data = refills()
    data["durration"] = "3d"  # a structural problem ...
    data["devices"][0]["settings"]["concentraton_mg_per_ml"] = 10  # ... and problems found only by the references pass
    data["timeline"][0]["device"] = "pmup"
    data["timeline"][1]["action"] = "refil"
    data["timeline"][2]["at"] = "400d"
    data["timeline"].append({"at": "-1d", "device": "pump", "action": "refill", "params": {"fill_ml": 1}})
    code, _, err = cli(capsys, write(tmp_path, "s.yaml", data))
    assert code == 2
    lines = [line.strip() for line in err.splitlines() if line.startswith("  ")]
    text = "\n".join(lines)
    assert "durration: unknown key" in text and "did you mean 'duration'?" in text
    assert "devices[0].settings.concentraton_mg_per_ml: unknown key" in text and "did you mean 'concentration_mg_per_ml'?" in text
    assert "timeline[0].device: no such device; devices: pump; did you mean 'pump'? (got 'pmup')" in text
    assert "timeline[1].action: unknown action" in text and "did you mean 'refill'?" in text
    # the duration of the scenario is 150 days, shown so; and the value as written
    assert "timeline[2].at: action falls after the end of the scenario (duration 150d) (got '400d')" in text
    assert "timeline[3].at: a duration must not be negative" in text
    assert len(lines) == 6


def test_a_misspelt_profile_id_gets_a_suggestion(tmp_path, capsys):
    data = refills()
    data["devices"][0]["profile"] = "pump/peristaltic-20m"
    code, _, err = cli(capsys, write(tmp_path, "s.yaml", data))
    assert code == 2 and "did you mean 'pump/peristaltic-20ml'?" in err


def test_no_suggestion_when_nothing_is_close(tmp_path, capsys):
    data = refills()
    data["timeline"][0]["device"] = "xyzzy"
    code, _, err = cli(capsys, write(tmp_path, "s.yaml", data))
    assert code == 2 and "no such device; devices: pump (got 'xyzzy')" in err


def test_exercise_times_are_shown_as_durations(tmp_path, capsys):
    from simulator.errors import InputError
    from simulator.training.exercise import exercise_from_dict

    data = yaml.safe_load((ROOT / "exercises" / "pump-alarms.yaml").read_text())
    data["start_at"] = "400d"  # the exercise's inline scenario lasts far less
    with pytest.raises(InputError) as err:
        exercise_from_dict(data, file=str(ROOT / "exercises" / "pump-alarms.yaml"))
    issue = next(i for i in err.value.issues if i.path == "start_at")
    assert issue.message == "must lie inside the scenario: 0 to 2d"  # the inline scenario lasts 2 days
    assert issue.value == "400d"
