"""The intrathecal trial / screening bolus dialog of the intrathecal patient tab.

It sends the patient's `trial_bolus` action (simulator/patient/it_settings.py TrialBolus: drug,
dose in the drug's unit, observation in h) through the app's deliberate path (gui.transmit). The
bolus goes by lumbar puncture, not through the pump. After the observation the device records a
`patient.workup` event (test `trial`); the dialog shows that result when the event arrives (the
patient model is an approximation for teaching).
"""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.limits import field_range, spin
from gui.transmit import transmit
from simulator.event_kinds import K
from simulator.event_text import describe
from simulator.patient.conversions import TRIAL_BOLUS_MG
from simulator.patient.it_settings import TrialBolus
from simulator.units import describe_elapsed

HOUR_S = 3600.0


class TrialBolusDialog(QDialog):
    """Drug, dose and observation of a trial bolus; Give sends it; the result follows the events."""

    def __init__(self, runner, device_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self.device_id = runner, device_id
        self.setWindowTitle(f"Intrathecal trial bolus ({device_id})")
        snap = runner.sim.devices[device_id].snapshot()
        self.units = {d.drug: d.unit for d in snap.drugs}
        form = QFormLayout()
        self.drug_combo = QComboBox()
        self.drug_combo.addItems(list(self.units))
        self.drug_combo.setToolTip("A drug the patient profile responds to")
        form.addRow("Drug", self.drug_combo)
        self.dose = spin(field_range(TrialBolus, "dose"), "mg", "Trial dose by lumbar puncture, in the drug's unit", decimals=3)
        form.addRow("Dose", self.dose)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        form.addRow(self.hint)
        self.observe = spin(field_range(TrialBolus, "observe_h"), "h", "Observation before the assessment (>= 6 h for opioids)", decimals=1,
                            value=TrialBolus.model_fields["observe_h"].default)
        form.addRow("Observe for", self.observe)
        self.give_button = QPushButton("Give trial bolus")
        self.give_button.setToolTip("Check, then give the bolus now; the assessment follows after the observation")
        self.give_button.clicked.connect(lambda: self.give())
        self.status = QLabel("No trial given yet.")
        self.status.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(QLabel("The patient model is an approximation for teaching."))
        col.addLayout(form)
        col.addWidget(self.give_button)
        col.addWidget(self.status)
        col.addWidget(self.result_label)
        col.addWidget(buttons)
        self.given_t_s: float | None = None
        self.due_t_s: float | None = None
        self.result_record = None
        self.drug_combo.currentTextChanged.connect(self._drug_changed)
        self._drug_changed()
        self.setMinimumWidth(520)

    def _drug_changed(self, *_):
        drug = self.drug_combo.currentText()
        unit = self.units.get(drug, "mg")
        self.dose.setSuffix(f" {unit}")
        if drug in TRIAL_BOLUS_MG:
            lo, hi = TRIAL_BOLUS_MG[drug]
            self.dose.setValue(lo)
            self.hint.setText(f"Usual trial {lo:g}-{hi:g} mg ([?] default range; low end opioid-naive, high end tolerant).")
        else:
            self.hint.setText(f"Give the dose in {unit}.")

    def params(self) -> dict:
        return {"drug": self.drug_combo.currentText(), "dose": self.dose.value(), "observe_h": self.observe.value()}

    def give(self):
        """Send the trial bolus; returns the result (None when nothing was sent)."""
        params = self.params()
        result = transmit(self, self.runner, self.device_id, "trial_bolus", params, "Trial bolus")
        if result:
            self.given_t_s = self.runner.sim.now
            self.due_t_s = self.given_t_s + params["observe_h"] * HOUR_S
            self.result_record = None
            unit = self.units.get(params["drug"], "")
            self.status.setText(f"Given {params['dose']:g} {unit} {params['drug']} at {describe_elapsed(self.given_t_s)}; "
                                f"assessment at {describe_elapsed(self.due_t_s)} (run the time on).")
            self.result_label.setText("")
            self.adjustSize()
        return result

    def on_events(self, records) -> None:
        """Show the assessment (the `patient.workup` event, test `trial`) of the bolus given."""
        if self.given_t_s is None:
            return
        for r in records:
            if (r.device == self.device_id and r.kind == K.PATIENT_WORKUP and r.payload.get("test") == "trial"
                    and r.t_s >= self.given_t_s):
                self.result_record = r
                self.result_label.setText(f"Result ({r.payload.get('result')}): {describe(r)}")
                self.adjustSize()
