"""The tenth pass's row block (recorder.RowBlock, pump/recording.py): a pump's state rows and its
flex-step generators held in one block and added to the series when one of them is touched give
the same series as an `add` per series and an `add_generated` per series at once, for a reader
at any time (the app reads mid-run), and the same whole runs, event by event and point by point."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import Simulation
from simulator.pump.recording import _UNSET, Layout, Recording
from simulator.recorder import RowBlock, Series
from tests.pump.helpers import DAY, HOUR, make_sim, morphine_settings
from tests.pump.test_step_fast_paths import _outputs, _scenarios


def _plain_record(self: Recording, now: float, layout: Layout, values: list[float]) -> None:
    """Recording.record as written before the row block: an add per series (`Series.add_row`),
    and at the same instant again only the values that changed."""
    if self._t_s != now:
        self._t_s, self._last_layout, self._last, self._values = now, layout, values, None
        if layout.complete:
            Series.add_row(layout.series, now, values)  # type: ignore[arg-type]
        else:
            for i, value in enumerate(values):
                self._add(now, layout, i, value)
        return
    if self._values is None and layout is self._last_layout:
        last = self._last
        for i, value in enumerate(values):
            if last[i] == value:
                continue
            last[i] = value
            self._add(now, layout, i, value)
        return
    recorded = self._values
    if recorded is None:
        old = self._last_layout
        assert old is not None
        recorded = self._values = {signal[0]: value for signal, value in zip(old.signals, self._last)}
    for i, value in enumerate(values):
        name = layout.signals[i][0]
        if recorded.get(name, _UNSET) == value:
            continue
        recorded[name] = value
        self._add(now, layout, i, value)


def _plain_add_generated(self: Recording, targets: list[Series], gen) -> None:
    """Recording.add_generated as written before: the generator added to every target at once."""
    Series.add_generated_to(targets, gen)


def _use_plain(monkeypatch) -> None:
    monkeypatch.setattr(Recording, "record", _plain_record)
    monkeypatch.setattr(Recording, "add_generated", _plain_add_generated)


def _points(sim: Simulation) -> dict:
    """Every series as read now (hex times, repr values)."""
    return {k: ([x.hex() for x in s.t_s], [repr(x) for x in s.values]) for k, s in sorted(sim.recorder.series.items())}


def _drug_change_scenario():
    """A flex morphine pump refilled on day 4 with clonidine (another unit) on a flex program of
    its own, with a clinician bolus each day: the pump records a second layout (mg and mcg), so
    the block is bound again, and the generators go to the mcg series."""
    steps = [{"start": "00:00", "dose_mg_per_day": 1.5}, {"start": "07:00", "dose_mg_per_day": 2.5}, {"start": "19:00", "dose_mg_per_day": 2.0}]
    steps_mcg = [{"start": "00:00", "dose_mcg_per_day": 80}, {"start": "12:00", "dose_mcg_per_day": 120}]
    refill = {"fill_ml": 20, "drug": "clonidine", "concentration_mcg_per_ml": 500, "mode": {"type": "flex", "steps": steps_mcg},
              "confirm": ["all"]}
    timeline = [{"at": f"{d * 24 + 5}h", "action": "single_bolus", "params": {"dose_mg": 0.1, "duration_min": 30}} for d in range(4)]
    timeline.append({"at": "4d", "action": "refill", "params": refill})
    timeline += [{"at": f"{d * 24 + 5}h", "action": "single_bolus", "params": {"dose_mcg": 10, "duration_min": 30}} for d in range(5, 10)]
    return make_sim(morphine_settings(mode={"type": "flex", "steps": steps}), duration="10d", timeline=timeline,
                    profile="pump/valve-gated-20ml").scenario


_SCENARIOS = [*_scenarios(), _drug_change_scenario()]
_IDS = ["combined_200d", "flex_refills_mri", "drug_change"]


@pytest.mark.parametrize("scenario", _SCENARIOS, ids=_IDS)
def test_a_run_with_the_row_block_equals_the_plain_run(scenario, monkeypatch):
    """Every event and series point of a run is the same with the row block as with an add per
    series and a generator per series at once; the block held rows and generators, and whole
    rows again at an instant."""
    held = {"rows": 0, "again": 0, "generators": 0}
    record, add_generated = Recording.record, RowBlock.add_generated

    def counting_record(self: Recording, now: float, layout, values: list[float]) -> None:
        # (Recording.record appends its rows to the block itself: a row was held when the block's
        # rows grew or were replaced by a bind, which flushes, then holds the row)
        block = self.block
        rows, n, open_t = block.rows, len(block.rows), block.open_t
        record(self, now, layout, values)
        if block.rows is not rows or len(block.rows) > n:
            held["again" if open_t == now else "rows"] += 1

    def counting_generated(self: RowBlock, targets, gen) -> None:
        held["generators"] += 1
        add_generated(self, targets, gen)

    monkeypatch.setattr(Recording, "record", counting_record)
    monkeypatch.setattr(RowBlock, "add_generated", counting_generated)
    fast = Simulation(scenario)
    fast.run()
    fast_out = _outputs(fast)
    assert all(held.values()), held
    _use_plain(monkeypatch)
    plain = Simulation(scenario)
    plain.run()
    assert _outputs(plain) == fast_out


@settings(max_examples=12, deadline=None)
@given(reads=st.lists(st.floats(0.0, 10 * DAY), min_size=1, max_size=6))
def test_a_reader_at_any_time_sees_the_plain_points(reads):
    """Runs stopped at random instants and every series read there (as the app reads them
    mid-run) see the same points with the row block as without, and end the same."""
    scenario = _SCENARIOS[2]
    with pytest.MonkeyPatch.context() as mp:
        _use_plain(mp)
        plain = Simulation(scenario)
        plain_reads = []
        for t in sorted(reads):
            plain.run(until=t)
            plain_reads.append(_points(plain))
        plain.run()
        plain_end = _outputs(plain)
    fast = Simulation(scenario)
    for t, expected in zip(sorted(reads), plain_reads):
        fast.run(until=t)
        assert _points(fast) == expected
    fast.run()
    assert _outputs(fast) == plain_end


class _Gen:
    """A generator of fixed points (any signal)."""

    def __init__(self, t: list[float], v: list[float]):
        self.t, self.v = t, v

    def points(self, signal: str):
        return list(self.t), list(self.v)


_value = st.sampled_from([0.0, -0.0, 1.0, 2.5, math.nan]) | st.floats(-5.0, 5.0)
_op = st.one_of(
    st.tuples(st.just("row"), st.floats(0.0, 3.0), st.lists(_value, min_size=3, max_size=3)),
    st.tuples(st.just("again"), st.just(0.0), st.lists(_value, min_size=3, max_size=3)),
    st.tuples(st.just("gen"), st.integers(0, 2), st.lists(st.tuples(st.floats(0.0, 2.0), _value), max_size=3)),
    st.tuples(st.just("add"), st.integers(0, 2), st.tuples(st.floats(0.0, 2.0), _value)),
    st.tuples(st.just("read"), st.integers(0, 2), st.just(None)),
    st.tuples(st.just("close"), st.integers(0, 2), st.floats(0.0, 2.0)),
)


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(_op, max_size=25))
def test_the_block_gives_the_series_an_add_per_series_gives(ops):
    """Rows (at increasing times, again at the same time), generators for some of the series,
    direct adds, reads and closes, in any order: the series of a block read at any time equal
    series given each row's values by `add` and each generator by `add_generated` at once."""
    kinds = ("linear", "step", "linear")
    fast = [Series("d", f"s{i}", "u", kind) for i, kind in enumerate(kinds)]
    plain = [Series("d", f"s{i}", "u", kind) for i, kind in enumerate(kinds)]
    block = RowBlock()
    block.bind(fast)
    t = 0.0
    for kind, a, b in ops:
        if kind in ("row", "again"):
            t += a
            block.add_row(t, b)
            for s, v in zip(plain, b):
                s.add(t, v)
        elif kind == "gen":
            t_g = [t + dt for dt, _ in sorted(b)]
            gen = _Gen(t_g, [v for _, v in sorted(b)])
            if t_g:
                t = t_g[-1]
            targets = [i for i in range(3) if i != a]  # two of the three
            block.add_generated([fast[i] for i in targets], gen)
            Series.add_generated_to([plain[i] for i in targets], gen)
        elif kind == "add":
            t += b[0]
            fast[a].add(t, b[1])
            plain[a].add(t, b[1])
        elif kind == "read":
            assert _bytes(fast[a]) == _bytes(plain[a])
        else:
            t += b
            fast[a].close(t)
            plain[a].close(t)
    for f, p in zip(fast, plain):
        assert _bytes(f) == _bytes(p)


