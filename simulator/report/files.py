"""Read a results folder (written by `neuromod-sim run`) back into a `Results`.

Only the files are used: events.jsonl, summary.json, scenario.json and series/*.csv with
series/index.json. Anything missing or unreadable is an InputError naming the file.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from simulator.errors import InputError, Issue, _short

#: largest file of a results folder that is read (a year-long run writes a few tens of MB)
MAX_RESULTS_FILE_BYTES = 512 * 1024 * 1024
_SERIES_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}\.csv$")
_MISSING_HINT = "missing: is this a results folder written by `neuromod-sim run`?"


def _read_text(path: Path) -> str:
    """A file of the results folder as text: a regular file, at most MAX_RESULTS_FILE_BYTES."""
    from simulator.yaml_io import read_input_bytes

    if not path.exists() and not path.is_symlink():
        raise InputError(Issue("(file)", _MISSING_HINT), str(path))
    data = read_input_bytes(path, MAX_RESULTS_FILE_BYTES)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Issue("(file)", f"file is not UTF-8 text (byte {exc.start})"), str(path)) from None


def _read_json(path: Path) -> Any:
    text = _read_text(path)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputError(Issue("(file)", f"unreadable JSON{where}"), str(path)) from None


def _series_file(series_dir: Path, name: Any, meta: Any, index_file: str) -> Path:
    """The file of one `series/index.json` entry: a plain `.csv` name inside series/ (no
    folders, no links out of it) with a mapping of string device and signal."""
    where = f"[{_short(name, 40)}]"
    if not isinstance(name, str) or not _SERIES_NAME.match(name):
        raise InputError(Issue(where, "a series file name must be a plain name ending in .csv inside series/ (no folders)"), index_file)
    if not isinstance(meta, dict) or not isinstance(meta.get("device"), str) or not isinstance(meta.get("signal"), str):
        raise InputError(Issue(where, "each entry must be a mapping with string 'device' and 'signal'"), index_file)
    path = series_dir / name
    try:
        inside = path.resolve().is_relative_to(series_dir.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        raise InputError(Issue(where, "the series file must lie inside the series/ folder (a link out of it is refused)"), index_file)
    return path


def read_results(results_dir: str | Path):
    """The Results of a run, rebuilt from its folder (events, series breakpoints, summary).

    Only regular files inside the folder are read, each of at most MAX_RESULTS_FILE_BYTES;
    errors name the file and line, never quote the content."""
    from simulator.events import EventRecord
    from simulator.recorder import Series
    from simulator.results import Results

    root = Path(results_dir)
    if not root.is_dir():
        raise InputError(Issue("(folder)", "not a folder: give the results folder written by `neuromod-sim run --out DIR`", str(root)))
    summary = _read_json(root / "summary.json")
    scenario = _read_json(root / "scenario.json") if (root / "scenario.json").exists() else {}
    for name, data in (("summary.json", summary), ("scenario.json", scenario)):
        if not isinstance(data, dict):
            raise InputError(Issue("(top level)", f"expected a JSON object, not a {type(data).__name__}"), str(root / name))
    events: list[EventRecord] = []
    events_path = root / "events.jsonl"
    for n, line in enumerate(_read_text(events_path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            events.append(EventRecord(int(d["seq"]), float(d["t_s"]), str(d["device"]), str(d["kind"]), d.get("payload") or {}))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise InputError(Issue(f"line {n}", "not an event record (a JSON object with seq, t_s, device, kind, payload)"), str(events_path)) from None
    series: dict[tuple[str, str], Series] = {}
    series_dir = root / "series"
    index = _read_json(series_dir / "index.json") if (series_dir / "index.json").exists() else {}
    if not isinstance(index, dict):
        raise InputError(Issue("(top level)", f"expected a JSON object, not a {type(index).__name__}"), str(series_dir / "index.json"))
    for name, meta in sorted(index.items()):
        path = _series_file(series_dir, name, meta, str(series_dir / "index.json"))
        s = Series(meta["device"], meta["signal"], str(meta.get("unit", "")), str(meta.get("interp", "linear")))
        rows = csv.reader(_read_text(path).splitlines())
        next(rows, None)
        for n, row in enumerate(rows, 2):
            try:
                t, v = float(row[0]), float(row[1])
            except (ValueError, IndexError):
                raise InputError(Issue(f"line {n}", "not a row of two numbers (t_s, value)"), str(path)) from None
            s._t.append(t)
            s._v.append(v)
        series[(s.device, s.signal)] = s
    try:
        seed, end_t_s = int(summary.get("seed", 0)), float(summary.get("end_t_s", 0.0))
    except (TypeError, ValueError):
        raise InputError(Issue("seed/end_t_s", "must be numbers"), str(root / "summary.json")) from None
    return Results(
        scenario_name=str(summary.get("scenario", scenario.get("name", ""))),
        seed=seed,
        start_iso=str(summary.get("start", "")),
        end_t_s=end_t_s,
        events=events,
        series=series,
        summary=summary,
        scenario_json=scenario,
    )
