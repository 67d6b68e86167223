"""The intrathecal virtual patient's view (device kind `intrathecal_patient`), next to its pump.

APPROXIMATION FOR TEACHING (`simulator.patient`): every part says so. Left: plots of the pain
score (NRS), spasticity (modified Ashworth), sedation and respiratory-depression indices, the
withdrawal stage and the drug concentration at the catheter tip, with event markers of the patient
and its pump. Right: the state now, a "patient says / nurse observes" list of the patient's
events in sentences (`simulator.event_text`), the work-up tests and, for educators, the catheter
fault inject / repair.

The view reads the patient only through `snapshot()`, `action_models()`, the recorded series
(`nrs`, `ashworth`, `sedation_index`, `respiratory_depression_index`, `tip_<drug>_per_ml`) and
the event stream (the withdrawal stage plot is built from `patient.withdrawal` events). Actions go
through the app's deliberate path (`gui.transmit.transmit`), so a refusal is what the device says.
"""
from __future__ import annotations

import typing
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.event_list import DeviceEventList
from gui.device_views import DeviceViews
from gui.event_markers import EventMarkers
from gui.plot_common import PALETTE, follow_time, legend_of, pen, series_xy_days, set_curve, time_plot
from gui.transmit import transmit
from simulator.event_kinds import K
from simulator.units import SECONDS_PER_DAY, describe_elapsed

TEACHING_NOTE = "approximation for teaching"
#: The patient's events shown as sentences in "Patient says / nurse observes" (newest first).
PANEL_KINDS = frozenset({K.PATIENT_SIGN, K.PATIENT_WITHDRAWAL, K.PATIENT_IT_REPORT, K.PATIENT_WORKUP, K.PATIENT_CATHETER})
#: Withdrawal stage -> the level drawn on the stage plot.
STAGE_LEVEL = {"none": 0, "mild": 1, "moderate": 2, "severe": 3}
#: Signs not drawn on the stage plot: the wanted effects, and the two drawn as indices (0-1) above.
SIGNS_PLOTTED_ELSEWHERE = frozenset({"analgesia", "antispasticity", "sedation", "respiratory_depression"})
#: The stage plot's key of a sign's grade history (withdrawal pictures are keyed by their name).
SIGN_KEY_PREFIX = "sign:"
#: Work-up test -> button label (the tests of the device's `workup` action).
WORKUP_LABELS = {"cap_aspiration": "Port aspiration", "contrast_study": "Contrast study", "rotor_study": "Rotor study",
                 "refill_discrepancy": "Refill discrepancy", "mri": "MRI"}
#: Smallest height of each plot, px (five plots fit a 1366 x 768 screen).
PLOT_MIN_HEIGHT_PX = 60
#: Background of a work-up result row in the panel.
WORKUP_ROW_COLOUR = "#e3f2fd"


#: A tip concentration below this (unit/mL) is shown as 0 (the closed form decays, never reaches 0).
TIP_SHOWN_PER_ML = 1e-9


def _conc(value_per_ml: float) -> str:
    return "0" if value_per_ml < TIP_SHOWN_PER_ML else f"{value_per_ml:.3g}"


def _choices(device, action: str, field: str) -> list[str]:
    """The allowed values of a Literal field of one of the device's actions."""
    model = type(device).action_models()[action]
    return list(typing.get_args(model.model_fields[field].annotation))


def fixed_scale_ticks(top: float) -> list[list[tuple[float, str]]]:
    """The ticks of a fixed 0..`top` scale (in the plot's unit): major at 0, `top` / 2 and `top`,
    minor at the quarters, each labelled with its exact value ('2.5', '0.25'), never rounded."""
    major = [0.0, top / 2, top]
    minor = [top / 4, 3 * top / 4]
    return [[(v, f"{v:g}") for v in major], [(v, f"{v:g}") for v in minor]]


@dataclass
class Curve:
    """One drawn signal: a recorded series of the patient (or a stage history) on one plot."""

    key: str
    name: str
    item: pg.PlotDataItem


