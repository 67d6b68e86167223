"""Item 2 of the app-truthfulness issue: a programming session.

Review before sending (old -> new with units), session log, undo of the last transmit (a new
transmit, logged), prompts for pending edits or an unsaved session, the HTML session report."""
from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from gui.scenario_io import default_scenario_path, open_scenario
from simulator.engine import Simulation

DAY_S = 86400.0
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _impedance_fault_window(make_window):
    window = make_window(Simulation(open_scenario(SCENARIOS / "scs_impedance_fault.yaml")))
    window.show_view("stimulator")
    return window, window.device_views["ipg"].extra["programmer"]


def test_review_lists_old_and_new_with_units_and_cancel_sends_nothing(make_window, session_dialogs_answered):
    """The scenario's program 'back' runs 5 mA, 300 us, 50 Hz; the form asks 4 mA at 60 Hz."""
    window, prog = _impedance_fault_window(make_window)
    prog.editor.amplitude.setValue(4.0)
    prog.editor.rate.setValue(60)
    session_dialogs_answered.review_answer = False  # the user cancels the review
    assert not prog.transmit_pending()
    assert prog.device.programs["back"].amplitude_ma == 5.0
    assert window.session.entries == []
    rows = session_dialogs_answered.reviews[-1]
    assert ("program.amplitude_ma", "5", "4", "mA") in rows
    assert ("program.rate_hz", "50", "60", "Hz") in rows
    assert len(rows) == 2  # nothing else changes (the contacts, pulse width... are the same)
    assert prog.pending  # the edits are still there
    session_dialogs_answered.review_answer = True
    assert prog.transmit_pending()
    assert prog.device.programs["back"].amplitude_ma == 4.0 and prog.device.programs["back"].rate_hz == 60
    entry = window.session.entries[-1]
    assert entry.accepted and entry.action == "set_program"
    assert {c.setting: (c.old, c.new, c.unit) for c in entry.changes} == {"program.amplitude_ma": (5.0, 4.0, "mA"), "program.rate_hz": (50.0, 60.0, "Hz")}


def test_review_dialog_widget_shows_each_change_and_the_findings(qtbot):
    from gui.review_dialog import ReviewDialog
    from gui.session import Change
    from simulator.device import Finding

    changes = [Change("mode.dose_mg_per_day", 3.0, 4.0, "mg/day"), Change("threshold_ml", 2.0, 3.5, "mL")]
    finding = Finding(level="warn", message="dose above the drug library's usual maximum")
    dialog = ReviewDialog(None, "Pump program", "pump", "program", changes, [finding])
    qtbot.addWidget(dialog)
    assert dialog.rows() == [("mode.dose_mg_per_day", "3", "4", "mg/day"), ("threshold_ml", "2", "3.5", "mL")]
    assert "warn" in dialog.findings_label.text() and "usual maximum" in dialog.findings_label.text()


def test_undo_restores_the_previous_program_on_the_device_and_is_logged(make_window, session_dialogs_answered):
    window, prog = _impedance_fault_window(make_window)
    prog.editor.amplitude.setValue(4.0)
    prog.editor.rate.setValue(60)
    assert prog.transmit_pending()
    assert window.session_view.undo_button.isEnabled()
    assert window.undo_last_transmit()
    back = prog.device.programs["back"]
    assert back.amplitude_ma == 5.0 and back.rate_hz == 50
    assert {k: v.polarity for k, v in back.contacts.items()} == {"E2": "-", "E3": "+"}
    first, undo = window.session.entries
    assert undo.undo_of == 1 and undo.accepted and first.undone
    assert ("program.amplitude_ma", "4", "5", "mA") in session_dialogs_answered.reviews[-1]  # the undo was reviewed too
    assert prog.editor.amplitude.value() == pytest.approx(5.0)  # the form follows
    assert not window.session_view.undo_button.isEnabled()  # one undo, of the last transmit
    assert window.session_view.table.rowCount() == 2


