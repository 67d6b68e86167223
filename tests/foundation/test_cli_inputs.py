"""Every kind of bad scenario file exits 2 with a message naming file, field, value and what is allowed."""
import json
import os
import subprocess
import sys

import pytest
import yaml

from simulator.cli.main import main
from tests.conftest import ROOT, TOY_PROFILES


@pytest.fixture
def write(tmp_path):
    def _write(name, content):
        path = tmp_path / name
        if isinstance(content, (dict, list)):
            content = yaml.safe_dump(content, sort_keys=False)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return _write


def cli(capsys, *args):
    code = main([*args, "--profiles", str(TOY_PROFILES)])
    out = capsys.readouterr()
    return code, out.out, out.err


def bad(toy_scenario_dict, **changes):
    data = json.loads(json.dumps(toy_scenario_dict))
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        if value is KeyError:
            del target[last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return data


CASES = {
    "unknown key": ({"durration": "3d"}, "durration", "unknown key; allowed keys:"),
    "wrong type": ({"seed": "seven"}, "seed", "valid integer"),
    "negative duration": ({"duration": "-3d"}, "duration", "must not be negative"),
    "unparseable duration": ({"duration": "three days"}, "duration", "cannot read"),
    "unknown profile": ({"devices__0__profile": "toy/tanker"}, "devices[0].profile", "unknown profile id; known: toy/tank"),
    "action for missing device": ({"timeline__0__device": "pmup"}, "timeline[0].device", "no such device; devices: tank"),
    "action after the end": ({"timeline__1__at": "45d"}, "timeline[1].at", "after the end"),
    "unknown action": ({"timeline__0__action": "explode"}, "timeline[0].action", "allowed: fill, set_rate"),
    "bad action params": ({"timeline__0__params": {"volume_ml": -2}}, "timeline[0].params.volume_ml", "greater than 0"),
    "bad settings": ({"devices__0__settings": {"volume_ml": "lots"}}, "devices[0].settings.volume_ml", "valid number"),
    "missing field": ({"duration": KeyError}, "duration", "required field is missing"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_scenarios_exit_2_naming_file_field_and_rule(case, write, capsys, toy_registry, toy_scenario_dict, tmp_path):
    changes, field, rule = CASES[case]
    path = write("bad.yaml", bad(toy_scenario_dict, **changes))
    code, out, err = cli(capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert code == 2, err
    assert str(path) in err and field in err and rule in err, err
    assert not (tmp_path / "out").exists()
    code, _, err2 = cli(capsys, "validate", str(path))
    assert code == 2 and field in err2


@pytest.mark.parametrize(
    "content, rule",
    [
        ("name: [unclosed\n", "malformed YAML"),
        ("", "file is empty"),
        ("   \n# only a comment\n", "file is empty"),
        ("- just\n- a list\n", "must be a mapping"),
        (b"\x00\x01\x02binary" * 10, "binary"),
        ("!!python/object/apply:os.system ['echo hacked']\n", "malformed YAML"),
        # a date that does not exist: PyYAML's datetime raised ValueError, an internal error (exit 1)
        ("name: x\nstart: 2026-02-30T08:00:00\n", "line 2, column 8: malformed YAML: cannot read '2026-02-30T08:00:00' as a timestamp: day is out of range"),
        ("name: x\nstart: 2026-13-01\n", "month must be in 1..12"),
        ("a: {<<: {b: 1}}\nstart: 2026-02-30\n", "a value cannot be read: day is out of range for month"),
    ],
)
def test_unreadable_files_exit_2(content, rule, write, capsys, toy_registry, tmp_path):
    path = write("bad.yaml", content)
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2 and rule in err and str(path) in err, err


def test_a_5_mb_junk_file_is_refused_without_parsing(write, capsys, toy_registry):
    path = write("junk.yaml", "x" * (5 * 1024 * 1024))
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2 and "at most" in err and "junk.yaml" in err


def test_missing_file_and_bad_cli_values_exit_2(capsys, toy_registry, tmp_path, write, toy_scenario_dict):
    code, _, err = cli(capsys, "run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o"))
    assert code == 2 and "file not found" in err
    good = write("good.yaml", toy_scenario_dict)
    code, _, err = cli(capsys, "run", str(good), "--out", str(tmp_path / "o"), "--until", "soon")
    assert code == 2 and "--until" in err
    code, _, err = cli(capsys, "run", str(good), "--out", str(tmp_path / "o"), "--seed", "-4")
    assert code == 2 and "--seed" in err
    # a seed past a scenario's own bound (2**63 - 1) was run and written into summary.json
    code, _, err = cli(capsys, "run", str(good), "--out", str(tmp_path / "o"), "--seed", str(2**63))
    assert code == 2 and "--seed" in err and "from 0 to 9223372036854775807" in err and not (tmp_path / "o").exists()
    code, _, err = cli(capsys, "run", str(good), "--out", str(tmp_path / "o"), "--seed", str(2**63 - 1), "--until", "1d", "--quiet")
    assert code == 0, err


def test_run_writes_the_contracted_files(capsys, toy_registry, tmp_path, write, toy_scenario_dict):
    path = write("good.yaml", toy_scenario_dict)
    code, out, err = cli(capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert code == 0, err
    lines = (tmp_path / "out" / "events.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert all({"t_s", "device", "kind"} <= set(r) for r in records)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["devices"]["tank"]["volume_ml"] == pytest.approx(0.0)
    csv = (tmp_path / "out" / "series" / "tank.volume_ml.csv").read_text().splitlines()
    assert csv[0] == "t_s,volume_ml" and csv[1] == "0.0,10.0"
    assert "tank.volume_ml" in out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()], ids=["disk-full", "ctrl-c"])
def test_output_is_atomic_when_writing_fails(failure, monkeypatch, toy_registry, toy_scenario_dict, tmp_path):
    from simulator import Simulation, scenario_from_dict
    from simulator import results as results_module

    results = Simulation(scenario_from_dict(toy_scenario_dict, toy_registry), toy_registry).run().results()
    from simulator.atomic import write_marker

    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "summary.json").write_text("previous run")
    write_marker(dest, "run", "complete")  # a previous result (the marker rule): it may be replaced
    calls = {"n": 0}
    real = results_module.json_lines_text

    def failing(records):
        calls["n"] += 1
        if calls["n"] == 1:  # the first batch of events
            raise failure
        return real(records)

    monkeypatch.setattr(results_module, "json_lines_text", failing)
    with pytest.raises(type(failure)):
        results.write(dest)
    assert (dest / "summary.json").read_text() == "previous run"  # the old result is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


def test_the_core_never_imports_qt():
    code = (
        "import sys, simulator, simulator.cli.main as m, simulator.engine, simulator.results, simulator.schema\n"
        "m.build_parser()\n"
        "import importlib\n"
        "for name in ['simulator.pump.device', 'simulator.scs.device']:\n"
        "    try: importlib.import_module(name)\n"
        "    except ModuleNotFoundError: pass\n"
        "bad = [k for k in sys.modules if k.startswith(('PySide6', 'PyQt', 'pyqtgraph'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=dict(os.environ))
