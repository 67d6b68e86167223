"""Smoke test of the benchmarks: the scenario builders make valid scenarios that run, and the
start-up check finds no heavy module behind `--help`. Not timed: nothing here asserts on speed."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks import builders
from simulator.engine import Simulation

ROOT = Path(__file__).resolve().parents[2]


def test_builders_make_valid_combined_scenarios():
    ten = builders.ten_year_scenario()
    assert ten.duration == 3650 * 86400
    assert [d.profile for d in ten.devices] == ["scs/rechargeable-micc-16", "pump/valve-gated-20ml"]
    actions = [a.action for a in ten.timeline]
    assert actions.count("recharge") == 121 and actions.count("patient_bolus") == 3650 and actions.count("refill") == 121
    for scenario in (builders.thirty_day_scenario(), builders.rate_year_scenario(50.0), builders.rate_year_scenario(10_000.0),
                     builders.combined_scenario(3.0, primary_cell=True)):
        Simulation(scenario)  # validates profiles and settings


def test_thirty_day_scenario_runs_and_delivers_the_flex_dose():
    sim = Simulation(builders.thirty_day_scenario())
    summary = sim.run().results().device_summary("pump")
    assert sim.finished
    # 3 mg/day basal for 30 days plus 30 boluses of 0.1 mg
    drug = next(v for k, v in summary.items() if k.startswith("delivered_drug"))
    assert abs(drug - (30 * sum(builders.FLEX_DOSE_MG_PER_DAY) / 24 + 3.0)) < 0.05


def test_run_quick_startup_writes_results(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--only", "startup", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["machine"]["cpus"] >= 1
    heavy = next(r for r in result["rows"] if r["target"].startswith("5b"))
    assert heavy["details"]["heavy_modules"] == {"--help": [], "run": []}
