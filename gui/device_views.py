"""Which views a device gets: its programmer tab and its panel on the overview.

A device view is a QWidget with `set_simulation(sim)`, `refresh(now_s)` and `on_events(records)`.
Stimulators and pumps get their programmer and live plots; any other device kind gets generic
plots of its recorded series.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtWidgets import QWidget


@dataclass
class DeviceViews:
    device_id: str
    kind: str
    tab_title: str
    tab: QWidget | None
    overview: QWidget
    extra: dict = field(default_factory=dict)


def views_for(sim, device_id: str, runner, x_link_holder: list) -> DeviceViews:
    device = sim.devices[device_id]
    kind = type(device).kind
    if kind == "scs":
        from gui.stimulator_view import stimulator_views

        return stimulator_views(sim, device_id, runner, x_link_holder)
    if kind == "pump":
        from gui.pump_view import pump_views

        return pump_views(sim, device_id, runner, x_link_holder)
    from gui.series_plots import SeriesPlots

    overview = SeriesPlots([device_id])
    overview.set_simulation(sim, x_link_holder[0] if x_link_holder else None)
    return DeviceViews(device_id, kind, device_id, None, overview)
