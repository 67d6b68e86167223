"""Pydantic models of a scenario file.

```yaml
name: Morphine, continuous, two refills
seed: 7
start: 2026-01-05T08:00:00     # calendar time of t = 0, for display and time-of-day schedules
duration: 120d
devices:
  - id: pump
    profile: pump/peristaltic-20ml
    settings: {...}             # validated by the device model for the profile's kind
timeline:
  - at: 30d
    device: pump
    action: refill
    params: {...}               # validated by the device model for that action
```
Durations are numbers of seconds or strings such as `250us`, `30min`, `12h`, `90d`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, PrivateAttr, ValidationInfo, WithJsonSchema, field_validator, model_validator

from simulator.profiles.base import StrictModel
from simulator.units import MAX_DURATION_S, SECONDS_PER_DAY, format_duration, parse_duration_s

def duration_text(seconds: float) -> str:
    """`format_duration(seconds)`: a duration (s) as saved, e.g. 90d, 34h. A whole number of
    days or hours (exactly: a float's remainder is exact) below 1e12 s is written at once (a
    long timeline's `at` values: ~4,000 in scenario.json); there `format_duration` gives the
    same text (a whole number of hours that is not of days is at least 1/24 day from one, more
    than its 1e-9 relative tolerance below 1e12 s), everything else goes through it."""
    if type(seconds) is float and 0.0 < seconds < 1e12:
        if seconds % 86400.0 == 0.0:
            return f"{int(seconds // 86400.0)}d"
        if seconds % 3600.0 == 0.0:
            return f"{int(seconds // 3600.0)}h"
    return format_duration(seconds)


Duration = Annotated[
    float,
    BeforeValidator(parse_duration_s),
    PlainSerializer(duration_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "description": "seconds"},
                {"type": "string", "pattern": r"^\s*([0-9]*\.?[0-9]+\s*(us|ms|s|sec|min|h|hr|d|day|days|w|y)\s*)+$"},
            ],
            "description": "a duration: seconds, or e.g. '250us', '30min', '12h', '90d'",
        }
    ),
]

def _content_bytes(content: Any) -> bytes:
    """Bytes that differ whenever `content` (plain data) differs: its pickle (~6x faster than
    its repr for a long timeline; exact floats, 1, 1.0 and True apart, dict order kept), or its
    repr when it cannot be pickled. The same objects give the same bytes; equal data held as
    other objects may give other bytes (a shared dict written once), which only costs a check."""
    import pickle

    try:
        return pickle.dumps(content, protocol=5)
    except Exception:  # anything pickle refuses (a user's object in settings): its repr, as before
        return repr(content).encode("utf-8", "surrogatepass")


class _Checked:
    """What `validate_references` parsed, kept on the Scenario it checked. A cache, not data: it
    compares equal to anything (so it never makes two scenarios differ) and pickles as None."""

    __slots__ = ("fingerprint", "data")

    def __init__(self, fingerprint: tuple, data: dict):
        self.fingerprint, self.data = fingerprint, data

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, _Checked)

    __hash__ = None  # type: ignore[assignment]  # unhashable with its own __eq__ (Python's idiom; typeshed types __hash__ as a method)

    def __reduce__(self):
        return (type(None), ())


#: Bounds of this simulator, so that a scenario's cost is bounded (see README, "Scenario files")
MIN_SCENARIO_DURATION_S = 1.0
MAX_SCENARIO_DURATION_S = MAX_DURATION_S  # 1000y: cost is bounded by events, see simulator.events.MAX_EVENTS_PER_RUN
MAX_TIMELINE_ACTIONS = 250_000  # after recurring actions are expanded (a file itself is at most 2 MiB)
MIN_START = datetime(1900, 1, 1)
MAX_START = datetime(2200, 1, 1)

DEVICE_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"


def _without_negative_zero(value: Any) -> Any:
    """The same data with every -0.0 replaced by 0.0 (so that no '-0.0' is ever written back)."""
    if type(value) is float:
        return 0.0 if value == 0.0 else value
    if isinstance(value, dict):
        return {k: _without_negative_zero(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_negative_zero(v) for v in value]
    return value


class DeviceSpec(StrictModel):
    id: str = Field(pattern=DEVICE_ID_PATTERN, description="Name of this device in the scenario, e.g. 'pump' or 'ipg'")
    profile: str = Field(description="Profile id, e.g. 'pump/peristaltic-20ml' or 'scs/rechargeable-16'")
    settings: dict[str, Any] = Field(default_factory=dict, description="Initial settings; see `neuromod-sim schema`")

    @field_validator("settings")
    @classmethod
    def _no_negative_zero_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _without_negative_zero(value)


AT_TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
#: the shortest repeat interval of a recurring action (a bound on the cost of expanding one)
MIN_EVERY_S = 1.0


class ActionSpec(StrictModel):
    """One action of the timeline, or a recurring one (`every`, with `count` or `until`).

    A recurring entry is expanded into single actions when the scenario is loaded (see
    `simulator.scenario.recurring`); the expanded timeline is what runs and what `scenario.json`
    holds. `every`, `count`, `until` and `at_time` are therefore never written back."""

    at: Duration | None = Field(None, description="When, from the scenario start (a recurring action: its first occurrence, or with at_time the earliest)")
    device: str = Field(description="Id of the device the action is for")
    action: str = Field(description="Action name, e.g. 'refill', 'set_program', 'patient_bolus'")
    params: dict[str, Any] = Field(default_factory=dict, description="Parameters of the action")
    every: Duration | None = Field(None, exclude=True, description="Repeat the action at this interval, e.g. 7d, 90d (at least 1 s)")
    count: int | None = Field(None, ge=1, le=MAX_TIMELINE_ACTIONS, exclude=True, description="with every: the number of occurrences")
    until: Duration | None = Field(None, exclude=True, description="with every: the last occurrence is at or before this time from the start (default: the scenario's end)")
    at_time: str | None = Field(
        None,
        pattern=AT_TIME_PATTERN,
        exclude=True,
        description="with every (a whole number of days): the clock time of each occurrence, 'HH:MM', in the calendar of the scenario's start",
    )
    #: (index of the entry in the file's timeline, occurrence number from 0 or None), set by expansion
    _origin: Any = PrivateAttr(default=None)

    @field_validator("params")
    @classmethod
    def _no_negative_zero_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        """(An empty dict, as a daily bolus's, is pydantic's fresh copy already: kept.)"""
        return _without_negative_zero(value) if value else value

    @field_validator("at", "every", "until", mode="after")
    @classmethod
    def _no_negative_zero(cls, value):
        """StrictModel's rule (-0 stored as 0) on the fields that hold a float: the others hold
        strings, a whole number or the params (above), where it changes nothing; in its place
        (same name) it runs once an action instead of four times (a timeline of 4,000 actions)."""
        return 0.0 if type(value) is float and value == 0.0 else value

    @model_validator(mode="after")
    def _recurrence_fields(self):
        if self.every is None:
            if self.at is not None and self.count is None and self.until is None and self.at_time is None:
                return self  # (a single action, as every action of a long generated timeline)
            extra = [k for k in ("count", "until", "at_time") if getattr(self, k) is not None]
            if extra:
                raise ValueError(f"{', '.join(extra)} only applies to a recurring action: add every (e.g. every: 7d)")
            if self.at is None:
                raise ValueError("at is required: when the action happens, from the scenario start (e.g. at: 30d)")
            return self
        if self.every < MIN_EVERY_S:
            raise ValueError(f"every must be at least {MIN_EVERY_S:g} s (got {format_duration(self.every)})")
        if self.count is not None and self.until is not None:
            raise ValueError("give count or until, not both")
        if self.at_time is not None and abs(self.every / SECONDS_PER_DAY - round(self.every / SECONDS_PER_DAY)) > 1e-9:
            raise ValueError(f"at_time needs every to be a whole number of days (e.g. 1d, 7d; got {format_duration(self.every)})")
        if self.at is None and self.at_time is None:
            raise ValueError("a recurring action needs at (its first occurrence) or at_time (a clock time, e.g. '20:00')")
        if self.until is not None and self.at is not None and self.until < self.at:
            raise ValueError(f"until ({format_duration(self.until)}) is before at ({format_duration(self.at)})")
        return self

    @property
    def recurring(self) -> bool:
        return self.every is not None

    @property
    def at_s(self) -> float:
        """When the action happens, s from the scenario start. Every action of a loaded timeline
        has it (recurring entries are expanded into single actions with `at` when loading)."""
        if self.at is None:
            raise ValueError(f"{self.action} for {self.device}: a recurring entry without at (expand the timeline first)")
        return self.at

    def where(self, j: int) -> str:
        """The path of this action in the file: `timeline[j]`, or for an occurrence of a recurring
        entry, that entry's path (the file has no line of its own for each occurrence)."""
        origin = self._origin
        return f"timeline[{j if origin is None else origin[0]}]"

    def occurrence_note(self) -> str:
        """' (occurrence 5 of the recurring action, at 120d)' for an expanded action, else ''."""
        origin = self._origin
        if origin is None or origin[1] is None:
            return ""
        return f" (occurrence {origin[1] + 1} of the recurring action, at {format_duration(self.at_s)})"


#: the private-attribute set-up pydantic installs as `model_post_init` on a model that has
#: private attributes and no post-init of its own (module and name)
_PYDANTIC_PRIVATE_INIT = ("pydantic._internal._model_construction", "init_private_attributes")
#: private attribute defaults `_plain_private_init` copies as they are (immutable)
_IMMUTABLE_DEFAULTS = (type(None), bool, int, float, str)


def _plain_private_init(cls: type) -> bool:
    """Give `cls` (a model validated by the thousand: a timeline's actions) a `model_post_init`
    doing what pydantic's own does for its private attributes, without its general steps (a
    look at each attribute's default factory and a copy of its default: ~2 us an action). It
    stores the same dict (each attribute's default, None for `_origin`) in the same place
    (`__pydantic_private__`) when validation left it unset, so equality, copies, pickles and
    assignment behave as before. Done only when pydantic's own is the one in place and every
    default is an immutable value without a factory (else nothing changes: True when done)."""
    current = cls.__dict__.get("model_post_init")
    if (getattr(current, "__module__", None), getattr(current, "__name__", None)) != _PYDANTIC_PRIVATE_INIT:
        return False
    defaults: dict[str, Any] = {}
    for name, attr in cls.__private_attributes__.items():  # type: ignore[attr-defined]
        if attr.default_factory is not None or type(attr.default) not in _IMMUTABLE_DEFAULTS:
            return False
        defaults[name] = attr.default
    set_attribute = object.__setattr__

    def model_post_init(self, context: Any, /) -> None:
        if getattr(self, "__pydantic_private__", None) is None:
            set_attribute(self, "__pydantic_private__", defaults.copy())

    cls.model_post_init = model_post_init  # type: ignore[attr-defined]
    return True


_plain_private_init(ActionSpec)


class PatientLeadPlacement(StrictModel):
    """Where a lead lies in the virtual patient: level of its top contact, side, lateral offset."""

    level: str = Field(pattern=r"^\s*[CTLScstls][0-9]{1,2}\s*$", description="Vertebral level of the top contact, e.g. 'T8' (C1..S1)")
    side: Literal["left", "midline", "right"] = "midline"
    lateral_offset_mm: float = Field(0.0, ge=-30, le=30, description="Lead midline from the cord midline, mm (+ right); 0: 2 mm to the side named")


class PatientSpec(StrictModel):
    """The virtual patient (an approximation for teaching), linked to a stimulator of the scenario."""

    id: str = Field("patient", pattern=DEVICE_ID_PATTERN, description="Device id of the patient in events and results")
    profile: str = Field(description="Patient profile id, e.g. 'patient/fbss-back-bilateral-legs'")
    stimulator: str | None = Field(None, description="Id of the linked stimulator device (an SCS patient)")
    pump: str | None = Field(None, description="Id of the linked drug pump (an intrathecal patient); give stimulator or pump")
    leads: list[PatientLeadPlacement] | None = Field(None, max_length=8, description="Placement per lead (default: the stimulator's)")
    settings: dict[str, Any] = Field(default_factory=dict, description="Trial, diary, random migration; see `neuromod-sim schema`")

    @model_validator(mode="after")
    def _one_link(self):
        if (self.stimulator is None) == (self.pump is None):
            raise ValueError("link the patient to one device: give stimulator (a spinal cord stimulator) or pump (an intrathecal pump), not both or neither")
        if self.pump is not None and self.leads is not None:
            raise ValueError("leads only apply to a patient linked to a stimulator")
        return self

    def device_settings(self) -> dict[str, Any]:
        """The patient device's settings: the section's settings plus the link and the placements."""
        if self.pump is not None:
            return {**self.settings, "pump": self.pump}
        leads = None if self.leads is None else [p.model_dump() for p in self.leads]
        return {**self.settings, "stimulator": self.stimulator, "leads": leads}


class Scenario(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed of all randomness in the run")
    start: datetime = Field(datetime(2026, 1, 1, 8, 0, 0), description="Calendar time of t = 0")
    duration: Duration = Field(description="How long to simulate")
    devices: list[DeviceSpec] = Field(min_length=1, max_length=64)
    timeline: list[ActionSpec] = Field(default_factory=list, max_length=MAX_TIMELINE_ACTIONS)
    patient: PatientSpec | None = Field(None, description="A virtual patient linked to a stimulator (approximation for teaching)")
    #: set by `validate_references`: what it checked against and what it parsed (see `checked_with`)
    _checked: Any = PrivateAttr(default=None)

    def _fingerprint(self, registry) -> tuple:
        """What the check depends on, by content: the registry, the duration, and every device's
        and action's fields (an in-place edit of a refill's params makes a different fingerprint,
        so the next Simulation checks and parses the edited scenario, never a stale copy)."""
        import hashlib

        devices = [(d.id, d.profile, d.settings) for d in self.devices]
        timeline = [(a.at, a.device, a.action, a.params) for a in self.timeline]
        if self.patient is not None:  # only scenarios with a patient get a longer fingerprint
            content: tuple = (self.duration, devices, timeline, self.patient.model_dump())
        else:
            content = (self.duration, devices, timeline)
        return (id(registry), hashlib.sha256(_content_bytes(content)).digest())  # the digest, not the text (~40 B an action)

    def checked_with(self, registry):
        """What `validate_references` parsed when it checked this scenario against `registry`
        (device settings by id, parsed action params by timeline index), or None when it has not
        or when anything it checked has changed since (compared by content, see `_fingerprint`)."""
        checked = self._checked
        if checked is not None and checked.fingerprint == self._fingerprint(registry):
            return checked.data
        return None

    def _remember_checked(self, registry, data: dict) -> None:
        self._checked = _Checked(self._fingerprint(registry), data)

    @field_validator("start")
    @classmethod
    def _plausible_start(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError("give the start as local calendar time without a time zone, e.g. 2026-01-05T08:00:00")
        if not (MIN_START <= value <= MAX_START):
            raise ValueError(f"the start must lie between {MIN_START.date()} and {MAX_START.date()} (so that every simulated date can be written)")
        return value

    @field_validator("timeline")
    @classmethod
    def _expand_recurring(cls, value: list[ActionSpec], info: ValidationInfo) -> list[ActionSpec]:
        from simulator.scenario.recurring import expand_timeline

        start = info.data.get("start")
        duration = info.data.get("duration")
        if start is None or duration is None:
            return value  # reported on start / duration; nothing to expand against
        return expand_timeline(value, start, duration)

    @field_validator("duration")
    @classmethod
    def _positive_duration(cls, value: float) -> float:
        if value < MIN_SCENARIO_DURATION_S:
            raise ValueError(f"the duration must be at least {MIN_SCENARIO_DURATION_S:g} s")
        if value > MAX_SCENARIO_DURATION_S:
            raise ValueError("the duration may be at most 365250 days (1000 years), the limit of this simulator")
        return value

    def device(self, device_id: str) -> DeviceSpec:
        for spec in self.devices:
            if spec.id == device_id:
                return spec
        raise KeyError(device_id)
