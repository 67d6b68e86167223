"""Threshold recording by asking the virtual patient as the amplitude rises.

The clinician's workflow: start the program at 0 mA, raise it in small steps (0.1 or 0.5 mA) and
ask the patient each time; the patient says "nothing", "I feel it (where)" or "it is
uncomfortable". At the first "I feel it" the clinician records the perception threshold, at the
first "uncomfortable" the discomfort (recorded as the program's maximum tolerable amplitude),
then sets the patient's remote range between the two.

Nothing is computed here. Every step is one of the devices' own actions through the app's
deliberate path (`gui.transmit`: validate, check, review in a session, apply): the stimulator's
`set_amplitude`, `record_threshold` (kinds `perception` and `max_tolerable`) and
`set_patient_limits`, and the patient's `ask`. What is shown is read back from the snapshots
(the stimulator's program: amplitude, recorded thresholds, remote range; the patient's
`ProgramFeel`: strength and regions); the patient's own sentences (`patient.report` events) appear
in the tab's "Patient says".
APPROXIMATION FOR TEACHING: the patient's answers come from the toy model of `simulator.patient`.
"""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QPushButton, QWidget

from gui import dialogs
from gui.transmit import transmit

#: The amplitude steps offered, mA.
STEPS_MA = (0.1, 0.5)


def short_answer(feel) -> str:
    """'nothing', 'I feel it (light) in: ...' or 'uncomfortable' from the patient's ProgramFeel."""
    if feel is None or feel.strength == "nothing":
        return "nothing"
    where = ", ".join(r.replace("_", " ") for r in feel.regions) or "somewhere"
    if feel.uncomfortable:
        return f"it is uncomfortable (in: {where})"
    return f"I feel it ({feel.strength}) in: {where}"


