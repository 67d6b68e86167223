"""A column of few distinct values (a step series' levels) is written from the text of each
distinct bit pattern, gathered row by row (`float_text.text_blocks_of_few`): the same characters
as converting every value, so the same file bytes; the writer's cache of lines shares the file
body of two series with the same times and values."""
from __future__ import annotations

import math
import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.float_text import (
    BLOCK,
    FEW_FROM,
    ColumnTexts,
    distinct_and_inverse,
    distinct_count,
    row_texts,
    text_blocks,
    text_blocks_of_few,
)
from simulator.output import series_csv_bytes, series_csv_chunks

NEG_NAN = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]
LEVELS = st.one_of(st.sampled_from([0.0, -0.0, math.nan, NEG_NAN, math.inf, 1e16, 0.1, 1.4400000000000002]), st.floats())


def texts_of(blocks) -> list[str]:
    return [text for block in blocks for text in row_texts(block)]


@settings(max_examples=60, deadline=None)
@given(st.lists(LEVELS, min_size=1, max_size=12), st.integers(FEW_FROM, 2 * BLOCK + 77), st.integers(0, 2 ** 32 - 1))
def test_few_distinct_values_give_the_texts_of_every_value(levels, n, seed):
    a = np.array(levels)[np.random.default_rng(seed).integers(0, len(levels), n)]
    few = text_blocks_of_few(a)
    assert few is not None  # few distinct values: taken
    whole = text_blocks(a)
    assert [len(b) for b in few] == [len(b) for b in whole]  # the same blocks, so lines pair with any column
    assert texts_of(few) == texts_of(whole) == [repr(x) for x in a.tolist()]


def test_known_column_of_two_levels():
    a = np.array([1.44, -0.0] * (FEW_FROM // 2))
    few = text_blocks_of_few(a)
    assert few is not None
    assert texts_of(few)[:3] == ["1.44", "-0.0", "1.44"]


def test_short_or_varied_columns_are_left_to_the_plain_conversion():
    assert text_blocks_of_few(np.zeros(FEW_FROM - 1)) is None  # too short to pay
    assert text_blocks_of_few(np.arange(float(FEW_FROM))) is None  # every value distinct


def test_equal_series_share_their_lines_and_files_are_the_plain_text():
    texts = ColumnTexts()
    t = np.arange(5000.0) * 600.0
    v = np.where(np.arange(5000) % 3 == 0, 0.5, 1.25)
    first = series_csv_chunks("a", t, v, texts)
    second = series_csv_chunks("b", t.copy(), v.copy(), texts)
    assert first[1:] == second[1:] and first[1] is second[1]  # made once
    body = b"".join(f"{x!r},{y!r}\n".encode() for x, y in zip(t.tolist(), v.tolist()))
    assert b"".join(first) == b"t_s,a\n" + body
    assert series_csv_bytes("b", t, v) == b"t_s,b\n" + body


def test_a_repeating_pattern_of_many_levels_is_made_from_its_distinct_values():
    """A pattern repeated (the reservoir refill after refill): more distinct values than a step
    series has, each a few times; taken when they are at most half the column and not all whole
    numbers (whole numbers convert fast: the sort would not pay)."""
    cycle = 20.0 - np.arange(1000) / 7.0  # 1,000 levels, 16-17 digits
    a = np.random.default_rng(5).choice(cycle, 5000)
    few = text_blocks_of_few(a)
    assert few is not None
    assert texts_of(few) == [repr(x) for x in a.tolist()]
    assert text_blocks_of_few(np.random.default_rng(5).choice(np.arange(1000.0), 5000)) is None  # whole numbers, 20 % distinct
    assert text_blocks_of_few(np.concatenate([cycle, np.arange(5000) / 3.0])) is None  # 1 in 6 values repeats


FLOAT_BITS = st.one_of(LEVELS, st.floats(allow_nan=True, allow_infinity=True)).map(lambda x: struct.unpack("<Q", struct.pack("<d", x))[0])


@settings(max_examples=80, deadline=None)
@given(st.lists(FLOAT_BITS, max_size=60), st.integers(1, 40), st.integers(0, 2 ** 32 - 1))
def test_distinct_values_by_sort_equal_numpy_unique(levels, repeat, seed):
    """The sort-based count, distinct values and inverse are np.unique's (on the bit patterns:
    -0.0 and 0.0, NaNs with other bits, all apart)."""
    rng = np.random.default_rng(seed)
    bits = np.array(levels * repeat, dtype=np.uint64)
    rng.shuffle(bits)
    assert distinct_count(bits) == len(np.unique(bits))
    distinct, inverse = distinct_and_inverse(bits)
    want_distinct, want_inverse = np.unique(bits, return_inverse=True)
    assert distinct.dtype == want_distinct.dtype and np.array_equal(distinct, want_distinct)
    assert np.array_equal(inverse, want_inverse.ravel())
    assert np.array_equal(distinct[inverse], bits)


def test_distinct_values_known_answer():
    bits = np.array([7, 3, 7, 7, 0, 3], dtype=np.uint64)
    assert distinct_count(bits) == 3
    distinct, inverse = distinct_and_inverse(bits)
    assert distinct.tolist() == [0, 3, 7]
    assert inverse.tolist() == [2, 1, 2, 2, 0, 1]
    assert distinct_count(bits[:0]) == 0
