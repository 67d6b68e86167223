"""The oscilloscope: per-contact current of the stimulator's active programs.

Traces come from the stimulator model's own synthesis, `render_waveform(t0_s, t1_s,
sample_rate_hz) -> (t_s, {contact_label: current_ma})`. Like a bench scope it has

- a pulse-locked trigger: each frame renders a stretch before now, finds the last pulse (or
  burst) onset of the trigger program before now, and shows the window from just before that
  onset, so at real time the trace stands still instead of jumping a few ms every frame. The
  onset of a burst is a rising edge after the longest quiet stretch (a hold-off), so a burst is
  locked on its first pulse. With no pulse in reach (cycling off, stimulation off) it free-runs
  from now and says why the line is flat;
- a time base chosen per waveform ('auto': the listed base nearest five periods of the trigger
  program: 0.5 ms at 10 kHz, 100 ms for 50 Hz tonic, 200 ms for 40 Hz bursts), changeable;
- one colour per contact from the contact's index on the device (not from the order traces
  appear), so a contact keeps its colour across programs and two contacts never share one;
- a cursor read-out: each contact's current at the cursor and the charge of the phase under it
  (the sum of the samples of that phase x sample time, uC);
- the program(s) using each contact in its legend entry, and a trigger choice among the active
  programs, so interleaved programs can be told apart.
The sample rate is chosen from the time base and the narrowest phase so that every phase is
drawn with several samples (a 30 us pulse at 10 kHz included).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.plot_common import (
    bare_curve,
    TitleLegend,
    add_copy_action,
    add_grid,
    cache_drawing,
    configure_pyqtgraph,
    contact_colour,
    register_live_plot,
    set_data_if_moved,
)

from simulator.scs.device import StimulatorDevice

if TYPE_CHECKING:
    from simulator.engine import Simulation

AUTO = "auto"  # about five periods of the trigger program
#: Time bases: label -> window length in s.
TIME_BASES_S: dict[str, float] = {
    "200 us": 200e-6,
    "500 us": 500e-6,
    "1 ms": 1e-3,
    "2 ms": 2e-3,
    "5 ms": 5e-3,
    "10 ms": 10e-3,
    "20 ms": 20e-3,
    "50 ms": 50e-3,
    "100 ms": 100e-3,
    "200 ms": 200e-3,
    "500 ms": 500e-3,
    "1 s": 1.0,
    "2 s": 2.0,
    "5 s": 5.0,
}
DEFAULT_TIME_BASE = AUTO
#: Time base when no program is active.
IDLE_TIME_BASE = "50 ms"
PERIODS_PER_WINDOW = 5
MIN_SAMPLES = 1000
#: Samples per screen pixel of the plot (the floor of the sample count; 'average' sampling keeps
#: each sample's charge exact, so a coarse rate loses shape detail, never charge).
SAMPLES_PER_PIXEL = 2
MAX_SAMPLES = 400_000
SAMPLES_PER_PHASE = 6
MAX_SAMPLE_RATE_HZ = 20e6
#: Share of the window shown before the trigger (at most half the quiet stretch before it).
PRE_TRIGGER_FRACTION = 0.1
#: A sample is 'in a pulse' above this share of the trigger trace's peak.
EDGE_FRACTION = 0.1


def sample_rate_for(window_s: float, narrowest_phase_s: float | None, width_px: int = 0) -> float:
    """Samples per second so that the narrowest phase gets SAMPLES_PER_PHASE samples and each
    pixel of the plot SAMPLES_PER_PIXEL, within [MIN_SAMPLES, MAX_SAMPLES] samples per window."""
    want = max(MIN_SAMPLES, SAMPLES_PER_PIXEL * width_px) / window_s
    if narrowest_phase_s and narrowest_phase_s > 0:
        want = max(want, SAMPLES_PER_PHASE / narrowest_phase_s)
    want = min(want, MAX_SAMPLES / window_s, MAX_SAMPLE_RATE_HZ)
    return float(want)


def narrowest_phase_s(programs) -> float | None:
    widths = []
    for p in programs:
        widths.append(p.pulse_width_us * 1e-6)
        if getattr(p, "interphase_gap_us", 0):
            widths.append(p.interphase_gap_us * 1e-6)
    return min(widths) if widths else None


def auto_time_base(period_s: float | None) -> str:
    """The listed time base nearest (in ratio) PERIODS_PER_WINDOW periods."""
    if not period_s or period_s <= 0 or not math.isfinite(period_s):
        return IDLE_TIME_BASE
    want = PERIODS_PER_WINDOW * period_s
    return min(TIME_BASES_S, key=lambda k: abs(math.log(TIME_BASES_S[k] / want)))


def rising_edges(active: np.ndarray) -> np.ndarray:
    """Indices where a boolean 'in a pulse' trace turns on."""
    a = active.astype(np.int8)
    return np.flatnonzero(np.diff(a) == 1) + 1


#: The scope's time-axis title: time from the trigger pulse, or from now when free running (ms).
X_LABEL_LOCKED = "time from trigger"
X_LABEL_FREE = "time from now"


def find_trigger(t_s: np.ndarray, level: np.ndarray, before_s: float) -> tuple[int, float] | None:
    """The trigger sample: the last rising edge at or before `before_s` among the edges that
    follow the longest quiet stretches (at least half the longest; the hold-off that locks a
    burst on its first pulse). Returns (index, quiet stretch before it in s) or None."""
    peak = float(np.max(level)) if len(level) else 0.0
    if peak <= 0.0:
        return None
    active = level > EDGE_FRACTION * peak
    edges = rising_edges(active)
    if not len(edges):
        return None
    falls = np.flatnonzero(np.diff(active.astype(np.int8)) == -1) + 1
    j = np.searchsorted(falls, edges) - 1  # the fall before each edge (-1: none in the record)
    quiet = np.where(j >= 0, t_s[edges] - t_s[falls[np.maximum(j, 0)]] if len(falls) else -1.0, -1.0)
    known = quiet[quiet >= 0]
    if not len(known):
        return None
    cut = 0.5 * float(np.max(known))
    ok = np.flatnonzero((quiet >= cut) & (t_s[edges] <= before_s))
    if not len(ok):
        return None
    k = int(ok[-1])
    return int(edges[k]), float(quiet[k])


class Scope(QWidget):
    """Per-contact current traces (mA) against time from the trigger (ms)."""

    def __init__(self, device_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        configure_pyqtgraph()
        self.device_id = device_id
        self.sim: Simulation | None = None
        self._contact_order: dict[str, list[str]] = {}
        self._key: tuple[float, str, str, int, bool] | None = None  # what the trace was last drawn for
        self._changes = 0
        self._programs: dict = {}  # the device's stored programs, as last asked
        self._programs_key: tuple | None = None  # (run, events recorded, device events) then
        self._title = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.setSpacing(3)
        base_label = QLabel("Base")
        base_label.setToolTip("Time base: the width of the scope window")
        row.addWidget(base_label)
        self.time_base = QComboBox()
        self.time_base.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.time_base.setMinimumContentsLength(4)
        self.time_base.addItems([AUTO, *TIME_BASES_S])
        self.time_base.setCurrentText(DEFAULT_TIME_BASE)
        self.time_base.setToolTip("Width of the scope window; 'auto' shows about five periods of the trigger program (0.5 ms at 10 kHz, 100 ms for 50 Hz tonic)")
        self.time_base.currentIndexChanged.connect(self._time_base_changed)
        row.addWidget(self.time_base)
        trig_label = QLabel("Trigger")
        trig_label.setToolTip("The program whose pulse onsets hold the trace still")
        row.addWidget(trig_label)
        self.trigger_combo = QComboBox()
        self.trigger_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.trigger_combo.setMinimumContentsLength(4)
        self.trigger_combo.setToolTip("The program whose pulse (or burst) onset holds the trace still; 'free run' starts the window at now")
        self.trigger_combo.currentIndexChanged.connect(lambda _i: self._force())
        row.addWidget(self.trigger_combo)
        self.stack_box = QCheckBox("Stack")
        self.stack_box.setToolTip("Draw each contact's trace on its own baseline")
        self.stack_box.toggled.connect(lambda _c: self._force())
        row.addWidget(self.stack_box)
        self.freeze_box = QCheckBox("Freeze")
        self.freeze_box.setToolTip("Keep the current traces while the simulation runs")
        row.addWidget(self.freeze_box)
        row.addStretch(1)
        layout.addLayout(row)
        self._controls_row = row
        row = QHBoxLayout()  # the read-out on its own line: a narrow panel cuts it short
        self.info = QLabel()
        # the read-out may be cut short in a narrow panel (four devices side by side), never widen it
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.info.setMinimumWidth(20)
        self.info.setToolTip("Programs on (rate, contacts), and the sample rate of the synthesised traces")
        row.addWidget(self.info, 1)
        layout.addLayout(row)
        self._info_row = row
        self.plot = pg.PlotWidget()
        register_live_plot(self.plot)
        self.title_legend = TitleLegend(self.plot, f"{device_id}: scope")
        self.plot.setLabel("left", "current", units="mA")
        self.plot.setLabel("bottom", X_LABEL_LOCKED, units="ms")
        self.x_label = X_LABEL_LOCKED
        self.compact = False
        item = self.plot.getPlotItem()
        item.getAxis("bottom").enableAutoSIPrefix(False)
        item.getAxis("left").enableAutoSIPrefix(False)
        for side in ("left", "bottom"):
            cache_drawing(item.getAxis(side))
        add_grid(self.plot)
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.setMinimumHeight(180)
        self.plot.setToolTip("Current of each contact of the active programs (mA, anodic positive), locked on the trigger program's pulses. "
                             "Hover for each contact's current and the charge of the phase under the cursor. Right-click to copy as image.")
        add_copy_action(self.plot)
        layout.addWidget(self.plot)
        vb = item.getViewBox()
        self.note = pg.TextItem("", color="#b71c1c", anchor=(0.5, 0.5), fill=pg.mkBrush(255, 255, 255, 220))
        self.note.setZValue(80)
        vb.addItem(self.note, ignoreBounds=True)
        self.note.hide()
        self.cursor_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888", style=pg.QtCore.Qt.PenStyle.DotLine))
        self.cursor_line.hide()
        vb.addItem(self.cursor_line, ignoreBounds=True)
        self.readout = pg.TextItem("", color="#202020", anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 230))
        self.readout.setZValue(90)
        self.readout.hide()
        vb.addItem(self.readout, ignoreBounds=True)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.curves: dict[str, pg.PlotCurveItem] = {}
        self.last_t_s = np.array([])
        self.last_x_ms = np.array([])
        self.last_traces: dict[str, np.ndarray] = {}
        self.last_sample_rate_hz = 0.0
        self.last_trigger_t_s: float | None = None
        self.note_text = ""
        self._window_s = TIME_BASES_S[IDLE_TIME_BASE]

    def set_compact(self, compact: bool) -> None:
        """Compact (a crowded overview, e.g. four stimulators at 1366 x 768): the read-out moves
        onto the controls' line (cut short there; whole in its tooltip) and the bottom axis loses
        its title, so the scope needs one line and about 15 px less height."""
        if compact and self._controls_row.indexOf(self.info) < 0:
            self._controls_row.insertWidget(self._controls_row.count() - 1, self.info, 1)  # before the stretch
        elif not compact and self._info_row.indexOf(self.info) < 0:
            self._info_row.addWidget(self.info, 1)
        self.plot.getPlotItem().getAxis("bottom").showLabel(not compact)
        self.compact = compact  # the title then names the time axis and its unit (see `_titled`)
        self.title_legend.title = self._titled(self.title_legend.title.split(", ms from ")[0])
        self.title_legend.render()

    def _titled(self, head: str) -> str:
        """The scope's title: `head`; compact (the time axis without its title), with the time
        axis's origin and unit ('ms from trigger'), which the axis no longer says."""
        return f"{head}, ms from {self.x_label.removeprefix('time from ')}" if self.compact else head

    # ----- settings -----
    @property
    def window_s(self) -> float:
        """The window length in use (s): the chosen time base, or the automatic one."""
        return self._window_s

    def _choose_window(self, trigger_program) -> float:
        text = self.time_base.currentText()
        if text in TIME_BASES_S:
            return TIME_BASES_S[text]
        return TIME_BASES_S[auto_time_base(trigger_program.period_s if trigger_program is not None else None)]

    def set_simulation(self, sim) -> None:
        self.sim = sim
        self._contact_order = {}
        self._force()

    def on_events(self, records) -> None:
        if any(r.device == self.device_id for r in records):
            self._changes += 1

    def _time_base_changed(self, *_):
        self._force()

    def _force(self) -> None:
        self._key = None
        if self.sim is not None:
            self.refresh(self.sim.now)

    def _sync_trigger_choices(self, names: list[str]) -> str | None:
        """Keep the trigger combo's items = active programs + 'free run'; returns the chosen program."""
        items = [*names, "free run"]
        current = [self.trigger_combo.itemText(i) for i in range(self.trigger_combo.count())]
        if items != current:
            chosen = self.trigger_combo.currentText()
            self.trigger_combo.blockSignals(True)
            self.trigger_combo.clear()
            self.trigger_combo.addItems(items)
            self.trigger_combo.setCurrentText(chosen if chosen in items else items[0])
            self.trigger_combo.blockSignals(False)
        chosen = self.trigger_combo.currentText()
        return chosen if chosen in names else None

    def contact_index(self, label: str) -> int | None:
        """The contact's index on the device (None: the case or an unknown label)."""
        order = self._contact_order.get(self.device_id)
        if order is None:  # contacts never change during a run: read them once from the snapshot
            if self.sim is None:
                return None
            order = self._contact_order[self.device_id] = list(self.sim.devices[self.device_id].snapshot().contacts)
        return order.index(label) if label in order else None

    def colour_of(self, label: str) -> str:
        return contact_colour(self.contact_index(label))

    def _stored_programs(self, device) -> dict:
        """The device's stored programs (`stored_programs()`, deep copies), asked again only
        after an event of the run: programs change only by actions, and every action is an
        event (copying them every frame took a fifth of the scope's frame at speed)."""
        assert self.sim is not None
        key = (id(self.sim), len(self.sim.recorder.events), self._changes)
        if key != self._programs_key:
            self._programs = device.stored_programs()
            self._programs_key = key
        return self._programs

    # ----- drawing -----
    def refresh(self, now_s: float) -> None:
        if self.sim is None or (self.freeze_box.isChecked() and self._key is not None):
            return
        key = (now_s, self.time_base.currentText(), self.trigger_combo.currentText(), self._changes, self.stack_box.isChecked())
        if key == self._key:
            return
        self._key = key
        device = self.sim.devices[self.device_id]
        assert isinstance(device, StimulatorDevice)  # a scope is made for stimulators only (device_views)
        names = device.active_programs()
        stored = self._stored_programs(device)
        programs = [stored[n] for n in names]
        trigger_name = self._sync_trigger_choices(names)
        trigger_program = stored[trigger_name] if trigger_name else None
        window = self._choose_window(trigger_program or (programs[0] if programs else None))
        self._window_s = window
        width_px = int(self.plot.getPlotItem().getViewBox().width()) if self.plot.isVisible() else 800
        rate = sample_rate_for(window, narrowest_phase_s(programs), width_px)
        pre = PRE_TRIGGER_FRACTION * window
        look_s = 2.0 * trigger_program.period_s + pre if trigger_program is not None else 0.0
        look_s = min(look_s, now_s, 2 * MAX_SAMPLES / rate)
        look_s = max(look_s, 0.0)
        t_s, traces = device.render_waveform(now_s - look_s, now_s + window, rate)
        t_s = np.asarray(t_s, dtype=float)
        start = int(np.searchsorted(t_s, now_s - 1e-12))  # free run: the window starts now
        trigger_t = None
        if trigger_program is not None and look_s > 0:
            # the cathodic current of the program's cathodes: a pulse's leading phase, free of
            # passive recovery tails (anodic on a cathode) and of other programs' anodes
            level = np.zeros(len(t_s))
            for label, use in trigger_program.contacts.items():
                if label in traces and use.polarity == "-":
                    level = level + np.clip(-np.asarray(traces[label], dtype=float), 0.0, None)
            found = find_trigger(t_s, level, now_s)
            if found is not None:
                i_edge, quiet_s = found
                pre_samples = round(min(pre, 0.5 * quiet_s) * rate)
                start = max(i_edge - pre_samples, 0)
                trigger_t = float(t_s[i_edge])
        n = round(window * rate)
        stop = min(start + n, len(t_s))
        t_show = t_s[start:stop]
        self.last_trigger_t_s = trigger_t
        origin = trigger_t if trigger_t is not None else now_s
        x_ms = (t_show - origin) * 1e3
        shown = {label: np.asarray(v, dtype=float)[start:stop] for label, v in traces.items()}
        self.last_t_s, self.last_x_ms, self.last_traces, self.last_sample_rate_hz = t_show, x_ms, shown, rate
        self._show_x_label(X_LABEL_LOCKED if trigger_t is not None else X_LABEL_FREE)  # before the title is drawn
        self._draw(x_ms, shown, programs)
        self.plot.setXRange(float(x_ms[0]) if len(x_ms) else 0.0, float(x_ms[0]) + window * 1e3 if len(x_ms) else window * 1e3, padding=0)
        self._show_note(device, programs, shown)
        self._show_info(programs, rate, trigger_name, trigger_t is not None)

    def _show_x_label(self, text: str) -> None:
        """Name the time axis after its origin: the trigger pulse, or now when free running (at
        t = 0 the first pulse starts at now: nothing before it to lock on). A compact scope keeps
        its axis title hidden."""
        if text == self.x_label:
            return
        self.x_label = text
        axis = self.plot.getPlotItem().getAxis("bottom")
        shown = axis.label.isVisible()
        axis.setLabel(text, units="ms")
        axis.showLabel(shown)

    def _draw(self, x_ms: np.ndarray, traces: dict[str, np.ndarray], programs) -> None:
        item = self.plot.getPlotItem()
        for label in list(self.curves):
            if label not in traces:
                item.removeItem(self.curves.pop(label))
        labels = sorted(traces, key=lambda lb: (self.contact_index(lb) is None, self.contact_index(lb) or 0, lb))
        entries = []
        spacing = max((float(np.max(np.abs(v))) for v in traces.values() if len(v)), default=1.0) * 2.2 or 1.0
        for i, label in enumerate(labels):
            y = traces[label]
            if self.stack_box.isChecked():
                y = y - i * spacing
            users = [p.name for p in programs if label in p.contacts]
            name = f"{label} ({', '.join(users)})" if users else label
            curve = self.curves.get(label)
            if curve is None:
                curve = bare_curve(self.plot, pg.mkPen(self.colour_of(label), width=1), name=name)  # one window: no clipping or downsampling needed
                self.curves[label] = curve
            curve.opts["name"] = name
            # a pulse-locked trace often stands still: synthesised again at a later now, its
            # averaged samples differ by rounding (~1e-4 mA, under 1 % of a pixel), which would
            # re-set and repaint the whole scope every frame; the read-out uses the exact traces
            set_data_if_moved(curve, x_ms, y)
            entries.append((name, label, self.colour_of(label)))
        # one program on every contact: name it once in the title, the contacts alone in the legend
        # (a narrow panel would cut a long legend short); several: each contact names its programs
        names = [p.name for p in programs]
        if len(names) == 1:
            self.title_legend.title = self._titled(f"{self.device_id}: scope ({names[0]})")
            self.title_legend.set_entries([(label, colour, False) for _name, label, colour in entries])
        else:
            self.title_legend.title = self._titled(f"{self.device_id}: scope")
            self.title_legend.set_entries([(name, colour, False) for name, _label, colour in entries])

    def _show_note(self, device, programs, traces) -> None:
        """A clear note when the line is flat: stimulation off, cycling off, or zero amplitude."""
        flat = all(not len(v) or float(np.max(np.abs(v))) == 0.0 for v in traces.values())
        note = ""
        if not programs:
            note = "no active program"
        elif not device.stimulating():
            note = "stimulation is off"
        elif flat:
            cycling = [p for p in programs if p.cycle_period_s() is not None]
            if cycling:
                note = "\n".join(f"{p.name} is cycling off\n(on {p.cycling.on_s:g} s / off {p.cycling.off_s:g} s)" for p in cycling)
                note += "\nno pulses in this window"
            else:
                note = "no pulses in this window (amplitude 0 mA?)"
        self.note_text = note
        if note:
            (x0, x1), (y0, y1) = self.plot.getPlotItem().getViewBox().viewRange()
            self.note.setText(note)
            self.note.setPos((x0 + x1) / 2, (y0 + y1) / 2 if y1 > y0 else 0.0)
            self.note.show()
        else:
            self.note.hide()

    def _show_info(self, programs, rate: float, trigger_name: str | None, locked: bool) -> None:
        def describe(p):
            contacts = " ".join(f"{c}{u.polarity}" for c, u in p.contacts.items())
            return f"{p.name} {p.rate_hz:g} Hz [{contacts}]"

        names = ", ".join(describe(p) for p in programs) or "none"
        trig = f"trigger {trigger_name}" + ("" if locked else " (free run: no pulse before now)") if trigger_name else "free run"
        info = f"on: {names}  |  {trig}  |  {rate / 1e3:.4g} kHz sampling"
        if info != self.info.text():
            self.info.setText(info)
            self.info.setToolTip(f"{info}\n(programs on, with rate and contacts; the trigger; the sample rate of the synthesised traces)")

    # ----- cursor read-out -----
    def readout_at(self, x_ms: float) -> dict[str, tuple[float, float]]:
        """Each contact's current (mA) at `x_ms` (time from the trigger) and the charge (uC) of
        the phase under it: the run of same-sign samples holding that sample, sum x sample time."""
        x = self.last_x_ms
        if not len(x) or self.last_sample_rate_hz <= 0:
            return {}
        i = int(np.clip(np.searchsorted(x, x_ms, side="right") - 1, 0, len(x) - 1))
        dt_s = 1.0 / self.last_sample_rate_hz
        out = {}
        for label, y in self.last_traces.items():
            value = float(y[i])
            if value == 0.0:
                out[label] = (0.0, 0.0)
                continue
            sign = np.sign(y)
            lo = i
            while lo > 0 and sign[lo - 1] == sign[i]:
                lo -= 1
            hi = i
            while hi < len(y) - 1 and sign[hi + 1] == sign[i]:
                hi += 1
            charge_uc = float(np.sum(y[lo:hi + 1])) * dt_s * 1e3  # mA x s = mC; x 1000 = uC
            out[label] = (value, charge_uc)
        return out

    def readout_text(self, x_ms: float) -> str:
        lines = [f"t = {x_ms:.4g} ms from trigger"]
        for label, (ma, uc) in sorted(self.readout_at(x_ms).items(), key=lambda kv: (self.contact_index(kv[0]) is None, self.contact_index(kv[0]) or 0)):
            lines.append(f"{label}: {ma:+.3g} mA" + (f", phase charge {abs(uc):.3g} uC" if ma else ""))
        return "\n".join(lines)

    def _mouse_moved(self, pos) -> None:
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            self.cursor_line.hide()
            self.readout.hide()
            return
        x = vb.mapSceneToView(pos).x()
        self.cursor_line.setPos(x)
        self.cursor_line.show()
        (x0, _x1), (_y0, y1) = vb.viewRange()
        self.readout.setText(self.readout_text(x))
        self.readout.setPos(x0, y1)
        self.readout.show()
