"""Every bundled scenario, exercise and profile validates, and every scenario uses real profiles."""
import pytest

from simulator.bundled import bundled_dir, bundled_scenario_names
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario
from simulator.validation import validate_file

SCENARIOS = bundled_scenario_names()


def test_the_bundle_has_the_default_and_the_example_scenarios():
    assert "default" in SCENARIOS and len(SCENARIOS) >= 11


@pytest.mark.parametrize("name", SCENARIOS)
def test_bundled_scenarios_validate_with_real_profiles_only(name):
    registry = default_registry()
    scenario = load_scenario(name, registry)
    for spec in scenario.devices:
        assert spec.profile.split("/")[0] in {"pump", "scs"}
        assert spec.profile in registry


@pytest.mark.parametrize("path", sorted(bundled_dir("exercises").glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_exercises_validate(path):
    assert validate_file(path, default_registry()) == "exercise"


def test_every_profile_validates_and_every_figure_has_a_source():
    registry = default_registry()
    missing = {pid: registry.get(pid).figures_without_source() for pid in registry.ids()}
    assert {pid: m for pid, m in missing.items() if m} == {}
