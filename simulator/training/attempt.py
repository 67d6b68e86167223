"""The attempt record: what a trainee did, when (simulated and wall-clock time), and their answers.

```yaml
kind: attempt
exercise: pump-dose-change
trainee: A. Student
started_wall: 2026-03-02T09:14:00
actions:
  - at: 1h 5min                 # simulated time from the scenario start
    wall_clock: 2026-03-02T09:16:31
    device: pump
    action: set_continuous
    params: {dose_mg_per_day: 2.0}
    accepted: true              # what the device said when it was done (informational;
    reason: ""                  #   grading replays and decides again)
    overridden: [titration.max_increase_pct]   # warnings the trainee confirmed and sent past
  - at: 2h
    device: pump
    action: program
    params: {mode: {type: continuous, dose_mg_per_day: 0.125}}
    sent: false                 # the programmer refused it before sending (grading checks it
    accepted: false             #   again and never applies it)
    reason: "... below the pump's minimum rate ..."
answers: {faulty-contact: 5}
```
Saved as YAML (.yaml/.yml) or JSON (.json), atomically. `AttemptRecorder` builds one from a
running Simulation (the app): it stamps each action the trainee applies with the wall-clock time.
"""
from __future__ import annotations

import json
import weakref
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from collections.abc import Callable

from pydantic import Field

from simulator.errors import InputError, Issue, validate_model
from simulator.event_kinds import K
from simulator.profiles.base import StrictModel
from simulator.scenario.model import Duration
from simulator.yaml_io import load_yaml_file

if TYPE_CHECKING:
    from simulator.engine import Simulation

Scalar = float | int | str | bool


class AttemptAction(StrictModel):
    at: Duration = Field(description="Simulated time from the scenario start")
    device: str = Field(min_length=1)
    action: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    wall_clock: datetime | None = Field(None, description="When the trainee did it (local wall-clock time)")
    accepted: bool | None = Field(None, description="What the device answered at the time (informational)")
    reason: str = ""
    sent: bool = Field(True, description="False: the programmer refused it before it reached the device (grading re-checks it and never applies it)")
    overridden: list[str] = Field(default_factory=list, max_length=50, description="Warnings the trainee saw and sent the action past (limit codes)")


class Attempt(StrictModel):
    kind: Literal["attempt"] = "attempt"
    exercise: str = Field(min_length=1, description="Id of the exercise")
    trainee: str = Field("", max_length=200)
    started_wall: datetime | None = None
    finished_wall: datetime | None = None
    actions: list[AttemptAction] = Field(default_factory=list, max_length=10000)
    answers: dict[str, Scalar | None] = Field(default_factory=dict)
    notes: str = Field("", max_length=20000)

    def to_jsonable(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)


def attempt_from_dict(data: Any, file: str | None = None) -> Attempt:
    if not isinstance(data, dict):
        raise InputError(Issue("(top level)", f"an attempt must be a mapping of keys to values, not a {type(data).__name__}"), file)
    if data.get("kind") == "attempt_record":
        # the file the app exports ('Export attempt...'): the attempt inside is graded afresh;
        # the grade the record carries is not trusted
        inner = data.get("attempt")
        if not isinstance(inner, dict):
            raise InputError(Issue("attempt", "an attempt record must hold the attempt as a mapping", inner), file)
        try:
            return validate_model(Attempt, inner, file=file)
        except InputError as exc:
            raise InputError([i.under("attempt") for i in exc.issues]) from None
    return validate_model(Attempt, data, file=file)


def load_attempt(path: Path | str) -> Attempt:
    return attempt_from_dict(load_yaml_file(path), file=str(path))


def write_text_atomic(path: Path | str, text: str) -> Path:
    """Write `text` to a temporary file beside `path`, then rename it into place
    (`simulator.atomic.write_text_atomic`: the umask is honoured; InputError names the file)."""
    from simulator.atomic import write_text_atomic as write

    return write(path, text)


def dump_data(data: dict[str, Any], path: Path | str) -> str:
    """YAML for .yaml/.yml, JSON otherwise."""
    if str(path).lower().endswith((".yaml", ".yml")):
        import yaml

        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return json.dumps(data, indent=2) + "\n"


def save_attempt(attempt: Attempt, path: Path | str) -> Path:
    """Save the attempt as YAML or JSON (by the file suffix), atomically."""
    return write_text_atomic(path, dump_data(attempt.to_jsonable(), path))


#: The recorders attached to each running Simulation (the app's programmers report to them
#: what never reaches the simulation: programs refused before sending).
_RECORDERS: weakref.WeakKeyDictionary[Simulation, list[AttemptRecorder]] = weakref.WeakKeyDictionary()


