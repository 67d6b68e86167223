"""The runner, time controls, event log, scenario files and the screenshot, on the toy tank."""
from __future__ import annotations

import yaml

from gui.runner import MAX_SPEED_X, SimRunner


def test_runner_advances_by_speed_times_real_time(qtbot, toy_sim):
    runner = SimRunner(toy_sim, tick_ms=10)
    runner.set_speed(3600.0)
    with qtbot.waitSignal(runner.advanced, timeout=2000):
        runner.play()
    qtbot.wait(200)
    runner.pause()
    # 3600 simulated s per real s; ticks account at most 0.25 s of real time each
    assert 0 < toy_sim.now < 3600.0 * 2.0
    t = toy_sim.now
    qtbot.wait(100)
    assert toy_sim.now == t  # paused: time stands still
    runner.stop_timers()


def test_speed_changes_are_clamped_and_change_the_rate(qtbot, toy_sim):
    runner = SimRunner(toy_sim, tick_ms=10)
    seen = []
    runner.speed_changed.connect(seen.append)
    runner.set_speed(60.0)
    runner.set_speed(1e12)
    runner.set_speed(0.0)
    assert seen == [60.0, MAX_SPEED_X, 1.0]
    runner.set_speed(86400.0)
    runner.play()
    qtbot.wait(150)
    runner.pause()
    fast = toy_sim.now
    assert fast > 86400.0 * 0.05  # at one day per second, 150 ms is hours of simulated time
    runner.stop_timers()


def test_jump_is_spread_over_ticks_and_lands_on_target(qtbot, toy_sim):
    runner = SimRunner(toy_sim, tick_ms=5)
    runner.jump_to(10 * 86400.0)
    assert runner.busy
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert toy_sim.now == 10 * 86400.0
    # the tank's rate change at 5 d happened on the way
    assert toy_sim.devices["tank"].rate * 86400.0 == 1.0
    runner.stop_timers()


def test_step_and_next_event(qtbot, toy_sim):
    runner = SimRunner(toy_sim)
    events = []
    runner.new_events.connect(events.extend)
    runner.step(3600.0)
    assert toy_sim.now == 3600.0
    runner.next_event()
    assert toy_sim.now == 5 * 86400.0  # the scheduled set_rate
    assert any(e.kind == "action" for e in events)
    runner.stop_timers()


def test_time_controls_speed_combo_and_bad_jump(qtbot, toy_sim, make_window, no_dialogs):
    window = make_window(toy_sim)
    tc = window.time_controls
    tc.speed_combo.setCurrentText("1 week/s")
    assert window.runner.speed_x == 7 * 86400.0
    assert "7 d/s" in window.speed_label.text()
    tc.slower()
    assert window.runner.speed_x == 86400.0
    for bad in ("yesterday", "-3d", "40d"):
        tc.jump_edit.setText(bad)
        tc.jump_from_text()
    assert len(no_dialogs.shown) == 3
    assert "unknown duration unit" in no_dialogs.shown[0][1] or "cannot read" in no_dialogs.shown[0][1]
    assert "after the end" in no_dialogs.shown[2][1]
    assert toy_sim.now == 0.0 and not window.runner.busy
    tc.jump_edit.setText("2d")
    tc.jump_from_text()
    qtbot.waitUntil(lambda: toy_sim.now == 2 * 86400.0, timeout=5000)
    assert "2026-01-03 08:00:00" in window.clock_label.text()


def test_event_log_filters_by_device_and_kind(qtbot, toy_sim, make_window):
    window = make_window(toy_sim)
    window.runner.jump_to(6 * 86400.0, blocking=True)
    window.runner.apply_action("tank", "fill", {"volume_ml": 1.0})
    log = window.event_log
    kinds = [r.kind for r in log.model.records]
    assert kinds.count("action") == 2 and "sim.start" in kinds
    log.set_filter(device="tank", kind="action")
    assert [r.payload["action"] for r in log.visible_records()] == ["set_rate", "fill"]
    log.set_filter(device="sim")
    assert [r.kind for r in log.visible_records()] == ["sim.start"]
    log.set_filter()
    assert len(log.visible_records()) == len(toy_sim.recorder.events)


def test_refused_action_is_logged_and_changes_nothing(qtbot, toy_sim, make_window):
    window = make_window(toy_sim)
    before = toy_sim.devices["tank"].volume_at(0.0)
    result = window.runner.apply_action("tank", "fill", {"volume_ml": 15.0})  # capacity 20 mL
    assert not result and "capacity" in result.reason
    assert toy_sim.devices["tank"].volume_at(0.0) == before
    assert window.event_log.model.records[-1].kind == "refusal"


def test_open_invalid_scenario_shows_the_error_and_keeps_the_simulation(qtbot, tmp_path, toy_sim, toy_registry, make_window, no_dialogs):
    window = make_window(toy_sim, toy_registry)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nduration: 3 fortnights\ndevices: []\n")
    assert not window.open_scenario(str(bad))
    assert window.runner.sim is toy_sim
    title, text = no_dialogs.shown[0]
    assert title == "Invalid scenario" and "bad.yaml" in text and "duration" in text


def test_save_then_open_keeps_programmed_actions(qtbot, tmp_path, toy_sim, toy_registry, make_window, no_dialogs):
    window = make_window(toy_sim, toy_registry)
    window.runner.jump_to(86400.0 * 2, blocking=True)
    assert window.runner.apply_action("tank", "set_rate", {"rate_ml_per_day": 2.0})
    path = tmp_path / "saved.yaml"
    assert window.save_scenario(str(path))
    data = yaml.safe_load(path.read_text())
    assert data["duration"] == "30d"
    assert [(a["at"], a["action"]) for a in data["timeline"]] == [("2d", "set_rate"), ("5d", "set_rate")]
    assert window.open_scenario(str(path))
    new_sim = window.runner.sim
    assert new_sim is not toy_sim and new_sim.now == 0.0
    new_sim.run(until=3 * 86400.0)
    assert new_sim.devices["tank"].rate * 86400.0 == 2.0
    assert not no_dialogs.shown


def test_export_results_writes_the_run(qtbot, tmp_path, toy_sim, make_window):
    window = make_window(toy_sim)
    window.runner.jump_to(86400.0, blocking=True)
    out = tmp_path / "out"
    assert window.export_results(str(out))
    assert (out / "events.jsonl").exists() and (out / "summary.json").exists()


def test_screenshot_renders_a_png(qtbot, tmp_path, toy_sim, make_window):
    from PySide6.QtGui import QImage

    from gui.screenshot import render_window

    window = make_window(toy_sim)
    png = render_window(window, tmp_path / "shot.png", at_s=7 * 86400.0, view="events", size_px=(1000, 700))
    image = QImage(str(png))
    assert image.width() == 1000 and image.height() == 700
    assert toy_sim.now == 7 * 86400.0
    assert window.tabs.currentWidget() is window.event_log


def test_leak_check_sees_a_left_over_window(qapp):
    from PySide6.QtWidgets import QDialog

    from tests.gui.conftest import _top_level_ids

    before = _top_level_ids(qapp)
    dialog = QDialog()
    dialog.show()
    assert id(dialog) in _top_level_ids(qapp) - before
    dialog.close()
    dialog.deleteLater()
