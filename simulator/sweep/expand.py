"""From a spec to the list of scenarios to run.

Each parameter gives an axis of values (a grid, or `count` seeded random draws); parameters with
the same `zip` label share one axis (their i-th values go together). The points are every
combination of the axes, first axis slowest, and with `variants` every combination for each
variant in turn (the variant slowest of all). Each point runs `seeds_per_point` times. Every random
number comes from one `numpy.random.SeedSequence(spec.seed)`, addressed by position (spawn keys),
so a value never depends on which worker ran what, nor on the order tasks finish:
- draws of parameter k: spawn key (0, k);
- scenario seed of replicate r (seed_mode common: the same at every point), spawn key (1, r);
  with seed_mode independent, task i gets spawn key (2, i).
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.errors import InputError, Issue
from simulator.sweep.fields import _step, parse_path, set_field
from simulator.sweep.spec import MAX_SCENARIOS, VARIANT_COLUMN, Parameter, SweepSpec

SEED_MAX = 2**63 - 1


def _seed_from(ss: np.random.SeedSequence) -> int:
    hi, lo = ss.generate_state(2, dtype=np.uint32)
    return int((int(hi) << 32 | int(lo)) & SEED_MAX)


def axis_values(spec: SweepSpec, k: int) -> list[Any]:
    """The values of parameter k: plain Python numbers or the spec's own values."""
    p: Parameter = spec.parameters[k]
    if p.values is not None:
        return list(p.values)
    if p.linspace is not None:
        return [float(x) for x in np.linspace(p.linspace.start, p.linspace.stop, p.linspace.num)]
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(0, k)))
    if p.uniform is not None:
        return [float(x) for x in rng.uniform(p.uniform.low, p.uniform.high, p.count)]
    if p.normal is not None:
        draws = rng.normal(p.normal.mean, p.normal.sd, p.count)
        if p.normal.low is not None or p.normal.high is not None:
            draws = np.clip(draws, p.normal.low, p.normal.high)
        return [float(x) for x in draws]
    choice = p.choice
    assert choice is not None  # a Parameter has exactly one of values, linspace, uniform, normal, choice
    picks = rng.integers(0, len(choice), p.count)
    return [choice[int(i)] for i in picks]


@dataclass(frozen=True)
class Task:
    """One scenario of the sweep. `values` maps each parameter's column to its value."""

    index: int
    point: int
    replicate: int
    seed: int
    values: tuple[tuple[str, Any], ...]


def axis_groups(spec: SweepSpec) -> list[list[int]]:
    """The axes as lists of parameter indices: one per unzipped parameter, one per zip label
    (at the place of its first parameter)."""
    groups: list[list[int]] = []
    by_label: dict[str, list[int]] = {}
    for k, p in enumerate(spec.parameters):
        if p.zip is None:
            groups.append([k])
        elif p.zip in by_label:
            by_label[p.zip].append(k)
        else:
            by_label[p.zip] = [k]
            groups.append(by_label[p.zip])
    return groups


def count_tasks(spec: SweepSpec) -> int:
    n = spec.seeds_per_point * max(1, len(spec.variants))
    for group in axis_groups(spec):
        n *= spec.parameters[group[0]].size
    return n


def expand(spec: SweepSpec) -> tuple[list[list[Any]], list[Task]]:
    """The axes (values per parameter) and the tasks, in a fixed order."""
    total = count_tasks(spec)
    if total > MAX_SCENARIOS:
        raise InputError(Issue("parameters", f"the sweep has {total} scenarios; at most {MAX_SCENARIOS} are allowed", total), spec.file)
    axes = [axis_values(spec, k) for k in range(len(spec.parameters))]
    columns = [p.column for p in spec.parameters]
    groups = axis_groups(spec)
    group_of = {k: g for g, members in enumerate(groups) for k in members}
    replicate_seeds = [_seed_from(np.random.SeedSequence(spec.seed, spawn_key=(1, r))) for r in range(spec.seeds_per_point)]
    labels: list[str | None] = [v.label for v in spec.variants] or [None]
    tasks: list[Task] = []
    point = 0
    for label in labels:
        head = ((VARIANT_COLUMN, label),) if label is not None else ()
        for combo in itertools.product(*(range(len(axes[g[0]])) for g in groups)):
            values = head + tuple((columns[k], axes[k][combo[group_of[k]]]) for k in range(len(columns)))
            for r in range(spec.seeds_per_point):
                i = len(tasks)
                if spec.seed_mode == "common":
                    seed = replicate_seeds[r]
                else:
                    seed = _seed_from(np.random.SeedSequence(spec.seed, spawn_key=(2, i)))
                tasks.append(Task(i, point, r, seed, values))
            point += 1
    return axes, tasks


