"""The stimulator's recorded signals at an instant (a part of `StimulatorDevice.record_state`).

At every change the device adds one breakpoint to each of its signals: battery_pct (%),
charge_delivered_uc (uC), energy_used_j (J), stimulating (0/1, step) and amplitude_ma.<program>
(mA, step) of each stored program in the bank's order but the closed loop's (the loop records its
own). `StateRows` keeps the Series of one such list of signals and holds their rows in one
`RowBlock` (one array append a record; the series get the rows when one of them is next touched),
instead of one `recorder.record` call (a dict lookup and two calls) a signal.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.recorder import RowBlock, Series

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice
    from simulator.scs.output_now import OutputNow

#: the signals before the programs' amplitudes: (name, unit, interpolation)
FIXED_SIGNALS = (("battery_pct", "%", "linear"), ("charge_delivered_uc", "uC", "linear"), ("energy_used_j", "J", "linear"),
                 ("stimulating", "", "step"))


class StateRows:
    """The Series of the device's signals, kept per list of signals.

    The list is told by the number of stored programs and the closed loop's program: programs are
    stored or replaced in place (the bank keeps its order), never removed, so the count and the
    order give the names. The first row of a list goes through `recorder.record` (which makes a
    missing series, in this order), later rows to the kept Series through the row block `block`,
    bound to them (`RowBlock.bind`) when the list is kept: a row held there reaches the series,
    in order, before anything else touches one of them (RowBlock's invalidation rule: every Series
    method that adds or reads flushes the block first), so each gets what `Series.add_row` would
    have added (the same breakpoints kept or dropped by the same rules). The recorder never
    replaces a series it made, and no other block holds the stimulator's state series."""

    def __init__(self, dev: StimulatorDevice) -> None:
        self.dev = dev
        #: ((stored count, loop program), recorded program names, their Series in signal order); None: none yet
        self._rows: tuple[tuple[int, str | None], tuple[str, ...], list[Series]] | None = None
        #: the rows of the kept Series (`_rows[2]`), not yet added to them
        self.block = RowBlock()

    def record(self, out: OutputNow, loop_program: str | None) -> None:
        """One breakpoint of every signal at `out`'s instant (`loop_program`: the closed loop's
        program, recorded by the loop; None without a controller)."""
        dev = self.dev
        now = out.t_s
        power = dev.power
        charge, energy, _ = power.accumulated(now)
        bank = dev.programs
        stored = bank.stored
        key = (len(stored), loop_program)
        rows = self._rows
        if rows is not None and rows[0] == key:
            names = rows[1]
        else:
            names = tuple(n for n in stored if n != loop_program)
            rows = None
        amps = out.amplitudes_ma
        active = bank.active
        values = [power.battery.pct_at(now), charge, energy, 1.0 if out.stimulating else 0.0]
        for n in names:
            p = stored[n]
            values.append(amps.get(n, p.amplitude_ma) if n in active else p.amplitude_ma)
        if rows is not None:
            self.block.add_row(now, values)
        else:
            self._first(now, key, names, values)

    def _first(self, now: float, key: tuple[int, str | None], names: tuple[str, ...], values: list[float]) -> None:
        """The row through `recorder.record`, then its Series kept for `key`."""
        dev = self.dev
        recorder = dev.sim.recorder
        dev_id = dev.id
        signals = list(FIXED_SIGNALS) + [(f"amplitude_ma.{n}", "mA", "step") for n in names]
        for (signal, unit, interp), value in zip(signals, values):
            recorder.record(now, dev_id, signal, value, unit, interp)  # type: ignore[arg-type]
        series = recorder.series
        kept = [series[(dev_id, signal)] for signal, _, _ in signals]
        self.block.bind(kept)
        self._rows = (key, names, kept)
