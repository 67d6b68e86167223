"""The load's fast paths give what the general paths give: a one-term duration ('34h') read
without float()'s exception, the collector paused while a scenario loads."""
from __future__ import annotations

import gc
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import units
from simulator.errors import InputError
from simulator.scenario.loader import load_scenario
from simulator.scenario.model import duration_text

UNITS = ["us", "ms", "s", "sec", "min", "h", "hr", "d", "day", "days", "w", "y"]


def general(text: str) -> float:
    """The general path: float() first, then the term loop (what parse_duration_s did before)."""
    try:
        seconds = float(text.strip())
    except ValueError:
        seconds = units._parse_terms(text.strip())
    return units._checked_seconds(seconds)


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(UNITS), st.sampled_from(["", " ", "  "]), st.sampled_from(["", "0", "00"]))
def test_one_term_durations_equal_the_general_path(number, unit, pad, zeros):
    text = f"{pad}{zeros}{number}{unit}{pad}"
    try:
        expected = general(text)
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc))):  # beyond 1000 years: the same message
            units.parse_duration_s(text)
    else:
        assert units.parse_duration_s(text) == expected


def former(text: str) -> float:
    """parse_duration_s of a string before the one-letter way: the one-term regex, float(),
    the negative rule, then the term loop."""
    text = text.strip()
    one = units._ONE_TERM.fullmatch(text)
    if one is not None:
        return units._checked_seconds(float(one.group(1)) * units._UNIT_SECONDS[one.group(2)])
    try:
        seconds = float(text)
    except ValueError:
        if text.startswith("-"):
            raise ValueError("a duration must not be negative") from None
        seconds = units._parse_terms(text)
    return units._checked_seconds(seconds)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 .eE+-shdwyminu\u0663\u00b2\uff11"), min_size=0, max_size=8))
def test_any_short_text_reads_as_the_general_path_reads_it(text):
    """Digits of other scripts, signs, exponents, spaces, no digits: the one-letter way takes
    only ASCII digits and one letter, everything else gives what it gave before."""
    try:
        expected = former(text)
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            units.parse_duration_s(text)
    else:
        assert units.parse_duration_s(text) == expected


def test_one_letter_durations_known_answers():
    assert units.parse_duration_s("87442h") == 87442 * 3600.0
    assert units.parse_duration_s("2w") == 1209600.0
    assert units.parse_duration_s("1y") == 31536000.0
    assert units.parse_duration_s("007s") == 7.0
    assert units.parse_duration_s("0d") == 0.0
    with pytest.raises(ValueError, match="cannot read"):  # an Arabic-Indic three: not a digit of the duration forms
        units.parse_duration_s("\u0663h")
    with pytest.raises(ValueError, match="at most 365250 days"):
        units.parse_duration_s("1001y")


def test_one_term_durations_known_answers():
    assert units.parse_duration_s("34h") == 122400.0
    assert units.parse_duration_s("3650d") == 315360000.0
    assert units.parse_duration_s("250us") == 250 * 1e-6
    assert units.parse_duration_s("2days") == 172800.0
    with pytest.raises(ValueError, match="at most 365250 days"):
        units.parse_duration_s("365251d")
    assert units.parse_duration_s("1H") == 3600.0  # upper case: the general path (unit.lower())


def test_the_collector_is_paused_only_while_loading(tmp_path):
    assert gc.isenabled()
    seen = []
    gc.callbacks.append(lambda phase, info: seen.append(phase))
    try:
        load_scenario("default")
        bad = tmp_path / "bad.yaml"
        bad.write_text("name: x\nduration: 1d\ndevices: []\ntimeline:\n- at: 2d\n  device: nope\n  action: x\n")
        with pytest.raises(InputError):
            load_scenario(bad)
    finally:
        gc.callbacks.pop()
    assert gc.isenabled()  # resumed after a load and after a refused file
    gc.disable()
    try:
        load_scenario("default")
        assert not gc.isenabled()  # a caller's paused collector stays paused
    finally:
        gc.enable()


@settings(max_examples=800, deadline=None)
@given(st.one_of(
    st.integers(min_value=-3, max_value=3 * 10**8).map(lambda hours: hours * 3600.0),
    st.integers(min_value=0, max_value=2 * 10**7).map(lambda days: days * 86400.0),
    st.floats(min_value=-1e13, max_value=1e13, allow_nan=False),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=10**6),
))
def test_the_saved_duration_text_is_format_duration_s(seconds):
    assert duration_text(seconds) == units.format_duration(seconds)


def test_saved_duration_texts_known_answers():
    assert [duration_text(s) for s in (36000.0, 86400.0 * 90, 86400.0 + 3600.0, 90.0, 0.0, 3650 * 86400.0)] == ["10h", "90d", "25h", "90s", "0s", "3650d"]


def test_event_counts_known_answer_and_alarm_repeats():
    from types import SimpleNamespace as E

    from simulator.events import Kinds
    from simulator.results import event_counts

    plain = [E(kind="b", payload={}), E(kind="a", payload={}), E(kind="b", payload={})]
    assert list(event_counts(plain).items()) == [("b", 2), ("a", 1)]
    assert event_counts(iter(plain)) == {"b": 2, "a": 1}
    coalesced = [E(kind="b", payload={}), E(kind=Kinds.ALARM_REPEATS, payload={"count": 3}), E(kind=Kinds.ALARM_REPEAT, payload={}),
                 E(kind=Kinds.ALARM_REPEATS, payload={"count": 0})]
    assert list(event_counts(coalesced).items()) == [("b", 1), (Kinds.ALARM_REPEAT, 4)]
    assert event_counts([E(kind=Kinds.ALARM_REPEATS, payload={"count": 0})]) == {}


