"""Writing a run's result folder (atomically, by the marker rule of `simulator.atomic`).

Everything goes into a temporary folder beside the destination; only when all files are
complete does it take the destination's place (see `simulator.atomic.atomic_result_dir`). An
error or an interrupt leaves the destination as it was and removes the temporary folder.

Layout of DIR:
- `neuromod-sim-result.json`: the marker: says neuromod-sim wrote the folder (`written_by`,
  `kind: run`, `state: complete`, `version`). A later `run --out DIR` (or the app's Export)
  replaces DIR only if it is empty or carries this marker and nothing but the files below;
  any other folder is refused (exit 2), so a folder of the user's is never deleted.
- `events.jsonl`: one event record a line: seq, t_s, device, kind, payload
- `summary.json`: scenario, seed, times, event counts, per-device figures
- `scenario.json`: the scenario that was run (durations in seconds)
- `series/<device>.<signal>.csv`: breakpoints `t_s,<signal>`; `series/index.json` says each
  series' unit and interpolation (linear or step)
- with `--report`: `report.md` and `plots/*.png` (see `simulator.report`)
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from simulator.atomic import atomic_result_dir, check_replaceable, resolve_destination

if TYPE_CHECKING:
    from simulator.results import Results

EXPORT_SUBFOLDER_PREFIX = "neuromod-results-"


def write_result_files(results: "Results", folder: Path) -> None:
    """Write the run's files (not the marker) into the existing, empty-of-them `folder`."""
    from simulator.results import dumps, json_line

    folder = Path(folder)
    with open(folder / "events.jsonl", "w", encoding="utf-8") as f:
        for record in results.events:
            f.write(json_line(record))
            f.write("\n")
    (folder / "summary.json").write_text(dumps(results.summary, indent=2) + "\n", encoding="utf-8")
    (folder / "scenario.json").write_text(json.dumps(results.scenario_json, indent=2) + "\n", encoding="utf-8")
    series_dir = folder / "series"
    series_dir.mkdir()
    index = {}
    for (device, signal), series in sorted(results.series.items()):
        name = f"{device}.{signal}.csv"
        index[name] = {"device": device, "signal": signal, "unit": series.unit, "interp": series.interp, "points": len(series)}
        with open(series_dir / name, "w", encoding="utf-8") as f:
            f.write(f"t_s,{signal}\n")
            for t, v in zip(series._t, series._v):
                f.write(f"{t!r},{v!r}\n")
    (series_dir / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")


def write_results(results: "Results", dest: Path, extra: Callable[[Path], None] | None = None, option: str = "--out") -> Path:
    """Write the result folder `dest` atomically; `extra(folder)` may add files (the report) first.

    InputError (exit 2) if `dest` is a folder that is not a previous result, or cannot be
    written (disk full, no permission...). Returns the absolute destination."""
    with atomic_result_dir(dest, "run", option) as tmp:
        write_result_files(results, tmp)
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
