"""Reports of a run: PNG plots (matplotlib, Agg: no display needed) and report.md.

    neuromod-sim report DIR        # DIR written by `neuromod-sim run --out DIR`
    neuromod-sim run SCENARIO --out DIR --report

`write_report_into(results_dir)` works from the folder's files alone and writes
`DIR/report.md`, `DIR/report.html` (self-contained) and `DIR/plots/*.png` atomically (temporary names, then renamed).
"""
from __future__ import annotations

from pathlib import Path


def write_report_into(results_dir: str | Path, registry=None, window: str | None = None, devices: str | None = None) -> list[Path]:
    """Make the plots, report.md and report.html of the run in `results_dir`; returns the files written.

    `window` ('0d..7d', '36h..3d', '10d..') and `devices` ('pump,scs') narrow the report;
    InputError when they do not fit the run."""
    from simulator.report.build import write_report

    return write_report(Path(results_dir), registry=registry, window=window, devices=devices)


__all__ = ["write_report_into"]
