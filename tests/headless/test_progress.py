"""Progress fits where it runs: lines without carriage returns in a log, a bar in a terminal."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from simulator.engine import ProgressPrinter, Simulation
from simulator.progress import ProgressDisplay, choose_mode
from simulator.sweep.progress import SweepProgress
from tests.conftest import ROOT


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_mode_follows_the_stream():
    assert choose_mode(io.StringIO()) == "lines"
    assert choose_mode(FakeTerminal()) == "bar"
    assert choose_mode(io.StringIO(), "bar") == "bar"


def test_a_log_gets_one_plain_line_per_tenth_and_no_carriage_return():
    log = io.StringIO()
    bar = SweepProgress(40, stream=log, min_interval_s=0.0)
    for _ in range(40):
        bar.update(1)
    text = log.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    # fractions 1/40 .. 40/40 cross the tenths 0, 1, ..., 10: eleven lines, the last one complete
    assert len(lines) == 11
    assert lines[0].startswith("sweep [") and "1/40 scenarios" in lines[0]
    assert "40/40 scenarios" in lines[-1] and "100.0%" in lines[-1]


def test_a_terminal_gets_one_bar_redrawn_in_place():
    tty = FakeTerminal()
    bar = SweepProgress(4, stream=tty, width=4, min_interval_s=0.0)
    for _ in range(4):
        bar.update(1)
    text = tty.getvalue()
    assert text.count("\r") == 4 and text.count("\n") == 1 and text.endswith("\n")
    assert "[##..]  50.0%" in text and "[####] 100.0%" in text


def test_a_real_run_logged_to_a_file_has_no_carriage_return(tmp_path):
    from simulator.scenario import load_scenario

    sim = Simulation(load_scenario(ROOT / "scenarios" / "pump_concentration_change.yaml"))
    log = io.StringIO()
    sim.run(progress=ProgressPrinter(log, delay_s=0.0))
    text = log.getvalue()
    assert "\r" not in text and text.endswith("\n")
    # 200 slices, but a log gets a line only when another tenth starts: 0.5 % (the first slice,
    # tenth 0), then 10 %, 20 %, ..., 100 %: 11 lines
    assert len(text.splitlines()) == 11 and "0.5%" in text.splitlines()[0] and "100.0%" in text.splitlines()[-1]


def test_cli_sweep_with_stderr_to_a_file_writes_no_carriage_return(tmp_path):
    from .conftest import TOY_SWEEP

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(tmp_path / "stderr.log", "w") as err:
        proc = subprocess.run(
            [sys.executable, "-m", "simulator", "sweep", str(TOY_SWEEP), "--out", str(tmp_path / "s"), "--executor", "serial", "--allow-plugins"],
            stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=ROOT, timeout=120, check=False,
        )
    assert proc.returncode == 0
    text = (tmp_path / "stderr.log").read_text()
    assert "\r" not in text and "36/36 scenarios" in text


def test_quiet_means_no_display(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "run", str(ROOT / "scenarios" / "pump_concentration_change.yaml"), "--out", str(tmp_path / "r"), "--quiet"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )
    assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == ""


def test_notebook_mode_falls_back_to_lines_without_ipywidgets(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # blocks the import
    display = ProgressDisplay("x", io.StringIO(), mode="notebook")
    assert display.mode == "lines"


def test_in_a_notebook_a_widget_shows_progress_and_nothing_is_written(monkeypatch, capsys):
    import types

    class ZMQInteractiveShell:  # the name Jupyter kernels' shells have
        pass

    shown = []

    class Widget:
        def __init__(self, *children, **kw):
            self.value, self.children = kw.get("value"), children

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: ZMQInteractiveShell()
    display_mod = types.ModuleType("IPython.display")
    display_mod.display = shown.append
    widgets = types.ModuleType("ipywidgets")
    widgets.FloatProgress = widgets.Label = widgets.HBox = Widget
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_mod)
    monkeypatch.setitem(sys.modules, "ipywidgets", widgets)

    bar = SweepProgress(4, stream=sys.stderr, min_interval_s=0.0)
    assert bar.display.mode == "notebook" and len(shown) == 1
    for _ in range(3):
        bar.update(1)
    progress, label = bar.display._widget
    assert progress.value == pytest.approx(0.75) and label.value.startswith("3/4 scenarios")
    assert capsys.readouterr().err == ""
