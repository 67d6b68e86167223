"""Exercise files: a starting scenario, a task in plain words, what the trainee may do, how it is judged.

```yaml
id: pump-dose-change                # lower-case slug; also the file name
title: Raise a continuous morphine dose
level: beginner                     # beginner | intermediate | advanced
task: |
  The patient needs 2 mg/day ...
scenario: pump_exercise_base        # a bundled scenario name, a path (relative to this file) or a mapping
start_at: 1h                        # where the trainee starts (the app runs the scenario up to here)
allowed:                            # the actions the trainee may use (empty: any)
  - {device: pump, actions: [set_continuous]}
questions:                          # optional answers the trainee types in
  - {id: faulty-contact, prompt: Which contact is open?, answer_kind: number}
criteria:                           # see simulator/training/criteria.py for every kind
  - {kind: action_done, title: Program the new dose, device: pump, action: set_continuous}
hints: [...]
debrief: |
  The right answer and why.
sources: [...]                      # where the domain facts of the exercise come from
```
`exercise_from_dict` validates the structure (pydantic), resolves and validates the scenario,
then cross-checks every reference (devices, action names, question ids, times inside the
scenario, device checks) and reports all problems at once with file, field path and value.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator

from simulator.errors import InputError, Issue, validate_model
from simulator.profiles.base import StrictModel
from simulator.profiles.registry import ProfileRegistry, default_registry
from simulator.scenario.model import Duration, Scenario
from simulator.training.criteria import ID_PATTERN, Criterion, DeviceCheck, OnlyAllowedActions
from simulator.units import format_duration
from simulator.yaml_io import load_yaml_file

LEVELS = ("beginner", "intermediate", "advanced")


class AllowedActions(StrictModel):
    device: str = Field(min_length=1)
    actions: list[str] = Field(min_length=1)


class Question(StrictModel):
    id: str = Field(pattern=ID_PATTERN)
    prompt: str = Field(min_length=1, max_length=500)
    answer_kind: Literal["number", "text", "choice"] = "text"
    choices: list[str] = Field(default_factory=list)
    unit: str = Field("", max_length=30)

    @field_validator("choices")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("choices must be different from each other")
        return value


class Exercise(StrictModel):
    id: str = Field(pattern=ID_PATTERN, description="Short name, lower case: letters, digits, - and _")
    title: str = Field(min_length=1, max_length=200)
    level: Literal["beginner", "intermediate", "advanced"]
    task: str = Field(min_length=1, max_length=10000, description="What to do, in plain words")
    scenario: str | dict[str, Any] = Field(description="Bundled scenario name, path relative to this file (inside its folder), or an inline scenario")
    start_at: Duration = Field(0.0, description="Simulated time at which the trainee takes over")
    allowed: list[AllowedActions] = Field(default_factory=list, description="Actions the trainee may use; empty: any")
    questions: list[Question] = Field(default_factory=list)
    criteria: list[Criterion] = Field(min_length=1, max_length=50)
    pass_score_pct: float = Field(0.0, ge=0, le=100, description="Also needed to pass: this share of the points (required criteria must pass regardless)")
    hints: list[str] = Field(default_factory=list)
    debrief: str = Field(min_length=1, max_length=20000)
    sources: list[str] = Field(default_factory=list)

    _scenario: Scenario | None = PrivateAttr(None)
    _file: str | None = PrivateAttr(None)

    # ----- derived -----
    @property
    def scenario_model(self) -> Scenario:
        """The resolved, validated starting scenario."""
        if self._scenario is None:
            raise RuntimeError("exercise not resolved: build it with exercise_from_dict or load_exercise")
        return self._scenario

    @property
    def file(self) -> str | None:
        return self._file

    def allowed_map(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for a in self.allowed:
            out.setdefault(a.device, []).extend(a.actions)
        return out

    def criteria_with_ids(self) -> list[Criterion | OnlyAllowedActions]:
        """The criteria with ids filled in (kind-N when none given), plus the allowed-actions rule."""
        out: list[Criterion | OnlyAllowedActions] = []
        for i, c in enumerate(self.criteria):
            out.append(c if c.id else c.model_copy(update={"id": f"{c.kind.replace('_', '-')}-{i + 1}"}))
        if self.allowed:
            out.append(
                OnlyAllowedActions(
                    id="allowed-actions",
                    title="Use only the actions this exercise allows",
                    allowed=self.allowed_map(),
                    points=1,
                    required=True,
                )
            )
        return out


def _resolve_scenario(ex: Exercise, registry: ProfileRegistry, file: str | None) -> Scenario:
    from simulator.scenario import scenario_from_dict

    if isinstance(ex.scenario, dict):
        try:
            return scenario_from_dict(ex.scenario, registry, file=None)
        except InputError as exc:
            raise InputError([i.under("scenario") for i in exc.issues], file) from None
    ref = ex.scenario
    if not 0 < len(ref) <= 500:
        raise InputError(Issue("scenario", "a scenario name or path has 1 to 500 characters", ref), file)
    base = Path(file).resolve().parent if file is not None else Path.cwd().resolve()
    try:
        candidate = (base / ref).resolve()
        found = candidate.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        found = False
    if found:
        if not candidate.is_relative_to(base):
            raise InputError(
                Issue("scenario", "a scenario file must lie in the exercise's folder (or below it), or be a bundled scenario name", ref),
                file,
            )
        path = candidate
    else:
        from simulator.bundled import bundled_scenario_names, bundled_scenarios_dir

        name = ref.removesuffix(".yaml")
        if name not in bundled_scenario_names():
            raise InputError(
                Issue("scenario", f"no such scenario file beside the exercise or bundled scenario; bundled: {', '.join(bundled_scenario_names()) or 'none'}", ref),
                file,
            )
        path = bundled_scenarios_dir() / f"{name}.yaml"
    data = load_yaml_file(path)
    return scenario_from_dict(data, registry, file=str(path))


def _cross_check(ex: Exercise, scenario: Scenario, registry: ProfileRegistry) -> list[Issue]:
    from simulator.device import device_class_for
    from simulator.training.device_checks import CHECK_ARGS, all_checks

    CHECKS = all_checks()

    issues: list[Issue] = []
    kinds = {d.id: d.profile.split("/", 1)[0] for d in scenario.devices}
    classes = {dev: device_class_for(k) for dev, k in kinds.items()}
    if scenario.patient is not None:  # the virtual patient is a device too (its actions, checks and events)
        from simulator.patient.scenario import patient_class_for

        patient_cls = patient_class_for(scenario.patient)  # SCS patient or intrathecal patient (linked to a pump)
        kinds[scenario.patient.id] = getattr(patient_cls, "kind", "patient")
        classes[scenario.patient.id] = patient_cls
    devices = ", ".join(kinds)
    duration = scenario.duration
    if ex.start_at > duration:
        issues.append(Issue("start_at", f"must lie inside the scenario: 0 to {format_duration(duration)}", format_duration(ex.start_at)))

    def check_action(where: str, device: str, action: str) -> None:
        if device not in classes:
            issues.append(Issue(f"{where}.device", f"no such device in the scenario; devices: {devices}", device))
            return
        models = classes[device].action_models()
        if action not in models:
            issues.append(Issue(where, f"unknown action for a {kinds[device]} device; allowed: {', '.join(sorted(models))}", action))

    for i, a in enumerate(ex.allowed):
        if a.device not in classes:
            issues.append(Issue(f"allowed[{i}].device", f"no such device in the scenario; devices: {devices}", a.device))
            continue
        for j, action in enumerate(a.actions):
            check_action(f"allowed[{i}].actions[{j}]", a.device, action)
    question_ids = [q.id for q in ex.questions]
    for i, q in enumerate(ex.questions):
        if question_ids.count(q.id) > 1:
            issues.append(Issue(f"questions[{i}].id", "duplicate question id", q.id))
        if q.answer_kind == "choice" and len(q.choices) < 2:
            issues.append(Issue(f"questions[{i}].choices", "a choice question needs at least 2 choices", q.choices))
    seen_ids: set[str] = set()
    for i, c in enumerate(ex.criteria):
        where = f"criteria[{i}]"
        if c.id:
            if c.id in seen_ids:
                issues.append(Issue(f"{where}.id", "duplicate criterion id", c.id))
            seen_ids.add(c.id)
        for dev in c.devices():
            if dev not in classes:
                issues.append(Issue(f"{where}.device", f"no such device in the scenario; devices: {devices}", dev))
        for dev, action in c.action_refs():
            if dev in classes:
                check_action(f"{where}.action", dev, action)
        for name, t in c.times_s():
            if t > duration:
                issues.append(Issue(f"{where}.{name}", f"must lie inside the scenario: 0 to {format_duration(duration)}", format_duration(t)))
        question = getattr(c, "question", None)
        if c.kind == "answer" and question not in question_ids:
            issues.append(Issue(f"{where}.question", f"no such question; questions: {', '.join(question_ids) or 'none'}", question))
        if isinstance(c, DeviceCheck):
            if c.check not in CHECKS:
                issues.append(Issue(f"{where}.check", f"unknown device check; allowed: {', '.join(sorted(CHECKS)) or 'none'}", c.check))
            elif c.device in kinds and CHECKS[c.check][0] != kinds[c.device]:
                issues.append(Issue(f"{where}.check", f"check is for a {CHECKS[c.check][0]} device, not a {kinds[c.device]}", c.check))
            elif c.check in CHECK_ARGS:
                try:
                    validate_model(CHECK_ARGS[c.check], c.args)
                except InputError as exc:
                    issues.extend(i.under(f"{where}.args") for i in exc.issues)
    return issues


def exercise_from_dict(data: Any, registry: ProfileRegistry | None = None, file: str | None = None) -> Exercise:
    """Validate an exercise mapping completely; InputError naming file, field, value and what is allowed."""
    from simulator.training.device_checks import all_checks

    all_checks()  # registers the pump and stimulator checks
    registry = registry or default_registry()
    if not isinstance(data, dict):
        raise InputError(Issue("(top level)", f"an exercise must be a mapping of keys to values, not a {type(data).__name__}"), file)
    ex = validate_model(Exercise, data, file=file)
    scenario = _resolve_scenario(ex, registry, file)
    issues = _cross_check(ex, scenario, registry)
    if issues:
        raise InputError(issues, file)
    ex._scenario = scenario
    ex._file = file
    return ex


def load_exercise(path: Path | str, registry: ProfileRegistry | None = None) -> Exercise:
    """Read and validate an exercise file (or a bundled exercise by id)."""
    from simulator.training.catalog import bundled_exercise_ids, resolve_exercise_path

    path = resolve_exercise_path(path)
    if not path.exists():
        raise InputError(Issue("(file)", f"no such file or bundled exercise; bundled: {', '.join(bundled_exercise_ids()) or 'none'}"), str(path))
    return exercise_from_dict(load_yaml_file(path), registry, file=str(path))
