"""Exact float text in bulk: `repr` of every float64 of an array, made with numpy, not one `repr` a value.

The result files write each number as `repr(float)`, the shortest decimal that reads back as the
same float64 (byte-identical files, exact round trip). `repr` costs ~1 us a value of 16-17
digits on the benchmark machine, and a ten-year run writes about a million of them. Here whole
columns are converted at once, with integer arithmetic that gives exactly repr's text:

- an integral value below 1e16 in magnitude (most breakpoint times, in whole seconds) is written
  as the integer's digits and '.0', which is what `repr` writes for it (Python switches to the
  exponent form at 1e16); -0.0 is not one of them;
- a value that is not integral, with 1e-4 <= |x| < 1e10 (repr writes it in positional form,
  with no exponent): repr's text is the shortest decimal that reads back as x, the nearest one
  of that length. Any decimal of <= 15 digits that reads back is the 15-digit rounding D_15 of x
  (trailing zeros dropped), found and checked exactly in float64 (D_15 < 2**53, 10**s exact);
  otherwise it is D_16 when that reads back, else D_17, which always does. With x = m * 2**e
  (m the 53-bit significand) and s = 15 - floor(log10 x), the 128-bit product m * 5**s is
  x * 10**s * 2**shift (shift = -(e + s)): its high bits are floor(x * 10**s), the shifted-out
  remainder r rounds it, and D_16 reads back exactly when 2|r| < 5**s (the distance to x
  against half the float64 spacing, in the same units); ten times the remainder gives the 17th
  digit. Values next to a power of two with more than 15 digits (a narrower gap below x) and a
  decimal exactly half-way go to `repr`, as does everything else (NaN, infinities, -0.0, tiny
  and huge values);
- a writer that writes several columns holding the same array (the pump's seven series share
  their breakpoint times) makes its text once (`ColumnTexts`).

The texts are kept as a matrix of ASCII bytes, one row a value, where a 0 byte means "no
character": digits before the decimal point, the point, the digits after it, each in its own
columns, so rows of different lengths share one layout and a file is made by dropping the 0
bytes of the joined rows. Columns are converted in blocks of BLOCK values (small arrays are
reused by the allocator and stay in the cache). The bulk of the work is numpy element-wise
operations and gathers from small tables. Integer division by an array of divisors (uint64)
costs ten times more and is avoided (a float64 quotient corrected by one in int64 instead);
by a scalar numpy multiplies instead, and that is used (the groups of four digits).
"""
from __future__ import annotations

import numpy as np

