"""Educator demonstrations an educator can drive: `DemoView("waveforms" | "bridge-bolus" | "csf")`.

Each demonstration has its parameters as controls above the figures, and redraws when one
changes (the figures come from `simulator.training.demos`, i.e. the simulator's own models):

- waveforms: tonic, burst and 10 kHz on ONE rechargeable device (`demos.ONE_DEVICE`), one shared
  current scale; amplitude, pulse width and rate of the chosen program, and the contacts'
  impedance; the caption gives charge per second, battery current and days from a full charge;
- bridge-bolus: dose, old and new concentration, catheter length (dead volume); runs the two
  pump scenarios again (about half a second: the redraw waits until the controls rest);
- csf: infusion change or bolus, dose, catheter tip level; the concentration at the tip and at a
  chosen spinal level, and along the spine.

Captions cite public sources. 'Present' enlarges every font (for a projector).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gui.plot_common import configure_pyqtgraph, pen
from simulator.training import demos

#: Font sizes (pt) of captions, titles and axes, normal and in 'present' mode.
FONT_PT = {False: 9, True: 16}
#: Wait after the last control change before a slow demonstration recomputes (ms).
SLOW_REDRAW_MS = 350


class DemoView(QWidget):
    def __init__(self, name: str, registry=None, parent: QWidget | None = None):
        super().__init__(parent)
        if name not in demos.DEMOS:
            raise ValueError(f"unknown demo {name!r}; demos: {', '.join(demos.DEMOS)}")
        configure_pyqtgraph()
        self.name = name
        self.registry = registry
        self.setWindowTitle(demos.DEMOS[name])
        layout = QVBoxLayout(self)
        self.controls_row = QHBoxLayout()
        layout.addLayout(self.controls_row)
        self.controls: dict[str, QComboBox | QDoubleSpinBox] = {}
        row = QHBoxLayout()
        layout.addLayout(row, 1)
        self.plots: list[pg.PlotWidget] = []
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.caption)
        self.error = ""
        self.present_box = QCheckBox("Present (large fonts)")
        self.present_box.setToolTip("Enlarge every font of this demonstration, for a projector")
        self.present_box.toggled.connect(self.set_present)
        self._slow = QTimer(self)
        self._slow.setSingleShot(True)
        self._slow.setInterval(SLOW_REDRAW_MS)
        self._slow.timeout.connect(self.redraw)
        getattr(self, "_build_" + name.replace("-", "_"))(row)
        self.controls_row.addStretch(1)
        self.controls_row.addWidget(self.present_box)
        self.redraw()
        self.set_present(False)

    # ----- building blocks -----
    def _plot(self, row, title, x_label, y_label) -> pg.PlotWidget:
        w = pg.PlotWidget(title=title)
        w.setLabel("bottom", x_label)
        w.setLabel("left", y_label)
        for axis in ("bottom", "left"):  # the units are in the labels: no '(x0.001)' rescaling
            w.getAxis(axis).enableAutoSIPrefix(False)
        row.addWidget(w)
        self.plots.append(w)
        return w

    def _spin(self, key: str, label: str, value: float, bounds: tuple[float, float], step: float, suffix: str, decimals: int = 2, slow: bool = False) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(*bounds)
        box.setDecimals(decimals)
        box.setSingleStep(step)
        box.setValue(value)
        box.setSuffix(f" {suffix}")
        box.setKeyboardTracking(False)
        box.setToolTip(f"{label}: {bounds[0]:g} to {bounds[1]:g} {suffix}; the figures redraw when it changes")
        box.valueChanged.connect(self._slow.start if slow else (lambda _v: self.redraw()))
        self.controls_row.addWidget(QLabel(label))
        self.controls_row.addWidget(box)
        self.controls[key] = box
        return box

    def _combo(self, key: str, label: str, items: list[str], current: str, slow: bool = False) -> QComboBox:
        box = QComboBox()
        box.addItems(items)
        box.setCurrentText(current)
        box.currentIndexChanged.connect(self._slow.start if slow else (lambda _i: self.redraw()))
        self.controls_row.addWidget(QLabel(label))
        self.controls_row.addWidget(box)
        self.controls[key] = box
        return box

    def value(self, key: str):
        box = self.controls[key]
        return box.currentText() if isinstance(box, QComboBox) else float(box.value())

    def set_present(self, on: bool) -> None:
        """Large fonts for presenting (captions, controls, plot titles, axes)."""
        pt = FONT_PT[bool(on)]
        font = QFont(self.font())
        font.setPointSize(pt)
        for w in [self.caption, self.present_box, *self.controls.values()]:
            w.setFont(font)
        for i in range(self.controls_row.count()):
            layout_item = self.controls_row.itemAt(i)
            item = layout_item.widget() if layout_item is not None else None
            if isinstance(item, QLabel):
                item.setFont(font)
        for w in self.plots:
            item = w.getPlotItem()
            item.titleLabel.setText(item.titleLabel.text, size=f"{pt + 1}pt")
            for name in ("bottom", "left"):
                axis = item.getAxis(name)
                axis.setTickFont(font)
                axis.label.setFont(font)
        self.present = bool(on)

    def redraw(self) -> None:
        """Recompute and redraw from the controls; a value the model refuses is shown, not raised."""
        try:
            getattr(self, "_redraw_" + self.name.replace("-", "_"))()
            self.error = ""
        except ValueError as exc:
            self.error = str(exc).splitlines()[0]
            self.caption.setText(f"<span style='color:#b71c1c'>Not drawn: {self.error}</span>")

    # ----- waveforms -----
    def _build_waveforms(self, row) -> None:
        nominal = {label: self._registry().get(pid).nominal_program for label, pid in demos.WAVEFORM_PRESETS}
        self._nominal = nominal
        self._overrides: dict[str, dict[str, float]] = {label: {} for label in nominal}
        labels = list(nominal)
        program_box = self._combo("program", "Program:", labels, labels[0])
        program_box.currentIndexChanged.connect(self._show_program_values)
        b = demos.WAVEFORM_CONTROL_BOUNDS
        first = nominal[labels[0]]
        program_spins = {
            "amplitude_ma": self._spin("amplitude_ma", "Amplitude", first.amplitude_ma, b["amplitude_ma"], 0.1, "mA"),
            "pulse_width_us": self._spin("pulse_width_us", "Pulse width", first.pulse_width_us, b["pulse_width_us"], 10, "us", 0),
            "rate_hz": self._spin("rate_hz", "Rate", first.rate_hz, b["rate_hz"], 10, "Hz", 0),
        }
        ohm = self._registry().get(demos.ONE_DEVICE).impedance.nominal_ohm
        self._spin("impedance_ohm", "Impedance", ohm, b["impedance_ohm"], 25, "ohm", 0)
        for key, spin_box in program_spins.items():
            spin_box.valueChanged.connect(lambda _v, key=key: self._override(key))
        self.curves: dict[str, pg.PlotDataItem] = {}
        first_plot = None
        for i, (label, _pid) in enumerate(demos.WAVEFORM_PRESETS):
            w = self._plot(row, label, "time (ms)", "cathode current (mA)")
            curve = w.plot([], [], pen=pen(i, 1.5))
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self.curves[label] = curve
            if first_plot is None:
                first_plot = w
            else:
                w.setYLink(first_plot)  # one current scale for the three

    def _registry(self):
        from simulator.profiles.registry import default_registry

        return self.registry or default_registry()

    def _show_program_values(self, *_):
        label = self.value("program")
        p = self._nominal[label]
        for key in ("amplitude_ma", "pulse_width_us", "rate_hz"):
            box = self.controls[key]
            box.blockSignals(True)
            box.setValue(self._overrides[label].get(key, getattr(p, key)))
            box.blockSignals(False)

    def _override(self, key: str) -> None:
        label = self.value("program")
        self._overrides[label][key] = self.value(key)
        self.redraw()

    @staticmethod
    def waveform_time_base_ms(panel) -> float:
        """A time base showing about five pulse periods, at most the rendered window: 50 ms for
        tonic and burst, 0.5 ms for 10 kHz (at 50 ms its 30 us pulses merge into a block)."""
        window_ms = float(panel.t_s[-1]) * 1e3
        rate = panel.program.get("rate_hz") or 0.0
        if rate <= 0:
            return window_ms
        return min(window_ms, 5 * 1e3 / float(rate))

    def _redraw_waveforms(self) -> None:
        overrides = {label: dict(v) for label, v in self._overrides.items() if v}
        panels = demos.waveform_comparison(self.registry, device=demos.ONE_DEVICE, overrides=overrides, impedance_ohm=self.value("impedance_ohm"))
        self.panels = panels
        top = max(float(np.max(np.abs(p.cathode_current_ma))) for p in panels) * 1.1 or 1.0
        lines = []
        for w, p in zip(self.plots, panels):
            window_ms = self.waveform_time_base_ms(p)
            self.curves[p.label].setData(p.t_s * 1e3, p.cathode_current_ma)
            w.setXRange(0.0, window_ms, padding=0.02)
            w.setYRange(-top, top, padding=0)
            prog = p.program
            span = f", first {window_ms:g} ms" if window_ms < p.t_s[-1] * 1e3 else ""
            w.setTitle(f"{p.label}: {prog['amplitude_ma']:g} mA, {prog['pulse_width_us']:g} us, {prog['rate_hz']:g} Hz{span}", size=f"{FONT_PT[getattr(self, 'present', False)] + 1}pt")
            w.setToolTip(f"{p.label}: current of the cathode {p.cathode} (mA) against time (ms), rendered by the stimulator model at 1 MHz.")
            lines.append(f"<b>{p.label}</b>: {p.charge_uc_per_s:.0f} uC/s, {p.battery_current_ma * 1e3:.0f} uA from the cell, {p.battery_figure:.1f} {p.battery_unit}")
        ohm = self.value("impedance_ohm")
        self.caption.setText(
            f"All three on one rechargeable device ({demos.ONE_DEVICE}), {ohm:g} ohm per contact, one current scale. "
            + "; ".join(lines) + ". Typical settings: " + demos.WAVEFORM_SOURCES + "."
        )

    # ----- bridge bolus -----
    def _build_bridge_bolus(self, row) -> None:
        b = demos.BRIDGE_CONTROL_BOUNDS
        self._spin("dose_mg_per_day", "Dose", 2.0, b["dose_mg_per_day"], 0.1, "mg/day", 2, slow=True)
        self._spin("old_mg_per_ml", "Old", 10.0, b["old_mg_per_ml"], 1, "mg/mL", 1, slow=True)
        self._spin("new_mg_per_ml", "New", 20.0, b["new_mg_per_ml"], 1, "mg/mL", 1, slow=True)
        self._spin("catheter_length_cm", "Catheter", 50.0, b["catheter_length_cm"], 5, "cm", 0, slow=True)
        self.curves = {}
        first = None
        for i, label in enumerate(("without bridge bolus", "with bridge bolus")):
            w = self._plot(row, label, "time (h)", "delivered dose (mg/day)")
            self.curves[label] = w.plot([], [], pen=pen(i, 1.8))
            if first is None:
                first = w
            else:
                w.setYLink(first)

    def _redraw_bridge_bolus(self) -> None:
        from PySide6.QtWidgets import QApplication

        params = {k: self.value(k) for k in ("dose_mg_per_day", "old_mg_per_ml", "new_mg_per_ml", "catheter_length_cm")}
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            curves = demos.bridge_bolus_comparison(self.registry, **params)
        finally:
            QApplication.restoreOverrideCursor()
        self.dose_curves = curves
        top = 1.25 * max(float(max(c.dose_per_day)) for c in curves)
        for w, c in zip(self.plots, curves):
            self.curves[c.label].setData(c.t_h, c.dose_per_day)
            w.setYRange(0.0, top, padding=0)
        dead = curves[0].catheter_dead_volume_ml
        self.caption.setText(
            f"Refill at 2 h from {params['old_mg_per_ml']:g} to {params['new_mg_per_ml']:g} mg/mL at {params['dose_mg_per_day']:g} mg/day; "
            f"dead volume (pump tubing + {params['catheter_length_cm']:g} cm catheter) {dead:.3f} mL. {curves[0].dose_error_message} "
            f"Why: {demos.BRIDGE_SOURCES}."
        )

    # ----- CSF -----
    def _build_csf(self, row) -> None:
        self._combo("mode", "Change:", ["infusion step", "bolus"], "infusion step")
        self._spin("dose_before", "Dose before", 1.0, (0.0, 20.0), 0.1, "mg/day")
        self._spin("dose_after", "after", 2.0, (0.0, 20.0), 0.1, "mg/day")
        self._spin("bolus_mg", "Bolus", 0.25, (0.0, 5.0), 0.05, "mg")
        self._combo("tip_level", "Catheter tip:", demos.SPINE_LEVELS, "T10")
        self._combo("watch_level", "Watch level:", demos.SPINE_LEVELS, "T6")
        w = self._plot(row, "Concentration over time", "time (h)", "concentration (mg/mL)")
        self.csf_tip = w.plot([], [], pen=pen(0, 2), name="at the tip")
        self.csf_watch = w.plot([], [], pen=pen(1, 2, Qt.PenStyle.DashLine), name="at the watched level")
        w2 = self._plot(row, "Along the spine (end of the run)", "spinal level", "concentration (mg/mL)")
        self.csf_space = w2.plot([], [], pen=pen(2, 2))
        ticks = [(i * demos.LEVEL_CM, lvl) for i, lvl in enumerate(demos.SPINE_LEVELS) if lvl[1:] in ("1", "4", "7", "10") or lvl in ("C1", "L5")]
        w2.getAxis("bottom").setTicks([ticks])
        self.tip_marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#6d4c41", style=Qt.PenStyle.DashLine), label="tip",
                                          labelOpts={"position": 0.9, "color": "#6d4c41"})
        w2.addItem(self.tip_marker)

    def _redraw_csf(self) -> None:
        bolus = self.value("mode") == "bolus"
        before = self.value("dose_before")
        after = before if bolus else self.value("dose_after")
        r = demos.csf_concentration(before, after, bolus_dose=self.value("bolus_mg") if bolus else 0.0)
        self.csf_result = r
        tip, watch = self.value("tip_level"), self.value("watch_level")
        watched = demos.csf_at_level(r, watch, tip)
        self.csf_watched = watched
        self.plots[0].setTitle(f"Concentration: <span style='color:{pen(0).color().name()}'>&#x2501;&#x2501;</span> at the tip ({tip}) "
                               f"<span style='color:{pen(1).color().name()}'>&#x2504;&#x2504;</span> at {watch}", size=f"{FONT_PT[getattr(self, 'present', False)] + 1}pt")
        self.csf_tip.setData(r.t_h, r.tip_conc_per_ml)
        self.csf_watch.setData(r.t_h, watched)
        positions = np.arange(len(demos.SPINE_LEVELS)) * demos.LEVEL_CM
        tip_pos = demos.SPINE_LEVELS.index(tip) * demos.LEVEL_CM
        end = r.tip_conc_per_ml[-1]
        self.csf_space.setData(positions, end * np.exp(-np.abs(positions - tip_pos) / 4.0))
        self.tip_marker.setPos(tip_pos)
        distance = abs(demos.level_offset_cm(watch, tip))
        what = f"A {self.value('bolus_mg'):g} mg bolus at 2 h on {before:g} mg/day" if bolus else f"The dose changed from {before:g} to {after:g} mg/day at 2 h"
        self.caption.setText(
            f"{r.label} {what}; tip at {tip}, watching {watch} ({distance:g} cm away: {np.exp(-distance / 4.0) * 100:.0f} % of the tip's "
            f"concentration; {demos.LEVEL_CM:g} cm per level is a default). Half-life {r.half_life_min:.0f} min (one compartment). "
            "Sources: " + "; ".join(r.sources.values())
        )


__all__ = ["DemoView"]
