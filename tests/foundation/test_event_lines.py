"""The column-wise writer of events.jsonl (simulator.event_lines) writes exactly the lines of the
plain way (one C encoder call over each record's dict, `simulator.results.json_line`): for any
layout, any values (floats of every size and sign, -0.0, NaN and infinities, huge ints, booleans,
None, strings with quotes, escapes, surrogates and other unicode, nested lists and dicts), values
shared between records or not, and any mix of packed and plain records."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.event_lines import lines_text
from simulator.events import EventRecord, PayloadLayout
from simulator.pump.bolusing import END_LAYOUT, LOCKOUT_ENDED_LAYOUT, START_LAYOUT
from simulator.results import json_line, json_lines_text, plain_lines_text

_text = st.text(st.characters(exclude_categories=()), max_size=6)  # surrogates included
_floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e16, 1e-5, 5e-324, 1.7976931348623157e308, 0.1, 36000.0])
_scalars = st.none() | st.booleans() | st.integers() | st.integers(-10**30, 10**30) | _floats | _text
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3), max_leaves=10)
#: a column's values: one kind (a layout's column usually is) or any mix
_column_values = st.one_of(
    st.lists(_floats, min_size=1, max_size=4), st.lists(st.integers(), min_size=1, max_size=4),
    st.lists(_text, min_size=1, max_size=4), st.lists(_json, min_size=1, max_size=4),
    st.lists(st.sampled_from([0.5, 2.0, 120.0]), min_size=1, max_size=4),
)


def expected(records: list[EventRecord]) -> str:
    return "".join(json_line(r) + "\n" for r in records)


@st.composite
def packed_records(draw):
    """Records of a few layouts (flat positions and positions in nested tuples, the nested
    tuples and whole values tuples shared by several records) and some holding their dict."""
    layouts = []
    for _ in range(draw(st.integers(1, 3))):
        keys = tuple(draw(st.lists(_text, max_size=6, unique=True)))
        nested = draw(st.lists(st.booleans(), min_size=len(keys), max_size=len(keys)))
        positions, width, outer = [], 0, -1
        for is_nested in nested:
            if is_nested and outer >= 0 and draw(st.booleans()):
                positions.append((outer, draw(st.integers(0, 3))))  # the same nested tuple as the key before
            elif is_nested:
                outer, width = width, width + 1
                positions.append((outer, draw(st.integers(0, 3))))
            else:
                positions.append(width)
                width += 1
        layouts.append((PayloadLayout(keys, tuple(positions)), width, positions))
    records: list[EventRecord] = []
    values_pool: list[tuple] = []
    for seq in range(draw(st.integers(0, 12))):
        t_s = draw(_floats | st.sampled_from([0.0, 600.0, 36000.5]))
        device, kind = draw(st.sampled_from(["pump", "ipg", 'a"b\\c', "%s%%", "\u00e9"])), draw(st.sampled_from(["bolus.start", "x", "\u2028"]))
        if not draw(st.integers(0, 4)):
            records.append(EventRecord(seq, t_s, device, kind, draw(st.dictionaries(_text, _json, max_size=3))))
            continue
        layout, width, positions = draw(st.sampled_from(layouts))
        if values_pool and draw(st.booleans()):
            values = draw(st.sampled_from(values_pool))  # a values tuple shared with another record
            if len(values) < width or any(type(p) is tuple and not isinstance(values[p[0]], tuple) for p in positions):
                values = None
        else:
            values = None
        if values is None:
            slots: list = []
            for i in range(width):
                if any(type(p) is tuple and p[0] == i for p in positions):
                    shared = [inner for vals in values_pool for inner in vals if isinstance(inner, tuple) and len(inner) == 4]
                    slots.append(draw(st.sampled_from(shared)) if shared and draw(st.booleans()) else tuple(draw(st.lists(_json, min_size=4, max_size=4))))
                else:
                    slots.append(draw(_json))
            values = tuple(slots)
            values_pool.append(values)
        records.append(EventRecord.packed(seq, t_s, device, kind, layout, values))
    return records


@settings(max_examples=400, deadline=None)
@given(packed_records())
def test_any_records_are_written_as_the_plain_way_writes_them(records):
    assert json_lines_text(records) == expected(records)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_column_values, _column_values), min_size=1, max_size=3))
def test_columns_of_one_kind_or_mixed_are_written_as_the_encoder_writes_each_value(columns):
    layout = PayloadLayout(("a", "b"), (0, (1, 0)))
    records = []
    for a_values, b_values in columns:
        for seq, (a, b) in enumerate(zip(a_values, b_values)):
            records.append(EventRecord.packed(seq, 60.0 * seq, "pump", "k", layout, (a, (b,))))
    assert json_lines_text(records) == expected(records)


def test_packed_records_with_plain_values_never_take_the_plain_way():
    """The bolus and lockout events of a run (finite numbers, strings) are written column-wise,
    line by line the plain way's text (known answers)."""
    fields = ("mg", "patient", 0.1, 0.01, 600.0, 1.4400000000000002)
    records = [
        EventRecord.packed(2, 36000.0, "pump", "bolus.start", START_LAYOUT, (fields, 36600.0)),
        EventRecord(3, 36000.0, "pump", "x", {"a": 1}),
        EventRecord.packed(4, 36600.0, "pump", "bolus.end", END_LAYOUT, (fields, 36600.0)),
        EventRecord.packed(5, 43200.0, "pump", "bolus.lockout_ended", LOCKOUT_ENDED_LAYOUT, (120.0,)),
    ]
    asked: list[list[EventRecord]] = []

    def plain(part: list[EventRecord]) -> str:
        asked.append(part)
        return plain_lines_text(part)

    assert lines_text(records, plain) == (
        '{"seq":2,"t_s":36000.0,"device":"pump","kind":"bolus.start","payload":{"unit":"mg","bolus":"patient","dose":0.1,'
        '"volume_ml":0.01,"duration_s":600.0,"rate_ml_per_day":1.4400000000000002,"end_t_s":36600.0}}\n'
        '{"seq":3,"t_s":36000.0,"device":"pump","kind":"x","payload":{"a":1}}\n'
        '{"seq":4,"t_s":36600.0,"device":"pump","kind":"bolus.end","payload":{"bolus":"patient","dose":0.1,'
        '"volume_ml":0.01,"duration_s":600.0,"rate_ml_per_day":1.4400000000000002,"end_t_s":36600.0}}\n'
        '{"seq":5,"t_s":43200.0,"device":"pump","kind":"bolus.lockout_ended","payload":{"lockout_min":120.0}}\n'
    )
    assert asked == [[records[1]]]  # only the record holding its dict


