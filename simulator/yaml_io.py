"""Safe, bounded YAML reading with errors that name the file and the line.

Only plain data is built (yaml.SafeLoader): no Python objects, ever. Every read is bounded:

- only regular files are read (a device such as /dev/zero, a FIFO or a socket is refused, also
  behind a symbolic link), and at most `MAX_INPUT_BYTES` of them;
- the data may hold at most `MAX_YAML_NODES` values once aliases are expanded (a 'billion laughs'
  file of a few hundred bytes is refused at once) and nest at most `MAX_YAML_DEPTH` levels deep
  (a self-referencing alias is refused too);
- a key given twice in one mapping is an error, not 'the last one wins';
- a number that is not finite (.nan, .inf) is an error: no input field accepts one.

Error messages never quote the file's content beyond the offending key.
"""
from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path
from typing import Any
from collections.abc import Callable

import yaml

from simulator.errors import InputError, Issue, _short, format_path

MAX_INPUT_BYTES = 2 * 1024 * 1024
#: most values (mapping keys and values, list items, scalars) in one file, aliases expanded
MAX_YAML_NODES = 250_000
#: deepest nesting of mappings and lists in one file
MAX_YAML_DEPTH = 64

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_FLOAT_TAG = "tag:yaml.org,2002:float"

#: libyaml's safe loader when PyYAML was built with it (about ten times faster), else the pure one;
#: both build plain data only.
_BaseSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseSafeLoader):  # type: ignore[misc, valid-type]  # a base chosen at import: mypy cannot type it
    """The safe loader, refusing a key given twice in one mapping (merge keys `<<` may still be
    overridden by the mapping's own keys, as YAML defines)."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        if not self.yaml_path_resolvers:  # (none are ever added here; if one were, the standard resolver runs)
            self.resolve = _memo_resolver(super().resolve)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=False)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:  # an unhashable key: the constructor reports it
                    continue
                if first is not key_node:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {_short(key, 40)} (first given on line {first.start_mark.line + 1}); each key may appear only once",
                        key_node.start_mark,
                    )
        return super().construct_mapping(node, deep=deep)


def _memo_resolver(standard: Callable[[Any, str, tuple[bool, bool]], str]) -> Callable[[Any, str, tuple[bool, bool]], str]:
    """The tag of a node as PyYAML's resolver (`standard`) gives it, for a loader without path
    resolvers, at a fraction of its cost (the parser asks once per node: 37,000 times for a
    ten-year scenario). A plain scalar's tag depends on its text alone (the implicit resolvers'
    patterns), so it is worked out once per distinct text (a long scenario repeats its keys and
    action names thousands of times); a quoted scalar is a string, a collection a map or a list."""
    memo: dict[str, str] = {}
    known = memo.get
    scalar, sequence = yaml.ScalarNode, yaml.SequenceNode

    def resolve(kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is scalar:
            if not implicit[0]:
                return _STR_TAG
            tag = known(value)
            if tag is None:
                tag = memo[value] = standard(kind, value, implicit)
            return tag
        return _SEQ_TAG if kind is sequence else _MAP_TAG

    return resolve


def check_data_bounds(data: Any, file: str | None = None) -> None:
    """InputError when `data`, with aliases expanded, holds more than `MAX_YAML_NODES` values,
    nests deeper than `MAX_YAML_DEPTH`, or holds a number that is not finite (.nan, .inf: no
    field of any input accepts one). Costs at most `MAX_YAML_NODES` steps whatever the data."""
    count = 0
    stack: list[tuple[Any, int, tuple]] = [(data, 0, ())]
    while stack:
        value, depth, where = stack.pop()
        count += 1
        if count > MAX_YAML_NODES:
            raise InputError(
                Issue("(top level)", f"the file holds more than {MAX_YAML_NODES} values once its aliases (*name) are expanded; that is the most allowed"), file
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(Issue(format_path(where), "numbers must be finite (not .nan or .inf)", value), file)
        if isinstance(value, (dict, list)):
            if depth >= MAX_YAML_DEPTH:
                raise InputError(
                    Issue("(top level)", f"the data nests more than {MAX_YAML_DEPTH} levels deep (or an alias refers to itself); that is the most allowed"), file
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for k, v in items:
                stack.append((v, depth + 1, (*where, k)))
                if isinstance(value, dict):
                    stack.append((k, depth + 1, where))




def _unreadable_value(node, exc: Exception) -> str:
    """The message for a scalar its resolved type cannot hold, e.g. the date 2026-02-30."""
    from simulator.errors import _short

    kind = str(node.tag).rsplit(":", 1)[-1]
    return f"cannot read {_short(node.value, 40)} as a {kind}: {exc}"


class _Unusual(Exception):
    """The document holds something `_plain_data` leaves to PyYAML's own constructor."""


