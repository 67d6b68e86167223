"""Which views a device gets: its programmer tab and its panel on the overview.

A device view is a QWidget with `set_simulation(sim)`, `refresh(now_s)` and `on_events(records)`.
Stimulators and pumps get their programmer and live plots, a virtual patient its body map
(`gui.patient_view`); any other device kind gets generic
plots of its recorded series.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtWidgets import QBoxLayout, QWidget


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
    if kind == "patient":
        from gui.patient_view import patient_views

        return patient_views(sim, device_id, runner, x_link_holder)
    if kind == "intrathecal_patient":
        from gui.it_patient_view import it_patient_views

        return it_patient_views(sim, device_id, runner, x_link_holder)
    from gui.series_plots import SeriesPlots

    overview = SeriesPlots([device_id])
    overview.set_simulation(sim, x_link_holder[0] if x_link_holder else None)
    return DeviceViews(device_id, kind, device_id, None, overview)


#: The title of a device's programmer tab by kind (None: the kind has no tab), known before the
#: views are built; `views_for` gives the same titles.
TAB_TITLES = {"scs": "Stimulator ({})", "pump": "Pump ({})", "patient": "Patient ({})", "intrathecal_patient": "Patient ({})"}


class LiveView(Protocol):
    """What every device view answers (a QWidget that redraws and takes new events)."""

    def refresh(self, now_s: float) -> None: ...

    def on_events(self, records: list) -> None: ...


#: The lowest height of each plot of an overview panel when the overview is compact (two rows of
#: devices): four stimulators at 1366 x 768 with the training dock open leave about 450 px for
#: two rows, each a scope's controls (24 px), a scope and a battery plot: (450 - 8) / 2 - 24 - 8
#: = 189 px for two plots, so 90 px each, of which about 55 px of data under the title row.
COMPACT_PLOT_MIN_PX = 90
#: What the overview's layouts put between parts when compact (px).
COMPACT_SPACING_PX = 2


def apply_compact(view: QWidget, compact: bool) -> None:
    """Make an overview panel fit a crowded overview (`compact`) or give it back its own sizes:
    every plot's lowest height (`COMPACT_PLOT_MIN_PX`, the plot's own minimum kept to restore),
    each scope's read-out on its controls' line, and tight spacing between the parts."""
    import pyqtgraph as pg

    from gui.battery_plot import BatteryPlot
    from gui.scope import Scope

    for plot in view.findChildren(pg.PlotWidget):
        own = plot.property("own_min_height_px")
        if own is None:
            own = plot.minimumHeight()
            plot.setProperty("own_min_height_px", own)
        plot.setMinimumHeight(min(int(own), COMPACT_PLOT_MIN_PX) if compact else int(own))
    for scope in view.findChildren(Scope):
        scope.set_compact(compact)
    for battery in view.findChildren(BatteryPlot):
        # 0 / 50 / 100 % on a short axis (six labels in 55 px overlap), and a label that fits
        axis = battery.plot.getPlotItem().getAxis("left")
        if compact:
            axis.setTickSpacing(50.0, 10.0)
        else:
            axis.setTickSpacing()
        battery.plot.setLabel("left", "level" if compact else "battery level", units="%")
    top = view.layout()
    if isinstance(top, QBoxLayout):
        own = top.property("own_stretches")
        if own is None:
            own = [top.stretch(i) for i in range(top.count())]
            top.setProperty("own_stretches", own)
        for i, stretch in enumerate(own):
            # compact: the plots share the height about evenly (the first part, the scope, also
            # carries its controls' line: 4 to 3)
            top.setStretch(i, (4 if i == 0 else 3) if compact and stretch else stretch)
    layouts = [view.layout()] + [w.layout() for w in view.findChildren(QWidget) if w.layout() is not None]
    for layout in layouts:
        if layout is None:
            continue
        own = layout.property("own_spacing_px")
        if own is None:
            own = layout.spacing()
            layout.setProperty("own_spacing_px", own)
        layout.setSpacing(min(int(own), COMPACT_SPACING_PX) if compact else int(own))


class ViewSlot(QWidget):
    """An empty stand-in for one part ('tab' or 'overview') of a device's views, filled with the
    real view when it is first needed; it forwards `refresh` and `on_events` once filled."""

    def __init__(self, owner: LazyDeviceViews, part: str, parent: QWidget | None = None):
        super().__init__(parent)
        from PySide6.QtWidgets import QVBoxLayout

        self.owner, self.part = owner, part
        self.setObjectName(f"slot-{part}-{owner.device_id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def view(self) -> LiveView | None:
        """The real view when built (None before)."""
        built = self.owner.built
        return None if built is None else getattr(built, self.part)

    def fill(self, widget: QWidget) -> None:
        layout = self.layout()
        assert layout is not None  # the QVBoxLayout made in __init__
        layout.addWidget(widget)
        widget.show()  # at once, not when the event loop next runs (shown when the slot is)

    def refresh(self, now_s: float) -> None:
        self.owner.build()
        view = self.view()
        if view is not None:
            view.refresh(now_s)

    def on_events(self, records) -> None:
        view = self.view()
        if view is not None and hasattr(view, "on_events"):
            view.on_events(records)


class LazyDeviceViews:
    """A device's views, built on first use: the main window puts the two slots (tab and overview
    panel) in place at once, and the heavy views (programmer, plots, scopes) are made only when a
    slot is first refreshed on screen or `extra` is asked for. A scenario of 64 devices opens
    with only the views on screen built."""

    def __init__(self, sim, device_id: str, runner, x_link_holder: list, parent: QWidget | None = None):
        """`parent` owns the slots until they are placed (the main window's overview)."""
        self.sim, self.device_id, self.runner, self._x_link_holder = sim, device_id, runner, x_link_holder
        self.kind = type(sim.devices[device_id]).kind
        title = TAB_TITLES.get(self.kind)
        self.tab_title = title.format(device_id) if title else device_id
        self.built: DeviceViews | None = None
        #: the overview panel is compact (a crowded overview page); applied when built
        self.compact = False
        self.overview = ViewSlot(self, "overview", parent)
        self.tab = ViewSlot(self, "tab", parent) if title else None
        for slot in (self.overview, self.tab):
            if slot is not None:
                slot.hide()  # until placed on screen

    def build(self) -> DeviceViews:
        """Build the real views into the slots (once); returns them."""
        if self.built is None:
            views = views_for(self.sim, self.device_id, self.runner, self._x_link_holder)
            self.built = views
            self.overview.fill(views.overview)
            if self.compact:
                apply_compact(views.overview, True)
            if self.tab is not None and views.tab is not None:
                self.tab.fill(views.tab)
        return self.built

    def set_compact(self, compact: bool) -> None:
        """Compact overview panel or not (now if built, else when built)."""
        if compact != self.compact and self.built is not None:
            apply_compact(self.built.overview, compact)
        self.compact = compact

    @property
    def extra(self) -> dict:
        return self.build().extra

    def dispose(self) -> None:
        """Hide the slots and delete them when the event loop next runs (a new simulation)."""
        for slot in (self.overview, self.tab):
            if slot is not None:
                slot.hide()
                slot.deleteLater()
