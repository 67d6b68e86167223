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


class LightGrid:
    """Grid lines drawn as two opaque light-grey line sets behind a plot's data.

    pyqtgraph's own grid (`showGrid`) extends the axis ticks with semi-transparent lines that
    the axis repaints every frame; blending them cost about 2 ms per axis per frame, most of a
    frame. These lines are opaque, follow the axes' own tick positions and are rebuilt only
    when the view range or size changes."""

    MAJOR = "#dcdcdc"
    MINOR = "#efefef"

    def __init__(self, plot_item: pg.PlotItem):
        self.item = plot_item
        self.vb = plot_item.getViewBox()
        self.major = pg.PlotCurveItem(pen=pg.mkPen(self.MAJOR, width=1), connect="pairs", antialias=False)
        self.minor = pg.PlotCurveItem(pen=pg.mkPen(self.MINOR, width=1), connect="pairs", antialias=False)
        for z, curve in ((-1001, self.minor), (-1000, self.major)):
            curve.setZValue(z)
            self.vb.addItem(curve, ignoreBounds=True)
        self._key = None
        self.vb.sigRangeChanged.connect(self.update)
        self.vb.sigResized.connect(self.update)

    def update(self, *_args) -> None:
        (x0, x1), (y0, y1) = self.vb.viewRange()
        w, h = max(int(self.vb.width()), 1), max(int(self.vb.height()), 1)
        key = (x0, x1, y0, y1, w, h)
        if key == self._key or not (x1 > x0 and y1 > y0):
            return
        self._key = key
        levels = {"major": ([], []), "minor": ([], [])}
        for axis_name, lo, hi, size, vertical in (("bottom", x0, x1, w, True), ("left", y0, y1, h, False)):
            axis = self.item.getAxis(axis_name)
            for level, (_spacing, values) in enumerate(axis.tickValues(lo, hi, size)[:2]):
                xs, ys = levels["major" if level == 0 else "minor"]
                for v in values:
                    if not lo <= v <= hi:
                        continue
                    if vertical:
                        xs += [v, v]
                        ys += [y0, y1]
                    else:
                        xs += [x0, x1]
                        ys += [v, v]
        for name, curve in (("major", self.major), ("minor", self.minor)):
            xs, ys = levels[name]
            curve.setData(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))


def add_grid(plot: pg.PlotWidget) -> LightGrid:
    grid = LightGrid(plot.getPlotItem())
    plot._light_grid = grid  # keep it alive with the plot
    return grid


def copy_widget_image(widget: QWidget) -> None:
    """Put a picture of `widget` on the clipboard."""
    QApplication.clipboard().setPixmap(widget.grab())


def add_copy_action(plot: pg.PlotWidget) -> None:
    """'Copy plot as image' in the plot's right-click menu."""
    menu = plot.getPlotItem().vb.menu
    action = QAction("Copy plot as image", menu)
    action.triggered.connect(lambda: copy_widget_image(plot))
    menu.addAction(action)


LEFT_AXIS_PX = 64


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
    # one left-axis width for every time plot: linked plots stacked in a column then share
    # the same pixels per day and line up at t = 0 (pyqtgraph links views in screen pixels)
    item.getAxis("left").setWidth(LEFT_AXIS_PX)
    add_grid(plot)
    item.setMenuEnabled(True)
    item.addLegend(offset=(-5, 5), labelTextSize="8pt")
    plot.setMouseEnabled(x=True, y=False)
    plot.setMinimumHeight(140)
    add_copy_action(plot)
    plot._time_follower = TimeFollower(plot)
    plot.setToolTip(
        f"{title}: {y_label} ({y_units}) against simulated time (days since the scenario start).\n"
        "Wheel or drag to zoom and pan the time axis (all time plots follow); the 'A' button in the corner\n"
        "returns to following the simulation. Right-click to copy as image."
    )
    return plot


class TimeFollower:
    """Keeps a time plot's x range at [0, max(1 day, now)] as the simulation runs, so a new run
    shows its first day rather than a range around one point, until the user zooms or pans this
    plot or any plot linked to it; the plot's 'A' (auto-range) button resumes following."""

    MIN_SPAN_D = 1.0

    def __init__(self, plot: pg.PlotWidget):
        item = plot.getPlotItem()
        self.vb = item.getViewBox()
        self.vb.disableAutoRange(pg.ViewBox.XAxis)
        self.vb.sigRangeChangedManually.connect(self._manual)
        item.autoBtn.clicked.connect(self.resume)
        self._range: tuple[float, float] | None = None

    def _group(self):
        return self.vb.linkedView(pg.ViewBox.XAxis) or self.vb

    def _manual(self, mask) -> None:
        if mask is None or mask[0]:
            self._group()._follow_time = False

    def resume(self) -> None:
        self._group()._follow_time = True
        self._range = None

    @property
    def following(self) -> bool:
        return getattr(self._group(), "_follow_time", True)

    def follow(self, now_s: float) -> None:
        # only the first plot of a linked group sets the range: the others follow it through
        # the link (which aligns them in pixels, hence the fixed left-axis width of time plots)
        if not self.following or self.vb.linkedView(pg.ViewBox.XAxis) is not None:
            return
        hi = max(self.MIN_SPAN_D, now_s / SECONDS_PER_DAY * 1.02)
        rng = (-0.01 * hi, hi)  # a hair left of 0 so a point at t = 0 is not cut in half
        if rng != self._range or tuple(self.vb.viewRange()[0]) != rng:
            self._range = rng
            self.vb.setXRange(*rng, padding=0)


def follow_time(plot: pg.PlotWidget, now_s: float) -> None:
    """Move a time plot's x range with the simulation (see TimeFollower)."""
    follower = getattr(plot, "_time_follower", None)
    if follower is not None:
        follower.follow(now_s)


def set_curve(curve: pg.PlotDataItem, x, y) -> None:
    """Set a curve's data; when it has a single instant (a run at t = 0, one breakpoint) draw
    that value as a dot in the curve's colour, since a line through one point draws nothing."""
    x = np.asarray(x, dtype=float)
    single = len(x) > 0 and float(x[-1]) == float(x[0])
    if single:
        colour = curve.opts["pen"].color() if hasattr(curve.opts.get("pen"), "color") else "k"
        curve.setData(x[-1:], np.asarray(y, dtype=float)[-1:], symbol="o", symbolSize=8, symbolBrush=colour, symbolPen=None)
    elif curve.opts.get("symbol") is not None:
        curve.setData(x, y, symbol=None)
    else:
        curve.setData(x, y)


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
