"""Field paths: the one way the API and sweeps change a scenario."""
from __future__ import annotations

import pytest

from simulator.errors import InputError
from simulator.sweep.fields import get_field, parse_path, set_field


def scenario():
    return {
        "name": "s",
        "duration": 100.0,
        "devices": [
            {"id": "pump", "profile": "pump/x", "settings": {"rate_ml_per_day": 0.5}},
            {"id": "ipg", "profile": "scs/y", "settings": {}},
        ],
        "timeline": [{"at": 1.0}, {"at": 2.0}, {"at": 3.0}],
    }


def test_parse_path_splits_names_indexes_and_ids():
    assert parse_path("devices[0].settings.rate_ml_per_day") == ["devices", 0, "settings", "rate_ml_per_day"]
    assert parse_path("devices[pump].settings") == ["devices", "[pump]", "settings"]
    assert parse_path("timeline[-1].at") == ["timeline", -1, "at"]


@pytest.mark.parametrize("bad", ["", ".a", "a..b", "a.", "a[", "a[0", "[0].x", "a b", "a.0"])
def test_malformed_paths_are_input_errors(bad):
    with pytest.raises(InputError) as err:
        parse_path(bad)
    assert err.value.issues[0].path == "path"


def test_set_field_by_index_by_id_and_negative_index():
    data = scenario()
    set_field(data, "devices[0].settings.rate_ml_per_day", 0.8)
    set_field(data, "devices[ipg].settings.amplitude_ma", 3.5)  # new key under an existing mapping
    set_field(data, "timeline[-1].at", "30d")
    set_field(data, "duration", "90d")
    assert data["devices"][0]["settings"]["rate_ml_per_day"] == 0.8
    assert data["devices"][1]["settings"] == {"amplitude_ma": 3.5}
    assert data["timeline"][2]["at"] == "30d"
    assert data["duration"] == "90d"
    assert get_field(data, "devices[pump].settings.rate_ml_per_day") == 0.8
    assert get_field(data, "timeline[1].at") == 2.0


@pytest.mark.parametrize(
    "path, words",
    [
        ("timeline[3].at", "3 items; allowed index 0..2"),
        ("devices[tank].settings.x", "no item with id 'tank'; ids: pump, ipg"),
        ("name.first", "not a mapping or list"),
        ("duration[0]", "duration is not a mapping or list"),
        ("devices[0].nothing[0]", "devices[0].nothing is not a mapping or list (it is not given)"),
    ],
)
def test_set_field_errors_name_the_path_and_the_range(path, words):
    data = scenario()
    with pytest.raises(InputError) as err:
        set_field(data, path, 1)
    issue = err.value.issues[0]
    assert issue.value == path
    assert words in issue.message
    assert data == scenario()  # nothing changed


def test_get_field_of_a_missing_key_lists_the_fields():
    with pytest.raises(InputError) as err:
        get_field(scenario(), "devices[0].settings.rate")
    assert "fields: rate_ml_per_day" in err.value.issues[0].message
