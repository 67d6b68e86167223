"""Fixtures of the GUI tests: offscreen Qt, simulations of the toy device, leak checks.

QT_QPA_PLATFORM is set before anything imports Qt. After each test every top-level widget
that the test created must be gone (closed and deleted), as napari's fixtures check.
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.toy_device import install_toy  # noqa: E402

TOY_PROFILES = Path(__file__).resolve().parents[1] / "data" / "toy_profiles"


def _in_hidden_menu(widget) -> bool:
    from PySide6.QtWidgets import QMenu

    w = widget
    while w is not None:
        if isinstance(w, QMenu) and not w.isVisible():
            return True
        w = w.parent()
    return False


def _top_level_ids(app) -> set[int]:
    # pyqtgraph keeps parentless right-click menus (with their combo popups) per plot until
    # garbage collection; hidden menus are never windows the user sees, so they do not count.
    return {id(w) for w in app.topLevelWidgets() if not _in_hidden_menu(w)}


@pytest.fixture(scope="session", autouse=True)
def collect_qt_garbage_at_end(qapp):
    """Collect the Python side of Qt objects while the QApplication still exists, so nothing
    is torn down in the wrong order at interpreter exit."""
    import gc

    yield
    gc.collect()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qapp.processEvents()
    gc.collect()


@pytest.fixture(autouse=True)
def no_leaked_widgets(qapp):
    """Fail a test that leaves a top-level window or dialog behind."""
    from PySide6.QtCore import QCoreApplication, QEvent

    before = _top_level_ids(qapp)
    yield
    for _ in range(2):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qapp.processEvents()
    new_ids = _top_level_ids(qapp) - before
    leaked = [w for w in qapp.topLevelWidgets() if id(w) in new_ids]
    names = [f"{w.metaObject().className()}({w.windowTitle()!r}, visible={w.isVisible()})" for w in leaked]
    for w in leaked:
        w.close()
        w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not names, f"leaked top-level widgets: {names}"


@pytest.fixture(autouse=True)
def session_dialogs_answered(monkeypatch):
    """The programming session's modal questions answered as a user would, so no test blocks:
    the transmit review is confirmed (Send) and the pending-edits prompt answers Discard.
    Tests about them replace these answers; `asked` records the prompts' texts."""
    from PySide6.QtWidgets import QMessageBox

    from gui import review_dialog

    record = _SessionAnswers()

    def run_dialog(dialog):
        record.reviews.append(dialog.rows())
        return record.review_answer

    def question(parent, title, text, *args, **kwargs):
        record.asked.append(text)
        return record.question_answer

    monkeypatch.setattr(review_dialog, "run_dialog", run_dialog)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return record


class _SessionAnswers:
    def __init__(self):
        from PySide6.QtWidgets import QMessageBox

        self.reviews: list[list[tuple[str, str, str, str]]] = []
        self.asked: list[str] = []
        self.review_answer = True
        self.question_answer = QMessageBox.StandardButton.Discard


@pytest.fixture
def toy_registry():
    from simulator.profiles.registry import ProfileRegistry

    install_toy()
    return ProfileRegistry([TOY_PROFILES])


@pytest.fixture
def toy_scenario_data():
    return {
        "name": "toy tank",
        "duration": "30d",
        "devices": [{"id": "tank", "profile": "toy/tank", "settings": {"volume_ml": 10, "rate_ml_per_day": 0.5}}],
        "timeline": [{"at": "5d", "device": "tank", "action": "set_rate", "params": {"rate_ml_per_day": 1.0}}],
    }


@pytest.fixture
def toy_sim(toy_registry, toy_scenario_data):
    from simulator.engine import Simulation
    from simulator.scenario import scenario_from_dict

    return Simulation(scenario_from_dict(toy_scenario_data, toy_registry), registry=toy_registry)


@pytest.fixture
def make_window(qtbot):
    """Build a MainWindow on a simulation; it is closed and deleted after the test."""
    from gui.main_window import MainWindow

    made = []

    def make(sim, registry=None):
        window = MainWindow(sim, registry=registry)
        made.append(window)
        window.show()
        return window

    yield make
    for window in made:
        window.close()
        window.deleteLater()


@pytest.fixture
def overview_at(make_window):
    """A function (day) -> (sim, window): the app's default scenario in a 1600 x 1000 window on the
    overview, jumped to `day` (d) and shown and painted once."""

    def open_at(day: float):
        from PySide6.QtWidgets import QApplication

        from gui.scenario_io import default_scenario_path, open_scenario
        from simulator.engine import Simulation

        sim = Simulation(open_scenario(default_scenario_path()))
        window = make_window(sim)
        window.resize(1600, 1000)
        window.show()
        window.show_view("overview")
        window.runner.jump_to(day * 86400.0, blocking=True)
        window.refresh_views()
        for _ in range(3):
            QApplication.processEvents()
        return sim, window

    return open_at


@pytest.fixture
def no_dialogs(monkeypatch):
    """Record messages instead of opening modal boxes; `answers` feeds ask()."""
    from gui import dialogs

    shown: list[tuple[str, str]] = []
    answers: list[bool] = []

    def inform(parent, title, text, icon=None):
        shown.append((title, text))

    def ask(parent, title, text):
        shown.append((title, text))
        return answers.pop(0) if answers else False

    monkeypatch.setattr(dialogs, "inform", inform)
    monkeypatch.setattr(dialogs, "ask", ask)
    return _Recorder(shown, answers)


class _Recorder:
    def __init__(self, shown, answers):
        self.shown = shown
        self.answers = answers

    def texts(self) -> str:
        return "\n".join(f"{t}: {x}" for t, x in self.shown)
