"""The pump programmer: status (drug, reservoir gauge, predicted dates), the dosing-mode editor,
patient bolus settings and button, the low-reservoir threshold, and the refill wizard.

Edits are pending until Transmit; Check shows the pump's findings (dose limits, rates).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.match_label import show_changed_underneath, show_matches, show_pending
from gui.limits import Limits, field_range, spin
from gui.mode_editor import ModeEditor
from gui.session import pump_mode_dict
from gui.transmit import check_findings, transmit
from simulator.errors import InputError
from simulator.pump.settings import PatientBolusSettings
from simulator.units import describe_elapsed


#: The patient's work-up tests offered at the pump programmer (the MRI has its own pump action).
PUMP_WORKUP_TESTS = ("cap_aspiration", "contrast_study", "rotor_study", "refill_discrepancy")


def fmt_time(sim, t_s: float | None) -> str:
    """A predicted time: calendar time, how far from now, and the elapsed time since the start."""
    if t_s is None:
        return "not predicted"
    return f"{sim.calendar_time(t_s):%Y-%m-%d %H:%M} (in {(t_s - sim.now) / 86400:.1f} d; elapsed {describe_elapsed(t_s)})"


def _when(sim, t_s: float) -> str:
    return f"{sim.calendar_time(t_s):%Y-%m-%d %H:%M}"


#: Within this many seconds of now, a predicted moment is "now" (the alarm is due at this instant).
NOW_TOL_S = 1e-3


def interrogation_text(sim, dev, now_s: float) -> dict[str, str]:
    """What the interrogation panel shows, from the pump's public queries only (no figure is
    computed here): drug, reservoir, low-reservoir line, empty line, delivery, battery.

    A moment already passed says when it happened (the alarm sounding since); a moment due at this
    very instant says so; a pump without electronics has a calculated refill reminder, not an alarm."""
    u = dev.drug_unit
    snap = dev.snapshot()
    electronic = dev.profile.programmable
    out: dict[str, str] = {"drug": f"{snap.drug_name} {snap.concentration_per_ml:g} {u}/mL"}
    adm = snap.admixture  # a mixture's second drug: named beside the first, its dose beside the rate
    if adm is not None:
        out["drug"] += f" + {adm.drug_name} {adm.concentration_per_ml:g} {adm.drug_unit}/mL (mixture)"
    low_name = "alarm" if electronic else "refill reminder (calculated: the pump has no electronics)"
    empty_since = dev.empty_reached_t_s()
    empty_at = dev.predicted_empty_t_s()
    empty_now = empty_since is None and empty_at is not None and empty_at <= now_s + NOW_TOL_S
    if empty_since is not None:
        empty = f"empty since {_when(sim, empty_since)} (empty-reservoir {'alarm sounding' if electronic else 'reminder active'})"
    elif empty_now:
        empty = "empty now (the empty-reservoir alarm is due at this instant)"
    elif empty_at is not None:
        empty = fmt_time(sim, empty_at)
    elif dev.current_rate_ml_per_day() <= 0:
        empty = "not predicted: no flow"
    else:
        empty = "not within the prediction horizon"
    out["empty"] = empty
    low_since = dev.low_reservoir_reached_t_s()
    low_at = dev.predicted_low_reservoir_t_s()
    head = f"threshold {snap.low_reservoir_threshold_ml:g} mL; "
    if low_since is not None:
        low = head + f"reached {_when(sim, low_since)} ({low_name} {'sounding' if electronic else 'active'})"
    elif low_at is not None and low_at <= now_s + NOW_TOL_S:
        low = head + f"reached now ({low_name} due at this instant)"
    elif low_at is not None:
        low = head + f"{low_name} {fmt_time(sim, low_at)}"
    elif empty_since is not None or empty_now:
        low = head + "passed (the reservoir is empty)"
    elif dev.current_rate_ml_per_day() <= 0:
        low = head + "not predicted: no flow"
    else:
        low = head + "below the threshold (alarm acknowledged or cleared)"
    out["low"] = low
    rate = dev.current_rate_ml_per_day()
    what = "fixed rate: gas-driven, not programmable" if not electronic else snap.mode_name
    out["rate"] = f"{rate:.4g} mL/day = {dev.current_drug_rate_per_day():.4g} {u}/day ({what})"
    if adm is not None:  # each drug reaching the patient now (the dead volume holds the old mixture for a while)
        out["rate"] = (f"{rate:.4g} mL/day = {dev.current_drug_rate_per_day():.4g} {u}/day {snap.drug_name} + "
                       f"{adm.drug_rate_per_day:.4g} {adm.drug_unit}/day {adm.drug_name} ({what})")
    pct = dev.battery_pct_at(now_s)
    out["battery"] = "no battery" if pct is None else f"{pct:.1f} %"
    return out


class PumpStatus(QGroupBox):
    """Drug, concentration, reservoir gauge, predicted low / empty dates, rate, battery."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Interrogation", parent)
        grid = QGridLayout(self)
        self.drug = QLabel()
        self.gauge = QProgressBar()
        self.gauge.setToolTip("Reservoir volume (mL) the pump calculates, against the reservoir capacity")
        self.low = QLabel()
        self.empty = QLabel()
        self.rate = QLabel()
        self.battery = QLabel()
        for w in (self.low, self.empty, self.rate):
            w.setWordWrap(True)
        rows = [("Drug", self.drug), ("Reservoir", self.gauge), ("Low reservoir", self.low), ("Predicted empty", self.empty), ("Delivering", self.rate), ("Battery", self.battery)]
        for r, (name, widget) in enumerate(rows):
            grid.addWidget(QLabel(name + ":"), r, 0)
            grid.addWidget(widget, r, 1)
        grid.setColumnStretch(1, 1)

    def refresh(self, sim, dev, now_s: float) -> None:
        text = interrogation_text(sim, dev, now_s)
        self.drug.setText(text["drug"])
        cap = dev.profile.reservoir_capacity_ml
        if dev.profile.programmable:
            volume = dev.expected_reservoir_ml_at(now_s)
            self.gauge.setToolTip("Reservoir volume (mL) the pump calculates, against the reservoir capacity")
        else:  # no electronics: nothing is calculated on board; the model's volume is shown
            volume = dev.reservoir_ml_at(now_s)
            self.gauge.setToolTip("Reservoir volume (mL) in the model (the pump has no electronics to calculate it)")
        self.gauge.setRange(0, int(round(cap * 100)))
        self.gauge.setValue(int(round(volume * 100)))
        self.gauge.setFormat(f"{volume:.2f} of {cap:g} mL")
        self.low.setText(text["low"])
        self.empty.setText(text["empty"])
        self.rate.setText(text["rate"])
        self.battery.setText(text["battery"])


