"""Starting the desktop app: the QApplication (high-DPI aware) and the main window."""
from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from gui.plot_common import configure_pyqtgraph


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once): crisp on high-DPI screens, pyqtgraph configured."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName("neuromod-sim")
        app.setOrganizationName("neuromod-sim")
    assert isinstance(app, QApplication)  # widgets need a QApplication, not a bare QCoreApplication
    configure_pyqtgraph()
    return app


def build_window(sim, registry=None, scenario_path: str | None = None):
    from gui.main_window import MainWindow

    return MainWindow(sim, registry=registry, scenario_path=scenario_path)


def run_app(sim, registry=None, scenario_path: str | None = None, view: str | None = None) -> int:
    """Open the main window on `sim` and run the event loop until it closes."""
    app = make_app()
    window = build_window(sim, registry, scenario_path)
    if view:
        window.show_view(view)
    window.show()
    code = app.exec()
    window.deleteLater()
    return int(code)
