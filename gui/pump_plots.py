"""Live pump plots: reservoir volume, delivery rate, and the dose of each calendar day against
the drug's daily maximum. Values come from the recorder's series and, for the live end of each
line, the pump model's closed forms (`reservoir_ml_at`, `expected_reservoir_ml_at`,
`current_rate_ml_per_day`, `daily_doses`)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.plot_common import follow_time, pen, series_xy_days, set_curve, step_xy, time_plot
from simulator.units import SECONDS_PER_DAY


class PumpPlots(QWidget):
    def __init__(self, device_id: str, x_link: pg.PlotWidget | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.device_id = device_id
        self.sim = None
        self._daily_key = None
        self._dose_label = None
        self._dose_top = None
        self._rate_top = None
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
        self.threshold_line = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#c62828", width=1, style=Qt.PenStyle.DashLine), label="low-reservoir alarm", labelOpts={"position": 0.08, "color": "#c62828"})
        self.reservoir_plot.addItem(self.threshold_line)
        self.rate_curve = self.rate_plot.plot([], [], pen=pen(2, 1.5), name="flow (mL/day)")
        self.dose_bars = pg.BarGraphItem(x=[], height=[], width=0.9, brush=pg.mkBrush("#1f77b4aa"), pen=pg.mkPen("#1f77b4"))
        self.dose_plot.addItem(self.dose_bars)
        self.max_line = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#c62828", width=1.5), label="daily maximum", labelOpts={"position": 0.08, "color": "#c62828"})
        self.dose_plot.addItem(self.max_line)

    def set_simulation(self, sim) -> None:
        self.sim = sim
        self._daily_key = None
        self.refresh(sim.now)

    def on_events(self, records) -> None:
        if any(r.device == self.device_id for r in records):
            self._daily_key = None

    def _series(self, signal):
        try:
            return self.sim.recorder.get(self.device_id, signal)
        except KeyError:
            return None

    def refresh(self, now_s: float) -> None:
        if self.sim is None:
            return
        dev = self.sim.devices[self.device_id]
        unit = dev.drug_unit
        for plot in (self.reservoir_plot, self.rate_plot, self.dose_plot):
            follow_time(plot, now_s)
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
        label = (f"{dev.drug_profile().drug_name} dose", f"{unit}/day")
        if label != self._dose_label:  # a new axis label relays the plot out: only when it changes
            self._dose_label = label
            self.dose_plot.setLabel("left", label[0], units=label[1])
        top = max([maximum or 0.0, float(doses.max()) if len(doses) else 0.0]) * 1.15 or 1.0
        if top != self._dose_top:
            self._dose_top = top
            self.dose_plot.setYRange(0, top, padding=0)
