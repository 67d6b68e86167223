"""Message boxes used across the app: errors, input problems and check findings.

All boxes are parented to a widget and closed by the user; tests replace `ask` / `inform`
through monkeypatching, so nothing here runs a modal loop in a test.
"""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QMessageBox, QWidget

from simulator.device import Finding
from simulator.errors import InputError


def inform(parent: QWidget | None, title: str, text: str, icon=QMessageBox.Icon.Warning) -> None:
    """Show a message; the user closes it."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextInteractionFlags(box.textInteractionFlags())
    box.exec()
    box.deleteLater()


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """Yes / No question; True for Yes."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    answer = box.exec()
    box.deleteLater()
    return answer == QMessageBox.StandardButton.Yes


def show_input_error(parent: QWidget | None, title: str, exc: InputError) -> None:
    inform(parent, title, "\n".join(str(i) for i in exc.issues))


def describe_finding(f: Finding) -> str:
    extra = []
    if f.limit:
        extra.append(f"limit: {f.limit}")
    if f.value is not None:
        extra.append(f"value: {_fmt(f.value)}")
    if f.allowed is not None:
        extra.append(f"allowed: {_fmt(f.allowed)}")
    return f.message + (f" ({'; '.join(extra)})" if extra else "")


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def confirm_findings(parent: QWidget | None, findings: Iterable[Finding]) -> bool:
    """Apply the profile's policy to check findings before a transmit.

    A `refuse` finding blocks (a message naming the limit; returns False). Only `warn`
    findings: the user is asked whether to continue. No findings: True.
    """
    findings = list(findings)
    refusals = [f for f in findings if f.level == "refuse"]
    warnings = [f for f in findings if f.level != "refuse"]
    if refusals:
        text = "The device would refuse this program:\n\n" + "\n".join("- " + describe_finding(f) for f in refusals)
        if warnings:
            text += "\n\nAlso:\n" + "\n".join("- " + describe_finding(f) for f in warnings)
        inform(parent, "Refused by the device's limits", text, QMessageBox.Icon.Critical)
        return False
    if warnings:
        text = "The check found:\n\n" + "\n".join("- " + describe_finding(f) for f in warnings) + "\n\nTransmit anyway?"
        return ask(parent, "Check warnings", text)
    return True
