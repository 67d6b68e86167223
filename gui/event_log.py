"""The event log: every event record of the run in a table, filtered by device and kind.

Alarm repeats are recorded coalesced: one `alarm.repeats` row per stretch of repeats (first
repeat, interval, count), written when the alarm is acknowledged or cleared or the run ends
(simulator.alarms), so the log grows with what happens, never with how long an alarm sounds.
The log hides those rows by default and counts the repeats they hold, plus the repeats sounded
but not yet recorded (`set_pending_repeats`, from the alarm boards), in its count label."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from simulator.event_text import describe, value_text
from simulator.events import EventRecord
from simulator.units import describe_elapsed
from simulator.event_kinds import K

ALL = "(all)"
REPEAT_KIND = K.ALARM_REPEAT  # one repeat (results written before repeats were coalesced)
REPEATS_KIND = K.ALARM_REPEATS  # coalesced repeats: payload count, first_t_s, interval_s
REPEAT_KINDS = (REPEAT_KIND, REPEATS_KIND)


def repeats_in(record: EventRecord) -> int:
    """How many alarm repeats a record stands for (0 for any other kind)."""
    if record.kind == REPEATS_KIND:
        return int(record.payload.get("count", 0) or 0)
    return 1 if record.kind == REPEAT_KIND else 0
COLUMNS = ["elapsed (d hh:mm:ss)", "calendar time", "device", "kind", "what happened"]


def payload_text(payload: dict) -> str:
    """The payload in words, one `name value unit` per key (the tooltip of a row): no raw data."""
    unit = str(payload.get("unit") or "")
    return "\n".join(value_text(str(k), v, unit) if k != "message" else str(v) for k, v in payload.items() if v is not None)


class EventTableModel(QAbstractTableModel):
    def __init__(self, start: datetime | None = None, parent=None):
        super().__init__(parent)
        self.records: list[EventRecord] = []
        self._sentences: dict[int, str] = {}  # row -> sentence, made when first needed
        self.start = start

    def sentence(self, row: int) -> str:
        text = self._sentences.get(row)
        if text is None:
            text = self._sentences[row] = describe(self.records[row])
        return text

    def reset(self, records: list[EventRecord], start: datetime | None) -> None:
        self.beginResetModel()
        self.records = list(records)
        self._sentences = {}
        self.start = start
        self.endResetModel()

    def append(self, records: list[EventRecord]) -> None:
        if not records:
            return
        first = len(self.records)
        self.beginInsertRows(QModelIndex(), first, first + len(records) - 1)
        self.records.extend(records)
        self.endInsertRows()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        rec = self.records[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return describe_elapsed(rec.t_s)
            if col == 1:
                if self.start is None:
                    return ""
                from datetime import timedelta

                # to the nearest second, as the elapsed column (describe_elapsed rounds): a
                # truncated calendar time could read a second earlier than the elapsed time beside it
                return (self.start + timedelta(seconds=round(rec.t_s))).strftime("%Y-%m-%d %H:%M:%S")
            if col == 2:
                return rec.device
            if col == 3:
                return rec.kind
            return self.sentence(index.row())
        if role == Qt.ItemDataRole.ToolTipRole and col == 4:
            return (self.sentence(index.row()) + "\n\n" + payload_text(rec.payload))[:2000]
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return f"t = {rec.t_s:.6g} s from the scenario start"
        return None


class EventFilter(QSortFilterProxyModel):
    """Keeps rows whose device and kind match; a kind ending in '*' matches a prefix.

    With `hide_repeats`, alarm repeat rows ('alarm.repeats', and 'alarm.repeat' in older runs)
    are left out unless a repeat kind is asked for by name; asking for either shows both."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.device: str | None = None
        self.kind: str | None = None
        self.hide_repeats = True
        self.search = ""  # lower-case text the sentence, kind or device must contain

    def set_filter(self, device: str | None, kind: str | None, hide_repeats: bool | None = None, search: str | None = None) -> None:
        hide = self.hide_repeats if hide_repeats is None else hide_repeats
        text = self.search if search is None else search.strip().lower()
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self.device, self.kind, self.hide_repeats, self.search = device, kind, hide, text
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.device, self.kind, self.hide_repeats, self.search = device, kind, hide, text
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:
        if not self._accepts(row):
            return False
        if self.search:
            model = self._events_model()
            rec = model.records[row]
            device_id: str = rec.device  # the record's device id (a string), not a device
            return self.search in model.sentence(row).lower() or self.search in rec.kind.lower() or self.search in device_id.lower()
        return True

    def _events_model(self) -> EventTableModel:
        """The source model: EventLog gives this filter an EventTableModel."""
        model = self.sourceModel()
        assert isinstance(model, EventTableModel)
        return model

    def _accepts(self, row: int) -> bool:
        rec = self._events_model().records[row]
        asked_for_repeats = self.kind in REPEAT_KINDS
        if self.hide_repeats and rec.kind in REPEAT_KINDS and not asked_for_repeats:
            return False
        if self.device is not None and rec.device != self.device:
            return False
        if self.kind is not None:
            if self.kind.endswith("*"):
                return rec.kind.startswith(self.kind[:-1])
            if asked_for_repeats:
                return rec.kind in REPEAT_KINDS
            return rec.kind == self.kind
        return True


