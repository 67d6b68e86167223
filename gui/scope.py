"""The oscilloscope: per-contact current of the stimulator's active programs.

Traces come from the stimulator model's own synthesis, `render_waveform(t0_s, t1_s,
sample_rate_hz) -> (t_s, {contact_label: current_ma})`, for a window that starts at the current
simulated time. The sample rate is chosen from the time base and the narrowest pulse so that
every phase is drawn with several samples (a 30 us pulse at 10 kHz included).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.plot_common import add_copy_action, add_grid, configure_pyqtgraph, pen

#: Time bases: label -> window length in s.
TIME_BASES_S: dict[str, float] = {
    "200 us": 200e-6,
    "500 us": 500e-6,
    "1 ms": 1e-3,
    "2 ms": 2e-3,
    "5 ms": 5e-3,
    "10 ms": 10e-3,
    "20 ms": 20e-3,
    "50 ms": 50e-3,
    "100 ms": 100e-3,
    "200 ms": 200e-3,
    "500 ms": 500e-3,
    "1 s": 1.0,
    "2 s": 2.0,
    "5 s": 5.0,
}
DEFAULT_TIME_BASE = "50 ms"
MIN_SAMPLES = 1000
#: Samples per screen pixel of the plot (the floor of the sample count; 'average' sampling keeps
#: each sample's charge exact, so a coarse rate loses shape detail, never charge).
SAMPLES_PER_PIXEL = 2
MAX_SAMPLES = 400_000
SAMPLES_PER_PHASE = 6
MAX_SAMPLE_RATE_HZ = 20e6


def sample_rate_for(window_s: float, narrowest_phase_s: float | None, width_px: int = 0) -> float:
    """Samples per second so that the narrowest phase gets SAMPLES_PER_PHASE samples and each
    pixel of the plot SAMPLES_PER_PIXEL, within [MIN_SAMPLES, MAX_SAMPLES] samples per window."""
    want = max(MIN_SAMPLES, SAMPLES_PER_PIXEL * width_px) / window_s
    if narrowest_phase_s and narrowest_phase_s > 0:
        want = max(want, SAMPLES_PER_PHASE / narrowest_phase_s)
    want = min(want, MAX_SAMPLES / window_s, MAX_SAMPLE_RATE_HZ)
    return float(want)


def narrowest_phase_s(programs) -> float | None:
    widths = []
    for p in programs:
        widths.append(p.pulse_width_us * 1e-6)
        if getattr(p, "interphase_gap_us", 0):
            widths.append(p.interphase_gap_us * 1e-6)
    return min(widths) if widths else None


class Scope(QWidget):
    """Per-contact current traces (mA) against time from now (ms)."""

    def __init__(self, device_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        configure_pyqtgraph()
        self.device_id = device_id
        self.sim = None
        self._key = None
        self._changes = 0
        self._title = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Time base:"))
        self.time_base = QComboBox()
        self.time_base.addItems(list(TIME_BASES_S))
        self.time_base.setCurrentText(DEFAULT_TIME_BASE)
        self.time_base.setToolTip("Width of the scope window, in simulated time from now (scroll on the plot to zoom)")
        self.time_base.currentIndexChanged.connect(self._time_base_changed)
        row.addWidget(self.time_base)
        self.stack_box = QCheckBox("Stack contacts")
        self.stack_box.setToolTip("Draw each contact's trace on its own baseline")
        self.stack_box.toggled.connect(lambda _c: self._force())
        row.addWidget(self.stack_box)
        self.freeze_box = QCheckBox("Freeze")
        self.freeze_box.setToolTip("Keep the current traces while the simulation runs")
        row.addWidget(self.freeze_box)
        row.addStretch(1)
        self.info = QLabel()
        self.info.setToolTip("Sample rate of the synthesised traces and the window start (simulated time)")
        row.addWidget(self.info)
        layout.addLayout(row)
        self.plot = pg.PlotWidget()
        self.plot.setTitle(f"{device_id}: waveform scope (current per contact)", size="10pt")
        self.plot.setLabel("left", "current", units="mA")
        self.plot.setLabel("bottom", "time from now", units="ms")
        item = self.plot.getPlotItem()
        item.getAxis("bottom").enableAutoSIPrefix(False)
        item.getAxis("left").enableAutoSIPrefix(False)
        add_grid(self.plot)
        item.addLegend(offset=(-5, 5), labelTextSize="8pt")
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.setMinimumHeight(180)
        self.plot.setToolTip("Current of each contact of the active programs (mA, anodic positive) over the scope window. Right-click to copy as image.")
        add_copy_action(self.plot)
        layout.addWidget(self.plot)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.last_t_s = np.array([])
        self.last_traces: dict[str, np.ndarray] = {}
        self.last_sample_rate_hz = 0.0

    @property
    def window_s(self) -> float:
        return TIME_BASES_S[self.time_base.currentText()]

    def set_simulation(self, sim) -> None:
        self.sim = sim
        self._force()

    def on_events(self, records) -> None:
        if any(r.device == self.device_id for r in records):
            self._changes += 1

    def _time_base_changed(self, *_):
        self._force()
        self.plot.setXRange(0, self.window_s * 1e3, padding=0)

    def _force(self) -> None:
        self._key = None
        if self.sim is not None:
            self.refresh(self.sim.now)

    def refresh(self, now_s: float) -> None:
        if self.sim is None or (self.freeze_box.isChecked() and self._key is not None):
            return
        key = (now_s, self.window_s, self._changes, self.stack_box.isChecked())
        if key == self._key:
            return
        self._key = key
        device = self.sim.devices[self.device_id]
        programs = [device.stored_programs()[n] for n in device.active_programs()]
        width_px = int(self.plot.getPlotItem().getViewBox().width()) if self.plot.isVisible() else 800
        rate = sample_rate_for(self.window_s, narrowest_phase_s(programs), width_px)
        t_s, traces = device.render_waveform(now_s, now_s + self.window_s, rate)
        self.last_t_s, self.last_traces, self.last_sample_rate_hz = np.asarray(t_s), traces, rate
        x_ms = (np.asarray(t_s) - now_s) * 1e3
        labels = list(traces)
        for label in list(self.curves):
            if label not in traces:
                self.plot.getPlotItem().removeItem(self.curves.pop(label))
        spacing = max((float(np.max(np.abs(v))) for v in traces.values() if len(v)), default=1.0) * 2.2 or 1.0
        for i, label in enumerate(labels):
            y = np.asarray(traces[label], dtype=float)
            if self.stack_box.isChecked():
                y = y - i * spacing
            curve = self.curves.get(label)
            if curve is None:
                curve = self.plot.plot([], [], pen=pen(i, 1.2), name=label)
                self.curves[label] = curve
            curve.setData(x_ms, y)
        names = ", ".join(p.name for p in programs) or "none"
        info = f"programs on: {names}   |   {rate / 1e3:.4g} kHz sampling"
        if info != self.info.text():
            self.info.setText(info)
        title = f"{self.device_id}: waveform scope ({'current per contact' if programs else 'no active program'})"
        if title != self._title:  # a new title relays the plot out: only when it changes
            self._title = title
            self.plot.setTitle(title, size="10pt")
