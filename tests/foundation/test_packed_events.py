"""Packed event payloads (simulator.events.PayloadLayout, EventStream.emit_packed): the frequent
events of a long run hold a values tuple (shared between a bolus's start and end, or between the
actions of one parsed params) and make their payload dict at each read. They must read back as
the dict the event always had, and no reader may change what another reader gets."""
from __future__ import annotations

import copy
import dataclasses
import pickle
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.event_kinds import EventPayloadError
from simulator.events import EventRecord, EventStream, PayloadLayout, json_tree_copy
from simulator.pump.boluses import Bolus
from simulator.pump.bolusing import BOLUS_EVENT_KEYS, BRIDGE_START_LAYOUT, END_LAYOUT, START_LAYOUT, Boluses, same_values
from tests.pump.helpers import DAY, kinds, make_sim, morphine_settings

# ----- the record and the layout -----
_keys = st.lists(st.text(max_size=8), min_size=0, max_size=8, unique=True)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5))
_json = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)), max_leaves=12)


@given(_keys, st.data())
def test_a_layout_reads_back_its_keys_paired_with_the_values_at_their_positions(keys, data):
    flat = tuple(data.draw(st.lists(_scalars, min_size=len(keys) + 2, max_size=len(keys) + 2)))
    values = (*flat, flat)  # a nested tuple last: positions (len(flat), j) read flat[j]
    positions = tuple(data.draw(st.one_of(st.integers(0, len(flat) - 1), st.tuples(st.just(len(flat)), st.integers(0, len(flat) - 1))))
                      for _ in keys)
    layout = PayloadLayout(tuple(keys), positions)
    payload = layout.payload(values)
    assert payload == {k: (flat[p] if isinstance(p, int) else flat[p[1]]) for k, p in zip(keys, positions)}
    assert list(payload) == keys  # the same order (the order of events.jsonl)
    assert layout.payload(values) is not payload  # a new dict at every read


@given(st.lists(_json, min_size=1, max_size=4))
def test_the_trees_of_a_layout_are_copied_at_every_read(trees):
    keys = tuple(f"k{i}" for i in range(len(trees)))
    layout = PayloadLayout(keys, trees=keys)
    values = tuple(trees)
    kept = copy.deepcopy(values)
    first, second = layout.payload(values), layout.payload(values)
    assert first == second == dict(zip(keys, kept))
    for key in keys:
        _scribble(first[key])
    assert layout.payload(values) == dict(zip(keys, kept)) and values == kept  # a reader's change reaches no one


def _scribble(tree):
    """Change every dict and list of a JSON tree in place."""
    if isinstance(tree, dict):
        for v in list(tree.values()):
            _scribble(v)
        tree["scribbled"] = True
    elif isinstance(tree, list):
        for v in tree:
            _scribble(v)
        tree.append("scribbled")


@given(_json)
def test_json_tree_copy_is_equal_and_shares_no_container(tree):
    out = json_tree_copy(tree)
    assert out == tree and type(out) is type(tree)
    assert not _shared_containers(tree, out)


def _shared_containers(a, b) -> bool:
    if isinstance(a, (dict, list)):
        if a is b:
            return True
        pairs = zip(a.values(), b.values()) if isinstance(a, dict) else zip(a, b)
        return any(_shared_containers(x, y) for x, y in pairs)
    return False


@pytest.mark.parametrize("keys, positions, trees", [(("a", "a"), None, ()), (("a",), None, ("b",)), ((1,), None, ()), (("a",), (0, 1), ()),
                                                     (("a",), (-1,), ()), (("a",), ((0, 1, 2),), ()), (("a",), (1.0,), ())])
def test_a_bad_layout_is_refused(keys, positions, trees):
    with pytest.raises(ValueError):
        PayloadLayout(keys, positions, trees=trees)


