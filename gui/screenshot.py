"""Rendering the main window to a PNG after simulating to a given time (docs and checks)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from simulator.errors import InputError, Issue

DEFAULT_SIZE_PX = (1600, 1000)


def render_window(window, png_path: str | Path, at_s: float | None = None, view: str | None = None, size_px: tuple[int, int] = DEFAULT_SIZE_PX) -> Path:
    """Run the window's simulation to `at_s`, select `view`, draw and save the window as PNG.

    The file is written to a temporary name and renamed (`simulator.atomic`), so a failed
    save leaves nothing."""
    png_path = Path(png_path)
    if png_path.suffix.lower() != ".png":
        raise InputError(Issue("--screenshot", "the picture file must end in .png", str(png_path)))
    if not png_path.resolve().parent.is_dir():
        raise InputError(Issue("--screenshot", "the folder does not exist", str(png_path.parent)))
    demo = None
    if view and view.lower().startswith("demo:"):
        demo = view.split(":", 1)[1]
        view = None
    elif view and view.lower() == "training":
        # the training dock with the first bundled exercise started (it loads its own scenario)
        window.show_training(True)
        window.training_dock.widget().start_selected()
        view = None
    if at_s is not None:
        if at_s > window.runner.sim.duration_s:
            raise InputError(Issue("--at", f"is after the end of the scenario ({window.runner.sim.duration_s:g} s)", at_s))
        window.runner.jump_to(at_s, blocking=True)
    if view:
        window.show_view(view)
    window.resize(*size_px)
    window.show()
    for _ in range(3):
        QApplication.processEvents()
    window.refresh_views()
    QApplication.processEvents()
    if demo is not None:
        try:
            shown = window.open_demo(demo)
        except ValueError as exc:
            raise InputError(Issue("--view", str(exc), demo)) from None
        shown.resize(size_px[0], int(size_px[1] * 0.6))
        for _ in range(3):
            QApplication.processEvents()
        image = shown.grab()
        shown.close()
    else:
        image = window.grab()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    from simulator.atomic import write_bytes_atomic

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise InputError(Issue("--screenshot", "could not encode the picture as PNG", str(png_path)))
    buffer.close()
    return write_bytes_atomic(png_path, bytes(data.data()), option="--screenshot")
