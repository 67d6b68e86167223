"""Time controls: play / pause, step, next event, jump to a time, and speed."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from gui import dialogs
from gui.runner import SPEEDS_X, SimRunner
from simulator.units import parse_duration_s

STEPS_S: dict[str, float] = {"1 s": 1.0, "1 min": 60.0, "1 h": 3600.0, "1 day": 86400.0, "1 week": 7 * 86400.0}


class TimeControls(QWidget):
    """A row of buttons driving a SimRunner. Shortcuts: Space, Ctrl+Right, Ctrl+N, Ctrl+J, +/-,
    Esc (cancel a jump). A long jump shows its progress and a Cancel button while it runs."""

    message = Signal(str)

    def __init__(self, runner: SimRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)

        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Run or pause the simulation at the chosen speed (Space)")
        self.play_button.clicked.connect(runner.toggle)
        row.addWidget(self.play_button)

        self.step_combo = QComboBox()
        self.step_combo.addItems(list(STEPS_S))
        self.step_combo.setCurrentText("1 h")
        self.step_combo.setToolTip("Size of one step, in simulated time")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Advance by one step of simulated time (Ctrl+Right)")
        self.step_button.clicked.connect(self.step_once)
        row.addWidget(self.step_button)
        row.addWidget(self.step_combo)

        self.next_button = QPushButton("Next event")
        self.next_button.setToolTip("Run to the next scheduled event of any device (Ctrl+N)")
        self.next_button.clicked.connect(self.next_event)
        row.addWidget(self.next_button)

        row.addSpacing(12)
        row.addWidget(QLabel("Jump to:"))
        self.jump_edit = QLineEdit()
        self.jump_edit.setPlaceholderText("e.g. 30d, 12h, 1y")
        self.jump_edit.setToolTip("Simulated time from the scenario start: seconds or a duration such as 90d, 12h, 30min (Ctrl+J)")
        self.jump_edit.setMaximumWidth(140)
        self.jump_edit.returnPressed.connect(self.jump_from_text)
        row.addWidget(self.jump_edit)
        self.jump_button = QPushButton("Go")
        self.jump_button.setToolTip("Run forward to the time typed on the left")
        self.jump_button.clicked.connect(self.jump_from_text)
        row.addWidget(self.jump_button)
        self.jump_progress = QProgressBar()
        self.jump_progress.setRange(0, 1000)
        self.jump_progress.setMaximumWidth(160)
        self.jump_progress.setFormat("jump %p%")
        self.jump_progress.setToolTip("How far the jump has got (the window keeps responding; Cancel or Esc stops it where it is)")
        self.jump_progress.hide()
        row.addWidget(self.jump_progress)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the jump at the time reached so far (Esc)")
        self.cancel_button.clicked.connect(runner.cancel_jump)
        self.cancel_button.hide()
        row.addWidget(self.cancel_button)

        row.addSpacing(12)
        row.addWidget(QLabel("Speed:"))
        self.speed_combo = QComboBox()
        for label, x in SPEEDS_X.items():
            self.speed_combo.addItem(label, x)
        self.speed_combo.setToolTip("Simulated time per real second while playing (+ / - keys)")
        self.speed_combo.currentIndexChanged.connect(self._speed_chosen)
        row.addWidget(self.speed_combo)
        row.addStretch(1)

        runner.playing_changed.connect(self._show_playing)
        runner.busy_changed.connect(self._show_busy)
        runner.jump_progress.connect(self._show_progress)
        runner.speed_changed.connect(self._show_speed)
        self._show_speed(runner.speed_x)

        for keys, slot in (
            ("Space", runner.toggle),
            ("Ctrl+Right", self.step_once),
            ("Ctrl+N", self.next_event),
            ("Ctrl+J", self.jump_edit.setFocus),
            ("+", self.faster),
            ("-", self.slower),
            ("Esc", runner.cancel_jump),
        ):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)

    # ----- actions -----
    def step_once(self) -> None:
        self.runner.step(STEPS_S[self.step_combo.currentText()])

    def next_event(self) -> None:
        self.runner.next_event()

    def jump_from_text(self) -> None:
        text = self.jump_edit.text().strip()
        try:
            t_s = parse_duration_s(text)
        except ValueError as exc:
            dialogs.inform(self, "Cannot jump", f"{text!r}: {exc}")
            return
        if t_s <= self.runner.now_s:
            dialogs.inform(self, "Cannot jump", f"{text} is not after the current time; the simulation only runs forward.")
            return
        if t_s > self.runner.sim.duration_s:
            dialogs.inform(self, "Cannot jump", f"{text} is after the end of the scenario ({self.runner.sim.duration_s / 86400:.4g} d).")
            return
        self.runner.jump_to(t_s)

    def faster(self) -> None:
        self.speed_combo.setCurrentIndex(min(self.speed_combo.currentIndex() + 1, self.speed_combo.count() - 1))

    def slower(self) -> None:
        self.speed_combo.setCurrentIndex(max(self.speed_combo.currentIndex() - 1, 0))

    # ----- display -----
    def _speed_chosen(self, index: int) -> None:
        self.runner.set_speed(float(self.speed_combo.itemData(index)))

    def _show_speed(self, speed_x: float) -> None:
        idx = self.speed_combo.findData(speed_x)
        if idx >= 0 and idx != self.speed_combo.currentIndex():
            self.speed_combo.blockSignals(True)
            self.speed_combo.setCurrentIndex(idx)
            self.speed_combo.blockSignals(False)

    def _show_busy(self, busy: bool) -> None:
        self.jump_progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.jump_progress.setValue(0)

    def _show_progress(self, now_s: float, target_s: float) -> None:
        fraction = self.runner.jump_fraction
        if fraction is not None:
            self.jump_progress.setValue(int(fraction * 1000))

    def _show_playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
