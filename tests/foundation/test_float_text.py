"""Exact float text in bulk (`simulator.float_text`) is `repr` of each float64, to the byte:
the integer method (whole values as '<digits>.0', the shortest of 15, 16, 17 digits from an exact
128-bit product, the rows of a text matrix, shared columns) must never change a character, for
any value."""
from __future__ import annotations

import math
import struct
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import float_text
from simulator.float_text import BLOCK, ColumnTexts, csv_two_columns, float_strs, float_texts, text_blocks
from simulator.output import series_csv_bytes, series_csv_text

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


def test_hand_values_alone_and_in_a_long_column():
    values = [v for v, _ in HAND]
    expected = [text for _, text in HAND]
    assert float_texts(np.array(values)) == expected
    assert float_texts(np.array(values * 10)) == expected * 10


def test_negative_nan_is_written_as_repr_writes_it():
    neg_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]
    assert float_texts(np.array([neg_nan] * 70 + [1.5])) == [repr(neg_nan)] * 70 + ["1.5"]


def test_the_thresholds_of_floor_log10_are_the_powers_of_ten_or_just_above():
    """x >= 10**k exactly iff x >= the float64 nearest 10**k: it is 10**k or lies above it."""
    for k, threshold in zip(range(-4, 11), float_text._TENS):
        assert Fraction(threshold) >= Fraction(10) ** k
        assert Fraction(np.nextafter(threshold, 0.0)) < Fraction(10) ** k


def test_hand_cases_of_the_integer_method():
    values = [
        0.5, 0.25, 0.125, 2.0 ** -13, 3.0 * 2.0 ** -14,        # powers of two (a narrower gap below)
        0.0001, 0.00010000000000000002, 9.999999999999999e-05,  # the low end of the method (below: repr)
        9999999999.999998, 9999999999.5, 1e10 + 0.5,             # the high end (from 1e10 on: repr)
        0.1, 0.2, 0.30000000000000004, 1 / 3, 2 / 3, 123.456,  # 1 to 17 digits
        1.0000000000000002, 0.9999999999999999, 99.99999999999999, 9.999999999999998,
        85.16287160887879, 19.999999999999996, 1.4400000000000002,
        -0.5, -1.5, -123.456, -0.0001, -9999999999.999998,
        1.5, 2.5, 1234567.125, 4503599627370495.5,              # half-integers, the largest one
        1e15 + 0.5, 1e15, 1e16 - 2, 2.0 ** 53, 2.0 ** 53 + 2,  # whole values near 1e16 and 2**53
    ]
    assert float_texts(np.array(values)) == [repr(v) for v in values]
    # one at a time, and alone with the rest whole (the few-values way)
    for v in values:
        assert float_texts(np.array([v])) == [repr(v)]
        assert float_texts(np.array([3600.0, v, 7200.0])) == ["3600.0", repr(v), "7200.0"]


def test_values_next_to_powers_of_two_and_of_ten_give_repr():
    edges = [2.0 ** k for k in range(-14, 34)] + [float(f"1e{k}") for k in range(-4, 11)]
    values = []
    for edge in edges:
        below = above = edge
        for _ in range(4):
            below, above = np.nextafter(below, 0.0), np.nextafter(above, np.inf)
            values += [below, above]
    values = [float(v) for v in values]
    assert float_texts(np.array(values)) == [repr(v) for v in values]


def test_a_column_longer_than_a_block_and_its_csv_lines():
    t = np.arange(BLOCK + 10, dtype=float) * 0.5
    v = np.linspace(0.0, 1.0, BLOCK + 10)
    blocks = text_blocks(t)
    assert len(blocks) == 2 and sum(len(b) for b in blocks) == BLOCK + 10
    expected = "t_s,x\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(t.tolist(), v.tolist()))
    assert series_csv_text("x", t, v) == expected


finite_or_not = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=300, deadline=None)
@given(st.lists(finite_or_not, max_size=300), st.integers(min_value=1, max_value=4))
def test_any_floats_give_repr(values, repeat):
    values = values * repeat
    assert float_texts(np.array(values, dtype=float)) == [repr(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=1e-4, max_value=1e10, allow_subnormal=False) | st.floats(min_value=-1e10, max_value=-1e-4), min_size=1, max_size=200))