def _bytes(s: Series) -> tuple[bytes, bytes]:
    """A series' breakpoints as bytes (NaN equal to itself)."""
    return s._t.tobytes(), s._v.tobytes()


def test_a_second_record_at_an_instant_by_hand():
    """Recorded at 10 s: (5, 0.0, 1.0); again at 10 s: (5, -0.0, 2.0), the second value equal
    (0.0 == -0.0: skipped by the plain record, dropped by its series here), the third changed;
    again with a NaN (never equal: added both ways). The linear series keeps (10, 5) once, the
    step series 0.0 once, the third series 1.0, 2.0, then NaN at 10 s."""
    for plain in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            if plain:
                _use_plain(mp)
            sim = make_sim(morphine_settings(), duration="1d")
            recording = sim.devices["pump"].recording
            layout = Layout([("a", "u", "linear"), ("b", "u", "step"), ("c", "u", "linear")])
            recording.record(0.0, layout, [4.0, 0.0, 1.0])  # makes the series (the layout then complete)
            recording.record(10.0, layout, [5.0, 0.0, 1.0])
            recording.record(10.0, layout, [5.0, -0.0, 2.0])
            recording.record(10.0, layout, [5.0, -0.0, math.nan])
            if not plain:
                assert recording.block.open_t == 10.0 and len(recording.block.rows) == 3 * 4
            a, b, c = (sim.recorder.get("pump", name) for name in "abc")
            assert list(a.t_s) == [0.0, 10.0] and list(a.values) == [4.0, 5.0]
            assert list(b.t_s) == [0.0] and list(b.values) == [0.0]
            assert list(c.t_s) == [0.0, 10.0, 10.0, 10.0] and list(c.values)[:3] == [1.0, 1.0, 2.0]
            assert math.isnan(c.values[3])
            assert not recording.block.rows  # read: flushed


