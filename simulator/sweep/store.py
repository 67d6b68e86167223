"""A sweep's folder: Parquet chunks, a manifest, and the final table.

Layout of OUT:
- `manifest.json`: resume key (hashes of the spec, the base scenario and the resolved profiles'
  content, and the package version), spec file, seeds, chunk size, chunks done;
- `chunks/chunk-00000.parquet` ...: the rows of each finished chunk (task order within it);
- `results.parquet`: every row in task order, written when the last chunk is done;
- `spec.json`: the spec as it was read, and `base_scenario.json`: the base scenario's data.
Each file is written under a temporary name and renamed, so an interrupt leaves only whole
files; a chunk counts as done only once the manifest lists it.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from simulator.errors import InputError, Issue

MANIFEST = "manifest.json"
#: 2: the manifest holds `resume_key` (spec, base scenario, profiles' content, package version)
FORMAT_VERSION = 2


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

    def missing(v) -> bool:  # None, or the NaN of a figure a row lacks (a row recorded as invalid)
        return v is None or (isinstance(v, float) and math.isnan(v))

    for col in frame.columns:
        if frame[col].dtype == object:
            kinds = {type(v) for v in frame[col] if not missing(v)}
            if len(kinds) > 1 and not kinds <= {int, float}:
                frame[col] = frame[col].map(lambda v: None if missing(v) else str(v))
            elif kinds <= {int, float} and kinds:
                frame[col] = frame[col].astype(float)
    return frame


def write_chunk(out: Path, chunk: int, rows: list[dict[str, Any]]) -> None:
    import io

    buf = io.BytesIO()
    frame_from_rows(rows).to_parquet(buf, engine="pyarrow", index=False)
    atomic_write_bytes(chunk_path(out, chunk), buf.getvalue())


_RESUME_KEY_PARTS = {
    "neuromod_sim_version": "the package version",
    "spec": "the spec",
    "base_scenario": "the base scenario",
    "profiles": "the profiles' content (a profile file edited, added or removed, or other profile folders)",
}


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of a sweep folder (None if there is none), checked: InputError naming the file
    and the field if it is not valid JSON or a field is missing or of the wrong kind."""
    path = Path(out) / MANIFEST
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(Issue("(top level)", f"unreadable sweep manifest ({exc}); use a new --out folder", file=str(path))) from None
    check_manifest(doc, str(path))
    return doc


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_manifest(doc: Any, file: str) -> None:
    """InputError (exit 2) naming `file`, each wrong field, its value and what is allowed."""
    hint = "; this folder cannot be resumed: use a new --out folder (or --fresh)"
    if not isinstance(doc, dict):
        raise InputError(Issue("(top level)", f"a sweep manifest is a JSON object, not a {type(doc).__name__}{hint}", file=file))
    issues: list[Issue] = []

    def need(key: str, ok, allowed: str) -> bool:
        if key not in doc:
            issues.append(Issue(key, f"required field is missing{hint}", file=file))
            return False
        if not ok(doc[key]):
            issues.append(Issue(key, f"must be {allowed}{hint}", doc[key], file))
            return False
        return True

    if need("format_version", _is_int, "a whole number") and doc["format_version"] != FORMAT_VERSION:
        issues.append(Issue("format_version", f"written by another manifest format; this version reads {FORMAT_VERSION}{hint}", doc["format_version"], file))
        raise InputError(issues)
    need("spec_hash", lambda v: isinstance(v, str), "a text (SHA-256 hex)")
    if need("resume_key", lambda v: isinstance(v, dict), "an object"):
        for part in _RESUME_KEY_PARTS:
            if part not in doc["resume_key"]:
                issues.append(Issue(f"resume_key.{part}", f"required field is missing{hint}", file=file))
            elif not isinstance(doc["resume_key"][part], str):
                issues.append(Issue(f"resume_key.{part}", f"must be a text{hint}", doc["resume_key"][part], file))
    need("chunk_size", lambda v: _is_int(v) and v >= 1, "a whole number >= 1")
    need("n_tasks", lambda v: _is_int(v) and v >= 0, "a whole number >= 0")
    need("complete", lambda v: isinstance(v, bool), "true or false")
    if need("n_chunks", lambda v: _is_int(v) and v >= 0, "a whole number >= 0"):
        top = doc["n_chunks"] - 1
        need("chunks_done", lambda v: isinstance(v, list) and all(_is_int(c) and 0 <= c <= top for c in v), f"a list of chunk numbers 0..{top}")
    if "elapsed_s" in doc:
        need("elapsed_s", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < float("inf"), "a number of seconds >= 0")
    if issues:
        raise InputError(issues)


def _short(value: Any, part: str) -> Any:
    return value if part == "neuromod_sim_version" or not isinstance(value, str) else value[:12]


def check_resumable(manifest: dict[str, Any], new: dict[str, Any], out: Path) -> None:
    """A folder may be resumed only by the same sweep: same resume key (package version, spec,
    base scenario, resolved profiles' content), chunk size and number of scenarios. Otherwise an
    InputError says what changed: the finished chunks are never mixed with results of another sweep."""
    old_key, new_key = manifest.get("resume_key", {}), new["resume_key"]
    changed = [part for part in _RESUME_KEY_PARTS if old_key.get(part) != new_key.get(part)]
    if changed:
        what = "; ".join(f"{_RESUME_KEY_PARTS[p]} ({p} {_short(old_key.get(p), p)!r} there, {_short(new_key.get(p), p)!r} now)" for p in changed)
        raise InputError(
            Issue(
                "--out",
                f"the folder holds a different sweep (started with other inputs), so its finished chunks would be mixed with other "
                f"results; changed since: {what}. Use a new --out folder, or --fresh to start this folder over",
                str(out),
            )
        )
    for key in ("chunk_size", "n_tasks", "n_chunks"):
        if manifest.get(key) != new.get(key):
            raise InputError(
                Issue("--out", f"the folder holds a different sweep ({key} {manifest.get(key)!r} there, {new.get(key)!r} now); use a new --out folder or --fresh", str(out))
            )


def assemble(out: Path, n_chunks: int, chunk_size: int | None = None, n_tasks: int | None = None, event_count_columns_zero: bool = True):
    """The final table: every chunk in order, one row per scenario, sorted by task.

    With `chunk_size` and `n_tasks`, each chunk must hold exactly the tasks of its range
    (chunk c: tasks c*chunk_size ..): an unreadable or altered chunk file is an InputError naming it."""
    import pandas as pd

    frames = []
    for c in range(n_chunks):
        path = chunk_path(out, c)
        try:
            frame = pd.read_parquet(path, engine="pyarrow")
        except Exception as exc:  # pyarrow raises its own kinds for a damaged file
            raise InputError(Issue("(file)", f"unreadable sweep chunk ({type(exc).__name__}: {exc}); use a new --out folder (or --fresh)", file=str(path))) from None
        if chunk_size is not None and n_tasks is not None:
            want = list(range(c * chunk_size, min((c + 1) * chunk_size, n_tasks)))
            got = list(frame["task"]) if "task" in frame.columns else None
            if got != want:
                raise InputError(Issue("task", f"the chunk does not hold tasks {want[0]}..{want[-1]} in order; use a new --out folder (or --fresh)", file=str(path)))
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame()
    if len(frame):
        frame = frame.sort_values("task", kind="stable").reset_index(drop=True)
    if event_count_columns_zero:
        for col in frame.columns:
            if col.startswith("event_counts."):
                frame[col] = frame[col].fillna(0).astype("int64")
    return frame