def _plain_data(loader: _SafeLoader, root) -> Any:
    """The data of the composed document `root`, as the safe loader's constructor builds it, in
    one plain recursive walk (PyYAML's constructor keeps per-node state and costs ~10 us a value:
    most of the time of reading a long scenario). Scalars are made by the loader's own
    constructors for their resolved tags (str, int, float, bool, null, timestamp...), so the
    values are the same. Anything else - a collection reached twice (an alias: shared or
    self-referencing data), a merge key `<<`, a key given twice, a non-scalar key, an explicit or
    unknown tag - raises `_Unusual`, and the caller builds the document the standard way instead
    (which also gives the standard errors)."""
    constructors = loader.yaml_constructors
    scalar_node, mapping_node, sequence_node = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
    seen: set[int] = set()
    deepest = [0]  # deepest collection depth (the root is at 0)
    not_finite = [False]
    values = [1]  # values counted as check_data_bounds counts them: the root, every item, key and value

    def scalar(node) -> Any:
        tag = node.tag
        if tag == _STR_TAG:
            return node.value
        make = constructors.get(tag)
        if make is None or tag == _MERGE_TAG:
            raise _Unusual
        try:
            value = make(loader, node)
        except (ValueError, OverflowError) as exc:  # a date that does not exist (2026-02-30): PyYAML's datetime raises
            raise yaml.constructor.ConstructorError(None, None, _unreadable_value(node, exc), node.start_mark) from None
        if tag == _FLOAT_TAG and not math.isfinite(value):
            not_finite[0] = True
        return value

    def build(node, depth: int) -> Any:
        kind = node.__class__
        if kind is scalar_node:
            return scalar(node)
        if id(node) in seen:
            raise _Unusual
        seen.add(id(node))
        if depth > deepest[0]:
            deepest[0] = depth
        if kind is mapping_node and node.tag == _MAP_TAG:
            out: dict = {}
            values[0] += 2 * len(node.value)
            for key_node, value_node in node.value:
                if key_node.__class__ is not scalar_node:
                    raise _Unusual
                key = scalar(key_node)
                if key in out:
                    raise _Unusual
                out[key] = build(value_node, depth + 1)
            return out
        if kind is sequence_node and node.tag == _SEQ_TAG:
            values[0] += len(node.value)
            return [build(item, depth + 1) for item in node.value]
        raise _Unusual

    data = build(root, 0)
    return data, deepest[0] < MAX_YAML_DEPTH and not not_finite[0] and values[0] <= MAX_YAML_NODES


