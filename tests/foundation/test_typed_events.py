"""Typed events (core issue item 4): every event of every bundled scenario and of every
exercise attempt matches its kind's registered payload model; no kind is written as a string
outside simulator/event_kinds.py; `neuromod-sim schema events` prints the payload schemas."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli.main import main
from simulator.event_kinds import (
    REGISTRY,
    EventPayloadError,
    K,
    payload_schemas,
    validate_payload,
)
from simulator.events import CHECK_EVENTS_ENV, EventStream

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
ATTEMPTS = ROOT / "exercises" / "attempts"
ATTEMPT_FILES = sorted(ATTEMPTS.glob("*/*.yaml"))
DAY_S = 86400.0


def check_all(events) -> set[str]:
    """Validate every record; return the kinds seen. Fails on an unregistered kind."""
    seen = set()
    for e in events:
        validate_payload(e.kind, e.payload)
        seen.add(e.kind)
    return seen


@pytest.fixture(scope="module")
def scenario_runs():
    from simulator.engine import Simulation
    from simulator.scenario import load_scenario

    runs = {}
    for path in SCENARIOS:
        sim = Simulation(load_scenario(path))
        sim.run()
        runs[path.stem] = sim.results()
    return runs


def test_there_are_bundled_scenarios_and_exercise_attempts():
    assert len(SCENARIOS) >= 10
    assert len([p for p in ATTEMPT_FILES if p.name == "correct.yaml"]) >= 8


@pytest.mark.parametrize("name", [p.stem for p in SCENARIOS])
def test_every_event_of_a_bundled_scenario_matches_its_model(scenario_runs, name):
    results = scenario_runs[name]
    seen = check_all(results.events)
    assert {K.SIM_START, K.SIM_END} <= seen
    assert len(seen) >= 3  # the run did something


def test_the_models_read_known_figures(scenario_runs):
    # the default scenario lasts 180 days: 180 * 86400 s = 15,552,000 s
    start = next(e for e in scenario_runs["default"].events if e.kind == K.SIM_START)
    assert validate_payload(start.kind, start.payload).duration_s == 180 * DAY_S == 15_552_000.0
    # every recharge session: its hours are (end - start) / 3600
    ends = [e for e in scenario_runs["default"].events if e.kind == K.RECHARGE_END]
    assert ends
    for e in ends:
        m = validate_payload(e.kind, e.payload)
        assert m.hours == pytest.approx((m.end_t_s - m.start_t_s) / 3600.0)


@pytest.mark.parametrize("path", ATTEMPT_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_event_of_an_exercise_attempt_matches_its_model(path):
    from simulator.training.attempt import load_attempt
    from simulator.training.exercise import load_exercise
    from simulator.training.grading import replay

    attempt = load_attempt(path)
    exercise = load_exercise(ROOT / "exercises" / f"{path.parent.name}.yaml")
    sim, _ = replay(exercise, attempt)
    seen = check_all(sim.results().events)
    assert K.ACTION in seen


def test_the_bundled_runs_cover_most_kinds(scenario_runs):
    """Not a vacuous check: the scenarios alone emit these kinds, each validated above."""
    seen = set()
    for results in scenario_runs.values():
        seen |= {e.kind for e in results.events}
    assert {K.ALARM_RAISED, K.ALARM_REPEATS, K.REFILL_COMPLETED, K.RECHARGE_END, K.BOLUS_START, K.BOLUS_END,
            K.POCKET_FILL, K.DOSE_ERROR_CONCENTRATION_CHANGE, K.FLOW_CHANGED, K.CLOSED_LOOP_ECAP, K.IMPEDANCE_CHECK} <= seen



PATIENT_KINDS = {K.PATIENT_THRESHOLDS, K.PATIENT_PARESTHESIA, K.PATIENT_RELIEF_TARGET, K.PATIENT_RESPONDER, K.PATIENT_REPORT,
                 K.PATIENT_DISCOMFORT, K.PATIENT_LEAD_MIGRATED, K.PATIENT_DIARY, K.PATIENT_TRIAL_VERDICT}


def test_the_bundled_patient_scenarios_emit_every_patient_kind(scenario_runs):
    """The two virtual-patient scenarios emit all nine patient kinds, each validated above."""
    seen = {e.kind for name in ("scs_patient_trial", "scs_patient_migration") for e in scenario_runs[name].events}
    assert PATIENT_KINDS <= seen
    assert len(PATIENT_KINDS) == 9 and all(k.startswith("patient.") for k in PATIENT_KINDS)


def test_the_patient_models_read_known_figures(scenario_runs):
    ev = scenario_runs["scs_patient_migration"].events
    models = {k: [validate_payload(e.kind, e.payload) for e in ev if e.kind == k] for k in PATIENT_KINDS}
    # the timeline moves lead 1 by 12.5 mm caudally at day 10; its top contact sits 0.25 of a level
    # below the top of T9, and 12.5 mm / 25 mm per level = 0.5 level more keeps it in T9 (0.75)
    (moved,) = models[K.PATIENT_LEAD_MIGRATED]
    assert (moved.lead, moved.distance_mm, moved.direction, moved.random) == (1, 12.5, "caudal", False)
    assert (moved.top_level_before, moved.top_level_after, moved.migrated_mm) == ("T9", "T9", 12.5)
    # coverage at the start: back of thigh 0.6 + front 0.4 + knee 0.5 + leg 1.0 of a pain map summing
    # to 3.2 -> 2.5 / 3.2 = 78.125 %
    assert models[K.PATIENT_PARESTHESIA][0].coverage_pct == pytest.approx(78.125)
    assert all(m.label.startswith("approximation for teaching") for ms in models.values() for m in ms)
    # the trial: 7 daily entries numbered 1..7; relief = 1 - mean diary NRS / baseline 8
    ev = scenario_runs["scs_patient_trial"].events
    diary = [validate_payload(e.kind, e.payload) for e in ev if e.kind == K.PATIENT_DIARY]
    assert [d.day for d in diary] == list(range(1, 8))
    (verdict,) = [validate_payload(e.kind, e.payload) for e in ev if e.kind == K.PATIENT_TRIAL_VERDICT]
    assert verdict.days == 7 and verdict.baseline_nrs == 8.0
    assert verdict.diary_mean_nrs == pytest.approx(sum(d.nrs for d in diary) / 7)
    assert verdict.relief_pct == pytest.approx(100.0 * (1.0 - verdict.diary_mean_nrs / 8.0))


def test_a_patient_payload_needs_its_teaching_label_and_known_strengths():
    label = "approximation for teaching: a toy patient model"
    ok = {"program": "p", "amplitude_ma": 9.0, "discomfort_threshold_ma": 8.5}
    assert validate_payload(K.PATIENT_DISCOMFORT, {**ok, "label": label}).amplitude_ma == 9.0
    with pytest.raises(EventPayloadError, match="label"):
        validate_payload(K.PATIENT_DISCOMFORT, ok)
    with pytest.raises(EventPayloadError, match="label"):
        validate_payload(K.PATIENT_DISCOMFORT, {**ok, "label": "clinical prediction"})
    report = {"reason": "asked", "feels": True, "where": ["left_leg"], "strength": {"p": "light"}, "uncomfortable": False,
              "coverage_pct": 31.25, "posture": "standing", "text": "I feel light tingling", "label": label}
    assert validate_payload(K.PATIENT_REPORT, report).strength == {"p": "light"}
    with pytest.raises(EventPayloadError, match="strength"):
        validate_payload(K.PATIENT_REPORT, {**report, "strength": {"p": "tingly"}})
    with pytest.raises(EventPayloadError, match="direction"):
        validate_payload(K.PATIENT_LEAD_MIGRATED, {"lead": 1, "distance_mm": 12.5, "direction": "sideways", "random": False,
                                                   "top_level_before": "T9", "top_level_after": "T10", "migrated_mm": 12.5, "label": label})

# ----- what the check rejects -----
def test_an_unregistered_kind_an_undeclared_field_and_a_wrong_type_are_rejected():
    with pytest.raises(EventPayloadError, match="unregistered event kind 'flow.stoped'"):
        validate_payload("flow.stoped", {"reason": "x"})
    with pytest.raises(EventPayloadError, match="reason_text"):
        validate_payload(K.FLOW_STOPPED, {"reason": "x", "reason_text": "y"})
    with pytest.raises(EventPayloadError, match="reason"):
        validate_payload(K.FLOW_STOPPED, {})
    with pytest.raises(EventPayloadError, match="fill_ml"):
        validate_payload(K.REFILL_COMPLETED, {"drug": "morphine", "unit": "mg", "concentration_per_ml": 2.0, "fill_ml": "twenty",
                                              "reservoir_ml": 20.0, "programmed_reservoir_ml": 20.0, "expected_residual_ml": 2.0,
                                              "aspirated_ml": 2.0, "discrepancy_ml": 0.0, "tolerance_ml": 1.0})
    with pytest.raises(EventPayloadError, match="never an event"):
        validate_payload(K.ALARM_REPEAT, {"alarm": "eri", "severity": "non_critical", "message": "m", "repeat": 1})
    assert validate_payload(K.FLOW_STOPPED, {"reason": "reservoir empty"}).reason == "reservoir empty"


def test_the_stream_validates_at_emit_only_when_asked(monkeypatch):
    monkeypatch.delenv(CHECK_EVENTS_ENV, raising=False)  # (tests/conftest.py sets it)
    EventStream().emit(0.0, "pump", "no.such.kind", {})  # plain dicts, no check on the hot path
    checked = EventStream(check=True)
    checked.emit(0.0, "pump", K.FLOW_STOPPED, {"reason": "x"})
    with pytest.raises(EventPayloadError):
        checked.emit(0.0, "pump", K.FLOW_STOPPED, {"why": "x"})
    monkeypatch.setenv(CHECK_EVENTS_ENV, "1")
    with pytest.raises(EventPayloadError):
        EventStream().emit(0.0, "pump", "no.such.kind", {})


# ----- one place -----
def _kind_strings_outside_the_registry(root: Path = ROOT) -> list[str]:
    """String constants equal to a registered kind in simulator/ and gui/, outside the registry.

    Dotted kinds are found anywhere; the undotted ones (action, refusal, warning, pocket_fill,
    also used as ordinary words and keys) where a kind is expected: the first argument of
    `emit`, a `kind`/`kinds` keyword, an argument of `events_where`/`event_times`, or a
    comparison with a `.kind`."""
    registry_file = root / "simulator" / "event_kinds.py"
    undotted = {k for k in REGISTRY if "." not in k}
    found = []
    for folder in ("simulator", "gui"):
        for path in sorted((root / folder).rglob("*.py")):
            if path == registry_file:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            kind_slots: set[int] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    if name == "emit" and node.args:
                        kind_slots.add(id(node.args[0]))
                    if name in ("events_where", "event_times"):
                        kind_slots |= {id(n) for a in node.args for n in ast.walk(a)}
                    for kw in node.keywords:
                        if kw.arg in ("kind", "kinds"):
                            kind_slots |= {id(n) for n in ast.walk(kw.value)}
                if isinstance(node, ast.Compare):
                    parts = [node.left, *node.comparators]
                    if any(isinstance(p, ast.Attribute) and p.attr == "kind" for p in parts):
                        kind_slots |= {id(n) for p in parts for n in ast.walk(p)}
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in REGISTRY
                        and (node.value not in undotted or id(node) in kind_slots)):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value!r}")
    return found


def test_no_kind_string_is_written_outside_the_registry():
    assert _kind_strings_outside_the_registry() == []


def test_the_scan_finds_a_kind_string(tmp_path):
    """The scan above can fail: a module that writes a kind's string is reported."""
    fake = tmp_path / "root"
    (fake / "simulator").mkdir(parents=True)
    (fake / "gui").mkdir()
    (fake / "simulator" / "bad.py").write_text('def f(self):\n    self.emit("flow.stopped", reason="x")\n    self.emit("warning", message="m")\n'
                                               'severity = "warning"\n')
    assert _kind_strings_outside_the_registry(fake) == ["simulator/bad.py:2: 'flow.stopped'", "simulator/bad.py:3: 'warning'"]


