"""The alarm panel: the devices' active alarms, a tone (mutable) and acknowledgement.

What is active comes from each device's `active_alarms()`; acknowledging sends the device's
`acknowledge_alarm` action through the simulation, as a clinician programmer would.

Tones: a device sounds its tone when an alarm is raised (an `alarm.raised` event) and at each
repeat until acknowledged. Repeats are not events (simulator.alarms computes them in closed
form), so `on_advanced(now_s)` asks each device's alarm board how many repeats have sounded so
far and requests one tone per repeat the clock has passed since the last frame: `tones_requested`
carries the number (one system beep per frame sounds them; several repeats in one frame at a
fast speed would not be heard apart anyway), `tones` totals them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from simulator.errors import InputError
from simulator.event_kinds import K
from simulator.units import describe_elapsed

if TYPE_CHECKING:
    from simulator.engine import Simulation

ACK_ACTION = "acknowledge_alarm"
COLUMNS = ["device", "alarm", "severity", "message", "raised (calendar, elapsed)", "state", "repeats"]
TOOLTIPS = {
    "raised (calendar, elapsed)": "Calendar time the alarm was raised, and the simulated time elapsed since the scenario start (days hh:mm:ss)",
    "repeats": "How many times the device has repeated the alarm since it was raised (until acknowledged:\ncritical alarms every 10 min, others every hour); the event log hides the repeats by default",
    "state": "Sounding until acknowledged on the device; an acknowledged alarm stays active until its cause clears",
}
SOUNDING_KINDS = (K.ALARM_RAISED,)  # repeats are counted by on_advanced, not sent as events


def alarm_dict(alarm: Any) -> dict[str, Any]:
    if hasattr(alarm, "as_dict"):
        return alarm.as_dict()
    return dict(alarm)


def repeat_total_of(sim) -> int:
    """Every alarm repeat sounded so far by every device with an alarm board (closed form)."""
    total = 0
    for device in sim.devices.values():
        total += device.alarm_repeats_total()
    return total


def unlogged_repeats_of(sim) -> int:
    """Repeats sounded so far that no `alarm.repeats` event records yet, over every device."""
    total = 0
    for device in sim.devices.values():
        total += device.alarm_repeats_unlogged()
    return total


def alarm_sort_key(row: tuple[str, dict[str, Any]]) -> tuple:
    """Critical first, then not yet acknowledged first, then the oldest first."""
    _dev, a = row
    return (0 if a.get("severity") == "critical" else 1, 0 if a.get("acknowledged_t_s") is None else 1, a.get("raised_t_s", 0.0))


def active_alarms_of(sim) -> list[tuple[str, dict[str, Any]]]:
    """(device id, alarm dict) for every active alarm of every device that reports alarms,
    critical alarms first (then sounding before acknowledged, then oldest first)."""
    out = []
    for dev_id, device in sim.devices.items():
        getter = getattr(device, "active_alarms", None)
        if getter is None:
            continue
        for alarm in getter():
            out.append((dev_id, alarm_dict(alarm)))
    return sorted(out, key=alarm_sort_key)


def sounding_severity(rows: list[tuple[str, dict[str, Any]]]) -> str:
    """The severity whose tone sounds: critical if any critical alarm is not acknowledged."""
    sounding = [a for _d, a in rows if a.get("acknowledged_t_s") is None]
    if any(a.get("severity") == "critical" for a in sounding):
        return "critical"
    return "non_critical"


def when_text(sim, t_s: float | None) -> str:
    """'2026-01-13 08:00 (12 d 00:00:00)': calendar time with the elapsed time beside it."""
    if t_s is None:
        return "-"
    if sim is None:
        return describe_elapsed(t_s)
    return f"{sim.calendar_time(t_s):%Y-%m-%d %H:%M} ({describe_elapsed(t_s)})"


_BRUSHES: dict[str | None, QBrush] = {}


def _brush_of(colour: str | None) -> QBrush:
    """The text brush of a colour (None: the table's own), made once per colour."""
    brush = _BRUSHES.get(colour)
    if brush is None:
        brush = _BRUSHES[colour] = QBrush(QColor(colour)) if colour is not None else QBrush()
    return brush


#: The widest repeat count the repeats column is sized for, and the cell's margin each side (px).
REPEATS_WIDTH_TEXT = "888888\u00d7"
REPEATS_MARGIN_PX = 6


class AlarmPanel(QWidget):
    """Shows active alarms; beeps on raised / repeated alarms unless muted; acknowledges."""

    acknowledged = Signal(str, str)  # device id, alarm name
    mute_changed = Signal(bool)  # the tone was muted (True) or unmuted, by the user
    tones_requested = Signal(int)  # tones due since the last frame (raised alarms and repeats), unmuted only

    def __init__(self, apply_action: Callable, parent: QWidget | None = None):
        super().__init__(parent)
        self._apply = apply_action
        self.sim: Simulation | None = None
        self.beeps = 0  # system beeps sounded (at most one per frame; for the status bar and tests)
        self.tones = 0  # tones requested: one per raised alarm and per repeat, unless muted
        self._repeat_total = 0  # repeats already sounded (repeat_total_of at the last frame)
        self.tones_requested.connect(self._beep)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        top = QHBoxLayout()
        self.title = QLabel("Alarms: none active")
        self.title.setStyleSheet("font-weight: bold")
        top.addWidget(self.title)
        top.addStretch(1)
        self.mute_box = QCheckBox("Mute tone")
        self.mute_box.setToolTip("Silence the app's alarm tone (the device keeps alarming until acknowledged); muting is logged in the session")
        self.mute_box.toggled.connect(self.mute_changed.emit)
        from gui.sounds import TonePlayer

        self.player = TonePlayer()
        top.addWidget(self.mute_box)
        self.ack_button = QPushButton("Acknowledge")
        self.ack_button.setToolTip("Send the device's acknowledge command for the selected alarm (Ctrl+K)")
        self.ack_button.setShortcut("Ctrl+K")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        top.addWidget(self.ack_button)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for c, name in enumerate(COLUMNS):
            if name in TOOLTIPS:
                header_item = self.table.horizontalHeaderItem(c)
                if header_item is not None:  # set just above by setHorizontalHeaderLabels
                    header_item.setToolTip(TOOLTIPS[name])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for c in range(len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        # the repeat count changes every frame while an alarm sounds: a column sized to its
        # contents would measure every row's text again at each change; it gets a fixed width
        # that holds its title and a count of REPEATS_WIDTH_TEXT instead
        repeats = COLUMNS.index("repeats")
        header.setSectionResizeMode(repeats, QHeaderView.ResizeMode.Fixed)
        metrics = self.table.fontMetrics()
        header.resizeSection(repeats, max(header.sectionSizeFromContents(repeats).width(),
                                          metrics.horizontalAdvance(REPEATS_WIDTH_TEXT) + 2 * REPEATS_MARGIN_PX))
        layout.addWidget(self.table)
        self._rows: list[tuple[str, dict[str, Any]]] = []

    def set_simulation(self, sim) -> None:
        self.sim = sim
        self._repeat_total = repeat_total_of(sim) if sim is not None else 0
        self.refresh()

    def on_events(self, records: list) -> None:
        if any(r.kind.startswith("alarm.") for r in records):
            raised = sum(1 for r in records if r.kind in SOUNDING_KINDS)
            self.refresh()  # first: the tone is of the rows it shows
            self._request_tones(raised)

    def on_advanced(self, now_s: float | None = None) -> int:
        """The clock moved: request a tone for each alarm repeat it passed; returns how many."""
        if self.sim is None:
            return 0
        total = repeat_total_of(self.sim)
        passed = total - self._repeat_total
        self._repeat_total = total
        if passed > 0:
            self.refresh()  # the repeat counts changed (first: the tone is of the rows it shows)
            self._request_tones(passed)
        return max(passed, 0)

    def _request_tones(self, n: int) -> None:
        if n > 0 and not self.mute_box.isChecked():
            self.tones += n
            self.tones_requested.emit(n)

    def _beep(self, _n: int) -> None:
        """One tone per frame, of the most severe sounding alarm (gui/sounds.py: the severity's
        WAV file through QtMultimedia or the platform's player; the system beep as last resort).
        The severity is read off the rows just shown: every tone is requested right after a
        `refresh` of the same clock (asking the devices again cost a second read of every alarm)."""
        self.beeps += 1
        self.player.play(sounding_severity(self._rows))

    def refresh(self) -> None:
        rows: list[tuple[str, dict[str, Any]]] = active_alarms_of(self.sim) if self.sim is not None else []
        self._rows = rows
        self.table.setRowCount(len(rows))
        for r, (dev_id, a) in enumerate(rows):
            acked = a.get("acknowledged_t_s") is not None
            state = f"acknowledged {when_text(self.sim, a['acknowledged_t_s'])}" if acked else "sounding"
            values = [dev_id, a.get("alarm", ""), a.get("severity", ""), a.get("message", ""), when_text(self.sim, a.get("raised_t_s", 0.0)), state, self.repeats_text(a)]
            colour = "#b00020" if a.get("severity") == "critical" and not acked else "#8a5a00" if not acked else None
            for c, v in enumerate(values):
                self._set_cell(r, c, str(v), colour)
        sounding = sum(1 for _, a in rows if a.get("acknowledged_t_s") is None)
        if rows:
            title = f"Alarms: {len(rows)} active, {sounding} not acknowledged"
            style = "font-weight: bold; color: #b00020" if sounding else "font-weight: bold"
        else:
            title, style = "Alarms: none active", "font-weight: bold"
        if title != self.title.text():
            self.title.setText(title)
        if style != self.title.styleSheet():  # a new style sheet re-styles and relays the label out
            self.title.setStyleSheet(style)
        if rows and not self.table.selectedItems():
            self.table.selectRow(0)

    def _set_cell(self, row: int, column: int, text: str, colour: str | None) -> None:
        """Show `text` (in `colour`, None: the table's own) in a cell, touching the cell only when
        it changes: the repeat counts change every frame while an alarm sounds, and new items
        every frame would re-lay the table out each time."""
        item = self.table.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            self.table.setItem(row, column, item)
        if item.text() != text:
            item.setText(text)
            item.setToolTip(text)
        brush = _brush_of(colour)
        if item.foreground() != brush:
            item.setForeground(brush)

    @staticmethod
    def repeats_text(alarm: dict[str, Any]) -> str:
        n = alarm.get("repeats")
        if n is None:
            return "-"
        return f"{n}\u00d7" if n else "0"

    def repeat_counts(self) -> dict[tuple[str, str], int]:
        """(device id, alarm) -> times repeated, as shown (for tests and the status bar)."""
        return {(d, a.get("alarm", "")): int(a.get("repeats") or 0) for d, a in self._rows}

    def acknowledge_selected(self) -> bool:
        row = self.table.currentRow()
        if row < 0 or row >= len(self._rows):
            dialogs.inform(self, "Acknowledge", "Select an alarm first.")
            return False
        dev_id, alarm = self._rows[row]
        return self.acknowledge(dev_id, alarm.get("alarm", ""))

    def acknowledge(self, device_id: str, alarm: str) -> bool:
        """Send `acknowledge_alarm` for one alarm; False (with a message) if the device refuses."""
        if self.sim is None:  # no run shown: nothing to acknowledge
            return False
        device = self.sim.devices[device_id]
        models = type(device).action_models()
        if ACK_ACTION not in models:
            dialogs.inform(self, "Acknowledge", f"{device_id} has no '{ACK_ACTION}' action.")
            return False
        params = {"alarm": alarm} if "alarm" in models[ACK_ACTION].model_fields else {}
        try:
            result = self._apply(device_id, ACK_ACTION, params)
        except InputError as exc:
            dialogs.show_input_error(self, "Acknowledge", exc)
            return False
        if not result:
            dialogs.inform(self, "Acknowledge refused", result.reason)
            return False
        self.acknowledged.emit(device_id, alarm)
        self.refresh()
        return True
