"""The amplitude step's path (issue 14, ninth pass) gives what the plain path gives.

- `StateRows` (scs/rows.py) feeds the kept Series one row; the plain path records every signal
  through `recorder.record` (the rows are forgotten before each record): whole runs identical,
  with a closed loop (its program recorded by the loop), programs stored mid-run (a new list of
  signals) and the loop switched off and on; the kept rows go through a `RowBlock` (eleventh
  pass): series read between slices of a run give what the plain path's give at each read;
- `SoftStops.begin` returns at once for `NO_STOP` without ramps: what the full method does.
"""
from __future__ import annotations

import pytest

from simulator.engine import Simulation
from simulator.scenario import scenario_from_dict
from simulator.recorder import RowBlock
from simulator.scs.device import StimulatorDevice
from simulator.scs.rows import StateRows
from simulator.scs.soft_stop import NO_STOP, OutputBefore, SoftStops
from tests.scs.helpers import TWO_PERC8


def _closed_loop_sim(duration: str = "2d") -> Simulation:
    steps = [{"at": f"{k * 50}min", "device": "ipg", "action": "amplitude_up" if k % 4 else "amplitude_down", "params": {}} for k in range(1, 50)]
    steps += [{"at": "5h", "device": "ipg", "action": "set_program", "params": {"program": {"name": "extra", "contacts": {"E6": "-", "E7": "+"},
                                                                                            "amplitude_ma": 2.0, "pulse_width_us": 300.0, "rate_hz": 50.0}}},
              {"at": "9h", "device": "ipg", "action": "set_closed_loop", "params": {"enabled": False}},
              {"at": "13h", "device": "ipg", "action": "set_amplitude", "params": {"program": "extra", "amplitude_ma": 3.5}},
              {"at": "17h", "device": "ipg", "action": "set_closed_loop", "params": {"enabled": True}},
              {"at": "20h", "device": "ipg", "action": "posture", "params": {"posture": "supine"}},
              {"at": "26h", "device": "ipg", "action": "set_program", "params": {"program": {"name": "more", "contacts": {"E8": "-", "E9": "+"},
                                                                                             "amplitude_ma": 1.0, "pulse_width_us": 200.0, "rate_hz": 60.0},
                                                                                 "activate": True}},
              {"at": "30h", "device": "ipg", "action": "stimulation_off"}, {"at": "31h", "device": "ipg", "action": "stimulation_on"}]
    sc = scenario_from_dict({"name": "t", "seed": 5, "duration": duration, "devices": [{"id": "ipg", "profile": "scs/closed-loop-ecap", "settings": {
        "leads": [{"lead": "lead/percutaneous-12", "top_level": "T8", "side": "left"}, {"lead": "lead/percutaneous-12", "top_level": "T8", "side": "right"}],
        "impedance": {"drift": False}, "closed_loop": {"enabled": True, "posture": "standing"}}}], "timeline": steps})
    return Simulation(sc)


def _open_loop_sim() -> Simulation:
    steps = [{"at": f"{k * 70}min", "device": "ipg", "action": "amplitude_up" if k % 3 else "amplitude_down", "params": {"program": "back"}}
             for k in range(1, 40)]
    steps += [{"at": "10h", "device": "ipg", "action": "set_program", "params": {"program": {"name": "new", "contacts": {"E5": "-", "E6": "+"},
                                                                                            "amplitude_ma": 2.0, "pulse_width_us": 300.0, "rate_hz": 50.0}}},
              {"at": "20h", "device": "ipg", "action": "select_program", "params": {"names": ["back", "new"]}}]
    sc = scenario_from_dict({"name": "t", "seed": 2, "duration": "2d", "devices": [{"id": "ipg", "profile": "scs/rechargeable-micc-16", "settings": {
        "leads": TWO_PERC8, "impedance": {"drift": True, "update_interval": 7200.0},
        "programs": [{"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 210.0, "rate_hz": 40.0,
                      "cycling": {"on_s": 60.0, "off_s": 240.0}, "soft_start_s": 2.0, "soft_stop_s": 2.0}]}}], "timeline": steps})
    return Simulation(sc)


