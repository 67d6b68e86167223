"""A projected date's label is not written over a threshold line's label.

Default scenario at t = 0: the stimulator's battery (about 90 %) is projected to reach its 20 %
low-battery level early in the run, in the left part of the battery plot, whose dashed 20 % line
is labelled 'low battery' at the left edge, just above the line. The projection's label ('low
battery <date>') sat just above the same line, ending at its point: the two texts overlapped.
"""
from __future__ import annotations

from gui.battery_plot import BatteryPlot
from gui.scenario_io import default_scenario_path, open_scenario
from simulator.engine import Simulation


def test_low_battery_date_label_clear_of_the_low_battery_line_label(make_window, qapp, no_dialogs):
    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    window.resize(1600, 1000)
    window.show()
    window.show_view("overview")
    window.refresh_views(0.0)
    qapp.processEvents()
    window.refresh_views(0.0)
    qapp.processEvents()
    battery = window.findChildren(BatteryPlot)[0]
    labels = {item.toPlainText(): item for item in battery.projection_labels}
    low = [item for text, item in labels.items() if text.startswith("low battery ")]
    assert low and battery.low_line.isVisible()
    line_label = battery.low_line.label.sceneBoundingRect()
    assert not low[0].sceneBoundingRect().intersects(line_label)