def test_a_layout_with_a_nan_is_written_by_the_plain_way_with_null():
    layout = PayloadLayout(("v",))
    records = [EventRecord.packed(0, 1.0, "pump", "k", layout, (float("nan"),)), EventRecord.packed(1, 2.0, "pump", "k", layout, (-0.0,))]
    assert json_lines_text(records) == expected(records) == (
        '{"seq":0,"t_s":1.0,"device":"pump","kind":"k","payload":{"v":null}}\n{"seq":1,"t_s":2.0,"device":"pump","kind":"k","payload":{"v":-0.0}}\n'
    )


def test_a_value_the_encoder_refuses_raises_as_before():
    layout = PayloadLayout(("v",))
    with pytest.raises(TypeError):
        json_lines_text([EventRecord.packed(0, 1.0, "pump", "k", layout, (object(),))])


def test_zeros_keep_their_sign_among_repeated_values():
    layout = PayloadLayout(("v",))
    values = [0.0, -0.0, 0.0, 0.0, -0.0, 2.5, 2.5, 2.5]
    records = [EventRecord.packed(i, 0.0, "pump", "k", layout, (v,)) for i, v in enumerate(values)]
    assert [json.loads(line)["payload"]["v"] for line in json_lines_text(records).splitlines()] == values
    assert [line.split('"v":')[1][:-2] for line in json_lines_text(records).splitlines()] == ["0.0", "-0.0", "0.0", "0.0", "-0.0", "2.5", "2.5", "2.5"]
    assert json_lines_text(records) == expected(records)