#: characters the block reader leaves to PyYAML: other line breaks, tabs, a byte order mark, and
#: every character PyYAML refuses (its reader's NON_PRINTABLE set)
_BLOCK_REFUSED = re.compile("[\t\r\x85\u2028\u2029\ufeff]|[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: the ASCII characters the block reader reads (of ASCII, `_BLOCK_REFUSED` refuses all others)
_BLOCK_ASCII = b"\n" + bytes(range(0x20, 0x7F))
#: a line the line-by-line loop must look at: a directive, a document marker
_MARKER_LINE = re.compile(r"^ *(?:%|---|\.\.\.)", re.MULTILINE)
#: a line holding a quote after which it does not end with a quote (a quoted value may go on)
_OPEN_QUOTE_LINE = re.compile(r"'[^\n]*[^'\n ] *$", re.MULTILINE)
#: `key:` or `key: value` with a simple plain key (letters, digits, '_', '.', '-', '/')
_KEY_LINE = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: +(.*))?")
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')
#: a plain scalar may not start with these (YAML's indicators); '-', '?' and ':' followed by a space neither
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_LONGEST_SIMPLE_KEY = 1000  # PyYAML refuses an implicit key over 1024 characters
_MEMO_TYPES = (str, int, float, bool, type(None))
_NOT_SEEN = object()


#: a whole number and a duration unit ('34h', '90d': a long timeline's `at` values): PyYAML's
#: resolver makes such a text a string (its float, int and timestamp patterns for a leading
#: digit each need a '.', only digits, '_', ':', or '0b'/'0x', or a '-'), found by this one pattern
_DURATION_WORD = re.compile(r"[0-9]+(?:us|ms|s|sec|min|h|hr|d|day|days|w|y)")


def _is_duration_word(text: str) -> bool:
    """Whether `_DURATION_WORD` matches all of `text`: ASCII digits and a one-letter unit
    ('87442h', the usual `at`) told without the regex."""
    digits = text[:-1]
    if text[-1:] in _ONE_LETTER_UNITS and digits.isdigit() and digits.isascii():
        return True
    return _DURATION_WORD.fullmatch(text) is not None


_ONE_LETTER_UNITS = frozenset("shdwy")


def _implicit_tag(text: str) -> str:
    """The tag of the plain scalar `text`, as PyYAML's resolver gives it
    (`Resolver().resolve(ScalarNode, text, (True, False))`: no path resolvers are ever added)
    without its per-call set-up: the first implicit resolver listed for the text's first
    character, then the wildcard ones, whose pattern matches; else a string."""
    implicit = yaml.resolver.Resolver.yaml_implicit_resolvers
    for tag, pattern in implicit.get(text[0] if text else "", ()):
        if pattern.match(text):
            return tag
    for tag, pattern in implicit.get(None, ()):
        if pattern.match(text):
            return tag
    return _STR_TAG


def _may_hold_marker(text: str) -> bool:
    """Whether a line of `text` may start with a directive or a document marker (`_MARKER_LINE`;
    the substrings looked for first)."""
    return ("%" in text or "---" in text or "..." in text) and _MARKER_LINE.search(text) is not None


