"""Issue item 14 in the app: each alarm repeat is sounded as the clock passes it, though repeats
are no longer events; a decade at the fastest speed with alarms never acknowledged keeps the
event log and the alarm panel small."""
from __future__ import annotations

import math

from gui.runner import MAX_SPEED_X, MAX_TICK_REAL_S
from gui.scenario_io import default_scenario_path, open_scenario
from simulator.engine import Simulation

DAY_S = 86400.0
YEAR_S = 365.25 * DAY_S


def test_alarm_repeats_grow_without_bound_the_app_sounds_each_repeat(qtbot, make_window, monkeypatch):
    from PySide6.QtWidgets import QApplication

    beeps = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: beeps.append(1)))
    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    panel = window.alarm_panel
    t_low = sim.devices["pump"].predicted_low_reservoir_t_s()  # day 53.33; repeats hourly after it
    window.runner.jump_to(t_low + 60.0, blocking=True)
    assert panel.tones == 1  # the alarm was raised: one tone
    tones = []
    panel.tones_requested.connect(tones.append)
    # 3 h 10 min in 5-minute frames: past the repeats at t_low + 1 h, + 2 h and + 3 h
    for _ in range(38):
        window.runner.step(300.0)
    assert sum(tones) == 3 and panel.tones == 4
    assert len(tones) == 3  # one request in each frame that passed a repeat
    assert panel.repeat_counts()[("pump", "low_reservoir")] == 3
    # one big frame past 2 more repeats requests both at once
    window.runner.step(2 * 3600.0)
    assert tones[-1] == 2 and panel.tones == 6
    # muted: the repeats go on (the panel counts them), the app is silent
    panel.mute_box.setChecked(True)
    n_beeps = len(beeps)
    window.runner.step(3 * 3600.0)
    assert len(beeps) == n_beeps and panel.tones == 6
    assert panel.repeat_counts()[("pump", "low_reservoir")] == 8


def test_alarm_repeats_grow_without_bound_a_decade_at_the_fastest_speed(qtbot, make_window):
    scenario = open_scenario(default_scenario_path())
    sim = Simulation(scenario.model_copy(update={"duration": 10 * YEAR_S}))
    window = make_window(sim)
    window.show_view("events")  # the plots are not redrawn; the log and the alarm panel are
    runner, log, panel = window.runner, window.event_log, window.alarm_panel
    runner.set_speed(MAX_SPEED_X)
    frame_s = MAX_SPEED_X * MAX_TICK_REAL_S  # the most simulated time one frame may take: 7 days
    rows_by_year = {}
    while not sim.finished:
        runner.step(frame_s)
        year = int(sim.now // YEAR_S)
        rows_by_year[year] = (log.model.rowCount(), panel.table.rowCount())
    # nobody acknowledged anything: the pump's low and empty alarms (days 53 and 60) and the
    # stimulator's battery alarms (year 1) sounded for years, the pump's battery alarms from year
    # 6. Rows come with what happens, not with time: years 7 to 9 added none (before, each of
    # those years added about 2 x 52,560 + 2 x 8,766 repeat rows), and the end adds one
    # 'alarm.repeats' row per alarm sounding and 'sim.end'
    rows_end, alarms_end = log.model.rowCount(), panel.table.rowCount()
    assert rows_by_year[7] == rows_by_year[8] == rows_by_year[9]
    assert rows_end == len(sim.recorder.events) <= rows_by_year[9][0] + alarms_end + 1
    assert rows_end < 200 and alarms_end == rows_by_year[9][1] <= 8
    # every repeat was still counted and sounded: the empty-reservoir alarm (day 60, every 10 min)
    t_empty = next(e.t_s for e in sim.recorder.events if e.kind == "alarm.raised" and e.payload["alarm"] == "empty_reservoir")
    assert abs(t_empty - 60 * DAY_S) < 60.0
    empty_repeats = math.ceil((10 * YEAR_S - t_empty) / 600.0) - 1
    assert empty_repeats > 500_000
    assert panel.repeat_counts()[("pump", "empty_reservoir")] == empty_repeats
    raised = sum(1 for e in sim.recorder.events if e.kind == "alarm.raised")
    assert panel.tones == raised + log.repeat_count() == raised + sim.results().summary["event_counts"]["alarm.repeat"]
