"""Clinician settings of a stimulator beside the programmer: patient limits and program groups.

Each button sends one of the stimulator's own actions through the deliberate path (validate,
check, transmit): `record_threshold` (perception threshold, maximum tolerable), `max_tolerable_bypass`,
`set_patient_limits` (remote range, rate / pulse-width locks), `set_group`, `select_group`. What is
shown comes from the device (its stored programs, groups and bypass set).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.limits import range_step, spin
from gui.transmit import transmit


class PatientLimitsBox(QWidget):
    """Thresholds, MaxTol bypass, remote range and locks of the program selected in the programmer."""

    def __init__(self, programmer, parent: QWidget | None = None):
        super().__init__(parent)
        self.p = programmer
        amp = range_step(programmer.profile.amplitude_ma)
        form = QFormLayout(self)
        self.program_label = QLabel()
        form.addRow("Program", self.program_label)
        self.threshold = spin(amp, "mA", "Perception threshold to record (the amplitude at which the patient first feels stimulation)")
        b = QPushButton("Record")
        b.setToolTip("Record the perception threshold of this program (record_threshold, kind perception)")
        b.clicked.connect(lambda: self.record("perception"))
        self.threshold_button = b
        form.addRow("Perception threshold", self._row(self.threshold, b))
        self.maxtol = spin(amp, "mA", "Maximum tolerable amplitude (MaxTol) to record: the remote may not go above it unless bypassed")
        b = QPushButton("Record")
        b.setToolTip("Record the maximum tolerable amplitude of this program (record_threshold, kind max_tolerable)")
        b.clicked.connect(lambda: self.record("max_tolerable"))
        self.maxtol_button = b
        form.addRow("Max tolerable", self._row(self.maxtol, b))
        self.bypass = QCheckBox("clinician bypass of MaxTol")
        self.bypass.setToolTip("Let the patient remote go above the recorded maximum tolerable amplitude (up to the patient maximum)")
        self.bypass.clicked.connect(self.send_bypass)
        form.addRow("", self.bypass)
        self.rate_locked = QCheckBox("rate locked")
        self.rate_locked.setToolTip("The patient remote may not change the rate (Hz)")
        self.pw_locked = QCheckBox("pulse width locked")
        self.pw_locked.setToolTip("The patient remote may not change the pulse width (us)")
        form.addRow("Patient remote", self._row(self.rate_locked, self.pw_locked))
        self.limits_button = QPushButton("Send remote limits (min / max from the program form)")
        self.limits_button.setToolTip("Send the patient min / max of the program form (mA) and these locks (set_patient_limits)")
        self.limits_button.clicked.connect(self.send_limits)
        form.addRow("", self.limits_button)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        form.addRow(self.summary)

    @staticmethod
    def _row(*widgets) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        for x in widgets:
            row.addWidget(x)
        return w

    def show_program(self) -> None:
        snap = self.p.device.snapshot()
        name = self.p.selected_name()
        prog = snap.programs.get(name)
        if prog is None:
            return
        self.program_label.setText(name)
        self.threshold.setValue(prog.perception_threshold_ma if prog.perception_threshold_ma is not None else prog.amplitude_ma)
        self.maxtol.setValue(prog.max_tolerable_ma if prog.max_tolerable_ma is not None else prog.amplitude_ma)
        bypass = name in snap.maxtol_bypass_programs
        self.bypass.setChecked(bypass)
        self.rate_locked.setChecked(prog.patient_rate_locked)
        self.pw_locked.setChecked(prog.patient_pulse_width_locked)
        pt = "not recorded" if prog.perception_threshold_ma is None else f"{prog.perception_threshold_ma:g} mA"
        mt = "not recorded" if prog.max_tolerable_ma is None else f"{prog.max_tolerable_ma:g} mA"
        pmax = "device maximum" if prog.patient_max_ma is None else f"{prog.patient_max_ma:g} mA"
        top = prog.remote_top_ma(self.p.device.profile.amplitude_ma.max, bypass)
        self.summary.setText(f"Recorded: perception {pt}, MaxTol {mt}{' (bypassed)' if bypass else ''}.\n"
                             f"Remote range {prog.patient_min_ma:g} mA to {pmax}; the remote reaches at most {top:g} mA.")

    def _send(self, action: str, params: dict, title: str) -> bool:
        ok = bool(transmit(self, self.p.runner, self.p.device_id, action, params, title))
        self.p.reload_programs()
        return ok

    def record(self, kind: str) -> bool:
        amp = self.threshold.value() if kind == "perception" else self.maxtol.value()
        return self._send("record_threshold", {"program": self.p.selected_name(), "kind": kind, "amplitude_ma": round(amp, 6)},
                          "Perception threshold" if kind == "perception" else "Maximum tolerable")

    def send_bypass(self) -> bool:
        return self._send("max_tolerable_bypass", {"program": self.p.selected_name(), "enabled": self.bypass.isChecked()}, "MaxTol bypass")

    def send_limits(self) -> bool:
        values = self.p.editor.values()
        params = {"program": self.p.selected_name(), "patient_min_ma": values["patient_min_ma"], "rate_locked": self.rate_locked.isChecked(),
                  "pulse_width_locked": self.pw_locked.isChecked()}
        if values["patient_max_ma"] is None:
            params["clear_patient_max"] = True
        else:
            params["patient_max_ma"] = values["patient_max_ma"]
        return self._send("set_patient_limits", params, "Patient remote limits")


class GroupsBox(QWidget):
    """Program groups (programs run together, interleaved): store one, run one."""

    def __init__(self, programmer, parent: QWidget | None = None):
        super().__init__(parent)
        self.p = programmer
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. back and legs")
        self.name_edit.setToolTip("Group name: letters, digits, space, _ . - (up to 40)")
        form.addRow("Group name", self.name_edit)
        layout.addLayout(form)
        self.members = QListWidget()
        self.members.setToolTip(f"Tick the programs (areas) of the group; they run interleaved. This stimulator stores up to "
                                f"{programmer.profile.max_groups} groups of up to {programmer.profile.max_areas} programs")
        self.members.setMaximumHeight(90)
        layout.addWidget(self.members)
        row = QHBoxLayout()
        self.store_button = QPushButton("Store group")
        self.store_button.setToolTip("Store the group on the stimulator (set_group)")
        self.store_button.clicked.connect(self.store)
        self.store_run_button = QPushButton("Store and run")
        self.store_run_button.setToolTip("Store the group and run it now (set_group with activate)")
        self.store_run_button.clicked.connect(lambda: self.store(activate=True))
        row.addWidget(self.store_button)
        row.addWidget(self.store_run_button)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.group_combo = QComboBox()
        self.group_combo.setToolTip("Stored groups")
        self.run_button = QPushButton("Run group")
        self.run_button.setToolTip("Run the chosen group's programs interleaved (select_group)")
        self.run_button.clicked.connect(self.run_group)
        row.addWidget(self.group_combo, 1)
        row.addWidget(self.run_button)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def show_device(self) -> None:
        snap = self.p.device.snapshot()
        ticked = {self.members.item(i).text() for i in range(self.members.count()) if self.members.item(i).checkState() == Qt.CheckState.Checked}
        self.members.clear()
        for name in snap.programs:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in ticked else Qt.CheckState.Unchecked)
            self.members.addItem(item)
        current = self.group_combo.currentText()
        self.group_combo.clear()
        self.group_combo.addItems(list(snap.groups))
        if current in snap.groups:
            self.group_combo.setCurrentText(current)
        self.run_button.setEnabled(bool(snap.groups))
        groups = "; ".join(f"{g}: {', '.join(m)}" for g, m in snap.groups.items()) or "none stored"
        self.status.setText(f"Running: {', '.join(snap.active_programs) or 'nothing'}"
                            + (f" (group {snap.active_group})" if snap.active_group else "") + f".\nGroups: {groups}.")

    def ticked(self) -> list[str]:
        return [self.members.item(i).text() for i in range(self.members.count()) if self.members.item(i).checkState() == Qt.CheckState.Checked]

    def _send(self, action: str, params: dict, title: str) -> bool:
        ok = bool(transmit(self, self.p.runner, self.p.device_id, action, params, title))
        self.p.reload_programs()
        return ok

    def store(self, activate: bool = False) -> bool:
        return self._send("set_group", {"name": self.name_edit.text().strip(), "programs": self.ticked(), "activate": activate}, "Program group")

    def run_group(self) -> bool:
        return self._send("select_group", {"name": self.group_combo.currentText()}, "Run group")
