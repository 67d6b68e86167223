"""Closed-loop stimulation made visible: the evoked response (ECAP) the controller holds, against
the open-loop response at the programmed amplitude, inside the therapeutic window; and the
controller's amplitude against the programmed (open-loop) amplitude.

Series come from the recorder (`ecap_uv`, `ecap_open_loop_uv`, `amplitude_ma.<program>`, all
step series written by the stimulator model); the window edges from the profile's closed-loop
model (`window_low_uv`, `window_high_uv`) and the target from the device's loop settings.
"""
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
    series_xy_days,
    set_calendar_start,
    set_curve,
    step_xy,
    threshold_line,
    time_plot,
)

if TYPE_CHECKING:
    from simulator.engine import Simulation

WINDOW_BRUSH = (46, 125, 50, 40)


def has_closed_loop(device) -> bool:
    """True when the stimulator runs the closed-loop model (it records the evoked response)."""
    return device.snapshot().closed_loop is not None


class ClosedLoopPlots(QWidget):
    def __init__(self, device_id: str, x_link: pg.PlotWidget | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.device_id = device_id
        self.sim: Simulation | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.ecap_plot = time_plot(f"{device_id}: evoked response", "ECAP", "uV")
        self.amp_plot = time_plot(f"{device_id}: amplitude", "amplitude", "mA")
        for p in (self.ecap_plot, self.amp_plot):
            p.setMinimumHeight(110)
            if x_link is not None:
                p.setXLink(x_link)
            layout.addWidget(p)
        if x_link is None:
            self.amp_plot.setXLink(self.ecap_plot)
        self.window_region = pg.LinearRegionItem(orientation="horizontal", movable=False, brush=pg.mkBrush(*WINDOW_BRUSH), pen=pg.mkPen(None))
        self.window_region.setZValue(-100)
        self.ecap_plot.addItem(self.window_region)
        self.window_low = threshold_line(self.ecap_plot, "therapeutic window low", colour="#2e7d32")
        self.window_high = threshold_line(self.ecap_plot, "therapeutic window high", colour="#2e7d32")
        self.target_line = threshold_line(self.ecap_plot, "target", colour="#1565c0", dashed=False)
        self.closed_curve = self.ecap_plot.plot([], [], pen=pg.mkPen(PALETTE[0], width=2), name="closed loop (uV)")
        self.open_curve = self.ecap_plot.plot([], [], pen=pg.mkPen(PALETTE[1], width=1.5, style=Qt.PenStyle.DashLine), name="open loop (uV)")
        legend_of(self.ecap_plot).set_entries([("closed loop", PALETTE[0], False), ("open loop", PALETTE[1], True), ("window", "#2e7d32", False)])
        self.amp_curves: dict[str, pg.PlotDataItem] = {}
        self.programmed_curve = self.amp_plot.plot([], [], pen=pg.mkPen(PALETTE[1], width=1.5, style=Qt.PenStyle.DashLine), name="programmed, open loop (mA)")
        self.markers = [EventMarkers(p, [device_id]) for p in (self.ecap_plot, self.amp_plot)]

    def set_simulation(self, sim) -> None:
        self.sim = sim
        for p in (self.ecap_plot, self.amp_plot):
            set_calendar_start(p, sim.scenario.start)
        for m in self.markers:
            m.reset(sim.recorder.events, sim.scenario.start)
        device = sim.devices[self.device_id]
        spec = device.profile.closed_loop
        low, high = spec.window_low_uv, spec.window_high_uv
        self.window_region.setRegion((low, high))
        self.window_low.setPos(low)
        self.window_low.label.setFormat(f"window low {low:g} uV")
        self.window_high.setPos(high)
        self.window_high.label.setFormat(f"window high {high:g} uV")
        self.refresh(sim.now)

    def on_events(self, records) -> None:
        for m in self.markers:
            m.add(records)

    def _xy(self, signal: str, now_s: float):
        if self.sim is None:
            return None
        try:
            series = self.sim.recorder.get(self.device_id, signal)
        except KeyError:
            return None
        return step_xy(*series_xy_days(series, now_s))

    def loop_program(self) -> str | None:
        """The program the controller drives (its amplitude series is the controller's)."""
        if self.sim is None:
            return None
        snap = self.sim.devices[self.device_id].snapshot()
        names = list(snap.active_programs) or list(snap.programs)
        return names[0] if names else None

    def refresh(self, now_s: float) -> None:
        if self.sim is None:
            return
        snap = self.sim.devices[self.device_id].snapshot()
        loop = snap.closed_loop
        if loop is not None:
            self.target_line.setPos(loop.target_uv)
            self.target_line.label.setFormat(f"target {loop.target_uv:g} uV")
        for curve, signal in ((self.closed_curve, "ecap_uv"), (self.open_curve, "ecap_open_loop_uv")):
            xy = self._xy(signal, now_s)
            if xy is not None:
                set_curve(curve, *xy)
        entries = list(legend_of(self.amp_plot).entries)
        for key in sorted(self.sim.recorder.series):
            dev, signal = key
            if dev != self.device_id or not signal.startswith("amplitude_ma."):
                continue
            name = signal.split(".", 1)[1]
            curve = self.amp_curves.get(name)
            if curve is None:
                colour = PALETTE[0] if not self.amp_curves else PALETTE[(len(self.amp_curves) + 2) % len(PALETTE)]
                curve = self.amp_plot.plot([], [], pen=pg.mkPen(colour, width=2), name=f"{name}: delivered (mA)")
                self.amp_curves[name] = curve
                entries.append((f"{name} delivered", colour, False))
            set_curve(curve, *self._xy(signal, now_s))
        prog = self.loop_program()
        if prog is not None:
            programmed = float(snap.programs[prog].amplitude_ma)
            set_curve(self.programmed_curve, np.array([0.0, now_s / 86400.0]), np.array([programmed, programmed]))
            if ("programmed (open loop)", PALETTE[1], True) not in entries:
                entries.append(("programmed (open loop)", PALETTE[1], True))
        legend_of(self.amp_plot).set_entries(entries)
        for p in (self.ecap_plot, self.amp_plot):
            follow_time(p, now_s)
