"""Per-instant memoisation in the stimulator (impedances, tissue fractions, contact shares):
the same inputs give the same objects (impedances: also at another instant with the same values),
any change (drifted values, a fault, a new program) gives values computed afresh, and a run with many actions is identical with and without the memo."""
from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, strategies as st

from benchmarks import builders
from simulator.engine import Simulation
from simulator.scs import safety
from simulator.scs.program import Program
from simulator.scs.electrodes import Electrodes


def _ipg(sim):
    return sim.devices["ipg"]


def test_impedances_are_memoised_per_instant_and_fault_state():
    sim = Simulation(builders.stimulator_actions_scenario(1.0))
    sim.run(until=3600.0)
    ipg = _ipg(sim)
    first = ipg.electrodes.ohm(3600.0)
    assert ipg.electrodes.ohm(3600.0) is first and first["E2"] == 525.0  # the scenario's measured 525 ohm, no drift
    assert ipg.electrodes.ohm(7200.0) is first  # another instant, the same values (no drift): the same dict
    ipg.electrodes.impedance.growth_per_year["E1"] = 0.1  # drifting: another instant gives other values
    drifted = ipg.electrodes.ohm(10800.0)
    assert drifted is not first and drifted["E1"] > first["E1"] and drifted["E2"] == first["E2"]
    ipg.electrodes.impedance.growth_per_year["E1"] = 0.0
    assert ipg.electrodes.ohm(14400.0) is not first  # the last dict is what a new instant is compared with
    ipg.electrodes.inject("E2", "open")  # a fault at the same instant: computed afresh
    faulted = ipg.electrodes.ohm(3600.0)
    assert faulted is not first and faulted["E2"] == 20000.0  # the profile's open-fault impedance
    assert first["E2"] == 525.0  # the earlier dict was not changed
    ipg.electrodes.inject("E2", "none")
    assert ipg.electrodes.ohm(3600.0)["E2"] == 525.0


def test_contact_shares_memo_follows_the_inputs():
    p = Program.model_validate({"name": "two", "contacts": {"E1": "-", "E2": "-", "E3": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 200.0, "rate_hz": 50.0})
    ohm = {"E1": 500.0, "E2": 1000.0, "E3": 800.0}
    shares = safety.contact_shares(p, ohm, True)
    # one shared source: the cathodes split by conductance, 1/500 : 1/1000 = 2/3 : 1/3
    assert shares == pytest.approx({"E1": -2 / 3, "E2": -1 / 3, "E3": 1.0})
    assert safety.contact_shares(p, ohm, True) is shares
    # an amplitude change keeps the contacts: the same shares, not recomputed
    assert safety.contact_shares(p.model_copy(update={"amplitude_ma": 4.0}), ohm, True) is shares
    equal = {"E1": 800.0, "E2": 800.0, "E3": 800.0}  # another impedance dict: recomputed
    assert safety.contact_shares(p, equal, True) == pytest.approx({"E1": -0.5, "E2": -0.5, "E3": 1.0})
    assert safety.contact_shares(p, ohm, False) == pytest.approx({"E1": -0.5, "E2": -0.5, "E3": 1.0})  # independent sources: equal
    q = p.model_copy(update={"contacts": {**p.contacts, "E2": p.contacts["E3"]}})  # a changed program (E2 now an anode)
    # anodes 1000 and 800 ohm: 1/1000 : 1/800 = 4/9 : 5/9
    assert safety.contact_shares(q, ohm, True) == pytest.approx({"E1": -1.0, "E2": 4 / 9, "E3": 5 / 9})


def test_a_run_with_many_actions_is_identical_without_the_memo(monkeypatch):
    scenario = builders.stimulator_actions_scenario(3.0, every_s=1800.0)
    with_memo = Simulation(scenario).run().results()
    monkeypatch.setattr(Electrodes, "ohm", lambda self, t_s: self.impedance.ohm_at(t_s))
    monkeypatch.setattr(Electrodes, "fractions", lambda self, t_s: self.impedance.tissue_fractions(t_s))
    monkeypatch.setattr(safety, "contact_shares", lambda program, impedance_ohm=None, single_source=False:
                        safety._contact_shares(program, impedance_ohm, single_source))
    without = Simulation(scenario).run().results()
    assert len(with_memo.events) > 140  # 143 amplitude steps in 3 days, each an action and a change
    assert with_memo.events == without.events
    assert with_memo.summary == without.summary
    assert with_memo.series == without.series


@given(st.lists(st.tuples(st.sampled_from(["E1", "E2", "E3", "CASE"]), st.floats(allow_nan=True), st.floats(allow_nan=True)), max_size=4, unique_by=lambda r: r[0]),
       st.booleans())
def test_same_floats_means_the_same_bits(rows, reorder):
    from simulator.scs.electrodes import _same_floats

    a = {k: x for k, x, _ in rows}
    b = {k: y for k, _, y in (reversed(rows) if reorder else rows)}
    same_bits = list(a) == list(b) and all(struct.pack("<d", a[k]) == struct.pack("<d", b[k]) for k in a)
    # NaN is never the same (the memo then computes afresh), and 0.0 / -0.0 are left out
    expected = same_bits and all(not math.isnan(v) and v != 0.0 for v in a.values())
    assert _same_floats(a, b) == expected
