import math

import pytest

from simulator.units import format_duration, parse_duration_s


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90d", 90 * 86400.0),
        ("12h", 43200.0),
        ("30min", 1800.0),
        ("250us", 250e-6),
        ("1.5ms", 1.5e-3),
        ("2w", 14 * 86400.0),
        ("1y", 365 * 86400.0),
        ("1d 6h", 86400.0 + 6 * 3600.0),
        ("45", 45.0),
        (7, 7.0),
        (0.5, 0.5),
    ],
)
def test_durations_parse_to_seconds(text, seconds):
    assert math.isclose(parse_duration_s(text), seconds, rel_tol=1e-12)


@pytest.mark.parametrize("bad", ["-3d", -1, "3 fortnights", "d", "", "1e400", "nan", True, None, [1]])
def test_bad_durations_raise_with_allowed_forms(bad):
    with pytest.raises(ValueError):
        parse_duration_s(bad)


def test_unknown_unit_names_the_allowed_units():
    with pytest.raises(ValueError, match="allowed units"):
        parse_duration_s("3 parsecs")


@pytest.mark.parametrize("seconds, text", [(90 * 86400.0, "90d"), (43200.0, "12h"), (1800.0, "30min"), (250e-6, "250us"), (0.0, "0s")])
def test_format_duration_round_trips(seconds, text):
    assert format_duration(seconds) == text
    assert math.isclose(parse_duration_s(format_duration(seconds)), seconds, rel_tol=1e-12, abs_tol=1e-15)