def test_values_of_the_integer_method_give_repr(values):
    assert float_texts(np.array(values)) == [repr(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2 ** 64 - 1), min_size=1, max_size=200))
def test_any_bit_patterns_give_repr(patterns):
    values = np.array(patterns, dtype=np.uint64).view(np.float64)
    assert float_texts(values) == [repr(v) for v in values.tolist()]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-(2 ** 60), max_value=2 ** 60), min_size=1, max_size=200))
def test_integral_values_near_and_past_1e16_give_repr(ints):
    values = [float(i) for i in ints]
    assert float_texts(np.array(values)) == [repr(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10 ** 17), min_size=1, max_size=100), st.integers(min_value=0, max_value=22))
def test_short_and_long_decimals_give_repr(mantissas, point):
    """Decimals of 1 to 17 digits (the 15-digit way, trailing zeros, 16 and 17 digits)."""
    values = [float(f"{m}e-{point}") for m in mantissas]
    assert float_texts(np.array(values)) == [repr(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 10 ** 7).map(lambda m: m / 1000) | st.floats(1e-4, 1e10), min_size=1, max_size=60))
def test_blocks_of_short_and_long_decimals_in_any_proportion_give_repr(values):
    """All short (15 digits or fewer), mostly short, mostly long: each way of `_shortest_digits`."""
    assert float_texts(np.array(values)) == [repr(v) for v in values]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 4 * 10 ** 8), min_size=1, max_size=60), st.lists(st.tuples(st.integers(0, 59), st.floats(1e-4, 1e9)), max_size=5))
def test_whole_seconds_with_a_few_fractions_give_repr(seconds, fractions):
    """Times in whole seconds with a few others (their fractions' groups made alone)."""
    values = [float(x) for x in seconds]
    for i, x in fractions:
        values[i % len(values)] = x
    assert float_texts(np.array(values)) == [repr(v) for v in values]


@settings(max_examples=150, deadline=None)
@given(st.integers(130, 700), st.lists(st.floats(1e-4, 1e9) | st.floats(-1e9, -1e-4), min_size=1, max_size=130), st.randoms(use_true_random=False))
def test_whole_seconds_with_fractions_around_the_repr_limit_give_repr(count, fractions, rnd):
    """Whole values with up to FEW_BY_REPR others (those by repr) or more (the shortest-digits
    way on them alone), the others anywhere, either sign; float_strs in bulk from 512 values."""
    values = [float(rnd.randrange(0, 4 * 10 ** 8)) for _ in range(count)]
    for x in fractions:
        values[rnd.randrange(count)] = x
    assert float_texts(np.array(values)) == [repr(v) for v in values]
    assert float_strs(np.array(values)) == [repr(v) for v in values]


ODD_ONES = st.sampled_from([0.0, -0.0, 100.0, -3.0, 1.0, 2.0 ** 52, 9999999999.0, 1e10, 12345678901.0, 1e15, 1e16, 1e300, 5e-324, 1e-5,
                             math.nan, -math.nan, math.inf, -math.inf]) | st.floats()


@settings(max_examples=200, deadline=None)
@given(st.integers(66, 400), st.lists(ODD_ONES, min_size=1, max_size=64), st.randoms(use_true_random=False))
def test_non_integral_values_with_a_few_others_give_repr(count, odd, rnd):
    """Values of the shortest-digits way but for at most FEW_BY_REPR others anywhere (whole,
    zero, signed zero, huge, tiny, not finite: a series' first value among 16-17 digit ones),
    either sign."""
    values = [rnd.choice([1, -1]) * rnd.uniform(1e-4, 1e9) for _ in range(count)]
    for x in odd:
        values[rnd.randrange(count)] = x
    assert float_texts(np.array(values)) == [repr(v) for v in values]