def test_a_packed_record_equals_the_record_with_its_payload_dict():
    layout = PayloadLayout(("unit", "dose"), (1, (2, 0)))
    packed = EventRecord.packed(7, 1.5, "pump", "bolus.end", layout, ("x", "mg", (0.2,)))
    plain = EventRecord(7, 1.5, "pump", "bolus.end", {"unit": "mg", "dose": 0.2})
    assert packed == plain and packed.as_dict() == plain.as_dict()
    assert repr(packed) == repr(plain) == "EventRecord(seq=7, t_s=1.5, device='pump', kind='bolus.end', payload={'unit': 'mg', 'dose': 0.2})"
    assert packed != EventRecord(7, 1.5, "pump", "bolus.end", {"unit": "mg", "dose": 0.3})
    for record in (packed, plain):
        back = pickle.loads(pickle.dumps(record))
        assert back == record and back.payload == record.payload
        assert copy.deepcopy(record) == record


def test_a_record_is_immutable_and_unhashable_as_the_frozen_dataclass_was():
    record = EventRecord.packed(0, 0.0, "pump", "k", PayloadLayout(("a",)), (1,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.seq = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del record.kind
    with pytest.raises(TypeError):
        hash(record)
    assert EventRecord(1, 2.0, "d", "k").payload == {}  # no payload: an empty dict, as before


def test_each_subscriber_reads_its_own_payload():
    stream = EventStream()
    seen = []

    def changer(record):
        record.payload["dose"] = -1.0  # a careless view
        record.payload.clear()

    stream.subscribe(changer)
    stream.subscribe(lambda record: seen.append(record.payload))
    record = stream.emit_packed(5.0, "pump", "bolus.lockout_ended", PayloadLayout(("lockout_min",)), (120.0,))
    assert seen == [{"lockout_min": 120.0}] and record.payload == {"lockout_min": 120.0} and record.seq == 0


def test_the_checking_stream_validates_packed_payloads():
    stream = EventStream(check=True)
    stream.emit_packed(0.0, "pump", "bolus.lockout_ended", PayloadLayout(("lockout_min",)), (120.0,))
    with pytest.raises(EventPayloadError):
        stream.emit_packed(0.0, "pump", "bolus.lockout_ended", PayloadLayout(("lockout_minutes",)), (120.0,))


# ----- the pump's bolus events -----
def test_the_bolus_event_keys_are_those_of_bolus_as_event():
    assert tuple(Bolus("patient", 1.0, 2.0, 0.5, 0.5, 0.1).as_event()) == BOLUS_EVENT_KEYS


_floats = st.one_of(st.floats(allow_nan=True), st.sampled_from([0.0, -0.0, 1.0, 600.0, 0.02]))
_boluses = st.builds(Bolus, st.sampled_from(["patient", "single", "periodic", "bridge", "priming"]), _floats, _floats, _floats, _floats, _floats)


@given(st.lists(_boluses, min_size=1, max_size=6))
def test_bolus_event_values_read_back_as_event_to_the_bit(boluses):
    """Each bolus's packed start and end read back `{"unit": ..., **as_event()}` and `as_event()`
    (their text, so the sign of zero and NaN count), also when the fields are shared with the
    bolus before (the same values) or must not be (0.0 against -0.0, NaN)."""
    owner = Boluses.__new__(Boluses)  # only the values' bookkeeping is used, and the drug unit
    owner.dev = SimpleNamespace(therapy=SimpleNamespace(drug=SimpleNamespace(unit="mg")))
    owner._last_fields = ()
    for bolus in boluses:
        values = owner._event_values(bolus)
        assert repr(START_LAYOUT.payload(values)) == repr({"unit": "mg", **bolus.as_event()})
        assert repr(END_LAYOUT.payload(values)) == repr(bolus.as_event())
        bridge = owner._event_values(bolus, 2.5)
        assert repr(BRIDGE_START_LAYOUT.payload(bridge)) == repr({"unit": "mg", "old_concentration_per_ml": 2.5, **bolus.as_event()})
        assert repr(END_LAYOUT.payload(bridge)) == repr(bolus.as_event())


@pytest.mark.parametrize("a, b, same", [((1.0, "x"), (1.0, "x"), True), ((0.0,), (-0.0,), False), ((-0.0,), (-0.0,), True),
                                        ((1,), (1.0,), False), ((True,), (1,), False), ((float("nan"),), (float("nan"),), False)])
def test_same_values_means_interchangeable_in_any_output(a, b, same):
    assert same_values(a, b) is same


PRESSES = {"patient_bolus": {"dose_mg": 0.2, "duration_min": 10, "lockout_min": 120, "max_per_day": 4}}


def test_patient_bolus_events_by_hand():
    """0.2 mg of morphine at 10 mg/mL: 0.02 mL over 10 min (2.88 mL/day), pressed at day 1 and day 2;
    the lockout (120 min) ends 2 h after each press."""
    sim = make_sim(morphine_settings(**PRESSES), duration="3d", timeline=[{"at": "1d", "action": "patient_bolus"}, {"at": "2d", "action": "patient_bolus"}])
    res = sim.run().results()
    starts, ends = kinds(res, "bolus.start"), kinds(res, "bolus.end")
    assert [e.t_s for e in starts] == [DAY, 2 * DAY] and [e.t_s for e in ends] == [DAY + 600.0, 2 * DAY + 600.0]
    for start, end in zip(starts, ends):
        expected = {"bolus": "patient", "dose": 0.2, "volume_ml": pytest.approx(0.02), "duration_s": 600.0,
                    "rate_ml_per_day": pytest.approx(2.88), "end_t_s": start.t_s + 600.0}
        assert start.payload == {"unit": "mg", **expected}
        assert list(start.payload) == ["unit", *BOLUS_EVENT_KEYS]
        assert end.payload == expected and list(end.payload) == list(BOLUS_EVENT_KEYS)
        start.payload["dose"] = 99.0  # a reader's change reaches neither event
        end.payload.clear()
        assert start.payload["dose"] == 0.2 and end.payload["dose"] == 0.2
    lockouts = kinds(res, "bolus.lockout_ended")
    assert [(e.t_s, e.payload) for e in lockouts] == [(DAY + 7200.0, {"lockout_min": 120.0}), (2 * DAY + 7200.0, {"lockout_min": 120.0})]
    lockouts[0].payload["lockout_min"] = 0.0
    assert lockouts[1].payload == {"lockout_min": 120.0}


def test_the_two_events_of_a_bolus_hold_one_values_tuple():
    """What the packing is for (memory): a bolus's end keeps no values of its own."""
    sim = make_sim(morphine_settings(**PRESSES), duration="2d", timeline=[{"at": "1d", "action": "patient_bolus"}])
    res = sim.run().results()
    (start,), (end,) = kinds(res, "bolus.start"), kinds(res, "bolus.end")
    assert start._data is end._data


def test_bridge_bolus_events_read_back_their_fields():
    """The bridge bolus.start carries the old concentration after the unit; its end (cut short at
    the tip here) reads back the fields of the bolus as it ended."""
    from tests.pump.test_bridge_beside_other_flow import _run

    _, res = _run()
    (start,) = [e for e in kinds(res, "bolus.start") if e.payload["bolus"] == "bridge"]
    (end,) = [e for e in kinds(res, "bolus.end") if e.payload["bolus"] == "bridge"]
    assert list(start.payload) == ["unit", "old_concentration_per_ml", *BOLUS_EVENT_KEYS]
    assert start.payload["unit"] == "mg" and start.payload["old_concentration_per_ml"] > 0
    assert list(end.payload) == list(BOLUS_EVENT_KEYS)
    assert end.payload["end_t_s"] == end.t_s < start.payload["end_t_s"]  # cut at the tip
    assert end.payload["volume_ml"] < start.payload["volume_ml"]


# ----- action events -----
def test_actions_sharing_parsed_params_give_each_reader_its_own_params():
    program = {"mode": {"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 1.0}, {"start": "12:00", "dose_mg_per_day": 2.0}]}}
    sim = make_sim(morphine_settings(), duration="3d", timeline=[{"at": "1d", "action": "program", "params": program},
                                                                  {"at": "2d", "action": "program", "params": program}])
    res = sim.run().results()
    first, second = [e for e in kinds(res, "action") if e.payload["action"] == "program"]
    assert first.payload == second.payload and first.payload["params"]["mode"]["type"] == "flex"
    expected = copy.deepcopy(first.payload)
    mine = first.payload
    mine["params"]["mode"]["steps"].append({"start": "18:00"})
    mine["params"].clear()
    assert first.payload == second.payload == expected
    assert first.payload["params"] is not second.payload["params"]
