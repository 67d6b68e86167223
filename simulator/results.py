"""Results of a run as data: events, time series and a summary.

Numpy arrays always; pandas DataFrames where pandas is installed (the 'data' extra). `write(out_dir)`
produces the files of `neuromod-sim run` atomically (see `simulator.output`). In a notebook a
Results shows itself as a short table (devices, duration, key figures, alarms); `repr()` is one line.

Times are float seconds from the scenario start (`t_s`); `start_iso` is the scenario's calendar
start, used for the `time` columns of the DataFrames.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from itertools import chain, compress, repeat
from json.encoder import encode_basestring_ascii
from operator import attrgetter, is_
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Iterable

import numpy as np

from simulator.event_lines import lines_text as column_lines_text
from simulator.events import EventRecord, Kinds
from simulator.float_text import float_strs
from simulator.recorder import Series

if TYPE_CHECKING:
    from simulator.engine import Simulation

SCHEMA_VERSION = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def finite_or_none(obj: Any) -> Any:
    """The same structure with NaN and infinities replaced by None (JSON has neither)."""
    if isinstance(obj, float) or isinstance(obj, np.floating):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj


def json_copy(obj: Any) -> Any:
    """`json.loads(dumps(obj))`: a copy of `obj` as plain JSON data (numpy values converted,
    non-finite floats as None, tuples as lists), made by one walk when `obj` holds only dicts
    with string keys, lists, tuples, str, int, float, bool and None (a run's summary), else by
    the JSON round trip."""
    try:
        return _json_copy(obj)
    except _Unusual:
        return json.loads(dumps(obj))


def _json_copy(o: Any) -> Any:
    kind = type(o)
    if kind is str or kind is int or kind is bool or o is None:
        return o
    if kind is float:
        return o if o - o == 0.0 else None  # NaN and infinities (x - x is NaN): null, as dumps writes them
    if kind is dict:
        out = {}
        for k, v in o.items():
            if type(k) is not str:
                raise _Unusual  # json writes such keys as strings: left to the round trip
            vk = type(v)
            if vk is float:  # (inline: a per-day table's amounts)
                out[k] = v if v - v == 0.0 else None
            else:
                out[k] = v if vk is str or vk is int or vk is bool or v is None else _json_copy(v)
        return out
    if kind is list or kind is tuple:
        if len(o) >= TABLE_FROM and type(o[0]) is dict:
            rows = _flat_rows_copy(o)
            if rows is not None:
                return rows
        return [_json_copy(v) for v in o]
    raise _Unusual


#: the fewest dicts in a list for `_json_copy` to try them as one table of flat rows
TABLE_FROM = 32
_FLAT_KINDS = frozenset({str, int, float, bool, type(None)})


def _flat_rows_copy(rows: list | tuple) -> list[dict] | None:
    """`[_json_copy(row) for row in rows]` when every row is a dict with string keys and values
    of `_FLAT_KINDS` (a per-day table), the floats all finite: each row a plain copy, its types
    checked for all the rows at once (~4x faster than row by row); else None."""
    if set(map(type, rows)) != {dict}:
        return None
    if set(map(type, set(chain.from_iterable(rows)))) - {str}:  # the distinct keys (a dict's iteration gives its keys)
        return None
    values = list(chain.from_iterable(map(dict.values, rows)))
    types = list(map(type, values))
    kinds = set(types)
    if not kinds <= _FLAT_KINDS:
        return None
    if float in kinds:
        total = sum(compress(values, map(is_, types, repeat(float))))  # the floats' sum: finite only when they all are
        if total - total != 0.0:  # a NaN or an infinity among them (or a sum out of range): row by row
            return None
    return list(map(dict, rows))


def dumps(obj: Any, **kw) -> str:
    """Strict JSON: numpy values converted, non-finite floats written as null.

    Encoded as it is first (strict: a NaN or infinity raises ValueError); only then rebuilt by
    `finite_or_none` and encoded again, so the common all-finite case pays no extra walk.
    `indent=N` alone (summary.json) goes through `pretty_json`: the same text as the standard
    library's indented output, which is pure Python and slow for a long summary."""
    encode = (lambda o: pretty_json(o, kw["indent"])) if set(kw) == {"indent"} and isinstance(kw["indent"], int) else \
        (lambda o: json.dumps(o, default=_jsonable, allow_nan=False, **kw))
    try:
        return encode(obj)
    except ValueError:
        return encode(finite_or_none(obj))


#: leaves (strings, numbers, true/false/null) of pretty_json: the C encoder, strict
_LEAF_STRICT = json.JSONEncoder(allow_nan=False).encode
_LEAF_LOOSE = json.JSONEncoder(allow_nan=True).encode


def pretty_json(obj: Any, indent: int = 2, allow_nan: bool = False, default=_jsonable) -> str:
    """`json.dumps(obj, indent=indent, allow_nan=allow_nan, default=default)`, the same text,
    built by joining strings with the C encoder for the leaves (the standard library encodes an
    indented document in pure Python). Falls back to json.dumps for anything unusual (keys that
    are not strings)."""
    leaf = _LEAF_LOOSE if allow_nan else _LEAF_STRICT
    step = " " * indent
    flat_encoders: dict[str, Any] = {}

    def flat(inner: str):
        """The C encoder of a container of scalars at this depth: its item separator carries the
        newline and indentation, so '{"a": 1,\n<inner>"b": 2}' is the indented text without its
        first and last line breaks."""
        f = flat_encoders.get(inner)
        if f is None:
            f = flat_encoders[inner] = json.JSONEncoder(separators=(",\n" + inner, ": "), allow_nan=allow_nan).encode
        return f

    def records(o: list, pad: str) -> str | None:
        """A list holding runs of flat records (non-empty dicts, string keys, scalar values or
        empty lists/dicts: a summary's per-day table, a scenario's timeline), each run in one C
        encoder call, the other items one by one; None when `o` holds too few flat records.
        A run is encoded with the dicts' item separator, so only the separators between its
        dicts and its two ends need their indentation changed: '},\n<dict pad>{' occurs nowhere
        else, as a string's line breaks are escaped and a value inside is a scalar or '{}'/'[]'."""
        if len(o) < RECORDS_FROM:
            return None
        inner = pad + step
        deeper = inner + step
        table = _table_text(o, inner, deeper, leaf, lambda x: enc(x, deeper))
        if table is not None:
            return "[\n" + table + "\n" + pad + "]"
        flags = [_flat_record(x) for x in o]
        if sum(flags) < RECORDS_FROM:
            return None
        inner, deeper = pad + step, pad + step + step
        parts = []
        start = 0
        for end in [i for i in range(1, len(o)) if flags[i] != flags[i - 1]] + [len(o)]:
            if flags[start]:
                body = flat(deeper)(o[start:end])  # '[{"k": v,\n<deeper>"k2": v2},\n<deeper>{...}]'
                body = body[2:-2].replace("},\n" + deeper + "{", "\n" + inner + "},\n" + inner + "{\n" + deeper)
                parts.append(inner + "{\n" + deeper + body + "\n" + inner + "}")
            else:
                parts.extend(inner + enc(x, inner) for x in o[start:end])
            start = end
        return "[\n" + ",\n".join(parts) + "\n" + pad + "]"

    def enc(o: Any, pad: str) -> str:
        if o is None or o is True or o is False or isinstance(o, (str, int, float)):
            return leaf(o)
        kind = type(o)
        if kind is list:
            text = records(o, pad)
            if text is not None:
                return text
        if (kind is dict or kind is list) and o:
            values = o.values() if kind is dict else o
            if all(type(v) in _SCALARS for v in values) and (kind is list or all(type(k) is str for k in o)):
                inner = pad + step
                body = flat(inner)(o)
                return body[0] + "\n" + inner + body[1:-1] + "\n" + pad + body[-1]
        if isinstance(o, dict):
            if not o:
                return "{}"
            inner = pad + step
            parts = []
            for k, v in o.items():
                if type(k) is not str:
                    raise _Unusual
                parts.append(f"{inner}{leaf(k)}: {enc(v, inner)}")
            return "{\n" + ",\n".join(parts) + "\n" + pad + "}"
        if isinstance(o, (list, tuple)):
            if not o:
                return "[]"
            inner = pad + step
            return "[\n" + ",\n".join(inner + enc(v, inner) for v in o) + "\n" + pad + "]"
        if default is None:
            raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")
        return enc(default(o), pad)

    try:
        return enc(obj, "")
    except _Unusual:
        return json.dumps(obj, indent=indent, allow_nan=allow_nan, default=default)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _flat_record(x: Any) -> bool:
    """A non-empty dict with string keys whose values are scalars or empty lists/dicts (each
    written on one line by json.dumps(indent=...), as the C encoder writes it)."""
    if type(x) is not dict or not x:
        return False
    for k, v in x.items():
        if type(k) is not str or not (type(v) in _SCALARS or (type(v) in _CONTAINERS and not v)):
            return False
    return True


_CONTAINERS = frozenset({dict, list})
_DICT_ONLY = {dict}


def _table_text(rows: list, inner: str, deeper: str, leaf: Callable[[Any], str], cell: Callable[[Any], str]) -> str | None:
    """The indented text of the items of `rows`, joined by ',\n' (each item at `inner`, its
    fields at `deeper`), when every item is a non-empty dict with the same string keys in the
    same order; else None. Written column by column, as `simulator.event_lines` writes events:
    each item's same pieces of text around its values' texts; a column's strings encoded once
    each, its finite floats by `float_strs` (repr, in bulk), its ints by int's repr, other
    scalars by `leaf` one by one (the texts the C encoder writes for them), empty lists and
    dicts as '[]' and '{}', anything else by `cell` (a value's indented text at `deeper`). A
    scenario's timeline (a refill's params among daily boluses' `{}`), a summary's per-day table."""
    if set(map(type, rows)) != _DICT_ONLY:
        return None
    keys = tuple(rows[0])
    if not keys or list(map(tuple, rows)).count(keys) != len(rows) or not all(type(k) is str for k in keys):
        return None
    pieces: list[Iterable[str]] = []
    before = inner + "{\n" + deeper
    for key, column in zip(keys, zip(*map(dict.values, rows))):
        pieces += [repeat(before + encode_basestring_ascii(key) + ": "), _column_texts(column, leaf, cell)]
        before = ",\n" + deeper
    pieces.append(repeat("\n" + inner + "}"))
    return ",\n".join(map("".join, zip(*pieces)))


def _column_texts(column: tuple, leaf: Callable[[Any], str], cell: Callable[[Any], str]) -> list[str]:
    """The JSON texts of a column's values (see `_table_text`)."""
    kinds = set(map(type, column))
    if kinds == _STR_ONLY:
        text_of = {s: encode_basestring_ascii(s) for s in set(column)}
        return list(map(text_of.__getitem__, column))
    if kinds == _FLOAT_ONLY:
        values = np.fromiter(column, dtype=np.float64, count=len(column))
        if np.isfinite(values).all():
            return float_strs(values)
        return list(map(leaf, column))  # NaN, infinities: as the encoder writes them (or refuses them)
    if kinds == _INT_ONLY:
        return list(map(int.__repr__, column))
    if kinds <= _SCALARS:
        return list(map(leaf, column))
    if kinds == _DICT_ONLY:  # (a timeline's params: mostly empty)
        return [cell(v) if v else "{}" for v in column]
    texts = []
    for v in column:
        kind = type(v)
        if kind in _SCALARS:
            texts.append(leaf(v))
        elif kind in _CONTAINERS and not v:
            texts.append("{}" if kind is dict else "[]")
        else:
            texts.append(cell(v))
    return texts


_STR_ONLY, _FLOAT_ONLY, _INT_ONLY = {str}, {float}, {int}
#: shortest list of flat records pretty_json encodes in one call (below it the check costs more)
RECORDS_FROM = 8


class _Unusual(Exception):
    """A structure pretty_json leaves to the standard library."""


#: the one encoder of events.jsonl lines (compact strict JSON), reused for every line
_LINE_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False, default=_jsonable)


