"""A list of one device's events as sentences (simulator/event_text.py), newest first.

Used for what a virtual patient says (SCS: reports, discomfort, diary; intrathecal: signs,
withdrawal, work-up results) - the app shows the event stream, it computes nothing of its own."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from simulator.event_text import describe, describe_elapsed


class DeviceEventList(QListWidget):
    """The events of `device_id` whose kind is in `kinds`, one sentence each, newest first; each
    item keeps its record (`records()`). Subclasses may style an item in `decorate`."""

    def __init__(self, device_id: str, kinds: frozenset[str] | set[str] | tuple[str, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.device_id = device_id
        self.kinds = frozenset(kinds)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)

    def show_records(self, records) -> None:
        """Show the sentences of `records` (all of a run), replacing what was shown."""
        self.clear()
        self.on_events(records)

    def on_events(self, records) -> None:
        """Add the sentences of new `records` at the top."""
        for r in records:
            if r.device == self.device_id and r.kind in self.kinds:
                item = QListWidgetItem(f"{describe_elapsed(r.t_s)}  {describe(r)}")
                item.setData(Qt.ItemDataRole.UserRole, r)
                self.decorate(item, r)
                self.insertItem(0, item)

    def decorate(self, item: QListWidgetItem, record) -> None:
        """Style `item` for `record` (default: nothing)."""

    def sentences(self) -> list[str]:
        """The lines shown, top (newest) first."""
        return [self.item(i).text() for i in range(self.count())]

    def records(self) -> list:
        """The event records shown, top (newest) first."""
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]
