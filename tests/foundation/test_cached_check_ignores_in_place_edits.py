"""Issue item 4: a cached check must never serve stale input. Editing a scenario object in place
between two runs gives the edited result on the second run."""
import pytest

from simulator import Simulation, scenario_from_dict
from tests.pump.helpers import DAY, morphine_settings


def _scenario():
    # 2 mg/day of 10 mg/mL morphine = 0.2 mL/day from 20 mL; at day 10 all 18 mL left are
    # aspirated and the reservoir is refilled with `fill_ml`
    return scenario_from_dict({
        "name": "edit in place", "duration": "20d",
        "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": morphine_settings()}],
        "timeline": [{"at": "10d", "device": "pump", "action": "refill", "params": {"fill_ml": 20}}],
    })


@pytest.mark.parametrize("validate", [True, False])
def test_cached_check_ignores_in_place_edits(validate):
    scenario = _scenario()
    first = Simulation(scenario).run()
    # by hand: 20 mL refilled at day 10, 10 days at 0.2 mL/day -> 20 - 2 = 18 mL at day 20
    assert first.devices["pump"].reservoir_ml_at(20 * DAY) == pytest.approx(18.0)
    scenario.timeline[0].params["fill_ml"] = 5  # the same objects, edited in place
    second = Simulation(scenario, validate=validate).run()
    pump = second.devices["pump"]
    # by hand: 5 mL refilled at day 10 -> 5 mL just after, 5 - 2 = 3 mL at day 20
    assert pump.reservoir_ml_at(10 * DAY + 1.0) == pytest.approx(5.0, abs=1e-3)
    assert pump.reservoir_ml_at(20 * DAY) == pytest.approx(3.0)
    refill = [e for e in second.results().events if e.kind == "action" and e.payload["action"] == "refill"]
    assert refill[0].payload["params"]["fill_ml"] == 5


def test_in_place_edit_to_a_bad_value_is_checked_again():
    from simulator.errors import InputError

    scenario = _scenario()
    Simulation(scenario).run()
    scenario.timeline[0].params["fill_ml"] = -1  # out of range: must be caught, not served from the cache
    with pytest.raises(InputError) as info:
        Simulation(scenario)
    assert "fill_ml" in str(info.value)


def test_unchanged_scenario_reuses_its_check():
    scenario = _scenario()
    Simulation(scenario)
    from simulator.profiles.registry import default_registry

    assert scenario.checked_with(default_registry()) is not None
    scenario.devices[0].settings["reservoir_ml"] = 10  # an edit of a device's settings too
    assert scenario.checked_with(default_registry()) is None


def test_the_check_is_remembered_until_the_content_changes():
    """The fingerprint (a digest of the scenario's pickled content) is the same for the same
    content and differs for any change, 1 / 1.0 / True and 0.0 / -0.0 included."""
    from simulator.profiles.registry import default_registry

    scenario = _scenario()
    registry = default_registry()
    assert scenario.checked_with(registry) is not None  # remembered by the load
    Simulation(scenario).run()
    assert scenario.checked_with(registry) is not None  # a run changes nothing the check depends on
    params = scenario.timeline[0].params
    for value in (20.0, True, 20):
        params["fill_ml"] = value
        assert (scenario.checked_with(registry) is not None) == (type(value) is int and value is not True)
    params["extra"] = 0.0
    before = scenario._fingerprint(registry)
    params["extra"] = -0.0
    assert scenario._fingerprint(registry) != before
    params["extra"] = 0.0
    assert scenario._fingerprint(registry) == before


def test_content_that_cannot_be_pickled_is_fingerprinted_by_its_repr():
    from simulator.scenario.model import _content_bytes

    unpicklable = (1.0, [lambda: None])
    assert _content_bytes(unpicklable) == repr(unpicklable).encode()
    assert _content_bytes((1, {"a": 1.0})) != _content_bytes((1, {"a": 1}))
