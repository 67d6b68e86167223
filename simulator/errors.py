"""Errors the user can act on.

`InputError` is raised for bad input (scenario, profile, exercise or sweep files, CLI values).
Each `Issue` names the file, the field path, the offending value and what is allowed, so that
the CLI can print it and exit 2 and the GUI can show it in a dialog.
`ActionRefused` is raised by a device model when a programming action breaks a limit of the
device or drug profile; the engine turns it into a `refusal` event instead of stopping.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

_MAX_VALUE_CHARS = 80


def _short(value: Any) -> str:
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
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
        return f"{where}{self.path}: {self.message}{got}"

    def in_file(self, file: str | None) -> "Issue":
        return Issue(self.path, self.message, self.value, self.file or file)

    def under(self, prefix: str) -> "Issue":
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

    def under(self, prefix: str) -> "InputError":
        return InputError([i.under(prefix) for i in self.issues])

    def in_file(self, file: str | None) -> "InputError":
        return InputError(self.issues, file)


def issues_from_pydantic(exc: Exception, file: str | None = None, prefix: str = "") -> InputError:
    """Convert a pydantic ValidationError into an InputError with readable issues.

    Unknown keys get the list of allowed keys, so a typo shows its intended spelling.
    """
    issues: list[Issue] = []
    for err in exc.errors():  # type: ignore[attr-defined]
        loc = tuple(err.get("loc", ()))
        msg = err.get("msg", "invalid")
        if msg.startswith(("Value error, ", "Assertion failed, ")):
            msg = msg.split(", ", 1)[1]
        if err.get("type") == "extra_forbidden":
            allowed = _allowed_keys(exc, loc)
            msg = "unknown key" + (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
        if err.get("type") == "missing":
            issues.append(Issue(format_path(loc), "required field is missing", file=file).under(prefix))
            continue
        issues.append(Issue(format_path(loc), msg, err.get("input", _MISSING), file).under(prefix))
    return InputError(issues, file)


def _allowed_keys(exc: Exception, loc: tuple) -> list[str]:
    """Best effort: the field names of the model that rejected an extra key."""
    model = getattr(exc, "_neuromod_model", None)
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


def validate_model(model: type, data: Any, file: str | None = None, prefix: str = ""):
    """Validate `data` against pydantic `model`, raising InputError with full paths."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        exc._neuromod_model = model  # type: ignore[attr-defined]
        raise issues_from_pydantic(exc, file, prefix) from None


class ActionRefused(Exception):
    """A device refused a programming action; the reason names the limit that was hit."""

    def __init__(self, reason: str, **details: Any):
        self.reason = reason
        self.details = details
        super().__init__(reason)