def note_refused_locally(sim: Simulation, device: str, action: str, params: dict[str, Any], reason: str) -> None:
    """Tell the recorders attached to `sim` that the programmer refused an action before sending it."""
    for recorder in list(_RECORDERS.get(sim, [])):
        recorder.note_refused_locally(device, action, params, reason)


class AttemptRecorder:
    """Records the actions a trainee applies to a Simulation through `sim.apply_action`.

    It listens to the event stream for `action` and `refusal` records to stamp wall-clock time
    and the verdict, and for `override` / `warning` records to note the warnings the trainee sent
    the action past; it takes the list of interactive actions from `sim.applied_actions` (the
    engine keeps it), so timeline actions of the scenario are never mistaken for the trainee's.
    Actions the app refused before sending them reach it through `note_refused_locally(sim, ...)`
    (the programmers' transmit path calls it) and are recorded with `sent: false`.
    Call `attach(sim)` again after loading a new simulation.
    """

    def __init__(self, exercise_id: str, trainee: str = "", clock=datetime.now):
        self.exercise_id = exercise_id
        self.trainee = trainee
        self.clock = clock
        self.started_wall = clock().replace(microsecond=0)
        self.sim: Simulation | None = None
        self._stamps: list[dict[str, Any]] = []
        self._local: list[dict[str, Any]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._baseline = 0
        self.answers: dict[str, Any] = {}
        self.notes = ""

    def attach(self, sim: Simulation) -> None:
        self.detach()
        self.sim = sim
        self._stamps = []
        self._local = []
        self._baseline = len(sim.applied_actions)  # actions applied before the exercise began do not count
        self._unsubscribe = sim.stream.subscribe(self._on_event, kinds=[K.ACTION, K.REFUSAL, K.OVERRIDE, K.WARNING])
        _RECORDERS.setdefault(sim, []).append(self)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.sim is not None and self in _RECORDERS.get(self.sim, []):
            _RECORDERS[self.sim].remove(self)

    def _on_event(self, record) -> None:
        if record.kind == K.ACTION:
            self._stamps.append({"t_s": record.t_s, "device": record.device, "action": record.payload.get("action"), "wall": self.clock().replace(microsecond=0), "accepted": True, "reason": "", "overridden": []})
            return
        if not self._stamps:
            return
        last = self._stamps[-1]
        if not (last["device"] == record.device and last["action"] == record.payload.get("action", last["action"]) and last["t_s"] == record.t_s):
            return
        if record.kind == K.REFUSAL:
            last["accepted"] = False
            last["reason"] = str(record.payload.get("reason", ""))
        elif record.payload.get("limit"):  # a confirmed drug-library warning (override) or a warning sent past
            code = str(record.payload["limit"])
            if code not in last["overridden"]:
                last["overridden"].append(code)

    def note_refused_locally(self, device: str, action: str, params: dict[str, Any], reason: str) -> None:
        """Record an action the programmer refused before sending it (the device never saw it)."""
        if self.sim is None:
            return
        self._local.append({"pos": len(self.sim.applied_actions), "t_s": self.sim.now, "device": device, "action": action,
                            "params": dict(params), "reason": reason, "wall": self.clock().replace(microsecond=0)})

    def actions(self) -> list[AttemptAction]:
        """The trainee's actions so far, each matched to its stamp (in order)."""
        if self.sim is None:
            return []
        out: list[AttemptAction] = []
        stamps = list(self._stamps)
        local = sorted(self._local, key=lambda e: e["pos"])
        applied = self.sim.applied_actions
        for pos in range(self._baseline, len(applied) + 1):
            while local and local[0]["pos"] <= pos:
                e = local.pop(0)
                out.append(AttemptAction(at=e["t_s"], device=e["device"], action=e["action"], params=e["params"], wall_clock=e["wall"],
                                         accepted=False, reason=e["reason"], sent=False))
            if pos == len(applied):
                break
            spec = applied[pos]
            idx = next((i for i, s in enumerate(stamps) if s["t_s"] == spec.at and s["device"] == spec.device and s["action"] == spec.action), None)
            stamp = stamps.pop(idx) if idx is not None else {}
            out.append(
                AttemptAction(
                    at=spec.at,
                    device=spec.device,
                    action=spec.action,
                    params=dict(spec.params),
                    wall_clock=stamp.get("wall"),
                    accepted=stamp.get("accepted"),
                    reason=stamp.get("reason", ""),
                    overridden=list(stamp.get("overridden", [])),
                )
            )
        return out

    def attempt(self, finished: bool = False) -> Attempt:
        return Attempt(
            exercise=self.exercise_id,
            trainee=self.trainee,
            started_wall=self.started_wall,
            finished_wall=self.clock().replace(microsecond=0) if finished else None,
            actions=self.actions(),
            answers={k: v for k, v in self.answers.items() if v not in (None, "")},
            notes=self.notes,
        )
