"""pretty_json's one-call path for a list of flat records (a summary's per-day table) writes the
standard library's indented text exactly, and leaves every other list to the general path."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.results import RECORDS_FROM, dumps, finite_or_none, pretty_json

scalar = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
# keys and values that look like the separators the path rewrites
tricky_text = st.sampled_from(["},\n  {", "}, {", "{", "}", "\n", "\\n", "a"])
record = st.dictionaries(st.text(max_size=5) | tricky_text, scalar | tricky_text, min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.lists(record, min_size=RECORDS_FROM, max_size=20), st.integers(0, 2))
def test_records_give_the_standard_indented_text(records, depth):
    value: object = records
    for _ in range(depth):  # the table deeper in the document, as in summary.json
        value = {"devices": value}
    assert pretty_json(value, 2, allow_nan=True, default=None) == json.dumps(value, indent=2)
    assert dumps(value, indent=2) == json.dumps(finite_or_none(value), indent=2, allow_nan=False)


def test_lists_that_are_not_flat_records_take_the_general_path():
    cases = [
        [{"a": 1}] * (RECORDS_FROM - 1) + [{}],          # an empty record
        [{"a": 1}] * (RECORDS_FROM - 1) + [{"b": [1]}],  # a value that is a container
        [{"a": 1}] * (RECORDS_FROM - 1) + [[1]],         # an item that is not a dict
        [{"a": 1}] * (RECORDS_FROM - 1) + [{1: 2}],      # a key that is not a string
        [{"a": 1, "b": 2.5}] * RECORDS_FROM,             # the fast path itself
    ]
    for value in cases:
        assert pretty_json(value, 2, allow_nan=True, default=None) == json.dumps(value, indent=2)
    # 8 records of one field at depth 0: '[\n  {\n    "a": 1\n  },\n  {...' (2 and 4 spaces)
    assert pretty_json([{"a": 1}] * 8).startswith('[\n  {\n    "a": 1\n  },\n  {\n    "a": 1\n  },')


# ----- json_copy: the summary's plain-JSON copy without the text round trip -----
import math  # noqa: E402

import numpy as np  # noqa: E402

from simulator.results import json_copy  # noqa: E402

copyable = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=25,
)


def _same(a, b) -> bool:
    """Equal, and floats equal to the bit's sign too (0.0 against -0.0)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@settings(max_examples=300, deadline=None)
@given(copyable)
def test_json_copy_is_the_json_round_trip(value):
    assert _same(json_copy(value), json.loads(dumps(value)))


def test_json_copy_of_unusual_values_takes_the_round_trip():
    # numpy values, a non-string key, NaN: as the text round trip gives them
    value = {"a": np.float64(0.5), "b": np.int64(3), 2: [math.nan, (1, 2)]}
    assert json_copy(value) == {"a": 0.5, "b": 3, "2": [None, [1, 2]]}
    inner = [1.0]
    out = json_copy({"x": inner})
    assert out["x"] == inner and out["x"] is not inner  # a copy, not the caller's list


flat_value = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=4)
flat_row = st.dictionaries(st.sampled_from(["date", "amount", "t_s", "x"]), flat_value, max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(flat_row, min_size=30, max_size=60), st.sampled_from([None, (1, 2), [3.0], {"k": 1}, 5, np.float64(1.5)]))
def test_a_table_of_flat_rows_is_copied_as_the_round_trip_copies_it(rows, odd):
    """Lists of TABLE_FROM dicts or more are checked as one table; a row holding anything but a
    flat value, a NaN or an infinity sends the list row by row: the result is the round trip's."""
    assert _same(json_copy(rows), json.loads(dumps(rows)))
    mixed = [dict(r) for r in rows]
    mixed[len(mixed) // 2]["odd"] = odd
    assert _same(json_copy(mixed), json.loads(dumps(mixed)))


def test_a_per_day_table_known_answer():
    rows = [{"date": f"2026-01-{d:02d}", "amount": d / 4} for d in range(1, 41)]
    out = json_copy({"daily": rows})
    assert out == {"daily": rows} and out["daily"][0] is not rows[0]
    rows[7]["amount"] = math.inf
    assert json_copy(rows)[7] == {"date": "2026-01-08", "amount": None}
    assert json_copy([*rows[:31], 2.5]) == [*json_copy(rows[:31]), 2.5]  # not all dicts: item by item
    keyed = [{"a": 1.0}] * 31 + [{2: 1.0}]
    assert json_copy(keyed) == [{"a": 1.0}] * 31 + [{"2": 1.0}]  # a key that is not a string: the round trip
