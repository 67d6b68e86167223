"""Fuzz test of every input: mutated bundled scenarios, exercises and attempts (and their raw text).

Each example must end in a result or a clean error (InputError, what the CLI turns into exit 2),
within a time and memory guard: a hang or a blow-up fails the example instead of stalling CI.
Simulations run in-process with the scenario clipped to `CLIP_S`, so that the default number of
examples stays well under a minute; set NEUROMOD_FUZZ_EXAMPLES for a longer hunt, e.g.

    NEUROMOD_FUZZ_EXAMPLES=5000 python -m pytest tests/foundation/test_fuzz_inputs.py
"""
from __future__ import annotations

import contextlib
import copy
import math
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from simulator.errors import InputError
from simulator.yaml_io import load_yaml_file, load_yaml_text
from tests.conftest import ROOT

EXAMPLES = int(os.environ.get("NEUROMOD_FUZZ_EXAMPLES", "150"))
#: longest simulated time of one example's run, s
CLIP_S = 2 * 86400.0
#: an example taking longer than this (wall clock) has hung: it fails, it does not stall CI
GUARD_S = 60
#: most growth of the process's peak memory in one example
GUARD_RSS_MB = 768

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
EXERCISES = sorted((ROOT / "exercises").glob("*.yaml"))
ATTEMPTS = sorted((ROOT / "exercises" / "attempts").glob("*/*.yaml"))

FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=False, suppress_health_check=list(HealthCheck))

