"""Battery level (%) of one device against calendar time: recorded breakpoints, and the
model's closed-form level now (`battery_pct_at`) as the live end of the line.

Where the device can project (a stimulator's `projection()`: days to the low-battery level and
to stimulation off for a rechargeable, days to ERI and longevity for a primary cell, at the
present drain without charging), the plot draws that course dashed from now to those dates and
marks them. Threshold lines are labelled; recharges, program changes and alarms are marked."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.event_markers import EventMarkers
from gui.plot_common import (
    bare_curve,
    PALETTE,
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
    threshold_line,
    time_plot,
)
from simulator.units import SECONDS_PER_DAY

if TYPE_CHECKING:
    from simulator.engine import Simulation

SIGNAL = "battery_pct"
#: With more recharges than this in the record, the level is drawn light (its min/max envelope
#: when zoomed out is a band) and the lowest level of each day on top of it, dark.
MANY_RECHARGES = 10
LEVEL_COLOUR = PALETTE[2]
LEVEL_LIGHT = (44, 160, 44, 90)
PROJECTION_COLOUR = "#6d4c41"
#: Longest projection drawn (a primary cell may last years), s.
MAX_PROJECTION_S = 3 * 365 * SECONDS_PER_DAY


class BatteryPlot(QWidget):
    def __init__(self, device_id: str, x_link: pg.PlotWidget | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.device_id = device_id
        self.sim: Simulation | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = time_plot(f"{device_id}: battery", "battery level", "%")
        self.plot.setYRange(0, 100, padding=0.02)
        if x_link is not None:
            self.plot.setXLink(x_link)
        self.curve = LiveEndCurve(self.plot, pen(2, 2), name="battery level (%)")
        self.daily_low_curve = LiveEndCurve(self.plot, pg.mkPen("#1b5e20", width=2), name="lowest each day (%)")
        self.daily_low_curve.set_shown(False)
        self._daily_key: tuple[int, float] | None = None  # the daily lows last drawn
        self._many = False
        self.projection_curve = bare_curve(self.plot, pg.mkPen(PROJECTION_COLOUR, width=1.5, style=pg.QtCore.Qt.PenStyle.DotLine), name="projection (%)")
        self.projection_points = KeptBoundsScatter(size=9, symbol="star", brush=pg.mkBrush(PROJECTION_COLOUR), pen=None)
        cache_drawing(self.projection_points)  # its stars move only with the projected dates
        self.plot.addItem(self.projection_points)
        self._labels = PointLabels(self.plot, PROJECTION_COLOUR)
        self.projection_labels: list[pg.TextItem] = []  # the projected dates' labels shown
        legend_of(self.plot).set_entries([("level", PALETTE[2], False), ("projection", PROJECTION_COLOUR, True)])
        self.low_line = threshold_line(self.plot, "low battery")
        self.low_line.setVisible(False)
        self.markers = EventMarkers(self.plot, [device_id])
        #: the projected dates (s): name -> time
        self.projected_t_s: dict[str, float] = {}
        self._projection_key: tuple[int, int] | None = None  # the projection last drawn
        self._changes = 0
        self._drawn_key: tuple | None = None  # (events, now's pixel column and view) last drawn
        layout.addWidget(self.plot)

    def set_simulation(self, sim) -> None:
        self.sim = sim
        self._projection_key = None
        self._drawn_key = None
        set_calendar_start(self.plot, sim.scenario.start)
        self.markers.reset(sim.recorder.events, sim.scenario.start)
        self.refresh(sim.now)

    def on_events(self, records) -> None:
        self.markers.add(records)
        if any(r.device == self.device_id for r in records):
            self._changes += 1

    def set_low_level(self, pct: float | None, label: str = "low battery") -> None:
        if pct is None:
            self.low_line.setVisible(False)
        else:
            self.low_line.setPos(pct)
            self.low_line.label.setFormat(f"{label} {pct:g} %")
            self.low_line.setVisible(True)

    def _refresh_projection(self, device, now_s: float, now_pct: float | None) -> float | None:
        """Draw the device's own projection (if it has one); returns its end time (s) or None."""
        if not hasattr(device, "projection") or now_pct is None or self.sim is None:
            return None
        key = (self._changes, int(now_s // 3600.0))
        if key == self._projection_key:
            return max(self.projected_t_s.values(), default=None)
        self._projection_key = key
        proj = device.projection()
        battery = device.profile.battery
        if proj.get("chemistry") == "primary":
            points = [("ERI", proj.get("days_to_eri"), battery.eri_pct), ("end of service", proj.get("longevity_days"), battery.stimulation_off_pct)]
        else:
            points = [("low battery", proj.get("days_to_low_battery"), battery.low_battery_pct), ("stimulation off", proj.get("days_to_stimulation_off"), battery.stimulation_off_pct)]
        self.projected_t_s = {}
        xs, ys = [now_s / SECONDS_PER_DAY], [now_pct]
        labels = []
        for name, days, pct in points:
            if days is None or pct is None or days <= 0 or days * SECONDS_PER_DAY > MAX_PROJECTION_S or pct >= now_pct:
                continue
            t = now_s + days * SECONDS_PER_DAY
            self.projected_t_s[name] = t
            xs.append(t / SECONDS_PER_DAY)
            ys.append(pct)
            labels.append((name, f"{name} {self.sim.calendar_time(t):%d %b}", t / SECONDS_PER_DAY, pct, None))
        self.projection_labels = self._labels.show(labels)
        if len(xs) < 2:
            set_data_if_changed(self.projection_curve, [], [])
            set_data_if_changed(self.projection_points, [], [])
            return None
        set_data_if_changed(self.projection_curve, xs, ys)
        set_data_if_moved(self.projection_points, xs[1:], ys[1:])
        return max(self.projected_t_s.values())

    def refresh(self, now_s: float) -> None:
        if self.sim is None:
            return
        key = (self._changes, now_column_key(self.plot, now_s))
        if key == self._drawn_key and key[1] is not None:
            return  # less than a pixel of time later, no event: the same picture
        self._drawn_key = key
        device = self.sim.devices[self.device_id]
        try:
            series = self.sim.recorder.get(self.device_id, SIGNAL)
        except KeyError:
            follow_time(self.plot, now_s)
            return
        now_pct = device.battery_pct_at(now_s) if hasattr(device, "battery_pct_at") else None
        until = self._refresh_projection(device, now_s, now_pct)
        follow_time(self.plot, now_s, None if until is None else min(until, self.sim.duration_s))
        x, y = series_xy_days(series, now_s, now_pct)
        # the recorded breakpoints are final; the line on to the level now grows with the clock
        self.curve.set_points(x, y, n_final=len(series.t_s), linear_tail=True)
        self._refresh_daily_low(x, y, last_final_day=float(series.t_s[-1]) / SECONDS_PER_DAY if len(series.t_s) else 0.0)

    def _refresh_daily_low(self, x_days, y, last_final_day: float = 0.0) -> None:
        """Many recharges (a year of daily ones): the level drawn light, as the band its min/max
        envelope makes when zoomed out, and the lowest level of each day drawn on top. The level
        is linear between breakpoints, so a day's lowest level is at one of them (or at the day's
        edges, taken from the line)."""
        many = len(self.markers.positions_days("recharge")) > MANY_RECHARGES
        if many != self._many:
            self._many = many
            self.curve.setPen(pg.mkPen(LEVEL_LIGHT, width=1) if many else pen(2, 2))
            self.daily_low_curve.set_shown(many)
            entries = [("level", LEVEL_COLOUR, False), ("projection", PROJECTION_COLOUR, True)]
            if many:
                entries = [("level", LEVEL_COLOUR, False), ("daily low", "#1b5e20", False), ("projection", PROJECTION_COLOUR, True)]
            legend_of(self.plot).set_entries(entries)
        if not many or len(x_days) < 2:
            return
        key = (len(x_days), float(x_days[-1]))
        if key == self._daily_key:
            return
        self._daily_key = key
        x = np.asarray(x_days, dtype=float)
        y = np.asarray(y, dtype=float)
        n_days = int(np.ceil(x[-1]))
        if n_days < 1:
            return
        # each day's lowest level: the least of its breakpoints and of the line at its two edges
        edges = np.arange(n_days + 1, dtype=float)
        at_edges = np.interp(np.minimum(edges, x[-1]), x, y)
        lows = np.minimum(at_edges[:-1], at_edges[1:])
        day_of = np.clip(np.floor(x).astype(int), 0, n_days - 1)
        np.minimum.at(lows, day_of, y)
        # the days that ended before the last recorded breakpoint are final (the later ones are
        # read off the line on to now, which the next frame extends)
        self.daily_low_curve.set_points(edges[:-1] + 0.5, lows, n_final=int(np.floor(last_final_day)))
