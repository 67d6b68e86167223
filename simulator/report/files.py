"""Read a results folder (written by `neuromod-sim run`) back into a `Results`.

Only the files are used: events.jsonl, summary.json, scenario.json and series/*.csv with
series/index.json. Anything missing or unreadable is an InputError naming the file.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from simulator.errors import InputError, Issue


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(Issue("(file)", "missing: is this a results folder written by `neuromod-sim run`?"), str(path)) from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(Issue("(file)", f"unreadable JSON ({exc})"), str(path)) from None


def read_results(results_dir: str | Path):
    """The Results of a run, rebuilt from its folder (events, series breakpoints, summary)."""
    from simulator.events import EventRecord
    from simulator.recorder import Series
    from simulator.results import Results

    root = Path(results_dir)
    if not root.is_dir():
        raise InputError(Issue("(folder)", "not a folder: give the results folder written by `neuromod-sim run --out DIR`", str(root)))
    summary = _read_json(root / "summary.json")
    scenario = _read_json(root / "scenario.json") if (root / "scenario.json").exists() else {}
    events: list[EventRecord] = []
    events_path = root / "events.jsonl"
    try:
        with open(events_path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                    events.append(EventRecord(int(d["seq"]), float(d["t_s"]), str(d["device"]), str(d["kind"]), d.get("payload") or {}))
                except (ValueError, KeyError, TypeError) as exc:
                    raise InputError(Issue(f"line {n}", f"not an event record ({exc})", line.strip()[:80]), str(events_path)) from None
    except FileNotFoundError:
        raise InputError(Issue("(file)", "missing: is this a results folder written by `neuromod-sim run`?"), str(events_path)) from None
    series: dict[tuple[str, str], Series] = {}
    series_dir = root / "series"
    index = _read_json(series_dir / "index.json") if (series_dir / "index.json").exists() else {}
    for name, meta in sorted(index.items()):
        path = series_dir / name
        s = Series(meta["device"], meta["signal"], meta.get("unit", ""), meta.get("interp", "linear"))
        try:
            with open(path, encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                next(reader, None)
                for row in reader:
                    s._t.append(float(row[0]))
                    s._v.append(float(row[1]))
        except (OSError, ValueError, IndexError) as exc:
            raise InputError(Issue("(file)", f"unreadable series file ({exc})"), str(path)) from None
        series[(s.device, s.signal)] = s
    return Results(
        scenario_name=str(summary.get("scenario", scenario.get("name", ""))),
        seed=int(summary.get("seed", 0)),
        start_iso=str(summary.get("start", "")),
        end_t_s=float(summary.get("end_t_s", 0.0)),
        events=events,
        series=series,
        summary=summary,
        scenario_json=scenario,
    )
