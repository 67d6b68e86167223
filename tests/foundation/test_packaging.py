"""pyproject.toml lists the packages by name (there is no setup.py): a new package folder of
simulator/ or gui/ that is not listed would be left out of the wheel, so it fails here."""
from __future__ import annotations

import tomllib

from tests.conftest import ROOT

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
DATA_PACKAGES = {"neuromod_profiles": "profiles", "neuromod_scenarios": "scenarios", "neuromod_exercises": "exercises"}


def _package_folders(top: str) -> set[str]:
    """Dotted names of the folders under `top` that hold an __init__.py (top included)."""
    return {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / top).rglob("__init__.py") if "__pycache__" not in init.parts}


def test_every_code_package_is_listed_and_every_listed_one_exists():
    listed = set(SETUPTOOLS["packages"])
    code = _package_folders("simulator") | _package_folders("gui")
    assert "simulator.pump" in code and "gui.training" in code  # the walk finds nested packages
    assert code - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - code == set(DATA_PACKAGES)  # the rest are the bundled data folders


def test_data_packages_map_to_the_top_level_folders_the_app_reads():
    assert SETUPTOOLS["package-dir"] == DATA_PACKAGES
    for folder in DATA_PACKAGES.values():
        assert (ROOT / folder / "__init__.py").exists(), folder  # a package, so importlib finds it (simulator/bundled.py)
    assert any((ROOT / "scenarios").glob("*.yaml")) and any((ROOT / "exercises").glob("*.yaml"))
    assert any((ROOT / "profiles").glob("*/*.yaml"))  # profiles sit one folder down (drug/, pump/, ...)
