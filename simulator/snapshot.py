"""What every device snapshot shares: the frozen base model and an active alarm's record.

A snapshot (`device.snapshot()`) is a frozen, typed picture of a device now; the app, reports and
grading read devices through it (see docs/architecture.md). The device-specific models live in
simulator/pump/snapshot.py, simulator/scs/snapshot.py and simulator/patient/snapshot.py.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Base of snapshot models: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class AlarmSnapshot(Frozen):
    """An active alarm: times in simulation seconds; `repeats` counted in closed form."""

    alarm: str
    severity: str
    message: str
    raised_t_s: float
    acknowledged_t_s: float | None = None
    repeats: int = 0
    tone: str | None = None
