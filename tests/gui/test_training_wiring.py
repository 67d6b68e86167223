"""The training dock and the educator demonstrations, reached from the main window's menus."""
from __future__ import annotations

import shiboken6


def _menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions()]


def test_training_menu_dock_exercise_and_demo(qtbot, make_window, toy_sim, toy_registry):
    window = make_window(toy_sim, toy_registry)
    dock = window.training_dock
    assert not dock.isVisible()
    # the dock is reachable from the Training menu and the View menu
    toggle = dock.toggleViewAction()
    assert toggle in window.training_menu.actions() and toggle in window.view_menu.actions()
    toggle.trigger()
    assert dock.isVisible()
    demos = [t for t in _menu_texts(window.training_menu) if t.startswith("Demonstration")]
    assert len(demos) == 3

    # pick an exercise: the panel loads its scenario into the window's runner
    from tests.training.test_gui_dock import EXERCISE

    panel = dock.widget()
    ex = panel.start_exercise(EXERCISE)
    assert ex is not None
    assert window.runner.sim is not toy_sim and window.runner.sim.now == ex.start_at
    assert "tank" in window.runner.sim.devices
    # the view menu is rebuilt with the new simulation and keeps the dock entry
    assert toggle in window.view_menu.actions()

    view = window.open_demo("csf")
    assert view.isVisible() and view.plots
    window.close()  # closes the demonstration too
    qtbot.waitUntil(lambda: not shiboken6.isValid(view) or not view.isVisible(), timeout=2000)
