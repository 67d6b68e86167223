"""SIGTERM (`kill`, `timeout`, a batch system ending the job) while a result is written is taken
as an interrupt: a run's temporary folder is removed and the destination is as it was; a sweep
keeps its finished chunks (the manifest lists them) and says so, and a re-run finishes it.
Each case runs in a child process that sends itself SIGTERM at a fixed point (no timing)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def _child(code: str, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_sigterm_while_a_result_folder_is_written_leaves_the_old_result_and_no_temporary(tmp_path):
    dest = tmp_path / "out"
    code = (
        "import os, signal\n"
        "from simulator.atomic import atomic_result_dir\n"
        "try:\n"
        f"    with atomic_result_dir({str(dest)!r}, notify=None) as tmp:\n"
        "        (tmp / 'summary.json').write_text('{\"half\": true}')\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        (tmp / 'events.jsonl').write_text('')\n"
        "except KeyboardInterrupt as exc:\n"
        "    print('interrupted', type(exc).__name__)\n"
    )
    proc = _child(code, tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "interrupted Terminated", (proc.returncode, proc.stderr)
    assert os.listdir(tmp_path) == []  # no result, no .out.tmp-* folder left behind


def test_sigterm_during_a_sweep_keeps_the_finished_chunks_and_a_rerun_completes(tmp_path, toy_sweep_dict):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(toy_sweep_dict))
    out = tmp_path / "sweep"
    code = (
        "import os, signal, json\n"
        "import simulator.sweep.store as store\n"
        "from simulator.sweep.runner import run_sweep\n"
        "real = store.write_chunk\n"
        "def write_then_term(out, chunk, rows):\n"
        "    real(out, chunk, rows)\n"
        "    if chunk == 1:\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "store.write_chunk = write_then_term\n"
        "try:\n"
        f"    run_sweep(json.load(open({str(spec)!r})), {str(out)!r}, executor='serial', progress=False, allow_plugins=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    proc = _child(code, tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "interrupted", (proc.returncode, proc.stderr)
    manifest = json.loads((out / "manifest.json").read_text())
    # the signal came after chunk 1's file and before the manifest listed it: only chunk 0 counts
    assert manifest["chunks_done"] == [0] and not manifest["complete"] and not (out / "results.parquet").exists()
    from simulator.sweep.runner import run_sweep

    table = run_sweep(toy_sweep_dict, out, executor="serial", progress=False, allow_plugins=True)
    assert len(table) == 36 and list(table["task"]) == list(range(36))
