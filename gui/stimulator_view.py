"""A stimulator's views: on the overview the scope and the battery plot; its tab holds the
programmer above a second scope, so a transmitted change shows at once. A closed-loop
stimulator also gets its evoked-response and amplitude plots in both."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from gui.battery_plot import BatteryPlot
from gui.closed_loop_plots import ClosedLoopPlots, has_closed_loop
from gui.device_views import DeviceViews
from gui.scope import Scope
from gui.stimulator_programmer import StimulatorProgrammer


class _Panel(QWidget):
    """Stacks views and forwards set_simulation / refresh / on_events to each."""

    def __init__(self, parts, stretches=None, splitter=False):
        super().__init__()
        self.parts = parts
        self.programmer_scroll: QScrollArea | None = None  # the programmer's scroll area (the stimulator tab)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if splitter:
            split = QSplitter(Qt.Orientation.Vertical)
            for p in parts:
                split.addWidget(p)
            layout.addWidget(split)
            self.splitter = split
        else:
            for p, s in zip(parts, stretches or [1] * len(parts)):
                layout.addWidget(p, s)

    def refresh(self, now_s: float) -> None:
        for p in self.parts:
            p.refresh(now_s)

    def on_events(self, records) -> None:
        for p in self.parts:
            if hasattr(p, "on_events"):
                p.on_events(records)


def stimulator_views(sim, device_id: str, runner, x_link_holder: list) -> DeviceViews:
    scope = Scope(device_id)
    scope.set_simulation(sim)
    battery = BatteryPlot(device_id, x_link_holder[0] if x_link_holder else None)
    if not x_link_holder:
        x_link_holder.append(battery.plot)
    battery.set_low_level(sim.devices[device_id].profile.battery.low_battery_pct)
    battery.set_simulation(sim)
    extra = {}
    if has_closed_loop(sim.devices[device_id]):
        loop_plots = ClosedLoopPlots(device_id, x_link_holder[0])
        loop_plots.set_simulation(sim)
        overview = _Panel([scope, battery, loop_plots], [3, 2, 4])
        tab_loop = ClosedLoopPlots(device_id)
        tab_loop.set_simulation(sim)
        extra = {"closed_loop": loop_plots, "tab_closed_loop": tab_loop}
    else:
        overview = _Panel([scope, battery], [3, 2])

    programmer = StimulatorProgrammer(sim, device_id, runner)
    tab_scope = Scope(device_id)
    tab_scope.set_simulation(sim)
    if extra:
        tab = _Panel([programmer, tab_scope, extra["tab_closed_loop"]], splitter=True)
    else:
        tab = _Panel([programmer, tab_scope], splitter=True)
    # the programmer scrolls inside its pane, so the tab fits a small screen (1366 x 768)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(programmer)  # takes it out of the splitter
    tab.splitter.insertWidget(0, scroll)
    tab.programmer_scroll = scroll
    tab.splitter.setSizes([560, 170, 260] if extra else [760, 170])
    return DeviceViews(device_id, "scs", f"Stimulator ({device_id})", tab, overview, {"programmer": programmer, "scope": scope, "tab_scope": tab_scope, "battery": battery, **extra})
