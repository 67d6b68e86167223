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