def test_each_kind_has_one_constant_a_model_and_a_description():
    constants = {name: value for name, value in vars(K).items() if not name.startswith("_")}
    assert sorted(constants.values()) == sorted(REGISTRY)  # one constant per kind, no stray kind
    for name, spec in REGISTRY.items():
        assert spec.description and "\n" not in spec.description
        assert spec.payload.model_config.get("extra") == "forbid", name


# ----- the schema command -----
def test_schema_events_prints_every_payload_schema(capsys):
    assert main(["schema", "events"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert sorted(printed) == sorted(REGISTRY)
    assert printed == json.loads(json.dumps(payload_schemas()))
    stopped = printed[K.FLOW_STOPPED]
    assert stopped["payload"]["required"] == ["reason"]
    assert stopped["payload"]["additionalProperties"] is False
    assert printed[K.ALARM_REPEAT]["emitted"] is False
    assert "fill_ml" in printed[K.REFILL_COMPLETED]["payload"]["properties"]


def test_a_run_builds_no_payload_model(tmp_path):
    # the ~90 payload models cost start-up time and a run emits plain dicts: a run without the
    # event check never imports them (they load on first use: tests, the check, schema events)
    code = ("import sys; from simulator.cli.main import main; "
            f"rc = main(['run', 'default', '--out', {str(tmp_path / 'out')!r}, '--quiet', '--until', '2d']); "
            "print(rc, 'simulator.event_payloads' in sys.modules)")
    env = {**os.environ, CHECK_EVENTS_ENV: "0"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.stdout.split() == ["0", "False"], done.stderr[-2000:]
    assert REGISTRY[K.FLOW_STOPPED].payload.__name__ == "FlowReasonPayload"  # named, resolved on first use