class PatientBolusEditor(QGroupBox):
    """Patient-activated bolus settings (dose, duration, lockout, maximum a day)."""

    def __init__(self, unit: str, parent: QWidget | None = None):
        super().__init__("Patient bolus settings", parent)
        self.unit = unit
        self.form = form = QFormLayout(self)
        self.enabled = QCheckBox("patient may give boluses")
        self.enabled.setToolTip("Allow boluses from the patient's handheld")
        form.addRow(self.enabled)
        self.dose = spin(field_range(PatientBolusSettings, f"dose_{unit}"), unit, "Dose of one patient bolus", decimals=4)
        form.addRow("Dose", self.dose)
        self.duration = spin(field_range(PatientBolusSettings, "duration_min"), "min", "Time over which one bolus is delivered", decimals=1, value=10)
        form.addRow("Duration", self.duration)
        self.lockout = spin(field_range(PatientBolusSettings, "lockout_min"), "min", "Shortest time from one bolus start to the next", decimals=0, value=120)
        form.addRow("Lockout", self.lockout)
        lim = field_range(PatientBolusSettings, "max_per_day")
        self.max_per_day = QSpinBox()
        self.max_per_day.setRange(int(lim.minimum), int(lim.maximum))
        self.max_per_day.setSuffix(" per day")
        self.max_per_day.setToolTip(f"Most boluses in any 24 h. Allowed: {lim.text('per day')}")
        form.addRow("Maximum", self.max_per_day)
        self.enabled.toggled.connect(self._enable)
        self._enable(False)

    def _enable(self, on: bool) -> None:
        for w in (self.dose, self.duration, self.lockout, self.max_per_day):
            w.setEnabled(on)

    def load(self, settings) -> None:
        self.enabled.setChecked(settings is not None and settings.enabled)
        if settings is not None:
            self.dose.setValue(getattr(settings, f"dose_{self.unit}") or 0.0)
            self.duration.setValue(settings.duration_min)
            self.lockout.setValue(settings.lockout_min)
            self.max_per_day.setValue(settings.max_per_day)

    def params(self) -> dict[str, Any]:
        if not self.enabled.isChecked():
            return {"patient_bolus": None}
        return {"patient_bolus": {f"dose_{self.unit}": self.dose.value(), "duration_min": self.duration.value(), "lockout_min": self.lockout.value(), "max_per_day": self.max_per_day.value()}}