def json_line(record: EventRecord) -> str:
    """One event as a line of events.jsonl (compact strict JSON, no newline); the same text as
    `dumps(record.as_dict(), separators=(",", ":"))`."""
    d = {"seq": record.seq, "t_s": record.t_s, "device": record.device, "kind": record.kind, "payload": record.payload}
    try:
        return _LINE_ENCODER.encode(d)
    except ValueError:  # a NaN or infinity somewhere: write it as null
        return _LINE_ENCODER.encode(finite_or_none(d))


def compact_json(obj: Any) -> str:
    """`obj` as compact strict JSON (the encoding of events.jsonl; non-finite floats as null)."""
    try:
        return _LINE_ENCODER.encode(obj)
    except ValueError:
        return _LINE_ENCODER.encode(finite_or_none(obj))


def json_lines(records: Iterable[EventRecord]) -> Iterable[str]:
    """Lines of events.jsonl, each ending in a newline (`json_line` of each record)."""
    for r in records:
        yield json_line(r) + "\n"


#: the events of a batch encoded as one list: the same separators, hook and strictness as
#: _LINE_ENCODER (no check for circular references: one makes it recurse until RecursionError, and
#: the lines are then made one by one, which raises ValueError as before; 8 % faster)
_BATCH_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False, default=_jsonable, check_circular=False)
#: where one event ends and the next begins in the batch's text (an event's first key is "seq")
_BOUNDARY = '},{"seq":'


