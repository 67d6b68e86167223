"""Every command and snippet of docs/educators.md works as written.

The `bash` blocks are run line by line (in a temporary folder laid out like a clone: `scenarios/`
and `exercises/` linked in), the `python` blocks as scripts. The one interactive command (the app
opened on a scenario) is run with `--screenshot` added, which opens the same app offscreen.
"""
from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "educators.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(DOC.read_text()) if kind == lang]


def commands() -> list[str]:
    out = []
    for body in blocks("bash"):
        out.extend(line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("#"))
    return out


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    root = tmp_path_factory.mktemp("clone")
    for name in ("scenarios", "exercises"):
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    return root


def _env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)
    return env


def test_the_doc_has_the_three_sections_and_commands():
    text = DOC.read_text()
    for heading in ("## 1. Preparing a demonstration", "## 2. Screenshots for slides", "## 3. Grading a class"):
        assert heading in text
    assert any("--csv grades.csv" in c for c in commands()) and blocks("python")


def test_every_command_works_as_written(clone):
    if not (Path(sys.executable).parent / "neuromod-sim").exists():
        pytest.skip("the neuromod-sim command is not installed beside this Python")
    for command in commands():
        if command.startswith("neuromod-sim gui") and "--screenshot" not in command:
            command += " --screenshot interactive.png"  # the same app, rendered offscreen and closed
        proc = subprocess.run(["bash", "-c", command], cwd=clone, env=_env(), capture_output=True, text=True, check=False, timeout=300)
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}"
    # what the commands say they make is there
    for made in ("lesson-bridge/report.html", "lesson-bridge/plots/daily_dose.png", "lesson-bridge/plots/reservoir.png",
                 "slide-pump-day12.png", "slide-bridge-bolus.png", "slide-waveforms.png", "interactive.png", "correct-record.json"):
        assert (clone / made).is_file(), made
    report = (clone / "lesson-bridge" / "report.md").read_text()  # the narrowed report came last
    assert "day 9.00 to day 14.00, devices no_bridge" in report and "under-dose 3.7 mg (-50 %) | 88.8 h (3.70 d)" in report
    with open(clone / "grades.csv", newline="") as f:
        rows = {Path(r["attempt_file"]).name: r for r in csv.DictReader(f)}
    assert set(rows) == {"correct.yaml", "wrong-halved-dose.yaml", "wrong-kept-flow.yaml", "wrong-no-bridge.yaml"}
    assert rows["correct.yaml"]["passed"] == "yes" and rows["wrong-no-bridge.yaml"]["passed"] == "no"
    assert rows["wrong-no-bridge.yaml"]["bridge-given"] == "fail" and rows["wrong-no-bridge.yaml"]["no-dose-error"] == "fail"


def test_every_python_snippet_runs(clone):
    for body in blocks("python"):
        proc = subprocess.run([sys.executable, "-c", body], cwd=clone, env={**_env(), "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=False, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        # the under-dose of the scenario, by hand: 0.37 mL x (20 - 10) mg/mL = 3.7 mg, -50 %, 88.8 h
        assert "-3.7" in proc.stdout and "-50.0" in proc.stdout and "88.8" in proc.stdout and "mL" in proc.stdout
