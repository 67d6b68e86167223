import pytest

from simulator.profiles.registry import default_registry


@pytest.fixture(scope="session")
def registry():
    return default_registry()


@pytest.fixture(scope="session")
def micc16(registry):
    return registry.get("scs/rechargeable-micc-16")


@pytest.fixture(scope="session")
def perc8(registry):
    return registry.get("lead/percutaneous-8")
