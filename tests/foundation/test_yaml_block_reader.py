"""The block reader (`yaml_io._BlockReader`, the line-by-line path for block-style documents)
builds exactly what PyYAML's safe loader builds, and leaves to PyYAML everything it does not
handle (which then gives its standard errors).

Property: for any text, the reader either refuses it (`_Unusual`) or returns PyYAML's data,
with the bounds flag `check_data_bounds` agrees with. The texts are made of lines drawn from
YAML's awkward corners (indentless sequences, implicit tags, quotes, comments, indicators,
continuation lines, markers), at random indents."""
from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import yaml_io
from simulator.errors import InputError


class _Standard(yaml_io._BaseSafeLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader as shipped."""


def standard(text: str):
    return yaml.load(text, Loader=_Standard)  # noqa: S506 - safe loader


def block(text: str):
    return yaml_io._BlockReader(text).document()


def bounds_pass(data) -> bool:
    try:
        yaml_io.check_data_bounds(data)
    except InputError:
        return False
    return True


KEYS = ["a", "b", "on", "yes", "n", "1", "1.5", "0x1F", "null", "~", "<<", "a b", "a:b", "E2", "dose_mg_per_day", "x.y", "-k", "'q'", "2026-01-05", "=", "k/v"]
VALUES = ["1", "-5", "+3", "0o17", "012", "1_000", "1:30", "190:20:30", "1.5", "-.5", "1e3", "1.0e+3", ".inf", "-.Inf", ".nan", "true", "No", "off", "y",
          "~", "null", "", "'x'", "'it''s'", "'a' 'b'", "'open", '"dq"', '"esc\\n"', '"open', "{}", "[]", "[1, 2]", "{a: 1}", "x # note", "x#y",
          "a: b", "a:", "a:b", "- a", "-", "- - a", "&anc x", "*anc", "!!str 1", "|", ">", "%x", "@x", "`x", "?", "? x", ":x", "-x", ", x", "a, b",
          "2026-01-05", "2026-01-05T08:00:00", "00:00", "12:30:45", "3650d", "E3", "+", "'-'", "µg", "a  b", "\u00a0x", "=", "<<"]

#: the values the block reader reads itself (the rest it leaves to PyYAML)
USUAL = ["1", "-5", "+3", "0o17", "012", "1_000", "1:30", "190:20:30", "1.5", "-.5", "1e3", "1.0e+3", ".inf", "true", "No", "off", "y", "~", "null",
         "'x'", "'it''s'", '"dq"', "{}", "[]", "x#y", "a:b", "-x", "a, b", "2026-01-05", "2026-01-05T08:00:00", "00:00", "3650d", "E3", "+", "'-'",
         "µg", "a  b", "\u00a0x"]


@st.composite
def line(draw) -> str:
    indent = " " * draw(st.sampled_from([0, 0, 2, 2, 4, 4, 6, 1, 3]))
    form = draw(st.sampled_from(["key_value", "key", "item", "item_key_value", "item_key", "comment", "blank", "raw", "marker"]))
    key, value = draw(st.sampled_from(KEYS)), draw(st.sampled_from(VALUES))
    return indent + {
        "key_value": f"{key}: {value}",
        "key": f"{key}:",
        "item": f"- {value}",
        "item_key_value": f"-{draw(st.sampled_from([' ', '   ']))}{key}: {value}",
        "item_key": f"- {key}:",
        "comment": "# comment",
        "blank": draw(st.sampled_from(["", "   "])),
        "raw": value,
        "marker": draw(st.sampled_from(["---", "...", "%YAML 1.1", "\t- a"])),
    }[form] + draw(st.sampled_from(["", "", "", "  ", " # c"]))


@settings(max_examples=3000, deadline=None)
@given(st.lists(line(), min_size=1, max_size=14))
def test_the_block_reader_returns_pyyaml_s_data_or_leaves_the_text_to_pyyaml(lines):
    assert_read_as_pyyaml_reads_it("\n".join(lines) + "\n")


def assert_read_as_pyyaml_reads_it(text: str) -> None:
    """The block reader leaves `text` to PyYAML, or gives PyYAML's data and bounds verdict."""
    try:
        data, plain = block(text)
    except yaml_io._Unusual:
        return
    expected = standard(text)  # raises if the reader accepted a text PyYAML refuses
    assert repr(data) == repr(expected)  # types too (1 != True in repr; nan compares by text)
    assert plain == bounds_pass(data)


@st.composite
def structured(draw, depth: int = 0) -> list[tuple[int, str]]:
    """(indent, text) lines of a nested mapping or sequence as people and safe_dump write them:
    indented or indentless sequences, `- key: value` items, any indent step, scalars from VALUES."""
    def scalar() -> str:
        return draw(st.sampled_from(USUAL if draw(st.integers(0, 9)) else VALUES))

    def mapping(indent: int, level: int) -> list[tuple[int, str]]:
        out = []
        for key in draw(st.lists(st.sampled_from(KEYS[:12]), min_size=1, max_size=3, unique=True)):
            child = draw(st.sampled_from(["scalar", "scalar", "map", "seq", "indentless"])) if level < 3 else "scalar"
            if child == "scalar":
                out.append((indent, f"{key}: {scalar()}"))
                continue
            out.append((indent, f"{key}:"))
            step = draw(st.sampled_from([1, 2, 4]))
            if child == "map":
                out += mapping(indent + step, level + 1)
            else:
                out += sequence(indent if child == "indentless" else indent + step, level + 1)
        return out

    def sequence(indent: int, level: int) -> list[tuple[int, str]]:
        out = []
        for _ in range(draw(st.integers(1, 3))):
            if level < 3 and draw(st.booleans()):
                inner = mapping(indent + 2, level + 1)
                out.append((indent, "- " + inner[0][1]))
                out += inner[1:]
            else:
                out.append((indent, f"- {scalar()}"))
        return out

    body = mapping(0, depth) if draw(st.booleans()) else sequence(0, depth)
    lines = []
    for indent, text in body:
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "# c", "   # c", "  "])))
        lines.append(" " * indent + text + draw(st.sampled_from(["", "", "", " "])))
    return lines


