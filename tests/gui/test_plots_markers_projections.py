"""Time plots: calendar axis, event markers (time, sentence, click selects in the log), and the
reservoir / battery projections drawn from the models' own predictions."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from gui.scenario_io import open_scenario
from simulator.engine import Simulation

DAY_S = 86400.0
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _pump_window(make_window, name="pump_morphine_refills.yaml"):
    sim = Simulation(open_scenario(SCENARIOS / name))
    window = make_window(sim)
    window.refresh_views()
    return sim, window, window.device_views["pump"].extra["plots"]


def test_calendar_axis_labels_days_as_dates_from_the_scenario_start(qtbot, make_window):
    from gui.plot_common import CalendarAxis, calendar_text

    sim, window, plots = _pump_window(make_window)
    axis = plots.reservoir_plot.getPlotItem().getAxis("bottom")
    assert isinstance(axis, CalendarAxis)
    # the scenario starts 2026-01-05 08:00: day 0 is that instant, day 27 at 16:00 is 2026-02-01 00:00
    ticks = axis.tickValues(0.0, 60.0, 800)
    assert ticks and all(ticks[0][1])
    major_days = ticks[0][1]
    # every major tick sits on a calendar midnight: (day - 16 h) is a whole number of days
    assert all(abs(((d * 24 - 16) / 24) - round((d * 24 - 16) / 24)) < 1e-9 for d in major_days)
    labels = axis.tickStrings([27.0 + 16 / 24], 1.0, ticks[0][0])
    assert labels and ("Feb" in labels[0] or "01" in labels[0])
    assert calendar_text(sim.scenario.start, 62 * DAY_S) == "Sun 2026-03-08 08:00 (elapsed 62d 00:00:00)"
    # the hover read-out names the time and each curve's value there (20 - 0.3 x 10 = 17 mL)
    window.runner.jump_to(11 * DAY_S, blocking=True)
    window.refresh_views()
    text = plots.reservoir_plot._hover.text_at(10.0)
    assert text.splitlines()[0] == "Thu 2026-01-15 08:00 (elapsed 10d 00:00:00)"
    value = float(next(line for line in text.splitlines() if line.startswith("in reservoir (true)")).split(": ")[1])
    assert value == pytest.approx(17.0, abs=0.01)
    # hovering puts the same read-out in the status bar (calendar and elapsed time)
    plots.reservoir_plot._hover.show_at(10.0)
    assert window.statusBar().currentMessage().startswith("Thu 2026-01-15 08:00 (elapsed 10d 00:00:00)   |   ")


def test_a_refill_gives_a_marker_at_its_time_with_a_sentence_and_a_click_selects_it(qtbot, make_window):
    from gui.event_markers import sentence
    from gui.plot_common import BUS

    sim, window, plots = _pump_window(make_window)
    window.runner.jump_to(63 * DAY_S, blocking=True)
    window.refresh_views()
    for markers in plots.markers:  # on all three plots of the pump
        # the timeline refills on day 62; the low-reservoir alarm at (20 - 2) / 0.3 = day 60
        assert markers.positions_days("refill") == [pytest.approx(62.0)]
        assert markers.positions_days("alarm") == [pytest.approx(60.0)]
    refill = next(r for r in plots.markers[0].records if r.kind == "refill.completed")
    text = sentence(refill, sim.scenario.start)
    assert text.startswith("Sun 2026-03-08 08:00 (elapsed 62d 00:00:00): pump, refill")
    spot = next(p for p in plots.markers[0].points() if p.data() is refill)
    assert plots.markers[0]._tip(x=62.0, y=0.0, data=refill) == text  # the hover tooltip
    assert spot.pos().x() == pytest.approx(62.0)
    # clicking the marker selects that event in the event log and shows the log
    plots.markers[0]._clicked(plots.markers[0].scatter, [spot])
    assert window.tabs.currentWidget() is window.event_log
    rows = window.event_log.table.selectionModel().selectedRows()
    assert len(rows) == 1
    chosen = window.event_log.proxy.mapToSource(rows[0]).row()
    assert window.event_log.model.records[chosen] is refill
    # a later refill (day 120) appears the frame it happens
    window.tabs.setCurrentWidget(window.overview)
    window.runner.jump_to(121 * DAY_S)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    window.refresh_views()
    assert plots.markers[1].positions_days("refill") == [pytest.approx(62.0), pytest.approx(120.0)]
    assert BUS is not None


def test_the_reservoir_projection_ends_at_the_pumps_predicted_dates_and_follows_a_new_program(qtbot, make_window):
    sim, window, plots = _pump_window(make_window)
    pump = sim.devices["pump"]
    # 20 mL at 0.3 mL/day: low (2 mL) at 18 / 0.3 = day 60, empty at 20 / 0.3 = day 66.67
    assert plots.predicted_low_t_s == pytest.approx(60 * DAY_S, rel=1e-6)
    assert plots.predicted_empty_t_s == pytest.approx(200 / 3 * DAY_S, rel=1e-6)
    assert plots.predicted_empty_t_s == pump.predicted_empty_t_s()
    x, y = plots.projection_curve.getData()
    assert x[-1] == pytest.approx(200 / 3) and y[-1] == pytest.approx(0.0, abs=1e-9)
    assert x[0] == 0.0 and y[0] == pytest.approx(20.0)
    stars = sorted(p.pos().x() for p in plots.projection_points.points())
    assert stars == [pytest.approx(60.0), pytest.approx(200 / 3)]
    # the range shows where the program leads: up to the empty date
    assert plots.reservoir_plot.getPlotItem().getViewBox().viewRange()[0][1] >= 200 / 3
    # day 10: 17 mL left; 6 mg/day = 0.6 mL/day -> low at 10 + 15 / 0.6 = day 35, empty at 10 + 17 / 0.6 = day 38.33
    window.runner.jump_to(10 * DAY_S, blocking=True)
    window.runner.apply_action("pump", "program", {"mode": {"type": "continuous", "dose_mg_per_day": 6}})
    window.refresh_views()  # the next frame
    assert plots.predicted_low_t_s == pytest.approx(35 * DAY_S, rel=1e-6)
    assert plots.predicted_empty_t_s == pytest.approx((10 + 17 / 0.6) * DAY_S, rel=1e-6)
    assert plots.predicted_empty_t_s == pump.predicted_empty_t_s()
    x, y = plots.projection_curve.getData()
    assert x[0] == pytest.approx(10.0) and y[0] == pytest.approx(17.0, abs=1e-6)
    assert x[-1] == pytest.approx(10 + 17 / 0.6) and y[-1] == pytest.approx(0.0, abs=1e-9)
    # 2026-01-05 08:00 + 35 d = 2026-02-09 08:00; + 38.33 d = 2026-02-12 16:00
    assert [t.toPlainText() for t in plots.projection_labels] == ["low 09 Feb", "empty 12 Feb"]


def test_battery_projection_runs_to_the_low_battery_date_of_the_models_projection(qtbot, make_window):
    from gui.scenario_io import default_scenario_path

    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    window.refresh_views()
    battery = window.device_views["ipg"].extra["battery"]
    proj = sim.devices["ipg"].projection()
    assert battery.projected_t_s["low battery"] == pytest.approx(proj["days_to_low_battery"] * DAY_S)
    x, y = battery.projection_curve.getData()
    low = sim.devices["ipg"].profile.battery.low_battery_pct
    assert y[0] == pytest.approx(90.0) and y[1] == pytest.approx(low)
    # the line is the model's drain: from 90 % to the low level in days_to_low_battery
    assert (x[1] - x[0]) == pytest.approx(proj["days_to_low_battery"])
    assert battery.low_line.label.format == f"low battery {low:g} %"
    assert datetime(2026, 1, 5, 8) == sim.scenario.start


def test_a_month_of_daily_recharges_draws_the_daily_low_over_a_light_envelope(qtbot, make_window):
    sim = Simulation(open_scenario(SCENARIOS / "scs_tonic_burst_hf_year.yaml"))
    window = make_window(sim)
    window.runner.jump_to(30 * DAY_S, blocking=True)
    window.refresh_views()
    charged = window.device_views["hf10_charged"].extra["battery"]
    tonic = window.device_views["tonic"].extra["battery"]
    # a recharge every evening at 20:00: 30 of them by day 30, each marked
    assert len(charged.markers.positions_days("recharge")) == 30
    assert charged.daily_low_curve.isVisible() and not tonic.daily_low_curve.isVisible()
    assert [e[0] for e in charged.plot._title_legend.entries] == ["level", "daily low", "projection"]
    x, lows = charged.daily_low_curve.getOriginalDataset()
    assert list(x[:3]) == [0.5, 1.5, 2.5] and len(x) == 30
    # the scenario's description: recharged every evening, it never falls below about 71.6 %
    assert min(lows[1:]) == pytest.approx(71.6, abs=0.3)
    # each day's low is the least of the level within that day
    lx, ly = charged.curve.getOriginalDataset()
    day5 = (lx >= 5) & (lx < 6)
    assert lows[5] <= ly[day5].min() + 1e-9
