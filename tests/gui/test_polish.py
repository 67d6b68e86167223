"""Details a trainee sees: repeats in the event log, plots from the first frame, no stale views,
the scope's time base per waveform."""
from __future__ import annotations

from gui.scenario_io import default_scenario_path, open_scenario
from simulator.engine import Simulation

DAY_S = 86400.0


def test_loading_a_new_simulation_hides_the_old_views_at_once(qtbot, toy_sim, toy_registry, toy_scenario_data, make_window):
    from simulator.scenario import scenario_from_dict

    window = make_window(Simulation(open_scenario(default_scenario_path())))
    old = [v.overview for v in window.device_views.values()]
    window.runner.set_simulation(Simulation(scenario_from_dict(toy_scenario_data, toy_registry), registry=toy_registry))
    # the deferred delete has not run yet (no return to the event loop): nothing old may be drawn
    assert old and not any(w.isVisible() for w in old)
    assert [v.overview.isVisible() for v in window.device_views.values()] == [True]


def test_alarm_repeats_hidden_in_the_log_and_counted_in_the_alarm_panel(qtbot, make_window):
    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    window.runner.jump_to(53.5 * DAY_S, blocking=True)
    log, panel = window.event_log, window.alarm_panel
    repeats = [r for r in sim.recorder.events if r.kind == "alarm.repeat"]
    assert repeats, "the default scenario's low-reservoir alarm repeats by day 53.5"
    assert log.hide_repeats_box.isChecked()  # on by default
    assert not any(r.kind == "alarm.repeat" for r in log.visible_records())
    assert any(r.kind == "alarm.raised" for r in log.visible_records())
    assert f"{len(repeats)} alarm repeats hidden" in log.count_label.text()
    log.set_filter(kind="alarm.repeat")  # asked for by name: shown even when hidden otherwise
    assert len(log.visible_records()) == len(repeats)
    log.set_filter(hide_repeats=False)
    assert len(log.visible_records()) == len(sim.recorder.events)
    # the panel shows the model's own count for each active alarm
    counts = panel.repeat_counts()
    for (dev, name), n in counts.items():
        device_active = {a["alarm"]: a for a in sim.devices[dev].active_alarms()}
        assert n == device_active[name]["repeats"]
    assert max(counts.values()) > 0
    col = panel.table.horizontalHeaderItem(5)
    assert col.text() == "repeats" and "10 min" in col.toolTip()
    row = next(i for i, (d, a) in enumerate(panel._rows) if a["repeats"])
    assert panel.table.item(row, 5).text().startswith(str(panel._rows[row][1]["repeats"]))
