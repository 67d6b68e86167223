"""A missing optional extra: exit 2 and the install commands, never a traceback.

Two ways: (1) fast, in a subprocess that blocks the extra's modules (sys.modules[name] = None,
which makes `import name` fail as if it were not installed); (2) for real, in a fresh venv with
only the core dependencies (`pip install --no-deps` of the package, then numpy, simpy, pydantic,
PyYAML). (2) needs a package index (or pip's cache): it is skipped when the install cannot be
made, except under CI (environment variable CI set), where it must run.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.extras import MissingExtra, from_import_error, install_commands, require
from tests.conftest import ROOT

from .conftest import TOY_SWEEP

PRELUDE = "import sys; sys.modules.update(dict.fromkeys({blocked!r})); from simulator.cli.main import main; sys.exit(main({argv!r}))"


def run_blocked(blocked: list[str], argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    code = PRELUDE.format(blocked=blocked, argv=argv)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, check=False, timeout=120)


def assert_explains(proc: subprocess.CompletedProcess, extra: str, module: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert f"optional extra '{extra}'" in proc.stderr and module in proc.stderr
    for cmd in (f"pip install 'neuromod-sim[{extra}]'", f"pipx install --force 'neuromod-sim[{extra}]'", f"uv pip install 'neuromod-sim[{extra}]'"):
        assert cmd in proc.stderr


def test_install_commands_name_pip_pipx_and_uv():
    assert install_commands("gui") == [
        "pip install 'neuromod-sim[gui]'",
        "pipx install --force 'neuromod-sim[gui]'",
        "uv pip install 'neuromod-sim[gui]'",
        "uv tool install --force 'neuromod-sim[gui]'",
    ]


def test_require_names_the_missing_module_and_is_an_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    require("x", "numpy")  # installed: nothing happens
    with pytest.raises(ImportError) as err:
        require("`neuromod-sim sweep`", "numpy", "pyarrow")
    assert isinstance(err.value, MissingExtra) and err.value.missing == ["pyarrow"] and err.value.extra == "data"
    assert from_import_error(ModuleNotFoundError("no", name="PySide6.QtCore"), "f").extra == "gui"
    assert from_import_error(ModuleNotFoundError("no", name="not_an_extra"), "f") is None


def test_run_report_without_matplotlib_stops_before_simulating(tmp_path):
    proc = run_blocked(["matplotlib"], ["run", "pump_concentration_change", "--out", str(tmp_path / "o"), "--report"], tmp_path)
    assert_explains(proc, "data", "matplotlib")
    assert not (tmp_path / "o").exists()  # nothing simulated, nothing written


def test_report_without_matplotlib(tmp_path):
    from simulator.cli.main import main

    assert main(["run", "pump_concentration_change", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    proc = run_blocked(["matplotlib"], ["report", str(tmp_path / "o")], tmp_path)
    assert_explains(proc, "data", "matplotlib")
    assert not (tmp_path / "o" / "report.md").exists()


def test_sweep_without_pandas_or_pyarrow(tmp_path):
    proc = run_blocked(["pandas", "pyarrow"], ["sweep", str(TOY_SWEEP), "--out", str(tmp_path / "s"), "--executor", "serial"], tmp_path)
    assert_explains(proc, "data", "pandas, pyarrow")
    proc = run_blocked(["pyarrow"], ["sweep", str(TOY_SWEEP), "--out", str(tmp_path / "s"), "--executor", "serial"], tmp_path)
    assert_explains(proc, "data", "pyarrow")
    assert not (tmp_path / "s").exists()


def test_sweep_on_dask_without_dask(tmp_path):
    proc = run_blocked(["dask", "distributed"], ["sweep", str(TOY_SWEEP), "--out", str(tmp_path / "s"), "--executor", "dask"], tmp_path)
    assert_explains(proc, "data", "dask, distributed")
    assert "--executor dask" in proc.stderr


def test_gui_without_pyside6_or_pyqtgraph(tmp_path):
    proc = run_blocked(["PySide6", "pyqtgraph"], ["gui", "--screenshot", str(tmp_path / "x.png")], tmp_path)
    assert_explains(proc, "gui", "PySide6, pyqtgraph")
    assert not (tmp_path / "x.png").exists()


def test_an_extra_imported_deep_inside_a_command_is_explained_too(monkeypatch, capsys):
    from simulator.cli import cmd_profiles
    from simulator.cli import main as cli

    def needs_pandas(args):
        import pandas  # noqa: F401

    monkeypatch.setitem(sys.modules, "pandas", None)
    monkeypatch.setattr(cmd_profiles, "run", needs_pandas)
    assert cli.main(["profiles"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'neuromod-sim[data]'" in err and "Traceback" not in err

    def a_real_bug(args):
        import not_a_module_of_any_extra  # noqa: F401

    monkeypatch.setattr(cmd_profiles, "run", a_real_bug)
    assert cli.main(["profiles"]) == 1  # a module no extra provides: a bug, shown as one
    assert "internal error" in capsys.readouterr().err


# ---------- the real thing: a bare install ----------
SOURCE_PARTS = ["pyproject.toml", "README.md", "LICENSE", "simulator", "gui", "profiles", "scenarios", "exercises"]
CORE_DEPS = ["numpy>=1.26", "simpy>=4.1", "pydantic>=2.6,<3", "PyYAML>=6.0"]


@pytest.fixture(scope="module")
def bare_install(tmp_path_factory):
    """A venv holding neuromod-sim and its core dependencies only (no extras)."""
    root = tmp_path_factory.mktemp("bare")
    src = root / "src"
    src.mkdir()
    for part in SOURCE_PARTS:  # a copy, so that building leaves nothing in the work tree
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, src / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / part, src / part)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for cmd in (pip + ["--no-deps", str(src)], pip + CORE_DEPS):
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
        if proc.returncode != 0:
            if os.environ.get("CI"):
                pytest.fail(f"bare install failed: {proc.stderr[-2000:]}")
            pytest.skip(f"no package index or cache for a bare install: {proc.stderr[-300:]}")
    return venv / "bin" / "neuromod-sim"


def test_a_bare_install_explains_each_missing_extra(bare_install, tmp_path):
    def cli(*argv: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
        return subprocess.run([str(bare_install), *argv], capture_output=True, text=True, cwd=tmp_path, env=env, check=False, timeout=120)

    assert cli("run", "pump_concentration_change", "--out", "plain", "--quiet").returncode == 0  # the core works
    assert_explains(cli("run", "pump_concentration_change", "--out", "o", "--report"), "data", "matplotlib")
    assert_explains(cli("report", "plain"), "data", "matplotlib")
    (tmp_path / "spec.yaml").write_text("name: s\nbase: x.yaml\nparameters: []\n")
    assert_explains(cli("sweep", "spec.yaml", "--out", "s"), "data", "pandas, pyarrow")
    assert_explains(cli("gui"), "gui", "PySide6, pyqtgraph")
