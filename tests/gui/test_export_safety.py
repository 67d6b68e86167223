"""The app's Export never touches a folder of the user's: it writes into a new subfolder and says where."""
from __future__ import annotations

import hashlib
import json

import pytest

pytest.importorskip("PySide6")


def _digest(root):
    return {str(p.relative_to(root)): ("dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()) for p in sorted(root.rglob("*"))}


def test_export_into_a_user_folder_writes_a_new_subfolder_and_says_where(qtbot, tmp_path, toy_sim, make_window, no_dialogs):
    from simulator.atomic import read_marker

    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "thesis.txt").write_text("three years of work\n")
    (docs / "summary.json").write_text('{"mine": true}\n')
    before = _digest(docs)
    window = make_window(toy_sim)
    window.runner.jump_to(4 * 86400.0, blocking=True)
    assert window.export_results(str(docs))
    made = [p for p in docs.iterdir() if p.name.startswith("neuromod-results-")]
    assert len(made) == 1 and read_marker(made[0])["kind"] == "run"
    # toy tank: 10 mL at 0.5 mL/day for 4 days -> 8.0 mL
    assert json.loads((made[0] / "summary.json").read_text())["devices"]["tank"]["volume_ml"] == pytest.approx(8.0)
    assert {k: v for k, v in _digest(docs).items() if not k.startswith("neuromod-results-")} == before
    assert [title for title, _ in no_dialogs.shown] == ["Results exported into a new folder"]
    assert str(made[0]) in no_dialogs.shown[0][1] and str(made[0]) in window.statusBar().currentMessage()


def test_export_into_an_earlier_export_replaces_it(qtbot, tmp_path, toy_sim, make_window, no_dialogs):
    out = tmp_path / "out"
    window = make_window(toy_sim)
    window.runner.jump_to(2 * 86400.0, blocking=True)
    assert window.export_results(str(out))
    window.runner.jump_to(4 * 86400.0, blocking=True)
    assert window.export_results(str(out))
    # 10 mL - 4 days x 0.5 mL/day = 8.0 mL: the second export replaced the first (9.0 mL at day 2)
    assert json.loads((out / "summary.json").read_text())["devices"]["tank"]["volume_ml"] == pytest.approx(8.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and not no_dialogs.shown
