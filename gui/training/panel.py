"""The training panel: pick an exercise, read the task beside the programmer, check the work, export it.

It works on the app's `Simulation`: starting an exercise asks the host to load the exercise's
scenario (and run it to the exercise's start time); from then on an `AttemptRecorder` records
every action the trainee applies through `sim.apply_action` (the programmer panels do), with
simulated and wall-clock times. "Check my work" replays those actions on a fresh copy of the
scenario (the same grading as `neuromod-sim exercise check`) and shows the itemised result.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from simulator.engine import Simulation
from simulator.errors import InputError
from simulator.scenario.model import Scenario
from simulator.training.attempt import AttemptRecorder, dump_data, write_text_atomic
from simulator.training.catalog import bundled_exercise_paths
from simulator.training.exercise import Exercise, load_exercise
from simulator.training.grading import GradeReport, educator_record, grade
from simulator.units import describe_elapsed

#: (scenario, start_at_s) -> the Simulation now shown by the app (or None: ask get_simulation)
LoadScenario = Callable[[Scenario, float], "Simulation | None"]


class TrainingPanel(QWidget):
    """Exercise picker, instructions, answers, 'Check my work', result and export."""

    exercise_started = Signal(object)  # Exercise
    checked = Signal(object)  # GradeReport

    def __init__(self, get_simulation: Callable[[], Simulation], load_scenario: LoadScenario, registry=None,
                 exercise_paths: list[Path] | None = None, trainee: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.get_simulation = get_simulation
        self.load_scenario = load_scenario
        self.registry = registry
        self.exercise: Exercise | None = None
        self.recorder: AttemptRecorder | None = None
        self.report: GradeReport | None = None
        self._hints_shown = 0
        self._answer_widgets: dict[str, QLineEdit | QComboBox] = {}
        self._paths = list(exercise_paths) if exercise_paths is not None else bundled_exercise_paths()

        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.picker = QComboBox()
        # long exercise titles must not force the dock wide: the combo shows ~28 characters, the
        # drop-down list the whole title
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(28)
        self.picker.setToolTip("Choose an exercise")
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Load the exercise's scenario and start recording what you do")
        self.start_button.clicked.connect(self.start_selected)
        row.addWidget(self.picker, 1)
        row.addWidget(self.start_button)
        layout.addLayout(row)
        trainee_row = QHBoxLayout()
        trainee_row.addWidget(QLabel("Trainee:"))
        self.trainee_edit = QLineEdit(trainee)
        self.trainee_edit.setPlaceholderText("your name (saved with the attempt)")
        trainee_row.addWidget(self.trainee_edit, 1)
        layout.addLayout(trainee_row)

        self.instructions = QTextBrowser()
        self.instructions.setOpenExternalLinks(False)
        layout.addWidget(self.instructions, 2)

        self.answers_box = QGroupBox("Your answers")
        self.answers_form = QFormLayout(self.answers_box)
        # each question above its answer field: long questions never widen the dock
        self.answers_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.answers_box.hide()
        layout.addWidget(self.answers_box)

        buttons = QHBoxLayout()
        self.hint_button = QPushButton("Hint")
        self.hint_button.setToolTip("Show the next hint")
        self.hint_button.clicked.connect(self.show_next_hint)
        self.check_button = QPushButton("Check my work")
        self.check_button.setToolTip("Replay what you did on the exercise's scenario and score it")
        self.check_button.clicked.connect(self.check_work)
        self.export_button = QPushButton("Export attempt...")
        self.export_button.setToolTip("Save the record of this attempt (what was done when, and the result) for your educator")
        self.export_button.clicked.connect(self.export_dialog)
        for b in (self.hint_button, self.check_button, self.export_button):
            b.setEnabled(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)

        self.result = QTextBrowser()
        self.result.setPlaceholderText("The itemised result appears here after 'Check my work'.")
        layout.addWidget(self.result, 2)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._fill_picker()

    # ----- picker -----
    def _fill_picker(self) -> None:
        self.picker.clear()
        self._ids: list[str] = []
        for path in self._paths:
            try:
                ex = load_exercise(path, self.registry)
            except InputError as exc:
                self.status.setText(f"skipped invalid exercise {path.name}: {exc.issues[0]}")
                continue
            self.picker.addItem(f"{ex.title}  ({ex.level})", str(path))
            self._ids.append(ex.id)
        self.start_button.setEnabled(self.picker.count() > 0)

    def exercise_ids(self) -> list[str]:
        return list(self._ids)

    def start_selected(self) -> None:
        path = self.picker.currentData()
        if path:
            self.start_exercise(path)

    def start_exercise(self, path_or_id: str | Path) -> Exercise | None:
        """Load the exercise, ask the host to open its scenario at `start_at`, start recording."""
        try:
            ex = load_exercise(path_or_id, self.registry)
        except InputError as exc:
            self.status.setText(f"Cannot open the exercise: {exc}")
            return None
        sim = self.load_scenario(ex.scenario_model, ex.start_at)
        if sim is None:
            sim = self.get_simulation()
        self.exercise = ex
        self.report = None
        self._hints_shown = 0
        self.recorder = AttemptRecorder(ex.id, trainee=self.trainee_edit.text().strip())
        self.recorder.attach(sim)
        self._show_instructions()
        self._build_answers()
        self.result.clear()
        for b in (self.check_button, self.export_button):
            b.setEnabled(True)
        self.hint_button.setEnabled(bool(ex.hints))
        self.status.setText(f"Exercise started at {describe_elapsed(sim.now)} of simulated time. Your actions are being recorded.")
        self.exercise_started.emit(ex)
        return ex

    # ----- instructions -----
    def _show_instructions(self) -> None:
        ex = self.exercise
        assert ex is not None
        parts = [f"<h3>{html.escape(ex.title)}</h3>", f"<p><i>Level: {ex.level}</i></p>"]
        parts += [f"<p>{html.escape(p)}</p>" for p in ex.task.strip().split("\n\n")]
        if ex.allowed:
            allowed = "; ".join(f"<b>{html.escape(a.device)}</b>: {html.escape(', '.join(a.actions))}" for a in ex.allowed)
            parts.append(f"<p>You may use: {allowed}</p>")
        parts.append("<p>You will be judged on:</p><ul>")
        parts += [f"<li>{html.escape(c.title)}{'' if c.required else ' (optional)'}</li>" for c in ex.criteria_with_ids()]
        parts.append("</ul>")
        if self._hints_shown:
            parts.append("<p><b>Hints</b></p><ul>")
            parts += [f"<li>{html.escape(h)}</li>" for h in ex.hints[: self._hints_shown]]
            parts.append("</ul>")
        self.instructions.setHtml("".join(parts))

    def show_next_hint(self) -> None:
        if self.exercise and self._hints_shown < len(self.exercise.hints):
            self._hints_shown += 1
            self._show_instructions()
        ex = self.exercise
        self.hint_button.setEnabled(ex is not None and self._hints_shown < len(ex.hints))

    def _build_answers(self) -> None:
        while self.answers_form.rowCount():
            self.answers_form.removeRow(0)
        self._answer_widgets = {}
        ex = self.exercise
        if not ex or not ex.questions:
            self.answers_box.hide()
            return
        for q in ex.questions:
            if q.answer_kind == "choice":
                combo = QComboBox()
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                combo.setMinimumContentsLength(16)  # long choices show in the drop-down, not by widening the dock
                combo.addItem("", None)
                for c in q.choices:
                    combo.addItem(c, c)
                w: QLineEdit | QComboBox = combo
            else:
                w = QLineEdit()
                w.setPlaceholderText(q.unit or ("a number" if q.answer_kind == "number" else ""))
            w.setToolTip(q.prompt)
            self._answer_widgets[q.id] = w
            self.answers_form.addRow(QLabel(q.prompt + (f" [{q.unit}]" if q.unit else "")), w)
        self.answers_box.show()

    def set_answer(self, question_id: str, value: str) -> None:
        w = self._answer_widgets[question_id]
        if isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(value)))
        else:
            w.setText(value)

    def _collect_answers(self) -> dict:
        out: dict[str, float | str] = {}
        questions = {q.id: q for q in self.exercise.questions} if self.exercise else {}
        for qid, w in self._answer_widgets.items():
            text = (w.currentData() or "") if isinstance(w, QComboBox) else w.text().strip()
            if text == "":
                continue
            if questions[qid].answer_kind == "number":
                try:
                    out[qid] = float(text)
                    continue
                except ValueError:
                    pass
            out[qid] = text
        return out

    # ----- attempt, check, export -----
    def current_attempt(self, finished: bool = False):
        if self.recorder is None:
            return None
        self.recorder.trainee = self.trainee_edit.text().strip()
        self.recorder.answers = self._collect_answers()
        return self.recorder.attempt(finished=finished)

    def check_work(self) -> GradeReport | None:
        if self.exercise is None or self.recorder is None:
            return None
        attempt = self.current_attempt(finished=True)
        try:
            report = grade(self.exercise, attempt, self.registry)
        except InputError as exc:
            self.result.setHtml(f"<p><b>Cannot grade this attempt:</b> {html.escape(str(exc))}</p>")
            return None
        self.report = report
        note = ""
        if self.get_simulation() is not self.recorder.sim:
            note = "<p><i>Another scenario was opened after the exercise started; only the actions done in the exercise's scenario count.</i></p>"
        self.result.setHtml(note + report_html(report))
        self.checked.emit(report)
        return report

    def export_record(self, path: str | Path) -> Path | None:
        """Write the attempt record (and the last result, if checked) as JSON or YAML by suffix."""
        if self.exercise is None:
            return None
        attempt = self.current_attempt(finished=True)
        record = educator_record(self.exercise, attempt, self.report)
        text = dump_data(record, path) if str(path).lower().endswith((".yaml", ".yml")) else json.dumps(record, indent=2) + "\n"
        try:
            written = write_text_atomic(path, text)
        except (InputError, OSError) as exc:
            self.status.setText(f"Not saved: {exc}")
            return None
        self.status.setText(f"Attempt saved to {written}")
        return written

    def export_dialog(self) -> None:
        if self.exercise is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export attempt", f"{self.exercise.id}-attempt.json", "Attempt record (*.json *.yaml)")
        if path:
            self.export_record(path)


def report_html(report: GradeReport) -> str:
    """The itemised result as HTML: verdict, each criterion with its explanation, the debrief."""
    colour = "#1b7f3b" if report.passed else "#b3261e"
    verdict = "Passed" if report.passed else "Not passed yet"
    parts = [f"<h3 style='color:{colour}'>{verdict}: {report.score:g} / {report.max_score:g} points ({report.score_pct:.0f} %)</h3>"]
    if not report.passed:
        parts.append(f"<p style='color:{colour}'>Not passed because {html.escape(report.why_not_passed())}.</p>")
    parts.append("<ul>")
    for item in report.items:
        mark = "&#10004;" if item.passed else "&#10008;"
        c = "#1b7f3b" if item.passed else "#b3261e"
        opt = "" if item.required else " <i>(optional)</i>"
        parts.append(f"<li><span style='color:{c}'>{mark}</span> <b>{html.escape(item.title)}</b>{opt} "
                     f"({item.points_awarded:g}/{item.points_possible:g})<br/>{html.escape(item.explanation)}")
        if not item.passed and item.advice:
            parts.append(f"<br/><i>{html.escape(item.advice)}</i>")
        parts.append("</li>")
    parts.append("</ul>")
    if report.actions:
        parts.append("<p><b>What you did</b> (simulated time)</p><ul>")
        for a in report.actions:
            if a["accepted"]:
                verdict = "accepted" + (f", warning overridden: {', '.join(a.get('overridden') or [])}" if a.get("overridden") else "")
            else:
                verdict = f"refused{' by the programmer (not sent)' if not a.get('sent', True) else ''}: {a['reason']}"
            parts.append(f"<li>{describe_elapsed(a['at_s'])} {html.escape(a['device'])}: {html.escape(a['action'].replace('_', ' '))} "
                         f"({html.escape(verdict)})</li>")
        parts.append("</ul>")
    if report.debrief:
        parts.append("<p><b>Debrief</b></p>")
        parts += [f"<p>{html.escape(p)}</p>" for p in report.debrief.strip().split("\n\n")]
    return "".join(parts)