class ItPatientPlots(QWidget):
    """Pain, spasticity, sedation / respiratory index, withdrawal stage and tip concentration
    against time, x-linked, with markers of the patient's and the pump's events."""

    def __init__(self, sim, device_id: str, pump_id: str, x_link: pg.PlotWidget | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.sim, self.device_id, self.pump_id = sim, device_id, pump_id
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(2)
        self.x_link = x_link
        self.plots: dict[str, pg.PlotWidget] = {}
        self.curves: dict[str, list[Curve]] = {}
        #: withdrawal picture -> [(t_s, stage level)] from the patient.withdrawal events
        self.stages: dict[str, list[tuple[float, int]]] = {}
        snap = sim.devices[device_id].snapshot()
        self._plot("pain", "Pain score (NRS 0-10)", "NRS", "0-10", [("nrs", "pain NRS")], (0, 10))
        if snap.baseline_ashworth is not None:
            self._plot("spasticity", "Spasticity (modified Ashworth 0-4)", "MAS", "0-4", [("ashworth", "Ashworth")], (0, 4))
        self._plot("cns", "Sedation and respiratory depression (index 0-1)", "index", "0-1",
                   [("sedation_index", "sedation"), ("respiratory_depression_index", "respiratory depression")], (0, 1))
        stage_plot = self._plot("withdrawal", "Withdrawal stage and other signs (none, mild, moderate, severe)", "", "", [], (0, 3.2))
        stage_plot.setLabel("left", "")  # the stage names on the ticks say it
        stage_plot.getPlotItem().getAxis("left").setTicks([[(v, k) for k, v in STAGE_LEVEL.items()]])
        self._plot("tip", "Drug at the catheter tip (CSF concentration)", "CSF", "/mL", [], None)
        # the calendar dates only under the bottom plot (the plots are x-linked): more height for the curves
        for plot in list(self.plots.values())[:-1]:
            axis = plot.getPlotItem().getAxis("bottom")
            axis.setStyle(showValues=False)
            axis.setHeight(6)
        self.reset_events(list(sim.recorder.events))

    def _plot(self, name: str, title: str, y_label: str, y_units: str, signals: list[tuple[str, str]], y_range) -> pg.PlotWidget:
        plot = time_plot(title, y_label, y_units, start=self.sim.scenario.start)
        plot.setMinimumHeight(PLOT_MIN_HEIGHT_PX)
        if y_range is not None:
            plot.setYRange(*y_range, padding=0.02)
            plot.getPlotItem().getViewBox().disableAutoRange(pg.ViewBox.YAxis)
            # three labelled ticks on a fixed scale (readable on a short plot), each labelled
            # with its exact value: pyqtgraph's own labels round a quarter (2.5) to whole units ('2')
            plot.getPlotItem().getAxis("left").setTicks(fixed_scale_ticks(y_range[1]))
        markers = EventMarkers(plot, [self.device_id, self.pump_id])
        markers.reset(self.sim.recorder.events, self.sim.scenario.start)
        plot._markers = markers
        if self.x_link is None:
            self.x_link = plot
        else:
            plot.setXLink(self.x_link)
        self.layout_.addWidget(plot, 1)
        self.plots[name] = plot
        self.curves[name] = []
        for signal, label in signals:
            self._add_curve(name, signal, label)
        return plot

    def _add_curve(self, plot_name: str, key: str, label: str) -> Curve:
        plot = self.plots[plot_name]
        i = len(self.curves[plot_name])
        curve = Curve(key, label, plot.plot([], [], pen=pen(i, width=2)))
        self.curves[plot_name].append(curve)
        legend_of(plot).set_entries([(c.name, PALETTE[j % len(PALETTE)], False) for j, c in enumerate(self.curves[plot_name])])
        return curve

    # ----- events -----
    def reset_events(self, records) -> None:
        self.stages = {}
        self._take(records)

    def _take(self, records) -> None:
        for r in records:
            if r.device == self.device_id and r.kind == K.PATIENT_SIGN and str(r.payload.get("sign")) not in SIGNS_PLOTTED_ELSEWHERE:
                key = SIGN_KEY_PREFIX + str(r.payload.get("sign"))
                if key not in self.stages:
                    self.stages[key] = [(0.0, STAGE_LEVEL.get(str(r.payload.get("previous_grade", "none")), 0))]
                    self._add_curve("withdrawal", key, f"{str(r.payload.get('sign')).replace('_', ' ')} (sign)")
                self.stages[key].append((r.t_s, STAGE_LEVEL.get(str(r.payload.get("grade", "none")), 0)))
            if r.device == self.device_id and r.kind == K.PATIENT_WITHDRAWAL:
                picture = str(r.payload.get("picture", ""))
                if picture not in self.stages:
                    self.stages[picture] = [(0.0, STAGE_LEVEL.get(str(r.payload.get("previous_stage", "none")), 0))]
                    self._add_curve("withdrawal", picture, f"{picture} withdrawal")
                self.stages[picture].append((r.t_s, STAGE_LEVEL.get(str(r.payload.get("stage", "none")), 0)))

    def on_events(self, records) -> None:
        self._take(records)
        for plot in self.plots.values():
            plot._markers.add(records)

    # ----- drawing -----
    def _tip_curves(self) -> None:
        """A curve per drug that has reached the tip (the series of drugs never given stay hidden)."""
        have = {c.key for c in self.curves["tip"]}
        for (dev, signal), series in sorted(self.sim.recorder.series.items()):
            if dev != self.device_id or not signal.startswith("tip_") or signal in have:
                continue
            if len(series.values) and float(np.nanmax(series.values)) > 0.0:
                drug = signal[len("tip_"):-len("_per_ml")]
                self._add_curve("tip", signal, f"{drug} ({series.unit})")
                units = sorted({self.sim.recorder.series[(self.device_id, c.key)].unit for c in self.curves["tip"]})
                self.plots["tip"].setLabel("left", "CSF", units=units[0] if len(units) == 1 else "see legend")

    def refresh(self, now_s: float) -> None:
        """Redraw every curve to now (the tail to the snapshot's closed-form value)."""
        snap = self.sim.devices[self.device_id].snapshot()
        current = snap.t_s == now_s
        now_values = {"nrs": snap.nrs, "ashworth": snap.ashworth, "sedation_index": snap.signs.get("sedation"),
                      "respiratory_depression_index": snap.signs.get("respiratory_depression")}
        now_values.update({f"tip_{d.drug}_per_ml": d.tip_per_ml for d in snap.drugs})
        self._tip_curves()
        series = self.sim.recorder.series
        for name, curves in self.curves.items():
            for c in curves:
                if name == "withdrawal":
                    pts = self.stages.get(c.key, [])
                    if not current:
                        level = pts[-1][1]
                    elif c.key.startswith(SIGN_KEY_PREFIX):
                        level = STAGE_LEVEL.get(snap.grades.get(c.key[len(SIGN_KEY_PREFIX):], "none"), 0)
                    else:
                        level = STAGE_LEVEL.get(snap.withdrawal_stage.get(c.key, "none"), 0)
                    t = np.array([p[0] for p in pts] + [max(now_s, pts[-1][0])]) / SECONDS_PER_DAY
                    v = np.array([p[1] for p in pts] + [level], dtype=float)
                    x, y = np.repeat(t, 2)[1:], np.repeat(v, 2)[:-1]
                    set_curve(c.item, x, y)
                    continue
                s = series.get((self.device_id, c.key))
                if s is None:
                    continue
                x, y = series_xy_days(s, now_s, now_values.get(c.key) if current else None)
                set_curve(c.item, x, y)
            follow_time(self.plots[name], now_s)

    def stage_levels(self, picture: str) -> list[tuple[float, int]]:
        """The drawn stage history of one withdrawal picture: (t_s, level 0-3)."""
        return list(self.stages.get(picture, []))


class PatientPanel(DeviceEventList):
    """The patient's signs, withdrawal, reports, work-up results and catheter changes as
    sentences, newest first; a work-up result row is shaded and bold."""

    def __init__(self, device_id: str, parent: QWidget | None = None):
        super().__init__(device_id, PANEL_KINDS, parent)

    def decorate(self, item: QListWidgetItem, r) -> None:
        if r.kind == K.PATIENT_WORKUP:
            item.setBackground(QBrush(QColor(WORKUP_ROW_COLOUR)))
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)
        elif r.payload.get("severity") in ("warning", "critical"):
            item.setForeground(QBrush(QColor("#b71c1c" if r.payload.get("severity") == "critical" else "#8d4b00")))


