"""The base of every profile model.

A profile is data: a device archetype, a lead, or a drug. Every domain figure in it carries a
source note in `sources` (field name -> note). Notes start with a tag: `[L]` read in a public
label, manual or paper (named), `[D]` derived by arithmetic (shown), `[?]` a commonly quoted
default that has not been confirmed, kept as a setting the user may change.
"""
from __future__ import annotations

import functools
import re
import types
import typing
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

PROFILE_ID_PATTERN = r"^[a-z]+/[a-z0-9][a-z0-9._-]*$"
#: the tag a source note starts with: [L] read in a label or paper, [D] derived, [?] a default
SOURCE_TAG = re.compile(r"^\s*\[(L|D|\?)[]:]")
SOURCE_FORMS = "give '[L] where it was read', '[D] how it was derived' or '[?] default: why this value'"
#: the pydantic error type of a bool or text given for a number-only field
NUMBER_TYPE_ERROR = "number_type"


class StrictModel(BaseModel):
    """A pydantic model that rejects unknown keys (a typo must never be silently ignored)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_negative_zero(cls, value):
        """-0 given for a number is stored (and written) as 0, never as '-0.0'."""
        return 0.0 if type(value) is float and value == 0.0 else value

    @model_validator(mode="before")
    @classmethod
    def _numbers_are_numbers(cls, data: Any) -> Any:
        """A field that holds only a number takes a number: `true` / `yes` / `on` (read as 1 by
        a lax check) and quoted text ('3') are refused, naming the field and the value (the
        error's context carries them: `simulator.errors.issues_from_pydantic` puts them in place)."""
        if isinstance(data, dict):
            for key, number in _number_only_fields(cls).items():  # (most models: none, or a few)
                value = data.get(key)
                if isinstance(value, (bool, str)):
                    kind = "true/false (yes/no, on/off)" if isinstance(value, bool) else "text (quoted)"
                    raise PydanticCustomError(NUMBER_TYPE_ERROR, "must be a valid {number}, not {kind}", {"number": number, "kind": kind, "field": key, "value": value})
        return data


@functools.lru_cache(maxsize=1024)
def _number_only_fields(model: type[BaseModel]) -> dict[str, str]:
    """The fields of `model` that hold only a number, by name: 'integer' or 'number' when the
    field holds only an int or a float (or None), with no converter of its own (a duration,
    read from '30d', has one). Made once a model class (the check runs at every model built)."""
    found: dict[str, str] = {}
    for name, field in model.model_fields.items():
        if any(type(m).__name__ in ("BeforeValidator", "PlainValidator", "WrapValidator") for m in field.metadata):
            continue
        annotation = field.annotation
        options = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else (annotation,)
        numbers = [a for a in options if a is not type(None)]
        if numbers and all(a in (int, float) for a in numbers):
            found[name] = "integer" if numbers == [int] else "number"
    return found


class Profile(StrictModel):
    id: str = Field(pattern=PROFILE_ID_PATTERN, description="kind/name, e.g. pump/peristaltic-20ml")
    name: str = Field(description="Display name")
    description: str = Field(description="One line shown by `neuromod-sim profiles`")
    modelled_on: str = Field("", description="The real device family this archetype is modelled on")
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Source note per figure: field name (dotted for nested fields) -> '[L] ...', '[D] ...' or '[?] default ...'",
    )

    kind: ClassVar[str] = ""
    #: Fields that are figures and so must carry a source note (numbers by default).
    exempt_from_sources: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _kind_matches_id(self):
        if self.kind and not self.id.startswith(self.kind + "/"):
            raise ValueError(f"profile id {self.id!r} must start with '{self.kind}/'")
        return self

    def source_issues(self, file: str | None = None) -> list:
        """Issues (simulator.errors.Issue) for the figures of a profile file without a source
        note, and for notes that do not start with a tag ([L], [D] or [?]); [] when all is well."""
        from simulator.errors import Issue

        issues = []
        missing = self.figures_without_source()
        if missing:
            shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
            issues.append(Issue("sources", f"every figure needs a source note; none for: {shown}; {SOURCE_FORMS}", file=file))
        for name, note in sorted(self.sources.items()):
            if not SOURCE_TAG.match(note):
                issues.append(Issue(f"sources.{name}", f"a source note starts with its tag; {SOURCE_FORMS}", note, file))
        return issues

    def figures_without_source(self) -> list[str]:
        """Names of numeric fields (dotted for nested models) that have no source note."""
        missing: list[str] = []
        _collect_missing(self, "", self.sources, self.exempt_from_sources, missing)
        return missing


def _collect_missing(model: BaseModel, prefix: str, sources: dict[str, str], exempt, missing: list[str]) -> None:
    for name in type(model).model_fields:
        value = getattr(model, name)
        dotted = prefix + name
        if name in ("sources",) or dotted in exempt:
            continue
        if isinstance(value, BaseModel):
            if dotted in sources:
                continue
            _collect_missing(value, dotted + ".", sources, exempt, missing)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if dotted not in sources and not any(dotted.startswith(k + ".") for k in sources):
                missing.append(dotted)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
