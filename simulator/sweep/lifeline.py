"""Helper processes of a sweep die with the process that started them.

A `processes` sweep starts a forkserver, which forks the worker processes. Killed outright
(`kill -9`, an out-of-memory kill, a batch system ending the job), the sweep process cannot
stop them itself, and they would live on, blocked on their task queues and holding the caller's
stdout/stderr pipes open. So each of them calls `die_with_parent()` when it starts:

- a worker, on Linux: `prctl(PR_SET_PDEATHSIG, SIGKILL)` (through ctypes): the kernel kills it
  as soon as its parent, the forkserver, ends;
- the forkserver, and a worker where prctl is unavailable: a daemon thread checks the parent's
  pid every `POLL_S` seconds and ends the process when it has changed (the parent is gone). The
  forkserver does not use prctl because Linux sends that signal when the *thread* that started
  the process ends, and the sweep process may start its forkserver from a thread that ends
  before a later sweep is done with it; the forkserver's own main thread forks the workers and
  lives as long as it does, so for workers prctl is exact;
- either way, if the parent is already gone when this is called, the process ends at once.

Killing the sweep thus ends the forkserver (within `POLL_S`), which ends every worker.

The resource tracker of `multiprocessing` ends by itself once the last of these processes has
closed its end of the tracker's pipe.
"""
from __future__ import annotations

import os
import signal
import sys
import threading

#: seconds between two looks at the parent's pid (the fallback without prctl)
POLL_S = 0.5
PR_SET_PDEATHSIG = 1


def _prctl_pdeathsig() -> bool:
    """Ask Linux to send SIGKILL to this process when its parent ends; False if unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int, poll_s: float) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        threading.Event().wait(poll_s)


def die_with_parent(poll_s: float = POLL_S, kernel_signal: bool = True) -> str:
    """Make this process end when its parent ends. Never raises.

    `kernel_signal`: use prctl where available (only for a process whose parent's starting thread
    lives as long as the parent). Returns how: 'prctl' (Linux kernel signal), 'poll' (a watcher
    thread) or 'none'."""
    try:
        parent = os.getppid()
        how = "prctl" if kernel_signal and _prctl_pdeathsig() else "none"
        if os.getppid() != parent:  # the parent ended before the signal was armed
            os._exit(1)
        if how == "none":
            threading.Thread(target=_watch_parent, args=(parent, poll_s), name="neuromod-lifeline", daemon=True).start()
            how = "poll"
        return how
    except Exception:  # never break the process this is meant to guard
        return "none"


def worker_initializer() -> None:
    """The process pool's initializer: run in each worker before its first task."""
    die_with_parent()
