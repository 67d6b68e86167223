"""A sweep process interrupted for real (SIGINT) resumes to the table of an uninterrupted run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import yaml

from simulator.sweep.runner import run_sweep


def test_killed_cli_sweep_resumes_to_the_same_table(tmp_path, toy_sweep_dict):
    from tests.conftest import ROOT

    toy_sweep_dict["seeds_per_point"] = 8  # 144 scenarios: long enough to interrupt midway
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(toy_sweep_dict))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "simulator", "sweep", str(spec), "--out", str(out), "--executor", "serial", "--chunk-size", "4", "--quiet", "--allow-plugins"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    done: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = json.loads((out / "manifest.json").read_text())["chunks_done"]
        except (OSError, ValueError, KeyError):
            done = []
        if len(done) >= 3:
            proc.send_signal(signal.SIGINT)
            break
        time.sleep(0.01)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert 3 <= len(manifest["chunks_done"]) < 36 and not manifest["complete"]
    assert not (out / "results.parquet").exists()

    again = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert again.returncode == 0, again.stderr
    resumed = pd.read_parquet(out / "results.parquet")
    reference = run_sweep(toy_sweep_dict, tmp_path / "reference", executor="serial", progress=False, allow_plugins=True)
    pd.testing.assert_frame_equal(resumed, reference)
