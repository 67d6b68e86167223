"""Hooking the training panel into a main window as a dock widget."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea

from gui.training.panel import LoadScenario, TrainingPanel

if TYPE_CHECKING:
    from simulator.engine import Simulation


class TrainingDock(QDockWidget):
    """The training dock: the panel sits in a scroll area, so the dock can be narrow (a 1366 x 768
    screen) and the panel scrolls; `widget()` still gives the panel."""

    def __init__(self, title: str, parent, panel):
        super().__init__(title, parent)
        self._panel = panel
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(panel)
        self.scroll_area.setMinimumWidth(220)
        self.setWidget(self.scroll_area)

    def widget(self):  # noqa: D401 (Qt's name)
        """The training panel (inside the scroll area)."""
        return self._panel


def install_training_dock(main_window: QMainWindow, get_simulation: Callable[[], Simulation] | None = None,
                          load_scenario: LoadScenario | None = None, registry=None,
                          area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> TrainingDock:
    """Add the 'Training' dock to `main_window` and return it (the panel is `dock.widget()`).

    Defaults fit gui.main_window.MainWindow: the simulation is `main_window.runner.sim`; loading
    an exercise builds a Simulation of its scenario with `main_window.registry`, hands it to
    `main_window.runner.set_simulation` and runs it (blocking) to the exercise's start time.
    """
    registry = registry if registry is not None else getattr(main_window, "registry", None)
    if get_simulation is None:
        def get_simulation():
            return main_window.runner.sim
    if load_scenario is None:
        def load_scenario(scenario, start_at_s):
            from simulator.engine import Simulation

            sim = Simulation(scenario, registry=registry, validate=False)
            main_window.runner.set_simulation(sim)
            if start_at_s > 0:
                main_window.runner.jump_to(start_at_s, blocking=True)
            return sim
    panel = TrainingPanel(get_simulation, load_scenario, registry=registry)
    dock = TrainingDock("Training", main_window, panel)
    dock.setObjectName("training-dock")
    _guard_exercise_start(main_window, panel)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    main_window.addDockWidget(area, dock)
    # open wide enough for the panel and the scroll bar beside it (up to 480 px), so it does not
    # start cut off on the right
    width = panel.sizeHint().width() + dock.scroll_area.verticalScrollBar().sizeHint().width() + 12
    main_window.resizeDocks([dock], [max(320, min(480, width))], Qt.Orientation.Horizontal)
    # kept on the window for its callers; a plain QMainWindow gets it as a new attribute (MainWindow declares it)
    main_window.training_dock = dock  # type: ignore[attr-defined]
    return dock


def _guard_exercise_start(main_window, panel) -> None:
    """Ask about pending edits or an unsaved session before an exercise replaces the simulation:
    the main window's `confirm_leave` (when it has one) may cancel the start."""
    confirm = getattr(main_window, "confirm_leave", None)
    if confirm is None:
        return
    start = panel.start_exercise

    def guarded(path_or_id):
        if not confirm("start an exercise"):
            return None
        return start(path_or_id)

    panel.start_exercise = guarded
