"""Every tick label of the intrathecal patient's fixed-scale plots says the value at its tick.

The pain score (NRS 0-10) and the sedation / respiratory-depression indices (0-1) are drawn on
fixed scales with ticks at the halves and quarters: 0, 2.5, 5, 7.5, 10 and 0, 0.25, 0.5, 0.75, 1.
A label rounded to whole units ('2' at 2.5, '8' at 7.5) would make a trainee read a pain score of
8.0 as 'just above 8' when it lies a fifth of the way from the 7.5 tick to 10.
"""
from __future__ import annotations

from simulator.engine import Simulation
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario


def drawn_tick_labels(axis, lo: float, hi: float, length_px: int = 200) -> list[tuple[float, str]]:
    """(value, label) of every tick `axis` labels over lo..hi, picked as AxisItem.generateDrawSpecs
    picks them: the fixed ticks when set, else tickValues with their tickStrings."""
    if axis._tickLevels is not None:
        return [(float(v), s) for level in axis._tickLevels for v, s in level]
    out: list[tuple[float, str]] = []
    for spacing, values in axis.tickValues(lo, hi, length_px):
        out += list(zip(values, axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing)))
    return out


def test_patient_plot_ticks_are_labelled_with_their_values(make_window):
    registry = default_registry()
    sim = Simulation(load_scenario("it_patient_catheter_occlusion", registry), registry=registry)
    window = make_window(sim, registry)
    window.show_view("patient")
    window.refresh_views()
    plots = window.device_views["patient"].extra["it_patient_view"].plots.plots
    nrs = drawn_tick_labels(plots["pain"].getPlotItem().getAxis("left"), 0.0, 10.0)
    index = drawn_tick_labels(plots["cns"].getPlotItem().getAxis("left"), 0.0, 1.0)
    assert sorted(nrs) == [(0.0, "0"), (2.5, "2.5"), (5.0, "5"), (7.5, "7.5"), (10.0, "10")]
    assert sorted(index) == [(0.0, "0"), (0.25, "0.25"), (0.5, "0.5"), (0.75, "0.75"), (1.0, "1")]