def test_a_series_first_value_among_long_decimals_by_hand():
    values = [100.0] + [100.0 - k / 3 for k in range(1, 200)] + [0.0, -0.0, 7.0, math.nan]
    texts = float_texts(np.array(values))
    assert texts[:3] == ["100.0", "99.66666666666667", "99.33333333333333"]
    assert texts[-4:] == ["0.0", "-0.0", "7.0", "nan"] and texts == [repr(v) for v in values]


def test_short_and_long_decimals_by_hand():
    short, long = [0.5, 1.44, 36.125, 0.001], [1 / 3, 85.16287160887879, 1.4400000000000002]
    for values in (short, short * 3 + long, long * 3 + short, long):
        assert float_texts(np.array(values)) == [repr(v) for v in values]


def test_a_shared_column_is_made_once_and_equal_content_shares_it():
    texts = ColumnTexts()
    t = np.arange(100.0) * 3600.0
    first = texts(t)
    assert texts(t.copy()) is first          # same content: the same texts, not made again
    assert texts(t + 1.0) is not first
    assert float_text.row_texts(first[0])[1] == "3600.0"  # 1 x 3600 s


def test_columns_alike_in_the_looked_up_sample_but_not_equal_get_their_own_texts():
    """A column is looked up by a sample of its values, then compared bit for bit: another
    column with the same sample (or 0.0 where the first has -0.0) is made on its own."""
    texts = ColumnTexts()
    t = np.arange(1000.0)
    other = t.copy()
    other[1] = 7.5  # not in the sample (every 31st value)
    signed = t.copy()
    signed[0] = -0.0
    first, second, third = texts(t), texts(other), texts(signed)
    assert second is not first and third is not first
    assert float_text.row_texts(second[0])[:3] == ["0.0", "7.5", "2.0"]
    assert float_text.row_texts(third[0])[:2] == ["-0.0", "1.0"]
    assert texts(other.copy()) is second and texts(t.copy()) is first


def test_series_file_text_is_one_repr_pair_a_line():
    t = np.array([0.0, 0.5, 86400.0])
    v = np.array([20.0, 19.999999999999996, -0.0])
    text = series_csv_text("reservoir_ml", t, v)
    assert text == "t_s,reservoir_ml\n0.0,20.0\n0.5,19.999999999999996\n86400.0,-0.0\n"
    assert series_csv_bytes("reservoir_ml", t, v) == text.encode("ascii")
    assert csv_two_columns(b"h\n", [], []) == b"h\n"
    assert series_csv_text("x", np.array([]), np.array([])) == "t_s,x\n"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(1e-4, 1e-3) | st.floats(-1e-2, -1e-4) | st.floats(-1e10, 1e10) | st.sampled_from([0.0, 1.0, 0.5, 100.0]),
                min_size=1, max_size=40))
def test_blocks_with_more_than_19_digits_after_the_point_give_repr(values):
    """Values just above 1e-4 have up to 21 digits after the point: such a block is laid out
    in two parts (`_layout_in_parts`), any other in one row of groups; both give repr."""
    assert float_texts(np.array(values)) == [repr(v) for v in values]


def test_the_groups_of_four_characters_by_hand():
    def text(index: int) -> str:
        return float_text._GROUP_TEXTS[index:index + 1].view(np.uint8).tobytes().replace(b"\0", b"_").decode()

    assert [text(float_text._ZEROS + v) for v in (0, 42, 9999)] == ["0000", "0042", "9999"]
    assert [text(float_text._LEADING + v) for v in (0, 42, 1000)] == ["___0", "__42", "1000"]
    assert [text(float_text._TRAILING + v) for v in (0, 4200, 5, 1010)] == ["____", "42__", "0005", "101_"]
    assert [text(float_text._POINT_ZEROS + v) for v in (0, 42, 999)] == [".000", ".042", ".999"]
    assert [text(float_text._POINT_TRAILING + v) for v in (0, 40, 100, 5)] == [".0__", ".04_", ".1__", ".005"]
    assert text(float_text._BLANK) == "____"
    assert float_texts(np.array([36000.0, 0.5, 10.05, 1e9 + 0.25, 7.0])) == ["36000.0", "0.5", "10.05", "1000000000.25", "7.0"]
