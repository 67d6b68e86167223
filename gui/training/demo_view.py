"""Educator demonstrations as side-by-side plots: `DemoView("waveforms" | "bridge-bolus" | "csf")`."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from simulator.training import demos


class DemoView(QWidget):
    def __init__(self, name: str, registry=None, parent: QWidget | None = None):
        super().__init__(parent)
        if name not in demos.DEMOS:
            raise ValueError(f"unknown demo {name!r}; demos: {', '.join(demos.DEMOS)}")
        self.name = name
        self.setWindowTitle(demos.DEMOS[name])
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        layout.addLayout(row)
        self.plots: list[pg.PlotWidget] = []
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        getattr(self, "_" + name.replace("-", "_"))(row, registry)
        from gui.plot_common import pen

        for i, w in enumerate(self.plots):  # pyqtgraph's default pen is light grey: unreadable on white
            for item in w.getPlotItem().listDataItems():
                item.setPen(pen(i, 1.5))

    def _plot(self, row, title, x_label, y_label) -> pg.PlotWidget:
        w = pg.PlotWidget(title=title)
        w.setLabel("bottom", x_label)
        w.setLabel("left", y_label)
        for axis in ("bottom", "left"):  # the units are in the labels: no '(x0.001)' rescaling
            w.getAxis(axis).enableAutoSIPrefix(False)
        row.addWidget(w)
        self.plots.append(w)
        return w

    def _waveforms(self, row, registry):
        panels = demos.waveform_comparison(registry)
        lines = []
        for p in panels:
            window_ms = self.waveform_time_base_ms(p)
            span = f" — first {window_ms:g} ms" if window_ms < p.t_s[-1] * 1e3 else ""
            w = self._plot(row, f"{p.label} ({p.profile_id}){span}", "time (ms)", f"{p.cathode} current (mA)")
            # the model's own 1 MHz rendering, every sample: clipped to the view and peak-downsampled
            # when zoomed out, so a 30 us pulse stays a pulse at any zoom
            curve = w.plot(p.t_s * 1e3, p.cathode_current_ma)
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            w.setXRange(0.0, window_ms, padding=0.02)
            w.setToolTip(f"{p.label}: current of the cathode {p.cathode} (mA) against time (ms), rendered by the stimulator model at 1 MHz.\n"
                         f"Shown: the first {window_ms:g} ms of {p.t_s[-1] * 1e3:.0f} ms; wheel or drag to zoom and pan.")
            lines.append(f"{p.label}: {p.charge_uc_per_s:.0f} uC/s, {p.battery_current_ma * 1e3:.0f} uA from the cell, {p.battery_outcome} {p.battery_figure:.1f} {p.battery_unit}")
        self.caption.setText("; ".join(lines))

    @staticmethod
    def waveform_time_base_ms(panel) -> float:
        """A time base showing about five pulse periods, at most the rendered window: 50 ms for
        tonic and burst, 0.5 ms for 10 kHz (at 50 ms its 30 us pulses merge into a block)."""
        window_ms = float(panel.t_s[-1]) * 1e3
        rate = panel.program.get("rate_hz") or 0.0
        if rate <= 0:
            return window_ms
        return min(window_ms, 5 * 1e3 / float(rate))

    def _bridge_bolus(self, row, registry):
        curves = demos.bridge_bolus_comparison(registry)
        # one shared dose axis from 0, so a dose held exactly is a flat line, not rounding noise
        top = 1.25 * max(float(max(c.dose_per_day)) for c in curves)
        first = None
        for c in curves:
            w = self._plot(row, c.label, "time (h)", f"delivered dose ({c.unit}/day)")
            w.plot(c.t_h, c.dose_per_day, stepMode=None)
            w.setYRange(0.0, top, padding=0)
            if first is None:
                first = w
            else:
                w.setYLink(first)
        self.caption.setText(curves[0].dose_error_message)

    def _csf(self, row, registry):
        r = demos.csf_concentration(1.0, 2.0)
        w = self._plot(row, "At the catheter tip", "time (h)", f"concentration ({r.unit}/mL)")
        w.plot(r.t_h, r.tip_conc_per_ml)
        w2 = self._plot(row, "Along the spine (end of the run)", "distance from the tip (cm)", f"concentration ({r.unit}/mL)")
        w2.plot(r.distances_cm, r.conc_per_ml[-1])
        self.caption.setText(f"{r.label} Half-life {r.half_life_min:.0f} min (one compartment). Sources: " + "; ".join(r.sources.values()))
