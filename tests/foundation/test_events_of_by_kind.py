"""Recorder.events_of (recorder.py: indexed per kind asked for, by device; the new events of the kind
found at C speed) against the plain filter of every event, with events recorded between the
questions."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.events import EventRecord
from simulator.recorder import Recorder

_DEVICES = ["pump", "ipg", "sim", "pump2"]
_KINDS = ["refusal", "warning", "alarm", "bolus_start", "".join(["war", "ning"])]  # (an equal text, another object: compared by ==)
_step = st.one_of(
    st.tuples(st.just("record"), st.lists(st.tuples(st.sampled_from(_DEVICES), st.sampled_from(_KINDS)), max_size=40)),
    st.tuples(st.just("ask"), st.lists(st.tuples(st.sampled_from(_DEVICES), st.sampled_from(_KINDS)), min_size=1, max_size=3)),
)


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(_step, max_size=12))
def test_events_of_equals_the_plain_filter(steps):
    """Events recorded in batches, questions between them (a pair asked again, a new pair after
    many events): each answer is the plain filter's list, the same records in the same order."""
    recorder = Recorder()
    seq = 0
    for what, items in steps:
        if what == "record":
            for device, kind in items:
                recorder.on_event(EventRecord(seq, float(seq), device, kind, {}))
                seq += 1
        else:
            for device, kind in items:
                want = [e for e in recorder.events if e.device == device and e.kind == kind]
                got = recorder.events_of(device, kind)
                assert len(got) == len(want) and all(a is b for a, b in zip(got, want))


def test_events_of_by_hand():
    """Hand-worked: five events, two refusals of the pump (seq 1 and 4), one of the ipg; asked
    before and after the last ones."""
    recorder = Recorder()
    for seq, (device, kind) in enumerate([("pump", "alarm"), ("pump", "refusal"), ("ipg", "refusal")]):
        recorder.on_event(EventRecord(seq, float(seq), device, kind, {}))
    assert [e.seq for e in recorder.events_of("pump", "refusal")] == [1]
    recorder.on_event(EventRecord(3, 3.0, "pump", "warning", {}))
    recorder.on_event(EventRecord(4, 4.0, "pump", "refusal", {}))
    assert [e.seq for e in recorder.events_of("pump", "refusal")] == [1, 4]
    assert [e.seq for e in recorder.events_of("ipg", "refusal")] == [2]
    assert recorder.events_of("sim", "refusal") == []
