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
#: local worker processes allowed per core (processes, or a local Dask cluster): more only adds overhead
WORKERS_PER_CORE_MAX = 4
#: seconds to wait for a Dask scheduler to connect and answer its handshake
SCHEDULER_TIMEOUT_S = 20.0


def max_workers() -> int:
    """The most local worker processes a sweep may start on this machine."""
    return WORKERS_PER_CORE_MAX * (os.cpu_count() or 1)


def probe_scheduler(address: str, timeout_s: float = SCHEDULER_TIMEOUT_S) -> None:
    """Connect to `address` and complete the Dask handshake within `timeout_s` (s), or raise an
    InputError naming `--scheduler`: an address Dask cannot read, no answer, or a peer that is not
    a Dask scheduler (a web server, a port that accepts and stays silent: Dask's own connect would
    wait for its handshake reply for ever)."""
    import asyncio

    from distributed.comm import connect

    async def handshake() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=timeout_s), timeout_s + 1.0)
        await comm.close()

    try:
        asyncio.run(handshake())
    except TimeoutError:
        raise InputError(
            Issue("--scheduler", f"no Dask scheduler answered there within {timeout_s:g} s (something may listen there, but not a Dask scheduler)", address)
        ) from None
    except ValueError as exc:
        raise InputError(Issue("--scheduler", f"not an address of a Dask scheduler ({exc}); use e.g. tcp://HOST:8786", address)) from None
    except OSError as exc:
        raise InputError(Issue("--scheduler", f"cannot reach the Dask scheduler: {exc}", address)) from None
    except Exception as exc:  # noqa: BLE001 - whatever a peer that is not Dask makes the protocol raise
        raise InputError(
            Issue("--scheduler", f"what answers there is not a Dask scheduler ({type(exc).__name__}: {str(exc)[:200]})", address)
        ) from None


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
            probe_scheduler(scheduler)
            try:
                self.client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S:g}s")
            except (OSError, ValueError) as exc:
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
    local = scheduler is None and client is None  # only then does --workers start processes here
    if workers is not None and local and workers > max_workers():
        raise InputError(
            Issue("--workers", f"must be a whole number 1..{max_workers()} ({WORKERS_PER_CORE_MAX} a core on this machine's {os.cpu_count() or 1})", workers)
        )
    if scheduler or client is not None:
        name = "dask"
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(workers, scheduler, client)
    raise InputError(Issue("--executor", f"unknown executor; allowed: {', '.join(EXECUTORS)}", name))
