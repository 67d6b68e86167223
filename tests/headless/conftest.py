"""Fixtures of the headless (API, report, sweep) tests."""
from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
TOY_SWEEP = DATA / "toy_sweep.yaml"
TOY_TANK = DATA / "toy_tank.yaml"


@pytest.fixture
def toy_sweep_dict():
    """The toy sweep spec as data (base path made absolute so it can live anywhere)."""
    import yaml

    data = yaml.safe_load(TOY_SWEEP.read_text())
    data["base"] = str(TOY_TANK)
    data["profiles"] = [str(DATA.parent.parent / "data" / "toy_profiles")]
    return data
