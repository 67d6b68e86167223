"""What a frame of the app redraws: the followed time range moves in round steps, each plot is
painted once per frame, labels and table cells are kept and updated in place, the dose bars
split into finished days and the day in progress, a plot skips a frame in which nothing it shows
moved by a pixel, and a pause does not freeze the plots. No timing is asserted (the frame time is
measured by benchmarks/gui_frame_time.py)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gui.plot_common import RANGE_STEPS, stepped_range_end
from gui.scenario_io import default_scenario_path
from simulator.engine import Simulation

DAY_S = 86400.0


@pytest.mark.parametrize(("end", "stepped"), [(70.0, 70.0), (70.1, 72.0), (180.0, 180.0), (181.0, 185.0), (1.0, 1.0), (1.2, 1.2), (1.21, 1.25)])
def test_the_followed_range_ends_on_a_round_step_of_about_a_fortieth_of_it(end, stepped):
    # 70 / 40 = 1.75 -> steps of 2 d; 181 / 40 = 4.5 -> 5 d; 1.21 / 40 = 0.03 -> 0.05 d
    assert stepped_range_end(end) == pytest.approx(stepped)


@given(st.floats(min_value=1e-3, max_value=1e6))
def test_the_stepped_end_is_never_short_of_the_end_and_never_more_than_a_step_past_it(end):
    stepped = stepped_range_end(end)
    assert end <= stepped * (1 + 1e-12)
    assert stepped < end * (1 + 2.5 / RANGE_STEPS)  # a 1-2-5 step is under 2.5 x end / RANGE_STEPS


def _frame(qapp, window, dt_s: float) -> None:
    """What a tick does (run on, hand the events and the time to the views), then its paints."""
    window.runner.step(dt_s)
    for _ in range(4):
        qapp.sendPostedEvents()


def test_each_plot_is_painted_once_per_frame(qapp, overview_at):
    import pyqtgraph as pg
    import shiboken6
    from PySide6.QtCore import QEvent, QObject

    _sim, window = overview_at(20.0)  # no alarm near (its banner relays all out)
    for _ in range(3):
        _frame(qapp, window, 0.25 * DAY_S)
    plots = [p for p in window.findChildren(pg.GraphicsView) if p.isVisible()]
    paints = {shiboken6.getCppPointer(p.viewport())[0]: 0 for p in plots}

    class PaintCounter(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint:
                paints[shiboken6.getCppPointer(obj)[0]] += 1
            return False

    counter = PaintCounter()
    for p in plots:
        p.viewport().installEventFilter(counter)
    _frame(qapp, window, 3 * DAY_S)  # the followed range steps (1 d steps at day 21): every plot moves
    for p in plots:
        p.viewport().removeEventFilter(counter)
    assert len(plots) == 5  # scope, battery; reservoir, delivery rate, daily dose
    # each time plot once (the scope's pulse-locked trace, 3 d = a whole number of 20 ms
    # periods later, is the same: not painted at all)
    assert sorted(paints.values()) == [0, 1, 1, 1, 1]


def test_the_projection_labels_are_kept_and_moved_not_made_again(qapp, overview_at):
    _sim, window = overview_at(50.0)
    battery = window.device_views["ipg"].extra["battery"]
    before = list(battery.projection_labels)
    assert [t.toPlainText().split()[0] for t in before] == ["low", "stimulation"]
    _frame(qapp, window, 0.25 * DAY_S)
    assert battery.projection_labels == before  # the same items, moved with the clock


def test_the_dose_bars_are_the_finished_days_and_the_day_in_progress(overview_at):
    # 08:00 start, 3 mg/day: the first day ends at midnight after 16 h (2 mg), then 3 mg a day;
    # at 5.5 d = 132 h the day in progress began at 112 h: 20 h x 0.125 mg/h = 2.5 mg
    sim, window = overview_at(5.5)
    plots = window.device_views["pump"].extra["plots"]
    assert list(plots.dose_bars.opts["height"]) == pytest.approx([2.0, 3.0, 3.0, 3.0, 3.0])
    assert list(plots.today_bar.opts["height"]) == pytest.approx([2.5])
    assert list(plots.dose_bars.opts["height"]) + list(plots.today_bar.opts["height"]) == pytest.approx(sim.devices["pump"].daily_doses())


def test_a_plot_skips_a_frame_less_than_a_pixel_later_but_not_an_event(overview_at):
    sim, window = overview_at(20.0)
    plots = window.device_views["pump"].extra["plots"]
    x_before = plots.true_curve.getData()[0]
    window.runner.step(1.0)  # one second at day 20: far under a pixel of a 20-day axis
    assert plots.true_curve.getData()[0] is x_before  # not redrawn
    window.runner.apply_action("pump", "program", {"mode": {"type": "continuous", "dose_mg_per_day": 6}})
    window.refresh_views()
    assert plots.true_curve.getData()[0] is not x_before  # an event of the pump: redrawn
    assert plots.true_curve.getData()[0][-1] == pytest.approx(sim.now / DAY_S)


def test_the_alarm_table_updates_its_cells_in_place(qapp, overview_at):
    _sim, window = overview_at(54.0)  # the low-reservoir alarm (day 53) repeats hourly
    table = window.alarm_panel.table
    cell = table.item(0, 6)
    count = cell.text()
    _frame(qapp, window, 0.5 * DAY_S)
    assert table.item(0, 6) is cell and cell.text() != count


def test_a_pause_while_playing_leaves_the_plots_painting(qapp, overview_at):
    _sim, window = overview_at(10.0)
    window.runner.play()
    window.runner._tick()
    window.runner.pause()
    assert all(unit.updatesEnabled() for unit in window.views_on_screen())
    assert not window.refresh_pending


def test_the_dose_bars_grown_day_by_day_equal_the_pumps_daily_doses_through_refills(make_window):
    # the finished days are appended as days end (the pump's delivered amount between its
    # midnights) and read again in full after a pump event (a refill, a program): the same
    # figures as daily_doses, exactly, at every frame
    import numpy as np

    from gui.scenario_io import open_scenario as open_file

    sim = Simulation(open_file(default_scenario_path().parent / "pump_morphine_refills.yaml"))
    window = make_window(sim)
    window.show_view("overview")
    window.refresh_views()
    plots = window.device_views["pump"].extra["plots"]
    kinds = set()
    while sim.now < 100 * DAY_S:
        window.runner.step(1.3 * DAY_S)
        kinds |= {r.kind for r in sim.recorder.events if r.device == "pump"}
        doses = sim.devices["pump"].daily_doses()
        assert np.array_equal(plots.dose_bars.opts["height"], doses[:-1])
        assert list(plots.today_bar.opts["height"]) == pytest.approx(doses[-1:], abs=1e-12)
    assert "refill.completed" in kinds
