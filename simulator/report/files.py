"""Read a results folder (written by `neuromod-sim run`) back into a `Results`.

Only the files are used: events.jsonl (or events.jsonl.gz, events.parquet), summary.json,
scenario.json and series/*.csv (or *.parquet) with series/index.json. Anything missing or unreadable is an InputError naming the file.
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
_SERIES_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}\.(csv|parquet)$")
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
        raise InputError(Issue(where, "a series file name must be a plain name ending in .csv or .parquet inside series/ (no folders)"), index_file)
    if not isinstance(meta, dict) or not isinstance(meta.get("device"), str) or not isinstance(meta.get("signal"), str):
        raise InputError(Issue(where, "each entry must be a mapping with string 'device' and 'signal'"), index_file)
    if meta.get("interp", "linear") not in ("linear", "step"):
        raise InputError(Issue(f"{where}.interp", "interpolation must be 'linear' or 'step'", meta.get("interp")), index_file)
    path = series_dir / name
    try:
        inside = path.resolve().is_relative_to(series_dir.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        raise InputError(Issue(where, "the series file must lie inside the series/ folder (a link out of it is refused)"), index_file)
    return path


def _event(d: dict):
    """An EventRecord from one decoded line (or Parquet row)."""
    from simulator.events import EventRecord

    return EventRecord(int(d["seq"]), float(d["t_s"]), str(d["device"]), str(d["kind"]), d.get("payload") or {})


def _read_events(root: Path) -> list:
    """The events of a results folder: events.jsonl, events.jsonl.gz (`run --compress`) or
    events.parquet (`run --format parquet`), whichever is there; each read within
    MAX_RESULTS_FILE_BYTES (decompressed too), errors naming the line, never quoting it."""
    for name in ("events.jsonl", "events.jsonl.gz"):
        path = root / name
        if not path.exists() and not path.is_symlink():
            continue
        text = _read_text(path) if name == "events.jsonl" else _read_gzip_text(path)
        events = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                events.append(_event(json.loads(line)))
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                raise InputError(Issue(f"line {n}", "not an event record (a JSON object with seq, t_s, device, kind, payload)"), str(path)) from None
        return events
    path = root / "events.parquet"
    if path.exists():
        table = _read_parquet(path)
        try:
            return [_event({"seq": q, "t_s": t, "device": d, "kind": k, "payload": json.loads(p)})
                    for q, t, d, k, p in zip(table["seq"], table["t_s"], table["device"], table["kind"], table["payload"], strict=True)]
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise InputError(Issue("(file)", "not a table of event records (seq, t_s, device, kind, payload)"), str(path)) from None
    raise InputError(Issue("(file)", _MISSING_HINT), str(root / "events.jsonl"))


def _read_gzip_text(path: Path) -> str:
    """A gzip file of the results folder as text, decompressed to at most MAX_RESULTS_FILE_BYTES."""
    import gzip
    import io

    data = _read_bytes_capped(path)
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            raw = f.read(MAX_RESULTS_FILE_BYTES + 1)
    except (OSError, EOFError):
        raise InputError(Issue("(file)", "not a readable gzip file"), str(path)) from None
    if len(raw) > MAX_RESULTS_FILE_BYTES:
        raise InputError(Issue("(file)", f"decompresses to more than {MAX_RESULTS_FILE_BYTES // (1024 * 1024)} MiB, the limit of a results file"), str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Issue("(file)", f"file is not UTF-8 text (byte {exc.start})"), str(path)) from None


def _read_bytes_capped(path: Path) -> bytes:
    from simulator.yaml_io import read_input_bytes

    return read_input_bytes(path, MAX_RESULTS_FILE_BYTES)


def _read_parquet(path: Path) -> dict[str, list]:
    """A Parquet file of the results folder (a regular file within the size cap) as columns."""
    import io

    from simulator.extras import require

    require(f"reading {path}", "pyarrow")
    import pyarrow.parquet as pq

    data = _read_bytes_capped(path)
    try:
        return pq.read_table(io.BytesIO(data)).to_pydict()
    except Exception:  # noqa: BLE001 - pyarrow raises its own kinds for a damaged file
        raise InputError(Issue("(file)", "not a readable Parquet file"), str(path)) from None


def _read_series_parquet(path: Path) -> tuple[list[float], list[float]]:
    """The (t_s, value) columns of one series written by `run --format parquet`."""
    table = _read_parquet(path)
    columns = list(table.values())
    if len(columns) != 2:
        raise InputError(Issue("(file)", "a series table has two columns (t_s, value)"), str(path))
    try:
        return [float(x) for x in columns[0]], [float(x) for x in columns[1]]
    except (TypeError, ValueError):
        raise InputError(Issue("(file)", "a series table holds numbers only"), str(path)) from None


def read_results(results_dir: str | Path):
    """The Results of a run, rebuilt from its folder (events, series breakpoints, summary).

    Only regular files inside the folder are read, each of at most MAX_RESULTS_FILE_BYTES
    (decompressed, for events.jsonl.gz); errors name the file and line, never quote the content."""
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
    events = _read_events(root)
    series: dict[tuple[str, str], Series] = {}
    series_dir = root / "series"
    index = _read_json(series_dir / "index.json") if (series_dir / "index.json").exists() else {}
    if not isinstance(index, dict):
        raise InputError(Issue("(top level)", f"expected a JSON object, not a {type(index).__name__}"), str(series_dir / "index.json"))
    for name, meta in sorted(index.items()):
        path = _series_file(series_dir, name, meta, str(series_dir / "index.json"))
        s = Series(meta["device"], meta["signal"], str(meta.get("unit", "")), "step" if meta.get("interp") == "step" else "linear")
        if name.endswith(".parquet"):
            t_values, v_values = _read_series_parquet(path)
            s._t.extend(t_values)
            s._v.extend(v_values)
        else:
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