def _counts_one_by_one(events) -> dict[str, int]:
    """event_counts as written first: each event counted in turn, a coalesced repeat by its count."""
    from collections import Counter

    from simulator.events import Kinds

    counts: Counter[str] = Counter()
    for e in events:
        if e.kind == Kinds.ALARM_REPEATS:
            counts[Kinds.ALARM_REPEAT] += int(e.payload.get("count", 0))
        else:
            counts[e.kind] += 1
    return {k: v for k, v in counts.items() if v}


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "alarm.raised", "alarm.repeat", "alarm.repeats"]), st.integers(0, 5)), max_size=30))
def test_event_counts_equal_counting_one_by_one_in_order(kinds_and_counts):
    from types import SimpleNamespace as E

    from simulator.results import event_counts

    events = [E(kind=kind, payload={"count": n} if n != 5 else {}) for kind, n in kinds_and_counts]
    assert list(event_counts(events).items()) == list(_counts_one_by_one(events).items())


def test_an_action_stores_negative_zero_as_zero_on_its_float_fields_only():
    """ActionSpec runs StrictModel's -0 rule on its float fields (at, every, until); its strings,
    count and params (their own deep rule) are as before."""
    from simulator.scenario.model import ActionSpec

    action = ActionSpec(at=-0.0, device="pump", action="refill", params={"fill_ml": -0.0, "nested": [{"x": -0.0}]})
    assert repr(action.at) == "0.0" and repr(action.params) == "{'fill_ml': 0.0, 'nested': [{'x': 0.0}]}"
    action.at = -0.0  # assignments are validated too
    assert repr(action.at) == "0.0"
    recurring = ActionSpec(at=-0.0, device="pump", action="refill", every="1d", until="2d")
    assert (repr(recurring.at), recurring.every, recurring.until) == ("0.0", 86400.0, 172800.0)


def test_a_one_term_duration_too_long_to_be_finite_gives_the_general_error():
    text = "9" * 400 + "d"  # float() of the digits is infinite
    with pytest.raises(ValueError, match="must be finite"):
        general(text)
    with pytest.raises(ValueError, match="must be finite"):
        units.parse_duration_s(text)


# ----- the YAML block reader's duration words, the timeline's private-attribute set-up -----
import copy  # noqa: E402
import pickle  # noqa: E402
from typing import Any  # noqa: E402

import yaml  # noqa: E402
from pydantic import PrivateAttr  # noqa: E402

from simulator import yaml_io  # noqa: E402
from simulator.profiles.base import StrictModel  # noqa: E402
from simulator.scenario.model import ActionSpec, _plain_private_init  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**20), st.sampled_from(["", "0", "00"]), st.sampled_from(UNITS + ["b", "x", "e5", "H", "_1"]))
def test_duration_words_are_strings_as_pyyaml_resolves_them(number, zeros, unit):
    text = f"{zeros}{number}{unit}"
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    if yaml_io._DURATION_WORD.fullmatch(text):
        assert tag == yaml_io._STR_TAG
    assert yaml_io._implicit_tag(text) == tag
    assert yaml_io.load_yaml_text(f"at: {text}\n", "x.yaml") == yaml.safe_load(f"at: {text}\n")


class _Pydantics(StrictModel):
    """A model with ActionSpec's private attribute, set up by pydantic itself."""

    at: float
    _origin: Any = PrivateAttr(default=None)


def test_actions_private_attributes_are_set_up_as_pydantic_sets_them():
    assert ActionSpec.model_post_init.__module__ == "simulator.scenario.model"  # ours is in place
    assert _Pydantics.model_post_init.__name__ == "init_private_attributes"  # (the test's model: pydantic's)
    action = ActionSpec.model_validate({"at": "10h", "device": "pump", "action": "patient_bolus"})
    assert action.__pydantic_private__ == _Pydantics(at=1.0).__pydantic_private__ == {"_origin": None}
    again = ActionSpec.model_validate({"at": "10h", "device": "pump", "action": "patient_bolus"})
    assert action == again and action.__pydantic_private__ is not again.__pydantic_private__  # a dict each
    again._origin = (3, 1)
    assert action != again and action._origin is None  # the origin counts in equality, held apart
    assert copy.deepcopy(again)._origin == pickle.loads(pickle.dumps(again))._origin == again.model_copy()._origin == (3, 1)
    assert ActionSpec.model_construct(at=1.0, device="pump", action="x")._origin is None


def test_models_with_other_private_attributes_are_left_to_pydantic():
    class WithFactory(StrictModel):
        _items: list = PrivateAttr(default_factory=list)

    class WithList(StrictModel):
        _items: Any = PrivateAttr(default=[])

    class WithOwnPostInit(StrictModel):
        _origin: Any = PrivateAttr(default=None)

        def model_post_init(self, context: Any, /) -> None:
            pass

    for cls in (WithFactory, WithList, WithOwnPostInit):
        before = cls.model_post_init
        assert not _plain_private_init(cls)
        assert cls.model_post_init is before
    class LikeAnAction(StrictModel):
        at: float
        _origin: Any = PrivateAttr(default=None)

    assert _plain_private_init(LikeAnAction)  # the shape it takes over
    assert LikeAnAction(at=1.0).__pydantic_private__ == {"_origin": None}
