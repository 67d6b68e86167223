"""`neuromod-sim run` as a whole process: what it imports, and how it ends.

Run from its command line (`main()` with no argv), a `run` that ended with exit 0 or 2 ends the
process with `os._exit` right after the atexit functions and a flush of stdout/stderr, skipping
the interpreter's teardown of the whole simulation; called in-process (`main([...])`) it returns.
Each test starts a fresh interpreter; `os._exit` is wrapped there to say it was called."""
from __future__ import annotations

import gc
import os
import subprocess
import sys

from simulator.cli.main import COMMANDS, main
from tests.conftest import ROOT

#: wraps os._exit to print "os._exit <code>" (flushed), then runs the command line in sys.argv
RUN_AS_PROCESS = (
    "import os, sys\n"
    "_real_exit = os._exit\n"
    "def _said_exit(code):\n"
    "    print('os._exit', code, flush=True)\n"
    "    _real_exit(code)\n"
    "os._exit = _said_exit\n"
    "{prelude}\n"
    "sys.argv = ['neuromod-sim', *{argv!r}]\n"
    "from simulator.cli.main import main\n"
    "sys.exit(main())\n"
)


def _process(argv: list[str], prelude: str = "") -> subprocess.CompletedProcess:
    code = RUN_AS_PROCESS.format(prelude=prelude, argv=argv)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=300)


def test_a_finished_run_runs_atexit_and_finalizers_flushes_and_ends_at_once(tmp_path):
    out = tmp_path / "out"
    prelude = (
        "import atexit, tempfile\n"
        "atexit.register(lambda: print('atexit ran'))\n"  # printed after the summary, flushed by the exit
        "scratch = tempfile.TemporaryDirectory()\n"  # removed by its weakref.finalize at exit
        "print('scratch', scratch.name)"
    )
    done = _process(["run", "default", "--out", str(out), "--until", "2d"], prelude)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    scratch = lines[0].split(" ", 1)[1]
    assert lines[-3:] == [f"results written to {out}", "atexit ran", "os._exit 0"]
    assert not os.path.exists(scratch)
    assert (out / "summary.json").is_file() and (out / "events.jsonl").is_file()


def test_invalid_input_exits_2_with_its_message_through_the_same_end(tmp_path):
    done = _process(["run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "out"), "--quiet"])
    assert done.returncode == 2
    assert "invalid input" in done.stderr and "missing.yaml" in done.stderr
    assert done.stdout.splitlines() == ["os._exit 2"]
    assert not (tmp_path / "out").exists()


def test_another_thread_still_running_gets_the_normal_exit_which_waits_for_it(tmp_path):
    out = tmp_path / "out"
    prelude = (  # a thread still busy when the run has written its results
        "import os, threading, time\n"
        "def late():\n"
        f"    while not os.path.exists({str(out / 'summary.json')!r}):\n"
        "        time.sleep(0.01)\n"
        "    time.sleep(0.5)\n"
        "    print('thread done')\n"
        "threading.Thread(target=late).start()"
    )
    done = _process(["run", "default", "--out", str(out), "--until", "1d", "--quiet"], prelude)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["thread done"]  # no os._exit: the normal exit joined the thread


def test_other_commands_and_in_process_calls_return(tmp_path, capsys):
    done = _process(["profiles"])
    assert done.returncode == 0 and "os._exit" not in done.stdout
    was_enabled = gc.isenabled()
    assert main(["run", "default", "--out", str(tmp_path / "out"), "--until", "1d", "--quiet"]) == 0
    assert gc.isenabled() == was_enabled  # the collector paused for the run resumes after it
    assert (tmp_path / "out" / "summary.json").is_file()


def test_run_help_and_the_run_path_import_only_what_they_need(tmp_path):
    heavy = ("numpy", "pydantic", "pydantic_core", "simpy", "yaml")
    never = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "matplotlib", "pandas", "pyarrow", "dask", "distributed",
             "simulator.report", "simulator.training", "simulator.sweep", "gui",
             *(f"simulator.cli.cmd_{name}" for name in COMMANDS if name != "run"))  # the parser of `run` alone
    code = (
        "import contextlib, io, sys\n"
        "from simulator.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['run', '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({{k.split('.')[0] for k in sys.modules}} & set({heavy!r})))\n"
        "main(['run', 'default', '--out', {out!r}, '--until', '1d', '--quiet'])\n"
        "print(sorted(k for k in sys.modules if k.startswith({never!r})))\n"
    ).format(heavy=heavy, never=never, out=str(tmp_path / "out"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["[]", "[]"]