class PumpProgrammer(QWidget):
    def __init__(self, sim, device_id: str, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.device_id = device_id
        dev = sim.devices[device_id]
        self.unit = dev.drug_unit
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.status = PumpStatus()
        layout.addWidget(self.status)

        prog = QGroupBox("Dosing program (pending until transmitted)")
        pl = QVBoxLayout(prog)
        self.mode_editor = ModeEditor(dev.profile, self.unit)
        pl.addWidget(self.mode_editor)
        self.pending_label = QLabel()
        pl.addWidget(self.pending_label)
        buttons = QHBoxLayout()
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Check the pending program against the pump's and the drug's limits")
        self.transmit_button = QPushButton("Transmit")
        self.transmit_button.setToolTip("Check, then send the pending program to the pump (Ctrl+T)")
        self.transmit_button.setShortcut("Ctrl+T")
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Discard the pending edits")
        for b in (self.check_button, self.transmit_button, self.revert_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        pl.addLayout(buttons)
        layout.addWidget(prog)

        self.patient_editor = PatientBolusEditor(self.unit)
        pb = QHBoxLayout()
        self.patient_send = QPushButton("Transmit patient settings")
        self.patient_send.setToolTip("Check, then send the patient bolus settings")
        pb.addWidget(self.patient_send)
        self.patient_editor.form.addRow(pb)
        layout.addWidget(self.patient_editor)

        row = QHBoxLayout()
        self.patient_bolus_button = QPushButton("Patient presses bolus")
        self.patient_bolus_button.setToolTip("What the patient's handheld does: a bolus, unless inside the lockout or over the daily maximum")
        row.addWidget(self.patient_bolus_button)
        self.interrogate_button = QPushButton("Interrogate")
        self.interrogate_button.setToolTip("Read the pump. After an MRI this also ends telemetry: a pump that was alarming in the scanner resumes only when interrogated")
        row.addWidget(self.interrogate_button)
        self.refill_button = QPushButton("Refill...")
        self.refill_button.setToolTip("Refill wizard: aspirate and compare, fill, concentration change and bridge bolus, confirm (Ctrl+R)")
        self.refill_button.setShortcut("Ctrl+R")
        row.addWidget(self.refill_button)
        row.addStretch(1)
        self.threshold_label = QLabel("Low-reservoir alarm at")
        row.addWidget(self.threshold_label)
        p = dev.profile
        self.threshold = spin(Limits(p.low_reservoir_min_ml, p.low_reservoir_max_ml, 0.5), "mL", "Reservoir volume at which the low-reservoir alarm sounds", decimals=1, value=dev.low_reservoir_threshold_ml())
        row.addWidget(self.threshold)
        self.threshold_button = QPushButton("Set")
        self.threshold_button.setToolTip("Send the low-reservoir threshold to the pump")
        row.addWidget(self.threshold_button)
        layout.addLayout(row)
        self.action_buttons = self._action_buttons(p.programmable)  # single / priming / bridge bolus, MRI
        layout.addLayout(self.action_buttons_row)
        self.workup_box, self.workup_buttons = self._workup_group()
        if self.workup_box is not None:
            layout.addWidget(self.workup_box)
        self.gas_note = None
        if p.gas is not None and p.gas.coefficients_note:
            # the temperature/altitude model rests on illustrative figures: say so where the trainee looks
            self.gas_note = QLabel(f"Fever, altitude and pressure change this pump's flow in the model, using {p.gas.coefficients_note}.")
            self.gas_note.setWordWrap(True)
            layout.addWidget(self.gas_note)
        layout.addStretch(1)

        self.check_button.clicked.connect(self.check_pending)
        self.transmit_button.clicked.connect(self.transmit_pending)
        self.revert_button.clicked.connect(self.revert)
        self.patient_send.clicked.connect(self.transmit_patient_settings)
        self.patient_bolus_button.clicked.connect(self.patient_bolus)
        self.refill_button.clicked.connect(self.open_refill_wizard)
        self.interrogate_button.clicked.connect(self.interrogate)
        self.threshold_button.clicked.connect(self.set_threshold)
        self.mode_editor.changed.connect(lambda: self._set_pending(True))
        self.programmable = p.programmable
        self.pending = False
        self._baseline: dict[str, Any] | None = None
        self._device_sig: str | None = None
        self._patient_baseline: dict[str, Any] = {}
        self._threshold_shown = dev.low_reservoir_threshold_ml()  # the pump's threshold the spin box last showed
        for w in (prog, self.patient_editor, self.patient_bolus_button, self.interrogate_button):
            w.setEnabled(p.programmable)
        if not p.programmable:  # no electronics: no program to edit, no alarm threshold to set
            for widget in (prog, self.patient_editor, self.patient_bolus_button, self.interrogate_button, self.threshold, self.threshold_button, self.threshold_label):
                widget.setVisible(False)
        self.revert()

    @property
    def device(self):
        return self.runner.sim.devices[self.device_id]

    def _action_buttons(self, programmable: bool) -> dict:
        """A row of buttons opening the action dialogs (gui.action_dialogs); a pump without
        electronics has only the MRI."""
        from gui.action_dialogs import PUMP_DIALOGS

        self.action_buttons_row = QHBoxLayout()
        out = {}
        for label, cls in PUMP_DIALOGS.items():
            if not programmable and cls.action != "mri":
                continue
            b = QPushButton(label)
            b.setToolTip(f"{cls.title}: open its form, check and send")
            b.clicked.connect(lambda _=False, c=cls: self.open_action(c))
            self.action_buttons_row.addWidget(b)
            out[cls.action] = b
        self.action_buttons_row.addStretch(1)
        return out

    def linked_it_patient(self) -> str | None:
        """Id of the intrathecal patient linked to this pump in the scenario (its snapshot's
        `pump`), or None."""
        for device_id, dev in self.runner.sim.devices.items():
            if type(dev).kind == "intrathecal_patient" and dev.snapshot().pump == self.device_id:
                return device_id
        return None

    def _workup_group(self):
        """'Work-up (patient)': the linked intrathecal patient's `workup` tests that belong at the
        pump (port aspiration, contrast study, rotor study, refill discrepancy); None without a
        linked patient. The results are the patient's `patient.workup` events (its tab's panel)."""
        from gui.it_patient_view import WORKUP_LABELS

        patient_id = self.linked_it_patient()
        if patient_id is None:
            return None, {}
        self.workup_patient_id = patient_id
        box = QGroupBox(f"Work-up ({patient_id})" if patient_id == "patient" else f"Work-up (patient {patient_id})")
        row = QHBoxLayout(box)
        row.setContentsMargins(4, 4, 4, 4)
        buttons = {}
        for test in PUMP_WORKUP_TESTS:
            b = QPushButton(WORKUP_LABELS.get(test, test.replace("_", " ")))
            b.setToolTip(f"Run the work-up test '{test}' on {patient_id}; the result appears in the patient tab's panel")
            b.clicked.connect(lambda _=False, t=test: self.run_workup(t))
            row.addWidget(b)
            buttons[test] = b
        row.addStretch(1)
        return box, buttons

    def run_workup(self, test: str):
        """Send the linked patient's `workup` action (the app's deliberate path, gui.transmit)."""
        from gui.it_patient_view import WORKUP_LABELS

        return transmit(self, self.runner, self.workup_patient_id, "workup", {"test": test}, f"Work-up: {WORKUP_LABELS.get(test, test)}")

    def open_action(self, cls):
        from gui.action_dialogs import open_dialog

        dialog = open_dialog(cls, self.runner, self.device_id, self)
        dialog.accepted.connect(self.revert)
        return dialog

    def _set_pending(self, pending: bool) -> None:
        self.pending = pending
        self.show_match_state()

    def revert(self) -> None:
        snap = self.device.snapshot()
        self.mode_editor.set_concentration(snap.concentration_per_ml)
        self.mode_editor.set_mode(self.current_mode_dict(snap))
        self.patient_editor.load(snap.patient_bolus)
        self._baseline = self.device_state(snap)
        self._device_sig = self._device_signature(snap)
        self._patient_baseline = self.patient_editor.params()
        self._set_pending(False)

    def current_mode_dict(self, snap=None) -> dict[str, Any]:
        """The pump's dosing mode in force, from its snapshot (the settings model it was given, a
        periodic mode's first bolus as the time to the next one), to load the editor."""
        return pump_mode_dict(self.device, snap)

    def _refuse_bad_cells(self, title: str) -> bool:
        """True (and a message) when cells of the flex table are invalid: nothing is checked or sent."""
        problems = self.mode_editor.pending_problems_text()
        if problems:
            dialogs.inform(self, f"{title}: fix the marked cells", "The flex schedule has invalid cells (marked red):\n" + problems)
            return True
        return False

    def check_pending(self) -> None:
        if self._refuse_bad_cells("Check"):
            return
        try:
            findings = check_findings(self.runner.sim, self.device_id, "program", {"mode": self.mode_editor.mode_dict()})
        except InputError as exc:
            dialogs.show_input_error(self, "Check: invalid entry", exc)
            return
        if not findings:
            dialogs.inform(self, "Check", "No findings: the program is within the pump's and the drug's limits.", QMessageBox.Icon.Information)
        else:
            dialogs.inform(self, "Check", "\n".join(f"{f.level}: {dialogs.describe_finding(f)}" for f in findings))

    def transmit_pending(self) -> bool:
        if self._refuse_bad_cells("Pump program"):
            return False
        result = transmit(self, self.runner, self.device_id, "program", {"mode": self.mode_editor.mode_dict()}, "Pump program")
        if result:
            self._set_pending(False)
        return bool(result)

    def transmit_patient_settings(self) -> bool:
        return bool(transmit(self, self.runner, self.device_id, "set_patient_bolus", self.patient_editor.params(), "Patient bolus settings"))

    def patient_bolus(self) -> bool:
        return bool(transmit(self, self.runner, self.device_id, "patient_bolus", {}, "Patient bolus"))

    def interrogate(self) -> bool:
        """Interrogate the pump (ends a post-MRI telemetry state)."""
        return bool(transmit(self, self.runner, self.device_id, "interrogate", {}, "Interrogation"))

    def set_threshold(self) -> bool:
        return bool(transmit(self, self.runner, self.device_id, "set_low_reservoir_threshold", {"threshold_ml": self.threshold.value()}, "Low-reservoir threshold"))

    def open_refill_wizard(self):
        from gui.refill_wizard import RefillWizard

        wizard = RefillWizard(self.runner, self.device_id, self)
        wizard.finished.connect(self._wizard_finished)
        wizard.open()
        return wizard

    def _wizard_finished(self, _result: int) -> None:
        self.revert()
        wizard = self.sender()
        if wizard is not None:
            wizard.deleteLater()

    def refresh(self, now_s: float) -> None:
        self.sync_with_device()
        self.status.refresh(self.runner.sim, self.device, now_s)

    # ----- following the device -----
    # The form follows the pump whatever changed it (a timeline refill with a new concentration,
    # a jump, an open, an exercise start): without edits it reloads; with edits it keeps them and
    # says the pump changed underneath, showing both. "Matches" is shown only when true.
    def device_state(self, snap=None) -> dict[str, Any]:
        """The pump's settings the form shows: concentration (unit/mL) and dosing mode, from its
        snapshot (`snap`, taken now when None)."""
        snap = snap or self.device.snapshot()
        return {"concentration_per_ml": snap.concentration_per_ml, "mode": normalised_mode(self.current_mode_dict(snap))}

    def form_state(self) -> dict[str, Any]:
        """The form's settings in the shape of `device_state`."""
        return {"concentration_per_ml": self.mode_editor.concentration, "mode": normalised_mode(self.mode_editor.mode_dict())}

    def form_matches_device(self) -> bool:
        return self.form_state() == self.device_state()

    def _device_signature(self, snap=None) -> str:
        """What the form follows on the pump (concentration, mode, patient bolus, threshold), from
        its snapshot (`snap`, taken now when None)."""
        snap = snap or self.device.snapshot()
        return repr((snap.concentration_per_ml, self.current_mode_dict(snap), snap.patient_bolus, snap.low_reservoir_threshold_ml))

    def device_changed_under_edits(self) -> bool:
        return bool(getattr(self, "pending", False)) and self._baseline is not None and self.device_state() != self._baseline

    def sync_with_device(self) -> bool:
        """Follow the pump: reload (no edits) or flag the change (edits kept); True if it changed."""
        snap = self.device.snapshot()  # one snapshot for the whole comparison (the form only reads)
        sig = self._device_signature(snap)
        if sig == self._device_sig:
            return False
        if not self.pending:
            if self.patient_editor.params() == self._patient_baseline:
                self.revert()
            else:  # the patient settings the user started are kept; the rest follows the pump
                self.mode_editor.set_concentration(snap.concentration_per_ml)
                self.mode_editor.set_mode(self.current_mode_dict(snap))
                self._baseline = self.device_state(snap)
                self._device_sig = sig
                self._set_pending(False)
        else:
            self._device_sig = sig
            self.mode_editor.set_concentration(snap.concentration_per_ml)  # volumes shown at the pump's concentration
            self.show_match_state()
        if self.threshold.value() == self._threshold_shown:  # not edited: follow the pump
            self.threshold.setValue(snap.low_reservoir_threshold_ml)
        self._threshold_shown = snap.low_reservoir_threshold_ml
        return True

    def on_events(self, records) -> None:
        if any(r.device == self.device_id for r in records):
            self.sync_with_device()

    def show_match_state(self) -> None:
        """The label under the form: matches (only when true), pending, or changed underneath."""
        if not self.pending and self.form_matches_device():
            show_matches(self.pending_label, "Matches the pump's program")
        elif self.device_changed_under_edits():
            show_changed_underneath(self.pending_label, "The pump's program", f"Pump now: {describe_mode(self.device_state(), self.unit)}",
                                    describe_mode(self.form_state(), self.unit), "the pump's")
        else:
            show_pending(self.pending_label)


def normalised_mode(mode: dict[str, Any]) -> dict[str, Any]:
    """A mode dict comparable between the form and the pump: numbers rounded to the form's 4
    decimals, zero optional fields dropped."""
    out: dict[str, Any] = {}
    for k, v in mode.items():
        if k == "steps":
            out[k] = [normalised_mode(step) for step in v]
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            if k in ("first_bolus_after_min", "bolus_duration_min") and not v:
                continue
            out[k] = round(float(v), 4)
        else:
            out[k] = v
    return out


def describe_mode(state: dict[str, Any], unit: str) -> str:
    """'continuous 2 mg/day at 20 mg/mL' and the like."""
    mode = state["mode"]
    kind = mode.get("type", "stopped")
    conc = f" at {state['concentration_per_ml']:g} {unit}/mL"
    if kind in ("continuous", "periodic"):
        text = f"{kind} {mode.get(f'dose_{unit}_per_day', 0):g} {unit}/day"
        if kind == "periodic":
            text += f" + {mode.get(f'bolus_dose_{unit}', 0):g} {unit} every {mode.get('interval_h', 0):g} h"
        return text + conc
    if kind == "flex":
        return "flex " + ", ".join(f"{s['start']} {s.get(f'dose_{unit}_per_day')} {unit}/day" for s in mode.get("steps", [])) + conc
    return "stopped" + conc
