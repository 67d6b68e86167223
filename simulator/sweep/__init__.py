"""Sweeps: many variations of one scenario, run serially, on local processes or on a Dask cluster.

    from simulator.sweep import run_sweep
    table = run_sweep("sweeps/morphine_refill_interval.yaml", "out/sweep", executor="processes")

A spec (YAML) names a base scenario, the fields to vary (by field path) and the seeds per point;
see `simulator.sweep.spec`. Results are written per chunk as Parquet with a manifest, so an
interrupted sweep resumes where it stopped. Heavy libraries load only when a sweep runs.
"""
from __future__ import annotations

from typing import Any

__all__ = ["load_sweep_spec", "run_sweep", "read_sweep", "set_field", "get_field"]


def __getattr__(name: str) -> Any:
    if name in ("set_field", "get_field"):
        from simulator.sweep import fields

        return getattr(fields, name)
    if name == "load_sweep_spec":
        from simulator.sweep.spec import load_sweep_spec

        return load_sweep_spec
    if name in ("run_sweep", "read_sweep"):
        from simulator.sweep import runner

        return getattr(runner, name)
    raise AttributeError(name)