@settings(max_examples=3000, deadline=None)
@given(structured())
def test_nested_documents_are_read_as_pyyaml_reads_them(lines):
    assert_read_as_pyyaml_reads_it("\n".join(lines) + "\n")


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=12), st.sampled_from(["yes", "no", "on", "~", "null", "1e3", "0x1F", "1_000", "12:30", "2026-12-02", ".5", "+1", "-"]))
keys = st.one_of(st.text(alphabet="abcdeyonE0123456789_.-/", min_size=1, max_size=6), st.integers(), st.booleans())
nested = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)), max_leaves=40)


@settings(max_examples=500, deadline=None)
@given(nested, st.integers(min_value=2, max_value=4), st.booleans())
def test_what_safe_dump_writes_in_block_style_is_read_as_pyyaml_reads_it(value, indent, indentless):
    text = yaml.safe_dump({"data": value, "more": [value]}, default_flow_style=False, indent=indent, sort_keys=indentless)
    try:
        data, plain = block(text)
    except yaml_io._Unusual:
        return
    assert repr(data) == repr(standard(text))
    assert plain == bounds_pass(data)


def test_a_generated_timeline_takes_the_block_path_with_known_values():
    text = (
        "name: 'benchmark: combined'\n"
        "duration: 3650d\n"
        "devices:\n"
        "- id: ipg\n"
        "  settings:\n"
        "    contacts:\n"
        "      E2: '-'\n"
        "      E3: +\n"
        "    cycling:\n"
        "      on: 60.0\n"
        "    steps:\n"
        "    - start: 00:00\n"
        "      dose_mg_per_day: 2.4\n"
        "    - start: 1:30\n"
        "timeline:\n"
        "# the daily bolus\n"
        "- at: 10h\n"
        "  params: {}\n"
        "  empty:\n"
    )
    data, plain = block(text)
    assert plain
    assert data == {
        "name": "benchmark: combined",
        "duration": "3650d",
        "devices": [{"id": "ipg", "settings": {"contacts": {"E2": "-", "E3": "+"}, "cycling": {True: 60.0},
                                               "steps": [{"start": "00:00", "dose_mg_per_day": 2.4}, {"start": 90}]}}],
        "timeline": [{"at": "10h", "params": {}, "empty": None}],
    }
    assert data == standard(text)


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",                  # a key given twice: PyYAML names both lines
    "a: x # note\n",                 # a comment after a value
    "a: >\n  folded\n",              # a block scalar
    "a: b\n  c\n",                   # a plain scalar continued on the next line
    "a: [1, 2]\n",                   # a flow collection
    "a: &x 1\nb: *x\n",              # an anchor and an alias
    "a: .inf\n",                     # refused later by the bounds check (its message)
])
def test_what_the_block_reader_leaves_to_pyyaml(text):
    try:
        _, plain = block(text)
    except yaml_io._Unusual:
        return
    assert not plain  # only the non-finite number is read here, and flagged for the bounds check


