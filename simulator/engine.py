"""The Simulation: one SimPy environment, its devices, one event stream, one recorder.

The CLI, the Python API and the desktop app all drive this same object:
`run(until=...)` for whole runs, `advance(dt_s)` for the app's small steps, and
`apply_action(...)` for what a user programs while it runs.
Scenario actions that fall at the same time as a device's own event happen first, in file order.

SimPy is used through its public API only. The timeline's actions at one instant share one
`Timeout`, created before any device exists, so at that instant it comes before every device
event (SimPy orders equal times by creation). A run that stops at an instant where actions are
due runs until their Timeout (`env.run(until=event)`) instead of until the number, so the actions
at the stopping instant are applied inside the run, as before.

A device may defer a wake-up until after its next timeline action (`next_action_t`,
`Device.defer_wake`): the engine makes the deferred wake-ups still active real after the
device's timeline action at or after their guard (`DeferredWakeups.after_action`). This relies on every device event
being scheduled through `Device.wake_at` and on a pending timeline action never being removed.
"""
from __future__ import annotations

import bisect
import functools
import math
import time
import zlib
from datetime import datetime, timedelta
from typing import Any
from collections.abc import Callable

import numpy as np
import simpy

from simulator.collector import collector_paused
from simulator.device import DeferredWakeups, Device, device_class_for
from simulator.errors import ActionRefused, InputError, Issue, validate_model
from simulator.events import MAX_EVENTS_PER_RUN, SIM_DEVICE, EventBudgetExceeded, EventStream, Kinds, PayloadLayout
from simulator.profiles.registry import ProfileRegistry, default_registry
from simulator.recorder import Recorder
from simulator.scenario.loader import validate_references
from simulator.scenario.model import ActionSpec, Scenario
from simulator.units import parse_duration_s


#: an action event's payload, stored packed (simulator.events): the action's name and its params as
#: JSON (a tree, copied at every read, so the events of one parsed params can share it)
ACTION_LAYOUT = PayloadLayout(("action", "params"), trees=("params",))


