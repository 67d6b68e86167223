"""Details a trainee sees: repeats in the event log, plots from the first frame, no stale views,
the scope's time base per waveform."""
from __future__ import annotations

import numpy as np

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
    # the low-reservoir alarm sounds on day (18 - 2) / 0.3 = 53.33 and repeats hourly: by day
    # 53.6 (6.4 h later) it has repeated 6 times
    t_low = sim.devices["pump"].predicted_low_reservoir_t_s()
    assert abs(t_low - 160 / 3 * DAY_S) < 60.0
    window.runner.jump_to(53.6 * DAY_S, blocking=True)
    log, panel = window.event_log, window.alarm_panel
    # repeats are not events: none is recorded yet (one 'alarm.repeats' row comes at the
    # acknowledgement), yet the log counts them and the panel shows them
    assert not any(r.kind.startswith("alarm.repeat") for r in sim.recorder.events)
    assert log.hide_repeats_box.isChecked()  # on by default
    assert any(r.kind == "alarm.raised" for r in log.visible_records())
    assert "6 alarm repeats hidden" in log.count_label.text()
    counts = panel.repeat_counts()
    assert counts[("pump", "low_reservoir")] == 6
    for (dev, name), n in counts.items():  # the panel shows the model's own count
        device_active = {a["alarm"]: a for a in sim.devices[dev].active_alarms()}
        assert n == device_active[name]["repeats"]
    col = panel.table.horizontalHeaderItem(6)
    assert col.text() == "repeats" and "10 min" in col.toolTip()
    row = next(i for i, (d, a) in enumerate(panel._rows) if a["alarm"] == "low_reservoir")
    assert panel.table.item(row, 6).text().startswith("6")
    # acknowledged: the six repeats are written as one row, hidden by default
    assert panel.acknowledge("pump", "low_reservoir")
    (rec,) = [r for r in sim.recorder.events if r.kind == "alarm.repeats"]
    assert rec.payload["count"] == 6 and rec.payload["interval_s"] == 3600.0
    assert not any(r.kind == "alarm.repeats" for r in log.visible_records())
    assert "6 alarm repeats hidden" in log.count_label.text()
    log.set_filter(kind="alarm.repeats")  # asked for by name: shown even when hidden otherwise
    assert log.visible_records() == [rec]
    log.set_filter(hide_repeats=False)
    assert len(log.visible_records()) == len(sim.recorder.events)


def test_time_plots_show_the_current_value_from_the_first_frame(qtbot, make_window):
    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    window.refresh_views()
    pump = window.device_views["pump"].extra["plots"]
    for curve in (pump.true_curve, pump.rate_curve):
        x, y = curve.getData()
        assert len(x) == 1 and curve.opts["symbol"] == "o"  # a dot, not an invisible line
    assert pump.true_curve.getData()[1][0] == sim.devices["pump"].reservoir_ml_at(0.0)
    (x0, x1), _ = pump.reservoir_plot.getPlotItem().getViewBox().viewRange()
    assert -0.05 < x0 <= 0.0 and x1 >= 1.0  # starts at 0 and covers a day
    window.runner.jump_to(3 * DAY_S, blocking=True)
    window.refresh_views()
    assert pump.true_curve.opts["symbol"] is None and len(pump.true_curve.getData()[0]) >= 2
    (x0, x1), _ = pump.rate_plot.getPlotItem().getViewBox().viewRange()
    assert -0.05 < x0 <= 0.0 and x1 >= 3.0
    # linked plots stacked in a column show the same days (they line up at t = 0)
    ranges = {tuple(round(v, 6) for v in p.getPlotItem().getViewBox().viewRange()[0]) for p in (pump.reservoir_plot, pump.rate_plot, pump.dose_plot)}
    assert len(ranges) == 1
    # the user zooms one plot: every linked plot stops following, until 'A' resumes it
    vb = pump.dose_plot.getPlotItem().getViewBox()
    vb.setXRange(1.0, 2.0, padding=0)
    vb.sigRangeChangedManually.emit([True, False])
    window.runner.jump_to(4 * DAY_S, blocking=True)
    window.refresh_views()
    assert pump.reservoir_plot.getPlotItem().getViewBox().viewRange()[0] == [1.0, 2.0]
    pump.reservoir_plot._time_follower.resume()
    window.refresh_views()
    assert pump.reservoir_plot.getPlotItem().getViewBox().viewRange()[0][1] >= 4.0