_ATOMS = frozenset({str, int, float, bool, type(None)})


def plain_copy(value: Any) -> Any:
    """A deep copy of plain data (dicts, lists, strings, numbers, booleans, None) made by a direct
    walk, several times faster than `copy.deepcopy` (no memo, no dispatch); anything else in it
    goes through `copy.deepcopy`. Shared sub-objects become separate copies (scenario data from a
    file or a spec has none that matter: each point gets a tree of its own)."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is dict:
        return {k: v if type(v) in _ATOMS else plain_copy(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _ATOMS else plain_copy(v) for v in value]
    return copy.deepcopy(value)


def _own(value: Any) -> Any:
    """A shallow copy of the mapping or list `value` (same type, same items)."""
    kind = type(value)
    if kind is dict:
        return dict(value)
    if kind is list:
        return list(value)
    return copy.copy(value)


def own_along(data: dict, path: str, owned: set[int]) -> None:
    """Make every mapping and list that `set_field(data, path, ...)` steps through (all but the
    field it sets) a container of `data`'s own: each one not yet in `owned` (ids of the containers
    this point already owns) is replaced in its parent by a shallow copy, which joins `owned`.
    Everything off the path stays shared with the base scenario (copy-on-write: a point costs a
    few small copies, not a copy of the whole scenario). Steps as `set_field` does (`_step`) and
    stops where the path does not go on (a missing or scalar field, a bad index): `set_field`
    then creates the field or reports the problem, on containers that are already the point's."""
    try:
        parts = parse_path(path)
    except InputError:
        return
    current: Any = data
    done = ""
    for part in parts[:-1]:
        try:
            key, nxt = _step(current, part, path, done)
        except InputError:
            return
        if not isinstance(nxt, (dict, list)):
            return
        if id(nxt) not in owned:
            nxt = _own(nxt)
            current[key] = nxt
            owned.add(id(nxt))
        current = nxt
        done = "-"  # only its emptiness matters to `_step` (messages of errors ignored here)


def _set(data: dict, owned: set[int], path: str, value: Any) -> None:
    """`set_field` on a copy-on-write point: the containers on `path` made the point's own first."""
    own_along(data, path, owned)
    set_field(data, path, value)


def point_scenario(spec: SweepSpec, base: dict, values: tuple[tuple[str, Any], ...]) -> dict:
    """The base scenario data with a point's values set (a new dict, equal to setting the values in
    `plain_copy(base)`). Copy-on-write: only the mappings and lists on the paths set are the
    point's own copies; every other part is the base's own object, shared with the base and with
    the other points. Nothing may change a point's data in place (nothing does: validation reads
    it, pickling copies it; a caller that wants to change it takes `plain_copy` of it)."""
    data = _own(base)
    owned = {id(data)}
    for path, value in spec.set.items():
        try:
            _set(data, owned, path, value)
        except InputError as exc:
            raise InputError([Issue(f"set.{path}", i.message, i.value) for i in exc.issues], spec.file) from None
    by_column = dict(values)
    if spec.variants:
        label = by_column[VARIANT_COLUMN]
        i, variant = next((i, v) for i, v in enumerate(spec.variants) if v.label == label)
        for path, value in variant.set.items():
            try:
                _set(data, owned, path, value)
            except InputError as exc:
                raise InputError([Issue(f"variants[{i}].set.{path}", m.message, m.value) for m in exc.issues], spec.file) from None
    for k, p in enumerate(spec.parameters):
        try:
            _set(data, owned, p.path, by_column[p.column])
        except InputError as exc:
            raise InputError([i.under(f"parameters[{k}]") for i in exc.issues], spec.file) from None
    return data
