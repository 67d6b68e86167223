"""Success criteria of an exercise: small checks of what the trainee did and what followed.

Each criterion kind is a pydantic model (the `kind` key picks it in an exercise file) with an
`evaluate(ctx)` method returning `(passed, explanation, details)`. The explanation is written
for the trainee: it says what was expected and what actually happened, with numbers and units.
`GradingContext` (built by `simulator.training.grading`) holds the replayed actions, the
finished Simulation and its Results.

Times in criteria are durations from the scenario start (`2h`, `30d`) unless a field says
otherwise; `within` fields are durations after a reference event.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from simulator.event_kinds import K
from simulator.profiles.base import StrictModel
from simulator.scenario.model import Duration
from simulator.event_text import duration as duration_text
from simulator.units import describe_elapsed

if TYPE_CHECKING:
    from simulator.engine import Simulation
    from simulator.results import Results
    from simulator.training.attempt import Attempt

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,59}$"


# ----------------------------------------------------------------------------- context
@dataclass
class ActionOutcome:
    """One trainee action as replayed: when (s), on what, with which parameters, and the verdict."""

    index: int
    at_s: float
    device: str
    action: str
    params: dict[str, Any]
    accepted: bool
    reason: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    sent: bool = True  # False: the programmer refused it before it reached the device
    overridden: list[str] = field(default_factory=list)  # limit codes of warnings sent past

    def describe(self) -> str:
        verdict = "accepted" if self.accepted else f"refused{' by the programmer' if not self.sent else ''}: {self.reason}"
        if self.accepted and self.overridden:
            verdict += f", warning overridden: {', '.join(plain(c) for c in self.overridden)}"
        return f"{self.action} on {self.device} at {describe_elapsed(self.at_s)} ({verdict})"


@dataclass
class GradingContext:
    outcomes: list[ActionOutcome]
    sim: Simulation
    results: Results
    answers: dict[str, Any]
    attempt: Attempt | None = None

    def accepted(self, device: str, action: str) -> list[ActionOutcome]:
        return [o for o in self.outcomes if o.device == device and o.action == action and o.accepted]


def fmt(value: Any, unit: str = "") -> str:
    """A number for an explanation: 4 significant figures, with its unit."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        return f"{value}{(' ' + unit) if unit else ''}"
    text = f"{float(value):.4g}"
    return f"{text} {unit}".rstrip() if unit else text


def _when(t_s: float) -> str:
    return describe_elapsed(t_s)


#: Internal names that device messages may contain, and the plain words a trainee reads instead.
PLAIN_TERMS = {
    "dose_mcg_per_day": "a dose in mcg/day",
    "dose_mg_per_day": "a dose in mg/day",
    "concentration_mcg_per_ml": "a concentration in mcg/mL",
    "dose_mg": "a dose in mg",
    "dose_mcg": "a dose in mcg",
    "concentration_mg_per_ml": "a concentration in mg/mL",
    "low_reservoir": "low-reservoir",
    "empty_reservoir": "empty-reservoir",
    "motor_stall": "motor-stall",
    "out_of_compliance": "out-of-compliance",
    "end_of_service": "end-of-service",
    "eri": "ERI",
}


def plain(text: str) -> str:
    """A device message or name in plain words: known internal names replaced, underscores dropped."""
    out = str(text)
    for name, words in PLAIN_TERMS.items():
        out = re.sub(rf"\b{re.escape(name)}\b", words, out)
    return re.sub(r"\b([a-z]+)_([a-z_]+)\b", lambda m: m.group(0).replace("_", " "), out)


def _act(action: str) -> str:
    """An action name as words ('impedance_check' -> 'impedance check')."""
    return action.replace("_", " ")


# ----------------------------------------------------------------------------- helpers
def _get_path(data: Any, dotted: str) -> tuple[bool, Any]:
    """Value at a dotted path in nested dicts/lists (`program.contacts.3`); (found, value)."""
    current = data
    for part in dotted.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.lstrip("-").isdigit() and -len(current) <= int(part) < len(current):
            current = current[int(part)]
        else:
            return False, None
    return True, current