def test_a_touched_series_flushes_its_block_first():
    """A row held, then a direct add to one series: the add comes after the row (flushed), and a
    record again at that instant is no longer a whole row (the block was flushed)."""
    sim = make_sim(morphine_settings(), duration="1d")
    recording = sim.devices["pump"].recording
    layout = Layout([("a", "u", "linear"), ("b", "u", "step")])
    recording.record(0.0, layout, [1.0, 1.0])
    recording.record(HOUR, layout, [2.0, 1.0])
    assert len(recording.block.rows) == 3
    a = sim.recorder.get("pump", "a")
    a.add(HOUR, 7.0)  # flushes
    assert not recording.block.rows and math.isnan(recording.block.open_t)
    recording.record(HOUR, layout, [2.0, 3.0])  # the plain path: only b's change
    assert list(a.values) == [1.0, 2.0, 7.0]
    assert list(sim.recorder.get("pump", "b").values) == [1.0, 3.0]


def test_a_series_belongs_to_one_block():
    s = Series("d", "s", "u", "linear")
    RowBlock().bind([s])
    with pytest.raises(ValueError):
        RowBlock().bind([s])


def test_a_record_again_after_a_generator_at_the_instant_is_not_a_whole_row():
    """Rows at 10 s, then a generator with a point (10 s, 9.0) for series a, then a record again
    at 10 s with a's value unchanged (5.0): the plain record skips it, so a ends at (10, 9.0);
    a whole row would have added (10, 5.0) after the generator's point. The block knows the row
    is no longer the last thing held (`open_t` NaN) and takes the plain path."""
    for plain in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            if plain:
                _use_plain(mp)
            sim = make_sim(morphine_settings(), duration="1d")
            recording = sim.devices["pump"].recording
            layout = Layout([("a", "u", "linear"), ("b", "u", "step")])
            recording.record(0.0, layout, [4.0, 1.0])
            recording.record(10.0, layout, [5.0, 1.0])
            a = sim.recorder.get("pump", "a")
            recording.add_generated([a], _Gen([10.0], [9.0]))
            if not plain:
                assert math.isnan(recording.block.open_t) and recording.block.rows
            recording.record(10.0, layout, [5.0, 2.0])
            assert list(a.t_s) == [0.0, 10.0, 10.0] and list(a.values) == [4.0, 5.0, 9.0]
            assert list(sim.recorder.get("pump", "b").values) == [1.0, 2.0]
