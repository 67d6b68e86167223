"""The base class of every simulated device, and the table of device kinds.

A device keeps its state as of its last event and computes its state at any later time in
closed form. It never schedules an event per pulse or per stroke: it asks the engine to wake it
at the next meaningful moment (a schedule boundary, a lockout expiry, a threshold crossing whose
time it computes) with `wake_at`, and cancels that wake-up when an action changes its plans.

Subclasses set `kind`, `Settings` (a StrictModel of initial settings), `ACTIONS` (action name ->
StrictModel of its parameters) and implement `start`, `apply`, `record_state` and `summary`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import simpy

from simulator.errors import InputError, validate_model
from simulator.events import Kinds
from simulator.profiles.base import Profile, StrictModel

if TYPE_CHECKING:
    from simulator.engine import Simulation
    from simulator.profiles.registry import ProfileRegistry

#: kind (the profile id's prefix) -> "module:Class", imported on first use.
DEVICE_CLASSES: dict[str, str] = {
    "pump": "simulator.pump.device:PumpDevice",
    "scs": "simulator.scs.device:StimulatorDevice",
    "patient": "simulator.patient.device:PatientDevice",  # built from a scenario's `patient:` section
}
_LOADED: dict[str, type[Device]] = {}


def register_device_class(kind: str, cls: type[Device]) -> None:
    """Add a device kind (used by tests and plug-ins)."""
    _LOADED[kind] = cls


def device_class_for(kind: str) -> type[Device]:
    if kind in _LOADED:
        return _LOADED[kind]
    if kind not in DEVICE_CLASSES:
        raise KeyError(f"profile kind {kind!r} is not a device; device profiles start with: {', '.join(sorted(set(DEVICE_CLASSES) | set(_LOADED)))}")
    module, _, name = DEVICE_CLASSES[kind].partition(":")
    cls = getattr(importlib.import_module(module), name)
    _LOADED[kind] = cls
    return cls


@dataclass(frozen=True)
class Finding:
    """One result of checking a pending program: `refuse` blocks it, `warn` lets it through.

    `limit` names the limit (e.g. 'max_daily_dose_mg'), `value` and `allowed` give the numbers.
    """

    level: str  # "refuse" or "warn"
    message: str
    limit: str = ""
    value: Any = None
    allowed: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "message": self.message, "limit": self.limit, "value": self.value, "allowed": self.allowed}


class Wakeup:
    """Handle of a scheduled wake-up; `cancel()` makes it a no-op when it fires."""

    __slots__ = ("t_s", "active")

    def __init__(self, t_s: float):
        self.t_s = t_s
        self.active = True

    def cancel(self) -> None:
        self.active = False


class Device:
    kind: ClassVar[str] = ""
    Settings: ClassVar[type[StrictModel]] = StrictModel
    ACTIONS: ClassVar[dict[str, type[StrictModel]]] = {}

    def __init__(self, sim: Simulation, device_id: str, profile: Profile, settings: StrictModel, rng: np.random.Generator, registry: ProfileRegistry):
        self.sim = sim
        self.id = device_id
        self.profile = profile
        self.settings = settings
        self.rng = rng
        self.registry = registry
        self._env = sim.env  # `now` is read hundreds of thousands of times in a long run

    # ----- validation (class level: used before a simulation exists) -----
    @classmethod
    def action_models(cls) -> dict[str, type[StrictModel]]:
        return dict(cls.ACTIONS)

    @classmethod
    def validate_settings(cls, profile: Profile, settings: dict[str, Any], registry: ProfileRegistry) -> StrictModel:
        """Structural validation, then `check_settings` against the profile; InputError on problems."""
        model = validate_model(cls.Settings, settings)
        cls.check_settings(profile, model, registry)
        return model

    @classmethod
    def check_settings(cls, profile: Profile, settings: StrictModel, registry: ProfileRegistry) -> None:
        """Raise InputError (paths relative to `settings`) when settings break profile limits."""

    # ----- lifecycle -----
    def start(self) -> None:
        """Called once at t = 0 before any timeline action: record initial state, plan wake-ups."""

    def check(self, action: str, params: StrictModel) -> list[Finding]:
        """Check a pending action against the profile's limits without applying it.

        The app calls this before transmitting; `apply` must apply the same checks (refuse on
        a `refuse` finding, emit a warning event for each `warn`)."""
        return []

    def apply(self, action: str, params: StrictModel) -> dict[str, Any] | None:
        """Apply an action at `self.now`. Raise ActionRefused to refuse it. May return payload."""
        raise InputError(f"device {self.id} has no action {action!r}")

    def record_state(self) -> None:
        """Add breakpoints of every signal at `self.now` (idempotent)."""

    def summary(self) -> dict[str, Any]:
        """Plain JSON-able figures describing the run so far (names with units)."""
        return {}

    # ----- public queries every device answers -----
    def alarm_repeats_total(self) -> int:
        """Alarm repeats sounded so far (closed form); 0 for a device without an alarm board."""
        board = getattr(self, "alarms", None)
        return board.total_repeats() if board is not None and hasattr(board, "total_repeats") else 0

    def alarm_repeats_unlogged(self) -> int:
        """Repeats sounded so far that no `alarm.repeats` event records yet; 0 without an alarm board."""
        board = getattr(self, "alarms", None)
        return board.unlogged_repeats() if board is not None and hasattr(board, "unlogged_repeats") else 0

    # ----- helpers for subclasses -----
    @property
    def now(self) -> float:
        return self._env.now  # a float: the engine starts the clock at 0.0

    @property
    def env(self) -> simpy.Environment:
        return self.sim.env

    def emit(self, kind: str, **payload: Any):
        return self.sim.stream.emit(self.now, self.id, kind, payload)

    def warn(self, message: str, **details: Any):
        return self.emit(Kinds.WARNING, message=message, **details)

    def record(self, signal: str, value: float, unit: str = "", interp: str = "linear") -> None:
        self.sim.recorder.record(self.now, self.id, signal, value, unit, interp)  # type: ignore[arg-type]

    def wake_at(self, t_s: float, callback) -> Wakeup:
        """Call `callback()` at simulation time `t_s` (now if in the past), unless cancelled."""
        now = self.now
        handle = Wakeup(max(float(t_s), now))
        timeout = self._env.timeout(handle.t_s - now)

        def fire(_event, handle=handle):
            if handle.active:
                handle.active = False
                callback()

        timeout.callbacks.append(fire)
        return handle
