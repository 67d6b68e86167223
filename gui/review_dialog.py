"""The review before a transmit: every setting that changes, old -> new with its unit, and the
check's findings; nothing is sent until the user confirms (as real clinician programmers do).

`confirm_review` builds the dialog and runs it through `run_dialog`, which tests replace (the
GUI tests' conftest accepts by default, as a user pressing Send would)."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.session import Change, fmt_value
from gui.tables import cell_text

COLUMNS = ["setting", "old", "new", "unit"]


class ReviewDialog(QDialog):
    """Lists the changes and findings of one pending transmit; Send accepts, Cancel rejects."""

    def __init__(self, parent: QWidget | None, title: str, device_id: str, action: str, changes: list[Change], findings: list, note: str = ""):
        super().__init__(parent)
        self.setWindowTitle(f"Review before sending: {title}")
        self.changes = list(changes)
        layout = QVBoxLayout(self)
        head = f"<b>{device_id}</b>: {action}" + (f" &mdash; {note}" if note else "")
        layout.addWidget(QLabel(head))
        if self.changes:
            layout.addWidget(QLabel(f"{len(self.changes)} setting(s) will change:"))
        else:
            layout.addWidget(QLabel("No setting changes: the device's settings already equal what would be sent."))
        self.table = QTableWidget(len(self.changes), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for r, c in enumerate(self.changes):
            for col, text in enumerate([c.setting, fmt_value(c.old), fmt_value(c.new), c.unit]):
                self.table.setItem(r, col, QTableWidgetItem(text))
        layout.addWidget(self.table)
        self.findings_label = QLabel()
        self.findings_label.setWordWrap(True)
        if findings:
            from gui.dialogs import describe_finding

            self.findings_label.setText("Check findings:<br>" + "<br>".join(f"<b>{f.level}</b>: {describe_finding(f)}" for f in findings))
        else:
            self.findings_label.setText("Check: no findings (within the device's limits).")
        layout.addWidget(self.findings_label)
        buttons = QDialogButtonBox()
        self.send_button = buttons.addButton("Send", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 200 + 24 * min(len(self.changes), 12))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table as text: (setting, old, new, unit) per row."""
        return [(cell_text(self.table, r, 0), cell_text(self.table, r, 1), cell_text(self.table, r, 2), cell_text(self.table, r, 3))
                for r in range(self.table.rowCount())]


def run_dialog(dialog: ReviewDialog) -> bool:
    """Run the review modally; True when the user pressed Send."""
    return dialog.exec() == QDialog.DialogCode.Accepted


def confirm_review(parent, title: str, device_id: str, action: str, changes: list[Change], findings: list, note: str = "") -> bool:
    dialog = ReviewDialog(parent, title, device_id, action, changes, findings, note)
    try:
        return bool(run_dialog(dialog))
    finally:
        dialog.hide()
        dialog.deleteLater()