def values_match(expected: Any, actual: Any, tolerance_pct: float) -> bool:
    """Equality with a relative tolerance for numbers, recursive for dicts (subset) and lists."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and values_match(v, actual[k], tolerance_pct) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(values_match(e, a, tolerance_pct) for e, a in zip(expected, actual))
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(float(expected), float(actual), rel_tol=tolerance_pct / 100.0, abs_tol=1e-12)
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.strip().lower() == actual.strip().lower()
    return expected == actual


class Bounds(StrictModel):
    """A closed interval; either end may be open (None)."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        return self

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min - 1e-12) and (self.max is None or value <= self.max + 1e-12)

    def describe(self, unit: str = "") -> str:
        if self.min is not None and self.max is not None:
            return f"between {fmt(self.min)} and {fmt(self.max, unit)}"
        if self.min is not None:
            return f"at least {fmt(self.min, unit)}"
        return f"at most {fmt(self.max, unit)}"


class TargetMixin(StrictModel):
    """A value check: `target` +/- `tolerance_pct`, or `min`/`max` bounds."""

    target: float | None = Field(None, description="Wanted value (with tolerance_pct)")
    tolerance_pct: float = Field(5.0, ge=0, le=100, description="Allowed deviation from target, percent")
    min: float | None = Field(None, description="Lowest acceptable value")
    max: float | None = Field(None, description="Highest acceptable value")
    unit: str = Field("", max_length=30, description="Unit shown in explanations")

    @model_validator(mode="after")
    def _one_rule(self):
        if self.target is None and self.min is None and self.max is None:
            raise ValueError("give target (with tolerance_pct) or min and/or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self

    def bounds(self) -> tuple[float, float]:
        lo, hi = -math.inf, math.inf
        if self.target is not None:
            delta = abs(self.target) * self.tolerance_pct / 100.0
            lo, hi = self.target - delta, self.target + delta
        if self.min is not None:
            lo = max(lo, self.min)
        if self.max is not None:
            hi = min(hi, self.max)
        return lo, hi

    def value_ok(self, value: float) -> bool:
        lo, hi = self.bounds()
        return lo - 1e-12 * max(1.0, abs(lo)) <= value <= hi + 1e-12 * max(1.0, abs(hi))

    def wanted(self) -> str:
        lo, hi = self.bounds()
        if self.target is not None and self.min is None and self.max is None:
            return f"{fmt(self.target, self.unit)} +/- {fmt(self.tolerance_pct)} % ({fmt(lo)} to {fmt(hi, self.unit)})"
        if lo == hi:
            return f"exactly {fmt(lo, self.unit)}"
        if math.isinf(lo):
            return f"at most {fmt(hi, self.unit)}"
        if math.isinf(hi):
            return f"at least {fmt(lo, self.unit)}"
        return f"between {fmt(lo)} and {fmt(hi, self.unit)}"


# ----------------------------------------------------------------------------- base
class AdviceCase(StrictModel):
    """Teaching advice for one way of failing a criterion.

    Give one or more conditions; the case applies when all of them hold: `below` / `above` (the
    measured value fell under / over the wanted range), `answer` (the trainee gave this answer),
    `not_answered`, `contains` (the explanation contains this text, case-insensitive)."""

    advice: str = Field(min_length=1, max_length=2000)
    below: bool = False
    above: bool = False
    answer: float | str | None = None
    not_answered: bool = False
    contains: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _some_condition(self):
        if not (self.below or self.above or self.answer is not None or self.not_answered or self.contains):
            raise ValueError("give at least one condition: below, above, answer, not_answered or contains")
        return self

    def matches(self, criterion: CriterionBase, explanation: str, details: dict[str, Any]) -> bool:
        value = details.get("value")
        if self.below or self.above:
            if not isinstance(criterion, TargetMixin) or not isinstance(value, (int, float)):
                return False
            lo, hi = criterion.bounds()
            if self.below and not value < lo:
                return False
            if self.above and not value > hi:
                return False
        if self.not_answered and details.get("given") not in (None, ""):
            return False
        if self.answer is not None:
            given = details.get("given")
            if given in (None, ""):
                return False
            if isinstance(self.answer, (int, float)) and isinstance(given, str):
                try:
                    given = float(given)
                except ValueError:
                    return False
            if not values_match(self.answer, given, 0.5):
                return False
        if self.contains and self.contains.lower() not in explanation.lower():
            return False
        return True


class CriterionBase(StrictModel):
    """Fields every criterion has."""

    id: str = Field("", pattern=r"^$|" + ID_PATTERN, description="Short name (default: kind and position)")
    title: str = Field(min_length=1, max_length=200, description="What is checked, in the trainee's words")
    points: float = Field(1.0, ge=0, le=100, description="Points for passing")
    required: bool = Field(True, description="The exercise is failed when a required criterion fails")
    advice: str = Field("", max_length=2000, description="Teaching note appended to the explanation when the criterion fails")
    advice_cases: list[AdviceCase] = Field(default_factory=list, description="Advice for particular ways of failing; used instead of `advice` when one applies")

    def advice_for(self, explanation: str, details: dict[str, Any]) -> str:
        """The advice for a failure: every matching case, else the general advice."""
        hits = [c.advice.strip() for c in self.advice_cases if c.matches(self, explanation, details)]
        return " ".join(hits) if hits else self.advice.strip()

    def devices(self) -> list[str]:
        """Device ids this criterion refers to (checked against the scenario)."""
        dev = getattr(self, "device", None)
        return [dev] if dev is not None else []  # an empty id too: it names no device

    def action_refs(self) -> list[tuple[str, str]]:
        """(device, action) pairs this criterion refers to (checked against the device kinds)."""
        return []

    def times_s(self) -> list[tuple[str, float]]:
        """(field, time) pairs that must fall inside the scenario."""
        return []

    def evaluate(self, ctx: GradingContext) -> tuple[bool, str, dict[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError


class ParamRange(StrictModel):
    min: float | None = None
    max: float | None = None


class ActionDone(CriterionBase):
    """The trainee did an action (accepted by the device), optionally with given parameters and by a time.

    `params` must match (numbers within `params_tolerance_pct`; nested mappings as subsets);
    `ranges` bounds parameters by dotted path. With `last: true` only the trainee's last accepted
    action of that name is judged (so a later change undoes an earlier right one)."""

    kind: Literal["action_done"] = "action_done"
    device: str
    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    params_tolerance_pct: float = Field(0.5, ge=0, le=100)
    ranges: dict[str, ParamRange] = Field(default_factory=dict)
    after: Duration | None = None
    before: Duration | None = None
    last: bool = False
    label: str = Field("", max_length=100, description="The action in plain words, e.g. 'dose program'")
    param_labels: dict[str, str] = Field(default_factory=dict, description="Plain names of the parameters, by dotted path")

    def action_refs(self):
        return [(self.device, self.action)]

    def _name(self, key: str) -> str:
        return self.param_labels.get(key) or plain(key.rsplit(".", 1)[-1])

    def times_s(self):
        return [(k, v) for k, v in (("after", self.after), ("before", self.before)) if v is not None]

    def _mismatches(self, o: ActionOutcome) -> list[str]:
        problems = []
        for key, expected in self.params.items():
            found, actual = _get_path(o.params, key)
            if not found:
                problems.append(f"{self._name(key)} was not set (expected {fmt(expected)})")
            elif not values_match(expected, actual, self.params_tolerance_pct):
                problems.append(f"{self._name(key)} was {fmt(actual)}, expected {fmt(expected)}")
        for key, rng in self.ranges.items():
            found, actual = _get_path(o.params, key)
            if not found or not isinstance(actual, (int, float)) or isinstance(actual, bool):
                problems.append(f"{self._name(key)} was not set")
                continue
            if (rng.min is not None and actual < rng.min - 1e-12) or (rng.max is not None and actual > rng.max + 1e-12):
                lo = "-inf" if rng.min is None else fmt(rng.min)
                hi = "inf" if rng.max is None else fmt(rng.max)
                problems.append(f"{self._name(key)} was {fmt(actual)}, allowed {lo} to {hi}")
        if self.after is not None and o.at_s < self.after:
            problems.append(f"it was done at {_when(o.at_s)}, before {_when(self.after)}")
        if self.before is not None and o.at_s > self.before:
            problems.append(f"it was done at {_when(o.at_s)}, after the deadline {_when(self.before)}")
        return problems

    def evaluate(self, ctx):
        done = ctx.accepted(self.device, self.action)
        refused = [o for o in ctx.outcomes if o.device == self.device and o.action == self.action and not o.accepted]
        what = self.label or _act(self.action)
        if not done:
            extra = f"; it was tried {len(refused)} time(s) and refused: {plain(refused[-1].reason)}" if refused else ""
            return False, f"no {what} was accepted by the {self.device}{extra}", {"count": 0}
        candidates = done[-1:] if self.last else done
        for o in candidates:
            if not self._mismatches(o):
                return True, f"{what} on the {self.device} at {_when(o.at_s)} as required", {"at_s": o.at_s}
        o = candidates[-1]
        which = "your last" if self.last or len(candidates) == 1 else "none matched; your last"
        return False, f"{which} {what} on the {self.device}: " + "; ".join(self._mismatches(o)), {"at_s": o.at_s}


class ActionAbsent(CriterionBase):
    """The trainee did NOT do an action (any attempt counts, accepted or not unless `accepted_only`)."""

    kind: Literal["action_absent"] = "action_absent"
    device: str
    action: str
    params: dict[str, Any] = Field(default_factory=dict, description="Only actions matching these parameters count")
    accepted_only: bool = True

    def action_refs(self):
        return [(self.device, self.action)]

    def evaluate(self, ctx):
        hits = [
            o
            for o in ctx.outcomes
            if o.device == self.device and o.action == self.action and (o.accepted or not self.accepted_only)
            and all(values_match(v, _get_path(o.params, k)[1], 0.5) for k, v in self.params.items())
        ]
        if hits:
            return False, f"{_act(self.action)} on the {self.device} was done at {_when(hits[0].at_s)}; it should not have been", {"count": len(hits)}
        return True, f"no {_act(self.action)} on the {self.device}, as intended", {"count": 0}


class ActionOrder(CriterionBase):
    """An accepted `first` action came before an accepted `then` action (within `within` if given)."""

    kind: Literal["action_order"] = "action_order"
    device: str
    first: str
    then: str
    within: Duration | None = None

    def action_refs(self):
        return [(self.device, self.first), (self.device, self.then)]

    def evaluate(self, ctx):
        firsts = ctx.accepted(self.device, self.first)
        thens = ctx.accepted(self.device, self.then)
        first, then = _act(self.first), _act(self.then)
        if not firsts:
            return False, f"no {first} was done on the {self.device}" + (f" before the {then}" if thens else ""), {}
        if not thens:
            return False, f"no {then} was done after the {first} on the {self.device}", {}
        for f in firsts:
            for t in thens:
                if t.index > f.index and (self.within is None or t.at_s - f.at_s <= self.within):
                    return True, f"{first} at {_when(f.at_s)}, then {then} at {_when(t.at_s)}", {}
        if self.within is not None and any(t.index > f.index for f in firsts for t in thens):
            return False, f"the {then} came more than {describe_elapsed(self.within)} after the {first}", {}
        return False, f"the {then} was not done after the {first} (order matters)", {}


class NoRefusal(CriterionBase):
    """None of the trainee's actions was refused by a device (optionally one device)."""

    kind: Literal["no_refusal"] = "no_refusal"
    device: str | None = None

    def evaluate(self, ctx):
        refused = [o for o in ctx.outcomes if not o.accepted and (self.device is None or o.device == self.device)]
        if refused:
            listed = "; ".join(f"{_act(o.action)} at {_when(o.at_s)}: {plain(o.reason)}" for o in refused[:3])
            return False, f"{len(refused)} action(s) refused by the device: {listed}", {"count": len(refused)}
        return True, "no action was refused", {"count": 0}


class OnlyAllowedActions(CriterionBase):
    """Added by the grader when an exercise lists allowed actions: everything else is a mistake."""

    kind: Literal["only_allowed_actions"] = "only_allowed_actions"
    allowed: dict[str, list[str]] = Field(default_factory=dict)

    def evaluate(self, ctx):
        bad = [o for o in ctx.outcomes if o.action not in self.allowed.get(o.device, [])]
        if bad:
            listed = "; ".join(o.describe() for o in bad[:3])
            cost = f"this costs the rule's {self.points:g} point(s)" + (" and fails the exercise whatever the score (the rule is required)" if self.required else "")
            return False, f"used action(s) this exercise does not allow: {listed}; {cost}", {"count": len(bad)}
        return True, "only the exercise's actions were used", {"count": 0}


class TimeRef(StrictModel):
    """When to read a value: at a fixed time, or `settle` after the trainee's last accepted action."""

    at: Duration | Literal["end"] | None = Field(None, description="A time from the scenario start, or 'end'")
    after_action: str | None = Field(None, description="Read `settle` after the trainee's last accepted action of this name")
    settle: Duration = Field(0.0, description="Delay after the action")


class SignalValue(CriterionBase, TargetMixin):
    """A recorded signal's value (or its increase over `window`) at a time is on target.

    `mode: increase` reads signal(t) - signal(t - window): with a cumulative-dose signal and a
    one-day window this is the dose actually delivered over that day."""

    kind: Literal["signal_value"] = "signal_value"
    device: str
    signal: str
    when: TimeRef = Field(default_factory=lambda: TimeRef(at="end"))
    mode: Literal["value", "increase"] = "value"
    window: Duration = Field(86400.0, gt=0)
    label: str = Field("", max_length=200, description="What is measured, in plain words (replaces the signal name)")

    def action_refs(self):
        return [(self.device, self.when.after_action)] if self.when.after_action else []

    def times_s(self):
        return [("when.at", self.when.at)] if isinstance(self.when.at, float) else []

    def evaluate(self, ctx):
        key = (self.device, self.signal)
        if key not in ctx.results.series:
            available = ", ".join(s for d, s in ctx.results.signals(self.device)) or "none"
            return False, f"no signal '{self.signal}' was recorded for {self.device} (recorded: {available})", {}
        t = resolve_time(self.when, ctx)
        if t is None:
            return False, f"no accepted '{self.when.after_action}' on {self.device}, so there is no result to check", {}
        value = float(ctx.results.resample(self.device, self.signal, np.array([t]))[0])
        label = self.signal
        if self.mode == "increase":
            before = float(ctx.results.resample(self.device, self.signal, np.array([max(0.0, t - self.window)]))[0])
            value -= before
            label = f"{self.signal} over the {describe_elapsed(self.window)} before {_when(t)}"
        else:
            label = f"{self.signal} at {_when(t)}"
        if self.label:
            label = self.label
        ok = self.value_ok(value)
        return ok, f"{label} was {fmt(value, self.unit)}; wanted {self.wanted()}", {"value": value, "t_s": t}


def resolve_time(ref: TimeRef, ctx: GradingContext) -> float | None:
    end = ctx.sim.now
    if ref.after_action:
        done = [o for o in ctx.outcomes if o.action == ref.after_action and o.accepted]
        if not done:
            return None
        return min(end, done[-1].at_s + ref.settle)
    if ref.at is None or ref.at == "end":
        return end
    return min(end, float(ref.at) + ref.settle)


class SummaryValue(CriterionBase, TargetMixin):
    """A figure of the device's end-of-run summary (dotted path) is on target."""

    kind: Literal["summary_value"] = "summary_value"
    device: str
    key: str = Field(min_length=1, description="Dotted path in the device summary, e.g. battery.projected_days")
    label: str = Field("", max_length=200, description="What is measured, in plain words (replaces the key)")

    def evaluate(self, ctx):
        summary = ctx.results.device_summary(self.device)
        found, value = _get_path(summary, self.key)
        if not found or value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return False, f"the summary of {self.device} has no number '{self.key}' (got {value!r})", {}
        ok = self.value_ok(float(value))
        label = self.label or f"{self.key} of {self.device}"
        return ok, f"{label} was {fmt(value, self.unit)}; wanted {self.wanted()}", {"value": float(value)}


class EventMatch(StrictModel):
    """Which events count: a kind (a trailing '*' matches a prefix) and payload values."""

    kind: str = Field(min_length=1)
    payload: dict[str, Any] = Field(default_factory=dict)
    after: Duration | None = None
    before: Duration | None = None

    def select(self, results, device: str | None):
        out = []
        for e in results.events_where(device, self.kind):
            if self.after is not None and e.t_s < self.after:
                continue
            if self.before is not None and e.t_s > self.before:
                continue
            if all(values_match(v, _get_path(e.payload, k)[1], 0.5) for k, v in self.payload.items()):
                out.append(e)
        return out

    def describe(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.payload.items())
        return self.kind + (f" ({extra})" if extra else "")


class EventPresent(CriterionBase):
    """At least one matching event happened (in a time window).

    With `follows`, only events within `within` after an event matching `follows` count (a bridge
    bolus started within an hour of the refill); pair it with an `event_absent` whose `excused_by`
    is the same event and window, so the two criteria judge the same fact the same way."""

    kind: Literal["event_present"] = "event_present"
    device: str | None = None
    event: EventMatch
    label: str = Field("", max_length=200, description="The event in plain words, e.g. 'bridge bolus'")
    follows: EventMatch | None = Field(None, description="Count only events within `within` after one of these")
    follows_label: str = Field("", max_length=200, description="The `follows` event in plain words, e.g. 'refill'")
    within: Duration = Field(3600.0, gt=0, description="Window after a `follows` event")

    def evaluate(self, ctx):
        hits = self.event.select(ctx.results, self.device)
        name = self.label or self.event.describe()
        if hits and self.follows is not None:
            refs = self.follows.select(ctx.results, self.device)
            ref_name = self.follows_label or self.follows.describe()
            timely = [e for e in hits if any(0 <= e.t_s - r.t_s <= self.within for r in refs)]
            if not timely:
                where = f"after the {ref_name}" if refs else f"but there was no {ref_name}"
                return False, (f"the {name} at {_when(hits[0].t_s)} did not start within {duration_text(self.within)} {where}"), {"count": 0}
            hits = timely
        if hits:
            return True, f"{name} happened at {_when(hits[0].t_s)}", {"count": len(hits)}
        if self.label:
            return False, f"there was no {self.label}", {"count": 0}
        return False, f"{self.event.describe()} never happened", {"count": 0}


class EventAbsent(CriterionBase):
    """No matching event happened (in a time window).

    With `excused_by`, a matching event followed within `excused_within` by an event matching
    `excused_by` (same device) does not count: a concentration change without a bridge bolus is
    no dose error when a separate bridge bolus follows right after it."""

    kind: Literal["event_absent"] = "event_absent"
    device: str | None = None
    event: EventMatch
    label: str = Field("", max_length=200, description="The event in plain words, e.g. 'charge-density warning'")
    excused_by: EventMatch | None = Field(None, description="An event that, following within `excused_within`, undoes the offending one")
    excused_label: str = Field("", max_length=200, description="The `excused_by` event in plain words, e.g. 'bridge bolus'")
    excused_within: Duration = Field(3600.0, gt=0)

    def evaluate(self, ctx):
        hits = self.event.select(ctx.results, self.device)
        name = self.label or self.event.describe()
        excused = []
        if hits and self.excused_by is not None:
            cures = [e for e in self.excused_by.select(ctx.results, self.device)]
            excused = [h for h in hits if any(h.device == c.device and 0 <= c.t_s - h.t_s <= self.excused_within for c in cures)]
            hits = [h for h in hits if h not in excused]
        if hits:
            what = hits[0].payload.get("message") or hits[0].payload.get("reason") or hits[0].payload.get("alarm") or ""
            return False, f"{name} at {_when(hits[0].t_s)}{': ' + plain(str(what)) if what else ''}", {"count": len(hits)}
        if excused:
            cure = self.excused_label or self.excused_by.describe()
            return True, f"no {name}: the {cure} within {duration_text(self.excused_within)} dealt with it", {"count": 0, "excused": len(excused)}
        return True, f"no {name}", {"count": 0}


class EventValue(CriterionBase, TargetMixin):
    """A number in the payload of matching events is on target (`which`: all, last or any)."""

    kind: Literal["event_value"] = "event_value"
    device: str | None = None
    event: EventMatch
    key: str = Field(min_length=1)
    which: Literal["all", "last", "any"] = "all"
    absolute: bool = Field(False, description="Compare the absolute value (for signed errors)")
    label: str = Field("", max_length=200, description="What is measured, in plain words")

    def evaluate(self, ctx):
        hits = [e for e in self.event.select(ctx.results, self.device) if isinstance(_get_path(e.payload, self.key)[1], (int, float))]
        if not hits:
            if self.label:
                return False, f"{self.label} could not be read: the event it comes from never happened", {}
            return False, f"no {self.event.describe()} with '{self.key}' happened", {}
        values = [(e, float(_get_path(e.payload, self.key)[1])) for e in hits]
        if self.absolute:
            values = [(e, abs(v)) for e, v in values]
        if self.which == "last":
            values = values[-1:]
        good = [(e, v) for e, v in values if self.value_ok(v)]
        ok = bool(good) if self.which == "any" else len(good) == len(values)
        e, v = (good[0] if (ok and good) else next(((e, v) for e, v in values if not self.value_ok(v)), values[-1]))
        label = f"{self.label} at {_when(e.t_s)}" if self.label else f"{self.key} of {self.event.kind} at {_when(e.t_s)}"
        return ok, f"{label} was {fmt(v, self.unit)}; wanted {self.wanted()}", {"value": v}


class AlarmAcknowledged(CriterionBase):
    """Every raised alarm of a name (or any) was acknowledged within `within` of simulated time."""

    kind: Literal["alarm_acknowledged"] = "alarm_acknowledged"
    device: str
    alarm: str | None = Field(None, description="Alarm name in the event payload; None: every alarm")
    within: Duration = Field(gt=0)
    or_cleared: bool = Field(False, description="Also accept the alarm being cleared (e.g. a refill clears low reservoir)")
    raised_kind: str = K.ALARM_RAISED
    acknowledged_kind: str = K.ALARM_ACKNOWLEDGED

    def evaluate(self, ctx):
        def named(e):
            return self.alarm is None or e.payload.get("alarm") == self.alarm

        raised = [e for e in ctx.results.events_where(self.device, self.raised_kind) if named(e)]
        kinds = [self.acknowledged_kind] + ([K.ALARM_CLEARED] if self.or_cleared else [])
        acks = [e for e in ctx.results.events_where(self.device, kinds) if named(e)]
        label = f"{plain(self.alarm)} alarm" if self.alarm else "alarm"
        if not raised:
            return False, f"no {label} was raised on {self.device}, so nothing could be acknowledged", {}
        late = []
        for r in raised:
            ack = next((a for a in acks if a.t_s >= r.t_s and a.payload.get("alarm") == r.payload.get("alarm")), None)
            if ack is None:
                late.append(f"the {plain(r.payload.get('alarm', 'alarm'))} alarm raised at {_when(r.t_s)} was never acknowledged")
            elif ack.t_s - r.t_s > self.within + 1e-9:
                late.append(
                    f"the {plain(r.payload.get('alarm', 'alarm'))} alarm raised at {_when(r.t_s)} was {'acknowledged or cleared' if self.or_cleared else 'acknowledged'} "
                    f"{describe_elapsed(ack.t_s - r.t_s)} later, more than the {describe_elapsed(self.within)} allowed"
                )
        if late:
            return False, "; ".join(late), {"late": len(late)}
        return True, f"every {label} was acknowledged within {describe_elapsed(self.within)}", {"late": 0}


class Answer(CriterionBase):
    """The trainee's answer to one of the exercise's questions is right.

    `expected` is a number (compared within `tolerance_pct`), a text (case-insensitive) or a list of
    accepted texts/numbers."""

    kind: Literal["answer"] = "answer"
    question: str = Field(pattern=ID_PATTERN)
    expected: float | str | bool | list[float | str]
    tolerance_pct: float = Field(1.0, ge=0, le=100)

    def evaluate(self, ctx):
        if self.question not in ctx.answers or ctx.answers[self.question] in (None, ""):
            return False, f"question '{self.question}' was not answered", {"given": None}
        given = ctx.answers[self.question]
        accepted = self.expected if isinstance(self.expected, list) else [self.expected]
        for want in accepted:
            if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(given, str):
                try:
                    given_v: Any = float(given)
                except ValueError:
                    continue
            else:
                given_v = given
            if values_match(want, given_v, self.tolerance_pct):
                return True, f"answer '{given}' is right", {"given": given}
        return False, f"answer '{given}' is not right", {"given": given}


class DeviceCheck(CriterionBase):
    """A named check provided by the device model (see `simulator.training.device_checks`)."""

    kind: Literal["device_check"] = "device_check"
    device: str
    check: str = Field(min_length=1, description="Name of the check, e.g. 'charge_density_ok'")
    args: dict[str, Any] = Field(default_factory=dict)

    def evaluate(self, ctx):
        from simulator.training.device_checks import run_device_check

        return run_device_check(self.check, ctx.sim.devices[self.device], self.args, ctx)


Criterion = Annotated[
    ActionDone | ActionAbsent | ActionOrder | NoRefusal | SignalValue | SummaryValue | EventPresent | EventAbsent | EventValue | AlarmAcknowledged | Answer | DeviceCheck,
    Field(discriminator="kind"),
]

CRITERION_KINDS = [
    "action_done",
    "action_absent",
    "action_order",
    "no_refusal",
    "signal_value",
    "summary_value",
    "event_present",
    "event_absent",
    "event_value",
    "alarm_acknowledged",
    "answer",
    "device_check",
]
