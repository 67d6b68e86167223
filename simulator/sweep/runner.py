"""Run a sweep: expand the spec, run the scenarios on an executor, write chunks, resume.

Chunks are `chunk_size` consecutive tasks. A chunk is written (Parquet, atomically) as soon as
all its tasks are back, then the manifest lists it. Started again on the same folder, a sweep
skips the chunks the manifest lists, so an interrupted sweep ends with the same table as an
uninterrupted one.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from collections.abc import Iterator

from simulator.errors import InputError, Issue


class SweepStopped(Exception):
    """Raised by the `stop_after_chunks` test hook: the sweep stopped as if interrupted."""


def _load_spec(spec):
    from simulator.sweep.spec import SweepSpec, load_sweep_spec, sweep_spec_from_dict

    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return sweep_spec_from_dict(spec)
    return load_sweep_spec(spec)


PLUGINS_ARE_CODE = (
    "a spec with plugins is code: each 'module:function' is imported and called in this process and in every "
    "worker (a Dask cluster's included); it runs only when you opt in with --allow-plugins "
    "(Python: run_sweep(..., allow_plugins=True)), for a spec whose code you trust"
)


def check_plugins_allowed(spec, allow_plugins: bool) -> None:
    """InputError unless the spec names no plugins or the caller opted in to running them."""
    if spec.plugins and not allow_plugins:
        raise InputError(Issue("plugins", PLUGINS_ARE_CODE, list(spec.plugins)), spec.file)


def _base_data(spec, allow_plugins: bool = False) -> tuple[dict[str, Any], Any, str]:
    """The base scenario's data, the profile registry (read afresh) and its content fingerprint."""
    from simulator.api import scenario_data
    from simulator.scenario import load_scenario
    from simulator.sweep.work import install_plugins, profiles_fingerprint, registry_for

    check_plugins_allowed(spec, allow_plugins)
    try:
        install_plugins(spec.plugins)
    except InputError as exc:
        raise exc.in_file(spec.file) from None
    try:
        registry = registry_for(spec.profile_dirs(), rescan=True)
    except InputError as exc:
        raise InputError([i.under("profiles") for i in exc.issues], spec.file) from None
    base = spec.base_path()
    if not base.is_file():
        raise InputError(Issue("base", f"base scenario file not found (looked for {base})", spec.base), spec.file)
    return scenario_data(load_scenario(base, registry)), registry, profiles_fingerprint(registry)


def resume_key(spec, base: dict, profiles_hash: str) -> dict[str, str]:
    """Everything that decides a sweep's results, as hashes: a folder resumes only under the same key.

    `spec`: the spec's content (all but chunk_size and description); `base_scenario`: the base
    scenario's data; `profiles`: the resolved profiles' content (bundled, NEUROMOD_PROFILES /
    --profiles and the spec's folders); `neuromod_sim_version`: the package's version."""
    from simulator import __version__
    from simulator.sweep.spec import sha256_of

    return {"spec": spec.content_hash(), "base_scenario": sha256_of(base), "profiles": profiles_hash, "neuromod_sim_version": __version__}