class EventLog(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = EventTableModel()
        self.proxy = EventFilter(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        row = QHBoxLayout()
        row.addWidget(QLabel("Device:"))
        self.device_combo = QComboBox()
        self.device_combo.setToolTip("Show only the events of one device")
        row.addWidget(self.device_combo)
        row.addWidget(QLabel("Kind:"))
        self.kind_combo = QComboBox()
        self.kind_combo.setToolTip("Show only one kind of event; 'alarm.*' shows every alarm event")
        self.kind_combo.setMinimumContentsLength(16)
        row.addWidget(self.kind_combo)
        self.hide_repeats_box = QCheckBox("Hide alarm repeats")
        self.hide_repeats_box.setChecked(True)
        self.hide_repeats_box.setToolTip(
            "Leave out the alarm repeats (an unacknowledged alarm repeats its tone: critical every 10 min,\n"
            "others every hour). One 'alarm.repeats' row holds each stretch of repeats, written when the alarm\n"
            "is acknowledged or cleared or the run ends; the alarm panel counts the repeats of each active\n"
            "alarm. Choosing the kind 'alarm.repeats' shows them regardless."
        )
        row.addWidget(self.hide_repeats_box)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("search (e.g. refill, bolus, E2)")
        self.search_edit.setToolTip("Show only the events whose sentence, kind or device contains this text (case ignored)")
        self.search_edit.setClearButtonEnabled(True)
        row.addWidget(self.search_edit, 1)
        self.count_label = QLabel()
        row.addStretch(1)
        row.addWidget(self.count_label)
        layout.addLayout(row)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table)
        self.device_combo.currentIndexChanged.connect(self._filter_changed)
        self.kind_combo.currentIndexChanged.connect(self._filter_changed)
        self.hide_repeats_box.toggled.connect(self._filter_changed)
        self.search_edit.textChanged.connect(self._filter_changed)
        self._kinds: set[str] = set()
        self._devices: list[str] = []
        self._recorded_repeats = 0  # repeats held by the rows of the model
        self._pending_repeats = 0  # repeats sounded but not yet recorded
        self.set_devices([])

    def set_devices(self, device_ids: list[str]) -> None:
        self._devices = ["sim", *device_ids]
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        self.device_combo.addItem(ALL)
        self.device_combo.addItems(self._devices)
        self.device_combo.blockSignals(False)

    def reset(self, records: list[EventRecord], start: datetime | None, device_ids: list[str]) -> None:
        self.set_devices(device_ids)
        self._kinds = set()
        self.kind_combo.blockSignals(True)
        self.kind_combo.clear()
        self.kind_combo.addItems([ALL, "alarm.*"])
        self.kind_combo.blockSignals(False)
        self.model.reset([], start)
        self._recorded_repeats = 0
        self._pending_repeats = 0
        self.add(records)
        self._filter_changed()

    def add(self, records: list[EventRecord]) -> None:
        new_kinds = {r.kind for r in records} - self._kinds
        if new_kinds:
            self._kinds |= new_kinds
            current = self.kind_combo.currentText()
            self.kind_combo.blockSignals(True)
            self.kind_combo.clear()
            self.kind_combo.addItems([ALL, "alarm.*", *sorted(self._kinds)])
            self.kind_combo.setCurrentText(current)
            self.kind_combo.blockSignals(False)
        at_bottom = self.table.verticalScrollBar().value() >= self.table.verticalScrollBar().maximum() - 2
        self.model.append(records)
        self._recorded_repeats += sum(repeats_in(r) for r in records)
        if records and at_bottom:
            self.table.scrollToBottom()
        self._update_count()

    def set_filter(self, device: str | None = None, kind: str | None = None, hide_repeats: bool | None = None, search: str | None = None) -> None:
        if search is not None:
            self.search_edit.blockSignals(True)
            self.search_edit.setText(search)
            self.search_edit.blockSignals(False)
        self.device_combo.setCurrentText(device or ALL)
        self.kind_combo.setCurrentText(kind or ALL)
        if hide_repeats is not None:
            self.hide_repeats_box.blockSignals(True)
            self.hide_repeats_box.setChecked(hide_repeats)
            self.hide_repeats_box.blockSignals(False)
        self._filter_changed()

    def _filter_changed(self, *_):
        d = self.device_combo.currentText()
        k = self.kind_combo.currentText()
        self.proxy.set_filter(None if d in (ALL, "") else d, None if k in (ALL, "") else k, self.hide_repeats_box.isChecked(), self.search_edit.text())
        self._update_count()

    def set_pending_repeats(self, n: int) -> None:
        """Repeats sounded so far that no row records yet (the main window passes the alarm
        boards' count each frame); they are counted in the label."""
        if n != self._pending_repeats:
            self._pending_repeats = max(int(n), 0)
            self._update_count()

    def repeat_count(self) -> int:
        """Every alarm repeat so far: the ones the rows hold plus the ones not yet recorded."""
        return self._recorded_repeats + self._pending_repeats

    def _update_count(self) -> None:
        text = f"{self.proxy.rowCount()} of {self.model.rowCount()} events"
        if self.proxy.hide_repeats and self.proxy.kind not in REPEAT_KINDS:
            repeats = self.repeat_count()
            if repeats:
                text += f" ({repeats} alarm repeats hidden)"
        self.count_label.setText(text)

    def visible_sentences(self) -> list[str]:
        """The 'what happened' column of the rows shown, top to bottom."""
        return [self.proxy.index(r, 4).data() for r in range(self.proxy.rowCount())]

    def visible_records(self) -> list[EventRecord]:
        return [self.model.records[self.proxy.mapToSource(self.proxy.index(r, 0)).row()] for r in range(self.proxy.rowCount())]
