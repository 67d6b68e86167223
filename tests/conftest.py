"""Shared fixtures. GUI tests set the offscreen platform in tests/gui/conftest.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# every event any test emits is checked against its registered payload model
# (simulator/event_kinds.py); set NEUROMOD_SIM_CHECK_EVENTS=0 to switch it off
os.environ.setdefault("NEUROMOD_SIM_CHECK_EVENTS", "1")

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
TOY_PROFILES = TESTS / "data" / "toy_profiles"


@pytest.fixture(scope="session")
def toy_registry():
    """A registry of the bundled profiles plus the toy tank used by engine unit tests."""
    from simulator.profiles.registry import ProfileRegistry
    from tests.toy_device import install_toy

    install_toy()
    return ProfileRegistry([TOY_PROFILES])


@pytest.fixture
def toy_scenario_dict():
    return {
        "name": "toy tank",
        "seed": 3,
        "duration": "30d",
        "devices": [{"id": "tank", "profile": "toy/tank", "settings": {"volume_ml": 10, "rate_ml_per_day": 0.5}}],
        "timeline": [
            {"at": "5d", "device": "tank", "action": "fill", "params": {"volume_ml": 4}},
            {"at": "10d", "device": "tank", "action": "set_rate", "params": {"rate_ml_per_day": 1}},
        ],
    }