def device_rng(seed: int, device_id: str) -> np.random.Generator:
    """The Generator of one device: spawned from the scenario seed and keyed by the device id,
    so adding a device to a scenario leaves the other devices' randomness unchanged."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(zlib.crc32(device_id.encode()),)))


class ActionResult:
    """What happened to an action: accepted (with the device's payload) or refused (with why)."""

    def __init__(self, accepted: bool, reason: str = "", payload: dict[str, Any] | None = None):
        self.accepted = accepted
        self.reason = reason
        self.payload = payload or {}

    def __bool__(self) -> bool:
        return self.accepted

    def __repr__(self) -> str:
        return f"ActionResult(accepted={self.accepted}, reason={self.reason!r})"


class Simulation:
    def __init__(self, scenario: Scenario, registry: ProfileRegistry | None = None, seed: int | None = None, validate: bool = True):
        with collector_paused():
            self._build(scenario, registry, seed, validate)

    def _build(self, scenario: Scenario, registry: ProfileRegistry | None, seed: int | None, validate: bool) -> None:
        self.registry = registry or default_registry()
        # checked once per scenario and registry (kept on the scenario): the parsed settings and
        # action params are reused by every Simulation of it
        checked = validate_references(scenario, self.registry) if validate else scenario.checked_with(self.registry)
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else int(seed)
        self.env = simpy.Environment(initial_time=0.0)  # a float clock from the start: Device.now needs no float()
        self.stream = EventStream()
        self.recorder = Recorder()
        self.stream.subscribe(self.recorder.on_event)
        self.applied_actions: list[ActionSpec] = []  # actions applied interactively (the app)
        # the timeline first: its Timeouts are created before any device event (see the docstring)
        self._action_groups: dict[float, simpy.Timeout] = {}
        self._action_values: dict[tuple[str, int], tuple[dict[str, Any], tuple[str, dict[str, Any]]]] = {}
        self.wakeups = DeferredWakeups(self.env)
        parsed = checked["params"] if checked else [None] * len(scenario.timeline)
        times: dict[str, set[float]] = {}
        entries_at: dict[float, list[tuple]] = {}
        shared = self._shared_action_values
        for action, pre in zip(scenario.timeline, parsed):
            at = action.at_s
            entries = entries_at.get(at)
            if entries is None:
                entries = entries_at[at] = self._schedule_group(at)
            # (device id, action name, params, pre): pre is (params model, the action event's values)
            # when the references were checked (then the params are not validated again), else None
            entries.append((action.device, action.action, action.params, None if pre is None else (pre[0], shared(action.action, pre[1]))))
            times.setdefault(action.device, set()).add(at)
        self._action_values.clear()  # the entries hold what they need
        #: device id -> the distinct instants (s) of its timeline actions, sorted (next_action_t)
        self._action_times: dict[str, list[float]] = {device: sorted(ts) for device, ts in times.items()}
        self.devices: dict[str, Device] = {}
        for spec in scenario.devices:
            kind = spec.profile.split("/", 1)[0]
            cls = device_class_for(kind)
            profile = self.registry.get(spec.profile)
            settings = checked["settings"].get(spec.id) if checked else None
            if settings is None:
                settings = cls.validate_settings(profile, spec.settings, self.registry)
            self.devices[spec.id] = cls(self, spec.id, profile, settings, device_rng(self.seed, spec.id), self.registry)
        if scenario.patient is not None:  # the virtual patient: built last, so it starts after its stimulator
            self._build_patient(scenario.patient, checked)
        self._ended = False
        self.stream.emit(0.0, SIM_DEVICE, Kinds.SIM_START, {"scenario": scenario.name, "seed": self.seed, "start": scenario.start.isoformat(), "duration_s": scenario.duration})
        for device in self.devices.values():
            device.start()

    def _build_patient(self, spec, checked) -> None:
        from simulator.patient.scenario import patient_class_for

        cls = patient_class_for(spec)  # SCS patient or intrathecal patient (by its link)
        profile = self.registry.get(spec.profile, expected_kind="patient")
        settings = checked["settings"].get(spec.id) if checked else None
        if settings is None:
            settings = cls.validate_settings(profile, spec.device_settings(), self.registry)
        self.devices[spec.id] = cls(self, spec.id, profile, settings, device_rng(self.seed, spec.id), self.registry)

    # ----- time -----
    @property
    def now(self) -> float:
        return float(self.env.now)

    @property
    def duration_s(self) -> float:
        return float(self.scenario.duration)

    @property
    def finished(self) -> bool:
        return self.now >= self.duration_s

    def calendar_time(self, t_s: float | None = None) -> datetime:
        return self.scenario.start + timedelta(seconds=self.now if t_s is None else t_s)

    def next_event_time(self) -> float:
        """Time of the next pending event (inf when none)."""
        return float(self.env.peek())

    def run(self, until: float | str | None = None, progress: Callable[[float], None] | None = None, slices: int = 200) -> Simulation:
        """Advance to `until` (seconds or a duration string; default: the scenario's end).

        With `progress`, the run advances in `slices` pieces and calls `progress(fraction)`.
        """
        end = self.duration_s if until is None else parse_duration_s(until)
        end = min(end, self.duration_s)
        if end <= self.now:
            self._maybe_end()
            return self
        with collector_paused():
            try:
                if progress is None:
                    self._run_env_until(end)
                else:
                    start = self.now
                    for k in range(1, slices + 1):
                        target = start + (end - start) * k / slices
                        if target > self.now:
                            self._run_env_until(target)
                        progress((self.now - start) / (end - start))
            except EventBudgetExceeded as exc:
                raise InputError(Issue(
                    "duration",
                    f"{exc}, the most one run may record ({MAX_EVENTS_PER_RUN:,}): shorten the duration or make periodic boluses, presses or actions less frequent",
                    f"{self.duration_s / 86400:g} days",
                )) from None
            self._maybe_end()
        return self

    def _run_env_until(self, until: float) -> None:
        """`env.run(until=until)`, except that the timeline actions due at the stopping instant
        are applied before it returns (SimPy's own stop comes before every event of that instant).

        The stopping instant is computed as SimPy computes it (now + (until - now))."""
        env = self.env
        now = env.now
        stop = now + ((until if isinstance(until, int) else float(until)) - now)
        group = self._action_groups.get(stop)
        if group is not None and not group.processed:
            env.run(until=group)
        else:
            env.run(until=until)

    def advance(self, dt_s: float) -> float:
        """Run `dt_s` more seconds (stops at the scenario end); returns the new time."""
        self.run(until=min(self.now + max(dt_s, 0.0), self.duration_s))
        return self.now

    def run_to_next_event(self) -> float:
        """Jump to the next pending event (for the app's 'next event' button)."""
        t = self.next_event_time()
        if t == float("inf") or t >= self.duration_s:
            return self.run().now
        # step through every event at that time
        while self.env.peek() <= t:
            self.env.step()
        return self.now

    def _maybe_end(self) -> None:
        if not self._ended and self.now >= self.duration_s:
            self._ended = True
            self._flush_alarm_repeats()
            for device in self.devices.values():
                device.record_state()
            self.stream.emit(self.now, SIM_DEVICE, Kinds.SIM_END, {})

    def _flush_alarm_repeats(self) -> None:
        """Record the alarm repeats sounded so far but not yet in the event stream, as one
        `alarm.repeats` event per alarm (repeats are computed, not scheduled: simulator.alarms)."""
        for device in self.devices.values():
            board = getattr(device, "alarms", None)
            if board is not None and hasattr(board, "flush_repeats"):
                board.flush_repeats()

    # ----- actions -----
    def _schedule_group(self, at: float) -> list[tuple]:
        """Schedule the timeline's group of instant `at` (s) at build time (clock at 0, so the
        Timeout falls at `at` exactly) and return its list of entries (device id, action name,
        params, pre), which the caller fills in file order; the group runs them in that order
        (`_fire_group`)."""
        entries: list[tuple] = []
        group = self._action_groups[at] = self.env.timeout(at)
        group.callbacks.append(functools.partial(self._fire_group, at, entries))
        return entries

    def _fire_group(self, at: float, entries: list[tuple], _event: simpy.Event) -> None:
        """Run the timeline actions of instant `at` (s), in file order: each by `_dispatch` (an
        action event, then the device's pipeline; a refusal event when refused; the result is not
        kept), then the deferred wake-ups it did not replace (`DeferredWakeups.after_action`).
        The group first leaves the table of pending groups (`next_action_t`: its actions count as
        dispatched); the last one replaces the table by an empty one (a dict keeps its largest size
        when emptied)."""
        groups = self._action_groups
        groups.pop(at, None)
        if not groups:
            self._action_groups = {}
        now = self.env.now  # a float clock (initial_time=0.0): what `self.now` gives
        dispatch = self._dispatch
        wakeups = self.wakeups
        for device_id, action, params, pre in entries:
            dispatch(device_id, action, params, pre)
            if now >= wakeups.guard_s:
                wakeups.after_action(device_id, now)  # deferred wake-ups this action did not replace

    def next_action_t(self, device_id: str) -> float:
        """The instant (s) of the next timeline action for `device_id` still to be dispatched
        (one at now whose group has not fired counts), inf when none."""
        times = self._action_times.get(device_id)
        if not times:
            return math.inf
        now = self.env.now
        i = bisect.bisect_left(times, now)
        if i < len(times) and times[i] == now and now not in self._action_groups:
            i += 1  # the actions at now have been dispatched
        return times[i] if i < len(times) else math.inf

    def _shared_action_values(self, action: str, params_json: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The packed payload values of an action event, (action, params as JSON), one tuple for
        every action of this name whose parsed params are the object `params_json` (the scenario
        check parses repeated params once). Nothing changes the params: an event's reader gets
        a copy (ACTION_LAYOUT)."""
        key = (action, id(params_json))
        kept = self._action_values.get(key)
        if kept is None or kept[0] is not params_json:
            kept = self._action_values[key] = (params_json, (action, params_json))
        return kept[1]

    def apply_action(self, device_id: str, action: str, params: dict[str, Any] | None = None) -> ActionResult:
        """Apply an action now (the app, scripts); it is kept so the run can be saved as a scenario.

        Raises InputError for malformed parameters; a refusal by the device is returned, not raised.
        """
        params = params or {}
        if device_id not in self.devices:
            raise InputError(f"no device {device_id!r}; devices: {', '.join(self.devices)}")
        models = type(self.devices[device_id]).action_models()
        if action not in models:
            raise InputError(f"unknown action {action!r} for {device_id}; allowed: {', '.join(sorted(models))}")
        validate_model(models[action], params)
        result = self._dispatch(device_id, action, params)
        self.applied_actions.append(ActionSpec(at=self.now, device=device_id, action=action, params=params))
        return result

    def _dispatch(self, device_id: str, action: str, params: dict[str, Any], pre: tuple | None = None) -> ActionResult:
        """Apply an action: `pre` is (params model, the action event's values) when the params
        were parsed before (else they are validated here)."""
        device = self.devices[device_id]
        if pre is None:
            parsed = validate_model(type(device).action_models()[action], params)
            values = (action, parsed.model_dump(mode="json"))
        else:
            parsed, values = pre
        self.stream.emit_packed(self.now, device_id, Kinds.ACTION, ACTION_LAYOUT, values)
        try:
            payload = device.apply(action, parsed)
        except ActionRefused as refused:
            self.stream.emit(self.now, device_id, Kinds.REFUSAL, {"action": action, "reason": refused.reason, **refused.details})
            return ActionResult(False, refused.reason, refused.details)
        return ActionResult(True, "", payload)

    # ----- results -----
    def results(self):
        """The results of the run so far (events, time series, summary)."""
        from simulator.results import Results

        with collector_paused():
            self._flush_alarm_repeats()
            for device in self.devices.values():
                device.record_state()
            self.recorder.close(self.now)
            return Results.from_simulation(self)

    def scenario_with_applied_actions(self) -> Scenario:
        """The scenario plus what was programmed interactively, as a new scenario to save."""
        timeline = sorted([*self.scenario.timeline, *self.applied_actions], key=lambda a: a.at_s)
        return self.scenario.model_copy(update={"timeline": timeline})


def run_scenario(scenario: Scenario, seed: int | None = None, until: float | str | None = None, registry: ProfileRegistry | None = None):
    """Build, run and return the results of a scenario (the API behind `neuromod-sim run`)."""
    sim = Simulation(scenario, registry=registry, seed=seed)
    sim.run(until)
    return sim.results()


class ProgressPrinter:
    """Progress of a run on `stream` that appears only once the run has taken longer than `delay_s`.

    A bar redrawn in place in a terminal, a widget in a notebook, plain lines (no carriage
    returns) when the stream is a log or a pipe: see `simulator.progress` (`mode`).
    """

    def __init__(self, stream, label: str = "simulating", delay_s: float = 1.0, width: int = 30, mode: str = "auto"):
        from simulator.progress import ProgressDisplay

        self.delay_s = delay_s
        self.display = ProgressDisplay(label, stream, mode=mode, width=width)
        self.t0 = time.perf_counter()
        self.shown = False

    def __call__(self, fraction: float) -> None:
        elapsed = time.perf_counter() - self.t0
        if elapsed < self.delay_s and not self.shown:
            return
        self.shown = True
        self.display.show(fraction, f"{elapsed:6.1f} s")
