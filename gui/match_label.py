"""The label under a programmer's form: whether the form matches the device, holds pending edits,
or was overtaken by a change of the device underneath the edits (both shown)."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

MATCHES_STYLE = "color: #2e7d32"
PENDING_STYLE = "color: #8a5a00; font-weight: bold"
CHANGED_STYLE = "color: #b00020; font-weight: bold"


def show_matches(label: QLabel, text: str) -> None:
    """The form equals the device (say so only when it is true)."""
    _show(label, text, MATCHES_STYLE, "")


def show_pending(label: QLabel) -> None:
    """The form holds edits not yet transmitted."""
    _show(label, "Pending edits: not yet transmitted", PENDING_STYLE, "")


def show_changed_underneath(label: QLabel, what: str, now_text: str, edits_text: str, whose: str) -> None:
    """The device changed while the user edited: keep the edits, show both."""
    text = (f"{what} changed while you were editing: your edits are kept. "
            f"{now_text}. Your edits: {edits_text}. Revert loads {whose}; Transmit sends yours.")
    label.setWordWrap(True)
    _show(label, text, CHANGED_STYLE, text)


def _show(label: QLabel, text: str, style: str, tooltip: str) -> None:
    label.setText(text)
    label.setStyleSheet(style)
    label.setToolTip(tooltip)