def _refused_characters(text: str) -> bool:
    """Whether `text` holds a character the block reader leaves to PyYAML (`_BLOCK_REFUSED`); an
    ASCII text (the usual one) by deleting the characters it may hold, ~20x faster than the regex."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _BLOCK_ASCII))
    return _BLOCK_REFUSED.search(text) is not None


#: a line of a single-quoted scalar that holds its closing quote: the text before it (`''` is an
#: escaped quote, never a closing one) and after it
_CLOSING_QUOTE = re.compile(r"((?:[^']|'')*)'(?!')(.*)")


def _joined_single_quoted(key: str, first: str, raw_lines: list[str], pos: int, indent: int) -> tuple[str, int]:
    """`key: 'first ...'` on one line, for a single-quoted value opened on a line (`first`: its
    text after the quote, trailing spaces dropped) and closed on a later line of `raw_lines`
    (from index `pos`): the lines joined by one space each, every line's leading spaces and
    every line's trailing spaces before a line break dropped, as YAML folds a quoted scalar;
    and the index of the line after the closing one. Refused (`_Unusual`) unless every
    following line up to the closing quote is indented more than the key (`indent`), holds
    text (a blank line would be a line break), holds no '#', and nothing but spaces follows
    the closing quote; or when `first` already holds a closing quote."""
    if _CLOSING_QUOTE.fullmatch(first):
        raise _Unusual  # closed on its own line with text after it: malformed, PyYAML says so
    pieces = [first]
    count = len(raw_lines)
    while pos < count:
        raw = raw_lines[pos]
        pos += 1
        content = raw.lstrip(" ")
        if not content or len(raw) - len(content) <= indent or "#" in content:
            raise _Unusual
        closed = _CLOSING_QUOTE.fullmatch(content)
        if closed is None:
            pieces.append(content.rstrip(" "))
            continue
        if closed.group(2).strip(" "):
            raise _Unusual  # text after the closing quote
        pieces.append(closed.group(1))
        return f"{key}: '{' '.join(pieces)}'", pos
    raise _Unusual  # never closed: PyYAML gives the error


class _BlockReader:
    """The data of a block-style YAML document of the common shape (what `yaml.safe_dump` writes
    and people type: nested `key: value` mappings and `- item` sequences, one scalar a line,
    full-line comments), read line by line in Python instead of through PyYAML's node objects
    (~3x faster for a long timeline). Anything else - a flow collection other than `{}` and `[]`,
    a multi-line or block scalar, an escape, an anchor, alias, tag or merge key, a comment after
    a value, a key given twice, a quoted or unusual key, a document marker, a tab - raises
    `_Unusual` and the caller reads the document with PyYAML (which also gives the errors).
    Scalars are tagged by PyYAML's own resolver and built by the safe loader's constructors, so
    the values are the same; the bounds (`check_data_bounds`) are worked out on the way."""

    def __init__(self, text: str) -> None:
        if _refused_characters(text):
            raise _Unusual
        self.lines = self._significant_lines(text)
        self.constructor = yaml.constructor.SafeConstructor()
        self.constructors = _SafeLoader.yaml_constructors
        self.memo: dict[str, Any] = {}  # plain scalar text -> its value (immutable values only)
        self.splits: dict[str, tuple[Any, ...]] = {}  # a `key: value` line's content -> (key, value text): most lines repeat
        self.values = 1  # counted as check_data_bounds counts them: the root, every key, value and item
        self.deepest = 0
        self.not_finite = False

    @staticmethod
    def _significant_lines(text: str) -> list[tuple[int, str]]:
        """(indent in spaces, content without surrounding spaces) of each line that is neither
        blank nor a full-line comment; a `key: 'value` whose single-quoted value goes on over
        the next lines (as `yaml.safe_dump` wraps a long string) is one line `key: 'value'`."""
        if "#" not in text and not _may_hold_marker(text) and not _OPEN_QUOTE_LINE.search(text):
            # no comment, directive, marker or quoted value going on: the lines that are not blank
            if " \n" in text or text.endswith(" "):
                return [(len(raw) - len(content), content.rstrip(" ")) for raw in text.split("\n") if (content := raw.lstrip(" "))]
            # a line repeated (a timeline's `  device: pump`) gets the same tuple: read once, and
            # the comparisons of repeated items' lines (`_like_last`, `_run_like`) find them identical at once
            known: dict[str, tuple[int, str]] = {}
            seen = known.get

            def first(raw: str) -> tuple[int, str] | None:
                content = raw.lstrip(" ")
                if not content:
                    return None  # a blank line: left out
                line = known[raw] = (len(raw) - len(content), content)
                return line

            return [line for raw in text.split("\n") if (line := seen(raw)) or (line := first(raw))]
        lines: list[tuple[int, str]] = []
        raw_lines = text.split("\n")
        pos, count = 0, len(raw_lines)
        while pos < count:
            raw = raw_lines[pos]
            pos += 1
            content = raw.lstrip(" ")
            if not content or content[0] == "#":
                continue
            if "#" in content or content[0] == "%" or content.startswith(("---", "...")):
                raise _Unusual  # a comment after a value, a directive, a document marker
            indent = len(raw) - len(content)
            content = content.rstrip(" ")
            if content[-1] != "'" and "'" in content:
                m = _KEY_LINE.fullmatch(content)
                if m is not None and m.group(2) is not None and m.group(2)[0] == "'":
                    content, pos = _joined_single_quoted(m.group(1), m.group(2)[1:], raw_lines, pos, indent)
            lines.append((indent, content))
        return lines

    def document(self) -> tuple[Any, bool]:
        """(data, whether check_data_bounds would pass)."""
        lines = self.lines
        if not lines:
            raise _Unusual
        data, pos = self.node(0, lines[0][0], 0)
        if pos != len(lines):
            raise _Unusual
        return data, self.deepest < MAX_YAML_DEPTH and not self.not_finite and self.values <= MAX_YAML_NODES

    def node(self, pos: int, indent: int, depth: int) -> tuple[Any, int]:
        """The block collection whose first line is lines[pos], at `indent`; and the next line's index."""
        content = self.lines[pos][1]
        if content == "-" or content.startswith("- "):
            return self.sequence(pos, indent, depth)
        if _KEY_LINE.fullmatch(content):
            return self.mapping(pos, indent, depth)
        raise _Unusual  # a scalar on a line of its own

    def _enter(self, depth: int) -> None:
        if depth > self.deepest:
            self.deepest = depth
            if depth >= MAX_YAML_DEPTH:
                raise _Unusual  # PyYAML's path refuses it with the standard message

    def mapping(self, pos: int, indent: int, depth: int) -> tuple[dict, int]:
        """A block mapping: `key: value` lines at `indent`."""
        self._enter(depth)
        lines, count = self.lines, len(self.lines)
        known = self.memo.get  # (the memo looked up here first: most keys and values repeat)
        splits = self.splits
        out: dict = {}
        while pos < count:
            at, content = lines[pos]
            if at != indent:
                if at < indent:
                    break
                raise _Unusual  # a continued plain scalar, or malformed
            split = splits.get(content)
            if split is None:
                m = _KEY_LINE.fullmatch(content)
                if m is None:
                    break  # the end of an indentless sequence's item, or malformed (the caller decides)
                split = splits[content] = m.groups()
            key_text, rest = split
            if len(key_text) > _LONGEST_SIMPLE_KEY:
                raise _Unusual
            key = known(key_text, _NOT_SEEN)
            if key is _NOT_SEEN:
                key = self.plain(key_text)
            if key in out:
                raise _Unusual  # a key given twice: PyYAML's path names both lines
            pos += 1
            if rest is not None:
                value = known(rest, _NOT_SEEN)
                if value is _NOT_SEEN:
                    value = self.inline(rest, depth + 1)
                if pos < count and lines[pos][0] > indent:
                    raise _Unusual
            elif pos < count and (lines[pos][0] > indent or (lines[pos][0] == indent and _is_item(lines[pos][1]))):
                value, pos = self.node(pos, lines[pos][0], depth + 1)  # a nested block, or an indentless sequence
            else:
                value = self.plain("")  # `key:` alone: null
            out[key] = value
        self.values += 2 * len(out)
        return out, pos

    def sequence(self, pos: int, indent: int, depth: int) -> tuple[list, int]:
        """A block sequence: `- item` lines at `indent`."""
        self._enter(depth)
        lines, count = self.lines, len(self.lines)
        splits = self.splits
        out: list = []
        shapes: dict[tuple[int, str], _RecordShape] = {}  # flat records read, by their second line (a few dozen at most)
        while pos < count:
            at, content = lines[pos]
            if at != indent:
                if at < indent:
                    break
                raise _Unusual
            if not content.startswith("- "):
                if content == "-":
                    raise _Unusual  # an item on the following lines
                break
            rest = content[2:].lstrip(" ")
            shape = shapes.get(lines[pos + 1]) if shapes and pos + 1 < count else None
            if shape is not None:
                value = self._like_last(shape, pos, indent + len(content) - len(rest), rest, depth)
                if value is not None:
                    out.append(value)
                    pos = self._run_like(shape, pos + shape.lines, indent, depth, out)
                    continue
            split = splits.get(rest)
            if split is None:
                m = _KEY_LINE.fullmatch(rest)
                if m is not None:
                    split = splits[rest] = m.groups()  # (the mapping reads it from here)
            if split is not None:  # `- key: value`: a mapping at the key's column
                column = indent + len(content) - len(rest)
                lines[pos] = (column, rest)
                value, end = self.mapping(pos, column, depth + 1)
                if len(shapes) < _MOST_SHAPES and end - pos > 1:
                    shape = _RecordShape.of(lines, pos, end, column, split, value)
                    if shape is not None:
                        shapes[lines[pos + 1]] = shape
                pos = end
            else:
                value = self.inline(rest, depth + 1)
                pos += 1
                if pos < count and lines[pos][0] > indent:
                    raise _Unusual
            out.append(value)
        self.values += len(out)
        return out, pos

    def _like_last(self, shape: _RecordShape, pos: int, column: int, rest: str, depth: int) -> dict | None:
        """The item at lines[pos] (`- key: value`, `rest`: its text after the dash, the key at
        `column`) when it is a flat record of `shape` (an earlier item's) but for its first value: the same first
        key followed by ': ' and a value (so `_KEY_LINE` splits it so), its other lines the
        same as the shape's, the line after it back at the sequence's column or less (what
        `mapping` would read: the same keys, the same memoised values, fresh empty
        collections); else None (`mapping` reads it)."""
        end = pos + shape.lines
        prefix = shape.prefix
        if column != shape.column or not rest.startswith(prefix) or len(rest) == len(prefix) or rest[len(prefix)] != " " or \
                (end < len(self.lines) and self.lines[end][0] >= column) or self.lines[pos + 1:end] != shape.tail:
            return None
        text = rest[len(prefix):].lstrip(" ")  # (rest has no trailing spaces: a value follows)
        value = self.memo.get(text, _NOT_SEEN)
        if value is _NOT_SEEN:
            if _is_duration_word(text):  # ('34h': a string, as `inline` and `plain` find, a digit first)
                value = self.memo[text] = text
            else:
                value = self.inline(text, depth + 2)
        out = {shape.key: value}
        out.update(shape.values)
        for key, empty in shape.fresh:
            out[key] = empty()
        self.values += shape.count
        return out

    def _run_like(self, shape: _RecordShape, pos: int, indent: int, depth: int, out: list) -> int:
        """After an item read by `_like_last` with `shape`: the items that follow it and
        `_like_last` would read with the same shape (their first line `- key: value` with the
        dash at `indent` and the key at the shape's column, the same other lines, the line after
        them back at the sequence's column or less), appended to `out` in one loop; the index of
        the first line not read so."""
        lines, memo, count = self.lines, self.memo, len(self.lines)
        size, column, key, tail, values, fresh = shape.lines, shape.column, shape.key, shape.tail, shape.values, shape.fresh
        head = "- " + " " * (column - indent - 2) + shape.prefix + " "  # the first line up to the value: the key at `column`, a space after its colon
        cut = len(head)
        read = 0
        while pos < count:
            at, content = lines[pos]
            end = pos + size
            if at != indent or not content.startswith(head) or lines[pos + 1:end] != tail or (end < count and lines[end][0] >= column):
                break
            text = content[cut:].lstrip(" ")  # (not empty: a line has no trailing spaces)
            value = memo.get(text, _NOT_SEEN)
            if value is _NOT_SEEN:
                if _is_duration_word(text):  # ('34h': a string, as `inline` and `plain` find, a digit first)
                    value = memo[text] = text
                else:
                    value = self.inline(text, depth + 2)
            item = {key: value}
            item.update(values)
            for name, empty in fresh:
                item[name] = empty()
            out.append(item)
            read += 1
            pos = end
        self.values += shape.count * read
        return pos

    def inline(self, text: str, depth: int) -> Any:
        """The value written after `key: ` or `- `: a scalar, `{}` or `[]`."""
        value = self.memo.get(text, _NOT_SEEN)
        if value is not _NOT_SEEN:  # a plain scalar read before (the same text passes the same checks)
            return value
        first = text[0]
        if first == "'":
            m = _SINGLE_QUOTED.fullmatch(text)
            if m is None:
                raise _Unusual
            return m.group(1).replace("''", "'")
        if first == '"':
            m = _DOUBLE_QUOTED.fullmatch(text)
            if m is None:
                raise _Unusual
            return m.group(1)
        if text == "{}" or text == "[]":
            self._enter(depth)
            return {} if text == "{}" else []
        if first in _INDICATORS and (first not in "-?:" or len(text) == 1 or text[1] == " "):
            raise _Unusual
        if ": " in text or text.endswith(":"):
            raise _Unusual
        return self.plain(text)

    def plain(self, text: str) -> Any:
        """The value of the plain scalar `text`, as the safe loader builds it."""
        memo = self.memo
        if text in memo:
            return memo[text]
        tag = _STR_TAG if _DURATION_WORD.fullmatch(text) else _implicit_tag(text)
        if tag == _STR_TAG:
            value: Any = text
        else:
            make = self.constructors.get(tag)
            if make is None or tag == _MERGE_TAG:
                raise _Unusual
            try:
                value = make(self.constructor, yaml.ScalarNode(tag, text))
            except (ValueError, OverflowError):  # a date that does not exist: PyYAML's path says where
                raise _Unusual from None
            if tag == _FLOAT_TAG and not math.isfinite(value):
                self.not_finite = True
        if type(value) in _MEMO_TYPES:
            memo[text] = value
        return value