def test_undo_of_a_pump_program_restores_the_dose_and_the_predicted_empty_date(make_window, session_dialogs_answered, no_dialogs):
    """3 mg/day of 10 mg/mL from 18 mL: empty on day 60 (2026-03-06 08:00). At 4 mg/day,
    0.4 mL/day: empty on day 45 (2026-02-19 08:00)."""
    window = make_window(Simulation(open_scenario(default_scenario_path())))
    window.show_view("pump")
    prog = window.device_views["pump"].extra["programmer"]
    dev = prog.device
    assert f"{window.runner.sim.calendar_time(dev.predicted_empty_t_s()):%Y-%m-%d}" == "2026-03-06"
    prog.mode_editor.continuous.set_dose(4.0)
    no_dialogs.answers.extend([True, True])  # accept a drug-library warning if the check gives one
    assert prog.transmit_pending()
    assert ("mode.dose_mg_per_day", "3", "4", "mg/day") in session_dialogs_answered.reviews[-1]
    assert f"{window.runner.sim.calendar_time(dev.predicted_empty_t_s()):%Y-%m-%d}" == "2026-02-19"
    assert window.undo_last_transmit()
    assert dev.current_drug_rate_per_day() == pytest.approx(3.0)
    assert f"{window.runner.sim.calendar_time(dev.predicted_empty_t_s()):%Y-%m-%d}" == "2026-03-06"
    assert prog.form_matches_device()


def test_close_with_pending_edits_asks_and_cancel_keeps_the_window(make_window, session_dialogs_answered):
    window, prog = _impedance_fault_window(make_window)
    prog.editor.amplitude.setValue(4.0)
    session_dialogs_answered.question_answer = QMessageBox.StandardButton.Cancel
    window.close()
    assert window.isVisible()
    assert "edits not yet transmitted on ipg" in session_dialogs_answered.asked[-1]
    session_dialogs_answered.question_answer = QMessageBox.StandardButton.Discard
    window.close()
    assert not window.isVisible()


def test_close_without_edits_or_transmits_asks_nothing(make_window, session_dialogs_answered):
    window, _prog = _impedance_fault_window(make_window)
    window.close()
    assert not window.isVisible() and session_dialogs_answered.asked == []


def test_open_with_an_unsaved_session_asks_and_cancel_keeps_the_simulation(make_window, session_dialogs_answered):
    window, prog = _impedance_fault_window(make_window)
    prog.editor.amplitude.setValue(4.0)
    assert prog.transmit_pending()
    sim = window.runner.sim
    session_dialogs_answered.question_answer = QMessageBox.StandardButton.Cancel
    assert not window.open_scenario(str(default_scenario_path()))
    assert window.runner.sim is sim
    assert "1 transmit(s) in this session not saved" in session_dialogs_answered.asked[-1]
    session_dialogs_answered.question_answer = QMessageBox.StandardButton.Discard
    assert window.open_scenario(str(default_scenario_path()))
    assert window.runner.sim is not sim and window.session.entries == []


def test_exercise_start_with_pending_edits_asks_and_cancel_starts_nothing(make_window, session_dialogs_answered):
    window, prog = _impedance_fault_window(make_window)
    prog.editor.amplitude.setValue(4.0)
    sim = window.runner.sim
    panel = window.training_dock.widget()
    session_dialogs_answered.question_answer = QMessageBox.StandardButton.Cancel
    assert panel.start_exercise(panel.picker.itemData(0)) is None
    assert window.runner.sim is sim and panel.exercise is None
    assert "start an exercise" in session_dialogs_answered.asked[-1]


def test_session_report_has_status_changes_alarms_predictions_and_png_plots(make_window, tmp_path):
    """Default scenario: 3 mg/day from 18 mL of 10 mg/mL, 0.3 mL/day: the 2 mL low-reservoir
    alarm on day 53.33 (2026-02-27 16:00), empty on day 60 (2026-03-06 08:00)."""
    window = make_window(Simulation(open_scenario(default_scenario_path())))
    window.show_view("pump")
    prog = window.device_views["pump"].extra["programmer"]
    prog.threshold.setValue(3.0)
    assert prog.set_threshold()
    window.runner.jump_to(54 * DAY_S, blocking=True)
    path = tmp_path / "report.html"
    assert window.save_report(str(path))
    text = path.read_text(encoding="utf-8")
    assert "At the session start" in text and "Now" in text
    assert "threshold_ml" in text and "<td>2</td><td>3</td><td>mL</td>" in text
    assert "low_reservoir" in text  # the alarm raised on day 50 (3 mL left at 0.3 mL/day)
    assert "2026-03-06 08:00" in text  # predicted empty
    assert "predicted low battery (recharge by)" in text  # the stimulator is rechargeable
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert len(images) == 2  # one per device
    assert all(base64.b64decode(b)[:8] == b"\x89PNG\r\n\x1a\n" for b in images)
    assert not window.session.unsaved  # the report keeps the session