class ThresholdRecorder(QWidget):
    """Start at 0 mA, step up, ask; record perception and discomfort; set the remote range between them."""

    def __init__(self, sim, patient_id: str, runner=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.sim, self.patient_id, self.runner = sim, patient_id, runner
        self.stim_id = sim.devices[patient_id].snapshot().stimulator
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        self.program = QComboBox()
        self.program.setToolTip("The running program whose thresholds are recorded")
        self.program.currentIndexChanged.connect(lambda _i: self.refresh())
        self.step = QComboBox()
        for s in STEPS_MA:
            self.step.addItem(f"+{s:g} mA", s)
        self.step.setToolTip("How much each 'Step up' raises the amplitude")
        self.amplitude = QLabel()
        grid.addWidget(QLabel("Program"), 0, 0)
        grid.addWidget(self.program, 0, 1)
        grid.addWidget(QLabel("Step"), 0, 2)
        grid.addWidget(self.step, 0, 3)
        grid.addWidget(self.amplitude, 0, 4, 1, 2)
        self.zero_button = QPushButton("Start at 0 mA")
        self.zero_button.setToolTip("Set the program's amplitude to 0 mA (set_amplitude)")
        self.zero_button.clicked.connect(self.start_at_zero)
        self.up_button = QPushButton("Step up")
        self.up_button.setToolTip("Raise the amplitude by the chosen step (set_amplitude)")
        self.up_button.clicked.connect(self.step_up)
        self.ask_button = QPushButton("Ask the patient")
        self.ask_button.setToolTip("Ask what they feel now (the patient's 'ask' action)")
        self.ask_button.clicked.connect(self.ask)
        grid.addWidget(self.zero_button, 1, 0, 1, 2)
        grid.addWidget(self.up_button, 1, 2, 1, 2)
        grid.addWidget(self.ask_button, 1, 4, 1, 2)
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self.answer.setObjectName("threshold-answer")
        self.answer.setStyleSheet("QLabel#threshold-answer { font-weight: bold; padding: 2px; background: #eef4ff; }")
        grid.addWidget(self.answer, 2, 0, 1, 6)
        self.perception_button = QPushButton("Record perception here")
        self.perception_button.setToolTip("Record the present amplitude as the perception threshold (record_threshold, kind perception)")
        self.perception_button.clicked.connect(lambda: self.record("perception"))
        self.discomfort_button = QPushButton("Record discomfort here")
        self.discomfort_button.setToolTip("Record the present amplitude as where it becomes uncomfortable: the program's maximum tolerable "
                                          "amplitude (record_threshold, kind max_tolerable); the remote may not go above it")
        self.discomfort_button.clicked.connect(lambda: self.record("max_tolerable"))
        self.range_button = QPushButton("Set remote range between them")
        self.range_button.setToolTip("Patient remote from the recorded perception threshold to the recorded discomfort (set_patient_limits)")
        self.range_button.clicked.connect(self.set_range)
        grid.addWidget(self.perception_button, 3, 0, 1, 2)
        grid.addWidget(self.discomfort_button, 3, 2, 1, 2)
        grid.addWidget(self.range_button, 3, 4, 1, 2)
        self.recorded = QLabel()
        self.recorded.setWordWrap(True)
        grid.addWidget(self.recorded, 4, 0, 1, 6)
        for c in range(6):
            grid.setColumnStretch(c, 1)
        self.refresh()

    # ----- reading -----
    def program_name(self) -> str | None:
        return self.program.currentText() or None

    def stim_snapshot(self):
        return self.sim.devices[self.stim_id].snapshot()

    def feel(self, patient_snap=None):
        """The patient's ProgramFeel for the chosen program (None when it is not running)."""
        name = self.program_name()
        snap = patient_snap if patient_snap is not None else self.sim.devices[self.patient_id].snapshot()
        return next((f for f in snap.programs if f.program == name), None)

    def amplitude_ma(self) -> float | None:
        prog = self.stim_snapshot().programs.get(self.program_name() or "")
        return None if prog is None else prog.amplitude_ma

    def refresh(self, now_s: float | None = None, stim_snap=None, patient_snap=None) -> None:
        """Show the present state; the caller may pass the snapshots it has just read."""
        snap = stim_snap if stim_snap is not None else self.stim_snapshot()
        running = list(snap.active_programs)
        if [self.program.itemText(i) for i in range(self.program.count())] != running:
            keep = self.program.currentText()
            self.program.blockSignals(True)
            self.program.clear()
            self.program.addItems(running)
            if keep in running:
                self.program.setCurrentText(keep)
            self.program.blockSignals(False)
        name = self.program_name()
        prog = snap.programs.get(name or "")
        enabled = prog is not None
        for b in (self.zero_button, self.up_button, self.ask_button, self.perception_button, self.discomfort_button, self.range_button):
            b.setEnabled(enabled)
        if prog is None:
            self.amplitude.setText("no program running")
            self.answer.setText("Start a program on the stimulator to record its thresholds.")
            self.recorded.setText("")
            return
        self.amplitude.setText(f"now {prog.amplitude_ma:g} mA{'' if snap.stimulating else ' (stimulation off)'}")
        self.answer.setText(f"Patient at {prog.amplitude_ma:g} mA: {short_answer(self.feel(patient_snap))}")
        pt = "not recorded" if prog.perception_threshold_ma is None else f"{prog.perception_threshold_ma:g} mA"
        mt = "not recorded" if prog.max_tolerable_ma is None else f"{prog.max_tolerable_ma:g} mA"
        top = "device maximum" if prog.patient_max_ma is None else f"{prog.patient_max_ma:g} mA"
        self.recorded.setText(f"Recorded on {name}: perception {pt}, discomfort (max tolerable) {mt}. Remote range {prog.patient_min_ma:g} mA to {top}.")

    # ----- acting (every change is a device action through gui.transmit) -----
    def _send(self, device_id: str, action: str, params: dict, title: str) -> bool:
        if self.runner is None:
            return False
        ok = bool(transmit(self, self.runner, device_id, action, params, title))
        self.sim.devices[self.patient_id].snapshot()  # the patient answers the change at once (its report event)
        self.runner.step(0.0)  # hand the new events (the patient's report) to the views
        self.refresh()
        return ok

    def set_amplitude(self, amplitude_ma: float) -> bool:
        return self._send(self.stim_id, "set_amplitude", {"program": self.program_name(), "amplitude_ma": round(amplitude_ma, 6)}, "Threshold: amplitude")

    def start_at_zero(self) -> bool:
        return self.set_amplitude(0.0)

    def step_up(self) -> bool:
        amp = self.amplitude_ma()
        return amp is not None and self.set_amplitude(amp + float(self.step.currentData()))

    def ask(self) -> bool:
        return self._send(self.patient_id, "ask", {}, "Ask the patient")

    def record(self, kind: str) -> bool:
        amp = self.amplitude_ma()
        if amp is None:
            return False
        title = "Perception threshold" if kind == "perception" else "Discomfort (maximum tolerable)"
        return self._send(self.stim_id, "record_threshold", {"program": self.program_name(), "kind": kind, "amplitude_ma": amp}, title)

    def set_range(self) -> bool:
        prog = self.stim_snapshot().programs.get(self.program_name() or "")
        if prog is None or prog.perception_threshold_ma is None or prog.max_tolerable_ma is None:
            dialogs.inform(self, "Remote range", "Record the perception threshold and the discomfort first: the remote range goes between them.")
            return False
        return self._send(self.stim_id, "set_patient_limits", {"program": prog.name, "patient_min_ma": prog.perception_threshold_ma,
                                                                "patient_max_ma": prog.max_tolerable_ma}, "Patient remote range")