#: the most flat-record shapes a sequence keeps (a timeline cycling over 16 pumps keeps 16)
_MOST_SHAPES = 64


class _RecordShape:
    """A sequence item read by `_BlockReader.mapping` that is a flat record: `- key: value`
    then one `key: value` line each for its other keys, all at one column, every value a
    memoised scalar (the same object for the same text) or an empty `{}` / `[]`. The later
    items of the same lines but for the first value are built from it (`_like_last`)."""

    __slots__ = ("lines", "column", "prefix", "key", "tail", "values", "fresh", "count")

    def __init__(self, lines: int, column: int, first_key: str, key: Any, tail: list[tuple[int, str]],
                 values: dict, fresh: list[tuple[Any, Callable[[], Any]]]) -> None:
        self.lines = lines  # lines of an item
        self.column = column  # the keys' column
        self.prefix = first_key + ":"  # the first key's text and its colon
        self.key = key  # the first key
        self.tail = tail  # the item's lines after the first, (indent, content)
        self.values = values  # the other keys and their values, in order (an empty collection as None)
        self.fresh = fresh  # (key, dict or list) of the keys whose value is a fresh empty collection
        self.count = 2 * (len(values) + 1)  # values counted for check_data_bounds

    @staticmethod
    def of(lines: list[tuple[int, str]], pos: int, end: int, column: int, split: tuple[Any, ...], value: Any) -> _RecordShape | None:
        """The shape of the item `value` read from lines[pos:end] (its first line split into
        `split`), or None when it is not a flat record."""
        if type(value) is not dict or len(value) != end - pos or split[1] is None or \
                (end < len(lines) and lines[end][0] >= column):
            return None
        tail = lines[pos + 1:end]
        if any(at != column for at, _ in tail):
            return None
        items = iter(value.items())
        key, _ = next(items)
        values: dict = {}
        fresh: list[tuple[Any, Callable[[], Any]]] = []
        for k, v in items:
            kind = type(v)
            if (kind is dict or kind is list) and not v:
                values[k] = None
                fresh.append((k, kind))
            elif kind in _MEMO_TYPES:
                values[k] = v
            else:
                return None
        return _RecordShape(end - pos, column, split[0], key, tail, values, fresh)


