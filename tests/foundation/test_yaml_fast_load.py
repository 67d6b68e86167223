"""The fast YAML path (`yaml_io._plain_data`, the per-document resolver memo, the bounds check
skipped for plain documents) builds exactly what PyYAML's safe constructor builds, and refuses
exactly what `check_data_bounds` refuses, with the same messages."""
from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import yaml_io
from simulator.errors import InputError


class _Standard(yaml_io._BaseSafeLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader as shipped (no memo, no fast walk)."""


def standard(text: str):
    return yaml.load(text, Loader=_Standard)  # noqa: S506 - safe loader


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=12), st.sampled_from(["yes", "no", "on", "~", "null", "1e3", "0x1F", "1_000", "12:30", "2026-12-02", ".5", "+1"]))
data = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=6), inner, max_size=5)), max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(data, st.booleans())
def test_fast_load_builds_what_the_safe_constructor_builds(value, flow):
    text = yaml.safe_dump(value, default_flow_style=flow)
    fast, plain = yaml_io._load(text)
    assert fast == standard(text)
    assert plain  # no alias, no tag, shallow, finite: the bounds check would pass
    yaml_io.check_data_bounds(fast)


@pytest.mark.parametrize("text", [
    "x: &a [1, 2]\ny: *a\n",          # an alias: shared data, built the standard way
    "base: &b {a: 1}\nc:\n  <<: *b\n  d: 2\n",  # a merge key
    "!!set {a, b}\n",                 # an explicit tag
    "a: [1, .nan]\n",                 # a number that is not finite
])
def test_unusual_documents_are_built_the_standard_way_and_checked(text):
    fast, plain = yaml_io._load(text)
    assert fast == standard(text) or (isinstance(fast, dict) and math.isnan(fast["a"][1]))
    assert not plain


def test_values_counted_as_the_bounds_check_counts_them(monkeypatch):
    # '{a: [1, 2], b: 3}': the root 1 + keys a, b 2 + the list and 3 2 + the list's items 2 = 7 values
    text = "{a: [1, 2], b: 3}\n"
    monkeypatch.setattr(yaml_io, "MAX_YAML_NODES", 7)
    assert yaml_io._load(text)[1] is True
    yaml_io.check_data_bounds(yaml_io._load(text)[0])
    monkeypatch.setattr(yaml_io, "MAX_YAML_NODES", 6)
    assert yaml_io._load(text)[1] is False
    with pytest.raises(InputError, match="more than 6 values"):
        yaml_io.load_yaml_text(text, "f.yaml")


def test_depth_limit_still_refused_with_its_message(monkeypatch):
    monkeypatch.setattr(yaml_io, "MAX_YAML_DEPTH", 3)
    yaml_io.load_yaml_text("[[[1]]]\n", "f.yaml")  # lists at depth 0, 1, 2: allowed
    with pytest.raises(InputError, match="nests more than 3 levels"):
        yaml_io.load_yaml_text("[[[[1]]]]\n", "f.yaml")  # a list at depth 3


def test_duplicate_key_and_non_finite_number_keep_their_messages():
    with pytest.raises(InputError, match="duplicate key 'a'"):
        yaml_io.load_yaml_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    with pytest.raises(InputError, match=r"numbers must be finite"):
        yaml_io.load_yaml_text("x:\n  y: .inf\n", "f.yaml")


def test_the_resolver_memo_gives_each_text_its_own_tag():
    # the same text is the same tag wherever it is; different texts keep their own types
    assert yaml_io._load("[1, '1', 1, yes, 'yes', 1.0, 1]\n")[0] == [1, "1", 1, True, "yes", 1.0, 1]


def _tags(node) -> list:
    """Every node's tag, depth first (keys and values of mappings in order)."""
    out = [node.tag]
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out += _tags(key) + _tags(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            out += _tags(item)
    return out


@settings(max_examples=300, deadline=None)
@given(data, st.booleans(), st.sampled_from(["plain", "'", '"']))
def test_the_memo_resolver_tags_every_node_as_pyyaml_does(value, flow, style):
    # plain, single- and double-quoted scalars; collections in block and flow style
    text = yaml.safe_dump(value, default_flow_style=flow, default_style=None if style == "plain" else style)
    ours, theirs = yaml_io._SafeLoader(text), _Standard(text)
    try:
        assert _tags(ours.get_single_node()) == _tags(theirs.get_single_node())
    finally:
        ours.dispose()
        theirs.dispose()
