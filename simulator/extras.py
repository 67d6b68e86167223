"""Optional extras: which feature needs which extra, and how to install it.

A plain `pip install neuromod-sim` carries the simulator, the CLI and the Python API. Reports
(matplotlib), sweeps and DataFrames (pandas, pyarrow), Dask clusters (dask, distributed) and the
desktop app (PySide6, pyqtgraph) come with extras. A command that needs an extra checks for it
first (`require`) and, when it is missing, raises `MissingExtra`: the CLI prints the message
(with the pip, pipx and uv commands that install it) and exits 2, before doing any work.
`MissingExtra` is an ImportError, so Python callers can catch it as one.
"""
from __future__ import annotations

import importlib.util

# import name -> the extra of pyproject.toml that installs it
EXTRA_OF = {
    "matplotlib": "data",
    "pandas": "data",
    "pyarrow": "data",
    "dask": "data",
    "distributed": "data",
    "PySide6": "gui",
    "pyqtgraph": "gui",
}

PACKAGE = "neuromod-sim"


def install_commands(extra: str) -> list[str]:
    """The commands that add `extra` to an install made with pip, pipx or uv (one per tool)."""
    spec = f"'{PACKAGE}[{extra}]'"
    return [
        f"pip install {spec}",
        f"pipx install --force {spec}",
        f"uv pip install {spec}",
        f"uv tool install --force {spec}",
    ]


class MissingExtra(ImportError):
    """A feature needs modules of an optional extra that are not installed."""

    def __init__(self, feature: str, extra: str, missing: list[str]):
        self.feature, self.extra, self.missing = feature, extra, list(missing)
        lines = [
            f"{feature} needs the optional extra '{extra}' ({', '.join(missing)} not installed). Install it with one of:",
            *(f"  {cmd}" for cmd in install_commands(extra)),
            "(pip: into the environment that runs neuromod-sim; pipx and uv tool: the app's own environment)",
        ]
        super().__init__("\n".join(lines), name=missing[0] if missing else None)


def is_installed(module: str) -> bool:
    """True when `module` can be imported (found on the path and not blocked in sys.modules)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module blocked with None
        return False


def require(feature: str, *modules: str) -> None:
    """Raise MissingExtra naming the extra when any of `modules` is not installed.

    `feature` says what the user asked for, e.g. "`neuromod-sim report`".
    """
    missing = [m for m in modules if not is_installed(m)]
    if missing:
        raise MissingExtra(feature, EXTRA_OF.get(missing[0], "all"), missing)


def from_import_error(exc: ModuleNotFoundError, feature: str) -> MissingExtra | None:
    """The MissingExtra for an import that failed deep inside a command, or None when the
    missing module is not one an extra installs (then it is a real bug)."""
    root = (exc.name or "").split(".")[0]
    if root not in EXTRA_OF:
        return None
    return MissingExtra(feature, EXTRA_OF[root], [root])