def _is_item(content: str) -> bool:
    """Whether a line's content starts a block sequence's item."""
    return content == "-" or content.startswith("- ")


def _load(text: str) -> tuple[Any, bool]:
    """`yaml.load(text, Loader=_SafeLoader)`, the common documents built by `_plain_data`; and
    whether `check_data_bounds` would pass, so need not run: the document was built without
    aliases (its expanded size is its size), holds at most MAX_YAML_NODES values, is not too
    deep, and every number is finite."""
    try:
        return _BlockReader(text).document()
    except _Unusual:
        pass
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, True
        try:
            return _plain_data(loader, node)
        except _Unusual:
            return loader.construct_document(node), False
    finally:
        loader.dispose()


def load_yaml_text(text: str, file: str) -> Any:
    try:
        data, plain = _load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(unknown place)"
        problem = exc.problem or "cannot read it"
        prefix = "" if problem.startswith("duplicate key") else "malformed YAML: "
        raise InputError(Issue(where, prefix + problem), file) from None
    except yaml.YAMLError as exc:
        raise InputError(Issue("(top level)", f"malformed YAML: {type(exc).__name__}"), file) from None
    except (ValueError, OverflowError) as exc:  # a scalar PyYAML's own constructor cannot build (the standard path)
        raise InputError(Issue("(top level)", f"a value cannot be read: {exc}"), file) from None
    except RecursionError:
        raise InputError(Issue("(top level)", f"the data nests too deeply; at most {MAX_YAML_DEPTH} levels are allowed"), file) from None
    if not plain:  # check_data_bounds raises the error (or the standard constructor built the data)
        check_data_bounds(data, file)
    return data


