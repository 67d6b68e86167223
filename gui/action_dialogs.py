"""Small dialogs for the device actions that have no form of their own.

Pump: clinician single bolus, priming bolus, bridge bolus, MRI scan (with the profile's MRI
conditions, the override and the post-scan recovery delay). Stimulator: MRI mode (with the
profile's conditions), closed-loop settings, posture and cough.

Each dialog gathers the action's parameters in `NumberField`s (bad entries shown red, never
clamped) and sends them through the deliberate path (`gui.transmit.transmit`: validate, check,
confirm warnings, apply), so a refusal, a warning and an override are what the device says. The
dialog closes when the device accepts the action and stays open otherwise. Tests call `send()`.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.limits import field_range, spin
from gui.transmit import transmit
from simulator.engine import ActionResult


class ActionDialog(QDialog):
    """A form for one action of one device, with a Send button."""

    action = ""
    title = ""

    def __init__(self, runner, device_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.device_id = device_id
        self.result_: ActionResult | None = None
        self.setWindowTitle(f"{self.title} ({device_id})")
        layout = QVBoxLayout(self)
        self.about = QLabel()
        self.about.setWordWrap(True)
        layout.addWidget(self.about)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = self.buttons.addButton("Send", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setToolTip("Check, then send this to the device")
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    @property
    def device(self):
        return self.runner.sim.devices[self.device_id]

    def params(self) -> dict[str, Any]:
        return {}

    def send(self, action: str | None = None, params: dict[str, Any] | None = None):
        """Send the action (checked, warnings confirmed by the user); close when accepted."""
        name = action or self.action
        self.result_ = transmit(self, self.runner, self.device_id, name, self.params() if params is None else params, self.title)
        if self.result_ and action is None:
            self.accept()
        return self.result_


# ----------------------------------------------------------------------------- pump
class SingleBolusDialog(ActionDialog):
    action = "single_bolus"
    title = "Clinician single bolus"

    def __init__(self, runner, device_id: str, parent: QWidget | None = None):
        super().__init__(runner, device_id, parent)
        from simulator.pump.settings import SingleBolusParams

        snap = self.device.snapshot()
        u = snap.drug_unit
        self.unit = u
        self.about.setText(f"A one-off bolus of {snap.drug_name} ({snap.concentration_per_ml:g} {u}/mL) on top of the program. "
                           "It counts against the drug's rolling 24 h maximum.")
        self.dose = spin(field_range(SingleBolusParams, f"dose_{u}"), u, "Dose of the bolus", decimals=4, value=0)
        self.form.addRow("Dose", self.dose)
        self.at_pump_rate = QCheckBox("as fast as the pump's bolus rate allows")
        self.at_pump_rate.setChecked(True)
        self.form.addRow("", self.at_pump_rate)
        self.duration = spin(field_range(SingleBolusParams, "duration_min"), "min", "Time over which the bolus is delivered", decimals=1, value=30)
        self.duration.setEnabled(False)
        self.at_pump_rate.toggled.connect(lambda on: self.duration.setEnabled(not on))
        self.form.addRow("Duration", self.duration)

    def params(self):
        out: dict[str, Any] = {f"dose_{self.unit}": self.dose.value()}
        if not self.at_pump_rate.isChecked():
            out["duration_min"] = self.duration.value()
        return out


class PrimingBolusDialog(ActionDialog):
    action = "priming_bolus"
    title = "Priming bolus"

    def __init__(self, runner, device_id: str, parent: QWidget | None = None):
        super().__init__(runner, device_id, parent)
        from simulator.pump.settings import PrimingParams

        dev = self.device
        dead_volume_ml = dev.snapshot().dead_volume_ml
        self.about.setText(f"Pushes drug through the pump tubing and catheter at the priming rate ({dev.profile.priming_rate_ml_per_h:g} mL/h), "
                           f"replacing the program until it is done (after an implant, a catheter revision or an empty reservoir). "
                           f"Whatever drug the dead volume holds reaches the patient at priming speed.")
        self.whole = QCheckBox(f"the dead volume (pump tubing and catheter, {dead_volume_ml:.3g} mL)")
        self.whole.setChecked(True)
        self.form.addRow("Volume", self.whole)
        self.volume = spin(field_range(PrimingParams, "volume_ml"), "mL", "Volume to prime", decimals=3, value=dead_volume_ml)
        self.volume.setEnabled(False)
        self.whole.toggled.connect(lambda on: self.volume.setEnabled(not on))
        self.form.addRow("", self.volume)

    def params(self):
        return {} if self.whole.isChecked() else {"volume_ml": self.volume.value()}


class BridgeBolusDialog(ActionDialog):
    action = "bridge_bolus"
    title = "Bridge bolus"

    def __init__(self, runner, device_id: str, parent: QWidget | None = None):
        super().__init__(runner, device_id, parent)
        snap = self.device.snapshot()
        self.about.setText(f"After a change of concentration, runs the old drug left in the pump tubing and catheter "
                           f"({snap.dead_volume_ml:.3g} mL) out at the rate that keeps the programmed dose, then returns to the program. "
                           "Give it right after the refill (the refill screen can start it too).")


class PumpMriDialog(ActionDialog):
    action = "mri"
    title = "MRI scan"

    def __init__(self, runner, device_id: str, parent: QWidget | None = None):
        super().__init__(runner, device_id, parent)
        from simulator.pump.settings import MriParams as Params

        p = self.device.profile
        self.about.setText("<b>This pump's MRI conditions (profile):</b><br>" + "<br>".join(pump_mri_conditions(p)))
        self.duration = spin(field_range(Params, "duration_min"), "min", "Time in the scanner (strong field)", decimals=1, value=30)
        self.form.addRow("Time in the scanner", self.duration)
        self.field = spin(field_range(Params, "field_t"), "T", "Static field strength", decimals=2, value=1.5)
        self.form.addRow("Field strength", self.field)
        self.default_delay = QCheckBox("recovery delay drawn from the profile")
        self.default_delay.setChecked(True)
        self.delay = spin(field_range(Params, "recovery_delay_h"), "h", "Delay after the scan before infusion returns (motor pumps)", decimals=1, value=0)
        self.delay.setEnabled(False)
        self.default_delay.toggled.connect(lambda on: self.delay.setEnabled(not on))
        if p.mri_behaviour == "stops_during_scan":
            self.form.addRow("After the scan", self.default_delay)
            self.form.addRow("", self.delay)
        else:
            self.default_delay.hide()
            self.delay.hide()
        self.override = QCheckBox("scan although the conditions are not met (the consequences are simulated)")
        self.form.addRow("Override", self.override)

    def params(self):
        out: dict[str, Any] = {"duration_min": self.duration.value(), "field_t": self.field.value()}
        if self.delay.isVisibleTo(self) and not self.default_delay.isChecked():
            out["recovery_delay_h"] = self.delay.value()
        if self.override.isChecked():
            out["override"] = True
        return out


def pump_mri_conditions(p) -> list[str]:
    """The pump profile's MRI conditions, in words."""
    behaviour = {
        "stops_during_scan": "the motor stops in the field and restarts after the scan (possibly after a delay)",
        "valve_closes_until_reset": "the flow-activated valve closes and stays closed until the pump is reset",
        "valves_open_discharge": "the valves may open: the reservoir must be emptied before the scan",
        "unaffected": "flow is unaffected (no motor or valve)",
    }.get(p.mri_behaviour, p.mri_behaviour)
    out = [f"In the scanner: {behaviour}."]
    out.append(f"Strongest static field: {p.mri_max_field_t:g} T." if p.mri_max_field_t else "No field-strength condition in the model.")
    if p.mri_requires_empty_reservoir:
        out.append("The reservoir must be emptied before the scan.")
    out.append("Outside the conditions the pump " + ("refuses the scan unless overridden." if p.mri_condition_policy == "refuse" else "warns."))
    if p.mri_behaviour == "stops_during_scan" and p.mri_recovery_delay_h_max > 0:
        out.append(f"After the scan the motor may need {p.mri_recovery_delay_h_min:g} to {p.mri_recovery_delay_h_max:g} h to recover "
                   f"(chance {p.mri_recovery_delay_probability * 100:g} %).")
    if p.mri_telemetry_lock_when_alarming:
        out.append("A pump alarming in the scanner resumes only when interrogated.")
    return out


