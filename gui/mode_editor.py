"""The pump's dosing-mode editor: stopped, continuous, flex schedule, periodic bolus.

Doses are in the drug's own unit; the volume rate (mL/day) is shown beside each dose, converted
by the core's `simulator.pump.dosing` at the pump's concentration. Ranges come from the action
models' field constraints and the pump profile (rates, resolution, flex steps).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.limits import Limits, field_range, spin
from gui.tables import cell_text
from simulator.errors import InputError, validate_model
from simulator.pump import dosing
from simulator.pump.settings import ContinuousMode, FlexStep, PeriodicMode

MODES = ["stopped", "continuous", "flex", "periodic"]


class DoseVolumePair(QWidget):
    """A dose rate (drug unit/day) and the matching volume rate (mL/day), kept in step."""

    changed = Signal()

    def __init__(self, unit: str, dose_limits: Limits, rate_limits: Limits, what: str, parent=None):
        super().__init__(parent)
        self.concentration = 1.0
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.dose = spin(dose_limits, f"{unit}/day", f"{what}: dose rate", decimals=4)
        self.volume = spin(rate_limits, "mL/day", f"{what}: volume rate at the pump's concentration", decimals=4)
        row.addWidget(self.dose)
        row.addWidget(QLabel("="))
        row.addWidget(self.volume)
        self._busy = False
        self.dose.valueChanged.connect(self._dose_changed)
        self.volume.valueChanged.connect(self._volume_changed)

    def set_concentration(self, conc_per_ml: float) -> None:
        self.concentration = conc_per_ml
        self._dose_changed(self.dose.value())

    def set_dose(self, dose_per_day: float) -> None:
        self.dose.setValue(dose_per_day)
        self._dose_changed(dose_per_day)

    def _dose_changed(self, value: float) -> None:
        if self._busy:
            return
        self._busy = True
        self.volume.setValue(dosing.rate_ml_per_day_for_dose(value, self.concentration))
        self._busy = False
        self.changed.emit()

    def _volume_changed(self, value: float) -> None:
        if self._busy:
            return
        self._busy = True
        self.dose.setValue(dosing.dose_per_day_for_rate(value, self.concentration))
        self._busy = False
        self.changed.emit()


class ModeEditor(QWidget):
    changed = Signal()

    def __init__(self, profile, unit: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.profile = profile
        self.unit = unit
        self.concentration = 1.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("Mode:"))
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(MODES)
        self.mode_combo.setToolTip("Dosing mode to program")
        top.addWidget(self.mode_combo)
        top.addStretch(1)
        layout.addLayout(top)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages)
        u = unit
        rate_limits = Limits(0.0, profile.max_rate_ml_per_day, profile.rate_resolution_ml_per_day)

        self.pages.addWidget(QLabel("The pump delivers nothing while stopped."))

        cont = QWidget()
        cf = QFormLayout(cont)
        self.continuous = DoseVolumePair(u, field_range(ContinuousMode, f"dose_{u}_per_day"), rate_limits, "Continuous infusion")
        cf.addRow("Daily dose", self.continuous)
        self.pages.addWidget(cont)

        flex = QWidget()
        fl = QVBoxLayout(flex)
        fl.setContentsMargins(0, 0, 0, 0)
        self.flex_table = QTableWidget(0, 3)
        self.flex_table.setHorizontalHeaderLabels(["start (HH:MM)", f"dose ({u}/day)", "volume (mL/day)"])
        self.flex_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.flex_table.verticalHeader().setVisible(False)
        self.flex_table.setToolTip(f"Daily schedule: each step runs from its start (time of day) until the next step. At most {profile.max_flex_steps} steps.")
        self.flex_table.setMinimumHeight(120)
        fl.addWidget(self.flex_table)
        self.flex_problems_label = QLabel()
        self.flex_problems_label.setWordWrap(True)
        self.flex_problems_label.setStyleSheet("color: #c62828")
        self.flex_problems_label.setToolTip("Cells marked red are refused by the pump's schedule model; fix them before Transmit")
        fl.addWidget(self.flex_problems_label)
        fb = QHBoxLayout()
        self.add_step = QPushButton("Add step")
        self.add_step.setToolTip("Add a step to the daily schedule")
        self.remove_step = QPushButton("Remove step")
        self.remove_step.setToolTip("Remove the selected step")
        fb.addWidget(self.add_step)
        fb.addWidget(self.remove_step)
        fb.addStretch(1)
        fl.addLayout(fb)
        self.pages.addWidget(flex)
        self._flex_dose_limits = field_range(FlexStep, f"dose_{u}_per_day")
        self.add_step.clicked.connect(lambda: self.add_flex_step("12:00", 0.0))
        self.remove_step.clicked.connect(self._remove_flex_step)

        per = QWidget()
        pf = QFormLayout(per)
        self.periodic_basal = DoseVolumePair(u, field_range(PeriodicMode, f"dose_{u}_per_day"), rate_limits, "Basal infusion")
        pf.addRow("Basal daily dose", self.periodic_basal)
        self.periodic_bolus = spin(field_range(PeriodicMode, f"bolus_dose_{u}"), u, "Dose of each periodic bolus", decimals=4)
        pf.addRow("Bolus dose", self.periodic_bolus)
        self.periodic_interval = spin(field_range(PeriodicMode, "interval_h"), "h", "A bolus every this many hours", decimals=2)
        pf.addRow("Interval", self.periodic_interval)
        self.periodic_duration = spin(Limits(0.0, field_range(PeriodicMode, "bolus_duration_min").maximum, 1.0), "min", "Bolus duration; 0 = as fast as the pump allows", decimals=1)
        pf.addRow("Bolus duration", self.periodic_duration)
        self.periodic_first = spin(field_range(PeriodicMode, "first_bolus_after_min"), "min", "First bolus this long after transmitting", decimals=1)
        pf.addRow("First bolus after", self.periodic_first)
        self.pages.addWidget(per)

        self.mode_combo.currentIndexChanged.connect(self._mode_changed)
        for w in (self.continuous, self.periodic_basal):
            w.changed.connect(self.changed)
        for w in (self.periodic_bolus, self.periodic_interval, self.periodic_duration, self.periodic_first):
            w.valueChanged.connect(lambda *_: self.changed.emit())
        self.flex_table.itemChanged.connect(self._flex_item_changed)

    # ----- flex table -----
    def add_flex_step(self, start: str, dose_per_day: float) -> bool:
        if self.flex_table.rowCount() >= self.profile.max_flex_steps:
            return False
        r = self.flex_table.rowCount()
        self.flex_table.blockSignals(True)
        self.flex_table.insertRow(r)
        self.flex_table.setItem(r, 0, QTableWidgetItem(start))
        self.flex_table.setItem(r, 1, QTableWidgetItem(f"{dose_per_day:g}"))
        vol = QTableWidgetItem()
        vol.setFlags(vol.flags() & ~vol.flags().ItemIsEditable)
        self.flex_table.setItem(r, 2, vol)
        self.flex_table.blockSignals(False)
        self._update_flex_volumes()
        self.changed.emit()
        return True

    def _remove_flex_step(self) -> None:
        r = self.flex_table.currentRow()
        if r >= 0:
            self.flex_table.removeRow(r)
            self._mark_flex_cells()
            self.changed.emit()

    def _flex_item_changed(self, _item) -> None:
        self._update_flex_volumes()
        self.changed.emit()

    def flex_problems(self) -> dict[tuple[int, int], str]:
        """(row, column) -> why the pump's schedule model refuses that cell: a start that is not
        HH:MM or repeats another step's, a dose that is not a number or is out of the FlexStep
        model's range, a volume rate above the pump's maximum. Empty when every cell is valid."""
        u = self.unit
        field = f"dose_{u}_per_day"
        out: dict[tuple[int, int], str] = {}
        starts: dict[str, int] = {}
        for r in range(self.flex_table.rowCount()):
            start = cell_text(self.flex_table, r, 0).strip()
            try:
                validate_model(FlexStep, {"start": start})
                if start in starts:
                    out[(r, 0)] = f"the same start as step {starts[start] + 1}; starts must differ"
                else:
                    starts[start] = r
            except InputError:
                out[(r, 0)] = f"{start!r} is not a time of day HH:MM (00:00 to 23:59)"
            text = cell_text(self.flex_table, r, 1).strip()
            try:
                dose = float(text)
            except ValueError:
                out[(r, 1)] = f"{text!r} is not a number of {u}/day"
                continue
            try:
                validate_model(FlexStep, {"start": "00:00", field: dose})
            except InputError as exc:
                out[(r, 1)] = f"{dose:g} {u}/day: {exc.issues[0].message}"
                continue
            rate = dosing.rate_ml_per_day_for_dose(dose, self.concentration)
            if rate > self.profile.max_rate_ml_per_day:
                out[(r, 2)] = f"{rate:.4g} mL/day at {self.concentration:g} {u}/mL is above the pump's maximum rate of {self.profile.max_rate_ml_per_day:g} mL/day"
        if self.flex_table.rowCount() == 0 and self.mode_combo.currentText() == "flex":
            out[(-1, -1)] = "the schedule has no step"
        return out

    def _mark_flex_cells(self) -> None:
        problems = self.flex_problems()
        self.flex_table.blockSignals(True)
        for r in range(self.flex_table.rowCount()):
            for c in range(3):
                item = self.flex_table.item(r, c)
                if item is None:
                    continue
                why = problems.get((r, c))
                item.setBackground(QColor("#ffcdd2") if why else QColor(0, 0, 0, 0))
                item.setToolTip(why or "")
        self.flex_table.blockSignals(False)
        lines = [f"step {r + 1}, {['start', 'dose', 'volume'][c]}: {why}" if r >= 0 else why for (r, c), why in sorted(problems.items())]
        self.flex_problems_label.setText("\n".join(lines))
        self.flex_problems_label.setVisible(bool(lines))

    def _update_flex_volumes(self) -> None:
        self.flex_table.blockSignals(True)
        for r in range(self.flex_table.rowCount()):
            item = self.flex_table.item(r, 1)
            try:
                dose = float(item.text()) if item else float("nan")
                text = f"{dosing.rate_ml_per_day_for_dose(dose, self.concentration):.4g}"
            except ValueError:
                text = "?"
            volume = self.flex_table.item(r, 2)
            if volume is not None:  # every row is made with its three cells
                volume.setText(text)
        self.flex_table.blockSignals(False)
        self._mark_flex_cells()

    # ----- load / read -----
    def set_concentration(self, conc_per_ml: float) -> None:
        self.concentration = conc_per_ml
        self.continuous.set_concentration(conc_per_ml)
        self.periodic_basal.set_concentration(conc_per_ml)
        self._update_flex_volumes()

    def set_mode(self, mode) -> None:
        """Load a settings Mode (pydantic model or dict); None means stopped."""
        data = mode.model_dump() if hasattr(mode, "model_dump") else dict(mode or {"type": "stopped"})
        kind = data.get("type", "stopped")
        u = self.unit
        self.blockSignals(True)
        self.mode_combo.setCurrentText(kind)
        if kind == "continuous":
            self.continuous.set_dose(data.get(f"dose_{u}_per_day") or 0.0)
        elif kind == "flex":
            self.flex_table.setRowCount(0)
            for step in data.get("steps", []):
                self.add_flex_step(step["start"], step.get(f"dose_{u}_per_day") or 0.0)
        elif kind == "periodic":
            self.periodic_basal.set_dose(data.get(f"dose_{u}_per_day") or 0.0)
            self.periodic_bolus.setValue(data.get(f"bolus_dose_{u}") or 0.0)
            self.periodic_interval.setValue(data.get("interval_h") or 24.0)
            self.periodic_duration.setValue(data.get("bolus_duration_min") or 0.0)
            self.periodic_first.setValue(data.get("first_bolus_after_min") or 0.0)
        self.pages.setCurrentIndex(MODES.index(kind))
        self.blockSignals(False)

    def mode_dict(self) -> dict[str, Any]:
        """The pending mode as action parameters; raw text (flex cells) is passed on for the
        action model to accept or refuse."""
        u = self.unit
        kind = self.mode_combo.currentText()
        if kind == "continuous":
            return {"type": "continuous", f"dose_{u}_per_day": self.continuous.dose.value()}
        if kind == "flex":
            steps = []
            for r in range(self.flex_table.rowCount()):
                start = cell_text(self.flex_table, r, 0).strip()
                text = cell_text(self.flex_table, r, 1).strip()
                try:
                    dose: Any = float(text)
                except ValueError:
                    dose = text
                steps.append({"start": start, f"dose_{u}_per_day": dose})
            return {"type": "flex", "steps": steps}
        if kind == "periodic":
            out: dict[str, Any] = {
                "type": "periodic",
                f"dose_{u}_per_day": self.periodic_basal.dose.value(),
                f"bolus_dose_{u}": self.periodic_bolus.value(),
                "interval_h": self.periodic_interval.value(),
                "first_bolus_after_min": self.periodic_first.value(),
            }
            if self.periodic_duration.value() > 0:
                out["bolus_duration_min"] = self.periodic_duration.value()
            return out
        return {"type": "stopped"}

    def _mode_changed(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self._mark_flex_cells()
        self.changed.emit()

    def pending_problems_text(self) -> str:
        """Why the pending flex schedule cannot be sent (empty when it can, or when not flex)."""
        if self.mode_combo.currentText() != "flex":
            return ""
        self._mark_flex_cells()
        return self.flex_problems_label.text()
