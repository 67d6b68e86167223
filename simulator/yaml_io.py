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
        value = make(loader, node)
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


def _load(text: str) -> tuple[Any, bool]:
    """`yaml.load(text, Loader=_SafeLoader)`, the common documents built by `_plain_data`; and
    whether `check_data_bounds` would pass, so need not run: the document was built without
    aliases (its expanded size is its size), holds at most MAX_YAML_NODES values, is not too
    deep, and every number is finite."""
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
