"""Floats written in bulk where the JSON encoder wrote them one by one (`float_strs`: repr of each
float64 made by `simulator.float_text`), in events.jsonl's float columns and in the column-wise
tables of summary.json and scenario.json (`pretty_json`), and the series lines' two ways of
dropping 0 bytes: each gives exactly the text of the plain way, for any values. The bulk ways
are forced with their thresholds at their lowest (hypothesis draws short lists)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import event_lines, float_text
from simulator.events import EventRecord, PayloadLayout
from simulator.float_text import csv_two_columns, float_strs, text_blocks
from simulator.results import dumps, finite_or_none, json_line, json_lines_text, pretty_json

_floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e16, 1e-5, 5e-324, 0.1, 36000.0, 85.16287160887879])
_finite = st.floats(allow_nan=False, allow_infinity=False)


def _bulk(mp: pytest.MonkeyPatch, share: float | None = None) -> None:
    """Every float column in bulk, however short (and the series lines' 0-byte share set)."""
    mp.setattr(float_text, "STRS_FROM", 1)
    mp.setattr(event_lines, "STRS_FROM", 1)
    if share is not None:
        mp.setattr(float_text, "SPARSE_ZEROS", share)


def test_float_strs_by_hand():
    values = [0.0, -0.0, 3600.0, 0.1, 1e-05, 1e16, 85.16287160887879, math.inf, -math.inf, math.nan, 5e-324]
    expected = ["0.0", "-0.0", "3600.0", "0.1", "1e-05", "1e+16", "85.16287160887879", "inf", "-inf", "nan", "5e-324"]
    assert float_strs(np.array(values)) == expected  # short: repr of each
    assert float_strs(np.array(values * 100)) == expected * 100  # 1,100 values: in bulk
    assert float_strs(np.array([])) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(_floats, max_size=60))
def test_float_strs_is_repr_of_each(values):
    with pytest.MonkeyPatch.context() as mp:
        _bulk(mp)
        assert float_strs(np.array(values, dtype=float)) == [repr(v) for v in values]


LAYOUT = PayloadLayout(("amount", "note"), (0, 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_floats, _floats, st.sampled_from([0.5, 2.0, 120.0]) | _floats), min_size=1, max_size=12))
def test_event_float_columns_in_bulk_are_the_plain_lines(rows):
    """Times and a payload's float column (repeated values or not) in bulk; a NaN or an
    infinity sends the layout to the plain way (null), as before."""
    records = [EventRecord.packed(seq, t_s, "pump", "k", LAYOUT, (a, b)) for seq, (t_s, a, b) in enumerate(rows)]
    with pytest.MonkeyPatch.context() as mp:
        _bulk(mp)
        assert json_lines_text(records) == "".join(json_line(r) + "\n" for r in records)


_scalar = st.none() | st.booleans() | st.integers(-10**20, 10**20) | _floats | st.text(max_size=5)
_tricky = st.sampled_from(["},\n  {", "{", "}", "\n", '"', "\u00e9", "a"])
_nested = st.dictionaries(st.text(max_size=3), _scalar | st.lists(_scalar, max_size=2), max_size=2)  # a refill's params among `{}`
_value = _scalar | _tricky | st.sampled_from([{}, [], ()]) | st.lists(_scalar, max_size=2) | st.tuples(_scalar) | _nested


@st.composite
def tables(draw):
    """A list of records with the same keys in the same order (a timeline, a per-day table):
    each column floats only, ints only, strings only, or anything (nested containers too)."""
    keys = draw(st.lists(st.text(max_size=4) | _tricky, min_size=1, max_size=4, unique=True))
    n = draw(st.integers(8, 20))
    columns = []
    for _ in keys:
        kind = draw(st.sampled_from([_floats, _finite, st.integers(), st.text(max_size=4) | _tricky, _value, st.sampled_from([{}, []]), _nested]))
        columns.append(draw(st.lists(kind, min_size=n, max_size=n)))
    return [dict(zip(keys, row)) for row in zip(*columns)]


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(0, 2))
def test_tables_written_column_by_column_are_the_standard_indented_text(records, depth):
    value: object = records
    for _ in range(depth):
        value = {"devices": value}
    with pytest.MonkeyPatch.context() as mp:
        _bulk(mp)
        assert pretty_json(value, 2, allow_nan=True, default=None) == json.dumps(value, indent=2)
        assert dumps(value, indent=2) == json.dumps(finite_or_none(value), indent=2, allow_nan=False)


def test_a_table_by_hand():
    rows = [{"at": f"{10 + 24 * i}h", "device": "pump", "action": "patient_bolus", "params": {}} for i in range(8)]
    rows[3] = {"at": "82h", "device": "pump", "action": "refill", "params": {"fill_ml": 20.0}}
    text = pretty_json({"timeline": rows})
    assert text == json.dumps({"timeline": rows}, indent=2)
    assert '    {\n      "at": "82h",\n      "device": "pump",\n      "action": "refill",\n      "params": {\n        "fill_ml": 20.0\n      }\n    },' in text
    assert '    {\n      "at": "10h",\n      "device": "pump",\n      "action": "patient_bolus",\n      "params": {}\n    },' in text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4 * 10**8).map(float) | _finite, _floats), min_size=1, max_size=60), st.sampled_from([0.0, 1.0]))
def test_series_lines_by_either_way_of_dropping_zeros(pairs, share):
    """share 0: every block by `translate`; 1: every block by `replace`."""
    t = np.array([p[0] for p in pairs])
    v = np.array([p[1] for p in pairs])
    with pytest.MonkeyPatch.context() as mp:
        _bulk(mp, share)
        text = csv_two_columns(b"t_s,x\n", text_blocks(t), text_blocks(v))
    assert text == ("t_s,x\n" + "".join(f"{a!r},{b!r}\n" for a, b in pairs)).encode()
