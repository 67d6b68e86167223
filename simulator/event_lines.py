"""The lines of events.jsonl made column by column, for the packed events of a run.

The plain way (`simulator.results.json_lines_text`) builds each record's dict and has the C JSON
encoder write them. Most events of a long run are packed (`simulator.events.PayloadLayout`):
every record of one layout has the same keys in the same order, so its line is the same
pieces of text, '{"seq":', ',"t_s":', ... ',"payload":{"key":', ..., '}}', around the text of
each value (joined piece by piece: a third of the time of a format string). The texts are made a column at a time, with the same C encoder: numbers, booleans and
None of a column in one call (`[a,b,c]`, cut at the commas: none of these texts holds one; a
float column of STRS_FROM values or more by `float_strs`, repr in bulk, the encoder's text),
each distinct string or JSON tree once. The values a layout reads from one nested tuple shared
by many records (a bolus's fields) are written once per distinct tuple. The text is the same as
the plain way's, character for character (tests/foundation/test_event_lines.py).

Anything else (a record holding its payload dict, a layout whose records hold a value the
encoder would write as null or refuses: a NaN, an infinity, an object it cannot write) is left
to the plain way, whose lines take their places among the others.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from operator import attrgetter, itemgetter
from typing import Any
from collections.abc import Callable, Iterable
from itertools import repeat

import numpy as np

from simulator.events import EventRecord, PayloadLayout
from simulator.float_text import STRS_FROM, float_strs

#: the C encoder of the values: the separators, strictness and hook of events.jsonl's lines
#: (simulator.results._LINE_ENCODER); a NaN or infinity raises ValueError
_ENCODE = json.JSONEncoder(separators=(",", ":"), allow_nan=False, check_circular=False).encode
#: exact types whose JSON text never holds a comma (so a list of them can be cut at its commas)
_COMMA_FREE = frozenset({int, float, bool, type(None)})
_STR_ONLY = {str}
#: sequence numbers below this in magnitude are converted through int64 (exactly)
_SEQ_LIMIT = 2.0 ** 62

_WHEN = attrgetter("_when")
_DEVICE = attrgetter("device")
_KIND = attrgetter("kind")
_DATA = attrgetter("_data")


def lines_text(records: list[EventRecord], plain: Callable[[list[EventRecord]], str]) -> str:
    """The lines of events.jsonl of `records` (each ending in a newline), joined: the text of
    `plain(records)` (the plain way, `simulator.results.json_lines_text`). The records of each
    layout are written column by column; the records holding their payload dict, and those of
    a layout holding a value the column-wise way does not write (see the module docstring), by
    `plain`, whose lines are cut at their newlines (a JSON line holds none: a string's are
    escaped)."""
    if not records:
        return ""
    classes = list(map(type, records))
    kinds = list(set(classes))
    if len(kinds) == 1:
        return "\n".join(_group_lines(classes[0], records, plain)) + "\n"
    code_of = {cls: code for code, cls in enumerate(kinds)}
    codes = np.fromiter(map(code_of.__getitem__, classes), dtype=np.intp, count=len(classes))
    order = np.argsort(codes, kind="stable")  # the records of each class together, each class's in order
    ends = np.cumsum(np.bincount(codes, minlength=len(kinds))).tolist()
    out = np.empty(len(records), dtype=object)
    start = 0
    for cls, end in zip(kinds, ends):
        members = order[start:end]
        out[members] = _group_lines(cls, list(map(records.__getitem__, members.tolist())), plain)
        start = end
    return "\n".join(out.tolist()) + "\n"


def _group_lines(cls: type, records: list[EventRecord], plain: Callable[[list[EventRecord]], str]) -> list[str]:
    """The lines (no newline) of records of the class `cls`, in order: column-wise when `cls`
    is a layout's record class and the values allow it, else from `plain`."""
    layout = cls.__dict__.get("_layout")
    if layout is not None:
        try:
            return _layout_lines(layout, records)
        except Exception:  # a value written as null, or refused: the plain way decides (and raises as before)
            pass
    return plain(records)[:-1].split("\n")


def _layout_lines(layout: PayloadLayout, records: list[EventRecord]) -> list[str]:
    """The lines (no newline) of records of one layout, in order."""
    whens = np.fromiter(map(_WHEN, records), dtype=complex, count=len(records))  # t_s + seq j (exact)
    seq = whens.imag
    if -_SEQ_LIMIT < seq.min() and seq.max() < _SEQ_LIMIT:  # int64 holds them: truncated as int() does
        seqs = list(map(str, seq.astype(np.int64).tolist()))
    else:
        seqs = list(map(str, map(int, seq.tolist())))
    times = _float_texts(whens.real)  # distinct as a rule: no look for repeats
    datas = list(map(_DATA, records))
    pieces: list[Iterable[str]] = [repeat('{"seq":'), seqs, repeat(',"t_s":'), times, repeat(',"device":'), _strings(list(map(_DEVICE, records))),
                                   repeat(',"kind":'), _strings(list(map(_KIND, records))), repeat(',"payload":{')]
    keys, positions = layout.keys, layout.positions
    k = 0
    while k < len(keys):
        p = positions[k]
        if type(p) is int:
            pieces += [repeat(_key(keys[k], k)), _texts(list(map(itemgetter(p), datas)))]
            k += 1
            continue
        outer = p[0]  # type: ignore[index]
        end = k + 1
        while end < len(keys) and type(positions[end]) is tuple and positions[end][0] == outer:  # type: ignore[index]
            end += 1
        pieces.append(_shared_run(keys[k:end], positions[k:end], list(map(itemgetter(outer), datas)), k))
        k = end
    pieces.append(repeat("}}"))
    return list(map("".join, zip(*_constants_merged(pieces))))  # a third of the time of a format string


