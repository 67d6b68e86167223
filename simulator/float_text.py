"""Exact float text in bulk: `repr` of every float64 of an array, made faster without changing a byte.

The result files write each number as `repr(float)`, the shortest decimal that reads back as the
same float64 (byte-identical files, exact round trip). `repr` costs ~0.3-0.7 us a value here, and a
ten-year run writes about a million of them. Three shortcuts give the same strings:

- a value written once per distinct bit pattern: the array's distinct float64 bit patterns are found
  with numpy (a sort), each is made into text once, and the texts are spread back (a pump's rate
  series holds 11 distinct values in 45,000 breakpoints). Bit patterns, not values, so 0.0 and -0.0
  stay apart (they compare equal but `repr` writes them differently);
- an integral value below 1e16 in magnitude (most breakpoint times, in whole seconds) is written
  as the integer's text and '.0', which is exactly what `repr` writes for it (Python switches to
  the exponent form at 1e16); -0.0, NaN and the infinities go through `repr`;
- a writer that writes several columns holding the same array (the pump's seven series share their
  breakpoint times) makes its text once (`ColumnTexts`).
"""
from __future__ import annotations

import numpy as np

#: Python's `repr` writes integral floats below this magnitude as '<digits>.0'
_FIXED_LIMIT = 1e16
#: below this many values the sort costs more than it can save
_UNIQUE_FROM = 64


def _texts_of(values: np.ndarray) -> np.ndarray:
    """`repr` of each value, as an object array of str (no sharing between equal values)."""
    out = np.empty(len(values), dtype=object)
    whole = (values == np.floor(values)) & (np.abs(values) < _FIXED_LIMIT) & ~((values == 0.0) & np.signbit(values))
    if whole.any():
        out[whole] = [f"{i}.0" for i in values[whole].astype(np.int64).tolist()]
        rest = ~whole
        if rest.any():
            out[rest] = list(map(repr, values[rest].tolist()))
    else:
        out[:] = list(map(repr, values.tolist()))
    return out


def float_texts(values) -> np.ndarray:
    """`repr(float(x))` of every element of `values` (float64), as an object array of str."""
    a = np.ascontiguousarray(values, dtype=np.float64).ravel()
    if len(a) < _UNIQUE_FROM:
        return _texts_of(a)
    bits, inverse = np.unique(a.view(np.int64), return_inverse=True)
    return _texts_of(bits.view(np.float64))[inverse]


class ColumnTexts:
    """`float_texts` remembered by the array's content, for a writer writing several columns."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, bytes], np.ndarray] = {}

    def __call__(self, values) -> np.ndarray:
        a = np.ascontiguousarray(values, dtype=np.float64).ravel()
        key = (len(a), a.tobytes())
        texts = self._known.get(key)
        if texts is None:
            texts = self._known[key] = float_texts(a)
        return texts


def csv_two_columns(header: str, first: np.ndarray, second: np.ndarray) -> str:
    """`header` and one line 'a,b' per pair of texts (object arrays of str of one length)."""
    n = len(first)
    parts = np.empty(4 * n, dtype=object)
    parts[0::4] = first
    parts[1::4] = ","
    parts[2::4] = second
    parts[3::4] = "\n"
    return header + "".join(parts.tolist())
