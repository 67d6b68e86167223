"""The base class of every simulated device, and the table of device kinds.

A device keeps its state as of its last event and computes its state at any later time in
closed form. It never schedules an event per pulse or per stroke: it asks the engine to wake it
at the next meaningful moment (a schedule boundary, a lockout expiry, a threshold crossing whose
time it computes) with `wake_at`, and cancels that wake-up when an action changes its plans.

Subclasses set `kind`, `Settings` (a StrictModel of initial settings) and `ACTION_TABLE` (action
name -> `ActionSpec`: its parameters model, its check and its effect), and implement `start`,
`record_state` and `summary`. The base runs every action through one pipeline (`apply`):

    prepare (bring the device to now) -> check -> refuse (raise ActionRefused) or report warnings
    -> apply the effect -> replan (rates, wake-ups, state breakpoints) -> payload

Events are emitted by the steps themselves (a warning per `warn` finding, the effect's own event).
A device adapts a step by overriding its hook (`prepare_action`, `on_refused`, `report_findings`,
`begin_apply`, `finish_apply`); the order of the steps is the same for every device.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import simpy

from simulator.errors import ActionRefused, InputError, validate_model
from simulator.events import Kinds, PayloadLayout
from simulator.profiles.base import Profile, StrictModel

if TYPE_CHECKING:
    from simulator.engine import Simulation
    from simulator.profiles.registry import ProfileRegistry
    from simulator.recorder import Interp

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


@dataclass(frozen=True)
class ActionSpec:
    """One row of a device's action table.

    `params`: the StrictModel of the action's parameters. `apply(device, params)`: the effect,
    returning an optional payload dict. `check(device, params)`: the findings of checking the
    pending action against the profile's limits without applying it (None: nothing to check).
    `doc`: one line for `neuromod-sim schema` and the error listing the table."""

    params: type[StrictModel]
    apply: Callable[[Any, Any], dict[str, Any] | None]
    check: Callable[[Any, Any], list[Finding]] | None = None
    doc: str = ""


class Wakeup:
    """Handle of a scheduled wake-up at `t_s` (s): its `fire` calls `callback()` once;
    `cancel()` makes it a no-op."""

    __slots__ = ("t_s", "active", "callback")

    def __init__(self, t_s: float, callback: Callable[[], Any] | None = None):
        self.t_s = t_s
        self.active = True
        self.callback = callback

    def cancel(self) -> None:
        self.active = False

    def fire(self, _event: Any = None) -> None:
        """The wake-up is due (a SimPy callback): call `callback()` unless cancelled or done."""
        if self.active:
            self.active = False
            if self.callback is not None:
                self.callback()


class Device:
    kind: ClassVar[str] = ""
    Settings: ClassVar[type[StrictModel]] = StrictModel
    #: action name -> ActionSpec; the one table the pipeline, validation and the schema read.
    ACTION_TABLE: ClassVar[dict[str, ActionSpec]] = {}
    #: action name -> parameters model, derived from ACTION_TABLE (kept for callers that only validate).
    ACTIONS: ClassVar[dict[str, type[StrictModel]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "ACTION_TABLE" in cls.__dict__:
            cls.ACTIONS = {name: spec.params for name, spec in cls.ACTION_TABLE.items()}

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

    # ----- the action pipeline (the same order for every device) -----
    def action_spec(self, action: str) -> ActionSpec:
        """The table row of `action`; InputError listing the table when there is none."""
        spec = type(self).ACTION_TABLE.get(action)
        if spec is None:
            raise InputError(f"device {self.id} ({self.kind}) has no action {action!r}; its actions are: {', '.join(sorted(type(self).ACTION_TABLE))}")
        return spec

    def check(self, action: str, params: StrictModel) -> list[Finding]:
        """Check a pending action against the profile's limits without applying it.

        The app calls this before transmitting; `apply` runs the same check (refuses on a
        `refuse` finding, reports each `warn`)."""
        spec = self.action_spec(action)
        self.prepare_action(action, applying=False)
        return spec.check(self, params) if spec.check is not None else []

    def apply(self, action: str, params: StrictModel) -> dict[str, Any] | None:
        """Apply an action at `self.now` through the pipeline: prepare -> check -> refuse or report
        -> apply -> replan. Raises ActionRefused on a `refuse` finding. May return a payload."""
        spec = self.action_spec(action)
        self.prepare_action(action, applying=True)
        findings = spec.check(self, params) if spec.check is not None else []
        refusals = [f for f in findings if f.level == "refuse"]
        if refusals:
            self.on_refused(action, refusals)
            first = refusals[0]
            raise ActionRefused(first.message, limit=first.limit, value=first.value, allowed=first.allowed, findings=[f.as_dict() for f in refusals])
        token = self.begin_apply(action, params)
        self.report_findings(action, params, findings)
        payload = spec.apply(self, params)
        return self.finish_apply(action, params, findings, payload, token)

    # hooks of the pipeline; the defaults suit a device with nothing to bring up to date
    def prepare_action(self, action: str, applying: bool) -> None:
        """Bring the device's state to `now` before checking (and, if `applying`, applying) an action."""

    def on_refused(self, action: str, refusals: list[Finding]) -> None:
        """Called before ActionRefused is raised (e.g. to count or record a safety event)."""

    def begin_apply(self, action: str, params: StrictModel) -> Any:
        """Called after the check passed, before warnings are reported; returns a token for `finish_apply`."""
        return None

    def report_findings(self, action: str, params: StrictModel, findings: list[Finding]) -> None:
        """Report the `warn` findings of an accepted action (default: one warning event each)."""
        for f in findings:
            if f.level == "warn":
                self.warn(f.message, limit=f.limit, value=f.value, allowed=f.allowed)

    def finish_apply(self, action: str, params: StrictModel, findings: list[Finding], payload: dict[str, Any] | None, token: Any) -> dict[str, Any] | None:
        """Replan after the effect (rates, wake-ups, breakpoints); returns the action's payload."""
        return payload

    def record_state(self) -> None:
        """Add breakpoints of every signal at `self.now` (idempotent)."""

    def summary(self) -> dict[str, Any]:
        """Plain JSON-able figures describing the run so far (names with units)."""
        return {}

    # ----- public queries every device answers -----
    def snapshot(self) -> Any:
        """A frozen, typed view of the device for the app, reports and grading (each kind defines
        its own model; a kind may take the time, `snapshot(t_s=None)`). Not every toy device has one."""
        raise NotImplementedError(f"a {self.kind or type(self).__name__} device has no snapshot")

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

    def emit_packed(self, kind: str, layout: PayloadLayout, values: tuple[Any, ...]):
        """`emit` of the payload `layout.payload(values)`, stored packed (simulator.events)."""
        return self.sim.stream.emit_packed(self.now, self.id, kind, layout, values)

    def warn(self, message: str, **details: Any):
        return self.emit(Kinds.WARNING, message=message, **details)

    def record(self, signal: str, value: float, unit: str = "", interp: Interp = "linear") -> None:
        self.sim.recorder.record(self.now, self.id, signal, value, unit, interp)

    def wake_at(self, t_s: float, callback) -> Wakeup:
        """Call `callback()` at simulation time `t_s` (now if in the past), unless cancelled."""
        now = self.now
        handle = Wakeup(max(float(t_s), now), callback)
        self._env.timeout(handle.t_s - now).callbacks.append(handle.fire)  # a bound method: no closure a wake-up
        return handle
