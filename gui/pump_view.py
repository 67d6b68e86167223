"""A pump's views: on the overview its live plots; its tab holds the programmer beside them."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QSplitter, QWidget

from gui.device_views import DeviceViews
from gui.pump_plots import PumpPlots
from gui.pump_programmer import PumpProgrammer


class _PumpTab(QWidget):
    def __init__(self, programmer: PumpProgrammer, plots: PumpPlots):
        super().__init__()
        self.programmer, self.plots = programmer, plots
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(programmer)
        split.addWidget(scroll)
        split.addWidget(plots)
        split.setSizes([560, 700])
        layout.addWidget(split)

    def refresh(self, now_s: float) -> None:
        self.programmer.refresh(now_s)
        self.plots.refresh(now_s)

    def on_events(self, records) -> None:
        self.programmer.on_events(records)  # the form follows the pump
        self.plots.on_events(records)


def pump_views(sim, device_id: str, runner, x_link_holder: list) -> DeviceViews:
    overview = PumpPlots(device_id, x_link_holder[0] if x_link_holder else None)
    if not x_link_holder:
        x_link_holder.append(overview.reservoir_plot)
    overview.set_simulation(sim)
    programmer = PumpProgrammer(sim, device_id, runner)
    tab_plots = PumpPlots(device_id)
    tab_plots.set_simulation(sim)
    tab = _PumpTab(programmer, tab_plots)
    return DeviceViews(device_id, "pump", f"Pump ({device_id})", tab, overview, {"programmer": programmer, "plots": overview, "tab_plots": tab_plots})
