"""`--set PATH=VALUE` on run, validate, gui and sweep; set_field and a defaulted sub-setting."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulator.api import load_results, with_changes
from simulator.cli.main import build_parser, main
from simulator.cli.overrides import parse_sets
from simulator.errors import InputError
from simulator.sweep.fields import set_field

ROOT = Path(__file__).resolve().parents[2]
REFILLS = str(ROOT / "scenarios" / "pump_morphine_refills.yaml")
DAY = 86400.0


def cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_with_a_changed_dose_delivers_the_new_dose(tmp_path, capsys):
    out = tmp_path / "r"
    code, _, err = cli(capsys, "run", REFILLS, "--out", str(out), "--quiet", "--until", "10d", "--set", "devices[pump].settings.mode.dose_mg_per_day=4")
    assert code == 0, err
    results = load_results(out)
    # 4 mg/day of 10 mg/mL is 0.4 mL/day: 20 - 4 = 16 mL left after 10 days (3 mg/day would leave 17)
    assert np.allclose(results.resample("pump", "reservoir_ml", np.array([10 * DAY])), [16.0])
    scenario = json.loads((out / "scenario.json").read_text())
    assert scenario["devices"][0]["settings"]["mode"]["dose_mg_per_day"] == 4


def test_a_field_under_a_defaulted_sub_setting_is_created_with_a_note(tmp_path, capsys):
    out = tmp_path / "r"
    code, _, err = cli(capsys, "run", REFILLS, "--out", str(out), "--quiet", "--until", "1d", "--set", "devices[pump].settings.flow_error.random_systematic=true")
    assert code == 0, err
    assert "devices[pump].settings.flow_error was not given (its default); it is created" in err
    assert "is not a mapping" not in err
    scenario = json.loads((out / "scenario.json").read_text())
    assert scenario["devices"][0]["settings"]["flow_error"] == {"random_systematic": True}


def test_set_field_creates_a_missing_or_null_mapping_and_reports_it():
    data = {"devices": [{"id": "pump", "settings": {"flow_error": None}}]}
    notes: list[str] = []
    set_field(data, "devices[pump].settings.flow_error.random_systematic", True, notes)
    set_field(data, "devices[pump].settings.a.b.c", 1, notes)
    assert data["devices"][0]["settings"] == {"flow_error": {"random_systematic": True}, "a": {"b": {"c": 1}}}
    assert len(notes) == 3  # flow_error, a, a.b
    # a list step after a missing mapping cannot be created: refused, nothing changed
    with pytest.raises(InputError) as err:
        set_field(data, "devices[pump].settings.x[0]", 1)
    assert "devices[pump].settings.x is not a mapping or list (it is not given)" in err.value.issues[0].message
    assert "x" not in data["devices"][0]["settings"]


def test_with_changes_reaches_a_defaulted_sub_setting():
    scenario = with_changes(REFILLS, {"devices[pump].settings.flow_error.random_systematic": True})
    assert scenario.devices[0].settings["flow_error"] == {"random_systematic": True}


def test_validate_reports_a_bad_value_with_its_path(capsys):
    code, _, err = cli(capsys, "validate", REFILLS, "--set", "devices[pump].settings.mode.dose_mg_per_day=-4")
    assert code == 2
    assert "devices[0].settings.mode.continuous.dose_mg_per_day" in err and "greater than or equal to 0" in err and "(got -4)" in err


def test_validate_checks_a_recurring_entry_changed_on_the_command_line(capsys):
    # the paths address the file as written: timeline[1] is the refill at 62d, made weekly
    code, _, err = cli(capsys, "validate", REFILLS, "--set", "timeline[1].every=7d", "--set", "timeline[1].count=30")
    assert code == 2  # 62 + 29 * 7 = 265 d > 150 d
    assert "timeline[1].at" in err and "occurrence 14 of the recurring action, at 153d" in err


@pytest.mark.parametrize(
    "item, words",
    [
        ("no-equals-sign", "give PATH=VALUE"),
        ("=4", "give PATH=VALUE"),
        ("devices[pump.x=1", "cannot read the field path"),
        ("duration=[1, 2", "cannot read the value as YAML"),
        ("duration=!!python/object:os.system x", "cannot read the value as YAML"),
    ],
)
def test_malformed_options_exit_2_naming_the_option(capsys, item, words):
    code, _, err = cli(capsys, "validate", REFILLS, "--set", item)
    assert code == 2 and "--set" in err and words in err


def test_values_are_yaml_scalars_and_flow_collections():
    sets = parse_sets(["a=4", "b=true", "c=30d", "d={type: continuous, dose_mg_per_day: 2}", "e=[1, 2.5]", "f='x=y'", "g="])
    assert sets == {"a": 4, "b": True, "c": "30d", "d": {"type": "continuous", "dose_mg_per_day": 2}, "e": [1, 2.5], "f": "x=y", "g": None}
    with pytest.raises(InputError, match="given twice"):
        parse_sets(["a=1", "a=2"])


def test_a_whole_mode_can_be_set(tmp_path, capsys):
    out = tmp_path / "r"
    code, _, err = cli(capsys, "run", REFILLS, "--out", str(out), "--quiet", "--until", "5d", "--set", "devices[pump].settings.mode={type: continuous, dose_mg_per_day: 2}")
    assert code == 0, err
    # 2 mg/day = 0.2 mL/day: 19 mL after 5 days
    assert np.allclose(load_results(out).resample("pump", "reservoir_ml", np.array([5 * DAY])), [19.0])


@pytest.mark.parametrize("command", ["run", "validate", "gui", "sweep"])
def test_every_command_takes_repeated_set_options(command):
    args = {"run": ["run", "s.yaml", "--out", "o"], "validate": ["validate", "s.yaml"], "gui": ["gui", "s.yaml"], "sweep": ["sweep", "s.yaml", "--out", "o"]}[command]
    parsed = build_parser().parse_args([*args, "--set", "a=1", "--set", "b.c=2"])
    assert parsed.set == ["a=1", "b.c=2"]


def test_sweep_set_changes_the_base_of_every_scenario(tmp_path, capsys):
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    import pandas as pd

    spec = tmp_path / "s.yaml"
    spec.write_text(f"name: tiny\nbase: {ROOT / 'sweeps' / 'pump_morphine_30d.yaml'}\nparameters:\n  - path: timeline[0].at\n    values: [1d]\n")
    code, _, err = cli(
        capsys, "sweep", str(spec), "--out", str(tmp_path / "out"), "--executor", "serial", "--quiet", "--set", "duration=2d", "--set", "devices[pump].settings.mode.dose_mg_per_day=2"
    )
    assert code == 0, err
    table = pd.read_parquet(tmp_path / "out" / "results.parquet")
    # 2 mg/day for 2 days (the refill at day 1 changes no dose): 4 mg, 0.4 mL of 10 mg/mL
    assert len(table) == 1
    assert table["devices.pump.delivered_drug_by_unit.mg"].iloc[0] == pytest.approx(4.0)
    assert table["devices.pump.delivered_volume_ml"].iloc[0] == pytest.approx(0.4)


def test_gui_refuses_a_bad_set_before_opening_a_window(capsys):
    pytest.importorskip("PySide6")
    pytest.importorskip("pyqtgraph")
    code, _, err = cli(capsys, "gui", REFILLS, "--set", "devices[pump].settings.mode.dose_mg_per_day=-4", "--screenshot", "never.png")
    assert code == 2 and "devices[0].settings.mode.continuous.dose_mg_per_day" in err and "(got -4)" in err
    assert not Path("never.png").exists()


def test_a_misspelt_device_id_in_a_path_gets_a_suggestion(capsys):
    code, _, err = cli(capsys, "validate", REFILLS, "--set", "devices[pmup].settings.reservoir_ml=10")
    assert code == 2 and "no item with id 'pmup'; ids: pump; did you mean 'pump'?" in err
