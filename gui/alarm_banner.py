"""The alarm banner: a strip across the top of the main window while any alarm is active.

It is part of the central widget (not a dock), so it cannot be closed or hidden while an alarm
is active; it hides itself when none is. Its colour follows the most severe alarm (critical red,
non-critical amber, acknowledged only grey); it shows the count and the most urgent alarm
(critical first), and Acknowledge sends the device's acknowledge command for that alarm."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from gui.alarm_panel import active_alarms_of, when_text

if TYPE_CHECKING:
    from simulator.engine import Simulation

COLOURS = {"critical": ("#b00020", "white"), "non_critical": ("#f2a900", "black"), "acknowledged": ("#9e9e9e", "black")}


class AlarmBanner(QFrame):
    acknowledge_requested = Signal(str, str)  # device id, alarm name

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("alarm-banner")
        self.sim: Simulation | None = None
        self.rows: list = []
        self.level = "none"
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 3, 8, 3)
        self.text = QLabel()
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        self.ack_button = QPushButton("Acknowledge")
        self.ack_button.setToolTip("Acknowledge the alarm shown (the most urgent not yet acknowledged)")
        self.ack_button.clicked.connect(self._acknowledge)
        row.addWidget(self.ack_button)
        self.setVisible(False)

    def set_simulation(self, sim) -> None:
        self.sim = sim
        self.refresh()

    def refresh(self) -> None:
        """Show the active alarms (critical first); hidden only when none is active."""
        self.rows = active_alarms_of(self.sim) if self.sim is not None else []
        if not self.rows:
            self.level = "none"
            self.setVisible(False)
            return
        sounding = [(d, a) for d, a in self.rows if a.get("acknowledged_t_s") is None]
        top_dev, top = (sounding or self.rows)[0]
        if sounding:
            self.level = "critical" if top.get("severity") == "critical" else "non_critical"
        else:
            self.level = "acknowledged"
        critical = sum(1 for _d, a in self.rows if a.get("severity") == "critical")
        bg, fg = COLOURS[self.level]
        style = f"QFrame#alarm-banner {{ background: {bg}; }} QFrame#alarm-banner QLabel {{ color: {fg}; font-weight: bold; }}"
        if style != self.styleSheet():  # re-styling relays the banner out: only on a new level
            self.setStyleSheet(style)
        n = len(self.rows)
        head = f"{n} active alarm{'s' if n != 1 else ''} ({critical} critical, {len(sounding)} not acknowledged)"
        text = (f"{head}: {top_dev} {top.get('severity', '')} {top.get('alarm', '')}: {top.get('message', '')}, "
                f"raised {when_text(self.sim, top.get('raised_t_s'))}")
        if text != self.text.text():
            self.text.setText(text)
        self.ack_button.setEnabled(bool(sounding))
        self._top = (top_dev, top.get("alarm", ""))
        self.setVisible(True)

    def _acknowledge(self) -> None:
        if self.rows and getattr(self, "_top", None):
            self.acknowledge_requested.emit(*self._top)

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (Qt's name)
        """Never hidden while an alarm is active, whoever asks."""
        super().setVisible(bool(visible) or bool(self.rows))
