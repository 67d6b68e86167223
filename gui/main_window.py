"""The main window: time controls, an overview of live plots, a tab per device programmer,
the event log, the alarm panel and a calendar clock in the status bar."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs, scenario_io
from gui.alarm_banner import AlarmBanner
from gui.alarm_panel import AlarmPanel, unlogged_repeats_of
from gui.device_views import COMPACT_SPACING_PX, LazyDeviceViews
from gui.event_log import EventLog
from gui.plot_common import copy_widget_image, prepare_plots_for_paint
from gui.runner import SimRunner
from gui.session import ProgrammingSession
from gui.time_controls import TimeControls
from simulator.engine import Simulation
from simulator.errors import InputError
from simulator.units import describe_elapsed

if TYPE_CHECKING:
    from gui.training.dock import TrainingDock

SHORTCUTS_HELP = """Space: play / pause
Ctrl+Right: step        Ctrl+N: next event        Ctrl+J: jump to a time
+ / -: faster / slower
Ctrl+O: open scenario   Ctrl+S: save scenario     Ctrl+E: export results
Ctrl+Shift+C: copy the current view as an image
Ctrl+K: acknowledge the selected alarm
Ctrl+Z: undo the last transmit (reviewed, sent as a new transmit)
Ctrl+Shift+T: training dock (Training menu: exercises, demonstrations)
Ctrl+1 ... Ctrl+9: switch view"""
#: The widest text the status bar's clock shows (sets its width).
CLOCK_WIDEST_TEXT = "  Wed 2026-12-30 00:00:00  |  elapsed 36500d 00:00:00  "
#: Devices shown side by side on the overview; more are paged (a scenario may have 64).
OVERVIEW_PAGE_SIZE = 4
#: The smallest screen the window must fit, px (a common laptop screen): tabs, panes and the
#: training dock scroll rather than force the window larger.
SMALL_SCREEN_PX = (1366, 768)
#: Columns of the overview grid when a page has three or four devices (two rows of two).
OVERVIEW_COLUMNS = 2
#: The alarm panel's greatest height (px): about three rows, or about two in a window shorter
#: than SHORT_WINDOW_PX (a 1366 x 768 screen), where the plots need the height.
ALARM_PANEL_MAX_PX = 130
ALARM_PANEL_SHORT_PX = 104
SHORT_WINDOW_PX = 850


class MainWindow(QMainWindow):
    training_dock: TrainingDock  # added by gui.training.install_training_dock

    def __init__(self, sim: Simulation, registry=None, scenario_path: str | None = None):
        super().__init__()
        self.registry = registry
        self.scenario_path = scenario_path
        self.runner = SimRunner(sim, parent=self)
        # the programming session: transmits are reviewed and logged through runner.session
        self.session = ProgrammingSession(sim, scenario_path, parent=self)
        self.runner.session = self.session
        self.setWindowTitle("neuromod-sim")
        self.device_views: dict[str, LazyDeviceViews] = {}  # each built when first on screen
        self._x_link_holder: list = []

        self.time_controls = TimeControls(self.runner)
        bar = QToolBar("Time")
        bar.setObjectName("time-toolbar")
        bar.setMovable(False)
        bar.addWidget(self.time_controls)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(lambda _i: self.refresh_views())
        self._build_central()
        self.overview = QWidget()
        overview_layout = QVBoxLayout(self.overview)
        overview_layout.setContentsMargins(0, 0, 0, 0)
        self.overview_pages = QComboBox()
        self.overview_pages.setToolTip(f"The overview shows {OVERVIEW_PAGE_SIZE} devices at a time: choose which")
        self.overview_pages.currentIndexChanged.connect(self._show_overview_page)
        page_bar = QHBoxLayout()
        page_bar.addWidget(self.overview_pages)
        page_bar.addStretch(1)
        self.overview_page_bar = QWidget()
        self.overview_page_bar.setLayout(page_bar)
        overview_layout.addWidget(self.overview_page_bar)
        # the page's device panels in a grid (two columns for three or four devices, never one
        # wide row) inside a scroll area: a small screen scrolls them instead of cutting them off
        self.overview_grid_host = QWidget()
        self.overview_row = QGridLayout(self.overview_grid_host)
        self.overview_row.setContentsMargins(2, 2, 2, 2)
        self.overview_scroll = QScrollArea()
        self.overview_scroll.setWidgetResizable(True)
        self.overview_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.overview_scroll.setWidget(self.overview_grid_host)
        overview_layout.addWidget(self.overview_scroll, 1)
        self.event_log = EventLog()

        self.alarm_panel = AlarmPanel(self.runner.apply_action)
        self.alarm_panel.mute_changed.connect(self._mute_changed)
        self.alarm_panel.player.fallback_note = self.session.note
        self.alarm_banner.acknowledge_requested.connect(self.alarm_panel.acknowledge)
        self.alarm_panel.acknowledged.connect(lambda *_a: self.alarm_banner.refresh())
        dock = QDockWidget("Alarms", self)
        dock.setObjectName("alarms-dock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        dock.setWidget(self.alarm_panel)
        self.alarm_panel.setMaximumHeight(ALARM_PANEL_MAX_PX)  # about three rows: the banner above is the main signal
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.alarm_dock = dock

        self.clock_label = QLabel()
        self.clock_label.setToolTip("Calendar time of the simulation, and elapsed time since the scenario start (days hh:mm:ss)")
        # as wide as its widest text: a clock that changes every frame never relays the status
        # bar out (its labels moved by a pixel or two at almost every frame)
        self.clock_label.setMinimumWidth(self.clock_label.fontMetrics().horizontalAdvance(CLOCK_WIDEST_TEXT))
        # and of a fixed size, filling its own background: a new text then repaints the label
        # alone (a size hint that changes with the text asked the status bar to lay out and
        # repaint itself, its other labels and the window behind them at every frame)
        self.clock_label.setText(CLOCK_WIDEST_TEXT)
        widest = self.clock_label.sizeHint()
        self.clock_label.setText("")
        self.clock_label.setFixedSize(max(self.clock_label.minimumWidth(), widest.width()), widest.height())
        self.clock_label.setAutoFillBackground(True)
        self.speed_label = QLabel()
        self.state_label = QLabel()
        self.statusBar().addPermanentWidget(self.state_label)
        self.statusBar().addPermanentWidget(self.speed_label)
        self.statusBar().addPermanentWidget(self.clock_label)

        self._demo_windows: list[QWidget] = []
        self._build_menus()
        self.runner.advanced.connect(self._on_advanced)
        self.runner.new_events.connect(self._on_events)
        self.runner.speed_changed.connect(self._show_speed)
        self.runner.playing_changed.connect(lambda _p: self._show_state())
        self.runner.busy_changed.connect(lambda _b: self._show_state())
        # after a jump the views redraw over several event-loop iterations, one part per
        # iteration (see refresh_views): the frame that ends a jump never paints every plot
        self._refresh_queue: list = []
        self._frozen: list = []  # parts not painting until their turn in a staggered redraw
        self._stagger_next = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self._refresh_next)
        self.runner.busy_changed.connect(self._jump_busy_changed)
        self.runner.simulation_changed.connect(self._build_views)
        from gui.plot_common import BUS

        BUS.hover_text.connect(self.show_plot_hover)
        BUS.event_clicked.connect(self.select_event)
        self._bus_connected = True
        self._build_views(sim)
        self.event_log.reset(list(sim.recorder.events), sim.scenario.start, list(sim.devices))
        self._install_training()
        self._show_speed(self.runner.speed_x)
        self._on_advanced(sim.now)
        self._fit_screen()

    # ----- building -----
    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        self._action(m, "&Open scenario...", QKeySequence.StandardKey.Open, self.open_scenario_dialog)
        self._action(m, "&Save scenario as...", QKeySequence.StandardKey.Save, self.save_scenario_dialog)
        self._action(m, "&Export results...", "Ctrl+E", self.export_results_dialog)
        self._action(m, "Save session &report...", None, self.save_report_dialog)
        m.addSeparator()
        self._action(m, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        e = self.menuBar().addMenu("&Edit")
        self._action(e, "&Undo last transmit", QKeySequence.StandardKey.Undo, self.undo_last_transmit)
        self._action(e, "&Copy view as image", "Ctrl+Shift+C", self.copy_view_image)
        self.view_menu = self.menuBar().addMenu("&View")
        self._tab_actions: list[QAction] = []
        # tab entries go above this separator; dock toggles below it (never QMenu.clear():
        # PySide invalidates the Python side of every action that was in the menu)
        self._view_sep = self.view_menu.addSeparator()
        self.view_menu.addAction(self.alarm_dock.toggleViewAction())
        self.training_menu = self.menuBar().addMenu("&Training")
        h = self.menuBar().addMenu("&Help")
        self._action(h, "&Keyboard shortcuts", "F1", lambda: dialogs.inform(self, "Keyboard shortcuts", SHORTCUTS_HELP, QMessageBox.Icon.Information))
        self._action(h, "&About", None, lambda: dialogs.inform(self, "About neuromod-sim", "A simulator of spinal cord stimulators and intrathecal drug pumps, for training and engineering only. Not medical advice.", QMessageBox.Icon.Information))

    def _action(self, menu, text, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_views(self, sim: Simulation) -> None:
        for i in reversed(range(self.tabs.count())):
            w = self.tabs.widget(i)
            self.tabs.removeTab(i)
            if w is not None and w is not self.event_log and w is not self.overview and w is not self.session_view:
                w.hide()  # a deferred delete waits for the event loop: never leave it drawn meanwhile
                w.deleteLater()
        while self.overview_row.count():
            self.overview_row.takeAt(0)
        for views in self.device_views.values():
            # out of the layout but still a visible child until the deferred delete runs
            # (not before the event loop returns, e.g. when a screenshot is taken): hidden at once
            views.dispose()
        self._x_link_holder.clear()
        # the slots only: each device's heavy views are built when first on screen
        self.device_views = {dev_id: LazyDeviceViews(sim, dev_id, self.runner, self._x_link_holder, self.overview) for dev_id in sim.devices}
        n = len(self.device_views)
        self.overview_pages.blockSignals(True)
        self.overview_pages.clear()
        for first in range(0, n, OVERVIEW_PAGE_SIZE):
            last = min(first + OVERVIEW_PAGE_SIZE, n)
            ids = list(self.device_views)[first:last]
            self.overview_pages.addItem(f"devices {first + 1}-{last} of {n}: {', '.join(ids)}")
        self.overview_pages.blockSignals(False)
        self.overview_page_bar.setVisible(n > OVERVIEW_PAGE_SIZE)
        self._show_overview_page(0)
        self.tabs.addTab(self.overview, "Overview")
        for views in self.device_views.values():
            if views.tab is not None:
                self.tabs.addTab(views.tab, views.tab_title)
        self.tabs.addTab(self.event_log, "Event log")
        self.tabs.addTab(self.session_view, "Session")
        for act in self._tab_actions:
            self.view_menu.removeAction(act)
            act.deleteLater()
        self._tab_actions = []
        for i in range(self.tabs.count()):
            act = QAction(self.tabs.tabText(i), self)
            if i < 9:
                act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _c=False, i=i: self.tabs.setCurrentIndex(i))
            self.view_menu.insertAction(self._view_sep, act)
            self._tab_actions.append(act)
        self.alarm_panel.set_simulation(sim)
        self.alarm_banner.set_simulation(sim)
        if self.session.sim is not sim:
            self.session.start(sim, self.scenario_path)
        self.alarm_panel.player.renote()  # the sound fallback is noted in each session's log
        self.event_log.reset(list(sim.recorder.events), sim.scenario.start, list(sim.devices))
        from simulator.results import profile_overrides_of

        overrides = "; ".join(f"{pid} from {path}" for pid, path in profile_overrides_of(sim).items())
        self.setWindowTitle(f"neuromod-sim: {sim.scenario.name}" + (f"  [overridden profile: {overrides}]" if overrides else ""))

    def overview_devices(self) -> list[str]:
        """The device ids on the overview's current page."""
        page = max(self.overview_pages.currentIndex(), 0)
        return list(self.device_views)[page * OVERVIEW_PAGE_SIZE:(page + 1) * OVERVIEW_PAGE_SIZE]

    def _show_overview_page(self, page: int) -> None:
        """Put the panels of the devices of `page` on the overview (built when first refreshed)."""
        while self.overview_row.count():
            item = self.overview_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget:
                widget.hide()
        if page < 0:
            return
        ids = list(self.device_views)[page * OVERVIEW_PAGE_SIZE:(page + 1) * OVERVIEW_PAGE_SIZE]
        columns = OVERVIEW_COLUMNS if len(ids) > 2 else max(len(ids), 1)
        for c in range(OVERVIEW_COLUMNS):
            self.overview_row.setColumnStretch(c, 1 if c < columns else 0)
        for r in range(2):
            self.overview_row.setRowStretch(r, 1 if r < (len(ids) + columns - 1) // columns else 0)
        rows = (len(ids) + columns - 1) // columns
        self.overview_row.setSpacing(COMPACT_SPACING_PX if rows > 1 else -1)
        for i, dev_id in enumerate(ids):
            # two rows of devices share the height: their panels are compact (they fit 1366 x 768)
            self.device_views[dev_id].set_compact(rows > 1)
            slot = self.device_views[dev_id].overview
            self.overview_row.addWidget(slot, i // columns, i % columns)
            slot.show()
        if self.tabs.currentWidget() is self.overview:
            self.refresh_views()

    # ----- training -----
    def _install_training(self) -> None:
        """The training dock (exercises, 'Check my work') on the right, hidden until asked for;
        the Training menu shows it and opens the educator demonstrations in their own windows."""
        from gui.training import install_training_dock
        from simulator.training.demos import DEMOS

        dock = install_training_dock(self)
        dock.hide()
        toggle = dock.toggleViewAction()
        toggle.setText("&Exercises (training dock)")
        toggle.setShortcut(QKeySequence("Ctrl+Shift+T"))
        toggle.setToolTip("Show or hide the training dock: pick an exercise, do it, 'Check my work'")
        self.training_menu.addAction(toggle)
        self.training_menu.addSeparator()
        for name, title in DEMOS.items():
            act = QAction(f"Demonstration: {title}", self)
            act.triggered.connect(lambda _c=False, name=name: self.open_demo(name))
            self.training_menu.addAction(act)
        self.view_menu.addAction(toggle)

    def show_training(self, visible: bool = True) -> None:
        self.training_dock.setVisible(visible)
        if visible:
            self.training_dock.raise_()

    def open_demo(self, name: str) -> QWidget:
        """Open an educator demonstration ('waveforms', 'bridge-bolus', 'csf') in its own window;
        it is closed with the main window."""
        from gui.training import DemoView

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            view = DemoView(name, registry=self.registry)
        finally:
            QApplication.restoreOverrideCursor()
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._demo_windows = [v for v in self._demo_windows if shiboken6.isValid(v)] + [view]
        view.resize(1300, 520)
        view.show()
        return view

    # ----- views -----
    def show_view(self, name: str) -> None:
        """Select a tab by name: overview, events, a device id, or a kind (stimulator, pump)."""
        wanted = name.strip().lower()
        aliases = {"overview": self.overview, "events": self.event_log, "event-log": self.event_log, "log": self.event_log, "session": self.session_view}
        target = aliases.get(wanted)
        if target is None:
            for views in self.device_views.values():
                kind_name = {"scs": "stimulator", "pump": "pump"}.get(views.kind, views.kind)
                if views.tab is not None and wanted in (views.device_id.lower(), kind_name, views.kind):
                    target = views.tab
                    break
        if target is None:
            raise InputError(f"no view {name!r}; views: {', '.join(self.available_views())}")
        self.tabs.setCurrentWidget(target)

    def available_views(self) -> list[str]:
        names = ["overview"]
        for views in self.device_views.values():
            if views.tab is not None:
                names.append({"scs": "stimulator", "pump": "pump"}.get(views.kind, views.device_id))
        return names + ["events", "session"]

    def show_plot_hover(self, text: str) -> None:
        """A time plot's hover read-out (calendar and elapsed time, values) in the status bar."""
        self.statusBar().showMessage(text, 5000)

    def select_event(self, record) -> None:
        """An event marker was clicked: show the event log with that event selected."""
        from gui.event_markers import select_in_log

        if select_in_log(self.event_log, record):
            self.tabs.setCurrentWidget(self.event_log)

    # ----- updates -----
    def _on_advanced(self, now_s: float) -> None:
        sim = self.runner.sim
        cal = sim.calendar_time(now_s)
        self.clock_label.setText(f"  {cal:%a %Y-%m-%d %H:%M:%S}  |  elapsed {describe_elapsed(now_s)}  ")
        if self.alarm_panel.on_advanced(now_s):  # sound each alarm repeat the clock passed
            self._refresh_banner()
        self.event_log.set_pending_repeats(unlogged_repeats_of(sim))
        self.refresh_views(now_s, staggered=self._stagger_next)
        self._stagger_next = False
        self._show_state()

    def _jump_busy_changed(self, busy: bool) -> None:
        """A jump ended (or was cancelled): its redraw at the new time is staggered, and the parts
        on screen stop painting until their turn (the events of the jump may show the alarm
        banner, and the layout change would otherwise repaint every plot, with its year-long
        curves, in the one frame that ends the jump)."""
        self._stagger_next = not busy
        if not busy:
            for unit in self.views_on_screen():
                if unit.updatesEnabled():
                    unit.setUpdatesEnabled(False)
                    self._frozen.append(unit)

    def _thaw(self, unit) -> None:
        """Let a part paint again (it repaints at once with what it now shows)."""
        if unit in self._frozen:
            self._frozen.remove(unit)
            if shiboken6.isValid(unit):
                unit.setUpdatesEnabled(True)

    def views_on_screen(self) -> list:
        """What redraws at a new time, on-screen order: each overview panel's parts (scope,
        battery, ...), or the current device tab (built when first asked for)."""
        current = self.tabs.currentWidget()
        if current is self.overview:
            units: list[QWidget] = []
            for dev_id in self.overview_devices():
                lazy = self.device_views[dev_id]
                lazy.build()
                panel = lazy.overview.view()
                units.extend(getattr(panel, "parts", None) or [lazy.overview])
            return units
        return [views.tab for views in self.device_views.values() if views.tab is not None and current is views.tab]

    def refresh_views(self, now_s: float | None = None, staggered: bool = False) -> None:
        """Redraw the views on screen: every overview panel, or the current programmer tab.

        `staggered` (the redraw after a jump: the year-long curves of four stimulators took
        ~100 ms to redraw and paint in one frame): the views' handling of the jump's events, then
        each part on screen, run one per event-loop iteration (a 0 ms timer), each painted before
        the next runs, so no one frame carries them all. A later redraw runs what is still queued
        of the events at once and replaces the queued redraws."""
        now_s = self.runner.sim.now if now_s is None else now_s
        units = self.views_on_screen()
        if staggered:
            events = [step for step in self._refresh_queue if step[0] != "refresh"]
            self._refresh_queue = events + [("refresh", unit, None) for unit in units]
            self._refresh_timer.start()
            return
        self._run_queued_events()
        for unit in units:
            unit.refresh(now_s)
        prepare_plots_for_paint()
        for unit in list(self._frozen):
            self._thaw(unit)

    @property
    def refresh_pending(self) -> bool:
        """Steps of a staggered redraw still to come."""
        return bool(self._refresh_queue)

    def _run_step(self, step) -> None:
        kind, widget, records = step
        if kind == "call":
            widget()
            return
        if not shiboken6.isValid(widget):
            return
        if kind == "events":
            widget.on_events(records)
        else:
            widget.refresh(self.runner.sim.now)
            prepare_plots_for_paint()
            self._thaw(widget)

    def _run_queued_events(self) -> None:
        """Hand the views every event still queued (in order), show the banner; drop the queued
        redraws."""
        queue, self._refresh_queue = self._refresh_queue, []
        self._refresh_timer.stop()
        for step in queue:
            if step[0] != "refresh":
                self._run_step(step)

    def _refresh_next(self) -> None:
        """One more step of a staggered redraw (a redraw at the simulation's time now)."""
        if self._refresh_queue:
            self._run_step(self._refresh_queue.pop(0))
        if self._refresh_queue:
            self._refresh_timer.start()
        else:
            for unit in list(self._frozen):  # anything left off the screen meanwhile
                self._thaw(unit)

    def _refresh_banner(self) -> None:
        """Show the alarms in the banner; at the end of a jump as the first step of the
        staggered redraw (its appearing moves every plot down: that relayout gets a frame of its own)."""
        if not self._stagger_next:
            self.alarm_banner.refresh()
        elif ("call", self.alarm_banner.refresh, None) not in self._refresh_queue:
            self._refresh_queue.insert(0, ("call", self.alarm_banner.refresh, None))

    def _on_events(self, records: list) -> None:
        self.event_log.add(records)
        self.alarm_panel.on_events(records)
        if any(r.kind.startswith("alarm.") for r in records):
            self._refresh_banner()
        if not self._stagger_next:
            self._run_queued_events()  # a staggered redraw's events first, in order
        for views in self.device_views.values():
            if views.built is None:
                continue  # built later from the simulation's state, nothing to tell it now
            for w in (views.overview, views.tab):
                if w is not None:
                    if self._stagger_next:  # the end of a jump: one view per event-loop iteration
                        self._refresh_queue.append(("events", w, records))
                    else:
                        w.on_events(records)

    def _show_speed(self, speed_x: float) -> None:
        if speed_x >= 86400:
            text = f"{speed_x / 86400:g} d/s"
        elif speed_x >= 3600:
            text = f"{speed_x / 3600:g} h/s"
        elif speed_x >= 60:
            text = f"{speed_x / 60:g} min/s"
        else:
            text = f"{speed_x:g} s/s"
        self.speed_label.setText(f"  speed {text}  ")
        self.speed_label.setToolTip("Simulated time per real second while playing")

    def _show_state(self) -> None:
        sim = self.runner.sim
        if sim.finished:
            state = "finished"
        elif self.runner.busy:
            state = "jumping..."
        elif self.runner.playing:
            state = "running"
        else:
            state = "paused"
        self.state_label.setText(f"  {state}  ")

    # ----- files -----
    def open_scenario_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", str(Path.cwd()), "Scenario files (*.yaml *.yml *.json);;All files (*)")
        if path:
            self.open_scenario(path)

    def open_scenario(self, path: str, ask: bool = True) -> bool:
        """Load a scenario and replace the simulation; an invalid file changes nothing. Pending
        edits or an unsaved session are asked about first (`ask`)."""
        if ask and not self.confirm_leave("open another scenario"):
            return False
        try:
            scenario = scenario_io.open_scenario(path, self.registry)
            sim = Simulation(scenario, registry=self.registry, validate=False)
        except InputError as exc:
            dialogs.show_input_error(self, "Invalid scenario", exc)
            return False
        self.scenario_path = path
        self.session.start(sim, path)
        self.runner.set_simulation(sim)
        return True

    def save_scenario_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario with what you programmed", str(Path.cwd() / "scenario.yaml"), "YAML (*.yaml *.yml)")
        if path:
            self.save_scenario(path)

    def save_scenario(self, path: str) -> bool:
        try:
            scenario_io.save_scenario(self.runner.sim.scenario_with_applied_actions(), path)
        except (InputError, OSError) as exc:
            dialogs.inform(self, "Cannot save", str(exc))
            return False
        self.session.saved()
        self.statusBar().showMessage(f"saved {path}", 5000)
        return True

    def export_results_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export results into a new or existing folder", str(Path.cwd()))
        if path:
            self.export_results(path)

    def export_results(self, path: str) -> bool:
        """Write the results into `path` if it is new, empty or an earlier result; else into a
        new subfolder of it (`simulator.output.export_folder_for`), and say where."""
        import os

        from simulator.output import EXPORT_SUBFOLDER_PREFIX, export_folder_for

        try:
            target = export_folder_for(path)
            self.runner.sim.results().write(target)
        except (InputError, OSError) as exc:
            dialogs.inform(self, "Cannot export", str(exc))
            return False
        self.statusBar().showMessage(f"results written to {target}", 10000)
        if target != Path(os.path.abspath(path)) and target.name.startswith(EXPORT_SUBFOLDER_PREFIX):
            text = f"{path} holds other files, which were left untouched.\nThe results were written into a new folder inside it:\n{target}"
            dialogs.inform(self, "Results exported into a new folder", text, QMessageBox.Icon.Information)
        return True

    def copy_view_image(self) -> None:
        copy_widget_image(self.tabs.currentWidget())
        self.statusBar().showMessage("view copied to the clipboard as an image", 3000)

    # ----- closing -----
    def closeEvent(self, event) -> None:
        if not self.confirm_leave("close the window"):
            event.ignore()
            return
        self.runner.stop_timers()
        if self._bus_connected:  # the plots' shared signals outlive this window
            from gui.plot_common import BUS

            BUS.hover_text.disconnect(self.show_plot_hover)
            BUS.event_clicked.disconnect(self.select_event)
            self._bus_connected = False
        for view in self._demo_windows:
            if shiboken6.isValid(view):
                view.close()
        self._demo_windows = []
        super().closeEvent(event)

    # ----- app session: layout, session, prompts, report -----
    def _build_central(self) -> None:
        """The central area: the session header, the alarm banner (never hidden while an alarm
        is active: it is no dock), then the tabs."""
        from gui.session_report import SessionView

        central = QWidget()
        col = QVBoxLayout(central)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        self.session_header = QLabel()
        self.session_header.setObjectName("session-header")
        self.session_header.setToolTip("The programming session: scenario and each device's model and id")
        self.session_header.setStyleSheet("QLabel#session-header { padding: 2px 6px; background: #eef3f8; }")
        self.session_header.setWordWrap(True)
        col.addWidget(self.session_header)
        self.alarm_banner = AlarmBanner()
        col.addWidget(self.alarm_banner)
        col.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.session_view = SessionView(self.session)
        self.session_view.undo_button.clicked.connect(self.undo_last_transmit)
        self.session_view.report_button.clicked.connect(self.save_report_dialog)
        self.session.changed.connect(self._show_session_header)
        self._show_session_header()

    def _show_session_header(self) -> None:
        text = self.session.header_text()
        if self.session.unsaved:
            text += "  |  unsaved changes (File > Save scenario as)"
        self.session_header.setText(text)

    def resizeEvent(self, event) -> None:
        """A short window (a 1366 x 768 screen) keeps the alarm panel to about two rows (it
        scrolls; the banner above the tabs is the main signal), so the plots get the height."""
        super().resizeEvent(event)
        self.alarm_panel.setMaximumHeight(ALARM_PANEL_SHORT_PX if self.height() < SHORT_WINDOW_PX else ALARM_PANEL_MAX_PX)

    def _fit_screen(self) -> None:
        """Start at a size that fits the screen (at most 1500 x 950)."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        w, h = 1500, 950
        if screen is not None and screen.width() > 200:
            w, h = min(w, screen.width()), min(h, screen.height())
        self.resize(w, h)

    def pending_edits(self) -> list[str]:
        """Device ids whose programmer holds edits not yet transmitted."""
        out = []
        for dev_id, views in self.device_views.items():
            if views.built is None:
                continue
            prog = views.built.extra.get("programmer")
            if prog is not None and getattr(prog, "pending", False):
                out.append(dev_id)
        return out

    def confirm_leave(self, what: str) -> bool:
        """Before `what` (close, open, exercise start): with pending edits or an unsaved session,
        ask; True to go on (Discard), False to stay (Cancel); Save saves the scenario first."""
        reasons = []
        pending = self.pending_edits()
        if pending:
            reasons.append(f"edits not yet transmitted on {', '.join(pending)}")
        if self.session.unsaved:
            n = sum(1 for e in self.session.entries if e.accepted)
            reasons.append(f"{n} transmit(s) in this session not saved")
        if not reasons:
            return True
        buttons = QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
        text = f"Before you {what}: there are " + " and ".join(reasons) + ".\nSave the scenario with what was sent, discard, or cancel?"
        answer = QMessageBox.question(self, "Pending edits or unsaved session", text, buttons, QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            path, _ = QFileDialog.getSaveFileName(self, "Save scenario with what you programmed", str(Path.cwd() / "scenario.yaml"), "YAML (*.yaml *.yml)")
            return bool(path) and self.save_scenario(path)
        return True

    def undo_last_transmit(self) -> bool:
        from gui.transmit import undo_last

        return undo_last(self, self.runner)

    def _mute_changed(self, muted: bool) -> None:
        self.session.note("alarm tone muted by the user" if muted else "alarm tone unmuted by the user")

    def save_report_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save session report", str(Path.cwd() / "session-report.html"), "HTML (*.html)")
        if path:
            self.save_report(path)

    def save_report(self, path: str) -> bool:
        from gui.session_report import write_report

        try:
            write_report(self, path)
        except OSError as exc:
            dialogs.inform(self, "Cannot save the report", str(exc))
            return False
        self.session.saved()  # the session is kept in the report
        self.statusBar().showMessage(f"session report written to {path}", 8000)
        return True
