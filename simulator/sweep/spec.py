"""The sweep spec: which scenario, which fields to vary, how many seeds, which figures to keep.

```yaml
name: Morphine refill interval x flow error
base: ../scenarios/pump_morphine_30d.yaml   # relative to this file
seed: 2026                  # root of every random draw and every scenario seed
seeds_per_point: 10         # replicates of each parameter point
seed_mode: common           # common: replicate r uses the same seed at every point; independent
until: 30d                  # optional: stop each run early
chunk_size: 50              # scenarios per Parquet chunk
set:                        # fixed changes to the base, for every scenario
  devices[pump].settings.flow_error.random_systematic: true
parameters:                 # each one is an axis; the points are every combination
  - path: timeline[0].at
    values: [20d, 25d, 30d]
  - path: devices[pump].settings.flow_error_pct
    linspace: {start: -10, stop: 10, num: 5}
  - path: devices[pump].settings.rate_ml_per_day
    name: rate_ml_per_day   # column name (default: the path)
    uniform: {low: 0.4, high: 0.8}
    count: 4                # random draws: uniform, normal or choice, with a count
outputs: [devices.pump.*]   # summary figures to keep (names or patterns); default: all scalars
profiles: []                # extra profile folders (relative to this file)
plugins: []                 # "module:function" called once in every worker before it runs:
                            # code, so refused unless the caller opts in (--allow-plugins)
```
A spec is data: reading, checking or running one without plugins never imports anything it
names. A spec with plugins is code, and runs only with `allow_plugins=True` (`--allow-plugins`).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from simulator.errors import InputError, Issue, validate_model
from simulator.profiles.base import StrictModel
from simulator.scenario.model import Duration
from simulator.yaml_io import load_yaml_file

MAX_SCENARIOS = 10_000_000
MAX_AXIS_VALUES = 100_000


class Linspace(StrictModel):
    start: float
    stop: float
    num: int = Field(ge=1, le=MAX_AXIS_VALUES)


class Uniform(StrictModel):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self


class Normal(StrictModel):
    mean: float
    sd: float = Field(ge=0)
    low: float | None = Field(None, description="clip draws below this")
    high: float | None = Field(None, description="clip draws above this")


class Parameter(StrictModel):
    path: str = Field(min_length=1, description="field path in the scenario, e.g. devices[pump].settings.rate_ml_per_day")
    name: str | None = Field(None, min_length=1, description="column name in the results (default: the path)")
    values: list[Any] | None = Field(None, min_length=1, max_length=MAX_AXIS_VALUES)
    linspace: Linspace | None = None
    uniform: Uniform | None = None
    normal: Normal | None = None
    choice: list[Any] | None = Field(None, min_length=1, max_length=MAX_AXIS_VALUES)
    count: int | None = Field(None, ge=1, le=MAX_AXIS_VALUES, description="number of random draws")

    @model_validator(mode="after")
    def _one_source(self):
        given = [k for k in ("values", "linspace", "uniform", "normal", "choice") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of values, linspace, uniform, normal, choice (got {', '.join(given) or 'none'})")
        random = given[0] in ("uniform", "normal", "choice")
        if random and self.count is None:
            raise ValueError(f"a random parameter ({given[0]}) needs count: the number of draws (1..{MAX_AXIS_VALUES})")
        if not random and self.count is not None:
            raise ValueError("count applies only to random draws (uniform, normal, choice)")
        return self

    @property
    def column(self) -> str:
        return self.name or self.path

    @property
    def random(self) -> bool:
        return self.uniform is not None or self.normal is not None or self.choice is not None


class SweepSpec(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    base: str = Field(min_length=1, description="base scenario file, relative to the spec file")
    seed: int = Field(0, ge=0, le=2**63 - 1)
    seeds_per_point: int = Field(1, ge=1, le=100_000)
    seed_mode: Literal["common", "independent"] = "common"
    until: Duration | None = None
    chunk_size: int = Field(50, ge=1, le=100_000)
    set: dict[str, Any] = Field(default_factory=dict, description="field path -> value changed in the base for every scenario")
    parameters: list[Parameter] = Field(default_factory=list, max_length=32)
    outputs: list[str] | None = Field(None, min_length=1)
    profiles: list[str] = Field(default_factory=list)
    plugins: list[str] = Field(default_factory=list)

    # set by load_sweep_spec / from_dict, not part of the file
    _file: str | None = None
    _dir: Path = Path(".")

    @model_validator(mode="after")
    def _unique_columns(self):
        seen: set[str] = set()
        for p in self.parameters:
            if p.column in seen:
                raise ValueError(f"two parameters write the column {p.column!r}; give one a different name")
            seen.add(p.column)
        return self

    @property
    def file(self) -> str | None:
        return self._file

    def resolve(self, relative: str) -> Path:
        """A path in the spec, relative to the spec's folder."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else (self._dir / p)

    def base_path(self) -> Path:
        return self.resolve(self.base)

    def profile_dirs(self) -> list[str]:
        return [str(self.resolve(p).resolve()) for p in self.profiles]

    def content_hash(self) -> str:
        """SHA-256 of what in the spec decides the results (all but `chunk_size` and `description`)."""
        return sha256_of(self.model_dump(mode="json", exclude={"chunk_size", "description"}))


def sha256_of(doc: Any) -> str:
    """SHA-256 (hex) of plain data, independent of key order."""
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def sweep_spec_from_dict(data: Any, file: str | None = None, base_dir: Path | str | None = None) -> SweepSpec:
    if not isinstance(data, dict):
        raise InputError(Issue("(top level)", f"a sweep spec must be a mapping of keys to values, not a {type(data).__name__}", data), file)
    spec = validate_model(SweepSpec, data, file=file)
    spec._file = file
    spec._dir = Path(base_dir) if base_dir is not None else (Path(file).parent if file else Path("."))
    _check_plugins(spec)
    return spec


def load_sweep_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep spec file; InputError naming the file, field, value and range."""
    data = load_yaml_file(path)
    return sweep_spec_from_dict(data, file=str(path), base_dir=Path(path).parent)


def _check_plugins(spec: SweepSpec) -> None:
    for i, ref in enumerate(spec.plugins):
        module, sep, func = ref.partition(":")
        if not sep or not module or not func:
            raise InputError(Issue(f"plugins[{i}]", "a plugin is 'module:function', e.g. 'mypkg.devices:install'", ref), spec.file)
    for i, folder in enumerate(spec.profiles):
        if not spec.resolve(folder).is_dir():
            raise InputError(Issue(f"profiles[{i}]", f"no such folder (looked for {spec.resolve(folder)})", folder), spec.file)
