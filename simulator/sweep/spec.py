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
variants:                   # optional: labelled alternatives, each crossed with the whole grid
  - label: low_dose         # the `variant` column of the results
    set: {devices[pump].settings.mode: {type: continuous, dose_mg_per_day: 2}}
  - label: flex
    set: {devices[pump].settings.mode: {type: flex, steps: [...]}}
on_invalid: refuse          # a point whose scenario is invalid: refuse (the whole sweep, before
                            # anything runs), skip (left out), record (a row with invalid_reason)
outputs: [devices.pump.*]   # summary figures to keep (names or patterns); default: all scalars
profiles: []                # extra profile folders (relative to this file)
plugins: []                 # "module:function" called once in every worker before it runs:
                            # code, so refused unless the caller opts in (--allow-plugins)
```
Parameters with the same `zip` label advance together (one axis: their i-th values go together;
they must have as many values each) instead of being crossed:
```yaml
  - {path: timeline[0].at, values: [20d, 25d, 30d], zip: refill}
  - {path: timeline[0].params.fill_ml, values: [16, 18, 20], zip: refill}   # 3 points, not 9
```
A spec is data: reading, checking or running one without plugins never imports anything it
names. A spec with plugins is code, and runs only with `allow_plugins=True` (`--allow-plugins`).
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
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
        if not math.isfinite(self.high - self.low):  # numpy cannot draw over a span past the float range
            raise ValueError(f"high - low must be a finite number (at most {sys.float_info.max:.4g}); got {self.low} .. {self.high}")
        return self


class Normal(StrictModel):
    mean: float
    sd: float = Field(ge=0)
    low: float | None = Field(None, description="clip draws below this")
    high: float | None = Field(None, description="clip draws above this")

    @model_validator(mode="after")
    def _ordered(self):
        if self.low is not None and self.high is not None and self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low}): draws are clipped to low .. high")
        return self


class Parameter(StrictModel):
    path: str = Field(min_length=1, description="field path in the scenario, e.g. devices[pump].settings.rate_ml_per_day")
    name: str | None = Field(None, min_length=1, description="column name in the results (default: the path)")
    values: list[Any] | None = Field(None, min_length=1, max_length=MAX_AXIS_VALUES)
    linspace: Linspace | None = None
    uniform: Uniform | None = None
    normal: Normal | None = None
    choice: list[Any] | None = Field(None, min_length=1, max_length=MAX_AXIS_VALUES)
    count: int | None = Field(None, ge=1, le=MAX_AXIS_VALUES, description="number of random draws")
    zip: str | None = Field(
        None, min_length=1, max_length=100, description="parameters with the same zip label advance together (one axis) instead of being crossed"
    )

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
    def size(self) -> int:
        """How many values this parameter gives (without drawing them)."""
        if self.values is not None:
            return len(self.values)
        if self.linspace is not None:
            return self.linspace.num
        return int(self.count or 0)

    @property
    def random(self) -> bool:
        return self.uniform is not None or self.normal is not None or self.choice is not None


#: the results column holding each row's variant label
VARIANT_COLUMN = "variant"
#: the results column (with on_invalid: record) holding why a point was not run (None when it ran)
INVALID_COLUMN = "invalid_reason"


class Variant(StrictModel):
    """One labelled alternative of a sweep: field changes (paths as in `set`) made on top of the
    spec's `set` and under its parameters, for every point of the grid."""

    label: str = Field(min_length=1, max_length=100, description="the variant's name, written in the `variant` column")
    description: str = ""
    set: dict[str, Any] = Field(default_factory=dict, description="field path -> value for this variant, e.g. devices[ipg].settings.program: {...}")


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
    variants: list[Variant] = Field(default_factory=list, max_length=1000, description="labelled alternatives, each crossed with the grid")
    on_invalid: Literal["refuse", "skip", "record"] = Field(
        "refuse", description="a point whose scenario is invalid: refuse the sweep, skip the point, or record a row with invalid_reason"
    )
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
        reserved = {VARIANT_COLUMN} if self.variants else set()
        reserved |= {INVALID_COLUMN} if self.on_invalid == "record" else set()
        for column in sorted(seen & reserved):
            raise ValueError(f"a parameter writes the column {column!r}, which the sweep uses itself; give it another name")
        labels: set[str] = set()
        for v in self.variants:
            if v.label in labels:
                raise ValueError(f"two variants have the label {v.label!r}; each needs its own")
            labels.add(v.label)
        sizes: dict[str, tuple[int, str]] = {}
        for p in self.parameters:
            if p.zip is None:
                continue
            if p.zip in sizes and sizes[p.zip][0] != p.size:
                first_size, first_column = sizes[p.zip]
                raise ValueError(
                    f"the parameters zipped as {p.zip!r} must give as many values each: {first_column} has {first_size}, {p.column} has {p.size}"
                )
            sizes.setdefault(p.zip, (p.size, p.column))
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
        doc = self.model_dump(mode="json", exclude={"chunk_size", "description"})
        # fields added later are left out at their defaults, so an older spec keeps its hash
        if not doc.get("variants"):
            doc.pop("variants", None)
        if doc.get("on_invalid") == "refuse":
            doc.pop("on_invalid", None)
        for p in doc.get("parameters", []):
            if p.get("zip") is None:
                p.pop("zip", None)
        return sha256_of(doc)


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
