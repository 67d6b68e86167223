"""Results of a run as data: events, time series and a summary.

Numpy arrays always; pandas DataFrames where pandas is installed. `write(out_dir)` produces the
files of `neuromod-sim run` atomically (see `simulator.output`).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from simulator.events import EventRecord
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


def dumps(obj: Any, **kw) -> str:
    """Strict JSON: numpy values converted, non-finite floats written as null."""
    return json.dumps(finite_or_none(obj), default=_jsonable, allow_nan=False, **kw)


def json_line(record: EventRecord) -> str:
    return dumps(record.as_dict(), separators=(",", ":"))


def profile_overrides_of(sim: "Simulation") -> dict[str, str]:
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
    scenario_name: str
    seed: int
    start_iso: str
    end_t_s: float
    events: list[EventRecord]
    series: dict[tuple[str, str], Series]
    summary: dict[str, Any]
    scenario_json: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_simulation(cls, sim: "Simulation") -> "Results":
        from simulator import __version__

        events = list(sim.recorder.events)
        counts = Counter(e.kind for e in events)
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
            json.loads(dumps(summary)),
            sim.scenario.model_dump(mode="json"),
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
        return np.array([e.t_s for e in self.events_where(device, kind)], dtype=float)

    def events_frame(self, device=None, kind=None):
        """Events as a pandas DataFrame (columns seq, t_s, device, kind, payload)."""
        import pandas as pd

        rows = [e.as_dict() for e in self.events_where(device, kind)]
        return pd.DataFrame(rows, columns=["seq", "t_s", "device", "kind", "payload"])

    # ----- series -----
    def signals(self, device: str | None = None) -> list[tuple[str, str]]:
        return sorted(k for k in self.series if device is None or k[0] == device)

    def series_arrays(self, device: str, signal: str) -> tuple[np.ndarray, np.ndarray]:
        """Breakpoints (t_s, values) of one signal: exact, not resampled."""
        s = self.series[(device, signal)]
        return s.t_s, s.values

    def resample(self, device: str, signal: str, t_s: np.ndarray) -> np.ndarray:
        return self.series[(device, signal)].at(t_s)

    def series_frame(self, device: str, step_s: float | None = None):
        """One device's signals as a DataFrame on a common time grid (breakpoints when step_s is None)."""
        import pandas as pd

        keys = self.signals(device)
        if step_s is None:
            grid = np.unique(np.concatenate([self.series[k].t_s for k in keys])) if keys else np.array([])
        else:
            grid = np.arange(0.0, self.end_t_s + step_s / 2, step_s)
        data = {"t_s": grid}
        for k in keys:
            data[k[1]] = self.series[k].at(grid)
        return pd.DataFrame(data)

    def device_summary(self, device: str) -> dict[str, Any]:
        return self.summary["devices"][device]

    def write(self, out_dir: Path | str) -> Path:
        from simulator.output import write_results

        return write_results(self, Path(out_dir))
