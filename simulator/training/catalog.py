"""Where the bundled exercises live and finding one by id.

Installed, they ship as the package `neuromod_exercises` (the top-level exercises/ folder, like
scenarios/); in a source checkout the folder is read directly.
"""
from __future__ import annotations

from pathlib import Path


def bundled_exercises_dir() -> Path:
    try:
        import neuromod_exercises

        return Path(neuromod_exercises.__file__).parent
    except ImportError:
        return Path(__file__).resolve().parents[2] / "exercises"


def bundled_exercise_paths() -> list[Path]:
    return sorted(bundled_exercises_dir().glob("*.yaml"))


def bundled_exercise_ids() -> list[str]:
    return [p.stem for p in bundled_exercise_paths()]


def resolve_exercise_path(id_or_path: str | Path) -> Path:
    """The file itself when it exists, else the bundled exercise with that id (file stem)."""
    path = Path(id_or_path)
    if path.exists():
        return path
    stem = path.name[:-5] if path.name.endswith(".yaml") else path.name
    candidate = bundled_exercises_dir() / f"{stem}.yaml"
    if path.parent == Path(".") and candidate.exists():
        return candidate
    return path
