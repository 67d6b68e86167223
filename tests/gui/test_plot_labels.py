"""Plot labels that must not be cut or printed into each other.

A threshold line's label stays inside its plot: below a line near the top of the view (the
daily maximum 15 mg/day on a 0-17 axis), above one near the bottom (a 10 % low-battery line on
a 0-100 axis). Before, the label sat on the outer side and was cut by the plot's edge."""
from __future__ import annotations

import pyqtgraph as pg
import pytest

from gui.plot_common import threshold_line


@pytest.mark.parametrize(("y_top", "level", "side"), [(17.0, 15.0, "below"), (100.0, 10.0, "above"), (20.0, 2.0, "above")])
def test_threshold_label_is_inside_the_view_on_the_side_towards_the_middle(qtbot, y_top, level, side):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(600, 160)
    plot.setYRange(0, y_top, padding=0)
    plot.setXRange(0, 10, padding=0)
    line = threshold_line(plot, "limit")
    line.setPos(level)
    plot.show()
    qtbot.waitExposed(plot)
    qtbot.wait(20)  # the view's transform settles after the first layout
    view = plot.getPlotItem().getViewBox().sceneBoundingRect()
    text = line.label.sceneBoundingRect()
    line_y = plot.getPlotItem().getViewBox().mapViewToScene(pg.Point(5, level)).y()
    assert view.top() <= text.top() and text.bottom() <= view.bottom()
    if side == "below":  # scene y grows downwards
        assert text.center().y() > line_y
    else:
        assert text.center().y() < line_y


def test_no_day_tick_crowds_the_month_tick():
    """Start 2026-01-05 08:00, days -2..70, day ticks every 5 days (..., 26 Feb, 3 Mar, ...):
    1 Mar 00:00 is day 54 + 16/24; 3 Mar only 2 days later (< half the 5-day step) would print
    'Mar03', so it goes; 26 Feb, 3 days before the month tick, stays."""
    from datetime import datetime

    from gui.plot_common import CalendarAxis

    axis = CalendarAxis(orientation="bottom")
    axis.set_start(datetime(2026, 1, 5, 8))
    (month_step, months), (day_step, days) = axis.tickValues(-2.0, 70.0, 700)
    mar_1, mar_3, feb_26 = 54 + 16 / 24, 56 + 16 / 24, 51 + 16 / 24
    assert mar_1 in [pytest.approx(m) for m in months]
    assert mar_3 not in [pytest.approx(d) for d in days]
    assert feb_26 in [pytest.approx(d) for d in days]
    assert all(abs(d - m) >= 2.5 for d in days for m in months)