def json_lines_text(records: list[EventRecord]) -> str:
    """The lines of events.jsonl of `records`, joined: `"".join(json_lines(records))`, the same
    text. The packed records are written column by column (`simulator.event_lines`), the others
    by `plain_lines_text`."""
    return column_lines_text(records, plain_lines_text)


def plain_lines_text(records: list[EventRecord]) -> str:
    """The lines of events.jsonl of `records`, joined: `"".join(json_lines(records))`, the same text.

    Encoded with one C encoder call, `[event,event,...]`, then cut where one event ends and the
    next begins: each boundary reads '},{"seq":'. A string never holds it (its quotes are escaped),
    so when the text holds it exactly once per boundary, each occurrence is one (a payload with a
    list of records of their own keyed "seq" first makes the count differ). Then, or when a
    payload holds NaN or an infinity (written as null, line by line), every line is made by
    `json_line`."""
    if not records:
        return ""
    try:
        text = _BATCH_ENCODER.encode([r.as_dict() for r in records])
    except (TypeError, ValueError, RecursionError):
        text = ""  # left to json_line, which writes non-finite numbers as null and raises for what cannot be written at all
    if text and text.count(_BOUNDARY) == len(records) - 1:
        return text[1:-1].replace(_BOUNDARY, '}\n{"seq":') + "\n"
    return "".join(json_line(r) + "\n" for r in records)


