"""The curves of a playing time plot are drawn as a finished part (kept as a pixmap) and a live
end: together they show the points of the series (and at most one anchor on the line to now),
the finished part is not re-set while the clock runs, a frame repaints a strip of the plot and
not all of it, stars that moved less than a quarter pixel are not re-set, and the y auto-range
still follows new data. No timing is asserted (benchmarks/gui_frame_time.py measures)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gui.plot_common import LiveEndCurve, prepare_plots_for_paint, set_data_if_moved, time_plot

DAY_S = 86400.0


@pytest.fixture
def plot(qapp):
    widget = time_plot("test", "level", "%")
    widget.resize(800, 300)
    widget.show()
    qapp.processEvents()
    yield widget
    widget.close()
    widget.deleteLater()
    qapp.processEvents()


def _union(curve: LiveEndCurve) -> tuple[list[float], list[float]]:
    """The points drawn by both parts, the joint (the live end's first point) counted once."""
    (dx, dy), (lx, ly) = curve.parts()
    xs, ys = list(dx), list(dy)
    if len(lx):
        assert (lx[0], ly[0]) == (xs[-1], ys[-1])  # the live end starts where the finished part ends
        xs += list(lx[1:])
        ys += list(ly[1:])
    return xs, ys


def test_a_linear_tail_is_drawn_from_an_anchor_on_the_line(plot):
    curve = LiveEndCurve(plot, pg.mkPen("g", width=2), name="level")
    plot.setXRange(0, 40, padding=0)
    bps_x, bps_y = [0.0, 10.0], [100.0, 50.0]  # recorded: 5 %/day from day 10 on (hand-worked)

    def level(day: float) -> float:
        return 50.0 - 5.0 * (day - 10.0)

    curve.set_points(bps_x + [12.0], bps_y + [level(12.0)], n_final=2, linear_tail=True)
    assert _union(curve) == ([0.0, 10.0, 12.0], [100.0, 50.0, 40.0])
    finished = curve.parts()[0]
    curve.set_points(bps_x + [13.0], bps_y + [level(13.0)], n_final=2, linear_tail=True)
    # the finished part (day 0, 10 and the anchor at day 12) is kept; the live end runs 12 -> 13
    assert curve.parts()[0] is finished
    assert _union(curve) == ([0.0, 10.0, 12.0, 13.0], [100.0, 50.0, 40.0, 35.0])
    x, y = curve.getData()  # callers see the curve as given
    assert list(x) == [0.0, 10.0, 13.0] and list(y) == [100.0, 50.0, 35.0]
    # a new breakpoint (an event at day 13.5): the finished part is taken again
    curve.set_points([0.0, 10.0, 13.5, 14.0], [100.0, 50.0, 32.5, 32.5], n_final=3, linear_tail=True)
    assert curve.parts()[0] is not finished
    assert _union(curve)[0][:3] == [0.0, 10.0, 13.5]


def test_the_finished_part_is_taken_again_when_the_view_moves_or_the_live_end_grows(plot):
    curve = LiveEndCurve(plot, pg.mkPen("g"), name="level")
    plot.setXRange(0, 40, padding=0)
    curve.set_points([0.0, 1.0], [1.0, 1.0], n_final=1, linear_tail=True)
    first = curve.parts()[0]
    curve.set_points([0.0, 2.0], [1.0, 1.0], n_final=1, linear_tail=True)
    assert curve.parts()[0] is first  # 1 d of live end on a 40 d view: kept
    curve.set_points([0.0, 2.0 + LiveEndCurve.MAX_LIVE_FRACTION * 40 + 0.5], [1.0, 1.0], n_final=1, linear_tail=True)
    assert curve.parts()[0] is not first  # the live end grew past a tenth of the view
    second = curve.parts()[0]
    plot.setXRange(0, 50, padding=0)
    curve.set_points([0.0, 7.0], [1.0, 1.0], n_final=1, linear_tail=True)
    assert curve.parts()[0] is not second  # the view moved: the whole plot is drawn again anyway


def test_a_single_instant_is_a_dot_and_no_live_end(plot):
    curve = LiveEndCurve(plot, pg.mkPen("g"), name="level")
    curve.set_points([0.0], [80.0], n_final=1, linear_tail=True)
    x, _y = curve.getData()
    assert len(x) == 1 and curve.opts["symbol"] == "o"
    assert len(curve.parts()[1][0]) == 0
    # two points closer than a line can be drawn (a jump to just after t = 0): a dot too, and
    # the next frame draws the line from its first point, not the dot as a finished part
    curve.set_points([0.0, 1e-12], [80.0, 80.0], n_final=1, linear_tail=True)
    assert curve.opts["symbol"] == "o" and len(curve.getData()[0]) == 1
    plot.setXRange(0, 40, padding=0)
    curve.set_points([0.0, 1e-12, 2.0], [80.0, 80.0, 70.0], n_final=2, linear_tail=True)
    assert curve.opts["symbol"] is None
    assert _union(curve) == ([0.0, 1e-12, 2.0], [80.0, 80.0, 70.0])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    breakpoints=st.lists(st.floats(min_value=0.01, max_value=5.0), min_size=1, max_size=6),
    steps=st.lists(st.floats(min_value=0.001, max_value=3.0), min_size=1, max_size=25),
    slope=st.floats(min_value=-5.0, max_value=5.0),
)
def test_both_parts_show_the_series_points_and_anchors_on_its_line(plot, breakpoints, steps, slope):
    # a linear signal: breakpoints at increasing days, then the line on to now at `slope`
    curve = LiveEndCurve(plot, pg.mkPen("g"), name="level")
    plot.setXRange(0, 40, padding=0)
    bx = np.cumsum(breakpoints)
    by = np.sin(bx) * 10.0
    now = float(bx[-1])
    for i, step in enumerate(steps):
        now += step
        if i == len(steps) // 2:
            bx, by = np.append(bx, now), np.append(by, by[-1] + slope * (now - bx[-1]))  # an event
            now += step
        value = float(by[-1] + slope * (now - bx[-1]))
        curve.set_points(np.append(bx, now), np.append(by, value), n_final=len(bx), linear_tail=True)
        xs, ys = _union(curve)
        # every point of the series (breakpoints and now) is drawn, in order ...
        assert xs[:len(bx)] == list(bx) and ys[:len(by)] == list(by)
        assert (xs[-1], ys[-1]) == (now, value)
        # ... and at most one anchor between, on the line from the last breakpoint to now
        extra = list(zip(xs[len(bx):-1], ys[len(by):-1]))
        assert len(extra) <= 1
        for ax, ay in extra:
            assert bx[-1] < ax < now
            assert ay == pytest.approx(by[-1] + slope * (ax - bx[-1]), abs=1e-9)