HOSTILE_SCALARS = st.one_of(
    st.sampled_from([
        None, True, False, 0, -0.0, -1, 5e-324, 1e308, -1e308, math.nan, math.inf, -math.inf, 2**63, -(2**63), 10**40,
        "", " ", "0", "-0", "nan", "1e300y", "5e-324s", "-3d", "1d 6h", "7300d", "7301d", "250us", "0s",
        "../../../etc/passwd", "/dev/zero", "\x1b[2J\x1b]0;x\x07", "\u202eevil", "drug/morphine", "drug/clonidine",
        "pump/peristaltic-20ml", "scs/rechargeable-micc-16", "E2", "-", "+", "open", "short", "continuous", "periodic",
        "x" * 300,
    ]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
HOSTILE = st.recursive(HOSTILE_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=8)


class _Hung(Exception):
    pass


@contextlib.contextmanager
def guard():
    """Fail an example that runs over GUARD_S seconds or grows peak memory by over GUARD_RSS_MB."""
    use_alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if use_alarm:
        def on_alarm(signum, frame):
            raise _Hung(f"an example ran over {GUARD_S} s")

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(GUARD_S)
    rss_before = _peak_rss_mb()
    try:
        yield
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    grown = _peak_rss_mb() - rss_before
    assert grown <= GUARD_RSS_MB, f"an example grew peak memory by {grown:.0f} MB"


def _peak_rss_mb() -> float:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _paths(data, prefix=()):
    """Every place in nested dicts and lists, as key/index tuples (the top level included)."""
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_paths(v, prefix + (i,)))
    return out


def _mutate(draw, data):
    """1 to 3 random edits of `data`: perturb a value (scale a number, change a string), replace
    it with a hostile one, delete a key or item, add an unknown key, duplicate a list item."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        op = draw(st.sampled_from(["perturb", "perturb", "perturb", "replace", "replace", "delete", "add_key", "duplicate"]))
        if op == "perturb":  # a plausible mistake: a number scaled or negated, a duration changed
            value = parent[key]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                parent[key] = value * draw(st.sampled_from([-1, 0, -0.0, 0.5, 2, 10, 1000, 1e-6, 1e-300, 1e300]))
            elif isinstance(value, str):
                parent[key] = draw(st.sampled_from([value + "x", value.upper(), value[:-1], "1h", "36h", "5e-324s", "0s", "1y"]))
            else:
                parent[key] = draw(HOSTILE)
        elif op == "replace":
            parent[key] = draw(HOSTILE)
        elif op == "delete":
            del parent[key]
        elif op == "add_key" and isinstance(parent[key], dict):
            parent[key][draw(st.sampled_from(["durration", "id", "at", "params", "x" * 3]))] = draw(HOSTILE)
        elif op == "duplicate" and isinstance(parent[key], list) and parent[key]:
            parent[key].append(copy.deepcopy(parent[key][draw(st.integers(0, len(parent[key]) - 1))]))
    return data


def _through_yaml(data, file="fuzz.yaml"):
    """The data as a user would give it: dumped to YAML text and read back by the safe loader."""
    return load_yaml_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), file)


def _run_clipped(data, scenario):
    """Run a valid scenario for at most CLIP_S of simulated time (actions after it dropped)."""
    from simulator.engine import Simulation
    from simulator.scenario import scenario_from_dict

    clipped = dict(data)
    clipped["duration"] = min(scenario.duration, CLIP_S)
    # the expanded timeline (a recurring entry of the file is many actions of the scenario)
    expanded = scenario.model_dump(mode="json")["timeline"]
    clipped["timeline"] = [a for a, spec in zip(expanded, scenario.timeline, strict=True) if spec.at <= clipped["duration"]]
    try:
        short = scenario_from_dict(clipped)
    except InputError:
        return None
    sim = Simulation(short)
    sim.run()
    results = sim.results()
    assert results.end_t_s == pytest.approx(short.duration)
    return results


@FUZZ_SETTINGS
@given(st.data())
def test_mutated_scenarios_give_a_result_or_a_clean_error(data):
    from simulator.scenario import scenario_from_dict

    source = data.draw(st.sampled_from(SCENARIOS))
    mutated = _mutate(data.draw, load_yaml_file(source))
    with guard():
        try:
            raw = _through_yaml(mutated)
            scenario = scenario_from_dict(raw, file="fuzz.yaml")
        except InputError as exc:
            assert exc.issues and all(str(i) for i in exc.issues)
            event("scenario: clean error")
            return
        event("scenario: ran" if _run_clipped(raw, scenario) is not None else "scenario: clean error once clipped")


@FUZZ_SETTINGS
@given(st.data())
def test_mutated_exercises_give_a_result_or_a_clean_error(data):
    from simulator.training.attempt import load_attempt
    from simulator.training.exercise import exercise_from_dict
    from simulator.training.grading import grade

    source = data.draw(st.sampled_from(EXERCISES))
    mutated = _mutate(data.draw, load_yaml_file(source))
    with guard():
        try:
            exercise = exercise_from_dict(_through_yaml(mutated), file=str(source))
        except InputError as exc:
            assert exc.issues
            event("exercise: clean error")
            return
        if exercise.scenario_model.duration > 46 * 86400.0:  # the longest bundled exercise
            return
        attempts = sorted((ROOT / "exercises" / "attempts" / source.stem).glob("*.yaml"))
        if not attempts:
            return
        attempt = load_attempt(data.draw(st.sampled_from(attempts)))
        try:
            report = grade(exercise, attempt)
        except InputError as exc:
            assert exc.issues
            event("exercise: grading refused the attempt")
            return
        event("exercise: graded")
        assert 0 <= report.score <= report.max_score


@FUZZ_SETTINGS
@given(st.data())
def test_mutated_attempts_give_a_grade_or_a_clean_error(data):
    from simulator.training.attempt import attempt_from_dict
    from simulator.training.grading import grade

    source = data.draw(st.sampled_from(ATTEMPTS))
    exercise = _exercise(source.parent.name)
    mutated = _mutate(data.draw, load_yaml_file(source))
    with guard():
        try:
            attempt = attempt_from_dict(_through_yaml(mutated), file="fuzz.yaml")
            report = grade(exercise, attempt, attempt_file="fuzz.yaml")
        except InputError as exc:
            assert exc.issues
            event("attempt: clean error")
            return
        event("attempt: graded")
        assert 0 <= report.score <= report.max_score
        assert "\x1b" not in report.to_text()


_EXERCISES: dict = {}


def _exercise(exercise_id):
    from simulator.training.exercise import load_exercise

    if exercise_id not in _EXERCISES:
        _EXERCISES[exercise_id] = load_exercise(exercise_id)
    return _EXERCISES[exercise_id]


ALIAS_BOMBS = [
    b"a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
    b"r: &r [*r]\n",
    b"\xff\xfe",
    b"\x00",
    b"{" * 200,
    b"name: x\nname: y\n",
    b"!!python/object/apply:os.system [echo hi]\n",
]


@FUZZ_SETTINGS
@given(st.data())
def test_mutated_file_text_gives_data_or_a_clean_error(data):
    """Raw byte edits of bundled files (and injected alias bombs, tags, binary junk), read by
    `validate`'s own path: a file on disk, whatever its kind."""
    from simulator.profiles.registry import default_registry
    from simulator.validation import validate_file

    source = data.draw(st.sampled_from(SCENARIOS + EXERCISES + ATTEMPTS))
    text = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        edit = data.draw(st.one_of(st.binary(max_size=8), st.sampled_from(ALIAS_BOMBS)))
        cut = data.draw(st.integers(0, 8))
        text[at : at + cut] = edit
    with tempfile.TemporaryDirectory() as folder, guard():
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(bytes(text))
        try:
            kind = validate_file(path, default_registry())
        except InputError as exc:
            assert exc.issues and all(str(path) in str(i) for i in exc.issues if i.file)
            event("text: clean error")
            return
        event("text: valid")
        assert kind in {"scenario", "exercise", "attempt"} or kind.startswith("profile ")
