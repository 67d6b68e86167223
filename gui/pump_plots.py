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
    PALETTE,
    follow_time,
    legend_of,
    pen,
    series_xy_days,
    set_calendar_start,
    set_curve,
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
        self.true_curve = self.reservoir_plot.plot([], [], pen=pen(0, 2), name="in reservoir (true)")
        self.expected_curve = self.reservoir_plot.plot([], [], pen=pen(4, 1.5, Qt.PenStyle.DashLine), name="pump's calculation")
        self.projection_curve = self.reservoir_plot.plot([], [], pen=pg.mkPen(PROJECTION_COLOUR, width=1.5, style=Qt.PenStyle.DotLine), name="projection")
        self.projection_points = pg.ScatterPlotItem(size=9, symbol="star", brush=pg.mkBrush(PROJECTION_COLOUR), pen=None)
        self.reservoir_plot.addItem(self.projection_points)
        self.projection_labels: list[pg.TextItem] = []
        legend_of(self.reservoir_plot).set_entries([("true", PALETTE[0], False), ("pump's calculation", PALETTE[4], True), ("projection", PROJECTION_COLOUR, True)])
        self.threshold_line = threshold_line(self.reservoir_plot, "low-reservoir alarm")
        self.rate_curve = self.rate_plot.plot([], [], pen=pen(2, 1.5), name="flow (mL/day)")
        legend_of(self.rate_plot).set_entries([("flow", PALETTE[2], False)])
        self.dose_bars = pg.BarGraphItem(x=[], height=[], width=0.9, brush=pg.mkBrush("#1f77b4aa"), pen=pg.mkPen("#1f77b4"))
        self.dose_plot.addItem(self.dose_bars)
        self.max_line = threshold_line(self.dose_plot, "daily maximum", width=1.5, dashed=False)
        self.markers = [EventMarkers(p, [device_id]) for p in (self.reservoir_plot, self.rate_plot, self.dose_plot)]
        #: (t_s, mL) of the projected course, and the predicted low and empty times (s)
        self.projection: tuple[np.ndarray, np.ndarray] = (np.array([]), np.array([]))
        self.predicted_low_t_s: float | None = None
        self.predicted_empty_t_s: float | None = None
        self._projection_key: tuple[int, int] | None = None
        self._changes = 0

    def set_simulation(self, sim) -> None:
        self.sim = sim
        self._daily_key = None
        self._projection_key = None
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
        dev = self.sim.devices[self.device_id]
        assert isinstance(dev, PumpDevice)  # these plots are made for pumps only (pump_view)
        unit = dev.drug_unit
        self._refresh_projection(dev, now_s)
        for plot in (self.reservoir_plot, self.rate_plot, self.dose_plot):
            follow_time(plot, now_s, None if self.predicted_empty_t_s is None else min(self.predicted_empty_t_s, self.sim.duration_s))
        s = self._series("reservoir_ml")
        if s is not None:
            set_curve(self.true_curve, *series_xy_days(s, now_s, dev.reservoir_ml_at(now_s)))
        s = self._series("expected_reservoir_ml")
        if s is not None:
            set_curve(self.expected_curve, *series_xy_days(s, now_s, dev.expected_reservoir_ml_at(now_s)))
        self.threshold_line.setPos(dev.low_reservoir_threshold_ml())
        s = self._series("rate_ml_per_day")
        if s is not None:
            x, y = series_xy_days(s, now_s)
            if len(x):
                x, y = step_xy(x, y)
                x = np.append(x, now_s / SECONDS_PER_DAY)
                y = np.append(y, dev.current_rate_ml_per_day())
            set_curve(self.rate_curve, x, y)
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
        for label in self.projection_labels:
            self.reservoir_plot.removeItem(label)
        self.projection_labels = []
        if self.predicted_empty_t_s is None:
            self.projection = (np.array([]), np.array([]))
            self.projection_curve.setData([], [])
            self.projection_points.setData([], [])
            return
        t = np.linspace(now_s, self.predicted_empty_t_s, PROJECTION_POINTS)
        if self.predicted_low_t_s is not None:
            t = np.unique(np.append(t, self.predicted_low_t_s))
        v = np.asarray([dev.expected_reservoir_ml_at(float(x)) for x in t], dtype=float)
        self.projection = (t, v)
        self.projection_curve.setData(t / SECONDS_PER_DAY, v)
        xs, ys = [], []
        for name, when in (("low", self.predicted_low_t_s), ("empty", self.predicted_empty_t_s)):
            if when is None:
                continue
            y = dev.expected_reservoir_ml_at(when)
            xs.append(when / SECONDS_PER_DAY)
            ys.append(y)
            date = self.sim.calendar_time(when)
            text = pg.TextItem(f"{name} {date:%d %b}", color=PROJECTION_COLOUR, anchor=(1.0, 1.1))
            text.setPos(when / SECONDS_PER_DAY, y)
            text.setToolTip(f"predicted {name}-reservoir date with the current program: {date:%a %Y-%m-%d %H:%M} (the pump's calculation)")
            self.reservoir_plot.addItem(text, ignoreBounds=True)
            self.projection_labels.append(text)
        self.projection_points.setData(xs, ys)

    def _refresh_daily(self, dev, unit: str, now_s: float) -> None:
        # the doses of finished days change only when a day ends or an event happens; today's
        # bar grows every frame, so recompute at most once per simulated hour
        key = int(now_s // 3600.0)
        if key == self._daily_key:
            return
        self._daily_key = key
        doses = np.asarray(dev.daily_doses(), dtype=float)
        offset = dev.calendar_offset_s() % SECONDS_PER_DAY
        first_end = SECONDS_PER_DAY - offset
        edges = np.concatenate([[0.0], first_end + SECONDS_PER_DAY * np.arange(max(len(doses) - 1, 0))])
        edges = np.append(edges[: len(doses)], now_s)
        left, right = edges[:-1] / SECONDS_PER_DAY, edges[1:] / SECONDS_PER_DAY
        n = min(len(doses), len(left))
        self.dose_bars.setOpts(x=(left[:n] + right[:n]) / 2, height=doses[:n], width=np.maximum((right[:n] - left[:n]) * 0.9, 1e-3))
        maximum = dev.drug_profile().max_daily_dose
        self.max_line.setVisible(maximum is not None)
        if maximum is not None:
            self.max_line.setPos(maximum)
        label = (dev.drug_profile().drug_name, f"{unit}/day")  # short: the axis of a small plot cuts a long title
        if label != self._dose_label:  # a new axis label relays the plot out: only when it changes
            self._dose_label = label
            self.dose_plot.setLabel("left", label[0], units=label[1])
        top = max([maximum or 0.0, float(doses.max()) if len(doses) else 0.0]) * 1.15 or 1.0
        if top != self._dose_top:
            self._dose_top = top
            self.dose_plot.setYRange(0, top, padding=0)
