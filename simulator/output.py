"""Writing a run's result folder (atomically, by the marker rule of `simulator.atomic`).

Everything goes into a temporary folder beside the destination; only when all files are
complete does it take the destination's place (see `simulator.atomic.atomic_result_dir`). An
error or an interrupt leaves the destination as it was and removes the temporary folder.

Layout of DIR:
- `neuromod-sim-result.json`: the marker: says neuromod-sim wrote the folder (`written_by`,
  `kind: run`, `state: complete`, `version`). A later `run --out DIR` (or the app's Export)
  replaces DIR only if it is empty or carries this marker and nothing but the files below;
  any other folder is refused (exit 2), so a folder of the user's is never deleted.
- `events.jsonl`: one event record a line: seq, t_s, device, kind, payload; with `--compress`
  `events.jsonl.gz` instead (the same lines, gzip); with `--format parquet` `events.parquet`
  instead (columns seq, t_s, device, kind, payload: the payload as the same compact JSON text)
- `summary.json`: scenario, seed, times, event counts, per-device figures
- `scenario.json`: the scenario that was run (durations in seconds)
- `series/<device>.<signal>.csv`: breakpoints `t_s,<signal>` (each value the shortest decimal
  that reads back as the same float64); `series/index.json` says each series' unit and
  interpolation (linear or step); with `--format parquet` `series/<device>.<signal>.parquet`
  (columns t_s, <signal>, float64) instead of the CSV files
- with `--report`: `report.md` and `plots/*.png` (see `simulator.report`)
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.collector import collector_paused
from simulator.atomic import atomic_result_dir, check_replaceable, resolve_destination

if TYPE_CHECKING:
    from simulator.float_text import ColumnTexts
    from simulator.results import Results

EXPORT_SUBFOLDER_PREFIX = "neuromod-results-"


FORMATS = ("jsonl", "parquet")


def write_result_files(results: Results, folder: Path, compress: bool = False, fmt: str = "jsonl") -> None:
    """Write the run's files (not the marker) into the existing, empty-of-them `folder`.

    `compress`: events.jsonl.gz instead of events.jsonl. `fmt="parquet"`: events.parquet and
    series/*.parquet instead of the text files (needs pyarrow: the 'data' extra)."""
    from simulator.results import dumps, pretty_json

    if fmt not in FORMATS:
        raise ValueError(f"unknown results format {fmt!r}; one of {FORMATS}")
    folder = Path(folder)
    if fmt == "parquet":
        _write_events_parquet(results, folder / "events.parquet")
    elif compress:
        import gzip

        # mtime 0 and no file name in the header: the same run gives the same bytes
        with open(folder / "events.jsonl.gz", "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            _write_events_text(results, gz, binary=True)
    else:
        with open(folder / "events.jsonl", "w", encoding="utf-8") as f:
            _write_events_text(results, f, binary=False)
    (folder / "summary.json").write_text(dumps(results.summary, indent=2) + "\n", encoding="utf-8")
    (folder / "scenario.json").write_text(pretty_json(results.scenario_json, 2, allow_nan=True, default=None) + "\n", encoding="utf-8")
    series_dir = folder / "series"
    series_dir.mkdir()
    index = {}
    ext = "parquet" if fmt == "parquet" else "csv"
    from simulator.float_text import ColumnTexts
    from simulator.recorder import materialise_together

    texts = None if fmt == "parquet" else ColumnTexts()  # the series share their times (and some values): each column's text made once
    materialise_together(results.series.values())  # the deferred points of a device's series made in one pass
    for (device, signal), series in sorted(results.series.items()):
        name = f"{device}.{signal}.{ext}"
        t, v = series._t, series._v
        index[name] = {"device": device, "signal": signal, "unit": series.unit, "interp": series.interp, "points": len(t)}
        if fmt == "parquet":
            _write_series_parquet(series_dir / name, signal, t, v)
        else:
            write_text_chunks(series_dir / name, series_csv_chunks(signal, t, v, texts))
    (series_dir / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")


#: events encoded per batch: the lines of a batch are made together (`simulator.event_lines`:
#: column by column, each layout's records of the batch at once) and written at once. Larger
#: batches share the columns' fixed costs (ten-year events.jsonl, CPU median of 15 on a loaded
#: machine: 59 ms at 512, 52 at 1,024, 50 at 2,048 to 8,192; with the encoder of the whole dicts
#: 512 was best; since a block's few non-integral times go by repr, median of 11, twice: 50.6 /
#: 50.0 ms at 2,048, 46.9 / 47.0 at 4,096, 46.6 / 46.6 at 8,192: ~700 kB of text a batch)
EVENT_BATCH = 4096


def _write_events_text(results: Results, f, binary: bool) -> None:
    from simulator.results import json_lines_text

    events = results.events
    for start in range(0, len(events), EVENT_BATCH):
        batch = json_lines_text(events[start:start + EVENT_BATCH])
        f.write(batch.encode("utf-8") if binary else batch)


def series_csv_chunks(signal: str, t, v, texts: ColumnTexts | None = None) -> list[bytes]:
    """A series file (UTF-8) in pieces to write one after the other: the header `t_s,<signal>`,
    then one `t,v` line a breakpoint, each number written as `repr` of the float64 (the shortest
    text that reads back as the same value), made in bulk by `simulator.float_text` (`texts`: a
    writer's cache of column texts, shared between the series it writes)."""
    from simulator.float_text import ColumnTexts

    if texts is None:
        texts = ColumnTexts()
    return [f"t_s,{signal}\n".encode()] + texts.lines(texts(t), texts(v))


def series_csv_bytes(signal: str, t, v, texts: ColumnTexts | None = None) -> bytes:
    """`series_csv_chunks` joined."""
    return b"".join(series_csv_chunks(signal, t, v, texts))


def series_csv_text(signal: str, t, v, texts: ColumnTexts | None = None) -> str:
    """`series_csv_bytes` as text."""
    return series_csv_bytes(signal, t, v, texts).decode("utf-8")


def write_text_bytes(path: Path, data: bytes) -> None:
    """Write UTF-8 text given as bytes in one call, with the line ends of a text-mode file
    (os.linesep for each newline, as `open(path, "w")` writes them)."""
    write_text_chunks(path, [data])


def write_text_chunks(path: Path, chunks: list[bytes]) -> None:
    """Write UTF-8 text given as pieces of bytes, one after the other, with the line ends of a
    text-mode file (os.linesep for each newline, as `open(path, "w")` writes them)."""
    import os

    if os.linesep != "\n":
        chunks = [c.replace(b"\n", os.linesep.encode("ascii")) for c in chunks]
    with open(path, "wb") as f:
        for chunk in chunks:
            f.write(chunk)


def _write_events_parquet(results: Results, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from simulator.results import compact_json

    events = results.events
    table = pa.table({
        "seq": pa.array([e.seq for e in events], type=pa.int64()),
        "t_s": pa.array([e.t_s for e in events], type=pa.float64()),
        "device": pa.array([e.device for e in events], type=pa.string()),
        "kind": pa.array([e.kind for e in events], type=pa.string()),
        "payload": pa.array([compact_json(e.payload) for e in events], type=pa.string()),
    })
    pq.write_table(table, path)


def _write_series_parquet(path: Path, signal: str, t, v) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"t_s": np.array(t, dtype=float), signal: np.array(v, dtype=float)}), path)


def write_results(results: Results, dest: Path, extra: Callable[[Path], None] | None = None, option: str = "--out",
                  compress: bool = False, fmt: str = "jsonl") -> Path:
    """Write the result folder `dest` atomically; `extra(folder)` may add files (the report) first.
    `compress` and `fmt`: see `write_result_files`.

    InputError (exit 2) if `dest` is a folder that is not a previous result, or cannot be
    written (disk full, no permission...). Returns the absolute destination."""
    with collector_paused(), atomic_result_dir(dest, "run", option) as tmp:
        write_result_files(results, tmp, compress=compress, fmt=fmt)
        if extra is not None:
            extra(tmp)
    return resolve_destination(dest, option)


def export_folder_for(chosen: str | Path, now: Callable[[], datetime] = datetime.now) -> Path:
    """Where the app's Export writes when the user picks `chosen`.

    `chosen` itself when it is new, empty or a previous result; otherwise a new subfolder
    `neuromod-results-YYYYmmdd-HHMMSS` inside it (`-2`, `-3`... if that name is taken), so the
    folder's own files are never touched."""
    import os

    from simulator.errors import InputError

    path = Path(os.path.abspath(str(chosen)))
    try:
        return resolve_destination(path, "folder") if check_replaceable(path, "run", "folder") else path
    except InputError:
        if not path.is_dir():
            raise
    stem = EXPORT_SUBFOLDER_PREFIX + now().strftime("%Y%m%d-%H%M%S")
    candidate, n = path / stem, 1
    while candidate.exists():
        n += 1
        candidate = path / f"{stem}-{n}"
    return candidate
