"""Pausing Python's cyclic garbage collector around the bulk phases of a run.

Loading a long scenario, running it, making its results and writing them each create hundreds of
thousands of objects that are almost never in reference cycles (reference counting frees them).
Every 700 allocations the collector scans the young objects, and now and then the whole heap,
which by then holds every event record and breakpoint of the run: a full pass in a process that
has loaded and run ten years costs 50-160 ms and frees nothing. These phases therefore run with
the collector paused; it resumes, with its thresholds unchanged, when the phase returns or
raises. No result depends on it.
"""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the `with` block; a collector already paused by
    the caller stays paused after it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
