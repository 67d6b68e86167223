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
import math
import operator
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


#: a wake-up whose time is not computed yet is made real before any other wake-up is scheduled
#: at or after its lower bound minus this (s): far more than the float rounding between a wake-up's
#: requested time and its SimPy time
DEFER_MARGIN_S = 1.0


class DeferredWakeup(Wakeup):
    """A wake-up whose exact time is not computed yet (Device.defer_wake): `t_s` is a lower bound
    of it until it is made real. `exact_time()` gives the time (s, inf: none) as it would have been
    computed at `created_s`; `floor_s`: another wake-up at or after it makes this one real first."""

    __slots__ = ("exact_time", "created_s", "floor_s", "owner", "guard_s")

    def __init__(self, lower_t_s: float, callback: Callable[[], Any], exact_time: Callable[[], float], created_s: float,
                 owner: str = "", guard_s: float = math.inf):
        super().__init__(lower_t_s, callback)
        self.exact_time: Callable[[], float] | None = exact_time
        self.created_s = created_s
        self.floor_s = lower_t_s - DEFER_MARGIN_S
        self.owner = owner  # the device id whose timeline action is the guard
        self.guard_s = guard_s


class _Stage:
    """Wake-ups due at SimPy time `at_s` whose Timeouts are made, in order, when a helper Timeout
    at a time from which `at_s` is exactly reachable fires (DeferredWakeups._place)."""

    __slots__ = ("at_s", "handles")

    def __init__(self, at_s: float, handles: list[Wakeup]):
        self.at_s, self.handles = at_s, handles