@pytest.mark.parametrize("make", [_closed_loop_sim, _open_loop_sim])
def test_rows_give_what_recorder_record_gives(monkeypatch, make):
    rows_used = []
    record = StateRows.record

    def counting(self, out, loop_program):
        rows_used.append(self._rows is not None and self._rows[0] == (len(self.dev.programs.stored), loop_program))
        record(self, out, loop_program)

    monkeypatch.setattr(StateRows, "record", counting)
    # StateRows itself (the fused amplitude finish writes its kept rows inline: test_amplitude_finish.py)
    monkeypatch.setattr(StimulatorDevice, "fused_finish", False)
    fast = make().run().results()
    assert sum(rows_used) > 40 and not all(rows_used)  # kept rows used, and new lists of signals met mid-run

    def plain(self, out, loop_program):
        self._rows = None  # every row through recorder.record
        record(self, out, loop_program)

    monkeypatch.setattr(StateRows, "record", plain)
    slow = make().run().results()
    assert fast.events == slow.events
    assert fast.summary == slow.summary
    assert list(fast.series) == list(slow.series)  # the series made in the same order
    assert fast.series == slow.series


def _sliced_reads(make, plain: bool) -> tuple[list, object]:
    """Run `make()` in slices of uneven length, reading every series of the device between
    slices (points, a value between breakpoints, the battery by the device's own reader); the
    reads and the results. `plain`: every row through `recorder.record` (no block held)."""
    sim = make()
    dev = sim.devices["ipg"]
    reads: list = []
    t = 0.0
    for k in range(1, 30):
        t += 1234.5 * (k % 7 + 1)
        if t >= sim.duration_s:
            break
        sim.run(until=t)
        if plain:
            assert not dev.rows.block.rows
        for (device, signal), series in list(sim.recorder.series.items()):
            if k % 3 == 0:  # sometimes read one series only: the others stay held in the block
                if signal != "stimulating":
                    continue
            reads.append((device, signal, len(series), list(series.t_s[-3:]), list(series.values[-3:]), repr(float(series.at(t * 0.5)))))  # (repr: a NaN before the first point)
        reads.append(repr(dev.battery_pct_at(t)))
    return reads, sim.run().results()


@pytest.mark.parametrize("make", [_closed_loop_sim, _open_loop_sim])
@pytest.mark.parametrize("fused", [False, True])
def test_row_block_reads_between_slices_are_plain(monkeypatch, make, fused):
    monkeypatch.setattr(StimulatorDevice, "fused_finish", fused)
    held = []
    add_row = RowBlock.add_row

    def watching(self, t_s, values):
        held.append(len(self.rows))
        add_row(self, t_s, values)

    monkeypatch.setattr(RowBlock, "add_row", watching)
    fast_reads, fast = _sliced_reads(make, plain=False)
    assert len(held) > 40 and max(held) > 0  # rows were held, several at once
    record = StateRows.record

    def plain(self, out, loop_program):
        self._rows = None  # every row through recorder.record
        record(self, out, loop_program)

    monkeypatch.setattr(StateRows, "record", plain)
    monkeypatch.setattr(StimulatorDevice, "fused_finish", False)
    slow_reads, slow = _sliced_reads(make, plain=True)
    assert fast_reads == slow_reads
    assert fast.events == slow.events and fast.summary == slow.summary
    assert list(fast.series) == list(slow.series) and fast.series == slow.series


def test_closed_loop_run_records_each_program_once():
    res = _closed_loop_sim().run().results()
    signals = [s for (_, s) in res.series if s.startswith("amplitude_ma.")]
    assert len(signals) == len(set(signals))
    assert {"amplitude_ma.extra", "amplitude_ma.more"} <= set(signals)


def test_begin_without_output_before_is_the_full_method(monkeypatch):
    sim = _open_loop_sim()
    sim.run(until=3 * 3600.0)
    dev = sim.devices["ipg"]
    stops: SoftStops = dev.soft_stops
    assert not stops.ramps and not NO_STOP.stimulating
    for action in ("amplitude_up", "set_amplitude", "stimulation_off"):
        stops.begin(NO_STOP, action)
        assert stops.ramps == {}
    stops.begin(OutputBefore(False), "amplitude_down")
    assert stops.ramps == {}


def test_compliance_of_is_the_constructor():
    from dataclasses import FrozenInstanceError, fields

    from simulator.scs.energy import Compliance

    args = (7.25, 12.0, 7.25, 4.5, 4.5)
    fast, plain = Compliance.of(*args), Compliance(*args)
    assert fast == plain and hash(fast) == hash(plain) and [getattr(fast, f.name) for f in fields(Compliance)] == list(args)
    assert fast.ok and not Compliance.of(12.5, 12.0, 12.0, 4.0, 4.5).ok
    with pytest.raises(FrozenInstanceError):
        fast.rail_v = 1.0  # type: ignore[misc]
