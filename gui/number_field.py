"""A number entry that shows bad input instead of dropping or clamping it.

`NumberField` is a line edit with its unit beside it. Whatever the user types stays as typed;
text that is not a number, or a number outside the allowed range, turns the field red and its
tooltip names the allowed range ("-5: below the minimum. Allowed: 0 to 100 mg/day"). Nothing is
clamped. `is_valid()` says whether the entry may be sent; the transmit path refuses to send while
a visible field of the form is invalid (`invalid_fields`).

It offers the subset of QDoubleSpinBox's interface the forms use (value, setValue, valueChanged,
setRange, setDecimals, decimals, setSingleStep, minimum, maximum, setSuffix), so `gui.limits.spin`
returns one.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from gui.limits import Limits

INVALID_STYLE = "QLineEdit { background: #fde7e7; border: 1px solid #b3261e; color: #b3261e; }"


def _plain(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class _StepEdit(QLineEdit):
    """A line edit whose Up / Down keys step the field by its step (as a spin box does)."""

    def __init__(self, field: NumberField):
        super().__init__()
        self._field = field

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._field.step_by(1 if event.key() == Qt.Key.Key_Up else -1)
            return
        super().keyPressEvent(event)


class NumberField(QWidget):
    """A bounded number entry with its unit; invalid entries are shown red, never clamped."""

    valueChanged = Signal(float)  # a new valid value (typed and confirmed, or set)

    def __init__(self, limits: Limits, unit: str, what: str, value: float | None = None, decimals: int = 3, parent: QWidget | None = None):
        super().__init__(parent)
        self.limits = limits
        self.unit = unit
        self.what = what
        self._decimals = decimals
        self._value = 0.0
        self._error = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.edit = _StepEdit(self)
        self.edit.setMinimumWidth(70)
        self.unit_label = QLabel(unit)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.unit_label)
        self.edit.textChanged.connect(self._text_changed)
        self.edit.editingFinished.connect(self._commit)
        start = value if value is not None else (limits.minimum if math.isfinite(limits.minimum) and not limits.min_exclusive else 0.0)
        self.setValue(start)

    # ----- the QDoubleSpinBox subset -----
    def value(self) -> float:
        """The number typed, even outside the range (the field is then red and the form is not sent:
        the number is what a check or a training record should see); the last valid value while
        the text is not a number."""
        parsed = self._parse(self.edit.text())
        return parsed if parsed is not None else self._value

    def is_number(self) -> bool:
        """The text is a number (maybe outside the range)."""
        return self._parse(self.edit.text()) is not None

    def setValue(self, value: float) -> None:
        value = round(float(value), self._decimals)
        self.edit.blockSignals(True)
        self.edit.setText(_plain(value, self._decimals))
        self.edit.blockSignals(False)
        self._validate()
        if not self._error and value != self._value:
            self._value = value
            self.valueChanged.emit(value)
        elif not self._error:
            self._value = value

    def setRange(self, minimum: float, maximum: float) -> None:
        self.limits = Limits(float(minimum), float(maximum), self.limits.step, False)
        self._validate()

    def setMinimum(self, minimum: float) -> None:
        self.setRange(minimum, self.limits.maximum)

    def setMaximum(self, maximum: float) -> None:
        self.setRange(self.limits.minimum, maximum)

    def minimum(self) -> float:
        return self.limits.minimum

    def maximum(self) -> float:
        return self.limits.maximum

    def setDecimals(self, decimals: int) -> None:
        self._decimals = int(decimals)

    def decimals(self) -> int:
        return self._decimals

    def setSingleStep(self, step: float) -> None:
        self.limits = Limits(self.limits.minimum, self.limits.maximum, float(step) if step else None, self.limits.min_exclusive)

    def setSuffix(self, suffix: str) -> None:
        self.unit = suffix.strip()
        self.unit_label.setText(self.unit)

    def setKeyboardTracking(self, _on: bool) -> None:  # compatibility: values are confirmed on editing finished
        pass

    def setAccelerated(self, _on: bool) -> None:
        pass

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        """Type `text` into the field and confirm it (as if the user pressed Enter)."""
        self.edit.setText(text)
        self._commit()

    def step_by(self, steps: int) -> None:
        """Up / Down: move a valid entry by `steps` steps (the limits' step, else one unit in the
        last decimal shown), never past the range."""
        if not self.is_valid():
            return
        step = self.limits.step or 10 ** (-self._decimals)
        new = round(self.value() + steps * step, self._decimals)
        if not self._problem(new):
            self.setValue(new)

    # ----- validity -----
    def is_valid(self) -> bool:
        return not self._error

    def error(self) -> str:
        """Why the entry is invalid ('' when it is valid)."""
        return self._error

    def allowed_text(self) -> str:
        lo, hi = self.limits.minimum, self.limits.maximum
        lo_t = "no minimum" if not math.isfinite(lo) else (f"more than {lo:g}" if self.limits.min_exclusive else f"{lo:g}")
        hi_t = "no maximum" if not math.isfinite(hi) else f"{hi:g}"
        return f"{lo_t} to {hi_t} {self.unit}".strip()

    def setToolTip(self, text: str) -> None:  # noqa: N802 (Qt name)
        self.what = text.split(". Allowed:")[0].rstrip(".") if text else self.what
        self._show()

    def _parse(self, text: str) -> float | None:
        t = text.strip()
        if self.unit and t.endswith(self.unit):
            t = t[: -len(self.unit)].strip()
        try:
            value = float(t.replace(",", "."))
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def _problem(self, value: float) -> str:
        lo, hi = self.limits.minimum, self.limits.maximum
        if value < lo or (self.limits.min_exclusive and value <= lo):
            return "below the minimum"
        if value > hi:
            return "above the maximum"
        return ""

    def _validate(self) -> None:
        text = self.edit.text().strip()
        value = self._parse(text)
        if text == "":
            self._error = "empty: enter a number"
        elif value is None:
            self._error = f"{text!r} is not a number"
        else:
            problem = self._problem(value)
            self._error = f"{text}: {problem}" if problem else ""
        self._show()

    def _show(self) -> None:
        allowed = f"Allowed: {self.allowed_text()}"
        if self.limits.step:
            allowed += f" in {self.limits.step:g} {self.unit} steps"
        if self._error and self.isEnabled():  # a disabled field (e.g. cycling off) is not sent: no red
            self.edit.setStyleSheet(INVALID_STYLE)
            tip = f"{self._error}. {allowed}. Not sent until corrected."
        else:
            self.edit.setStyleSheet("")
            tip = f"{self.what}. {allowed}"
        self.edit.setToolTip(tip)
        QWidget.setToolTip(self, tip)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.EnabledChange:
            self._show()

    def _text_changed(self, _text: str) -> None:
        self._validate()

    def _commit(self) -> None:
        self._validate()
        if self._error:
            return
        value = self._parse(self.edit.text())
        if value is not None and value != self._value:
            self._value = value
            self.valueChanged.emit(value)


def _in_form(field: NumberField, root: QWidget) -> bool:
    """The field is part of the form under `root`: shown, or on a wizard page not shown now (a
    field on a hidden page of a stacked editor, another mode, is not)."""
    from PySide6.QtWidgets import QWizardPage

    if field.isVisibleTo(root):
        return True
    w = field.parentWidget()
    while w is not None and w is not root:
        if isinstance(w, QWizardPage):
            return field.isVisibleTo(w)
        w = w.parentWidget()
    return False


def invalid_fields(root: QWidget) -> list[NumberField]:
    """The enabled number fields of the form under `root` whose entry is invalid."""
    return [f for f in root.findChildren(NumberField) if not f.is_valid() and f.isEnabled() and _in_form(f, root)]


def invalid_text(fields: list[NumberField]) -> str:
    return "\n".join(f"- {f.what}: {f.error()}. Allowed: {f.allowed_text()}" for f in fields)
