"""Sweep specs: expansion, seeds from one SeedSequence, and bad specs as InputError / exit 2."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import yaml

from simulator.errors import InputError
from simulator.sweep.expand import count_tasks, expand
from simulator.sweep.runner import plan_sweep
from simulator.sweep.spec import sweep_spec_from_dict

from .conftest import TOY_SWEEP


def test_points_are_every_combination_first_parameter_slowest(toy_sweep_dict):
    spec = sweep_spec_from_dict(toy_sweep_dict)
    axes, tasks = expand(spec)
    assert axes[0] == ["2d", "3d", "4d"]
    assert axes[1] == [1.0, 2.0, 3.0]
    assert len(axes[2]) == 2 and all(0.5 <= v <= 1.5 for v in axes[2])
    assert count_tasks(spec) == len(tasks) == 3 * 3 * 2 * 2
    assert [t.point for t in tasks[:6]] == [0, 0, 1, 1, 2, 2]
    assert [t.replicate for t in tasks[:4]] == [0, 1, 0, 1]
    assert dict(tasks[0].values) == {"fill_at": "2d", "rate_ml_per_day": 1.0, "later_rate": axes[2][0]}
    assert dict(tasks[-1].values) == {"fill_at": "4d", "rate_ml_per_day": 3.0, "later_rate": axes[2][1]}


def test_seeds_come_from_the_spec_seed_alone(toy_sweep_dict):
    spec = sweep_spec_from_dict(toy_sweep_dict)
    _, tasks = expand(spec)
    # common mode: replicate r has one seed at every point, spawned from SeedSequence(11) key (1, r)
    hi, lo = np.random.SeedSequence(11, spawn_key=(1, 1)).generate_state(2, dtype=np.uint32)
    assert tasks[1].seed == tasks[3].seed == ((int(hi) << 32 | int(lo)) & (2**63 - 1))
    assert len({t.seed for t in tasks}) == 2
    # draws of parameter 2 are uniform(0.5, 1.5) from key (0, 2)
    expected = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(0, 2))).uniform(0.5, 1.5, 2)
    assert np.allclose(expand(spec)[0][2], expected)
    independent = sweep_spec_from_dict({**toy_sweep_dict, "seed_mode": "independent"})
    assert len({t.seed for t in expand(independent)[1]}) == len(tasks)
    other = sweep_spec_from_dict({**toy_sweep_dict, "seed": 12})
    assert expand(other)[1][0].seed != tasks[0].seed


@pytest.mark.parametrize(
    "change, path, words",
    [
        ({"seeds_per_point": 0}, "seeds_per_point", "greater than or equal to 1"),
        ({"seed": -1}, "seed", "greater than or equal to 0"),
        ({"chunk_size": "big"}, "chunk_size", "valid integer"),
        ({"parameters": [{"path": "duration", "values": [1], "linspace": {"start": 0, "stop": 1, "num": 2}}]}, "parameters[0]", "exactly one of"),
        ({"parameters": [{"path": "duration", "uniform": {"low": 0, "high": 1}}]}, "parameters[0]", "needs count"),
        ({"parameters": [{"path": "duration", "uniform": {"low": 2, "high": 1}, "count": 2}]}, "parameters[0].uniform", "must be >= low"),
        ({"parameters": [{"path": "duration", "linspace": {"start": 0, "stop": 1, "num": 0}}]}, "parameters[0].linspace.num", "greater than or equal to 1"),
        ({"parameterz": []}, "parameterz", "unknown key"),
        ({"plugins": ["no_colon"]}, "plugins[0]", "module:function"),
        ({"profiles": ["/nonexistent/folder"]}, "profiles[0]", "no such folder"),
    ],
)
def test_bad_spec_fields_name_the_field(toy_sweep_dict, change, path, words):
    data = {**toy_sweep_dict, **change}
    with pytest.raises(InputError) as err:
        sweep_spec_from_dict(data, file="spec.yaml")
    issue = err.value.issues[0]
    assert issue.file == "spec.yaml"
    assert issue.path == path
    assert words in issue.message


def test_a_parameter_value_out_of_range_is_caught_before_running(toy_sweep_dict):
    toy_sweep_dict["parameters"][1] = {"path": "devices[tank].settings.rate_ml_per_day", "values": [1.0, -2.0]}
    with pytest.raises(InputError) as err:
        plan_sweep(sweep_spec_from_dict(toy_sweep_dict, file="spec.yaml"), allow_plugins=True)
    issue = err.value.issues[0]
    assert issue.file == "spec.yaml"
    assert "rate_ml_per_day=-2.0" in issue.path and issue.path.endswith("devices[0].settings.rate_ml_per_day")
    assert issue.value == -2.0 and "greater than or equal to 0" in issue.message


def test_a_path_that_does_not_exist_names_the_parameter(toy_sweep_dict):
    toy_sweep_dict["parameters"][0]["path"] = "timeline[7].at"
    with pytest.raises(InputError) as err:
        plan_sweep(sweep_spec_from_dict(toy_sweep_dict, file="spec.yaml"), allow_plugins=True)
    issue = err.value.issues[0]
    assert issue.path == "parameters[0].path" and issue.value == "timeline[7].at"
    assert "allowed index 0..1" in issue.message


def _cli(*args, env_extra=None):
    import os

    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


def test_cli_bad_spec_exits_2_naming_file_field_and_value(tmp_path, toy_sweep_dict):
    toy_sweep_dict["seeds_per_point"] = 0
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump(toy_sweep_dict))
    proc = _cli("sweep", str(spec), "--out", str(tmp_path / "out"), "--executor", "serial")
    assert proc.returncode == 2, proc.stderr
    assert f"{spec}: seeds_per_point:" in proc.stderr and "(got 0)" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_cli_missing_base_and_bad_workers_exit_2(tmp_path, toy_sweep_dict):
    toy_sweep_dict["base"] = "missing.yaml"
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(toy_sweep_dict))
    proc = _cli("sweep", str(spec), "--out", str(tmp_path / "out"), "--executor", "serial", "--allow-plugins")
    assert proc.returncode == 2 and "base: base scenario file not found" in proc.stderr
    proc = _cli("sweep", str(TOY_SWEEP), "--out", str(tmp_path / "out"), "--workers", "0")
    assert proc.returncode == 2 and "--workers" in proc.stderr


def test_cli_malformed_yaml_exits_2(tmp_path):
    spec = tmp_path / "broken.yaml"
    spec.write_text("name: [unclosed\n")
    proc = _cli("sweep", str(spec), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "malformed YAML" in proc.stderr


def test_set_changes_the_base_for_every_point(toy_sweep_dict):
    from simulator.sweep.expand import point_scenario

    toy_sweep_dict["set"] = {"devices[tank].settings.volume_ml": 15, "duration": "8d"}
    spec = sweep_spec_from_dict(toy_sweep_dict, file="spec.yaml")
    plan = plan_sweep(spec, allow_plugins=True)
    assert all(p["devices"][0]["settings"]["volume_ml"] == 15 and p["duration"] == "8d" for p in plan["points"].values())
    toy_sweep_dict["set"] = {"devices[pump].settings.volume_ml": 15}
    with pytest.raises(InputError) as err:
        point_scenario(sweep_spec_from_dict(toy_sweep_dict, file="spec.yaml"), plan["base"], ())
    assert err.value.issues[0].path == "set.devices[pump].settings.volume_ml" and "no item with id 'pump'" in err.value.issues[0].message
