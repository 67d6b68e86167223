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


def _event(d: dict):
    """An EventRecord from one decoded line (or Parquet row)."""
    from simulator.events import EventRecord

    return EventRecord(int(d["seq"]), float(d["t_s"]), str(d["device"]), str(d["kind"]), d.get("payload") or {})


def _read_events(root: Path) -> list:
    """The events of a results folder: events.jsonl, events.jsonl.gz (`run --compress`) or
    events.parquet (`run --format parquet`), whichever is there."""
    for name in ("events.jsonl", "events.jsonl.gz"):
        path = root / name
        if not path.exists():
            continue
        events = []
        try:
            if name.endswith(".gz"):
                import gzip

                opener = gzip.open(path, "rt", encoding="utf-8")  # noqa: SIM115 - closed by the with below
            else:
                opener = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the with below
            with opener as f:
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        events.append(_event(json.loads(line)))
                    except (ValueError, KeyError, TypeError) as exc:
                        raise InputError(Issue(f"line {n}", f"not an event record ({exc})", line.strip()[:80]), str(path)) from None
        except (OSError, EOFError, UnicodeDecodeError) as exc:  # a damaged gzip stream included
            raise InputError(Issue("(file)", f"unreadable ({exc})"), str(path)) from None
        return events
    path = root / "events.parquet"
    if path.exists():
        from simulator.extras import require

        require(f"reading {path}", "pyarrow")
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path).to_pydict()
            return [_event({"seq": q, "t_s": t, "device": d, "kind": k, "payload": json.loads(p)})
                    for q, t, d, k, p in zip(table["seq"], table["t_s"], table["device"], table["kind"], table["payload"])]
        except Exception as exc:  # noqa: BLE001 - pyarrow raises its own kinds for a damaged file
            raise InputError(Issue("(file)", f"unreadable Parquet events ({exc})"), str(path)) from None
    raise InputError(Issue("(file)", "missing: is this a results folder written by `neuromod-sim run`?"), str(root / "events.jsonl"))


def _read_series_parquet(path: Path) -> tuple[list[float], list[float]]:
    from simulator.extras import require

    require(f"reading {path}", "pyarrow")
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises its own kinds for a damaged file
        raise ValueError(f"unreadable Parquet ({exc})") from None
    return table.column(0).to_pylist(), table.column(1).to_pylist()


def read_results(results_dir: str | Path):
    """The Results of a run, rebuilt from its folder (events, series breakpoints, summary)."""
    from simulator.recorder import Series
    from simulator.results import Results

    root = Path(results_dir)
    if not root.is_dir():
        raise InputError(Issue("(folder)", "not a folder: give the results folder written by `neuromod-sim run --out DIR`", str(root)))
    summary = _read_json(root / "summary.json")
    scenario = _read_json(root / "scenario.json") if (root / "scenario.json").exists() else {}
    events = _read_events(root)
    series: dict[tuple[str, str], Series] = {}
    series_dir = root / "series"
    index = _read_json(series_dir / "index.json") if (series_dir / "index.json").exists() else {}
    for name, meta in sorted(index.items()):
        path = series_dir / name
        s = Series(meta["device"], meta["signal"], meta.get("unit", ""), meta.get("interp", "linear"))
        try:
            if name.endswith(".parquet"):
                t_list, v_list = _read_series_parquet(path)
                s._t.extend(t_list)
                s._v.extend(v_list)
            else:
                with open(path, encoding="utf-8", newline="") as f:
                    reader = csv.reader(f)
                    next(reader, None)
                    for row in reader:
                        s._t.append(float(row[0]))
                        s._v.append(float(row[1]))
        except (OSError, ValueError, IndexError, KeyError) as exc:
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
