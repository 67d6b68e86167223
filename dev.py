#!/usr/bin/env python3
"""Set up neuromod-sim in a local virtual environment and run it. Needs only Python 3.11+.

    python3 dev.py app      # set up, then open the desktop app on the bundled default scenario
                            # (no display: says so and runs the headless demo instead)
    python3 dev.py test     # set up, then run the whole test suite (GUI tests offscreen)
    python3 dev.py demo     # set up, then run the headless demo only
    python3 dev.py setup    # only create .venv and install the project with all extras

The environment lives in .venv beside this file; the project is installed editable with the
extras gui, data and test from pyproject.toml, and reinstalled only when pyproject.toml or
uv.lock change.

Where `uv` is on PATH (and NEUROMOD_NO_UV is not set), the environment is made with
`uv sync --locked --extra gui --extra data --extra test`: the exact versions of uv.lock, the same
on every machine. Without uv (CI, a bare Python), a plain venv and pip install the project with
its extras as before (versions within pyproject.toml's ranges).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("NEUROMOD_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".neuromod-installed"


def say(msg: str) -> None:
    print(f"[dev.py] {msg}", flush=True)


def install_fingerprint() -> str:
    h = hashlib.sha256()
    for name in ("pyproject.toml", "uv.lock"):
        if (ROOT / name).exists():
            h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def uv_command() -> str | None:
    """The uv executable to use, or None (not on PATH, no uv.lock, or NEUROMOD_NO_UV set)."""
    if os.environ.get("NEUROMOD_NO_UV") or not (ROOT / "uv.lock").exists():
        return None
    return shutil.which("uv")


def setup_with_uv(uv: str) -> bool:
    """Install the locked versions into VENV with uv; False (after saying why) if it fails."""
    say("installing neuromod-sim with extras gui, data, test at the versions of uv.lock (uv sync)")
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(VENV))
    done = subprocess.run([uv, "sync", "--locked", "--extra", "gui", "--extra", "data", "--extra", "test"], cwd=ROOT, env=env)
    if done.returncode != 0:
        say("uv sync failed (if pyproject.toml changed, run `uv lock` to update uv.lock); falling back to pip")
        return False
    return True


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py itself may run on an older Python: say so
        sys.exit(f"neuromod-sim needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if STAMP.exists() and PY.exists() and STAMP.read_text() == install_fingerprint():
        return
    uv = uv_command()
    if uv is not None and setup_with_uv(uv):
        STAMP.write_text(install_fingerprint())
        return
    if not PY.exists():
        say(f"creating virtual environment {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    elif subprocess.run([str(PY), "-m", "pip", "--version"], capture_output=True).returncode != 0:
        subprocess.run([str(PY), "-m", "ensurepip", "--upgrade"], check=True)  # a venv made by uv has no pip
    say("installing neuromod-sim with extras gui, data, test (first time takes a few minutes)")
    pip = [str(PY), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(pip + ["install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run(pip + ["install", "-q", "-e", f"{ROOT}[gui,data,test]"], check=True, cwd=ROOT)
    STAMP.write_text(install_fingerprint())


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def qt_usable() -> str | None:
    """None when Qt can be loaded here, else the reason."""
    probe = subprocess.run([str(PY), "-c", "from PySide6 import QtWidgets, QtGui"], capture_output=True, text=True)
    if probe.returncode == 0:
        return None
    return (probe.stderr.strip().splitlines() or ["unknown error"])[-1]


def run_cli(*args: str) -> int:
    return subprocess.call([str(PY), "-m", "simulator", *args], cwd=ROOT)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "app"
    setup()
    if command == "setup":
        return 0
    if command == "test":
        # static checks first (ruff, rule set in pyproject.toml, a second or so; mypy, a few seconds
        # with its cache in .mypy_cache), then the suite
        say("ruff check (rules in pyproject.toml)")
        if subprocess.call([str(PY), "-m", "ruff", "check", "--quiet", "simulator", "gui", "tests", "benchmarks", "examples", "dev.py"], cwd=ROOT) != 0:
            say("ruff found problems (above); fix them, or run `.venv/bin/python -m ruff check --fix`")
            return 1
        say("mypy (files and strictness in pyproject.toml)")
        if subprocess.call([str(PY), "-m", "mypy", "--no-error-summary"], cwd=ROOT) != 0:
            say("mypy found type errors (above); fix them, or run `.venv/bin/python -m mypy` to see them again")
            return 1
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYQTGRAPH_QT_LIB="PySide6")
        return subprocess.call([str(PY), "-m", "pytest", *argv[1:]], cwd=ROOT, env=env)
    if command == "demo":
        return run_cli("demo", *argv[1:])
    if command == "app":
        if not has_display():
            say("no display found (no DISPLAY or WAYLAND_DISPLAY): the desktop app needs a screen.")
            say("running the headless demo instead; on a desktop, run `python3 dev.py app` there.")
            return run_cli("demo")
        reason = qt_usable()
        if reason:
            say(f"Qt cannot start here ({reason}); running the headless demo instead.")
            return run_cli("demo")
        return run_cli("gui", *argv[1:])
    say(f"unknown command {command!r}; use app, test, demo or setup")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
