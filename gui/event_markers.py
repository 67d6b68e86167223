"""Event markers on time plots: refills, program changes, boluses, recharges, alarms, faults,
and the patient's posture changes and coughs (which move a closed loop).

Each marked event is a small glyph at its time along the bottom of the plot (kept there as
the view zooms); hovering shows the event as a sentence, clicking sends it to the main window
(`plot_common.BUS.event_clicked`), which selects it in the event log. The records come from the
event stream (`on_events`), so a marker appears the frame its event happens.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pyqtgraph as pg

from gui.plot_common import BUS, KeptBoundsScatter, cache_drawing, calendar_text
from simulator.units import SECONDS_PER_DAY
from simulator.event_kinds import K

#: Marker category -> (glyph, colour, what the sentence calls it).
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "refill": ("t1", "#1565c0", "refill"),
    "program": ("s", "#6a1b9a", "program change"),
    "bolus": ("d", "#2e7d32", "bolus"),
    "recharge": ("h", "#ef6c00", "recharge"),
    "alarm": ("o", "#c62828", "alarm"),
    "fault": ("x", "#4e342e", "fault"),
    "patient": ("star", "#00838f", "patient event"),
}
KIND_CATEGORY: dict[str, str] = {
    K.REFILL_COMPLETED: "refill",
    "pocket_fill": "fault",
    K.PROGRAM_CHANGED: "program",
    K.PROGRAM_TRANSMITTED: "program",
    K.PROGRAM_SELECTED: "program",
    K.GROUP_SELECTED: "program",
    K.FLOW_CHANGED: "program",
    K.CLOSED_LOOP_SET: "program",
    K.PATIENT_BOLUS_SETTINGS: "program",
    K.BOLUS_START: "bolus",
    K.RECHARGE_START: "recharge",
    K.ALARM_RAISED: "alarm",
    K.BATTERY_LOW: "alarm",
    K.BATTERY_ERI: "alarm",
    K.BATTERY_EOS: "alarm",
    K.BATTERY_DEPLETED: "alarm",
    K.RESERVOIR_EMPTY: "alarm",
    K.IMPEDANCE_FAULT: "fault",
    K.STIMULATION_SHORT_LOSS: "fault",
    K.COMPLIANCE_OUT_OF_RANGE: "fault",
    K.REFILL_DISCREPANCY: "fault",
    K.DOSE_ERROR_CONCENTRATION_CHANGE: "fault",
    K.FLOW_STOPPED: "fault",
    K.POSTURE_CHANGE: "patient",
    K.COUGH_START: "patient",
    # the intrathecal virtual patient (gui/it_patient_view.py)
    K.PATIENT_SIGN: "patient",
    K.PATIENT_IT_REPORT: "patient",
    K.PATIENT_WORKUP: "patient",
    K.PATIENT_WITHDRAWAL: "alarm",
    K.PATIENT_CATHETER: "fault",
}


def category_of(record) -> str | None:
    """The marker category of an event record (None: not marked)."""
    return KIND_CATEGORY.get(record.kind)


def sentence(record, start: datetime | None) -> str:
    """The event as one sentence: when, which device, what (with the payload's details)."""
    from gui.event_log import payload_text

    cat = category_of(record)
    what = CATEGORIES[cat][2] if cat else record.kind
    detail = payload_text(record.payload)
    text = f"{calendar_text(start, record.t_s)}: {record.device}, {what} ({record.kind})"
    return f"{text}: {detail}." if detail else f"{text}."


class EventMarkers:
    """The markers of one plot, for the events of the given devices."""

    SIZE_PX = 11
    #: Height of the marker row above the bottom of the view, as a fraction of the view height.
    ROW_FRACTION = 0.04

    def __init__(self, plot: pg.PlotWidget, device_ids: list[str]):
        self.plot = plot
        self.device_ids = set(device_ids)
        self.start: datetime | None = None
        self.records: list = []
        self._row_y: float | None = None  # the marker row's height last drawn (view units)
        self._drawn: dict[str, int] = {}  # markers drawn per category
        self.vb = plot.getPlotItem().getViewBox()
        # one scatter per category, each with one symbol and brush: pyqtgraph then renders the
        # glyph once and sets positions from arrays (a year of daily recharges stays cheap)
        self.scatters: dict[str, pg.ScatterPlotItem] = {}
        for cat, (symbol, colour, _) in CATEGORIES.items():
            sc = KeptBoundsScatter(size=self.SIZE_PX, pxMode=True, symbol=symbol, brush=pg.mkBrush(colour), pen=pg.mkPen("w", width=0.8),
                                    hoverable=True, tip=self._tip, hoverSize=self.SIZE_PX + 4)
            sc.setZValue(40)
            cache_drawing(sc)  # redrawn when markers come or the view moves, not every frame
            self.vb.addItem(sc, ignoreBounds=True)
            sc.sigClicked.connect(self._clicked)
            self.scatters[cat] = sc
        self.scatter = self.scatters["refill"]  # kept for callers that want one item
        self.vb.sigYRangeChanged.connect(lambda *_: self._place())
        self.vb.sigResized.connect(lambda *_: self._place())
        plot._event_markers = self

    def reset(self, records, start: datetime | None) -> None:
        self.start = start
        self.records = []
        self._row_y = None  # every category is drawn again (the old run's markers go)
        self.add(records)
        if not self.records:
            self._place()

    def add(self, records) -> None:
        new = [r for r in records if r.device in self.device_ids and category_of(r) is not None]
        if new:
            self.records.extend(new)
            self._place()

    def _tip(self, x, y, data):
        return sentence(data, self.start) if data is not None else ""

    def _clicked(self, _item, points, *_):
        if len(points):
            BUS.event_clicked.emit(points[0].data())

    def positions_days(self, category: str | None = None) -> list[float]:
        """Times (days) of the markers, of one category or all."""
        return [r.t_s / SECONDS_PER_DAY for r in self.records if category is None or category_of(r) == category]

    def _place(self) -> None:
        """Put each category's markers on the marker row: every category when the row moved
        (the view's height or y range changed), else only the categories with new markers."""
        (_x0, _x1), (y0, y1) = self.vb.viewRange()
        y = y0 + (y1 - y0) * self.ROW_FRACTION
        moved = y != self._row_y
        self._row_y = y
        by_category: dict[str, list] = {cat: [] for cat in self.scatters}
        for r in self.records:
            by_category[category_of(r)].append(r)  # type: ignore[index]  # records are all marked
        for cat, sc in self.scatters.items():
            recs = by_category[cat]
            if not moved and len(recs) == self._drawn.get(cat, 0):
                continue
            self._drawn[cat] = len(recs)
            sc.setVisible(bool(recs))  # an empty category is left out of every paint
            if not recs:
                sc.clear()
                continue
            x = np.fromiter((r.t_s / SECONDS_PER_DAY for r in recs), dtype=float, count=len(recs))
            data = np.empty(len(recs), dtype=object)
            data[:] = recs
            sc.setData(x=x, y=np.full(len(recs), y), data=data)

    def points(self) -> list:
        """Every marker spot (all categories)."""
        return [p for sc in self.scatters.values() for p in sc.points()]

    def x_days(self) -> np.ndarray:
        return np.asarray([r.t_s / SECONDS_PER_DAY for r in self.records], dtype=float)


def add_markers(plot: pg.PlotWidget, device_ids: list[str]) -> EventMarkers:
    return EventMarkers(plot, device_ids)


def legend_text() -> str:
    """A key of the glyphs, for tooltips."""
    names = {"t1": "triangle", "s": "square", "d": "diamond", "h": "hexagon", "o": "circle", "x": "cross", "star": "star"}
    return ", ".join(f"{CATEGORIES[c][2]}: {names[CATEGORIES[c][0]]}" for c in CATEGORIES)


def select_in_log(event_log, record) -> bool:
    """Select `record` in the event log's table (clearing a filter that hides it); True when found."""
    rows = [i for i, r in enumerate(event_log.model.records) if r.seq == record.seq]
    if not rows:
        return False
    source = event_log.model.index(rows[0], 0)
    index = event_log.proxy.mapFromSource(source)
    if not index.isValid():
        event_log.set_filter(hide_repeats=False)
        index = event_log.proxy.mapFromSource(source)
    if not index.isValid():
        return False
    event_log.table.selectRow(index.row())
    event_log.table.scrollTo(index)
    return True
