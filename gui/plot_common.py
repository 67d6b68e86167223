"""Shared plot setup: pyqtgraph options, the calendar time axis, legends and threshold labels
that never cover or lose text, hover read-outs, copying as an image.

Every time plot keeps its data in days since the scenario start (x), and labels that axis with
calendar dates (`CalendarAxis`, from the scenario's calendar start); hovering shows the calendar
time, the elapsed time and the value under the cursor. The time plots of a view are linked, so
zooming one zooms all. Long series are drawn as min/max envelopes when zoomed out (pyqtgraph's
'peak' downsampling) and in full detail when zoomed in (clip to view).
"""
from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QGraphicsScene, QWidget

from simulator.units import SECONDS_PER_DAY, describe_elapsed

_CONFIGURED = False
def configure_pyqtgraph() -> None:
    """OpenGL off (the offscreen platform renders plots), light theme, no antialiasing (speed)."""
    global _CONFIGURED
    if not _CONFIGURED:
        pg.setConfigOptions(useOpenGL=False, antialias=False, background="w", foreground="k")
        _CONFIGURED = True


PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
#: One distinct colour per contact index (16 contacts of two 8-contact leads, or one 16-contact
#: paddle, never share a colour); the case (can) electrode is drawn in black.
CONTACT_PALETTE = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
]
CASE_COLOUR = "#000000"


def contact_colour(index: int | None) -> str:
    """The colour of a contact from its index on the device (None: the case electrode)."""
    if index is None or index < 0:
        return CASE_COLOUR
    return CONTACT_PALETTE[index % len(CONTACT_PALETTE)]


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
            cache_drawing(curve)  # redrawn when the view range or size changes, not every frame
            self.vb.addItem(curve, ignoreBounds=True)
        self._key: tuple[float, float, float, float, int, int] | None = None  # the view last drawn
        self.vb.sigRangeChanged.connect(self.update)
        self.vb.sigResized.connect(self.update)

    def update(self, *_args) -> None:
        (x0, x1), (y0, y1) = self.vb.viewRange()
        w, h = max(int(self.vb.width()), 1), max(int(self.vb.height()), 1)
        key = (x0, x1, y0, y1, w, h)
        if key == self._key or not (x1 > x0 and y1 > y0):
            return
        self._key = key
        levels: dict[str, tuple[list[float], list[float]]] = {"major": ([], []), "minor": ([], [])}
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


def cache_drawing(item: pg.GraphicsObject) -> None:
    """Keep `item`'s drawing as a pixmap in screen pixels until the item changes (Qt's device
    coordinate cache): for what changes seldom (axes, grid lines, event markers) while the
    curves in front of it change every frame, a repaint of the plot then copies the pixmap
    instead of drawing the item again in Python."""
    item.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
    text_child = getattr(item, "textItem", None)  # a TextItem's text is drawn by a child item:
    if isinstance(text_child, pg.QtWidgets.QGraphicsItem):  # without its own cache, Qt lays the
        text_child.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)  # text out at every paint


#: Every live plot of the app that redraws as the clock runs (time plots and scopes).
LIVE_PLOTS: weakref.WeakSet[pg.GraphicsView] = weakref.WeakSet()


def register_live_plot(plot: pg.GraphicsView) -> None:
    """Count `plot` among the plots `prepare_plots_for_paint` prepares, and let its scene find
    items without an index: a live plot's few dozen items change every frame, and Qt's BSP
    index re-files each changed item before a paint (a plain search of so few items is cheaper)."""
    LIVE_PLOTS.add(plot)
    scene = plot.scene()
    if scene is not None:
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)


def prepare_plots_for_paint() -> None:
    """Apply now, in every visible live plot, what pyqtgraph would otherwise apply when the plot
    is next painted: view ranges changed by a redraw and y ranges that follow new data (it
    defers the new view transform to the paint, and the items it moves then ask for a second
    paint of the plot: two paints per plot per frame). Call after redrawing, before the event
    loop paints."""
    for plot in list(LIVE_PLOTS):
        if shiboken6.isValid(plot) and plot.isVisible():
            scene = plot.scene()
            if scene is not None:
                scene.prepareForPaint()


class AutoRangeViewBox(pg.ViewBox):
    """A view box that works out its auto-range at its next paint without repainting all of it.

    pyqtgraph asks for a repaint of the whole view box whenever an item's bounds change (the
    live end of a curve, every frame) so that the paint applies the auto-range; the items that
    changed ask for their own repaint anyway, and a new range moves (repaints) every item. This
    view box asks for one pixel instead: the paint still comes (and with it the auto-range, as
    `prepare_plots_for_paint` applies it before), the rest of the plot is not redrawn."""

    def queueUpdateAutoRange(self) -> None:  # noqa: N802 (pyqtgraph's name)
        self._autoRangeNeedsUpdate = True
        self.update(QRectF(0.0, 0.0, 1.0, 1.0))


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