def test_errors_still_name_the_line_through_pyyaml():
    with pytest.raises(InputError, match="duplicate key 'a' \\(first given on line 1\\)"):
        yaml_io.load_yaml_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    with pytest.raises(InputError, match="line 2"):
        yaml_io.load_yaml_text("a: 1\n  b: 2\n", "f.yaml")


#: pieces of the lines of a single-quoted value going on over several lines
QUOTED_PIECES = ["a", "b c", "[L] x", "''", "'", "it''s", " ", "  ", "#", " # c", ": ", "- ", "x:", "---", "...", "{a}", "\"", "µ", "1.5", "'' '", "' x"]


@st.composite
def quoted_over_lines(draw) -> str:
    """A mapping with a `key: 'value` whose quoted value (closed or not, well formed or not) goes
    on over the following lines, at random indents, with blank lines and text after the quote."""
    key_indent = draw(st.sampled_from([0, 2]))
    head = " " * key_indent + ("k:\n" + " " * (key_indent + 2) if draw(st.booleans()) else "")
    inner = key_indent + (2 if head.endswith(" ") and head.strip() else 0)
    text = f"{head}{draw(st.sampled_from(KEYS[:6]))}: '" + "".join(draw(st.lists(st.sampled_from(QUOTED_PIECES), max_size=3)))
    for _ in range(draw(st.integers(1, 4))):
        indent = " " * draw(st.sampled_from([inner + 2, inner + 2, inner + 1, inner + 4, inner, max(0, inner - 2)]))
        body = "".join(draw(st.lists(st.sampled_from(QUOTED_PIECES), max_size=4)))
        text += "\n" + (draw(st.sampled_from(["", "  "])) if draw(st.integers(0, 9)) == 0 else indent + body)
    text += draw(st.sampled_from(["'", "'", "'  ", "' x", "", "''"]))
    after = draw(st.sampled_from(["", "z: 1", " " * inner + "z: 1", " " * inner + "- y"]))
    return text + "\n" + after + "\n"


@settings(max_examples=3000, deadline=None)
@given(quoted_over_lines())
def test_single_quoted_values_over_several_lines_are_read_as_pyyaml_reads_them(text):
    assert_read_as_pyyaml_reads_it(text)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "sources", "x_y"]), st.text(alphabet="ab '#:-[]µ\"", max_size=120), min_size=1))
def test_long_strings_safe_dump_wraps_are_read_as_pyyaml_reads_them(value):
    text = yaml.safe_dump({"data": value}, default_flow_style=False, width=20, allow_unicode=True)
    assert_read_as_pyyaml_reads_it(text)


def test_a_wrapped_source_note_takes_the_block_path_with_known_value():
    text = (
        "id: scs/x\n"
        "sources:\n"
        "  rate_hz: '[?] default 2-1200 Hz (it''s\n"
        "    common),   1 Hz step  \n"
        "      last line  '\n"
        "  b: 1\n"
    )
    data, plain = block(text)
    assert plain
    assert data == {"id": "scs/x", "sources": {"rate_hz": "[?] default 2-1200 Hz (it's common),   1 Hz step last line  ", "b": 1}}
    assert data == standard(text)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.sampled_from(VALUES + KEYS), st.text(alphabet="0123456789.:-+_eEoxXabfnNtTyY~ ", max_size=12), st.text(max_size=8)))
def test_the_plain_scalar_tag_is_the_resolver_s(text):
    assert yaml_io._implicit_tag(text) == yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))


#: the lines after an item's first (at the keys' column, or other columns) that repeated items
#: of a timeline share, and a few that break the pattern (nested blocks, `key:` alone, repeats)
ITEM_TAILS = ["device: pump", "action: patient_bolus", "params: {}", "params: []", "empty:", "n: 1.5", "w: .inf", "s: 'x'",
              "on: yes", "when: 2026-01-05T08:00:00", "device: pump", "params:", "  dose: 1", "- x", "  - y", "   deeper: 1"]