# ----------------------------------------------------------------------------- stimulator
class StimulatorMriDialog(ActionDialog):
    action = "mri_mode"
    title = "MRI mode"

    def __init__(self, runner, device_id: str, parent: QWidget | None = None):
        super().__init__(runner, device_id, parent)
        m = self.device.profile.mri
        lines = ["MRI conditional" if m.conditional else "NOT MRI conditional: MRI mode is not available",
                 f"battery at least {m.min_battery_pct:g} %" if m.min_battery_pct else "no battery condition",
                 "every contact's impedance within range (no open or short)" if m.require_impedance_ok else "no impedance condition"]
        self.about.setText("This stimulator's MRI conditions (profile): " + "; ".join(lines) + ". MRI mode turns stimulation off until it is turned off again.")
        self.state = QLabel()
        self.form.addRow("Now", self.state)
        self.show_state()

    def show_state(self) -> None:
        snap = self.device.snapshot()
        faulty = snap.faulty_contacts
        self.state.setText(("MRI mode is ON" if snap.mri_mode else "MRI mode is off")
                           + f"; battery {snap.battery_pct:.0f} %; "
                           + ("contacts out of range: " + ", ".join(f"{k} ({v})" for k, v in faulty.items()) if faulty else "every contact within range"))
        self.send_button.setText("Turn MRI mode off" if snap.mri_mode else "Turn MRI mode on")

    def params(self):
        return {"on": not self.device.snapshot().mri_mode}