_KIND_OF = attrgetter("kind")


def event_counts(events: Iterable[EventRecord]) -> dict[str, int]:
    """How many events of each kind happened. Alarm repeats are recorded coalesced (one
    `alarm.repeats` event holding `count` repeats, see simulator.alarms): each repeat counts as
    one `alarm.repeat`, so the figure is the number of times a tone repeated."""
    if not isinstance(events, list):
        events = list(events)
    kinds = list(map(_KIND_OF, events))
    counts: Counter[str] = Counter(kinds)
    coalesced, repeat = Kinds.ALARM_REPEATS, Kinds.ALARM_REPEAT
    if coalesced not in counts:  # (the usual run: every event counts one)
        return dict(counts)
    repeats, at = 0, -1
    for _ in range(counts[coalesced]):  # each coalesced event found by list.index (a scan in C)
        at = kinds.index(coalesced, at + 1)
        repeats += int(events[at].payload.get("count", 0))
    out: dict[str, int] = {}
    for kind, n in counts.items():  # in order of first occurrence: the repeats where the first of either kind came
        if kind == coalesced or kind == repeat:
            out[repeat] = out.get(repeat, 0) + (repeats if kind == coalesced else n)
        else:
            out[kind] = n
    return {k: v for k, v in out.items() if v}


HTML_MAX_ALARMS = 10
HTML_MAX_FIGURES = 12
DAY_S = 86400.0