def test_stars_that_moved_under_a_quarter_pixel_are_not_set_again(plot):
    plot.setXRange(0, 80, padding=0)
    plot.setYRange(0, 100, padding=0)
    stars = pg.ScatterPlotItem()
    plot.addItem(stars)
    px_days = 80 / plot.getPlotItem().getViewBox().width()
    assert set_data_if_moved(stars, [60.0], [20.0])
    assert not set_data_if_moved(stars, [60.0 + 0.2 * px_days], [20.0])  # a fifth of a pixel
    assert list(stars.data["x"]) == [60.0]
    assert set_data_if_moved(stars, [60.0 + 0.3 * px_days], [20.0])  # past a quarter
    assert not set_data_if_moved(stars, [60.0 + 0.3 * px_days], [20.0])
    assert set_data_if_moved(stars, [60.0, 61.0], [20.0, 5.0])  # another number of stars


def test_the_y_auto_range_still_follows_new_data(plot):
    curve = LiveEndCurve(plot, pg.mkPen("b"), name="volume")
    plot.setXRange(0, 40, padding=0)
    curve.set_points([0.0, 5.0], [18.0, 16.0], n_final=1, linear_tail=True)
    prepare_plots_for_paint()
    _x, (y0, y1) = plot.getPlotItem().getViewBox().viewRange()
    assert y0 <= 16.0 and y1 >= 18.0
    curve.set_points([0.0, 6.0], [18.0, 2.0], n_final=1, linear_tail=True)  # a live end far below
    prepare_plots_for_paint()
    _x, (y0, _y1) = plot.getPlotItem().getViewBox().viewRange()
    assert y0 <= 2.0


def _frame(qapp, window, dt_s: float) -> None:
    window.runner.step(dt_s)
    for _ in range(4):
        qapp.sendPostedEvents()


def test_a_frame_repaints_a_strip_of_the_reservoir_and_battery_plots_not_all_of_them(qapp, overview_at):
    from PySide6.QtCore import QEvent, QObject

    sim, window = overview_at(50.0)
    plots = window.device_views["pump"].extra["plots"]
    battery = window.device_views["ipg"].extra["battery"]
    for _ in range(2):
        _frame(qapp, window, 0.2 * DAY_S)  # the range does not step between day 50.2 and 50.6
    watched = {"reservoir": plots.reservoir_plot.viewport(), "battery": battery.plot.viewport()}
    painted: dict[str, float] = {}

    class Exposed(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint:
                for name, viewport in watched.items():
                    if obj is viewport:
                        area = sum(r.width() * r.height() for r in event.region())
                        painted[name] = area / (viewport.width() * viewport.height())
            return False

    exposed = Exposed()
    for viewport in watched.values():
        viewport.installEventFilter(exposed)
    finished = plots.true_curve.parts()[0]
    _frame(qapp, window, 0.2 * DAY_S)
    for viewport in watched.values():
        viewport.removeEventFilter(exposed)
    assert plots.true_curve.parts()[0] is finished  # only the live end was set
    assert plots.true_curve.getData()[0][-1] == pytest.approx(sim.now / DAY_S)
    # both plots painted, each a strip around now (a whole-plot repaint would be ~0.6-0.8)
    assert set(painted) == {"reservoir", "battery"}
    assert max(painted.values()) < 0.25
