"""Shared plot setup: pyqtgraph options, the simulated-time axis in days, copying as an image.

Every time-series plot shows simulated time in days from the scenario start and is linked to
the others, so zooming one zooms all.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QWidget

from simulator.units import SECONDS_PER_DAY

_CONFIGURED = False
def configure_pyqtgraph() -> None:
    """OpenGL off (the offscreen platform renders plots), light theme, no antialiasing (speed)."""
    global _CONFIGURED
    if not _CONFIGURED:
        pg.setConfigOptions(useOpenGL=False, antialias=False, background="w", foreground="k")
        _CONFIGURED = True


PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]


def pen(i: int, width: float = 1.5, style=None) -> pg.QtGui.QPen:
    p = pg.mkPen(PALETTE[i % len(PALETTE)], width=width)
    if style is not None:
        p.setStyle(style)
    return p


def copy_widget_image(widget: QWidget) -> None:
    """Put a picture of `widget` on the clipboard."""
    QApplication.clipboard().setPixmap(widget.grab())


def add_copy_action(plot: pg.PlotWidget) -> None:
    """'Copy plot as image' in the plot's right-click menu."""
    menu = plot.getPlotItem().vb.menu
    action = QAction("Copy plot as image", menu)
    action.triggered.connect(lambda: copy_widget_image(plot))
    menu.addAction(action)


def time_plot(title: str, y_label: str, y_units: str, parent: QWidget | None = None) -> pg.PlotWidget:
    """A plot against simulated time in days, with a legend and the copy action."""
    configure_pyqtgraph()
    plot = pg.PlotWidget(parent=parent)
    plot.setTitle(title, size="10pt")
    plot.setLabel("left", y_label, units=y_units)
    plot.setLabel("bottom", "simulated time", units="d")
    item = plot.getPlotItem()
    item.getAxis("bottom").enableAutoSIPrefix(False)
    item.getAxis("left").enableAutoSIPrefix(False)
    item.showGrid(x=True, y=True, alpha=0.25)
    item.setMenuEnabled(True)
    item.addLegend(offset=(-5, 5), labelTextSize="8pt")
    plot.setMouseEnabled(x=True, y=False)
    plot.setMinimumHeight(140)
    add_copy_action(plot)
    plot.setToolTip(f"{title}: {y_label} ({y_units}) against simulated time (days). Right-click to copy as image.")
    return plot


def series_xy_days(series, now_s: float, now_value: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints of a recorded series in days, extended to `now_s`.

    For a step signal the last level holds until now. For a linear signal the tail is drawn to
    `now_value` when the model supplies it (its closed-form value now), else it stops at the
    last breakpoint.
    """
    t = series.t_s
    v = series.values
    if len(t) and now_s > t[-1]:
        if series.interp == "step":
            t = np.append(t, now_s)
            v = np.append(v, v[-1])
        elif now_value is not None:
            t = np.append(t, now_s)
            v = np.append(v, now_value)
    return t / SECONDS_PER_DAY, v


def step_xy(t_days: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn step-signal breakpoints into a staircase polyline."""
    if len(t_days) < 2:
        return t_days, v
    tx = np.repeat(t_days, 2)[1:]
    vy = np.repeat(v, 2)[:-1]
    return tx, vy
