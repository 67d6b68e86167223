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
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema, field_validator

from simulator.profiles.base import StrictModel
from simulator.units import format_duration, parse_duration_s

Duration = Annotated[
    float,
    BeforeValidator(parse_duration_s),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
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

DEVICE_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"


class DeviceSpec(StrictModel):
    id: str = Field(pattern=DEVICE_ID_PATTERN, description="Name of this device in the scenario, e.g. 'pump' or 'ipg'")
    profile: str = Field(description="Profile id, e.g. 'pump/peristaltic-20ml' or 'scs/rechargeable-16'")
    settings: dict[str, Any] = Field(default_factory=dict, description="Initial settings; see `neuromod-sim schema`")


class ActionSpec(StrictModel):
    at: Duration = Field(description="When, from the scenario start")
    device: str = Field(description="Id of the device the action is for")
    action: str = Field(description="Action name, e.g. 'refill', 'set_program', 'patient_bolus'")
    params: dict[str, Any] = Field(default_factory=dict, description="Parameters of the action")


class Scenario(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed of all randomness in the run")
    start: datetime = Field(datetime(2026, 1, 1, 8, 0, 0), description="Calendar time of t = 0")
    duration: Duration = Field(description="How long to simulate")
    devices: list[DeviceSpec] = Field(min_length=1, max_length=64)
    timeline: list[ActionSpec] = Field(default_factory=list)

    @field_validator("duration")
    @classmethod
    def _positive_duration(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("the duration must be longer than 0 s")
        return value

    def device(self, device_id: str) -> DeviceSpec:
        for spec in self.devices:
            if spec.id == device_id:
                return spec
        raise KeyError(device_id)