def _constants_merged(pieces: list[Iterable[str]]) -> list[Iterable[str]]:
    """`pieces` with each run of neighbouring constant pieces (a `repeat`: the same text on
    every line, such as a device, a kind, the keys between them) joined into one: fewer pieces
    for each line's join. At least one piece is a list (the sequence numbers), so the lines
    stay as many as the records."""
    merged: list[Any] = []
    for piece in pieces:
        if type(piece) is repeat:
            text = next(piece)
            if merged and type(merged[-1]) is str:
                merged[-1] += text
            else:
                merged.append(text)
        else:
            merged.append(piece)
    return [repeat(p) if type(p) is str else p for p in merged]


def _key(key: str, k: int) -> str:
    """The text before the value of the k-th key of a payload: '"key":', after a comma but for
    the first key."""
    return ("," if k else "") + encode_basestring_ascii(key) + ":"


def _shared_run(keys: tuple[str, ...], positions: tuple[Any, ...], inners: list[Any], first: int) -> Iterable[str]:
    """The text of the keys `keys` (the first is the payload's key number `first`) whose values
    are in one nested tuple of each record (`inners`: that tuple of each record), made once for
    each distinct tuple (by identity: the records hold them while this runs)."""
    distinct = list({id(t): t for t in inners}.values())
    parts = [_texts(list(map(itemgetter(p[1]), distinct))) for p in positions]  # each as long as distinct, or endless
    names = [_key(key, first + j) for j, key in enumerate(keys)]
    text_of = {id(t): "".join(name + part for name, part in zip(names, texts)) for t, *texts in zip(distinct, *parts)}
    return _one_or_each(text_of, list(map(id, inners)))


def _texts(column: list[Any]) -> Iterable[str]:
    """The JSON text of each value of `column` (an iterable of them: see `_one_or_each`)."""
    kinds = set(map(type, column))
    if kinds == _STR_ONLY:
        return _strings(column)
    if kinds <= _COMMA_FREE:
        return _numbers(column, kinds)
    ids = list(map(id, column))  # JSON trees (and anything else): each distinct object once
    return _one_or_each({key: _ENCODE(value) for key, value in dict(zip(ids, column)).items()}, ids)


def _one_or_each(text_of: dict[Any, str], keys: list[Any]) -> Iterable[str]:
    """The text of each key of `keys` (`text_of[key]`): repeated without end when there is one
    (a line takes as many as there are records: the other columns are lists), else a list."""
    if len(text_of) == 1:
        return repeat(next(iter(text_of.values())))
    return list(map(text_of.__getitem__, keys))


def _strings(column: list[str]) -> Iterable[str]:
    """The JSON text of each string of `column` (ASCII, escaped as the C encoder does), each
    distinct one made once (see `_one_or_each`)."""
    return _one_or_each({s: encode_basestring_ascii(s) for s in set(column)}, column)


def _numbers(column: list[Any], kinds: set[type]) -> Iterable[str]:
    """The JSON text of each value of `column` (of `kinds`: int, float, bool or None): one
    encoder call, cut at the commas. A column of floats with repeats (and no zero: 0.0 and -0.0
    are one key of a dict, not one text) or of ints has each distinct value written once (see
    `_one_or_each`)."""
    if len(kinds) == 1 and (int in kinds or float in kinds):
        distinct = list(set(column))
        if 2 * len(distinct) <= len(column) and (int in kinds or 0.0 not in distinct):
            texts = _ENCODE(distinct)[1:-1].split(",") if int in kinds else _float_texts(np.array(distinct, dtype=np.float64))
            return _one_or_each(dict(zip(distinct, texts)), column)
        if float in kinds:
            return _float_texts(np.fromiter(column, dtype=np.float64, count=len(column)))
    return _ENCODE(column)[1:-1].split(",")


def _float_texts(values: np.ndarray) -> list[str]:
    """The JSON text of each float of `values` (float64), as the encoder writes it: `repr`, made
    in bulk (`float_strs`); ValueError for a NaN or an infinity, as the encoder raises."""
    if len(values) >= STRS_FROM:
        if not np.isfinite(values).all():
            raise ValueError("Out of range float values are not JSON compliant")
        return float_strs(values)
    return _ENCODE(values.tolist())[1:-1].split(",")
