"""The training panel offscreen: pick, start, act, answer, check (itemised result), export; dock install."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

DATA = Path(__file__).parent / "data"
EXERCISE = DATA / "toy_exercise.yaml"


@pytest.fixture
def panel(qtbot, toy_registry):
    from gui.training.panel import TrainingPanel
    from simulator.engine import Simulation

    holder = {}

    def load(scenario, start_at_s):
        holder["sim"] = Simulation(scenario, registry=toy_registry, validate=False)
        holder["sim"].run(until=start_at_s)
        return holder["sim"]

    p = TrainingPanel(lambda: holder.get("sim"), load, registry=toy_registry, exercise_paths=[EXERCISE], trainee="Pat")
    qtbot.addWidget(p)
    p.holder = holder
    return p


def test_start_act_check_and_export(panel, qtbot, tmp_path):
    from PySide6.QtCore import Qt

    assert panel.exercise_ids() == ["toy-rate-change"]
    assert not panel.check_button.isEnabled()
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    sim = panel.holder["sim"]
    assert sim.now == 3600.0  # start_at: 1h
    assert "Set the rate to 0.25 mL/day in time" in panel.instructions.toPlainText()
    assert panel.answers_box.isVisibleTo(panel)
    # the trainee programs through the simulation, as the programmer panels do
    sim.apply_action("tank", "set_rate", {"rate_ml_per_day": 0.25})
    sim.advance(3600)
    panel.set_answer("left-ml", "7.5")
    with qtbot.waitSignal(panel.checked, timeout=5000) as blocker:
        qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    report = blocker.args[0]
    assert report.passed and report.score == report.max_score
    text = panel.result.toPlainText()
    assert "Passed" in text and "0.5 mL/day for 1 hour" in text  # debrief shown
    out = panel.export_record(tmp_path / "record.json")
    record = json.loads(out.read_text())
    assert record["attempt"]["trainee"] == "Pat" and record["attempt"]["actions"][0]["at"] == "1h"
    assert record["attempt"]["actions"][0]["wall_clock"] is not None
    assert record["grade"]["passed"] is True and record["attempt"]["answers"] == {"left-ml": 7.5}


def test_wrong_work_shows_failed_items_with_explanations(panel, qtbot):
    panel.start_exercise(EXERCISE)
    sim = panel.holder["sim"]
    sim.advance(3 * 3600)  # too late
    sim.apply_action("tank", "set_rate", {"rate_ml_per_day": 0.25})
    refused = sim.apply_action("tank", "fill", {"volume_ml": 100})
    assert not refused
    report = panel.check_work()
    assert not report.passed
    assert {i.id for i in report.failed_items()} == {"rate-set", "no-refusal-4", "answer-left", "allowed-actions"}
    text = panel.result.toPlainText()
    assert "Not passed yet" in text and "after the deadline" in text and "fill beyond capacity" in text


def test_hints_revealed_one_at_a_time(panel):
    panel.start_exercise(EXERCISE)
    assert "The rate is in mL/day." not in panel.instructions.toPlainText()
    panel.show_next_hint()
    assert "The rate is in mL/day." in panel.instructions.toPlainText()
    assert not panel.hint_button.isEnabled()


def test_install_dock_on_a_main_window(qtbot, toy_registry):
    from PySide6.QtWidgets import QMainWindow

    from gui.training import install_training_dock
    from simulator.engine import Simulation
    from simulator.training.exercise import load_exercise

    class FakeRunner:
        def __init__(self):
            self.sim = None

        def set_simulation(self, sim):
            self.sim = sim

        def jump_to(self, t_s, blocking=False):
            self.sim.run(until=t_s)

    win = QMainWindow()
    qtbot.addWidget(win)
    win.runner = FakeRunner()
    win.registry = toy_registry
    dock = install_training_dock(win)
    assert win.training_dock is dock and dock.objectName() == "training-dock"
    panel = dock.widget()
    panel._paths = [EXERCISE]
    panel._fill_picker()
    panel.start_selected()
    assert isinstance(win.runner.sim, Simulation) and win.runner.sim.now == 3600.0
    assert panel.recorder.sim is win.runner.sim
    assert load_exercise(EXERCISE, toy_registry).id == panel.exercise.id


def test_install_dock_on_the_app_main_window(qtbot, toy_registry):
    main_window = pytest.importorskip("gui.main_window")
    from gui.training import install_training_dock
    from simulator.engine import Simulation
    from simulator.training.exercise import load_exercise

    ex = load_exercise(EXERCISE, toy_registry)
    win = main_window.MainWindow(Simulation(ex.scenario_model, registry=toy_registry), registry=toy_registry)
    qtbot.addWidget(win)
    dock = install_training_dock(win)
    panel = dock.widget()
    panel._paths = [EXERCISE]
    panel._fill_picker()
    panel.start_selected()
    sim = win.runner.sim
    assert sim.now == 3600.0 and panel.recorder.sim is sim
    win.runner.apply_action("tank", "set_rate", {"rate_ml_per_day": 0.25})
    panel.set_answer("left-ml", "7.5")
    assert panel.check_work().passed
    win.close()


@pytest.mark.parametrize("name", ["waveforms", "bridge-bolus", "csf"])
def test_demo_views_build_side_by_side_plots(qtbot, name):
    from gui.training.demo_view import DemoView

    view = DemoView(name)
    qtbot.addWidget(view)
    assert len(view.plots) == {"waveforms": 3, "bridge-bolus": 2, "csf": 2}[name]
    assert all(p.getPlotItem().listDataItems() for p in view.plots)
    if name == "csf":
        assert "Educational approximation" in view.caption.text()
    with pytest.raises(ValueError, match="demos: waveforms"):
        DemoView("nope")


def test_bridge_bolus_demo_shares_one_dose_axis_from_zero(qtbot):
    # a dose held exactly (with the bridge) must read as a flat line at 2 mg/day on the same
    # axis as the under-dose without it, not as autoscaled rounding noise
    from gui.training.demo_view import DemoView

    view = DemoView("bridge-bolus")
    qtbot.addWidget(view)
    ranges = [p.getPlotItem().getViewBox().viewRange()[1] for p in view.plots]
    assert ranges[0] == pytest.approx(ranges[1])
    assert ranges[0][0] == pytest.approx(0.0) and ranges[0][1] == pytest.approx(2.5)
