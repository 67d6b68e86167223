"""Generic plots of a device's recorded series (one plot per signal).

Used for devices without a dedicated view, and as the fallback view of any recorder series.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.event_markers import EventMarkers
from gui.plot_common import (
    PALETTE,
    follow_time,
    legend_of,
    pen,
    series_xy_days,
    set_curve,
    step_xy,
    time_plot,
)

if TYPE_CHECKING:
    from simulator.engine import Simulation


class SeriesPlots(QWidget):
    """One plot per recorded signal of the given devices; call `refresh(now_s)` each frame."""

    def __init__(self, device_ids: list[str] | None = None, skip: set[tuple[str, str]] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.device_ids = device_ids
        self.skip = skip or set()
        self.sim: Simulation | None = None
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.plots: dict[tuple[str, str], tuple[pg.PlotWidget, pg.PlotDataItem]] = {}
        self.x_link: pg.PlotWidget | None = None

    def set_simulation(self, sim, x_link: pg.PlotWidget | None = None) -> None:
        for plot, _ in self.plots.values():
            self.layout_.removeWidget(plot)
            plot.deleteLater()
        self.plots = {}
        self.sim = sim
        self.x_link = x_link
        self.refresh(sim.now)

    def _ensure(self) -> None:
        if self.sim is None:
            return
        for key, series in sorted(self.sim.recorder.series.items()):
            if key in self.plots or key in self.skip:
                continue
            if self.device_ids is not None and key[0] not in self.device_ids:
                continue
            dev, signal = key
            plot = time_plot(f"{dev}: {signal}", signal, series.unit or "-", start=self.sim.scenario.start)
            colour_index = len(self.plots)
            curve = plot.plot([], [], pen=pen(colour_index), name=signal)
            legend_of(plot).set_entries([(signal, PALETTE[colour_index % len(PALETTE)], False)])
            markers = EventMarkers(plot, [dev])
            markers.reset(self.sim.recorder.events, self.sim.scenario.start)
            plot._markers = markers
            if self.x_link is None:
                self.x_link = plot
            else:
                plot.setXLink(self.x_link)
            self.layout_.addWidget(plot)
            self.plots[key] = (plot, curve)

    def on_events(self, records) -> None:
        for plot, _curve in self.plots.values():
            plot._markers.add(records)

    def refresh(self, now_s: float) -> None:
        if self.sim is None:
            return
        self._ensure()
        for key, (plot, curve) in self.plots.items():
            series = self.sim.recorder.series[key]
            x, y = series_xy_days(series, now_s)
            if series.interp == "step":
                x, y = step_xy(x, y)
            set_curve(curve, x, y)
            follow_time(plot, now_s)