def read_input_bytes(path: Path | str, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; InputError (naming the file, never
    quoting it) for a missing, unreadable, oversized or non-regular file (device, FIFO, socket,
    folder), also behind a symbolic link. Never blocks on a FIFO and never reads past the cap."""
    path = Path(path)
    file = str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(Issue("(file)", "file not found"), file) from None
    except OSError as exc:
        raise InputError(Issue("(file)", f"cannot read file: {exc.strerror or type(exc).__name__}"), file) from None
    except ValueError:  # a NUL byte in the name
        raise InputError(Issue("(file)", "not a usable file name"), file) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(Issue("(file)", "is a folder, not a file"), file)
    if not stat.S_ISREG(st.st_mode):
        raise InputError(Issue("(file)", "is not a regular file (a device, pipe or socket); give a file"), file)
    if st.st_size > max_bytes:
        raise InputError(Issue("(file)", f"file is {st.st_size} bytes; input files may be at most {max_bytes} bytes"), file)
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since the check, opening does not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(Issue("(file)", f"cannot read file: {exc.strerror or type(exc).__name__}"), file) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(Issue("(file)", "is not a regular file (a device, pipe or socket); give a file"), file)
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(Issue("(file)", f"cannot read file: {exc.strerror or type(exc).__name__}"), file) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputError(Issue("(file)", f"file is over {max_bytes} bytes; input files may be at most {max_bytes} bytes"), file)
    return data


def load_yaml_file(path: Path | str) -> Any:
    """Read a YAML (or JSON) file into plain data; InputError for anything a user could get wrong."""
    file = str(path)
    data = read_input_bytes(path)
    if b"\x00" in data:
        raise InputError(Issue("(file)", "file is binary (contains NUL bytes), not YAML text"), file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Issue("(file)", f"file is not UTF-8 text (byte {exc.start})"), file) from None
    if not text.strip():
        raise InputError(Issue("(top level)", "file is empty; expected a YAML mapping"), file)
    data = load_yaml_text(text, file)
    if data is None:
        raise InputError(Issue("(top level)", "file is empty (only comments or blank lines); expected a YAML mapping"), file)
    return data