#: Python's `repr` writes integral floats below this magnitude as '<digits>.0'
_FIXED_LIMIT = 1e16
#: the positional range handled by the exact integer method: repr writes no exponent in it
_PLAIN_LOW, _PLAIN_HIGH = 1e-4, 1e10
#: at most this many non-integral values in a block of whole ones are written by `repr` each
#: (~0.3 us) instead of the shortest-digits way, whose ~100 numpy calls cost ~0.2 ms however few
FEW_BY_REPR = 64
#: float64 nearest 10**k, k = -4 .. 10 (index k + 4); x >= 10**k exactly iff x >= this (those
#: below 1 lie above 10**k, see the tests)
_TENS = np.array([float(f"1e{k}") for k in range(-4, 11)])
#: 10**k as float64 (exact for k <= 22) and as int64 (k <= 18)
_EXACT_TENS = np.array([float(10 ** k) for k in range(23)])
_INT_TENS = np.array([10 ** k for k in range(19)], dtype=np.int64)
_POW5 = np.array([5 ** k for k in range(23)], dtype=np.uint64)
def _group_tables() -> np.ndarray:
    """The texts of groups of four characters (uint32, 0 bytes for no character), in runs:
    _ZEROS + v: v in four digits ('0042'); _LEADING + v: v without its leading zeros ('  42',
    '   0'); _TRAILING + v: v without its trailing zeros ('42  ' for 4200, '    ' for 0);
    _POINT_ZEROS + v (v < 1000): '.' and three digits ('.042'); _POINT_TRAILING + v: the same
    without trailing zeros, but one digit always ('.04 ' for 40, '.0  ' for 0); _BLANK: nothing."""
    v = np.arange(10000)
    digits = np.stack([v // 1000, v // 100 % 10, v // 10 % 10, v % 10], axis=1).astype(np.uint8) + ord("0")
    columns = np.arange(4)
    significant = 1 + (v >= 10) + (v >= 100) + (v >= 1000)
    trailing = (v % 10 == 0).astype(int) + (v % 100 == 0) + (v % 1000 == 0) + (v == 0)
    point = np.concatenate([np.full((1000, 1), _POINT, dtype=np.uint8), digits[:1000, 1:]], axis=1)
    point_kept = 4 - np.minimum(trailing[:1000], 2)  # '.0' at least
    rows = [
        digits,
        digits * (columns >= 4 - significant[:, None]),
        digits * (columns < 4 - trailing[:, None]),
        point,
        point * (columns < point_kept[:, None]),
        np.zeros((1, 4), dtype=np.uint8),
    ]
    return np.ascontiguousarray(np.concatenate(rows)).view(np.uint32).ravel()


_MINUS, _POINT, _COMMA = ord("-"), ord("."), ord(",")
_GROUP_TEXTS = _group_tables()
_ZEROS, _LEADING, _TRAILING, _POINT_ZEROS, _POINT_TRAILING, _BLANK = 0, 10000, 20000, 30000, 31000, 32000
_U_TRAILING, _U_POINT_ZEROS, _U_POINT_TRAILING = np.uint64(_TRAILING), np.uint64(_POINT_ZEROS), np.uint64(_POINT_TRAILING)
#: four ASCII digits '0000'..'9999' per uint32: a gather gives four characters at once
_FOUR_DIGITS = _GROUP_TEXTS[:10000]
#: 10**k as uint64, k = 0 .. 19
_UINT_TENS = np.array([10 ** k for k in range(20)], dtype=np.uint64)
#: the most digits after the point `_layout` writes in one row of groups (10**19 < 2**64)
_GROUPED_FRACTION_MAX = 19
_MASK52 = np.uint64((1 << 52) - 1)
_HIDDEN = np.uint64(1 << 52)
_LOW32 = np.uint64(0xFFFFFFFF)
_U32 = np.uint64(32)
_U52 = np.uint64(52)
_U64 = np.uint64(64)
_U1 = np.uint64(1)
_U10 = np.uint64(10)
_U10K = np.uint64(10_000)
_U1000 = np.uint64(1000)
#: widest repr of a float64: '-2.2250738585072014e-308'
_REPR_WIDTH = 25


def _mul_128(m: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact products m * f (m < 2**53, f < 2**53, uint64) as high and low 64-bit words."""
    m1, m0 = m >> _U32, m & _LOW32
    f1, f0 = f >> _U32, f & _LOW32
    low = m0 * f0
    mid = m0 * f1 + m1 * f0  # m0 * f1 < 2**53 and m1 * f0 < 2**53: no overflow
    lo = low + (mid << _U32)
    hi = m1 * f1 + (mid >> _U32) + (lo < low)  # the carry of the low word
    return hi, lo


def _floor_log10(x: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """floor(log10 x), exactly, of values 1e-4 <= x < 1e10 (int64): floor(e2 * log10 2) from the
    binary exponent e2 is it or one less."""
    e2 = (bits >> _U52).astype(np.int64) - 1023
    guess = (e2 * 78913) >> 18  # floor(e2 * log10(2)) for |e2| < 1600
    return guess + (x >= _TENS[guess + 5])


def _shortest_digits(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For non-integral values 1e-4 <= x < 1e10: repr's digits as (D, s) (uint64, int64),
    repr(x) being D * 10**-s written out, and a mask of the values left to `repr` (next to a
    power of two with more than 15 digits, or a decimal exactly half-way)."""
    bits = x.view(np.uint64)
    exp10 = _floor_log10(x, bits)
    # 15 digits: when a decimal of <= 15 digits reads back as x, it is the only one and x * 10**s
    # lies within 0.2 of it; D / 10**s with D < 2**53 and 10**s exact is correctly rounded, so
    # comparing it with x tells exactly whether it reads back
    s15 = 14 - exp10
    tens = _EXACT_TENS[s15]
    d15 = np.rint(x * tens)
    fifteen = (d15 / tens) == x
    count = int(np.count_nonzero(fifteen))
    if count == len(x):  # all of 15 digits or fewer (short decimals)
        d15, s15 = _drop_trailing_zeros(d15, s15, True)
        return d15.astype(np.uint64), s15, np.zeros(len(x), dtype=bool)
    if 2 * count > len(x):  # mostly short decimals: the others alone take the 16-17 digit way
        rest = np.flatnonzero(~fifteen)
        d, s, left = _digits_16_17(bits[rest], exp10[rest])
        d15, s15 = _drop_trailing_zeros(d15, s15, fifteen)
        digits, scale, unusual = d15.astype(np.uint64), s15, np.zeros(len(x), dtype=bool)
        digits[rest], scale[rest], unusual[rest] = d, s, left
        return digits, scale, unusual
    digits, scale, unusual = _digits_16_17(bits, exp10)  # mostly 16-17 digits: the few short ones alone lose their zeros
    if count:
        short = np.flatnonzero(fifteen)
        d15, s15 = _drop_trailing_zeros(d15[short], s15[short], True)
        digits[short], scale[short], unusual[short] = d15.astype(np.uint64), s15, False
    return digits, scale, unusual


def _digits_16_17(bits: np.ndarray, exp10: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(D, s, left to repr) of values no decimal of 15 digits reads back as: D_16 when it reads
    back, else D_17, from the exact product m * 5**s16 = x * 10**s16 * 2**shift (x = m * 2**e)."""
    m = (bits & _MASK52) | _HIDDEN
    s16 = 15 - exp10
    shift = (1075 - s16 - (bits >> _U52).astype(np.int64)).astype(np.uint64)  # -(e + s16), 12..50 here
    five = _POW5[s16]
    hi, lo = _mul_128(m, five)
    unit = _U1 << shift
    whole = (hi << (_U64 - shift)) | (lo >> shift)  # floor(x * 10**s16)
    rest = lo & (unit - _U1)
    half = unit >> _U1
    up = rest > half
    # D_16 reads back when its distance to x is under half the float64 spacing: 2 * dist < 5**s16
    reads_back = (np.where(up, unit - rest, rest) << _U1) < five
    # D_17 = round(10 * x * 10**s16): the next digit from 10 * rest
    ten_rest = rest * _U10
    rest17 = ten_rest & (unit - _U1)
    d17 = whole * _U10 + (ten_rest >> shift) + (rest17 > half)
    power_of_two = (bits & _MASK52) == 0  # a narrower gap below x: left to repr
    left = power_of_two | np.where(reads_back, rest == half, rest17 == half)
    return np.where(reads_back, whole + up, d17), np.where(reads_back, s16, s16 + 1), left


def _drop_trailing_zeros(digits: np.ndarray, scale: np.ndarray, where: np.ndarray | bool) -> tuple[np.ndarray, np.ndarray]:
    """Where `where`: D (a whole float64 below 2**53) divided by 10 and s one less while D ends
    in 0 and a digit stays after the point; by 10**8, 10**4, 10**2, 10 (a quotient is whole
    exactly when the division leaves no remainder, at these sizes)."""
    for step in (8, 4, 2, 1):
        q = digits / _EXACT_TENS[step]
        strip = where & (q == np.floor(q)) & (scale > step)
        if strip.any():
            digits = np.where(strip, q, digits)
            scale = scale - step * strip
    return digits, scale


def _split_point(digits: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(D // 10**s, D % 10**s) for D < 10**18, 1 <= s <= 22, without integer division: a float
    quotient (off by at most one) corrected exactly in int64."""
    power = _INT_TENS[np.minimum(scale, 18)]
    q = np.floor(digits.astype(np.float64) / _EXACT_TENS[scale]).astype(np.int64)
    q[scale >= 18] = 0  # D < 10**18 <= 10**s
    r = digits.astype(np.int64) - q * power
    low, high = r < 0, r >= power
    q += high.astype(np.int64) - low
    r += (low.astype(np.int64) - high) * power
    return q.astype(np.uint64), r.astype(np.uint64)


def _digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """The last `width` ASCII digits of each value (uint64; zero-padded: all of them for values
    below 10**width), as an (n, width) uint8 matrix: groups of four digits, the least
    significant first, by integer division by the scalar 10**4 (numpy divides by a scalar with
    a multiplication: a third of the time of the float quotient corrected in int64), each group
    four characters from one table gather."""
    n = len(values)
    k = (width + 3) // 4
    groups = np.empty((n, k), dtype=np.intp)  # row by row, the most significant group first
    rest = values.astype(np.uint64, copy=False)
    for j in range(k - 1, -1, -1):
        q = rest // _U10K
        groups[:, j] = rest - q * _U10K
        rest = q
    chars = _FOUR_DIGITS[groups].view(np.uint8).reshape(n, 4 * k)
    return chars[:, 4 * k - width:]


def text_matrix(values) -> np.ndarray:
    """`repr(float(x))` of every element of `values` (float64), as an (n, width) uint8 matrix:
    row i holds repr's ASCII characters in order, with 0 bytes (no character) between them."""
    a = np.ascontiguousarray(values, dtype=np.float64).ravel()
    if not len(a):
        return np.zeros((0, 0), dtype=np.uint8)
    mag = np.abs(a)
    negative = np.signbit(a)
    with np.errstate(invalid="ignore"):  # floor of NaN
        whole = (a == np.floor(a)) & (mag < _FIXED_LIMIT) & ~((a == 0.0) & negative)
    plain = ~whole & (mag >= _PLAIN_LOW) & (mag < _PLAIN_HIGH)
    count = int(np.count_nonzero(plain))
    if count == len(a):  # (a column of non-integral values, the usual long one: nothing else to set up)
        d, scale, unusual = _shortest_digits(mag)
        integer, fraction = _split_point(d, scale)
        return _layout(integer, fraction, scale, negative & ~unusual, unusual, a)
    if len(a) - count <= FEW_BY_REPR < count:  # non-integral values but for a handful (a series' first value, 100.0 or 0.0)
        return _mostly_plain(a, mag, negative, whole, plain)
    unusual = ~(whole | plain)
    integer = np.where(whole, mag, 0.0).astype(np.uint64)
    fraction = np.zeros(len(a), dtype=np.uint64)
    scale = np.ones(len(a), dtype=np.int64)  # 'D.0': one digit, 0, after the point
    if count <= FEW_BY_REPR:  # a handful among whole values (the odd time of a column of whole seconds): by repr
        unusual |= plain
    elif count:  # a few: only those
        idx = np.flatnonzero(plain)
        d, s, left = _shortest_digits(mag[idx])
        integer[idx], fraction[idx] = _split_point(d, s)
        scale[idx] = s
        unusual[idx[left]] = True
    return _layout(integer, fraction, scale, negative & ~unusual, unusual, a)


def _mostly_plain(a: np.ndarray, mag: np.ndarray, negative: np.ndarray, whole: np.ndarray, plain: np.ndarray) -> np.ndarray:
    """`text_matrix(a)` of a block whose values are all `plain` (non-integral, in the
    positional range) but for a few: the shortest-digits way on all the magnitudes, those few
    standing in as 0.5 (no gathers of the plain values and scatters back, ~25 % of a
    block of 16-17 digit values), then the few set as the general way sets them: a whole value
    as 'I.0', anything else by `repr`."""
    others = np.flatnonzero(~plain)
    stand_in = mag.copy()
    stand_in[others] = 0.5
    digits, scale, unusual = _shortest_digits(stand_in)
    integer, fraction = _split_point(digits, scale)
    kept = whole[others]
    integer[others] = np.where(kept, mag[others], 0.0).astype(np.uint64)
    fraction[others] = 0
    scale[others] = 1
    unusual[others] = ~kept
    return _layout(integer, fraction, scale, negative & ~unusual, unusual, a)


def _digit_count(values: np.ndarray) -> np.ndarray:
    """Decimal digits of each value (uint64; 0 has one), as uint8."""
    count = np.ones(len(values), dtype=np.uint8)
    top = int(values.max())
    k = 1
    while 10 ** k <= top:
        count += values >= np.uint64(10 ** k)
        k += 1
    return count


def _layout(integer: np.ndarray, fraction: np.ndarray, scale: np.ndarray, minus: np.ndarray, unusual: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The text matrix of 'I.F' (F with s digits, '-' first where `minus`); rows of `unusual` values `repr`.

    Columns: the sign (when any row has one), the digits of I right-aligned, the point, the
    digits of F left-aligned, then repr's text of the unusual values (when there are any). The
    digits and the point are one gather of groups of four characters (`_group_tables`), row by
    row: the groups of I, the most significant without its leading zeros and those before it
    blank; then '.ddd' and the groups of F shifted left to fill them, the last without its
    trailing zeros and those after it blank (F's last digit is not 0: repr's shortest digits
    end in one that is not, but for '.0'). A row's text needs no mask. (Rows with more than
    _GROUPED_FRACTION_MAX digits after the point: `_layout_in_parts`.)"""
    n = len(integer)
    normal = ~unusual
    some_unusual = not normal.all()
    int_width = len(str(int(np.max(integer, where=normal, initial=0))))  # digits before the point, at most
    frac_width = int(np.max(scale, where=normal, initial=0))
    int_groups = (int_width + 3) // 4
    frac_groups = 1 + (max(frac_width, 3) - 3 + 3) // 4  # '.ddd', then four digits a group
    capacity = 4 * frac_groups - 1  # digits after the point
    if capacity > _GROUPED_FRACTION_MAX:
        return _layout_in_parts(integer, fraction, _digit_count(integer) * normal, scale.astype(np.uint8) * normal, minus, unusual, a)
    groups = np.empty((n, int_groups + frac_groups), dtype=np.intp)
    rest = integer
    for j in range(int_groups - 1, -1, -1):
        higher = rest // _U10K
        group = rest - higher * _U10K
        if j == int_groups - 1:  # the last group: '   0' for I = 0
            groups[:, j] = np.where(higher == 0, group + _LEADING, group)
        else:  # nothing above: without leading zeros, or blank when 0 too
            groups[:, j] = np.where(higher == 0, np.where(group == 0, _BLANK, group + _LEADING), group)
        rest = higher
    with_fraction = np.flatnonzero(fraction)
    if 2 * len(with_fraction) > n:
        _fraction_groups(fraction, scale, capacity, groups[:, int_groups:])
    else:  # mostly whole values (times in whole seconds): '.0' and blanks, the others' groups alone
        groups[:, int_groups] = _POINT_TRAILING
        groups[:, int_groups + 1:] = _TRAILING
        if len(with_fraction):
            some = np.empty((len(with_fraction), frac_groups), dtype=np.intp)
            _fraction_groups(fraction[with_fraction], scale[with_fraction], capacity, some)
            groups[with_fraction, int_groups:] = some
    if some_unusual:
        groups[unusual] = _BLANK
    width = 4 * (int_groups + frac_groups)
    point = 4 * int_groups
    text = _GROUP_TEXTS[groups].view(np.uint8).reshape(n, width)[:, point - int_width:point + 1 + frac_width]
    sign = bool(minus.any())
    if not sign and not some_unusual:
        return text
    reprs = _repr_columns(unusual, a) if some_unusual else None
    repr_width = 0 if reprs is None else reprs.shape[1]
    out = np.empty((n, sign + text.shape[1] + repr_width), dtype=np.uint8)
    if sign:
        out[:, 0] = minus * _MINUS
    out[:, sign:sign + text.shape[1]] = text
    if reprs is not None:
        out[:, -repr_width:] = reprs
    return out


def _fraction_groups(fraction: np.ndarray, scale: np.ndarray, capacity: int, out: np.ndarray) -> None:
    """Into `out` (n, k): the groups of '.F' (F with s digits, shifted left to `capacity` =
    4k - 1 digits): '.ddd' then groups of four, the last group holding a digit of F without its
    trailing zeros and those after it blank ('.0' for F = 0)."""
    rest = fraction * _UINT_TENS[np.clip(capacity - scale, 0, 19)]  # F's digits from just after the point
    below_zero = np.ones(len(fraction), dtype=bool)  # every digit after this group is 0
    for j in range(out.shape[1] - 1, 0, -1):
        higher = rest // _U10K
        group = rest - higher * _U10K
        np.add(group, below_zero * _U_TRAILING, out=out[:, j], casting="unsafe")  # uint64 throughout
        below_zero &= group == 0
        rest = higher
    np.add(rest % _U1000, np.where(below_zero, _U_POINT_TRAILING, _U_POINT_ZEROS), out=out[:, 0], casting="unsafe")


def _repr_columns(unusual: np.ndarray, a: np.ndarray) -> np.ndarray:
    """`repr` of the values of `a` where `unusual` (at least one), left-aligned in as many
    columns as the longest takes (at most _REPR_WIDTH; 0 bytes after the text and in the other
    rows)."""
    texts = np.array([repr(x).encode("ascii") for x in a[unusual].tolist()])  # (dtype S<longest>)
    width = texts.dtype.itemsize
    rows = np.zeros((len(a), width), dtype=np.uint8)
    rows[unusual] = texts.view(np.uint8).reshape(-1, width)
    return rows


def _layout_in_parts(integer: np.ndarray, fraction: np.ndarray, int_len: np.ndarray, frac_len: np.ndarray, minus: np.ndarray,
                     unusual: np.ndarray, a: np.ndarray) -> np.ndarray:
    """`_layout` of a block with more than _GROUPED_FRACTION_MAX digits after the point in some
    row (values next to 1e-4): the digits of I and of F (right-aligned) each in their columns."""
    n = len(integer)
    normal = ~unusual
    int_width, frac_width = int(int_len.max()), int(frac_len.max())
    sign = 1 if minus.any() else 0
    reprs = _repr_columns(unusual, a) if unusual.any() else None
    repr_width = 0 if reprs is None else reprs.shape[1]
    point = sign + int_width
    out = np.empty((n, point + 1 + frac_width + repr_width), dtype=np.uint8)
    if sign:
        out[:, 0] = minus * _MINUS
    # a digit column is kept where its rank from the right is below the row's digit count
    ranks = np.arange(max(int_width, frac_width) - 1, -1, -1, dtype=np.uint8)
    np.multiply(_digit_matrix(integer, int_width), ranks[-int_width:] < int_len[:, None], out=out[:, sign:point])
    out[:, point] = normal * _POINT
    np.multiply(_digit_matrix(fraction, frac_width), ranks[-frac_width:] < frac_len[:, None], out=out[:, point + 1:point + 1 + frac_width])
    if reprs is not None:
        out[:, -repr_width:] = reprs
    return out


def row_texts(matrix: np.ndarray) -> list[str]:
    """The text of each row of a text matrix (its non-zero bytes)."""
    return [bytes(row[row != 0]).decode("ascii") for row in matrix]


def float_texts(values) -> list[str]:
    """`repr(float(x))` of every element of `values` (float64), as a list of str."""
    return [text for block in text_blocks(values) for text in row_texts(block)]


#: the fewest values `float_strs` converts in bulk: below, `repr` of each (its fixed cost, ~0.1-0.3
#: ms of numpy calls, is that of ~200-500 reprs)
STRS_FROM = 512


def float_strs(values) -> list[str]:
    """`repr(float(x))` of every element of `values` (float64), as a list of str, made in bulk:
    each block's rows with a ',' after them, joined, their 0 bytes dropped, decoded and cut at
    the commas (no repr holds one); a short array by `repr` of each."""
    a = np.ascontiguousarray(values, dtype=np.float64).ravel()
    if len(a) < STRS_FROM:
        return list(map(repr, a.tolist()))
    out: list[str] = []
    for block in text_blocks(a):
        n, width = block.shape
        rows = np.empty((n, width + 1), dtype=np.uint8)
        rows[:, :width] = block
        rows[:, width] = _COMMA
        out += rows.tobytes().translate(None, b"\0").decode("ascii").split(",")[:-1]
    return out


#: values converted at once: a block's arrays stay small enough to be reused by the allocator
#: and held by the cache (the whole ten-year column at once is ~1.5 times slower)
BLOCK = 16384


def text_blocks(values) -> list[np.ndarray]:
    """`text_matrix` of each run of BLOCK values of `values`, in order."""
    a = np.ascontiguousarray(values, dtype=np.float64).ravel()
    return [text_matrix(a[start:start + BLOCK]) for start in range(0, len(a), BLOCK)]


#: a column at least this long is checked for few distinct values (a step series' levels)
FEW_FROM = 4096
#: values sampled (evenly spaced) to guess how many distinct values a column has
FEW_SAMPLE = 512
#: the sample may hold at most this many distinct bit patterns for the column to be made from its distinct values
FEW_DISTINCT = 64
#: or at most this share of the sample (a repeating pattern: the pump's reservoir refill after
#: refill, 13 % distinct in ten years), when it is not all whole numbers
FEW_SAMPLE_SHARE = 0.9
#: the most distinct values, as a share of the column, for the distinct values' way to pay: it
#: sorts the column (~30 ns a value) to save converting the repeats (~170 ns a value with 16-17
#: digits, ~50 for whole numbers)
FEW_SHARE, FEW_SHARE_WHOLE = 0.5, 0.125


def distinct_count(bits: np.ndarray) -> int:
    """How many distinct integers the 1-D integer array `bits` holds (`len(np.unique(bits))`,
    by a sort: numpy's unique imports numpy.ma, ~10 ms of every process start, to check for a
    masked array)."""
    if len(bits) == 0:
        return 0
    ordered = np.sort(bits)
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1


def distinct_and_inverse(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(bits, return_inverse=True)` of a 1-D integer array, the same way numpy does
    it for integers (a sort, a mask of where the value changes, its running count), without
    numpy.ma: the distinct values ascending, and for each element the index of its value in
    them."""
    order = bits.argsort(kind="stable")  # (numpy's radix sort for integers: ~30 % faster here; any order of equals gives the same result)
    ordered = bits[order]
    starts = np.empty(len(ordered), dtype=np.bool_)
    starts[:1] = True
    starts[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(ordered), dtype=np.intp)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], inverse


def text_blocks_of_few(a: np.ndarray) -> list[np.ndarray] | None:
    """`text_blocks(a)` made from the text of each distinct bit pattern of `a` (-0.0 and 0.0,
    NaNs apart: each pattern has one text), gathered row by row, when `a` (float64) is long and
    holds few distinct values (an evenly spaced sample says so, and the count confirms it); else
    None. Each row is the same text as its value's own conversion, on the layout of the
    distinct values' matrix (0 bytes in other columns: the same characters)."""
    if len(a) < FEW_FROM:
        return None
    bits = a.view(np.uint64)
    sample = bits[::len(a) // FEW_SAMPLE]
    seen = distinct_count(sample)
    if seen <= FEW_DISTINCT:
        share = FEW_SHARE_WHOLE
    elif seen <= FEW_SAMPLE_SHARE * len(sample):
        values = sample.view(np.float64)
        with np.errstate(invalid="ignore"):  # floor of NaN
            share = FEW_SHARE_WHOLE if bool((values == np.floor(values)).all()) else FEW_SHARE
    else:
        return None
    distinct, inverse = distinct_and_inverse(bits)
    if len(distinct) > share * len(a):
        return None
    matrix = text_matrix(distinct.view(np.float64))
    return [matrix[inverse[start:start + BLOCK]] for start in range(0, len(a), BLOCK)]


#: values (evenly spaced) whose bits look up a column in a ColumnTexts
FINGERPRINT_VALUES = 32


class ColumnTexts:
    """`text_blocks` remembered by the array's content, for a writer writing several columns (the
    pump's series share their times, two of them their values); a column of few distinct values
    is made from them (`text_blocks_of_few`). `lines` remembers the lines of two columns."""

    def __init__(self) -> None:
        #: (length, a sample of the bits) -> the columns with it: (a copy of the bits, the text blocks)
        self._known: dict[tuple[int, bytes], list[tuple[np.ndarray, list[np.ndarray]]]] = {}
        self._lines: dict[tuple[int, int], list[bytes]] = {}

    def __call__(self, values) -> list[np.ndarray]:
        a = np.ascontiguousarray(values, dtype=np.float64).ravel()
        bits = a.view(np.uint64)
        # looked up by a sample of the values, then compared in full (hashing all the bytes of a
        # long column costs 8 times the comparison)
        key = (len(a), bits[::max(1, len(a) // FINGERPRINT_VALUES)].tobytes())
        alike = self._known.setdefault(key, [])
        for known_bits, texts in alike:
            if np.array_equal(known_bits, bits):
                return texts
        few = text_blocks_of_few(a)
        texts = text_blocks(a) if few is None else few
        alike.append((bits.copy(), texts))  # a copy: the caller's array may change (or hold a buffer that must resize)
        return texts

    def lines(self, first: list[np.ndarray], second: list[np.ndarray]) -> list[bytes]:
        """The lines 'a,b\n' of two columns' text blocks (as `csv_two_columns` without a header),
        a bytes object per block (written one after the other: no copy of the whole file), made
        once for each pair of block lists this writer handed out."""
        key = (id(first), id(second))
        chunks = self._lines.get(key)
        if chunks is None:
            chunks = self._lines[key] = [_lines(a, b) for a, b in zip(first, second)]
        return chunks


def csv_two_columns(header: bytes, first: list[np.ndarray], second: list[np.ndarray]) -> bytes:
    """`header` and one line 'a,b\n' per pair of rows of two columns' text blocks (of one length)."""
    return header + b"".join(_lines(a, b) for a, b in zip(first, second))


def _lines(first: np.ndarray, second: np.ndarray) -> bytes:
    """'a,b\n' for each pair of rows of two text matrices of one length."""
    n, wa, wb = len(first), first.shape[1], second.shape[1]
    lines = np.empty((n, wa + wb + 2), dtype=np.uint8)
    lines[:, :wa] = first
    lines[:, wa] = ord(",")
    lines[:, wa + 1:wa + 1 + wb] = second
    lines[:, -1] = ord("\n")
    if lines.size - np.count_nonzero(lines) < SPARSE_ZEROS * lines.size:
        return lines.tobytes().replace(b"\0", b"")
    return lines.tobytes().translate(None, b"\0")


#: below this share of 0 bytes, a block's lines drop them by `bytes.replace` (a search for
#: each and a copy of the text between: ~1.5-2x faster than `translate`, byte by byte, at
#: 2-3 %; ~10 % at 6 %), above it by `translate` (replace ~4x slower at 30 %; equal near 7 %)
SPARSE_ZEROS = 0.07
