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
    # a bound, not a timing: on a loaded machine (CI beside other work) the first 3 of 36 chunks
    # took over 30 s, the loop gave up without interrupting and the run finished (exit 0)
    deadline = time.monotonic() + 300
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
    _, err = proc.communicate(timeout=120)
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


def test_kill_9_at_random_moments_then_resume_gives_the_uninterrupted_table(tmp_path, toy_sweep_dict):
    """kill -9 (no handler runs) at seeded random moments of `sweep --out`: each restart resumes
    from the finished chunks; the final table equals an uninterrupted run's, and no temporary
    file of a killed writer is left beside the chunks or the manifest."""
    import random

    from tests.conftest import ROOT

    toy_sweep_dict["seeds_per_point"] = 8  # 144 scenarios in 36 chunks of 4
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(toy_sweep_dict))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "simulator", "sweep", str(spec), "--out", str(out), "--executor", "serial", "--chunk-size", "4", "--quiet", "--allow-plugins"]
    rng = random.Random(20261202)
    kills = 0
    for _ in range(4):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        # wait until this process has started writing chunks, then kill it at a random moment
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and not (out / "manifest.json").exists():
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.4))
        proc.kill()
        proc.communicate(timeout=60)
        if proc.returncode == -signal.SIGKILL:
            kills += 1
        manifest = json.loads((out / "manifest.json").read_text())  # always a whole file
        assert all((out / "chunks" / f"chunk-{c:05d}.parquet").exists() for c in manifest["chunks_done"])
    assert kills >= 1
    final = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert final.returncode == 0, final.stderr
    resumed = pd.read_parquet(out / "results.parquet")
    reference = run_sweep(toy_sweep_dict, tmp_path / "reference", executor="serial", progress=False, allow_plugins=True)
    pd.testing.assert_frame_equal(resumed, reference)
    leftovers = [p.name for p in out.rglob(".*.tmp-*")]
    assert leftovers == [], leftovers


def test_ctrl_c_during_the_forkservers_preload_does_not_kill_it():
    """Ctrl-C reaches the whole process group; the forkserver, while it imports its preload
    (before Python's forkserver ignores SIGINT), printed a KeyboardInterrupt traceback and died.
    Here the interrupt comes between the two preload modules, as the forkserver imports them."""
    import subprocess
    import sys

    code = (
        "import os, signal\n"
        "import simulator.sweep.forkserver_guard\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "import simulator.sweep.preload\n"
        "print('alive', signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "alive True", proc.stderr
    assert "Traceback" not in proc.stderr
