"""Grading: replay an attempt on the exercise's scenario and score every criterion.

The replay uses the same `Simulation` the app and the CLI use: the scenario runs up to each
trainee action's simulated time, the action is applied with `sim.apply_action` (so the device
accepts or refuses it exactly as it did for the trainee), and the run continues to the end of
the scenario. Then each criterion is evaluated on the actions and the results.

Passing: every required criterion passes and the score reaches the exercise's `pass_score_pct`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from simulator.engine import Simulation
from simulator.errors import InputError, Issue, printable
from simulator.profiles.registry import ProfileRegistry, default_registry
from simulator.training.attempt import Attempt
from simulator.training.criteria import ActionOutcome, GradingContext
from simulator.training.exercise import Exercise
from simulator.event_kinds import K
from simulator.units import describe_elapsed, format_duration


@dataclass
class GradeItem:
    id: str
    title: str
    kind: str
    passed: bool
    required: bool
    points_awarded: float
    points_possible: float
    explanation: str
    advice: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class GradeReport:
    exercise_id: str
    exercise_title: str
    trainee: str
    passed: bool
    score: float
    max_score: float
    score_pct: float
    items: list[GradeItem]
    actions: list[dict[str, Any]]
    debrief: str
    end_t_s: float
    pass_score_pct: float = 0.0

    def verdict_text(self) -> str:
        """The verdict with the score and, when not passed, why (so the two never seem to disagree)."""
        head = f"{'PASSED' if self.passed else 'NOT PASSED'}   score {self.score:g} / {self.max_score:g} ({self.score_pct:.0f} %)"
        return head if self.passed else f"{head}: {self.why_not_passed()}"

    def why_not_passed(self) -> str:
        failed = [i.title for i in self.items if i.required and not i.passed]
        if failed:
            return "required criteria not met: " + "; ".join(failed)
        return f"the score is below the {self.pass_score_pct:g} % needed to pass"

    def failed_items(self) -> list[GradeItem]:
        return [i for i in self.items if not i.passed]

    def item(self, item_id: str) -> GradeItem:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_text(self, show_debrief: bool = True) -> str:
        """The itemised result for a terminal or a text panel."""
        lines = [f"Exercise {self.exercise_id}: {self.exercise_title}"]
        if self.trainee:
            lines.append(f"Trainee: {self.trainee}")
        lines.append(f"Result: {self.verdict_text()}")
        lines.append("")
        for item in self.items:
            mark = "PASS" if item.passed else "FAIL"
            req = "" if item.required else " (optional)"
            lines.append(f"[{mark}] {item.title}{req}  {item.points_awarded:g}/{item.points_possible:g}")
            lines.append(f"       {item.explanation}")
            if not item.passed and item.advice:
                lines.append(f"       Advice: {item.advice}")
        if self.actions:
            lines.append("")
            lines.append("What was done (simulated time):")
            for a in self.actions:
                verdict = "accepted" if a["accepted"] else f"REFUSED{' by the programmer' if not a.get('sent', True) else ''} ({a['reason']})"
                if a["accepted"] and a.get("overridden"):
                    verdict += f", warning overridden ({', '.join(a['overridden'])})"
                lines.append(f"  {describe_elapsed(a['at_s'])}  {a['device']}.{a['action']} {a['params']}  {verdict}")
        if show_debrief and self.debrief:
            lines.append("")
            lines.append("Debrief:")
            lines.extend("  " + line for line in self.debrief.strip().splitlines())
        # names, answers, params and reasons come from files: never let them drive the terminal
        return printable("\n".join(lines))


def replay(exercise: Exercise, attempt: Attempt, registry: ProfileRegistry | None = None, attempt_file: str | None = None) -> tuple[Simulation, list[ActionOutcome]]:
    """Run the exercise's scenario with the attempt's actions applied at their times."""
    registry = registry or default_registry()
    scenario = exercise.scenario_model
    sim = Simulation(scenario, registry=registry, validate=False)
    issues: list[Issue] = []
    for i, a in enumerate(attempt.actions):
        if a.at > scenario.duration:
            issues.append(Issue(f"actions[{i}].at", f"must lie inside the exercise's scenario: 0 to {format_duration(scenario.duration)}", format_duration(a.at)))
        elif a.at < exercise.start_at:
            issues.append(Issue(f"actions[{i}].at", f"is before the exercise starts: the trainee takes over at {format_duration(exercise.start_at)} ({describe_elapsed(exercise.start_at)})", format_duration(a.at)))
        if a.device not in sim.devices:
            issues.append(Issue(f"actions[{i}].device", f"no such device; devices: {', '.join(sim.devices)}", a.device))
    if issues:
        raise InputError(issues, attempt_file)
    order = sorted(range(len(attempt.actions)), key=lambda i: attempt.actions[i].at)
    outcomes: list[ActionOutcome] = []
    for i in order:
        a = attempt.actions[i]
        sim.run(until=a.at)
        try:
            if not a.sent:  # refused by the programmer: checked again, never applied
                outcomes.append(_refused_locally(sim, a, len(outcomes)))
                continue
            result = sim.apply_action(a.device, a.action, dict(a.params))
        except InputError as exc:
            raise InputError(
                [Issue(f"actions[{i}].action", iss.message, a.action) if iss.path == "(top level)" else iss.under(f"actions[{i}].params") for iss in exc.issues],
                attempt_file,
            ) from None
        outcomes.append(ActionOutcome(len(outcomes), sim.now, a.device, a.action, dict(a.params), result.accepted, result.reason, dict(result.payload),
                                      overridden=_overrides(sim, a.device, a.action)))
    sim.run()
    return sim, outcomes


def _overrides(sim: Simulation, device: str, action: str) -> list[str]:
    """Limit codes of the warnings the action just applied went past (override and warning events
    emitted at this instant for this action)."""
    out: list[str] = []
    for e in reversed(sim.recorder.events):
        if e.t_s != sim.now or e.device != device:
            break
        if e.kind == K.ACTION:
            break
        if e.kind in (K.OVERRIDE, K.WARNING) and e.payload.get("action", action) == action and e.payload.get("limit"):
            out.append(str(e.payload["limit"]))
    return sorted(set(out))


def _refused_locally(sim: Simulation, a, index: int) -> ActionOutcome:
    """An action the programmer refused before sending: its refusal is found again by the device's
    own check at that moment (the recorded reason is used only if the check now finds none)."""
    from simulator.errors import validate_model

    device = sim.devices[a.device]
    models = type(device).action_models()
    if a.action not in models:
        raise InputError(f"unknown action {a.action!r} for {a.device}; allowed: {', '.join(sorted(models))}")
    try:
        parsed = validate_model(models[a.action], dict(a.params))
    except InputError as exc:  # an entry the action's model rejects: refused before any check
        reason = "invalid entry: " + "; ".join(str(i) for i in exc.issues)
    else:
        refusals = [f for f in device.check(a.action, parsed) if f.level == "refuse"]
        reason = refusals[0].message if refusals else (a.reason or "refused by the programmer")
    return ActionOutcome(index, sim.now, a.device, a.action, dict(a.params), False, reason, {}, sent=False)


def _check_answer_ids(exercise: Exercise, attempt: Attempt, attempt_file: str | None) -> None:
    """InputError for an answer to a question the exercise does not ask (a misspelt question
    id was ignored, and the question graded as not answered)."""
    from simulator.errors import did_you_mean

    asked = [q.id for q in exercise.questions]
    unknown = [key for key in attempt.answers if key not in asked]
    if unknown:
        raise InputError(
            [Issue(f"answers.{key}", f"no such question in exercise {exercise.id!r}; questions: {', '.join(asked) or '(none)'}{did_you_mean(key, asked)}", attempt.answers[key]) for key in unknown],
            attempt_file,
        )


def grade(exercise: Exercise, attempt: Attempt, registry: ProfileRegistry | None = None, attempt_file: str | None = None) -> GradeReport:
    """Replay and score an attempt; InputError when the attempt itself is malformed."""
    if attempt.exercise != exercise.id:
        raise InputError(Issue("exercise", f"this attempt is for another exercise; expected {exercise.id!r}", attempt.exercise), attempt_file)
    _check_answer_ids(exercise, attempt, attempt_file)
    sim, outcomes = replay(exercise, attempt, registry, attempt_file)
    results = sim.results()
    ctx = GradingContext(outcomes=outcomes, sim=sim, results=results, answers=dict(attempt.answers), attempt=attempt)
    items: list[GradeItem] = []
    for c in exercise.criteria_with_ids():
        passed, explanation, details = c.evaluate(ctx)
        items.append(
            GradeItem(
                id=c.id,
                title=c.title,
                kind=c.kind,
                passed=bool(passed),
                required=c.required,
                points_awarded=c.points if passed else 0.0,
                points_possible=c.points,
                explanation=explanation,
                advice=c.advice if passed else c.advice_for(explanation, details),
                details=details,
            )
        )
    score = sum(i.points_awarded for i in items)
    max_score = sum(i.points_possible for i in items)
    score_pct = 100.0 * score / max_score if max_score > 0 else 100.0
    passed = all(i.passed for i in items if i.required) and score_pct + 1e-9 >= exercise.pass_score_pct
    return GradeReport(
        exercise_id=exercise.id,
        exercise_title=exercise.title,
        trainee=attempt.trainee,
        passed=passed,
        score=score,
        max_score=max_score,
        score_pct=score_pct,
        items=items,
        actions=[{"at_s": o.at_s, "device": o.device, "action": o.action, "params": o.params, "accepted": o.accepted, "reason": o.reason,
                  "sent": o.sent, "overridden": list(o.overridden)} for o in outcomes],
        debrief=exercise.debrief,
        end_t_s=sim.now,
        pass_score_pct=exercise.pass_score_pct,
    )


def educator_record(exercise: Exercise, attempt: Attempt, report: GradeReport | None) -> dict[str, Any]:
    """What an educator receives: the exercise, the attempt (actions with times) and the grade."""
    from simulator.results import finite_or_none

    return finite_or_none(
        {
            "kind": "attempt_record",
            "exercise": {"id": exercise.id, "title": exercise.title, "level": exercise.level},
            "attempt": attempt.to_jsonable(),
            "grade": report.to_dict() if report is not None else None,
        }
    )