class ItPatientView(QWidget):
    """Plots on the left; state, 'Patient says / nurse observes', work-up and educator actions on the right."""

    def __init__(self, sim, device_id: str, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.sim, self.device_id, self.runner = sim, device_id, runner
        dev = sim.devices[device_id]
        snap = dev.snapshot()
        self.pump_id = snap.pump
        self.label = QLabel(f"Intrathecal virtual patient ({device_id}, linked to {snap.pump}): a toy model, an {TEACHING_NOTE}, "
                            "not a physiological or clinical prediction")
        self.label.setObjectName("it-patient-teaching-label")
        self.label.setWordWrap(True)
        self.label.setStyleSheet("QLabel#it-patient-teaching-label { padding: 3px 6px; background: #fff4d6; color: #5d4200; font-weight: bold; }")
        self.plots = ItPatientPlots(sim, device_id, snap.pump)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.panel = PatientPanel(device_id)
        panel_title = QLabel(f"Patient says / nurse observes, newest first ({TEACHING_NOTE})")
        panel_title.setStyleSheet("QLabel { font-weight: bold; }")
        panel_title.setWordWrap(True)

        self.workup_buttons: dict[str, QPushButton] = {}
        workup = QGroupBox("Work-up")
        grid = QGridLayout(workup)
        grid.setContentsMargins(4, 4, 4, 4)
        for i, test in enumerate(_choices(dev, "workup", "test")):
            b = QPushButton(WORKUP_LABELS.get(test, test.replace("_", " ")))
            b.setToolTip(f"Run the work-up test '{test}' now; its result appears in the panel above")
            b.clicked.connect(lambda _=False, t=test: self.run_workup(t))
            grid.addWidget(b, i // 3, i % 3)
            self.workup_buttons[test] = b
        self.ask_button = QPushButton("Ask the patient")
        self.ask_button.setToolTip("The patient says how they are; the nurse says what she observes")
        self.ask_button.clicked.connect(lambda: self.ask())
        n = len(self.workup_buttons)
        grid.addWidget(self.ask_button, n // 3, n % 3)
        self.trial_button = QPushButton("Trial bolus...")
        self.trial_button.setToolTip("An intrathecal trial / screening bolus by lumbar puncture, assessed after the observation")
        self.trial_button.clicked.connect(lambda: self.open_trial_dialog())
        grid.addWidget(self.trial_button, (n + 1) // 3, (n + 1) % 3)
        self.trial_dialog = None

        educator = QGroupBox("Educator: catheter complication")
        row = QHBoxLayout(educator)
        row.setContentsMargins(4, 4, 4, 4)
        self.fault_combo = QComboBox()
        self.fault_combo.addItems(_choices(dev, "catheter_fault", "fault"))
        self.fault_combo.setToolTip("The fault to inject (the learner is not told)")
        self.inject_button = QPushButton("Inject fault")
        self.inject_button.clicked.connect(lambda: self.inject_fault(self.fault_combo.currentText()))
        self.repair_button = QPushButton("Revise catheter")
        self.repair_button.setToolTip("The catheter is revised and patent again")
        self.repair_button.clicked.connect(lambda: self.repair())
        row.addWidget(self.fault_combo, 1)
        row.addWidget(self.inject_button)
        row.addWidget(self.repair_button)

        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.status)
        col.addWidget(panel_title)
        col.addWidget(self.panel, 1)
        col.addWidget(workup)
        col.addWidget(educator)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.plots)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([780, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.label)
        layout.addWidget(split, 1)
        self.panel.show_records(list(sim.recorder.events))
        self.refresh(sim.now)

    # ----- actions (through the app's deliberate path) -----
    def _send(self, action: str, params: dict, title: str):
        result = transmit(self, self.runner, self.device_id, action, params, title)
        self.refresh(self.runner.now_s)
        return result

    def run_workup(self, test: str):
        """Run one work-up test (`workup` action); the result is the device's `patient.workup` event."""
        return self._send("workup", {"test": test}, f"Work-up: {WORKUP_LABELS.get(test, test)}")

    def ask(self):
        return self._send("ask", {}, "Ask the patient")

    def open_trial_dialog(self):
        """The trial bolus dialog (non-modal: the time runs on while it is open); kept to follow the events."""
        from gui.it_trial_dialog import TrialBolusDialog

        if self.trial_dialog is None:
            self.trial_dialog = TrialBolusDialog(self.runner, self.device_id, self)
        self.trial_dialog.show()
        return self.trial_dialog

    def inject_fault(self, fault: str):
        return self._send("catheter_fault", {"fault": fault}, f"Inject catheter fault: {fault}")

    def repair(self):
        return self._send("catheter_repair", {}, "Revise catheter")

    # ----- following the device -----
    def teaching_labels(self) -> list[str]:
        return [self.label.text()] + [w.text() for w in self.findChildren(QLabel) if TEACHING_NOTE in w.text() and w is not self.label]

    def status_text(self, snap) -> str:
        parts = [f"Now {describe_elapsed(snap.t_s)}: pain NRS {snap.nrs:.1f} (without the drug {snap.baseline_nrs:.1f})"]
        if snap.ashworth is not None:
            parts.append(f"modified Ashworth {snap.ashworth_grade} ({snap.ashworth:.2f}; without the drug {snap.baseline_ashworth:.1f})")
        parts.append(f"sedation index {snap.signs.get('sedation', 0.0):.2f}, respiratory depression index {snap.signs.get('respiratory_depression', 0.0):.2f}")
        signs = [f"{s.replace('_', ' ')} {g}" for s, g in snap.grades.items() if g != "none"]
        parts.append("signs: " + (", ".join(signs) if signs else "none"))
        stages = [f"{p} {st}" for p, st in snap.withdrawal_stage.items() if st != "none"]
        parts.append("withdrawal: " + (", ".join(stages) + f" (cause: {snap.withdrawal_cause})" if stages else "none"))
        tips = [f"{d.drug} {_conc(d.tip_per_ml)} {d.unit}/mL" for d in snap.drugs if d.tip_per_ml > TIP_SHOWN_PER_ML or d.leaving_catheter_per_day > 0]
        parts.append("at the catheter tip: " + (", ".join(tips) if tips else "no drug"))
        parts.append(f"catheter: {snap.catheter.replace('_', ' ')}")
        return "; ".join(parts)

    def refresh(self, now_s: float) -> None:
        snap = self.sim.devices[self.device_id].snapshot()
        self.status.setText(self.status_text(snap))
        self.plots.refresh(now_s)

    def on_events(self, records) -> None:
        self.panel.on_events(records)
        self.plots.on_events(records)
        if self.trial_dialog is not None:
            self.trial_dialog.on_events(records)


def it_patient_views(sim, device_id: str, runner, x_link_holder: list) -> DeviceViews:
    """The intrathecal patient's tab (the full view) and its overview panel (the same plots)."""
    pump_id = sim.devices[device_id].snapshot().pump
    overview = ItPatientPlots(sim, device_id, pump_id, x_link_holder[0] if x_link_holder else None)
    if not x_link_holder:  # built before any other time plot: the others link to it
        x_link_holder.append(overview.x_link)
    overview.refresh(sim.now)
    tab = ItPatientView(sim, device_id, runner)
    return DeviceViews(device_id, "intrathecal_patient", f"Patient ({device_id})", tab, overview,
                       {"it_patient_view": tab, "panel": tab.panel, "plots": tab.plots})
