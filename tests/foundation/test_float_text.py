"""Exact float text in bulk (`simulator.float_text`) is `repr` of each float64, to the byte:
the shortcuts (one text per distinct bit pattern, integers as '<digits>.0', shared columns)
must never change a character, for any value."""
from __future__ import annotations

import math
import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.float_text import ColumnTexts, csv_two_columns, float_texts
from simulator.output import series_csv_text

#: values where a shortcut could go wrong, each with repr's text worked out by hand
HAND = [
    (0.0, "0.0"), (-0.0, "-0.0"),            # equal values, different bits and text
    (3600.0, "3600.0"), (-86400.0, "-86400.0"),
    (9999999999999998.0, "9999999999999998.0"),  # the largest integral float below 1e16: fixed form
    (1e16, "1e+16"), (-1e16, "-1e+16"),          # from 1e16 on repr uses the exponent form
    (2.0 ** 53, "9007199254740992.0"),
    (0.1, "0.1"), (1e-05, "1e-05"), (0.0001, "0.0001"),
    (math.inf, "inf"), (-math.inf, "-inf"), (math.nan, "nan"),
    (5e-324, "5e-324"),                           # the smallest subnormal
]


def test_hand_values_alone_and_repeated_past_the_sorting_size():
    values = [v for v, _ in HAND]
    expected = [text for _, text in HAND]
    assert float_texts(np.array(values)).tolist() == expected
    # 15 values x 10 = 150 >= 64: the distinct-bit-pattern path; 0.0 and -0.0 must stay apart
    assert float_texts(np.array(values * 10)).tolist() == expected * 10


def test_negative_nan_is_written_as_repr_writes_it():
    neg_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]
    assert float_texts(np.array([neg_nan] * 70 + [1.5])).tolist() == [repr(neg_nan)] * 70 + ["1.5"]


finite_or_not = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=300, deadline=None)
@given(st.lists(finite_or_not, max_size=300), st.integers(min_value=1, max_value=4))
def test_any_floats_give_repr(values, repeat):
    values = values * repeat  # repeats make the distinct-value path share texts
    assert float_texts(np.array(values, dtype=float)).tolist() == [repr(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-(2 ** 60), max_value=2 ** 60), min_size=1, max_size=200))
def test_integral_values_near_and_past_1e16_give_repr(ints):
    values = [float(i) for i in ints]
    assert float_texts(np.array(values)).tolist() == [repr(v) for v in values]


def test_a_shared_column_is_made_once_and_equal_content_shares_it():
    texts = ColumnTexts()
    t = np.arange(100.0) * 3600.0
    first = texts(t)
    assert texts(t.copy()) is first          # same content: the same texts, not made again
    assert texts(t + 1.0) is not first
    assert first[1] == "3600.0"              # 1 x 3600 s


def test_series_file_text_is_one_repr_pair_a_line():
    t = np.array([0.0, 0.5, 86400.0])
    v = np.array([20.0, 19.999999999999996, -0.0])
    text = series_csv_text("reservoir_ml", t, v)
    assert text == "t_s,reservoir_ml\n0.0,20.0\n0.5,19.999999999999996\n86400.0,-0.0\n"
    assert csv_two_columns("h\n", np.array([], dtype=object), np.array([], dtype=object)) == "h\n"
