"""The parameter form of one stimulation program: pulse, waveform, cycling, ramps, patient limits.

Ranges and steps come from the stimulator profile (RangeStep) or, for fields the profile does not
limit, from the Program model's own field constraints. The form edits a pending copy; it never
touches the device.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from gui.limits import Limits, field_range, range_step, spin
from simulator.scs.program import Burst, Cycling, Program

WAVEFORM_LABELS = {"tonic": "tonic", "burst": "burst", "high_frequency": "high frequency"}


class ProgramEditor(QWidget):
    changed = Signal()

    def __init__(self, profile, parent: QWidget | None = None):
        super().__init__(parent)
        self.profile = profile
        self._loading = False
        self._patient_max_unset = True
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        pulse = QGroupBox("Pulse")
        form = QFormLayout(pulse)
        self.name_edit = QLineEdit()
        self.name_edit.setToolTip("Program name: letters, digits, space, _ . - (up to 40)")
        form.addRow("Name", self.name_edit)
        self.waveform = QComboBox()
        for w in profile.waveforms:
            self.waveform.addItem(WAVEFORM_LABELS.get(w, w), w)
        self.waveform.setToolTip("Waveform kind offered by this stimulator")
        form.addRow("Waveform", self.waveform)
        self.amplitude = spin(range_step(profile.amplitude_ma), "mA", "Amplitude (total cathodic current)")
        form.addRow("Amplitude", self.amplitude)
        self.pulse_width = spin(range_step(profile.pulse_width_us), "us", "Pulse width of the cathodic phase", decimals=0)
        form.addRow("Pulse width", self.pulse_width)
        self.rate = spin(range_step(profile.rate_hz), "Hz", "Pulse rate (burst: burst repetition rate)", decimals=0)
        form.addRow("Rate", self.rate)
        self.charge_balance = QComboBox()
        self.charge_balance.addItems(list(profile.charge_balance))
        self.charge_balance.setToolTip("active: a driven second phase of equal charge; passive: capacitor recovery")
        form.addRow("Charge balance", self.charge_balance)
        gap_limits = range_step(profile.interphase_gap_us) if profile.interphase_gap_us else None
        self.gap = spin(gap_limits or Limits(0, 0, 1), "us", "Gap between the two phases", decimals=0)
        self.gap.setEnabled(gap_limits is not None)
        form.addRow("Interphase gap", self.gap)
        outer.addWidget(pulse)

        self.burst_box = QGroupBox("Burst")
        bform = QFormLayout(self.burst_box)
        bl = profile.burst
        self.pulses_per_burst = QSpinBox()
        if bl:
            self.pulses_per_burst.setRange(int(bl.pulses_per_burst.min), int(bl.pulses_per_burst.max))
            self.pulses_per_burst.setSingleStep(int(bl.pulses_per_burst.step))
            self.pulses_per_burst.setToolTip(f"Pulses in each burst. Allowed: {range_step(bl.pulses_per_burst).text('pulses')}")
        bform.addRow("Pulses per burst", self.pulses_per_burst)
        self.intra_rate = spin(range_step(bl.intra_burst_rate_hz) if bl else field_range(Burst, "intra_burst_rate_hz"), "Hz", "Pulse rate inside a burst", decimals=0)
        bform.addRow("Intra-burst rate", self.intra_rate)
        outer.addWidget(self.burst_box)

        timing = QGroupBox("Cycling and ramps")
        tform = QFormLayout(timing)
        self.cycling = QCheckBox("cycle on / off")
        self.cycling.setToolTip("Stimulate in on/off cycles instead of continuously")
        tform.addRow(self.cycling)
        row = QHBoxLayout()
        self.on_s = spin(field_range(Cycling, "on_s"), "s", "On time per cycle", decimals=1)
        self.off_s = spin(field_range(Cycling, "off_s"), "s", "Off time per cycle", decimals=1)
        row.addWidget(self.on_s)
        row.addWidget(self.off_s)
        tform.addRow("On / off", row)
        ramps = QHBoxLayout()
        self.soft_start = spin(field_range(Program, "soft_start_s"), "s", "Soft start: amplitude ramp at each start", decimals=1)
        self.soft_stop = spin(field_range(Program, "soft_stop_s"), "s", "Soft stop: amplitude ramp at each stop", decimals=1)
        ramps.addWidget(self.soft_start)
        ramps.addWidget(self.soft_stop)
        tform.addRow("Ramp up / down", ramps)
        outer.addWidget(timing)

        patient = QGroupBox("Patient remote limits")
        pform = QFormLayout(patient)
        amp = range_step(profile.amplitude_ma)
        self.patient_min = spin(amp, "mA", "Lowest amplitude the patient may select")
        self.patient_max = spin(amp, "mA", "Highest amplitude the patient may select (maximum tolerable)")
        prow = QHBoxLayout()
        prow.addWidget(self.patient_min)
        prow.addWidget(self.patient_max)
        pform.addRow("Min / max", prow)
        outer.addWidget(patient)
        outer.addStretch(1)

        for w in (self.amplitude, self.pulse_width, self.rate, self.gap, self.intra_rate, self.on_s, self.off_s, self.soft_start, self.soft_stop, self.patient_min, self.patient_max):
            w.valueChanged.connect(self._emit)
        self.pulses_per_burst.valueChanged.connect(self._emit)
        self.waveform.currentIndexChanged.connect(self._waveform_changed)
        self.charge_balance.currentIndexChanged.connect(self._emit)
        self.cycling.toggled.connect(self._cycling_toggled)
        self.name_edit.textEdited.connect(self._emit)
        self._waveform_changed()

    # ----- load / read -----
    def set_program(self, program: Program) -> None:
        self._loading = True
        try:
            self.name_edit.setText(program.name)
            self.waveform.setCurrentIndex(max(self.waveform.findData(program.waveform), 0))
            self._apply_rate_limits()
            self.amplitude.setValue(program.amplitude_ma)
            self.pulse_width.setValue(program.pulse_width_us)
            self.rate.setValue(program.rate_hz)
            self.charge_balance.setCurrentText(program.charge_balance)
            self.gap.setValue(program.interphase_gap_us)
            if program.burst:
                self.pulses_per_burst.setValue(program.burst.pulses_per_burst)
                self.intra_rate.setValue(program.burst.intra_burst_rate_hz)
            self.cycling.setChecked(program.cycling is not None)
            if program.cycling:
                self.on_s.setValue(program.cycling.on_s)
                self.off_s.setValue(program.cycling.off_s)
            self.soft_start.setValue(program.soft_start_s)
            self.soft_stop.setValue(program.soft_stop_s)
            self.patient_min.setValue(program.patient_min_ma)
            self._patient_max_unset = program.patient_max_ma is None
            self.patient_max.setValue(program.patient_max_ma if program.patient_max_ma is not None else self.profile.amplitude_ma.max)
            self._cycling_toggled(program.cycling is not None, emit=False)
        finally:
            self._loading = False

    def values(self) -> dict[str, Any]:
        """The form as Program fields (without contacts)."""
        wf = self.waveform.currentData()
        out: dict[str, Any] = {
            "name": self.name_edit.text().strip(),
            "waveform": wf,
            "amplitude_ma": round(self.amplitude.value(), 6),
            "pulse_width_us": self.pulse_width.value(),
            "rate_hz": self.rate.value(),
            "charge_balance": self.charge_balance.currentText(),
            "interphase_gap_us": self.gap.value(),
            "soft_start_s": self.soft_start.value(),
            "soft_stop_s": self.soft_stop.value(),
            "patient_min_ma": round(self.patient_min.value(), 6),
            "patient_max_ma": round(self.patient_max.value(), 6),
        }
        if self._patient_max_unset and out["patient_max_ma"] == self.profile.amplitude_ma.max:
            out["patient_max_ma"] = None  # left at "no maximum below the profile's"
        if wf == "burst":
            out["burst"] = {"pulses_per_burst": self.pulses_per_burst.value(), "intra_burst_rate_hz": self.intra_rate.value()}
        if self.cycling.isChecked():
            out["cycling"] = {"on_s": self.on_s.value(), "off_s": self.off_s.value()}
        return out

    # ----- reactions -----
    def _emit(self, *_):
        if not self._loading:
            self.changed.emit()

    def _apply_rate_limits(self) -> None:
        wf = self.waveform.currentData()
        p = self.profile
        if wf == "high_frequency" and p.high_frequency_rate_hz is not None:
            lim = range_step(p.high_frequency_rate_hz)
            what = "Pulse rate (high frequency)"
        elif wf == "burst" and p.burst is not None:
            lim = range_step(p.burst.burst_rate_hz)
            what = "Burst repetition rate"
        else:
            lim = range_step(p.rate_hz)
            what = "Pulse rate"
        self.rate.blockSignals(True)
        self.rate.setRange(lim.minimum, lim.maximum)
        self.rate.setSingleStep(lim.step or 1)
        self.rate.setToolTip(f"{what}, Hz. Allowed: {lim.text('Hz')}")
        self.rate.blockSignals(False)
        self.burst_box.setVisible(wf == "burst")

    def _waveform_changed(self, *_):
        self._apply_rate_limits()
        self._emit()

    def _cycling_toggled(self, on: bool, emit: bool = True) -> None:
        self.on_s.setEnabled(on)
        self.off_s.setEnabled(on)
        if emit:
            self._emit()
