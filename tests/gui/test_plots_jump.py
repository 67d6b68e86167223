"""A long jump runs in slices with a progress bar and can be cancelled (no timing asserted:
the stall per frame is measured by benchmarks/gui_jump_stall.py)."""
from __future__ import annotations

from pathlib import Path

from gui.scenario_io import open_scenario
from simulator.engine import Simulation

DAY_S = 86400.0
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_a_jump_runs_in_slices_shows_progress_and_cancel_stops_it_where_it_is(qtbot, make_window, monkeypatch):
    import gui.runner as runner_mod

    sim = Simulation(open_scenario(SCENARIOS / "scs_tonic_burst_hf_year.yaml"))
    window = make_window(sim)
    runner, tc = window.runner, window.time_controls
    # one chunk of simulated time per tick: the first chunk of a jump is an hour
    monkeypatch.setattr(runner_mod, "JUMP_BUDGET_S", 0.0)
    advanced = []
    runner.advanced.connect(advanced.append)
    runner.jump_to(365 * DAY_S)
    assert runner.busy and tc.jump_progress.isVisibleTo(tc) and tc.cancel_button.isVisibleTo(tc)
    runner._tick()
    assert sim.now == 3600.0  # the first slice: one simulated hour, then back to the event loop
    assert runner.jump_fraction == 3600.0 / (365 * DAY_S)
    assert advanced == []  # mid-jump the views are not redrawn
    runner._tick()
    runner._tick()
    assert 3600.0 < sim.now < 365 * DAY_S and runner.busy
    reached = sim.now
    assert tc.jump_progress.value() == int(reached / (365 * DAY_S) * 1000)
    tc.cancel_button.click()
    assert not runner.busy and sim.now == reached
    assert advanced == [reached]  # the views show where the jump stopped
    assert not tc.jump_progress.isVisibleTo(tc) and not tc.cancel_button.isVisibleTo(tc)
    assert window.state_label.text().strip() == "paused"


def test_a_jump_to_the_end_lands_on_target_and_redraws_once(qtbot, make_window):
    sim = Simulation(open_scenario(SCENARIOS / "scs_closed_loop_postures.yaml"))
    window = make_window(sim)
    advanced = []
    window.runner.advanced.connect(advanced.append)
    window.runner.jump_to(20 * 3600.0)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    assert sim.now == 20 * 3600.0 and advanced == [20 * 3600.0]
    # every event of the jump reached the event log (posture changes at 8 h and 12 h, the cough at 10 h)
    kinds = [r.kind for r in window.event_log.model.records]
    assert kinds.count("posture.change") == 2 and kinds.count("cough.start") == 1


def test_after_a_long_jump_the_views_redraw_over_several_iterations_and_end_at_the_final_time(qtbot, make_window, qapp):
    """Issue 16 item 8: the redraw that ends a jump is spread over event-loop iterations (one
    step each: the views' events, then each part on screen), and within a few frames every part
    shows the device at the jump's end. Four stimulators: 8 parts (scope and battery each) on
    the overview, so the redraw steps number at least 8, each in its own iteration."""
    from PySide6.QtCore import QTimer

    sim = Simulation(open_scenario(SCENARIOS / "scs_tonic_burst_hf_year.yaml"))
    window = make_window(sim)
    window.resize(1366, 768)
    window.show_view("overview")
    qapp.processEvents()
    iteration = [0]
    probe = QTimer()
    probe.setInterval(0)
    probe.timeout.connect(lambda: iteration.__setitem__(0, iteration[0] + 1))
    probe.start()
    redrawn: list[tuple[str, float, int]] = []  # (part, time it was redrawn at, event-loop iteration)
    for dev_id in window.overview_devices():
        for part in ("scope", "battery"):
            widget = window.device_views[dev_id].extra[part]
            original = widget.refresh

            def recorder(now_s, original=original, name=f"{dev_id}.{part}"):
                redrawn.append((name, now_s, iteration[0]))
                original(now_s)

            widget.refresh = recorder
    target_s = 365 * DAY_S
    window.runner.jump_to(target_s)
    qtbot.waitUntil(lambda: not window.runner.busy and not window.refresh_pending, timeout=60000)
    probe.stop()
    at_end = [r for r in redrawn if r[1] == target_s]
    assert sorted({name for name, _t, _i in at_end}) == sorted(f"{d}.{p}" for d in window.overview_devices() for p in ("scope", "battery"))
    assert len({i for _n, _t, i in at_end}) == 8  # one part per event-loop iteration, not all in one
    # what they show is the device at day 365: each battery curve ends at x = 365 d with the
    # level the device reports for that instant, and every part paints again
    for dev_id in window.overview_devices():
        battery = window.device_views[dev_id].extra["battery"]
        x, y = battery.curve.getData()
        assert x[-1] == 365.0
        assert y[-1] == sim.devices[dev_id].battery_pct_at(target_s)
        assert battery.updatesEnabled() and window.device_views[dev_id].extra["scope"].updatesEnabled()