def test_waveforms_demo_shows_the_10khz_pulses_at_a_readable_time_base(qtbot):
    import numpy as np

    from gui.training import DemoView
    from simulator.training import demos

    view = DemoView("waveforms")
    qtbot.addWidget(view)
    panels = demos.waveform_comparison()
    ranges = [w.getPlotItem().getViewBox().viewRange()[0] for w in view.plots]
    assert [p.label for p in panels] == ["tonic", "burst", "10 kHz"]
    assert ranges[0][1] >= 49.0 and ranges[1][1] >= 49.0  # tonic and burst: the whole 50 ms
    assert ranges[2][1] <= 1.0  # 10 kHz: about five 100 us periods, so 30 us pulses are pulses
    # the curve is the model's own rendering, every sample (nothing resampled in the GUI)
    x, y = view.plots[2].getPlotItem().listDataItems()[0].getOriginalDataset()
    assert np.array_equal(x, panels[2].t_s * 1e3) and np.array_equal(y, panels[2].cathode_current_ma)


def test_the_delivery_rate_plot_shows_flex_steps_since_the_last_state_change(qtbot, make_window):
    """Between two state changes the pump's flex steps are closed form; the plot draws them (the
    pump's pending_breakpoints) instead of holding the level of the last one. Baclofen flex
    scenario: last state change at day 10 (its acknowledge action); at day 20 the curve must show
    the day's levels 0.4 .. 0.7 mL/day (400 .. 700 mcg/day at 1000 mcg/mL) between days 11 and 20."""
    from pathlib import Path

    from simulator.scenario import load_scenario

    path = Path(__file__).resolve().parents[2] / "scenarios" / "pump_baclofen_flex_missed_refill.yaml"
    sim = Simulation(load_scenario(path))
    window = make_window(sim)
    window.runner.jump_to(20 * DAY_S, blocking=True)
    window.refresh_views()
    pump = window.device_views["pump"].extra["plots"]
    x, y = pump.rate_curve.getData()
    later = np.round(y[(x > 11.0) & (x < 20.0)], 9)
    assert set(later.tolist()) == {0.4, 0.5, 0.6, 0.7}


def test_the_reservoir_curve_with_pending_flex_bends_runs_forward_in_time(qtbot, make_window):
    """Frame after frame past the last state change, the reservoir curves carry the pending flex
    bends; every drawn part (finished and live) has its days in order (no anchor of a straight
    tail put in among the bends) and ends at the pump's volume now."""
    from pathlib import Path

    from simulator.scenario import load_scenario

    path = Path(__file__).resolve().parents[2] / "scenarios" / "pump_baclofen_flex_missed_refill.yaml"
    sim = Simulation(load_scenario(path))
    window = make_window(sim)
    pump = window.device_views["pump"].extra["plots"]
    for day in (10.5, 11.0, 11.3, 12.0, 12.25, 14.0):
        window.runner.jump_to(day * DAY_S, blocking=True)
        window.refresh_views()
        for curve, now_value in ((pump.true_curve, sim.devices["pump"].reservoir_ml_at(sim.now)),
                                 (pump.expected_curve, sim.devices["pump"].expected_reservoir_ml_at(sim.now))):
            for x, _y in curve.parts():
                assert np.all(np.diff(x) >= 0.0), day
            x, y = curve.getData()
            assert x[-1] == day and y[-1] == now_value
