"""Imported once by the forkserver of a process sweep, before it forks any worker.

Every worker then starts with the simulator's modules imported (numpy, SimPy, pydantic, both
device kinds, the results and sweep code) and with the default profile registry scanned and its
profiles validated, instead of paying that start-up (about half a second) once per worker and
per sweep. Nothing here depends on a sweep: it is the state any run of the package builds first.

Then everything the forkserver holds is frozen for the garbage collector (`gc.freeze`, as the
Python documentation advises before fork without exec): a worker's collections skip those
objects (modules, classes, profiles: never garbage) instead of traversing them, and, not writing
to those objects' headers, they leave the memory pages shared with the forkserver shared (no
copy of each page on the first collection). Measured (600 benchmark points on 2 workers): ~2,200 fewer
page copies and ~20-30 % less collector CPU per worker.
"""
from __future__ import annotations

import gc
import signal

import simulator.engine  # noqa: F401
import simulator.results  # noqa: F401
import simulator.sweep.columns  # noqa: F401
from simulator.device import device_class_for
from simulator.sweep import work


def _warm() -> None:
    for kind in ("pump", "scs"):
        cls = device_class_for(kind)
        cls.action_models()
    try:
        registry = work.registry_for([])
        registry.all()
    except Exception:  # a broken NEUROMOD_PROFILES folder: the worker reports it when it runs a task
        work._REGISTRIES.clear()


_warm()


def _freeze() -> None:
    """Collect the preload's garbage, then move every object left to the collector's permanent
    generation (never scanned again, in the forkserver or in the workers forked from it)."""
    gc.collect()
    gc.freeze()


_freeze()


if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # set by forkserver_guard for the preload
    signal.signal(signal.SIGINT, signal.default_int_handler)