def profile_overrides_of(sim: Simulation) -> dict[str, str]:
    """The profiles of `sim`'s devices (and drugs) given by a file overriding another of the same
    id: profile id -> path of the file in use. Empty when none is overridden."""
    registry = getattr(sim, "registry", None)
    if registry is None or not getattr(registry, "overrides", None):
        return {}
    ids = [spec.profile for spec in sim.scenario.devices]
    for spec in sim.scenario.devices:
        drug = spec.settings.get("drug") if isinstance(spec.settings, dict) else None
        if isinstance(drug, str):
            ids.append(drug if "/" in drug else f"drug/{drug}")
    return registry.overrides_used(ids)


@dataclass
class Results:
    """The outcome of one run: every event, every recorded signal (exact breakpoints), the summary.

    Attributes:
        scenario_name: the scenario's name.
        seed: the seed the run used (same scenario and seed, same results).
        start_iso: calendar start of the scenario (ISO 8601), '' when unknown.
        end_t_s: simulation time reached, in seconds from the start.
        events: the event records (`t_s` in s, `device`, `kind`, `payload`), in order.
        series: (device id, signal) -> Series of breakpoints; the signal name carries the unit
            (`reservoir_ml`, `battery_pct`, `cumulative_drug_mg`).
        summary: the figures of summary.json (plain JSON data).
        scenario_json: the scenario as plain JSON data (durations in seconds).

    Example:
        >>> from simulator.api import run
        >>> results = run("scenarios/pump_concentration_change.yaml")
        >>> t_s, volume_ml = results.series_arrays("no_bridge", "reservoir_ml")
        >>> results.events_frame(kind="dose_error.*", flat=True)[["time", "device", "error_amount"]]
    """

    scenario_name: str
    seed: int
    start_iso: str
    end_t_s: float
    events: list[EventRecord]
    series: dict[tuple[str, str], Series]
    summary: dict[str, Any]
    scenario_json: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_simulation(cls, sim: Simulation) -> Results:
        """The Results of a Simulation as it stands (usually after `sim.run()`)."""
        from simulator import __version__

        events = list(sim.recorder.events)
        counts = event_counts(events)
        summary = {
            "schema_version": SCHEMA_VERSION,
            "neuromod_sim_version": __version__,
            "scenario": sim.scenario.name,
            "seed": sim.seed,
            "start": sim.scenario.start.isoformat(),
            "duration_s": sim.duration_s,
            "end_t_s": sim.now,
            "completed": sim.now >= sim.duration_s,
            "event_counts": dict(sorted(counts.items())),
            "devices": {dev_id: dev.summary() for dev_id, dev in sim.devices.items()},
        }
        overrides = profile_overrides_of(sim)
        if overrides:
            summary["profile_overrides"] = overrides  # profile id -> the user file used instead of the bundled one
        return cls(
            sim.scenario.name,
            sim.seed,
            sim.scenario.start.isoformat(),
            sim.now,
            events,
            dict(sim.recorder.series),
            json_copy(summary),
            sim.scenario.model_dump(mode="json"),  # a copy: the record of what ran, whatever the caller edits later
        )

    # ----- events -----
    def events_where(self, device: str | Iterable[str] | None = None, kind: str | Iterable[str] | None = None) -> list[EventRecord]:
        """Events filtered by device id(s) and kind(s); a kind ending in '*' matches a prefix."""
        devices = {device} if isinstance(device, str) else (set(device) if device is not None else None)
        kinds = [kind] if isinstance(kind, str) else (list(kind) if kind is not None else None)

        def kind_ok(k: str) -> bool:
            if kinds is None:
                return True
            return any(k == q or (q.endswith("*") and k.startswith(q[:-1])) for q in kinds)

        return [e for e in self.events if (devices is None or e.device in devices) and kind_ok(e.kind)]

    def event_times(self, device: str | None = None, kind: str | None = None) -> np.ndarray:
        """Times (s from the start) of the events `events_where(device, kind)` selects, as an array."""
        return np.array([e.t_s for e in self.events_where(device, kind)], dtype=float)

    def calendar_start(self):
        """The scenario's calendar start as a datetime, or None when the run has none."""
        from datetime import datetime

        try:
            return datetime.fromisoformat(self.start_iso) if self.start_iso else None
        except ValueError:
            return None

    def _calendar(self, t_s):
        """Calendar times (pandas datetimes) of times in s from the start; NaT without a start."""
        import pandas as pd

        start = self.calendar_start()
        t = pd.to_timedelta(np.asarray(t_s, dtype=float), unit="s")
        return pd.Timestamp(start) + t if start is not None else pd.to_datetime([pd.NaT] * len(t))

    def events_frame(self, device=None, kind=None, flat: bool = False):
        """Events as a pandas DataFrame, one row per event, in order.

        Columns: `seq`, `t_s` (s from the start), `time` (calendar time: the scenario start plus
        t_s), `device`, `kind`, then either `payload` (a dict per row) or, with `flat=True`, one
        column per payload field (nested fields joined with dots, e.g. `params.fill_ml`; a field
        named like a fixed column gets the prefix `payload.`). Fields an event lacks are NaN/None.
        `device` and `kind` filter as in `events_where`. Needs pandas (the 'data' extra).
        """
        from simulator.extras import require

        require("Results.events_frame", "pandas")
        import pandas as pd

        chosen = self.events_where(device, kind)
        base = ["seq", "t_s", "time", "device", "kind"]
        frame = pd.DataFrame(
            {
                "seq": pd.Series([e.seq for e in chosen], dtype="int64"),
                "t_s": pd.Series([e.t_s for e in chosen], dtype=float),
                "time": self._calendar([e.t_s for e in chosen]),
                "device": pd.Series([e.device for e in chosen], dtype=object),
                "kind": pd.Series([e.kind for e in chosen], dtype=object),
            },
            columns=base,
        )
        if not flat:
            frame["payload"] = pd.Series([e.payload for e in chosen], dtype=object)
            return frame
        rows = [_flatten_payload(e.payload) for e in chosen]
        names: list[str] = []
        for row in rows:
            names.extend(k for k in row if k not in names)
        for name in names:
            column = f"payload.{name}" if name in base else name
            frame[column] = [row.get(name) for row in rows]
        return frame

    # ----- series -----
    def signals(self, device: str | None = None) -> list[tuple[str, str]]:
        """The (device, signal) pairs recorded, sorted; only `device`'s when given."""
        return sorted(k for k in self.series if device is None or k[0] == device)

    def series_arrays(self, device: str, signal: str) -> tuple[np.ndarray, np.ndarray]:
        """Breakpoints (t_s, values) of one signal: exact, not resampled."""
        s = self.series[(device, signal)]
        return s.t_s, s.values

    def resample(self, device: str, signal: str, t_s: np.ndarray) -> np.ndarray:
        """Values of one signal at times `t_s` (s from the start), interpolated as recorded
        (linear or step); the signal's unit is in its name."""
        return self.series[(device, signal)].at(t_s)

    def series_frame(self, device: str, step_s: float | None = None, index: str = "t_s"):
        """One device's signals as a DataFrame on a common time grid.

        The grid is every breakpoint of the device's signals when `step_s` is None (exact),
        else 0, step_s, 2 step_s, ... up to the end (s). `index="t_s"`: a plain row index and a
        `t_s` column (s from the start); `index="calendar"`: the rows indexed by calendar time
        (`time`: scenario start plus t_s), `t_s` kept as a column. Each signal is a column named
        with its unit (`reservoir_ml`); `frame.attrs["units"]` maps column -> unit ("s" for t_s).
        Needs pandas (the 'data' extra).
        """
        from simulator.extras import require

        require("Results.series_frame", "pandas")
        import pandas as pd

        if index not in ("t_s", "calendar"):
            raise ValueError(f"index must be 't_s' or 'calendar', not {index!r}")
        keys = self.signals(device)
        if step_s is None:
            grid = np.unique(np.concatenate([self.series[k].t_s for k in keys])) if keys else np.array([])
        else:
            if not step_s > 0:
                raise ValueError(f"step_s must be > 0 seconds, not {step_s!r}")
            grid = np.arange(0.0, self.end_t_s + step_s / 2, step_s)
        data = {"t_s": grid}
        units = {"t_s": "s"}
        for k in keys:
            data[k[1]] = self.series[k].at(grid)
            units[k[1]] = self.series[k].unit
        frame = pd.DataFrame(data)
        if index == "calendar":
            frame.index = pd.DatetimeIndex(self._calendar(grid), name="time")
        frame.attrs["units"] = units
        frame.attrs["device"] = device
        frame.attrs["start"] = self.start_iso
        return frame

    def device_summary(self, device: str) -> dict[str, Any]:
        """The summary figures of one device (names carry units: `delivered_mg`, `battery_pct`)."""
        return self.summary["devices"][device]

    def write(self, out_dir: Path | str) -> Path:
        """Write events.jsonl, summary.json, scenario.json and series/ into `out_dir`, atomically;
        returns the folder."""
        from simulator.output import write_results

        return write_results(self, Path(out_dir))

    # ----- notebooks -----
    def _devices(self) -> list[str]:
        return list(self.summary.get("devices", {})) or sorted({d for d, _ in self.series})

    def _alarms_raised(self) -> list[EventRecord]:
        return self.events_where(kind=Kinds.ALARM_RAISED)

    def __repr__(self) -> str:
        """One line: scenario, seed, days simulated, devices, events and alarms (never the data)."""
        days = self.end_t_s / DAY_S
        devices = ", ".join(self._devices()) or "no devices"
        alarms = len(self._alarms_raised())
        return f"<Results {self.scenario_name!r} seed {self.seed}: {days:.4g} days, devices {devices}; {len(self.events)} events, {alarms} alarms raised>"

    def _repr_html_(self) -> str:
        """A short HTML table for notebooks: devices, duration, key figures, alarms."""
        import html as _html

        esc = _html.escape
        start = self.calendar_start()
        days = self.end_t_s / DAY_S
        when = f"{days:.4g} days" + (f" from {start:%Y-%m-%d %H:%M}" if start else "")
        parts = [f"<div><b>Results: {esc(self.scenario_name)}</b> (seed {self.seed}, {esc(when)}, {len(self.events)} events)</div>"]
        parts.append("<table><tr><th>device</th><th>key figures</th></tr>")
        for dev in self._devices():
            figures = self.summary.get("devices", {}).get(dev, {})
            items = [(k, v) for k, v in figures.items() if isinstance(v, (int, float)) and not isinstance(v, bool)][:HTML_MAX_FIGURES]
            text = "; ".join(esc(_figure_text(str(k), v)) for k, v in items) or "-"
            parts.append(f"<tr><td>{esc(dev)}</td><td>{text}</td></tr>")
        parts.append("</table>")
        raised = self._alarms_raised()
        if raised:
            parts.append(f"<div>Alarms raised: {len(raised)}</div><table><tr><th>day</th><th>device</th><th>alarm</th><th>severity</th></tr>")
            for e in raised[:HTML_MAX_ALARMS]:
                parts.append(
                    f"<tr><td>{e.t_s / DAY_S:.2f}</td><td>{esc(e.device)}</td><td>{esc(str(e.payload.get('alarm', '')))}</td>"
                    f"<td>{esc(str(e.payload.get('severity', '')))}</td></tr>"
                )
            parts.append("</table>")
            if len(raised) > HTML_MAX_ALARMS:
                parts.append(f"<div>... and {len(raised) - HTML_MAX_ALARMS} more (results.events_where(kind='alarm.raised'))</div>")
        else:
            parts.append("<div>No alarms raised.</div>")
        return "\n".join(parts)


def _short_number(value: float) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _figure_text(name: str, value: float) -> str:
    """'battery_pct = 60.37'; times and durations in days, not seconds:
    'next_refill = day 180', 'time_stimulating_days = 180'."""
    if name.endswith("_t_s"):
        return f"{name[:-4]} = day {value / DAY_S:.4g}"
    if name.endswith("_s"):
        return f"{name[:-2]}_days = {value / DAY_S:.4g}"
    return f"{name} = {_short_number(value)}"


def _flatten_payload(payload: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A payload with nested dicts flattened to dotted names ({'params': {'fill_ml': 18}} ->
    {'params.fill_ml': 18}); lists stay as they are."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten_payload(value, name + "."))
        else:
            out[name] = value
    return out
