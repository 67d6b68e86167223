"""Smaller CLI contracts: python -m, profiles listing, schema, progress bar."""
import io
import json
import os
import subprocess
import sys

from simulator.cli.main import main
from simulator.engine import ProgressPrinter
from tests.conftest import ROOT


def test_python_dash_m_is_the_same_command():
    out = subprocess.run([sys.executable, "-m", "simulator", "--version"], capture_output=True, text=True, cwd=ROOT, env=dict(os.environ))
    assert out.returncode == 0 and out.stdout.startswith("neuromod-sim ")


def test_profiles_lists_every_kind_with_descriptions(capsys):
    assert main(["profiles"]) == 0
    lines = capsys.readouterr().out.splitlines()
    kinds = {line.split("/", 1)[0] for line in lines}
    assert kinds == {"drug", "lead", "patient", "pump", "scs"}
    assert all(len(line.split(None, 1)) == 2 for line in lines)  # id and a description


def test_profiles_show_prints_one_profile_and_unknown_ids_exit_2(capsys):
    assert main(["profiles", "show", "drug/morphine"]) == 0
    out = capsys.readouterr().out
    assert "id: drug/morphine" in out and "sources:" in out
    assert main(["profiles", "show", "drug/morphin"]) == 2
    assert "unknown profile id" in capsys.readouterr().err


def test_schema_is_json_with_scenario_devices_and_profiles(capsys):
    assert main(["schema"]) == 0
    schemas = json.loads(capsys.readouterr().out)
    assert {"scenario", "pump", "scs", "profiles"} <= set(schemas)
    assert "refill" in schemas["pump"]["actions"] and "set_program" in schemas["scs"]["actions"]
    assert schemas["scenario"]["additionalProperties"] is False  # unknown keys are errors


def test_progress_bar_appears_only_for_long_runs():
    quiet = io.StringIO()
    p = ProgressPrinter(quiet, delay_s=60.0)
    p(0.5)
    p(1.0)
    assert quiet.getvalue() == ""  # a run shorter than the delay prints nothing
    shown = io.StringIO()
    p = ProgressPrinter(shown, delay_s=0.0, width=10)
    p(0.5)
    p(1.0)
    text = shown.getvalue()
    assert "[#####.....]  50.0%" in text and "[##########] 100.0%" in text and text.endswith("\n")


def test_a_misspelt_bundled_scenario_name_suggests_the_right_one(capsys):
    assert main(["run", "pump_morphine_refill", "--out", "unused"]) == 2
    assert "did you mean the bundled pump_morphine_refills" in capsys.readouterr().err
