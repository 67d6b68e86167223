"""Where the bundled exercises live and finding one by id.

Installed, they ship as the package `neuromod_exercises` (the top-level exercises/ folder, like
scenarios/); in a source checkout the folder is read directly.
"""
from __future__ import annotations

from pathlib import Path

from simulator.bundled import bundled_dir, resolve_bundled


def bundled_exercises_dir() -> Path:
    return bundled_dir("exercises")


def bundled_exercise_paths() -> list[Path]:
    return sorted(bundled_exercises_dir().glob("*.yaml"))


def bundled_exercise_ids() -> list[str]:
    return [p.stem for p in bundled_exercise_paths()]


def resolve_exercise_path(id_or_path: str | Path) -> Path:
    """The file itself when it exists, else the bundled exercise with that id (file stem)."""
    return resolve_bundled(id_or_path, "exercises")