class DeferredWakeups:
    """The deferred wake-ups of a simulation (one table for every device).

    A device may leave a wake-up unscheduled (`Device.defer_wake`) while one of its timeline
    actions (the guard, at `guard_s`) certainly comes before it: usually that action replans and
    cancels it, and neither its exact time nor a SimPy event is ever made. It is made real, as
    it would have been scheduled when deferred, (1) after a timeline action at or after the
    guard (the engine calls `realise_all`), (2) before any wake-up is scheduled at or after its
    `floor_s` (`Device.wake_at` calls `hold`). So no event made while it waited can share its
    SimPy time, and SimPy's order among equal times (time, then creation) is that of the
    immediate schedule. Its SimPy time is rebuilt bit for bit: `created + (t - created)` as SimPy
    would have computed it, reached from now by a delay checked to give exactly that float; when
    no delay does (float rounding, possible only when now is far below it), a helper Timeout
    at a time from which it is exactly reachable makes it (with any wake-up scheduled meanwhile
    at the same SimPy time, after it, in order)."""

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.pending: list[DeferredWakeup] = []
        self.stages: list[_Stage] = []
        #: a wake-up scheduled at or after this (s) first makes the deferred ones real (hold)
        self.floor_s = math.inf
        #: the earliest guard (s): a timeline action at or after it makes them real (realise_all)
        self.guard_s = math.inf

    def defer(self, handle: DeferredWakeup) -> None:
        self.pending.append(handle)
        if handle.floor_s < self.floor_s:
            self.floor_s = handle.floor_s
        if handle.guard_s < self.guard_s:
            self.guard_s = handle.guard_s

    def realise_all(self) -> None:
        """Make every pending wake-up still active real, in the order they were deferred."""
        self._realise_first(len(self.pending))

    def after_action(self, owner: str, now: float) -> None:
        """After a timeline action of device `owner` at `now` (s): its pending wake-ups guarded by
        now or earlier are dropped when cancelled (the action replanned), else made real with
        every pending one deferred before them (the pending ones made real are always the first
        deferred, so a later one is never scheduled before an earlier one of the same time)."""
        pending = self.pending
        guarded: list[int] = []
        last_active = -1  # the last guarded one still active
        for i, h in enumerate(pending):
            if h.owner == owner and h.guard_s <= now:
                guarded.append(i)
                if h.active:
                    last_active = i
        if not guarded:
            return
        if last_active >= 0:
            self._realise_first(last_active + 1)
            return
        for i in reversed(guarded):
            del pending[i]
        guard_s = math.inf
        for h in pending:
            if h.guard_s < guard_s:
                guard_s = h.guard_s
        self.guard_s = guard_s
        self._refloor()

    def _realise_first(self, n: int) -> None:
        """Make the first `n` pending wake-ups still active real, in the order they were deferred."""
        first, self.pending = self.pending[:n], self.pending[n:]
        for handle in first:
            if handle.active:
                self._realise(handle)
        self.guard_s = min([h.guard_s for h in self.pending], default=math.inf)
        self._refloor()

    def hold(self, handle: Wakeup) -> bool:
        """Before `handle` (a new wake-up at or after `floor_s`) is scheduled: make the deferred
        ones real; True when `handle` shares the SimPy time of a staged one and was queued
        after it (the caller then schedules nothing)."""
        self.realise_all()
        now = self.env.now
        at = now + (handle.t_s - now)
        for stage in self.stages:
            if stage.at_s == at:
                stage.handles.append(handle)
                return True
        return False

    def _realise(self, handle: DeferredWakeup) -> None:
        exact_time, handle.exact_time = handle.exact_time, None
        assert exact_time is not None
        t = exact_time()
        if t == math.inf:
            handle.active = False  # as a plan with nothing to wake for
            return
        created = handle.created_s
        t_s = max(float(t), created)
        if not t_s >= handle.floor_s:
            raise RuntimeError(f"deferred wake-up at {t_s!r} s before its floor {handle.floor_s!r} s (internal error)")
        handle.t_s = t_s
        self._place(created + (t_s - created), handle)

    def _place(self, at: float, handle: Wakeup) -> None:
        """Schedule `handle` at SimPy time `at` exactly (see the class)."""
        for stage in self.stages:
            if stage.at_s == at:
                stage.handles.append(handle)
                return
        env = self.env
        now = env.now
        delay = at - now
        if now + delay == at:
            env.timeout(delay).callbacks.append(handle.fire)
            return
        stage = _Stage(at, [handle])
        self.stages.append(stage)
        env.timeout((at - now) * 0.75).callbacks.append(lambda _event: self._unstage(stage))

    def _unstage(self, stage: _Stage) -> None:
        env = self.env
        now, at = env.now, stage.at_s
        delay = at - now  # exact: at / 2 <= now <= at
        if not (at * 0.5 <= now <= at and now + delay == at):
            raise RuntimeError(f"deferred wake-up at {at!r} s not reachable from {now!r} s (internal error)")
        self.stages.remove(stage)
        for handle in stage.handles:
            if handle.active:
                env.timeout(delay).callbacks.append(handle.fire)
        self._refloor()

    def _refloor(self) -> None:
        """`floor_s`: the earliest floor of the pending wake-ups still active and of the staged ones."""
        floor_s = math.inf
        for h in self.pending:
            if h.active and h.floor_s < floor_s:
                floor_s = h.floor_s
        for stage in self.stages:
            if stage.at_s - DEFER_MARGIN_S < floor_s:
                floor_s = stage.at_s - DEFER_MARGIN_S
        self.floor_s = floor_s


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
        self._wakeups: DeferredWakeups = sim.wakeups

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
        refusals = [f for f in findings if f.level == "refuse"] if findings else findings
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
    if TYPE_CHECKING:
        @property
        def now(self) -> float:
            """Simulation time now (s): the environment's clock (a float: the engine starts it at 0.0)."""
            return self._env.now
    else:
        # the same, read by operator.attrgetter: no Python frame of its own (a device reads its
        # clock hundreds of thousands of times in a long run)
        now = property(operator.attrgetter("_env.now"), doc="Simulation time now (s): the environment's clock.")

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
        if handle.t_s >= self._wakeups.floor_s and self._wakeups.hold(handle):
            return handle  # queued behind a deferred wake-up of the same SimPy time
        self._env.timeout(handle.t_s - now).callbacks.append(handle.fire)  # a bound method: no closure a wake-up
        return handle

    def defer_wake(self, lower_t_s: float, guard_t_s: float, exact_time: Callable[[], float], callback: Callable[[], Any]) -> Wakeup:
        """A wake-up as `wake_at(exact_time(), callback)` (nothing when inf) would make now, but
        computed and scheduled only if still active after this device's timeline action at
        `guard_t_s` (s), or when a wake-up at or after `lower_t_s` - DEFER_MARGIN_S is scheduled
        (DeferredWakeups). `lower_t_s`: a lower bound of `exact_time()`, later than the guard by
        more than DEFER_MARGIN_S. `exact_time` must give the same float whenever it is called."""
        if not lower_t_s > guard_t_s + DEFER_MARGIN_S:
            raise ValueError(f"a deferred wake-up's lower bound {lower_t_s!r} s must follow its guard {guard_t_s!r} s by more than {DEFER_MARGIN_S} s")
        handle = DeferredWakeup(lower_t_s, callback, exact_time, self.now, self.id, guard_t_s)
        self._wakeups.defer(handle)
        return handle
