"""Where a sweep's scenarios run: here (serial), on local processes, or on a Dask cluster.

All three give the same small interface: `submit(jobs) -> handle` (a batch of jobs),
`wait(handles) -> done handles`, `result(handle) -> rows`, `close()`. Jobs are plain data and the
work function is `simulator.sweep.work.run_batch`, importable anywhere the package is installed.
Batching several short scenarios per submission keeps the per-task overhead of process pools and
Dask (milliseconds) from dominating scenarios that take a few milliseconds themselves.
"""
from __future__ import annotations

import os
from typing import Any

from simulator.errors import InputError, Issue

EXECUTORS = ("serial", "processes", "dask")


class _Deferred:
    __slots__ = ("job", "value", "done")

    def __init__(self, job):
        self.job, self.value, self.done = job, None, False


class SerialExecutor:
    """Runs each job in this process, one at a time, when it is waited for."""

    name = "serial"

    def __init__(self) -> None:
        self.workers = 1

    def submit(self, jobs: list[dict[str, Any]]):
        return _Deferred(jobs)

    def wait(self, handles: list) -> list:
        from simulator.sweep.work import run_batch

        handle = handles[0]
        if not handle.done:
            handle.value = run_batch(handle.job)
            handle.done = True
        return [handle]

    def result(self, handle) -> dict[str, Any]:
        return handle.value

    def cancel(self, handles: list) -> None:
        pass

    def close(self) -> None:
        pass


class ProcessExecutor:
    """A pool of local worker processes (forkserver where available, else spawn: never a bare fork,
    so no parent state leaks into workers).

    The forkserver preloads `simulator.sweep.preload` (the package imported, the default profiles
    validated), so each worker forks ready to run instead of importing and validating per worker;
    the forkserver lives as long as this process, so a second sweep starts its workers at once.

    The forkserver and every worker end when their parent ends, even killed with SIGKILL
    (`simulator.sweep.lifeline`): nothing outlives a killed sweep."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers or os.cpu_count() or 1
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            context.set_forkserver_preload(["simulator.sweep.forkserver_guard", "simulator.sweep.preload"])
        from simulator.sweep.lifeline import worker_initializer

        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=worker_initializer)

    def submit(self, jobs):
        from simulator.sweep.work import run_batch

        return self.pool.submit(run_batch, jobs)

    def wait(self, handles):
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(handles, return_when=FIRST_COMPLETED)
        return list(done)

    def result(self, handle):
        return handle.result()

    def cancel(self, handles) -> None:
        for h in handles:
            h.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """A Dask distributed client: to `scheduler` (an address such as tcp://host:8786), to a given
    `client`, or to a LocalCluster of `workers` processes started here (closed afterwards)."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None, client=None, processes: bool = True) -> None:
        from distributed import Client, LocalCluster

        self._own_cluster = None
        self._own_client = client is None
        if client is not None:
            self.client = client
        elif scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except OSError as exc:
                raise InputError(Issue("--scheduler", f"cannot reach the Dask scheduler: {exc}", scheduler)) from None
        else:
            n = workers or os.cpu_count() or 1
            self._own_cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=None)
            self.client = Client(self._own_cluster)
        self.workers = max(1, sum(w.get("nthreads", 1) for w in self.client.scheduler_info().get("workers", {}).values()))

    def submit(self, jobs):
        from simulator.sweep.work import run_batch

        return self.client.submit(run_batch, jobs, key=f"neuromod-sweep-{jobs[0]['key']}", pure=False)

    def wait(self, handles):
        from distributed import wait

        done, _ = wait(handles, return_when="FIRST_COMPLETED")
        return list(done)

    def result(self, handle):
        return handle.result()

    def cancel(self, handles) -> None:
        if handles:
            self.client.cancel(list(handles))

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._own_cluster is not None:
            self._own_cluster.close()


def make_executor(name: str, workers: int | None = None, scheduler: str | None = None, client=None):
    """The executor called `name` ('serial', 'processes' or 'dask'); a scheduler or client implies dask."""
    if workers is not None and workers < 1:
        raise InputError(Issue("--workers", "must be a whole number >= 1", workers))
    if scheduler or client is not None:
        name = "dask"
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(workers, scheduler, client)
    raise InputError(Issue("--executor", f"unknown executor; allowed: {', '.join(EXECUTORS)}", name))
