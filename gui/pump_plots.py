"""Live pump plots: reservoir volume, delivery rate, and the dose of each calendar day against
the drug's daily maximum. Values come from the recorder's series and, for the live end of each
line, the pump model's closed forms (`reservoir_ml_at`, `expected_reservoir_ml_at`,
`current_rate_ml_per_day`, `daily_doses`).

The reservoir plot also draws where the current program takes the reservoir (dashed): the
pump's own calculation (`expected_reservoir_ml_at`) from now to its predicted low-reservoir and
empty dates (`predicted_low_reservoir_t_s`, `predicted_empty_t_s`), each marked; it is redrawn
the frame a program is transmitted (any event of the pump). Event markers (refills, program
changes, boluses, alarms, faults) sit along the bottom of every plot."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.event_markers import EventMarkers
from gui.plot_common import (
    bare_curve,
    PALETTE,
    KeptBoundsBars,
    KeptBoundsScatter,
    LiveEndCurve,
    PointLabels,
    cache_drawing,
    follow_time,
    legend_of,
    now_column_key,
    pen,
    series_xy_days,
    set_calendar_start,
    set_data_if_changed,
    set_data_if_moved,
    step_xy,
    threshold_line,
    time_plot,
)
from simulator.units import SECONDS_PER_DAY

from simulator.pump.device import PumpDevice

if TYPE_CHECKING:
    from simulator.engine import Simulation

#: Points of the projected course between now and the predicted empty date.
PROJECTION_POINTS = 48
PROJECTION_COLOUR = "#6d4c41"


class PumpPlots(QWidget):
    def __init__(self, device_id: str, x_link: pg.PlotWidget | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.device_id = device_id
        self.sim: Simulation | None = None
        # what was last drawn (redrawn only when it changes)
        self._daily_key: int | None = None
        self._dose_label: tuple[str, str] | None = None
        self._dose_top: float | None = None
        self._rate_top: float | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.reservoir_plot = time_plot(f"{device_id}: reservoir", "volume", "mL")
        self.rate_plot = time_plot(f"{device_id}: delivery rate", "flow", "mL/day")
        self.dose_plot = time_plot(f"{device_id}: dose per calendar day", "dose", "drug unit")
        self.x_link = x_link or self.reservoir_plot
        for p in (self.reservoir_plot, self.rate_plot, self.dose_plot):
            if p is not self.x_link:
                p.setXLink(self.x_link)
            layout.addWidget(p)
        # the finished part of each curve is drawn once; the live end (to now) on its own
        self.true_curve = LiveEndCurve(self.reservoir_plot, pen(0, 2), name="in reservoir (true)")
        self.expected_curve = LiveEndCurve(self.reservoir_plot, pen(4, 1.5, Qt.PenStyle.DashLine), name="pump's calculation")
        self.projection_curve = bare_curve(self.reservoir_plot, pg.mkPen(PROJECTION_COLOUR, width=1.5, style=Qt.PenStyle.DotLine), name="projection")
        self.projection_points = KeptBoundsScatter(size=9, symbol="star", brush=pg.mkBrush(PROJECTION_COLOUR), pen=None)
        cache_drawing(self.projection_points)  # its stars move only with the predicted dates
        self.reservoir_plot.addItem(self.projection_points)
        self._labels = PointLabels(self.reservoir_plot, PROJECTION_COLOUR)
        self.projection_labels: list[pg.TextItem] = []  # the predicted dates' labels shown
        legend_of(self.reservoir_plot).set_entries([("true", PALETTE[0], False), ("pump's calculation", PALETTE[4], True), ("projection", PROJECTION_COLOUR, True)])
        self.threshold_line = threshold_line(self.reservoir_plot, "low-reservoir alarm")
        self.rate_curve = LiveEndCurve(self.rate_plot, pen(2, 1.5), name="flow (mL/day)")
        legend_of(self.rate_plot).set_entries([("flow", PALETTE[2], False)])
        # the finished days' bars change only when a day ends (or an event); the day in progress
        # grows every frame: a bar of its own, so only it is redrawn
        self.dose_bars = KeptBoundsBars(x=[], height=[], width=0.9, brush=pg.mkBrush("#1f77b4aa"), pen=pg.mkPen("#1f77b4"))
        self.today_bar = KeptBoundsBars(x=[], height=[], width=0.9, brush=pg.mkBrush("#1f77b4aa"), pen=pg.mkPen("#1f77b4"))
        self._finished_key: tuple[int, int] | None = None  # (day edges, pump events) drawn
        self._finished_max = 0.0  # the highest finished day's dose (drug unit)
        self._finished_doses = np.array([])  # the finished days' doses drawn (drug unit)
        cache_drawing(self.dose_bars)
        for bars in (self.dose_bars, self.today_bar):
            self.dose_plot.addItem(bars)
        self.max_line = threshold_line(self.dose_plot, "daily maximum", width=1.5, dashed=False)
        self.markers = [EventMarkers(p, [device_id]) for p in (self.reservoir_plot, self.rate_plot, self.dose_plot)]
        #: (t_s, mL) of the projected course, and the predicted low and empty times (s)
        self.projection: tuple[np.ndarray, np.ndarray] = (np.array([]), np.array([]))
        self.predicted_low_t_s: float | None = None
        self.predicted_empty_t_s: float | None = None
        self._projection_key: tuple[int, int] | None = None
        self._course_key: tuple | None = None  # (events, predicted dates) of the course sampled
        self._course_t_v: tuple[np.ndarray, np.ndarray] = (np.array([]), np.array([]))
        self._changes = 0
        self._drawn_key: tuple | None = None  # (events, now's pixel column and view) last drawn

    def set_simulation(self, sim) -> None:
        self.sim = sim
        self._daily_key = None
        self._finished_key = None
        self._projection_key = None
        self._course_key = None
        self._drawn_key = None
        for plot in (self.reservoir_plot, self.rate_plot, self.dose_plot):
            set_calendar_start(plot, sim.scenario.start)
        for m in self.markers:
            m.reset(sim.recorder.events, sim.scenario.start)
        self.refresh(sim.now)

    def on_events(self, records) -> None:
        for m in self.markers:
            m.add(records)
        if any(r.device == self.device_id for r in records):
            self._daily_key = None
            self._changes += 1  # a transmitted program, a refill...: project again

    def _series(self, signal):
        try:
            return self.sim.recorder.get(self.device_id, signal)
        except KeyError:
            return None

    def refresh(self, now_s: float) -> None:
        if self.sim is None:
            return
        key = (self._changes, now_column_key(self.reservoir_plot, now_s))
        if key == self._drawn_key and key[1] is not None:
            return  # less than a pixel of time later, no event: the same picture
        self._drawn_key = key
        dev = self.sim.devices[self.device_id]
        assert isinstance(dev, PumpDevice)  # these plots are made for pumps only (pump_view)
        unit = dev.drug_unit
        self._refresh_projection(dev, now_s)
        for plot in (self.reservoir_plot, self.rate_plot, self.dose_plot):
            follow_time(plot, now_s, None if self.predicted_empty_t_s is None else min(self.predicted_empty_t_s, self.sim.duration_s))
        # the recorded breakpoints are final; the flex steps since the last state change and the
        # line on to the pump's value now grow
        # (a tail with pending bends is no straight line: linear_tail only without them)
        s = self._series("reservoir_ml")
        if s is not None:
            pending = dev.pending_breakpoints("reservoir_ml", now_s)
            self.true_curve.set_points(*series_xy_days(s, now_s, dev.reservoir_ml_at(now_s), pending), n_final=len(s.t_s), linear_tail=not len(pending[0]))
        s = self._series("expected_reservoir_ml")
        if s is not None:
            pending = dev.pending_breakpoints("expected_reservoir_ml", now_s)
            self.expected_curve.set_points(*series_xy_days(s, now_s, dev.expected_reservoir_ml_at(now_s), pending), n_final=len(s.t_s), linear_tail=not len(pending[0]))
        self.threshold_line.setPos(dev.low_reservoir_threshold_ml())
        s = self._series("rate_ml_per_day")
        if s is not None:
            x, y = series_xy_days(s, now_s, pending=dev.pending_breakpoints("rate_ml_per_day", now_s))
            if len(x):
                x, y = step_xy(x, y)
                x = np.append(x, now_s / SECONDS_PER_DAY)
                y = np.append(y, dev.current_rate_ml_per_day())
            # the staircase of the recorded steps is final; the level held on to now grows
            # (a straight line when the rate now is that level)
            n_final = max(2 * len(s.t_s) - 1, 1)
            self.rate_curve.set_points(x, y, n_final=n_final, linear_tail=bool(len(y) and np.all(y[n_final - 1:] == y[-1])))
            top = (float(np.max(y)) if len(y) else 0.0) * 1.2 or 0.1
            if top != self._rate_top:  # flow is never negative: the axis starts at 0 mL/day
                self._rate_top = top
                self.rate_plot.setYRange(0, top, padding=0.02)
        self._refresh_daily(dev, unit, now_s)

    def _refresh_projection(self, dev, now_s: float) -> None:
        """The pump's predicted course with the current program: its calculated volume
        (`expected_reservoir_ml_at`) from now to the predicted empty date, dashed, with stars at
        the predicted low-reservoir and empty dates (the model's `predicted_*_t_s`)."""
        key = (self._changes, int(now_s // 3600.0))
        if key == self._projection_key or self.sim is None:
            return
        self._projection_key = key
        low = dev.predicted_low_reservoir_t_s()
        empty = dev.predicted_empty_t_s()
        self.predicted_low_t_s = low if low is not None and low >= now_s else None
        self.predicted_empty_t_s = empty if empty is not None and empty >= now_s else None
        if self.predicted_empty_t_s is None:
            self.projection = (np.array([]), np.array([]))
            self.projection_labels = self._labels.show([])
            set_data_if_changed(self.projection_curve, [], [])
            set_data_if_changed(self.projection_points, [], [])
            return
        t, v = self._course(dev, now_s)
        self.projection = (t, v)
        set_data_if_changed(self.projection_curve, t / SECONDS_PER_DAY, v)
        xs, ys, labels = [], [], []
        for name, when in (("low", self.predicted_low_t_s), ("empty", self.predicted_empty_t_s)):
            if when is None:
                continue
            y = dev.expected_reservoir_ml_at(when)
            xs.append(when / SECONDS_PER_DAY)
            ys.append(y)
            date = self.sim.calendar_time(when)
            tip = f"predicted {name}-reservoir date with the current program: {date:%a %Y-%m-%d %H:%M} (the pump's calculation)"
            labels.append((name, f"{name} {date:%d %b}", when / SECONDS_PER_DAY, y, tip))
        self.projection_labels = self._labels.show(labels)
        set_data_if_moved(self.projection_points, xs, ys)

    def _course(self, dev, now_s: float) -> tuple[np.ndarray, np.ndarray]:
        """(t_s, mL) of the pump's calculated course from now to the predicted empty date.

        The course is the pump's `expected_reservoir_ml_at` along the predicted dates, sampled
        at PROJECTION_POINTS times (and the low date) when the prediction is made (an event of
        the pump, new predicted dates); later frames show the part after now, from the value
        now: the same line, without asking the pump for every point again."""
        key = (self._changes, self.predicted_low_t_s, self.predicted_empty_t_s)
        if key != self._course_key:
            assert self.predicted_empty_t_s is not None
            self._course_key = key
            t = np.linspace(now_s, self.predicted_empty_t_s, PROJECTION_POINTS)
            if self.predicted_low_t_s is not None:
                t = np.unique(np.append(t, self.predicted_low_t_s))
            self._course_t_v = (t, np.asarray([dev.expected_reservoir_ml_at(float(x)) for x in t], dtype=float))
        t, v = self._course_t_v
        later = t > now_s
        return np.concatenate([[now_s], t[later]]), np.concatenate([[dev.expected_reservoir_ml_at(now_s)], v[later]])

    def _refresh_daily(self, dev, unit: str, now_s: float) -> None:
        """The dose of each calendar day (the pump's `daily_doses`, between its
        `day_boundaries_t_s`): the finished days' bars are read again only when a day ends or
        the pump has an event; the day in progress grows from frame to frame (at most once per
        simulated hour), as what the pump delivered since its midnight (`delivered_drug_at`,
        the same figures `daily_doses` subtracts)."""
        key = int(now_s // 3600.0)
        if key == self._daily_key:
            return
        self._daily_key = key
        edges_s = dev.day_boundaries_t_s()
        if (len(edges_s), self._changes) != self._finished_key:
            self._update_finished_days(dev, edges_s)
        today = dev.delivered_drug_at(now_s) - dev.delivered_drug_at(edges_s[-2]) if len(edges_s) > 1 else 0.0
        left, right = edges_s[-2] / SECONDS_PER_DAY if len(edges_s) > 1 else 0.0, now_s / SECONDS_PER_DAY
        self.today_bar.setOpts(x=[(left + right) / 2], height=[today], width=[max((right - left) * 0.9, 1e-3)])
        maximum = dev.drug_profile().max_daily_dose
        self.max_line.setVisible(maximum is not None)
        if maximum is not None:
            self.max_line.setPos(maximum)
        label = (dev.drug_profile().drug_name, f"{unit}/day")  # short: the axis of a small plot cuts a long title
        if label != self._dose_label:  # a new axis label relays the plot out: only when it changes
            self._dose_label = label
            self.dose_plot.setLabel("left", label[0], units=label[1])
        top = max(maximum or 0.0, self._finished_max, today) * 1.15 or 1.0
        if top != self._dose_top:
            self._dose_top = top
            self.dose_plot.setYRange(0, top, padding=0)

    def _update_finished_days(self, dev, edges_s: list[float]) -> None:
        """The finished days' doses: all of them (`daily_doses`) after an event of the pump;
        when days only ended since the last frame, the new ones alone, each what the pump
        delivered between its two midnights (`delivered_drug_at`, the figures `daily_doses`
        subtracts), appended to those drawn."""
        finished_edges = np.asarray(edges_s[:-1], dtype=float)  # the last edge is now
        drawn = len(self._finished_doses)
        if self._finished_key is not None and self._finished_key[1] == self._changes and 0 < drawn <= len(finished_edges) - 1:
            # day k runs from edge k to edge k + 1: the new days from the last drawn day's end
            delivered = [dev.delivered_drug_at(float(t)) for t in finished_edges[drawn:]]
            doses = np.concatenate([self._finished_doses, np.diff(delivered)])
        else:
            doses = np.asarray(dev.daily_doses()[:-1], dtype=float)
        self._finished_key = (len(edges_s), self._changes)
        self._finished_doses = doses
        self._draw_finished_days(doses, finished_edges)

    def _draw_finished_days(self, doses, edges_s) -> None:
        """Bars of the finished days: `doses` (drug unit) between consecutive `edges_s` (s)."""
        n = min(len(doses), max(len(edges_s) - 1, 0))
        left, right = edges_s[:n] / SECONDS_PER_DAY, edges_s[1:n + 1] / SECONDS_PER_DAY
        self.dose_bars.setOpts(x=(left + right) / 2, height=doses[:n], width=np.maximum((right - left) * 0.9, 1e-3))
        self._finished_max = float(doses[:n].max()) if n else 0.0