def guided_batches(items: list, workers: int, most: int | None = None) -> list[list]:
    """`items` cut into consecutive batches for `workers` parallel workers, each batch a quarter of
    a worker's share of what is left (guided self-scheduling): large batches first, so sending
    them costs little, then smaller ones down to single items, so that at the end no worker waits
    long for the last one (with equal batches, one worker may run a whole batch alone at the end).
    `most`: the largest batch allowed."""
    batches: list[list] = []
    i = 0
    while i < len(items):
        size = max(1, -(-(len(items) - i) // (workers * 4)))
        if most is not None:
            size = min(size, most)
        batches.append(items[i:i + size])
        i += size
    return batches


def _split_at_chunks(tasks: list, chunk_size: int) -> list[list]:
    """Consecutive `tasks` split where their chunk (`index // chunk_size`) changes: a batch never
    straddles a chunk."""
    parts: list[list] = []
    for t in tasks:
        if parts and parts[-1][-1].index // chunk_size == t.index // chunk_size:
            parts[-1].append(t)
        else:
            parts.append([t])
    return parts


def _check_points(datas: dict[int, dict], registry, executor, spec, profiles_hash: str) -> dict[int, list]:
    """{point: its issues} for the points whose scenario data is not valid (`scenario_from_dict`).

    Checked here, one after another, or, given an executor of several workers, by the workers in
    parallel (each point's scenario is checked once for the plan whatever the executor; the
    planning is otherwise a serial part in front of a parallel sweep)."""
    from simulator.scenario import scenario_from_dict

    problems: dict[int, list] = {}
    if executor is None or executor.workers <= 1 or len(datas) < 2:
        for point, data in datas.items():
            try:
                scenario_from_dict(data, registry)
            except InputError as exc:
                problems[point] = list(exc.issues)
        return problems
    from simulator.sweep.work import issue_from_data

    nonce = uuid.uuid4().hex[:8]
    jobs = [{"check": True, "key": f"check-{nonce}-{point}", "point": point, "scenario": data, "profiles": spec.profile_dirs(),
             "profiles_hash": profiles_hash, "plugins": list(spec.plugins)} for point, data in datas.items()]
    handles = [executor.submit(batch) for batch in guided_batches(jobs, executor.workers)]
    waiting = list(handles)
    try:
        while waiting:
            for handle in executor.wait(waiting):
                waiting.remove(handle)
                for row in executor.result(handle):
                    if row["issues"] is not None:
                        problems[row["point"]] = [issue_from_data(d) for d in row["issues"]]
    except BaseException:
        executor.cancel(waiting)
        raise
    return problems


def plan_sweep(spec, allow_plugins: bool = False, executor=None) -> dict[str, Any]:
    """Everything about a sweep except running it: spec, base data, tasks, scenarios per point.

    Each distinct point is validated here. With the spec's `on_invalid: refuse` (the default), a
    parameter value out of its allowed range is an InputError before anything runs (naming the
    spec file and the parameter); with `skip` that point's tasks are left out (the others are
    numbered on without gaps); with `record` they stay, and each gives a row with the reason in
    `invalid_reason` instead of figures (`invalid`: {point: reason}). A spec naming plugins is
    refused (InputError) unless `allow_plugins`: plugins are code. `executor` (optional, one of
    `simulator.sweep.executors`): with several workers, the points are checked by them in parallel
    (`_check_points`); the plan is the same."""
    from dataclasses import replace

    from simulator.sweep.expand import expand, point_scenario
    from simulator.sweep.spec import sha256_of

    spec = _load_spec(spec)
    base, registry, profiles_hash = _base_data(spec, allow_plugins)
    axes, tasks = expand(spec)
    datas: dict[int, dict] = {}
    values_of: dict[int, tuple] = {}
    for task in tasks:
        if task.point not in datas:
            datas[task.point] = point_scenario(spec, base, task.values)  # a path that does not exist: always refused
            values_of[task.point] = task.values
    problems = _check_points(datas, registry, executor, spec, profiles_hash)
    points: dict[int, dict] = {}
    invalid: dict[int, str] = {}
    for point, data in datas.items():
        issues = problems.get(point)
        if issues is None:
            points[point] = data
        elif spec.on_invalid == "refuse":  # the first invalid point, in task order
            values = ", ".join(f"{c}={v!r}" for c, v in values_of[point])
            where = f"parameters (point {point}: {values})" if values else "set (the base with the spec's set, no parameters)"
            raise InputError([i.under(f"{where} -> scenario") for i in issues], spec.file) from None
        else:
            invalid[point] = "; ".join(str(i) for i in issues)
    if invalid and not points:
        first = min(invalid)
        raise InputError(Issue("on_invalid", f"every point of the sweep is invalid; the first: {invalid[first]}", spec.on_invalid), spec.file)
    if invalid and spec.on_invalid == "skip":
        kept = [t for t in tasks if t.point not in invalid]
        tasks = [replace(t, index=i) for i, t in enumerate(kept)]
        invalid = {}
    key = resume_key(spec, base, profiles_hash)
    return {"spec": spec, "base": base, "axes": axes, "tasks": tasks, "points": points, "invalid": invalid, "key": key, "hash": sha256_of(key)}


def run_sweep(
    spec,
    out_dir: str | Path,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    client=None,
    chunk_size: int | None = None,
    progress: bool = True,
    fresh: bool = False,
    stop_after_chunks: int | None = None,
    allow_plugins: bool = False,
):
    """Run a sweep and return its table (a pandas DataFrame, one row per scenario, task order).

    `spec`: a spec file path, a dict, or a SweepSpec. `executor`: 'serial', 'processes' (default,
    `workers` processes, all cores when None) or 'dask' (a LocalCluster of `workers`, or the
    cluster at `scheduler`, or an existing distributed `client`). `chunk_size` overrides the
    spec's. A folder holding part of the same sweep is resumed; `fresh=True` starts over.
    The same sweep means the same resume key (`resume_key`: spec, base scenario, resolved profiles'
    content, package version) and chunk size: a folder started under another key is refused
    (InputError naming what changed) rather than mixing results. A spec naming `plugins` runs only
    with `allow_plugins=True` (plugins are code, run in every worker). `stop_after_chunks` (tests)
    stops with SweepStopped after writing that many new chunks.
    """
    from simulator.sweep.executors import make_executor

    ex = make_executor(executor, workers, scheduler, client)  # first: its workers check the points in parallel
    try:
        plan = plan_sweep(spec, allow_plugins, executor=ex)
    except BaseException:
        ex.close()
        raise
    from simulator.atomic import sigterm_as_interrupt

    try:
        with sigterm_as_interrupt():  # SIGTERM while the table is assembled: an interrupt too, with its message
            return _run_planned(plan, out_dir, ex, chunk_size, progress, fresh, stop_after_chunks)
    finally:
        ex.close()  # closing twice is harmless (_run_tasks closes it as soon as the tasks are done)


def _run_planned(plan, out_dir, ex, chunk_size, progress, fresh, stop_after_chunks):
    from simulator import __version__
    from simulator.atomic import prepare_sweep_folder
    from simulator.sweep.progress import SweepProgress
    from simulator.sweep.store import FORMAT_VERSION, MANIFEST, assemble, atomic_write_json, check_resumable, chunk_path, read_manifest

    spec = plan["spec"]
    if chunk_size is not None:
        if chunk_size < 1:
            raise InputError(Issue("--chunk-size", "must be a whole number >= 1", chunk_size))
        spec = spec.model_copy(update={"chunk_size": chunk_size})
    tasks = plan["tasks"]
    size = spec.chunk_size
    n_chunks = (len(tasks) + size - 1) // size
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(Issue("--out", "exists and is not a folder", str(out)))
    manifest = {
        "format_version": FORMAT_VERSION,
        "name": spec.name,
        "spec_file": str(spec.file) if spec.file else None,
        "spec_hash": plan["hash"],
        "resume_key": plan["key"],
        "neuromod_sim_version": __version__,
        "seed": spec.seed,
        "seed_mode": spec.seed_mode,
        "seeds_per_point": spec.seeds_per_point,
        "replicate_seeds": sorted({t.seed for t in tasks if t.point == 0}) if spec.seed_mode == "common" else None,
        "n_points": len(plan["points"]),
        **({"variants": [v.label for v in spec.variants]} if spec.variants else {}),
        **({"invalid_points": {str(k): v for k, v in sorted(plan["invalid"].items())}} if plan["invalid"] else {}),
        "n_tasks": len(tasks),
        "chunk_size": size,
        "n_chunks": n_chunks,
        "parameters": [{"path": p.path, "column": p.column, "values": ax} for p, ax in zip(spec.parameters, plan["axes"])],
        "chunks_done": [],
        "complete": False,
    }
    # --fresh replaces only an earlier result (the marker rule of simulator.atomic); never a user's folder
    prepare_sweep_folder(out, fresh)
    old = None if fresh else read_manifest(out)
    if old is not None:
        check_resumable(old, manifest, out)
        manifest["chunks_done"] = sorted(c for c in old.get("chunks_done", []) if chunk_path(out, c).exists())
        manifest["elapsed_s"] = old.get("elapsed_s", 0.0)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "spec.json", spec.model_dump(mode="json"))
    atomic_write_json(out / "base_scenario.json", plan["base"])
    atomic_write_json(out / MANIFEST, manifest)

    done_chunks = set(manifest["chunks_done"])
    todo = [t for t in tasks if t.index // size not in done_chunks]
    bar = SweepProgress(len(tasks), already=len(tasks) - len(todo)) if progress else None
    t0 = time.perf_counter()
    if todo:
        _run_tasks(plan, spec, todo, out, manifest, ex, bar, stop_after_chunks, t0)
    manifest["complete"] = True
    table = assemble(out, n_chunks, size, len(tasks))
    import io

    from simulator.sweep.store import atomic_write_bytes

    buf = io.BytesIO()
    table.to_parquet(buf, engine="pyarrow", index=False)
    atomic_write_bytes(out / "results.parquet", buf.getvalue())
    atomic_write_json(out / MANIFEST, manifest)
    return table


class _InterruptLatch:
    """Ctrl-C (or SIGTERM) during a sweep raises KeyboardInterrupt as usual, and is also remembered: Python
    ignores an exception raised inside a destructor (a Parquet writer's `__del__`, say), so an
    interrupt landing there would be lost and the sweep would run on. `check()`, called after
    every finished batch, raises it again. A library that catches the interrupt inside our code and
    raises its own error instead (pydantic's serializer around a field's function) gives, while
    armed and once Ctrl-C was pressed, KeyboardInterrupt again (the library's error as its cause),
    so the sweep ends as interrupted (exit 130), not as an internal error."""

    def __init__(self) -> None:
        self.pending = False

    def _handler(self, signum, frame) -> None:
        self.pending = True
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.pending:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def armed(self) -> Iterator[_InterruptLatch]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # signals reach only the main thread; nothing to latch here
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        previous_term = signal.getsignal(signal.SIGTERM)
        if previous_term not in (signal.SIG_IGN, None):  # SIGTERM (a batch system ending the job) ends it as Ctrl-C does
            signal.signal(signal.SIGTERM, self._handler)
        try:
            yield self
        except Exception as exc:
            if self.pending:  # the interrupt came back wrapped in a library's own error (pydantic's
                raise KeyboardInterrupt from exc  # serializer calling our code, say): it is still Ctrl-C
            raise
        finally:
            signal.signal(signal.SIGINT, previous)
            if previous_term not in (signal.SIG_IGN, None):
                signal.signal(signal.SIGTERM, previous_term)


def _job(plan, spec, task, nonce: str) -> dict[str, Any]:
    from simulator.sweep.spec import INVALID_COLUMN

    head = {"task": task.index, "point": task.point, "replicate": task.replicate, "seed": task.seed}
    head.update(task.values)
    if spec.on_invalid == "record":
        head[INVALID_COLUMN] = plan["invalid"].get(task.point)
    if task.point in plan["invalid"]:  # recorded, not run: the row is the head with its reason
        return {"key": f"{plan['hash'][:10]}-{nonce}-{task.index}", "head": head, "invalid": True}
    return {
        "key": f"{plan['hash'][:10]}-{nonce}-{task.index}",
        "scenario": plan["points"][task.point],
        "scenario_key": f"{plan['hash']}-{nonce}-{task.point}",
        "seed": task.seed,
        "until": spec.until,
        "profiles": spec.profile_dirs(),
        "profiles_hash": plan["key"]["profiles"],
        "plugins": list(spec.plugins),
        "outputs": spec.outputs,
        "spec_file": spec.file,
        "head": head,
    }


def _run_tasks(plan, spec, todo, out: Path, manifest, ex, bar, stop_after_chunks, t0) -> None:
    from simulator.sweep.store import MANIFEST, atomic_write_json, write_chunk

    size = spec.chunk_size
    nonce = uuid.uuid4().hex[:8]
    # batches never straddle a chunk; serial runs one at a time (fine-grained progress)
    if ex.name == "serial":
        batches = [[t] for t in todo]
    else:
        batches = [part for batch in guided_batches(todo, ex.workers, most=size) for part in _split_at_chunks(batch, size)]
    window = max(2, ex.workers * 3)
    pending_rows: dict[int, dict[int, dict]] = {}
    expected: dict[int, int] = {}
    for t in todo:
        expected[t.index // size] = expected.get(t.index // size, 0) + 1
    queue = list(reversed(batches))
    in_flight: dict[Any, list] = {}
    written = 0
    base_elapsed = manifest.get("elapsed_s", 0.0)
    latch = _InterruptLatch()
    try:
        with latch.armed():
            while queue or in_flight:
                latch.check()
                while queue and len(in_flight) < window:
                    group = queue.pop()
                    in_flight[ex.submit([_job(plan, spec, task, nonce) for task in group])] = group
                for handle in ex.wait(list(in_flight)):
                    group = in_flight.pop(handle)
                    rows = ex.result(handle)
                    chunk = group[0].index // size
                    pending_rows.setdefault(chunk, {}).update({t.index: row for t, row in zip(group, rows)})
                    if bar:
                        bar.update(len(group))
                    if len(pending_rows[chunk]) == expected[chunk]:
                        rows = [r for _, r in sorted(pending_rows.pop(chunk).items())]
                        write_chunk(out, chunk, rows)
                        manifest["chunks_done"] = sorted(set(manifest["chunks_done"]) | {chunk})
                        manifest["elapsed_s"] = base_elapsed + time.perf_counter() - t0
                        atomic_write_json(out / MANIFEST, manifest)
                        written += 1
                        if stop_after_chunks is not None and written >= stop_after_chunks:
                            raise SweepStopped(f"stopped after {written} chunks (test hook)")
    except BaseException:
        ex.cancel(list(in_flight))
        raise
    finally:
        ex.close()


def read_sweep(out_dir: str | Path):
    """The table of a finished sweep folder (results.parquet) as a DataFrame."""
    import pandas as pd

    path = Path(out_dir) / "results.parquet"
    if not path.exists():
        raise InputError(Issue("(folder)", "no results.parquet: the sweep has not finished (run it again to resume)", str(out_dir)))
    return pd.read_parquet(path, engine="pyarrow")
