"""Battery level (%) of one device against simulated time: recorded breakpoints, and the
model's closed-form level now (`battery_pct_at`) as the live end of the line."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.plot_common import follow_time, pen, series_xy_days, set_curve, time_plot

SIGNAL = "battery_pct"


class BatteryPlot(QWidget):
    def __init__(self, device_id: str, x_link: pg.PlotWidget | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.device_id = device_id
        self.sim = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = time_plot(f"{device_id}: battery", "battery level", "%")
        self.plot.setYRange(0, 100, padding=0.02)
        if x_link is not None:
            self.plot.setXLink(x_link)
        self.curve = self.plot.plot([], [], pen=pen(2, 2), name="battery level (%)")
        self.low_line = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#c62828", width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.low_line.setVisible(False)
        self.plot.addItem(self.low_line)
        layout.addWidget(self.plot)

    def set_simulation(self, sim) -> None:
        self.sim = sim
        self.refresh(sim.now)

    def set_low_level(self, pct: float | None) -> None:
        if pct is None:
            self.low_line.setVisible(False)
        else:
            self.low_line.setPos(pct)
            self.low_line.setVisible(True)

    def refresh(self, now_s: float) -> None:
        if self.sim is None:
            return
        follow_time(self.plot, now_s)
        device = self.sim.devices[self.device_id]
        try:
            series = self.sim.recorder.get(self.device_id, SIGNAL)
        except KeyError:
            return
        now_pct = device.battery_pct_at(now_s) if hasattr(device, "battery_pct_at") else None
        x, y = series_xy_days(series, now_s, now_pct)
        set_curve(self.curve, x, y)
