"""Errors the user can act on.

`InputError` is raised for bad input (scenario, profile, exercise or sweep files, CLI values).
Each `Issue` names the file, the field path, the offending value and what is allowed, so that
the CLI can print it and exit 2 and the GUI can show it in a dialog.
`ActionRefused` is raised by a device model when a programming action breaks a limit of the
device or drug profile; the engine turns it into a `refusal` event instead of stopping.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from collections.abc import Iterable

if TYPE_CHECKING:  # pydantic is imported where it is used (keeps `import simulator.errors` light)
    from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound="BaseModel")

_MAX_VALUE_CHARS = 80
#: most container items looked at when formatting one value (the rest is never visited)
_MAX_VALUE_ITEMS = 64

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: Any) -> str:
    """`text` safe to print on a terminal: control characters (escape codes, carriage returns,
    bidirectional overrides) are shown as `\\xNN` / `\\uNNNN` instead of acting; newlines and tabs stay."""

    def escape(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, str(text))


def _short(value: Any, limit: int = _MAX_VALUE_CHARS) -> str:
    """A repr of `value` cut to `limit` characters, built lazily: only as much of the value is
    looked at as the text needs, so a huge (alias-expanded) or self-referencing structure costs
    no more than a small one."""
    out: list[str] = []
    budget = [limit + 1, _MAX_VALUE_ITEMS]

    def put(text: str) -> bool:
        if budget[0] <= 0:
            return False
        out.append(text[: budget[0]])
        budget[0] -= len(text)
        return budget[0] > 0

    def walk(v: Any, depth: int) -> bool:
        budget[1] -= 1
        if budget[1] < 0 or depth > 8:
            return put("...")
        if isinstance(v, dict):
            if not put("{"):
                return False
            for n, (k, item) in enumerate(v.items()):
                if (n and not put(", ")) or not walk(k, depth + 1) or not put(": ") or not walk(item, depth + 1):
                    return False
            return put("}")
        if isinstance(v, (list, tuple)):
            open_, close = ("[", "]") if isinstance(v, list) else ("(", ")")
            if not put(open_):
                return False
            for n, item in enumerate(v):
                if (n and not put(", ")) or not walk(item, depth + 1):
                    return False
            return put(close)
        if isinstance(v, str):
            return put(repr(v[: limit + 1]))
        if hasattr(v, "isoformat") and not isinstance(v, type):  # dates and times as written in files
            return put(v.isoformat())
        if isinstance(v, (bytes, bytearray)):
            return put(repr(bytes(v[: limit + 1])))
        try:
            return put(repr(v))
        except ValueError:  # an int too long to print (Python's int-to-str limit)
            return put(f"<{type(v).__name__} too long to print>")

    walk(value, 0)
    text = printable("".join(out))
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def format_path(loc: Iterable[Any]) -> str:
    """Turn a pydantic location tuple into `devices[0].settings.rate_hz`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


_MISSING = object()


@dataclass(frozen=True)
class Issue:
    """One problem in one place of one input."""

    path: str
    message: str
    value: Any = _MISSING
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        got = "" if self.value is _MISSING else f" (got {_short(self.value)})"
        return printable(f"{where}{self.path}: {self.message}{got}")

    def in_file(self, file: str | None) -> Issue:
        return Issue(self.path, self.message, self.value, self.file or file)

    def under(self, prefix: str) -> Issue:
        """The same issue with its path placed under `prefix`."""
        path = self.path if self.path != "(top level)" else ""
        if not prefix:
            return self
        joined = prefix + ("" if not path or path.startswith("[") else ".") + path
        return Issue(joined, self.message, self.value, self.file)


class InputError(Exception):
    """Invalid user input; carries one or more `Issue`s. The CLI exits 2 on it."""

    def __init__(self, issues: list[Issue] | Issue | str, file: str | None = None):
        if isinstance(issues, str):
            issues = [Issue("(top level)", issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues = [i.in_file(file) for i in issues]
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)

    def under(self, prefix: str) -> InputError:
        return InputError([i.under(prefix) for i in self.issues])

    def in_file(self, file: str | None) -> InputError:
        return InputError(self.issues, file)


def issues_from_pydantic(exc: ValidationError, file: str | None = None, prefix: str = "", model: type | None = None) -> InputError:
    """Convert a pydantic ValidationError into an InputError with readable issues.

    Unknown keys get the list of allowed keys of `model` (the model validated), so a typo shows
    its intended spelling.
    """
    issues: list[Issue] = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        msg = err.get("msg", "invalid")
        if msg.startswith(("Value error, ", "Assertion failed, ")):
            msg = msg.split(", ", 1)[1]
        if err.get("type") == "extra_forbidden":
            allowed = _allowed_keys(model, loc)
            msg = "unknown key" + (f"; allowed keys: {', '.join(allowed)}" if allowed else "") + did_you_mean(loc[-1] if loc else "", allowed)
        if err.get("type") == "number_type":  # StrictModel._numbers_are_numbers: the field and value are in ctx
            ctx = err.get("ctx") or {}
            issues.append(Issue(format_path((*loc, ctx.get("field", "?"))), msg, ctx.get("value", _MISSING), file).under(prefix))
            continue
        if err.get("type") == "missing":
            issues.append(Issue(format_path(loc), "required field is missing", file=file).under(prefix))
            continue
        issues.append(Issue(format_path(loc), msg, err.get("input", _MISSING), file).under(prefix))
    return InputError(issues, file)


def did_you_mean(word: Any, choices: Iterable[Any]) -> str:
    """'; did you mean 'rate_ml_per_day'?' for the closest of `choices` to a misspelt `word`
    (difflib, similarity >= 0.6), or '' when none is close."""
    import difflib

    if not isinstance(word, str) or not word:
        return ""
    names = [str(c) for c in choices if isinstance(c, str)]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in names}
        close = [lowered[k] for k in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)]
    return f"; did you mean {close[0]!r}?" if close and close[0] != word else ""


def _allowed_keys(model: type | None, loc: tuple) -> list[str]:
    """Best effort: the field names of the model (within `model`) that rejected an extra key."""
    if model is None:
        return []
    current = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        annotation = fields[part].annotation
        current = _innermost_model(annotation)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None) or {}
    return sorted(fields)


def _innermost_model(annotation: Any):
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _innermost_model(arg)
        if found is not None:
            return found
    return None


def validate_model(model: type[M], data: Any, file: str | None = None, prefix: str = "") -> M:
    """Validate `data` against pydantic `model`, raising InputError with full paths."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise issues_from_pydantic(exc, file, prefix, model) from None


class ActionRefused(Exception):
    """A device refused a programming action; the reason names the limit that was hit."""

    def __init__(self, reason: str, **details: Any):
        self.reason = reason
        self.details = details
        super().__init__(reason)
