"""Recording: where the pump's state breakpoints go (one helper of PumpDevice).

The pump records the same signals at every instant it records (reservoir, calculated reservoir,
delivered volume, per drug unit the cumulative drug and the drug rate, the flow rate, the
battery): their names, units and interpolation depend only on the drug units the pump has held
and on whether it has a battery. This helper keeps, for each tuple of drug units, that list of
signals (a `Layout`) and the recorder's Series of each, so recording an instant is one pass over
the values; and, per instant, the values already recorded (a value recorded again at the same
instant is skipped: the series would drop it).

Nothing here is a copy of state that can go stale: a Series, once the recorder made it, is the
recorder's for the whole run (the recorder never drops or replaces one), and the names of a
layout are a pure function of its units.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulator.recorder import Interp, RowBlock, Series

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice
    from simulator.pump.step_series import StepBreakpoints

#: a value no recorded one equals
_UNSET = object()

#: the signals every pump records first, in order: (signal, unit, interpolation)
_VOLUME_SIGNALS: tuple[tuple[str, str, Interp], ...] = (
    ("reservoir_ml", "mL", "linear"), ("expected_reservoir_ml", "mL", "linear"), ("delivered_volume_ml", "mL", "linear"))
_RATE_SIGNAL: tuple[str, str, Interp] = ("rate_ml_per_day", "mL/day", "step")
_BATTERY_SIGNAL: tuple[str, str, Interp] = ("battery_pct", "%", "linear")


class Layout:
    """The signals recorded at an instant for one tuple of drug units, in the order of the
    values `PumpDevice.record_state` computes: the volumes, per unit (cumulative drug, drug
    rate), the flow rate, the battery (when there is one). `series[i]` is the Series of
    `signals[i]` once the recorder has made it (None before); `complete`: every one is made."""

    __slots__ = ("signals", "series", "complete")

    def __init__(self, signals: list[tuple[str, str, Interp]]):
        self.signals = signals
        self.series: list[Series | None] = [None] * len(signals)
        self.complete = False


class Recording:
    """The layouts, the Series the pump writes to and the values recorded at the last instant."""

    def __init__(self, dev: PumpDevice):
        self.dev = dev
        #: drug units -> their layout (`layout` makes each; read directly on the usual path)
        #: drug units -> their layout, made by `layout` (record_state reads it directly)
        self.layouts: dict[tuple[str, ...], Layout] = {}
        self._unit_names: dict[str, tuple[str, str, str]] = {}
        # the values recorded at the last instant: `_last` (the values list given, in the order of
        # `_last_layout`) while one layout was recorded at it, else `_values` (signal -> value)
        self._t_s = math.nan  # the instant
        self._last_layout: Layout | None = None
        self._last: list[float] = []
        self._values: dict[str, float] | None = None
        #: (drug unit, with the drug series, with the battery) -> the Series a flex interval's
        #: breakpoints go to, in the order `StepBreakpoints.signals()` names them
        self._step_targets: dict[tuple[str, bool, bool], list[Series]] = {}
        #: the rows of a complete layout's series, added to them when one is next touched
        #: (`RowBlock`); bound to the series of `_block_layout`, the layout last recorded whole
        self.block = RowBlock()
        self._block_layout: Layout | None = None
        #: a list of series found (since the last `bind`) to belong to the block, every one
        self._block_targets: list[Series] | None = None

    def layout(self, units: tuple[str, ...], now: float) -> Layout:
        """The layout of drug units `units` (made, with the units' series, on first use)."""
        layout = self.layouts.get(units)
        if layout is None:
            signals = list(_VOLUME_SIGNALS)
            for unit in units:
                cum, rate, rate_unit = self.unit_signals(unit, now)
                signals.append((cum, unit, "linear"))
                signals.append((rate, rate_unit, "step"))
            signals.append(_RATE_SIGNAL)
            if self.dev.battery:
                signals.append(_BATTERY_SIGNAL)
            layout = self.layouts[units] = Layout(signals)
        return layout

    def unit_signals(self, unit: str, now: float) -> tuple[str, str, str]:
        """(cumulative drug signal, drug rate signal, rate unit) of a drug unit; a unit first used
        after t = 0 (refill with another drug) gets both series from 0 at t = 0."""
        names = self._unit_names.get(unit)
        if names is None:
            names = (f"cumulative_drug_{unit}", f"drug_rate_{unit}_per_day", f"{unit}/day")
            dev = self.dev
            recorder = dev.sim.recorder
            if (dev.id, names[0]) not in recorder.series and now > 0:
                recorder.record(0.0, dev.id, names[0], 0.0, unit, "linear")
                recorder.record(0.0, dev.id, names[1], 0.0, names[2], "step")
            self._unit_names[unit] = names
        return names

    def record(self, now: float, layout: Layout, values: list[float]) -> None:
        """Add the breakpoints `values` (in the order of `layout.signals`) at `now`; a value
        already recorded for its signal at this instant is skipped. (`values` is kept: the
        caller makes a new list each time.)

        A complete layout's values go to the row block as one row. Again at this instant, for the
        same layout, while that instant's row is still in the block (nothing has touched the
        series since: touching flushes the block), the values go as a whole row too: a value equal
        to the one recorded at this instant is then dropped by its series (a linear series drops a
        point equal in time and value to its last one, a step series one equal in value; the last
        point kept is, in value and for a linear series in time, the one recorded at this instant),
        which is what skipping it does."""
        if self._t_s != now:  # the first record at this instant: every value is new
            self._t_s, self._last_layout, self._last, self._values = now, layout, values, None
            if layout.complete:
                block = self.block
                if layout is not self._block_layout:
                    block.bind(layout.series)  # type: ignore[arg-type]  # (complete: none is None)
                    self._block_layout, self._block_targets = layout, None
                rows = block.rows  # (block.add_row(now, values), written out: this runs at every recorded instant)
                rows.append(now)
                rows.extend(values)
                block.open_t = now
            else:
                for i, value in enumerate(values):
                    self._add(now, layout, i, value)
            return
        if self._values is None and layout is self._last_layout:  # again at this instant, as the values given then
            block = self.block
            if layout is self._block_layout and block.open_t == now:  # this instant's row is held, nothing after it: a whole row again
                self._last = values
                rows = block.rows  # (block.add_row(now, values), written out)
                rows.append(now)
                rows.extend(values)
                return
            last = self._last
            for i, value in enumerate(values):
                if last[i] == value:
                    continue
                last[i] = value
                self._add(now, layout, i, value)
            return
        recorded = self._values
        if recorded is None:  # another layout at this instant: by signal from now on
            old = self._last_layout
            assert old is not None
            recorded = self._values = {signal[0]: value for signal, value in zip(old.signals, self._last)}
        for i, value in enumerate(values):
            name = layout.signals[i][0]
            if recorded.get(name, _UNSET) == value:
                continue
            recorded[name] = value
            self._add(now, layout, i, value)

    def add_generated(self, targets: list[Series], gen: StepBreakpoints) -> None:
        """`Series.add_generated_to(targets, gen)`, held by the row block when every target
        belongs to it (checked once per list object while the block's series stay the same)."""
        block = self.block
        if targets is not self._block_targets:
            for target in targets:
                if target._block is not block:
                    Series.add_generated_to(targets, gen)
                    return
            self._block_targets = targets
        block.add_generated(targets, gen)

    def _add(self, now: float, layout: Layout, i: int, value: float) -> None:
        """Add `value` at `now` to the series of `layout.signals[i]` (made by the recorder, with
        this first point, when there is none yet)."""
        target = layout.series[i]
        if target is None:
            name, unit, interp = layout.signals[i]
            dev = self.dev
            recorder = dev.sim.recorder
            target = recorder.series.get((dev.id, name))
            if target is None:
                recorder.record(now, dev.id, name, value, unit, interp)
                target = layout.series[i] = recorder.series[(dev.id, name)]
                layout.complete = None not in layout.series
                return
            layout.series[i] = target
            layout.complete = None not in layout.series
        target.add(now, value)

    def step_targets(self, gen: StepBreakpoints, with_drug: bool, with_battery: bool) -> list[Series]:
        """The Series of `gen.signals()` that exist, in order; `with_drug` / `with_battery`: the
        generator's `has_drug` / `has_battery`, which with its unit decide the signals (so the
        list is kept, per those three, once every one of them exists)."""
        key = (gen.unit, with_drug, with_battery)
        targets = self._step_targets.get(key)
        if targets is not None:
            return targets
        dev = self.dev
        found = [dev.sim.recorder.series.get((dev.id, signal)) for signal in gen.signals()]
        targets = [s for s in found if s is not None]
        if len(targets) == len(found):
            self._step_targets[key] = targets
        return targets
