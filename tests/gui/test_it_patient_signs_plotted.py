"""The intrathecal patient's stage plot draws the side-effect signs' grades, not only withdrawal.

it_patient_ziconotide_titration (scenario description): ziconotide from 2.4 mcg/day, raised by 2.4
each week to 12, then 16.8 mcg/day; confusion and memory trouble (the neuropsychiatric sign) build
over weeks at the higher doses and fade after the dose is cut back on day 49; ziconotide has no
withdrawal. The teaching point of the scenario was drawn nowhere: its plot of stages stayed empty
(no withdrawal) and the sign was only in the 'Now' text and the event list.
"""
from __future__ import annotations

from simulator.engine import Simulation
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario

DAY_S = 86400.0


def test_neuropsychiatric_grade_is_drawn_over_the_titration(make_window, no_dialogs):
    registry = default_registry()
    sim = Simulation(load_scenario("it_patient_ziconotide_titration", registry), registry=registry)
    window = make_window(sim, registry)
    window.show_view("patient")
    window.runner.jump_to(70 * DAY_S, blocking=True)
    window.refresh_views()
    plots = window.device_views["patient"].extra["it_patient_view"].plots
    names = [c.name for c in plots.curves["withdrawal"]]
    assert names == ["neuropsychiatric (sign)"]  # and no withdrawal curve: ziconotide has none
    levels = plots.stages["sign:neuropsychiatric"]
    assert levels[0] == (0.0, 0)
    peak_t, peak = max(levels, key=lambda p: (p[1], -p[0]))
    assert peak >= 1 and 21 * DAY_S < peak_t < 49 * DAY_S  # built at the higher doses, before the cut
    assert levels[-1][1] == 0 and levels[-1][0] > 49 * DAY_S  # faded after the day-49 cut
    x, y = plots.curves["withdrawal"][0].item.getData()
    assert x[-1] == 70.0 and y[-1] == 0.0  # drawn to now, at none
    assert max(y) == peak
