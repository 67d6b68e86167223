"""Writing a run's files atomically.

Everything goes into a temporary folder beside the destination; only when all files are
complete is it renamed into place (replacing an older result folder). An error or an
interrupt leaves the destination as it was and removes the temporary folder.

Layout of DIR:
- `events.jsonl`: one event record a line: seq, t_s, device, kind, payload
- `summary.json`: scenario, seed, times, event counts, per-device figures
- `scenario.json`: the scenario that was run (durations in seconds)
- `series/<device>.<signal>.csv`: breakpoints `t_s,<signal>`; `series/index.json` says each
  series' unit and interpolation (linear or step)
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from simulator.errors import InputError, Issue

if TYPE_CHECKING:
    from simulator.results import Results


@contextlib.contextmanager
def atomic_dir(dest: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces `dest`, on failure it disappears."""
    dest = Path(dest)
    parent = dest.resolve().parent
    if dest.exists() and not dest.is_dir():
        raise InputError(Issue("--out", "exists and is not a folder", str(dest)))
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(Issue("--out", f"cannot create the folder's parent: {exc.strerror}", str(dest))) from None
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=parent))
    try:
        yield tmp
        old = None
        if dest.exists():
            old = parent / f".{dest.name}.old-{os.getpid()}"
            os.replace(dest, old)
        os.replace(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_results(results: "Results", dest: Path) -> Path:
    from simulator.results import dumps, json_line

    with atomic_dir(dest) as tmp:
        with open(tmp / "events.jsonl", "w", encoding="utf-8") as f:
            for record in results.events:
                f.write(json_line(record))
                f.write("\n")
        (tmp / "summary.json").write_text(dumps(results.summary, indent=2) + "\n", encoding="utf-8")
        (tmp / "scenario.json").write_text(json.dumps(results.scenario_json, indent=2) + "\n", encoding="utf-8")
        series_dir = tmp / "series"
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
    return dest
