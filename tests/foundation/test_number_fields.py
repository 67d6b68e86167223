"""A field that holds only a number takes a number. YAML reads `yes`, `on` and `true` as true,
which a lax check turns into 1: `dose_mg_per_day: yes` ran at 1 mg/day without a word. Quoted
text ('3') is refused too. Durations ('30d') and numbers given as numbers are unchanged."""
import pytest

from simulator.errors import InputError
from simulator.profiles.registry import default_registry
from simulator.scenario import scenario_from_dict
from simulator.validation import validate_file

MORPHINE = {
    "name": "morphine",
    "seed": 1,
    "duration": "30d",
    "devices": [
        {
            "id": "pump",
            "profile": "pump/peristaltic-20ml",
            "settings": {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 20, "mode": {"type": "continuous", "dose_mg_per_day": 3}},
        }
    ],
}


def _with(path: str, value):
    data = {**MORPHINE, "devices": [{**MORPHINE["devices"][0], "settings": {**MORPHINE["devices"][0]["settings"], "mode": {"type": "continuous", "dose_mg_per_day": 3}}}]}
    if path == "seed":
        data["seed"] = value
    else:
        data["devices"][0]["settings"]["mode"]["dose_mg_per_day"] = value
    return data


@pytest.mark.parametrize(
    "path, value, field, words",
    [
        ("dose", True, "devices[0].settings.mode.continuous.dose_mg_per_day", "must be a valid number, not true/false"),
        ("dose", False, "devices[0].settings.mode.continuous.dose_mg_per_day", "must be a valid number, not true/false"),
        ("dose", "3", "devices[0].settings.mode.continuous.dose_mg_per_day", "must be a valid number, not text"),
        ("seed", True, "seed", "must be a valid integer, not true/false"),
        ("seed", "7", "seed", "must be a valid integer, not text"),
    ],
)
def test_a_bool_or_text_for_a_number_is_refused_naming_field_and_value(path, value, field, words):
    with pytest.raises(InputError) as info:
        scenario_from_dict(_with(path, value), default_registry(), file="s.yaml")
    text = "\n".join(str(i) for i in info.value.issues)
    assert f"s.yaml: {field}: {words}" in text, text
    assert repr(value) in text, text


def test_numbers_and_durations_still_load():
    """3 mg/day of 10 mg/mL morphine is 0.3 mL/day; '30d' is 30 x 86400 s."""
    scenario = scenario_from_dict(_with("dose", 3), default_registry(), file="s.yaml")
    assert scenario.duration == 30 * 86400.0
    assert scenario.devices[0].settings["mode"]["dose_mg_per_day"] == 3


def test_a_profile_figure_given_as_yes_is_refused(tmp_path):
    """A drug profile's daily maximum `yes` would have been a 1 mg/day limit."""
    from simulator.profiles.registry import bundled_profiles_dir

    source = bundled_profiles_dir() / "drug" / "morphine.yaml"
    path = tmp_path / "morphine.yaml"
    path.write_text(source.read_text().replace("max_daily_dose_mg: 15", "max_daily_dose_mg: yes"))
    with pytest.raises(InputError) as info:
        validate_file(path, default_registry())
    assert "max_daily_dose_mg: must be a valid number, not true/false" in str(info.value.issues[0]), info.value.issues