class ClosedLoopDialog(ActionDialog):
    action = "set_closed_loop"
    title = "Closed loop"

    def __init__(self, runner, device_id: str, parent: QWidget | None = None):
        super().__init__(runner, device_id, parent)
        from simulator.scs.settings import ClosedLoopParams

        dev = self.device
        loop = dev.snapshot().closed_loop  # None: this stimulator has no closed loop
        self.about.setText("Closed loop adjusts the amplitude so the measured ECAP stays at its target as the cord moves "
                           "(an educational model). " + ("" if dev.profile.closed_loop is not None else "This stimulator has no closed loop."))
        self.enabled = QCheckBox("closed loop on")
        self.enabled.setChecked(loop is not None and loop.enabled)
        self.form.addRow("", self.enabled)
        target = loop.target_uv if loop is not None else 30.0
        self.target = spin(field_range(ClosedLoopParams, "target_uv"), "uV", "ECAP target", decimals=1, value=target)
        self.form.addRow("ECAP target", self.target)

    def params(self):
        return {"enabled": self.enabled.isChecked(), "target_uv": self.target.value()}


class PostureDialog(ActionDialog):
    action = "posture"
    title = "Posture and cough"

    def __init__(self, runner, device_id: str, parent: QWidget | None = None):
        super().__init__(runner, device_id, parent)
        from typing import get_args

        from simulator.scs.settings import PostureParams

        self.about.setText("The patient changes posture or coughs: the lead's distance to the cord changes, and so does the "
                           "recruitment (closed loop follows it; open loop does not).")
        self.posture = QComboBox()
        for name in get_args(PostureParams.model_fields["posture"].annotation):
            self.posture.addItem(name)
        self.posture.setCurrentText(self.device.snapshot().posture)
        self.form.addRow("Posture", self.posture)
        row = QHBoxLayout()
        self.cough_button = QPushButton("Cough")
        self.cough_button.setToolTip("The patient coughs (a brief change of the lead's distance)")
        self.cough_button.clicked.connect(self.cough)
        row.addWidget(self.cough_button)
        row.addStretch(1)
        self.form.addRow("", row)

    def params(self):
        return {"posture": self.posture.currentText()}

    def cough(self):
        return self.send("cough", {})


#: Dialog per button label, for the programmers.
PUMP_DIALOGS = {"Single bolus...": SingleBolusDialog, "Priming...": PrimingBolusDialog, "Bridge bolus...": BridgeBolusDialog, "MRI...": PumpMriDialog}
STIMULATOR_DIALOGS = {"MRI mode...": StimulatorMriDialog, "Closed loop...": ClosedLoopDialog, "Posture / cough...": PostureDialog}


def open_dialog(cls, runner, device_id: str, parent: QWidget):
    """Open a dialog (non-modal, deleted when closed) and return it."""
    dialog = cls(runner, device_id, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