#: Calendar ticks computed lately, shared by every calendar axis: key (start, orientation, range
#: in days, length px, font metrics) -> (ticks, zoom level, minimum spacing, spacings). The linked
#: time plots of a view show one x range on axes of one length, and each axis is asked for its
#: ticks twice when the range moves (its grid, then its paint): pyqtgraph's date ticks cost about
#: 1.3 ms a time, so a range change (every recharge moves a battery projection's end a week out)
#: cost ~10 ms of ticks in one frame. Kept to CALENDAR_TICKS_KEPT entries.
_CALENDAR_TICKS: dict[tuple, tuple] = {}
CALENDAR_TICKS_KEPT = 32


class CalendarAxis(pg.DateAxisItem):
    """A bottom axis for data in days since the scenario start, labelled with calendar dates.

    pyqtgraph's DateAxisItem labels Unix timestamps; this one converts the plot's days to the
    timestamps of the scenario's calendar start + days, asks DateAxisItem for the ticks (days,
    hours or minutes, whichever fit), and converts them back to days. The calendar start is a
    naive wall-clock time (as the status bar shows it), so it is read and shown as UTC: the
    labels show the same wall clock. Without a start the axis shows elapsed days."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, utcOffset=0, **kwargs)
        # DateAxisItem measures its labels with the painter's font metrics, known only from the
        # first paint; the grid asks for ticks before that
        self.fontMetrics = pg.QtGui.QFontMetrics(self.font())
        self.start_epoch_s: float | None = None
        self._spacing_s: dict[float, float] = {}

    def set_start(self, start: datetime | None) -> None:
        if start is None:
            self.start_epoch_s = None
        else:
            aware = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
            self.start_epoch_s = aware.timestamp()
        self.picture = None
        self.update()

    def linkToView(self, view):
        # DateAxisItem would limit the view to the range of valid timestamps (in days here: no
        # sense); the plain axis link is enough
        self._linkToView_internal(view)

    def tickValues(self, minVal, maxVal, size):
        if self.start_epoch_s is None:
            return pg.AxisItem.tickValues(self, minVal, maxVal, size)
        fm = self.fontMetrics
        key = (self.start_epoch_s, self.orientation, float(minVal), float(maxVal), float(size), fm.height(), fm.averageCharWidth())
        hit = _CALENDAR_TICKS.get(key)
        if hit is None:
            out = self._calendar_ticks(minVal, maxVal, size)
            if len(_CALENDAR_TICKS) >= CALENDAR_TICKS_KEPT:
                _CALENDAR_TICKS.clear()
            hit = _CALENDAR_TICKS[key] = (out, self.zoomLevel, self.minSpacing, dict(self._spacing_s))
        out, self.zoomLevel, self.minSpacing, spacing_s = hit
        self._spacing_s = dict(spacing_s)  # tickStrings reads the zoom level and spacings set here
        return [(spacing_d, list(values)) for spacing_d, values in out]

    def _calendar_ticks(self, minVal, maxVal, size):
        """The ticks (pyqtgraph's levels: [(spacing d, [days])]) of days minVal..maxVal on `size` px."""
        e0 = self.start_epoch_s
        assert e0 is not None
        ticks = super().tickValues(e0 + minVal * SECONDS_PER_DAY, e0 + maxVal * SECONDS_PER_DAY, size)
        out = []
        self._spacing_s = {}
        for spacing_s, values in ticks:
            spacing_d = spacing_s / SECONDS_PER_DAY
            self._spacing_s[spacing_d] = spacing_s
            out.append((spacing_d, [(v - e0) / SECONDS_PER_DAY for v in values]))
        # a coarse level with fewer than two ticks in view ('2027' at the right edge of a year)
        # labels nothing useful and keeps the finer level (the months) unlabelled: drop it
        # (its ticks join the finer level, which does not repeat them: a lone midnight stays)
        while len(out) > 1 and sum(minVal <= v <= maxVal for v in out[0][1]) < 2:
            coarse = out.pop(0)
            out[0] = (out[0][0], sorted(set(out[0][1]) | set(coarse[1])))
        # a finer tick closer than half its own step to a coarser one (day '03' two days after
        # the month tick 'Mar') would print the two labels into each other: drop the finer one
        coarser: list[float] = []
        for i, (spacing_d, values) in enumerate(out):
            if coarser and len(values) > 2:
                gaps = sorted(b - a for a, b in zip(values, values[1:]))
                half_step_d = gaps[len(gaps) // 2] / 2
                values = [v for v in values if all(abs(v - c) < 1e-9 or abs(v - c) >= half_step_d for c in coarser)]
                out[i] = (spacing_d, values)
            coarser.extend(values)
        return out

    def tickStrings(self, values, scale, spacing):
        if self.start_epoch_s is None:
            return pg.AxisItem.tickStrings(self, values, scale, spacing)
        e0 = self.start_epoch_s
        spacing_s = self._spacing_s.get(spacing, spacing * SECONDS_PER_DAY)
        return super().tickStrings([round(e0 + v * SECONDS_PER_DAY, 3) for v in values], scale, spacing_s)

    def generateDrawSpecs(self, p):
        if self.start_epoch_s is None:
            return pg.AxisItem.generateDrawSpecs(self, p)
        return super().generateDrawSpecs(p)


def calendar_text(start: datetime | None, t_s: float) -> str:
    """'Tue 2026-02-03 14:00 (elapsed 29d 06:00:00)' for a simulated time."""
    from datetime import timedelta

    elapsed = f"elapsed {describe_elapsed(max(t_s, 0.0))}"
    if start is None:
        return elapsed
    return f"{start + timedelta(seconds=float(t_s)):%a %Y-%m-%d %H:%M} ({elapsed})"


class PlotBus(QObject):
    """Signals from any time plot to the main window: a hover read-out for the status bar, and
    an event marker clicked (the record, to select in the event log)."""

    hover_text = Signal(str)
    event_clicked = Signal(object)


BUS = PlotBus()


class HoverReadout:
    """A vertical cursor line and a read-out of calendar time, elapsed time and the value of each
    curve under the cursor, shown in the plot's top-left corner and sent to the status bar."""

    def __init__(self, plot: pg.PlotWidget):
        self.plot = plot
        self.item = plot.getPlotItem()
        self.vb = self.item.getViewBox()
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888", width=1, style=pg.QtCore.Qt.PenStyle.DotLine))
        self.line.setZValue(50)
        self.line.hide()
        self.vb.addItem(self.line, ignoreBounds=True)
        self.text = pg.TextItem("", color="#202020", fill=pg.mkBrush(255, 255, 255, 230), anchor=(0, 0))
        self.text.setZValue(60)
        self.text.hide()
        self.vb.addItem(self.text, ignoreBounds=True)
        self.last_text = ""
        plot.scene().sigMouseMoved.connect(self._moved)

    def _start_dt(self) -> datetime | None:
        e0 = getattr(self.item.getAxis("bottom"), "start_epoch_s", None)
        return None if e0 is None else datetime.fromtimestamp(e0, tz=UTC).replace(tzinfo=None)

    def text_at(self, x_days: float) -> str:
        """The read-out at x (days since the start): time, then each named curve's value."""
        lines = [calendar_text(self._start_dt(), x_days * SECONDS_PER_DAY)]
        for curve in self.item.listDataItems():
            name = curve.name()
            if not name:
                continue
            x, y = curve.getOriginalDataset()
            if x is None or not len(x) or x_days < x[0] or x_days > x[-1]:
                continue
            # linear between points (a staircase has its steps as point pairs, so it stays one)
            lines.append(f"{name}: {float(np.interp(x_days, x, y)):.4g}")
        return "\n".join(lines)

    def _moved(self, pos) -> None:
        if not self.vb.sceneBoundingRect().contains(pos):
            if self.line.isVisible():
                self.line.hide()
                self.text.hide()
            return
        x = self.vb.mapSceneToView(pos).x()
        self.show_at(x)

    def show_at(self, x_days: float) -> None:
        text = self.text_at(x_days)
        self.last_text = text
        self.line.setPos(x_days)
        (x0, _x1), (_y0, y1) = self.vb.viewRange()
        self.text.setText(text)
        self.text.setPos(x0, y1)
        self.line.show()
        self.text.show()
        BUS.hover_text.emit(text.replace("\n", "   |   "))


def _title_never_widens(label: pg.LabelItem) -> None:
    """Make a plot's title claim its text's height but no width: a long title is cut at the
    plot's edge instead of making the plot's scene (and the window) wider than its widget.
    (LabelItem sets its minimum size from its text on every change and resize.)"""

    def update_min() -> None:
        bounds = label.itemRect()
        # centred while it fits; else from the left edge, so the plot's name stays in view
        justify = "center" if bounds.width() <= label.rect().width() else "left"
        if label.opts.get("justify") != justify:
            label.opts["justify"] = justify
            label.resizeEvent(None)  # places the text again (and comes back here once)
            return
        label.setMinimumWidth(0)
        label.setMinimumHeight(bounds.height())
        label._sizeHint = {
            pg.QtCore.Qt.SizeHint.MinimumSize: (0, bounds.height()),
            pg.QtCore.Qt.SizeHint.PreferredSize: (0, bounds.height()),
            pg.QtCore.Qt.SizeHint.MaximumSize: (-1, -1),
            pg.QtCore.Qt.SizeHint.MinimumDescent: (0, 0),
        }
        label.updateGeometry()

    label.updateMin = update_min


class TitleLegend:
    """The legend as coloured line samples in the plot's title row, above the data: it never
    covers a curve and is never clipped by the view. Entries: (name, colour, dashed)."""

    def __init__(self, plot: pg.PlotWidget, title: str):
        self.plot = plot
        self.title = title
        self.entries: list[tuple[str, str, bool]] = []
        self._html: str | None = None  # the title last set
        _title_never_widens(plot.getPlotItem().titleLabel)
        self.render()

    def set_entries(self, entries: list[tuple[str, str, bool]]) -> None:
        self.entries = list(entries)
        self.render()

    def add(self, name: str, colour: str, dashed: bool = False) -> None:
        if (name, colour, dashed) not in self.entries:
            self.entries.append((name, colour, dashed))
            self.render()

    def html(self) -> str:
        parts = [f"<b>{self.title}</b>"]
        for name, colour, dashed in self.entries:
            glyph = "&#x2504;&#x2504;" if dashed else "&#x2501;&#x2501;"
            parts.append(f"<span style='color:{colour}'>{glyph}</span>&nbsp;{name}")
        return "&nbsp;&nbsp;&nbsp;".join(parts)

    def render(self) -> None:
        html = self.html()
        if html != self._html:  # a new title relays the plot out: only when it changes
            self._html = html
            self.plot.setTitle(html, size="9pt")


class PointLabels:
    """Text labels at points of a plot ('low 16 Apr' at a projected date), kept from frame to
    frame: a label's text, place and tooltip are set only when they change, and a label no
    longer wanted is hidden (making and removing text items every frame cost about 1 ms each)."""

    def __init__(self, plot: pg.PlotWidget, colour: str, anchor: tuple[float, float] = (1.0, 1.1)):
        self.plot, self.colour, self.anchor = plot, colour, anchor
        self.items: dict[str, pg.TextItem] = {}
        self._shown: dict[str, tuple[str, float, float, str | None]] = {}
        self._anchors: dict[str, tuple[float, float]] = {}  # key -> the anchor its label has now
        # the side of each label follows the view (a label drawn before the range widened)
        plot.getPlotItem().getViewBox().sigXRangeChanged.connect(self._reside)

    def _reside(self, *_args) -> None:
        """Put every shown label on the side its point now calls for (see `_side`)."""
        for key, (_text, x, _y, _tip) in self._shown.items():
            self._side(key, self.items[key], x)

    def _moved(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        return _moved_in_pixels(self.plot.getPlotItem().getViewBox(), x0, y0, x1, y1)

    def _side(self, key: str, item: pg.TextItem, x: float) -> None:
        """Put a label ending at its point (the default anchor) on the point's right instead when
        the point lies in the left half of the view: there the text would run to the left edge,
        into the threshold lines' labels ('low battery 15 Jan' written over 'low battery')."""
        if self.anchor[0] != 1.0:
            return
        (x0, x1), _ = self.plot.getPlotItem().getViewBox().viewRange()
        anchor = (0.0, self.anchor[1]) if x < (x0 + x1) / 2 else self.anchor
        if self._anchors.get(key, self.anchor) != anchor:
            self._anchors[key] = anchor
            item.setAnchor(anchor)

    def show(self, labels: Sequence[tuple[str, str, float, float, str | None]]) -> list[pg.TextItem]:
        """Show exactly `labels`, each (key, text, x, y, tooltip or None); returns their items."""
        wanted = {key for key, *_ in labels}
        for key, item in self.items.items():
            if key not in wanted and item.isVisible():
                item.hide()
                self._shown.pop(key, None)
        shown = []
        for key, text, x, y, tip in labels:
            item = self.items.get(key)
            if item is None:
                item = self.items[key] = pg.TextItem(text, color=self.colour, anchor=self.anchor)
                cache_drawing(item)  # moved with the clock: a move copies the cached text
                self.plot.addItem(item, ignoreBounds=True)
            old = self._shown.get(key)
            if old is None or old[0] != text:
                item.setText(text)
            self._side(key, item, x)
            if old is None or self._moved(old[1], old[2], x, y):
                item.setPos(x, y)
            else:
                x, y = old[1], old[2]  # moved less than a quarter pixel: left where it is drawn
            if tip is not None and (old is None or old[3] != tip):
                item.setToolTip(tip)
            self._shown[key] = (text, x, y, tip)
            item.show()
            shown.append(item)
        return shown


def _moved_in_pixels(vb, x0: float, y0: float, x1: float, y1: float) -> bool:
    """True when (x1, y1) is at least a quarter pixel of view box `vb` away from (x0, y0)."""
    tol_x, tol_y = pixel_tolerance(vb)
    return abs(x1 - x0) > tol_x or abs(y1 - y0) > tol_y


class _KeptBoundingRect:
    """Mixin for pyqtgraph items whose `boundingRect` works out the size of a screen pixel on
    every call (scatters, bars): Qt asks for it at every paint of the plot, for every item, and
    the pixel size takes most of a paint's Python time. The rectangle is kept until the item's
    data bounds, its pixel padding or the view's transform (range, size) change."""

    _rect_key: tuple | None = None
    _rect = None
    _view_generation = 0

    def boundingRect(self):  # noqa: N802 (Qt's name)
        key = (self.dataBounds(0), self.dataBounds(1), self.pixelPadding(), self._view_generation)
        if key != self._rect_key or self._rect is None:
            self._rect = super().boundingRect()
            self._rect_key = key
        return QRectF(self._rect)  # a copy: a caller may adjust it in place

    def viewTransformChanged(self):  # noqa: N802 (pyqtgraph's name)
        self._view_generation += 1
        super().viewTransformChanged()


class KeptBoundsScatter(_KeptBoundingRect, pg.ScatterPlotItem):
    """A ScatterPlotItem that keeps its bounding rectangle (see _KeptBoundingRect)."""


class KeptBoundsBars(_KeptBoundingRect, pg.BarGraphItem):
    """A BarGraphItem that keeps its bounding rectangle (see _KeptBoundingRect)."""


def set_data_if_changed(item, x, y) -> bool:
    """`item.setData(x, y)` unless it already shows exactly these points (a curve or scatter
    whose data did not change is neither re-set nor repainted); True when set."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if _shows_already(item, x, y):
        return False
    item.setData(x, y)
    _remember_shown(item, x, y)
    return True


#: Points that moved less than this share of a screen pixel are left where they are drawn.
SAME_PIXEL_FRACTION = 0.25


def pixel_tolerance(vb) -> tuple[float, float]:
    """SAME_PIXEL_FRACTION of a screen pixel of view box `vb` in its x and y units (0, 0 when
    the view has no size yet)."""
    try:
        px, py = vb.viewPixelSize()
    except Exception:  # no view yet (pyqtgraph raises when the view has no scene)
        return 0.0, 0.0
    return SAME_PIXEL_FRACTION * abs(px), SAME_PIXEL_FRACTION * abs(py)


def set_data_if_moved(item, x, y) -> bool:
    """`set_data_if_changed`, except that points that each moved less than a quarter of a
    screen pixel are left as drawn: a projected date worked out again every frame moves by
    seconds (a pixel is about an hour of a 70-day axis), and re-setting the points would
    repaint them for the same pixels. Drawn points stay within a quarter pixel of the data."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    last = _SHOWN.get(item)
    if last is not None and last[2] is _data_token(item) and last[0].shape == x.shape and last[1].shape == y.shape:
        vb = item.getViewBox()
        tol_x, tol_y = pixel_tolerance(vb) if vb is not None else (0.0, 0.0)
        if _within(last[0], x, tol_x) and _within(last[1], y, tol_y):
            return False
    return set_data_if_changed(item, x, y)


def _within(a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    """Every |a - b| <= tol (arrays of one shape; a NaN or an infinity anywhere: False unless
    the arrays are equal): `np.allclose(a, b, rtol=0, atol=tol)` for finite data, at a fraction
    of its cost on a scope trace of thousands of samples."""
    if np.array_equal(a, b):
        return True
    with np.errstate(invalid="ignore"):
        return bool(np.max(np.abs(a - b)) <= tol)


def _data_token(item) -> object:
    """The array pyqtgraph holds `item`'s data in (a new one after any setData, by anyone)."""
    return item.xData if isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem)) else getattr(item, "data", None)


#: What set_curve / set_data_if_changed last gave each plot item: (x, y, pyqtgraph's data array).
_SHOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _shows_already(item, x: np.ndarray, y: np.ndarray) -> bool:
    """True when `item` was last set (by set_curve / set_data_if_changed) to exactly x, y."""
    last = _SHOWN.get(item)
    return last is not None and last[2] is _data_token(item) and np.array_equal(last[0], x) and np.array_equal(last[1], y)


def _remember_shown(item, x: np.ndarray, y: np.ndarray) -> None:
    _SHOWN[item] = (x, y, _data_token(item))


def legend_of(plot: pg.PlotWidget) -> TitleLegend:
    return plot._title_legend


def threshold_line(plot: pg.PlotWidget, label: str, colour: str = "#c62828", width: float = 1.0, dashed: bool = True) -> pg.InfiniteLine:
    """A labelled horizontal threshold line: the label starts just right of the left axis, on the
    side of the line towards the middle of the view (below a line in the upper half, above one in
    the lower half), so it is not clipped by the plot's top or bottom edge."""
    style = pg.QtCore.Qt.PenStyle.DashLine if dashed else pg.QtCore.Qt.PenStyle.SolidLine
    line = pg.InfiniteLine(
        angle=0, movable=False, pen=pg.mkPen(colour, width=width, style=style), label=label,
        labelOpts={"position": 0.005, "color": colour, "anchors": [(0, 0), (0, 1)]},  # [0]: line in the upper half (text below it)
    )
    cache_drawing(line.label)  # its text is drawn once, not at every paint of the plot
    plot.addItem(line, ignoreBounds=True)
    return line


def set_calendar_start(plot: pg.PlotWidget, start: datetime | None) -> None:
    """Label a time plot's x axis with calendar dates counted from `start`."""
    axis = plot.getPlotItem().getAxis("bottom")
    if isinstance(axis, CalendarAxis) and axis.start_epoch_s != (None if start is None else start.replace(tzinfo=UTC).timestamp()):
        axis.set_start(start)
        grid = getattr(plot, "_light_grid", None)
        if grid is not None:
            grid._key = None
            grid.update()


def time_plot(title: str, y_label: str, y_units: str, parent: QWidget | None = None, start: datetime | None = None) -> pg.PlotWidget:
    """A plot against simulated time (data in days since the start, axis in calendar dates),
    with its legend in the title row, a hover read-out and the copy action."""
    configure_pyqtgraph()
    axis = CalendarAxis(orientation="bottom")
    plot = pg.PlotWidget(parent=parent, axisItems={"bottom": axis}, viewBox=AutoRangeViewBox())
    register_live_plot(plot)
    plot._title_legend = TitleLegend(plot, title)
    plot.setLabel("left", y_label, units=y_units)
    axis.set_start(start)
    item = plot.getPlotItem()
    item.getAxis("left").enableAutoSIPrefix(False)
    # one left-axis width for every time plot: linked plots stacked in a column then share
    # the same pixels per day and line up at t = 0 (pyqtgraph links views in screen pixels)
    item.getAxis("left").setWidth(LEFT_AXIS_PX)
    for side in ("left", "bottom"):
        cache_drawing(item.getAxis(side))
    add_grid(plot)
    item.setMenuEnabled(True)
    # long series: min/max envelope per pixel when zoomed out, every point when zoomed in
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    plot.setMouseEnabled(x=True, y=False)
    plot.setMinimumHeight(140)
    add_copy_action(plot)
    plot._time_follower = TimeFollower(plot)
    plot._hover = HoverReadout(plot)
    plot.setToolTip(
        f"{title}: {y_label} ({y_units}) against calendar time (hover for the elapsed time and values).\n"
        "Wheel or drag to zoom and pan the time axis (all time plots of the view follow); the 'A' button in the corner\n"
        "returns to following the simulation. Markers: refills, program changes, boluses, recharges, alarms, faults\n"
        "(hover for the event, click to select it in the event log). Right-click to copy as image."
    )
    return plot


#: The followed time range's right end grows in steps of about 1/RANGE_STEPS of the span.
RANGE_STEPS = 40


def stepped_range_end(end: float) -> float:
    """`end` (> 0) rounded up to a multiple of a round step (1, 2 or 5 x a power of ten) of
    about end / RANGE_STEPS: a range that follows the clock moves in steps of 2.5 to 5 % of its
    span, so while it holds still the axes, grid and markers of a playing plot are not redrawn
    (only the curves' live ends move). 70 d -> steps of 2 d; 180 d -> steps of 5 d."""
    if not end > 0:
        return end
    rough = end / RANGE_STEPS
    power = 10.0 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= rough)
    return math.ceil(end / step - 1e-9) * step


class TimeFollower:
    """Keeps a time plot's x range at [0, max(1 day, now)] as the simulation runs, so a new run
    shows its first day rather than a range around one point, until the user zooms or pans this
    plot or any plot linked to it; the plot's 'A' (auto-range) button resumes following."""

    MIN_SPAN_D = 1.0
    #: A projection widens the followed range by at most this much past now (s): a primary
    #: cell's end of service years away is drawn but does not squeeze the recorded days.
    MAX_PROJECTION_VIEW_S = 120 * SECONDS_PER_DAY

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

    def follow(self, now_s: float, until_s: float | None | object = False) -> None:
        """Show [0, now] (and up to `until_s`, the end of a projection drawn by any plot of the
        linked group: None clears this plot's; False leaves it as it was)."""
        group = self._group()
        if until_s is not False:
            group._follow_until = getattr(group, "_follow_until", {})
            group._follow_until[id(self)] = until_s
        # only the first plot of a linked group sets the range: the others follow it through
        # the link (which aligns them in pixels, hence the fixed left-axis width of time plots)
        master = self.vb.linkedView(pg.ViewBox.XAxis)
        if master is not None:
            # a linked plot laid out after the master last moved (built while the window was
            # being sized) may hold a stale range: take the master's again
            if self.following and tuple(self.vb.viewRange()[0]) != tuple(master.viewRange()[0]):
                self.vb.linkedXChanged()
            return
        if not self.following:
            return
        ends = [u for u in getattr(group, "_follow_until", {}).values() if u is not None]
        end_s = max([now_s, *[min(u, now_s + self.MAX_PROJECTION_VIEW_S) for u in ends]])
        hi = stepped_range_end(max(self.MIN_SPAN_D, end_s / SECONDS_PER_DAY * 1.02))
        rng = (-min(0.01 * hi, 0.04), hi)  # a hair left of 0 so a point at t = 0 is not cut in half
        if rng != self._range or tuple(self.vb.viewRange()[0]) != rng:
            self._range = rng
            self.vb.setXRange(*rng, padding=0)


def now_column_key(plot: pg.PlotWidget, now_s: float) -> tuple | None:
    """What a time plot's drawing takes from the clock and its view: the screen column (px) of
    `now_s` on its time axis, its x range and size, and whether it follows the clock. While the key stays the same the plot
    would draw the same pixels (the clock moved less than a pixel; events are counted apart by
    each view), so the view need not redraw. None before the plot has a size (always redraw)."""
    vb = plot.getPlotItem().getViewBox()
    (x0, x1), _ = vb.viewRange()
    width_px = int(vb.width())
    if not x1 > x0 or width_px <= 0:
        return None
    follower = getattr(plot, "_time_follower", None)
    following = follower.following if follower is not None else None  # 'A' resumes following
    return (int((now_s / SECONDS_PER_DAY - x0) / (x1 - x0) * width_px), x0, x1, width_px, int(vb.height()), following)


def follow_time(plot: pg.PlotWidget, now_s: float, until_s: float | None | object = False) -> None:
    """Move a time plot's x range with the simulation (see TimeFollower); `until_s`: the end
    of a projection this plot draws, which the range then includes."""
    follower = getattr(plot, "_time_follower", None)
    if follower is not None:
        follower.follow(now_s, until_s)


#: Smallest x span drawn as a line (plot units: days on time plots, about 86 us).
MIN_DRAWN_SPAN = 1e-9


def set_curve(curve: pg.PlotDataItem, x, y) -> None:
    """Set a curve's data; when it has a single instant (a run at t = 0, one breakpoint) draw
    that value as a dot in the curve's colour, since a line through one point draws nothing."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if _shows_already(curve, x, y):
        return  # unchanged: not re-set, not repainted
    # a span under MIN_DRAWN_SPAN is drawn as its last point too: pyqtgraph's peak downsampling
    # divides by the span and fails on one like 1e-86 d (a jump to just after t = 0)
    single = len(x) > 0 and abs(float(x[-1]) - float(x[0])) < MIN_DRAWN_SPAN
    if single:
        colour = curve.opts["pen"].color() if hasattr(curve.opts.get("pen"), "color") else "k"
        curve.setData(x[-1:], y[-1:], symbol="o", symbolSize=8, symbolBrush=colour, symbolPen=None)
    elif curve.opts.get("symbol") is not None:
        curve.setData(x, y, symbol=None)
    else:
        curve.setData(x, y)
    _remember_shown(curve, x, y)


class FastBoundsCurve(pg.PlotCurveItem):
    """A PlotCurveItem whose data bounds (asked by the view box's auto-range and by every
    `boundingRect` after the data changed: about 15 times a frame for the curves re-set each
    frame) skip pyqtgraph's NaN-tolerant path when it cannot matter: with the whole range
    asked (no fraction, no orthogonal range), a cosmetic pen, no shadow pen and no fill level,
    finite min and max of the data are exactly what `nanmin` / `nanmax` give (a NaN would make
    them NaN, an infinity not finite: pyqtgraph's own path then answers)."""

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802, N803 (pyqtgraph's names)
        cache = self._boundsCache[ax]
        if cache is not None and cache[0] == (frac, orthoRange):
            return cache[1]
        pen = self.opts["pen"]
        if (
            ax in (0, 1) and frac >= 1.0 and orthoRange is None
            and self.opts["fillLevel"] in (None, "enclosed") and self.opts["shadowPen"] is None
            and pen is not None and pen.isCosmetic()
        ):
            x, y = self.getData()
            d = x if ax == 0 else y
            if d is not None and len(d):
                lo, hi = float(np.min(d)), float(np.max(d))
                if math.isfinite(lo) and math.isfinite(hi):
                    b = (lo, hi)
                    self._boundsCache[ax] = [(frac, orthoRange), b]
                    return b
        return super().dataBounds(ax, frac, orthoRange)


class BareCurve(FastBoundsCurve):
    """A curve without PlotDataItem's machinery (clipping to the view, downsampling, symbols),
    for curves re-set every frame whose points are few or all in view (a projection from now,
    a scope trace one window long): its setData costs a fraction of PlotDataItem's. It answers
    `getOriginalDataset()` as a PlotDataItem does, for the hover read-out."""

    def getOriginalDataset(self):  # noqa: N802 (pyqtgraph's name)
        return self.getData()


def bare_curve(plot: pg.PlotWidget, pen, name: str | None = None) -> BareCurve:
    """A BareCurve added to `plot` (counted in its auto-range, listed among its data items)."""
    curve = BareCurve(pen=pen, name=name)
    plot.addItem(curve)
    return curve


class LiveEndCurve(pg.PlotDataItem):
    """A time plot's curve drawn as two items: its finished part (this item, which Qt keeps as
    a pixmap until it changes) and its live end (`live`, the points after the last finished
    one). While the clock runs only the live end changes, so a frame repaints the strip it
    covers instead of the whole plot (a curve from day 0 to now spans the whole plot).

    `set_points(x, y, n_final)` takes the whole curve; its first `n_final` points are final
    (recorded breakpoints: they change only with an event), the rest grows with the clock. The
    finished part is taken again (a 'rebase') when the points it holds are no longer the first
    points of the curve, when the view's x range or width changed (the whole plot is repainted
    then anyway), or when the live end spans more than MAX_LIVE_FRACTION of the view.

    With `linear_tail` the curve is a straight line from its last final point to its last point
    (a linear signal to its closed-form value now, or a step level held until now): at a rebase
    that last point (now, the model's value now) joins the finished part as an anchor, and later
    frames draw the live end from it; the anchor lies on the line, so the picture is the same.

    `getData()` and `getOriginalDataset()` give the whole curve as last set (the hover read-out
    and callers see one curve)."""

    #: The live end is rebased when it spans more than this share of the view's x range.
    MAX_LIVE_FRACTION = 0.1

    def __init__(self, plot: pg.PlotWidget, pen, name: str | None = None):
        super().__init__([], [], pen=pen, name=name)
        plot.addItem(self)
        # a bare curve: a few points re-set every frame need none of PlotDataItem's machinery
        # (clipping to the view, downsampling), which costs several times the setData
        self.live = FastBoundsCurve(pen=pen)
        plot.addItem(self.live)
        self.vb = plot.getPlotItem().getViewBox()
        for part in (self.curve, self.scatter):
            cache_drawing(part)
        self._full: tuple[np.ndarray, np.ndarray] = (np.array([]), np.array([]))
        self._done: tuple[np.ndarray, np.ndarray] = (np.array([]), np.array([]))
        self._anchor: tuple[int, float, float] | None = None  # (n_final, x, y) of the anchor
        self._view_key: tuple | None = None  # the view (x range, width px) at the last rebase
        self._full_token: object = None  # pyqtgraph's data array when the whole curve was last set

    def getData(self):  # noqa: N802 (pyqtgraph's name)
        """The whole curve as last set (finished part and live end)."""
        return self._full if len(self._full[0]) else super().getData()

    def getOriginalDataset(self):  # noqa: N802 (pyqtgraph's name)
        return self.getData()

    def setPen(self, *args, **kwargs):  # noqa: N802 (pyqtgraph's name)
        """Both parts are drawn with the same pen."""
        super().setPen(*args, **kwargs)
        self.live.setPen(*args, **kwargs)

    def set_shown(self, visible: bool) -> None:
        """Show or hide both parts."""
        self.setVisible(visible)
        self.live.setVisible(visible)

    def parts(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """(x, y) of the finished part and of the live end as drawn."""
        return self._done, (np.asarray(self.live.xData if self.live.xData is not None else []),
                            np.asarray(self.live.yData if self.live.yData is not None else []))

    def set_points(self, x, y, n_final: int, linear_tail: bool = False) -> None:
        """Show the curve through points (x, y) (days, value) of which the first `n_final` are final."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if self._full_token is _data_token(self) and np.array_equal(x, self._full[0]) and np.array_equal(y, self._full[1]):
            return  # unchanged: neither part re-set nor repainted
        self._set_points(x, y, max(1, min(int(n_final), len(x))), linear_tail)
        self._full_token = _data_token(self)

    def _set_points(self, x: np.ndarray, y: np.ndarray, n_final: int, linear_tail: bool) -> None:
        if len(x) < 2 or abs(float(x[-1]) - float(x[0])) < MIN_DRAWN_SPAN:
            self._full = (x, y) if len(x) < 2 else (x[-1:], y[-1:])  # a single instant: a dot
            self._anchor = None
            self._rebase_to(x, y, len(x))
            self._done = (x[:0], y[:0])  # the dot is no finished part: the next frame rebases
            return
        self._full = (x, y)
        drawn_x, drawn_y = x, y
        if linear_tail and self._anchor is not None:
            n, ax, ay = self._anchor
            if n == n_final < len(x) and float(x[n - 1]) < ax < float(x[-1]):
                # the anchor put in at n (np.insert's result, without its general machinery)
                drawn_x, drawn_y = np.concatenate((x[:n], (ax,), x[n:])), np.concatenate((y[:n], (ay,), y[n:]))
        k = len(self._done[0])
        (x0, x1), _ = self.vb.viewRange()
        view_key = (x0, x1, int(self.vb.width()))
        keep = (
            2 <= k < len(drawn_x)
            and view_key == self._view_key
            and np.array_equal(drawn_x[:k], self._done[0]) and np.array_equal(drawn_y[:k], self._done[1])
            and float(drawn_x[-1] - drawn_x[k - 1]) <= self.MAX_LIVE_FRACTION * (x1 - x0)
        )
        if keep:
            set_data_if_changed(self.live, drawn_x[k - 1:], drawn_y[k - 1:])
            return
        self._view_key = view_key
        if linear_tail and n_final < len(x):
            # now joins the finished part as its last point (the tail between is on the line)
            self._anchor = (n_final, float(x[-1]), float(y[-1]))
            self._rebase_to(np.append(x[:n_final], x[-1]), np.append(y[:n_final], y[-1]), n_final + 1)
        else:
            self._anchor = None
            self._rebase_to(x, y, n_final)

    def _rebase_to(self, x: np.ndarray, y: np.ndarray, k: int) -> None:
        """The first `k` points become the finished part; the rest (from the k-th) the live end."""
        self._done = (x[:k], y[:k])
        set_curve(self, x[:k], y[:k])
        if k < len(x):
            set_data_if_changed(self.live, x[k - 1:], y[k - 1:])
        else:
            set_data_if_changed(self.live, [], [])


def series_xy_days(series, now_s: float, now_value: float | None = None, pending: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints of a recorded series in days, extended to `now_s`.

    `pending` (times s, values): the model's points after the recorded ones up to now (a pump's
    flex steps since its last state change, `PumpDevice.pending_breakpoints`), drawn next. For a
    step signal the last level holds until now. For a linear signal the tail is drawn to
    `now_value` when the model supplies it (its closed-form value now), else it stops at the
    last breakpoint.
    """
    t = series.t_s
    v = series.values
    if pending is not None and len(pending[0]):
        t = np.concatenate((np.asarray(t, dtype=float), pending[0]))
        v = np.concatenate((np.asarray(v, dtype=float), pending[1]))
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
