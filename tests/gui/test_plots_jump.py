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