@st.composite
def repeated_records(draw) -> list[str]:
    """A sequence of `- key: value` items that mostly repeat one of a few sets of other lines
    (a long timeline's shapes), some items differing in their first key, their column, a line, their
    length, or followed by a nested block."""
    indent = draw(st.sampled_from([0, 2]))
    gap = draw(st.sampled_from([" ", " ", "  "]))
    tails = draw(st.lists(st.lists(st.sampled_from(ITEM_TAILS[:10]), min_size=0, max_size=4), min_size=1, max_size=3))
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 10))):
        tail = draw(st.sampled_from(tails))  # items cycling over a few shapes (a timeline over several devices)
        first = draw(st.sampled_from(["at", "at", "at", "time", "device"]))
        value = draw(st.sampled_from(["10h", "34h", "1", "{}", "[]", "'q'", "a b", ""] if draw(st.integers(0, 5)) else ["x: y", "[1]", ".nan", "-"]))
        item_gap = gap if draw(st.integers(0, 5)) else gap + " "
        lines.append(" " * indent + f"-{item_gap}{first}:" + (f" {value}" if value else ""))
        column = indent + 1 + len(item_gap)
        own = list(tail)
        if draw(st.integers(0, 7)) == 0 and own:
            own[draw(st.integers(0, len(own) - 1))] = draw(st.sampled_from(ITEM_TAILS))
        if draw(st.integers(0, 7)) == 0:
            own.append(draw(st.sampled_from(ITEM_TAILS)))
        lines += [" " * column + t for t in own]
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["after: 1", "- last", "  - last", "    x: 1"])))
    return ["timeline:", *lines] if indent else lines


@settings(max_examples=3000, deadline=None)
@given(repeated_records())
def test_repeated_records_are_read_as_pyyaml_reads_them(lines):
    """The items built from the previous item's shape (`_RecordShape`) equal PyYAML's."""
    assert_read_as_pyyaml_reads_it("\n".join(lines) + "\n")


def test_repeated_records_get_fresh_empty_collections_and_are_counted(monkeypatch):
    text = "".join(f"- at: {h}h\n  device: pump\n  params: {{}}\n  steps: []\n  note: ~\n" for h in range(1, 6))
    data, plain = block(text)
    assert plain
    assert data == [{"at": f"{h}h", "device": "pump", "params": {}, "steps": [], "note": None} for h in range(1, 6)]
    assert len({id(item["params"]) for item in data}) == 5 and len({id(item["steps"]) for item in data}) == 5
    # 1 root + 5 items x (1 + 2 x 5 keys and values) = 56 values: the bounds verdict at the limit
    monkeypatch.setattr(yaml_io, "MAX_YAML_NODES", 56)
    assert block(text)[1] and bounds_pass(data)
    monkeypatch.setattr(yaml_io, "MAX_YAML_NODES", 55)
    assert not block(text)[1] and not bounds_pass(data)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 .hdswyminu\u0663\u00b2-"), max_size=7))
def test_a_duration_word_is_told_as_the_pattern_tells_it(text):
    """The one-letter way (ASCII digits and s, h, d, w or y) agrees with `_DURATION_WORD`."""
    assert yaml_io._is_duration_word(text) == (yaml_io._DURATION_WORD.fullmatch(text) is not None)


def test_a_long_run_of_one_shape_is_read_with_its_values():
    items = "".join(f"- at: {h}h\n  device: pump\n  action: patient_bolus\n  params: {{}}\n" for h in range(1, 200))
    text = items + "- at: 5d\n  device: pump\n  action: refill\n  params:\n    fill_ml: 18.0\n" + items
    data, plain = block(text)
    assert plain and len(data) == 2 * 199 + 1
    assert data[198] == {"at": "199h", "device": "pump", "action": "patient_bolus", "params": {}}
    assert data[199] == {"at": "5d", "device": "pump", "action": "refill", "params": {"fill_ml": 18.0}}
    assert data[-1]["at"] == "199h" and len({id(item["params"]) for item in data}) == len(data)
    assert_read_as_pyyaml_reads_it(text)
