"""A sweep's folder: Parquet chunks, a manifest, and the final table.

Layout of OUT:
- `manifest.json`: spec hash, spec file, seeds, package version, chunk size, chunks done;
- `chunks/chunk-00000.parquet` ...: the rows of each finished chunk (task order within it);
- `results.parquet`: every row in task order, written when the last chunk is done;
- `spec.json`: the spec as it was read, and `base_scenario.json`: the base scenario's data.
Each file is written under a temporary name and renamed, so an interrupt leaves only whole
files; a chunk counts as done only once the manifest lists it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulator.errors import InputError, Issue

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file of the sweep atomically (see `simulator.atomic.write_bytes_atomic`)."""
    from simulator.atomic import write_bytes_atomic

    write_bytes_atomic(path, data, option="--out", make_parent=True)


def atomic_write_json(path: Path, doc: Any) -> None:
    from simulator.results import dumps

    atomic_write_bytes(path, (dumps(doc, indent=2) + "\n").encode())


def chunk_path(out: Path, chunk: int) -> Path:
    return out / "chunks" / f"chunk-{chunk:05d}.parquet"


def frame_from_rows(rows: list[dict[str, Any]]):
    """Rows as a DataFrame whose columns Parquet can store (mixed columns become text)."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    for col in frame.columns:
        if frame[col].dtype == object:
            kinds = {type(v) for v in frame[col] if v is not None}
            if len(kinds) > 1 and not kinds <= {int, float}:
                frame[col] = frame[col].map(lambda v: None if v is None else str(v))
            elif kinds <= {int, float} and kinds:
                frame[col] = frame[col].astype(float)
    return frame


def write_chunk(out: Path, chunk: int, rows: list[dict[str, Any]]) -> None:
    import io

    buf = io.BytesIO()
    frame_from_rows(rows).to_parquet(buf, engine="pyarrow", index=False)
    atomic_write_bytes(chunk_path(out, chunk), buf.getvalue())


def read_manifest(out: Path) -> dict[str, Any] | None:
    path = Path(out) / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(Issue("manifest.json", f"unreadable sweep manifest ({exc}); use a new --out folder", str(path))) from None


def check_resumable(manifest: dict[str, Any], new: dict[str, Any], out: Path) -> None:
    """A folder may be resumed only by the same sweep (same spec hash and chunk size)."""
    for key in ("spec_hash", "chunk_size", "n_tasks"):
        if manifest.get(key) != new.get(key):
            raise InputError(
                Issue("--out", f"the folder holds a different sweep ({key} {manifest.get(key)!r} there, {new.get(key)!r} now); use a new --out folder or --fresh", str(out))
            )


def assemble(out: Path, n_chunks: int, event_count_columns_zero: bool = True):
    """The final table: every chunk in order, one row per scenario, sorted by task."""
    import pandas as pd

    frames = [pd.read_parquet(chunk_path(out, c), engine="pyarrow") for c in range(n_chunks)]
    frame = pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame()
    if len(frame):
        frame = frame.sort_values("task", kind="stable").reset_index(drop=True)
    if event_count_columns_zero:
        for col in frame.columns:
            if col.startswith("event_counts."):
                frame[col] = frame[col].fillna(0).astype("int64")
    return frame
