"""Regression tests of the input items of the safety issue: one test (or a few) per item, named
after it. Every hostile file is made here, in tmp_path; each must end in a clean error (exit 2,
naming the file and field) or a correct result, never in a hang, a traceback or a leak."""
from __future__ import annotations

import json
import os
import sys

import pytest
import yaml

from simulator.cli.main import main
from simulator.errors import InputError, Issue
from simulator.yaml_io import load_yaml_file
from tests.conftest import ROOT

SECRET = "TOPSECRET-do-not-print-me"


def cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def write_yaml(path, data):
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def pump_scenario(duration="2d", **settings):
    """Morphine 10 mg/mL at 2 mg/day in the 20 mL peristaltic pump (0.2 mL/day)."""
    base = {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 20,
            "mode": {"type": "continuous", "dose_mg_per_day": 2}}
    base.update(settings)
    return {"name": "bounds", "seed": 1, "duration": duration,
            "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": base}], "timeline": []}


def scs_scenario(**impedance):
    data = load_yaml_file(ROOT / "scenarios" / "scs_impedance_fault.yaml")
    data["devices"][0]["settings"]["impedance"].update(impedance)
    data["timeline"] = []
    data["duration"] = "1d"
    return data


# ----- item 6: paths outside the allowed folders, no file contents in errors -----
def test_item6_exercise_scenario_outside_its_folder_is_refused(tmp_path, capsys):
    (tmp_path / "secret.yaml").write_text(f"{SECRET}: {SECRET}\n")
    folder = tmp_path / "ex"
    folder.mkdir()
    exercise = load_yaml_file(ROOT / "exercises" / "pump-dose-change.yaml")
    exercise["scenario"] = "../secret.yaml"
    write_yaml(folder / "ex.yaml", exercise)
    code, out, err = cli(capsys, "validate", str(folder / "ex.yaml"))
    assert code == 2
    assert "scenario: a scenario file must lie in the exercise's folder" in err
    assert SECRET not in out + err
    # an absolute path outside is refused the same way
    exercise["scenario"] = str(tmp_path / "secret.yaml")
    write_yaml(folder / "ex.yaml", exercise)
    code, out, err = cli(capsys, "validate", str(folder / "ex.yaml"))
    assert code == 2 and "must lie in the exercise's folder" in err and SECRET not in out + err
    # the same scenario beside the exercise is accepted
    write_yaml(folder / "base.yaml", exercise_scenario := load_yaml_file(ROOT / "exercises" / "pump-dose-change.yaml")["scenario"])
    assert exercise_scenario["duration"] == "3d"
    exercise["scenario"] = "base.yaml"
    write_yaml(folder / "ex.yaml", exercise)
    assert cli(capsys, "validate", str(folder / "ex.yaml"))[0] == 0


def test_item6_a_non_mapping_file_is_not_echoed(tmp_path, capsys):
    path = tmp_path / "passwd.yaml"
    path.write_text(f"root:{SECRET}:0:0\n")
    code, out, err = cli(capsys, "validate", str(path))
    assert code == 2 and "must be a mapping of keys to values, not a str" in err
    assert SECRET not in out + err


def _results_dir(tmp_path):
    from simulator.api import load_results  # noqa: F401 - the reader under test
    from simulator.engine import Simulation
    from simulator.scenario import scenario_from_dict

    out = tmp_path / "out"
    Simulation(scenario_from_dict(pump_scenario())).run().results().write(out)
    return out


def test_item6_results_index_cannot_point_outside_series(tmp_path, capsys):
    from simulator.api import load_results

    out = _results_dir(tmp_path)
    (tmp_path / "secret.csv").write_text(f"t_s,x\n{SECRET},1\n")
    index_path = out / "series" / "index.json"
    index = json.loads(index_path.read_text())
    meta = next(iter(index.values()))
    good = load_results(out)  # the untouched folder reads back
    # 2 mg/day at 10 mg/mL = 0.2 mL/day: 0.4 mL used in 2 days, 19.6 mL left
    assert good.series[("pump", "reservoir_ml")].at([2 * 86400.0])[0] == pytest.approx(19.6)
    index["../../secret.csv"] = meta
    index_path.write_text(json.dumps(index))
    with pytest.raises(InputError) as err:
        load_results(out)
    assert "a series file name must be a plain name ending in .csv" in str(err.value) and SECRET not in str(err.value)
    code, o, e = cli(capsys, "report", str(out))
    assert code == 2 and SECRET not in o + e
    # a link inside series/ pointing out of it is refused too
    del index["../../secret.csv"]
    os.symlink(tmp_path / "secret.csv", out / "series" / "leak.csv")
    index["leak.csv"] = meta
    index_path.write_text(json.dumps(index))
    with pytest.raises(InputError, match="must lie inside the series/ folder") as err:
        load_results(out)
    assert SECRET not in str(err.value)


def test_item6_unknown_series_interpolation_is_refused_by_name(tmp_path):
    from simulator.api import load_results

    out = _results_dir(tmp_path)
    index_path = out / "series" / "index.json"
    index = json.loads(index_path.read_text())
    name = next(iter(index))
    index[name]["interp"] = "cubic"
    index_path.write_text(json.dumps(index))
    with pytest.raises(InputError) as err:
        load_results(out)
    text = str(err.value)
    assert "index.json" in text and f"['{name}'].interp" in text and "'linear' or 'step'" in text and "cubic" in text


def test_item6_bad_series_rows_are_reported_by_line_without_content(tmp_path):
    from simulator.api import load_results

    out = _results_dir(tmp_path)
    name = next(iter(json.loads((out / "series" / "index.json").read_text())))
    with open(out / "series" / name, "a") as f:
        f.write(f"{SECRET},1\n")
    rows = (out / "series" / name).read_text().splitlines()
    with pytest.raises(InputError) as err:
        load_results(out)
    assert f"line {len(rows)}: not a row of two numbers" in str(err.value) and SECRET not in str(err.value)


# ----- item 7: printed names and answers are sanitised -----
def test_item7_trainee_name_and_answers_are_printed_sanitised(tmp_path, capsys):
    attempt = load_yaml_file(ROOT / "exercises" / "attempts" / "pump-dose-change" / "correct.yaml")
    attempt["trainee"] = "Eve\x1b[2J\x1b]0;pwned\x07"
    attempt["notes"] = "\x1b[31mred"
    # the right answers: 2.5 mg/day / 20 mg/mL = 0.125 mL/day; (18 - 2) mL / 0.125 mL/day = 128 days
    assert attempt["answers"] == {"rate-ml-per-day": 0.125, "days-to-low": 128}
    path = write_yaml(tmp_path / "attempt.yaml", attempt)
    code, out, err = cli(capsys, "exercise", "check", "pump-dose-change", str(path))
    assert code == 0
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "Trainee: Eve\\x1b[2J\\x1b]0;pwned\\x07" in out
    # an answer carrying escape codes is shown escaped too (and does not pass as a number)
    attempt["trainee"] = "Eve"
    attempt["answers"]["days-to-low"] = "128\x1b[8m"
    write_yaml(path, attempt)
    code, out, err = cli(capsys, "exercise", "check", "pump-dose-change", str(path))
    assert "\x1b" not in out + err


def test_item7_issue_text_never_carries_control_characters():
    issue = Issue("trainee", "bad name \x1b[2J", "x\x1b[31m", file="a\x1b.yaml")
    text = str(issue)
    assert "\x1b" not in text and "a\\x1b.yaml" in text and "bad name \\x1b[2J" in text


# ----- item 11: billion laughs -----
BILLION_LAUGHS = 'l0: &l0 ["lol"]\n' + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))


def test_item11_billion_laughs_is_refused_quickly(tmp_path, capsys):
    path = tmp_path / "lol.yaml"
    path.write_text(BILLION_LAUGHS)
    assert len(BILLION_LAUGHS) < 700  # a few hundred bytes expanding to 9^9 = 387,420,489 strings
    for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o")]):
        code, out, err = cli(capsys, *command)
        assert code == 2
        assert "more than 250000 values once its aliases (*name) are expanded" in err
    assert not (tmp_path / "o").exists()


def test_item11_error_values_are_formatted_lazily_with_a_cap():
    lol: object = "lol"
    for _ in range(9):
        lol = [lol] * 9  # shares references: 9^9 strings once expanded
    text = str(Issue("scenario", "must be a mapping", lol))
    # the value is cut to 80 characters: 77 of its repr and '...'
    assert text.startswith("scenario: must be a mapping (got [[[[[[[[[")
    assert text.endswith("...)") and len(text) == len("scenario: must be a mapping (got ") + 80 + 1
    cyclic: list = []
    cyclic.append(cyclic)
    assert str(Issue("x", "y", cyclic)) == "x: y (got [[[[[[[[[...]]]]]]]]])"  # cut at 9 levels
    assert "too long to print" in str(Issue("x", "y", 10**5000))


def test_item11_self_referencing_alias_and_deep_nesting_are_refused(tmp_path):
    path = tmp_path / "rec.yaml"
    path.write_text("a: &a [*a]\n")
    with pytest.raises(InputError, match="nests more than 64 levels deep"):
        load_yaml_file(path)
    path.write_text("a: " + "[" * 100 + "]" * 100 + "\n")
    with pytest.raises(InputError, match="nest"):
        load_yaml_file(path)


# ----- item 12: devices, FIFOs, size cap -----
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_item12_dev_zero_is_refused(capsys):
    code, out, err = cli(capsys, "validate", "/dev/zero")
    assert code == 2 and "/dev/zero: (file): is not a regular file (a device, pipe or socket)" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_item12_fifo_is_refused_also_through_a_profile_folder_link(tmp_path, capsys):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    code, out, err = cli(capsys, "validate", str(fifo))
    assert code == 2 and "is not a regular file" in err
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    os.symlink(fifo, profiles / "link.yaml")
    from simulator.profiles.registry import ProfileRegistry

    with pytest.raises(InputError, match="link.yaml: \\(file\\): is not a regular file"):
        ProfileRegistry([profiles])


def test_item12_oversized_file_is_refused_without_reading_it_all(tmp_path):
    from simulator.yaml_io import MAX_INPUT_BYTES, read_input_bytes

    path = tmp_path / "big.yaml"
    path.write_bytes(b"a" * (MAX_INPUT_BYTES + 1))
    with pytest.raises(InputError, match=f"file is {MAX_INPUT_BYTES + 1} bytes; input files may be at most {MAX_INPUT_BYTES} bytes"):
        load_yaml_file(path)
    path.write_bytes(b"name: x\n")
    assert read_input_bytes(path, max_bytes=8) == b"name: x\n"
    with pytest.raises(InputError, match="at most 7 bytes"):
        read_input_bytes(path, max_bytes=7)


# ----- item 13: documented limits on duration, timeline, periodic interval, impedance update -----
def _validate(tmp_path, capsys, data):
    path = write_yaml(tmp_path / "s.yaml", data)
    return cli(capsys, "validate", str(path))


def test_item13_duration_is_at_most_1000_years(tmp_path, capsys):
    code, _, err = _validate(tmp_path, capsys, pump_scenario(duration="365251d"))
    assert code == 2 and "a duration may be at most 365250 days" in err
    assert _validate(tmp_path, capsys, pump_scenario(duration="1000y"))[0] == 0  # validated, not run
    code, _, err = _validate(tmp_path, capsys, pump_scenario(duration="1e300y"))
    assert code == 2 and "a duration may be at most 365250 days" in err


def test_item13_a_run_records_at_most_max_events(monkeypatch):
    """Durations, intervals and rates are each bounded, their product is not: a run that reaches
    the event budget stops with an input error naming the duration. With a budget of 50 events,
    hourly periodic boluses (2 events each: start and end) reach it within the first day."""
    import simulator.events as events
    from simulator.engine import Simulation
    from simulator.errors import InputError
    from simulator.scenario.loader import scenario_from_dict

    monkeypatch.setattr(events, "MAX_EVENTS_PER_RUN", 50)
    import simulator.engine as engine

    monkeypatch.setattr(engine, "MAX_EVENTS_PER_RUN", 50)
    data = pump_scenario(duration="1000y")
    data["devices"][0]["settings"]["mode"] = {"type": "periodic", "dose_mg_per_day": 1, "bolus_dose_mg": 0.05, "interval_h": 1, "bolus_duration_min": 10}
    with pytest.raises(InputError) as err:
        Simulation(scenario_from_dict(data)).run()
    issue = err.value.issues[0]
    assert issue.path == "duration" and "reached 50 events at day " in issue.message
    day = float(issue.message.split("at day ")[1].split(",")[0])
    assert 0 < day <= 50 / 24  # at least one event an hour: 50 events within 50 h


def test_item13_timeline_is_bounded():
    """At most MAX_TIMELINE_ACTIONS (250,000) actions once recurring ones are expanded: a file
    cannot hold that many lines within its 2 MiB, so the bound is reached through the API (or a
    recurring entry: tests/headless/test_recurring_actions.py)."""
    from simulator.scenario.loader import scenario_from_dict
    from simulator.scenario.model import MAX_TIMELINE_ACTIONS

    assert MAX_TIMELINE_ACTIONS == 250_000
    data = pump_scenario()
    data["timeline"] = [{"at": "1h", "device": "pump", "action": "acknowledge_alarm"}] * (MAX_TIMELINE_ACTIONS + 1)
    with pytest.raises(InputError) as err:
        scenario_from_dict(data)
    assert "timeline" in str(err.value) and "at most 250000" in str(err.value)


def test_item13_periodic_interval_is_at_least_1_hour(tmp_path, capsys):
    mode = {"type": "periodic", "dose_mg_per_day": 1, "bolus_dose_mg": 0.1, "interval_h": 0.5}
    code, _, err = _validate(tmp_path, capsys, pump_scenario(mode=mode))
    assert code == 2 and "interval_h: Input should be greater than or equal to 1 (got 0.5)" in err
    mode["interval_h"] = 1
    assert _validate(tmp_path, capsys, pump_scenario(mode=mode))[0] == 0


def test_item13_impedance_update_interval_is_at_least_1_hour(tmp_path, capsys):
    code, _, err = _validate(tmp_path, capsys, scs_scenario(update_interval="59min"))
    assert code == 2 and "impedance.update_interval: Input should be greater than or equal to 3600 (got 3540.0)" in err
    assert _validate(tmp_path, capsys, scs_scenario(update_interval="1h"))[0] == 0


# ----- item 15: user mistakes are exit 2 naming the input, never 'internal error' -----
@pytest.mark.parametrize(
    "make, where",
    [
        (lambda: pump_scenario(duration=5e-324), "duration: the duration must be at least 1 s"),
        (lambda: pump_scenario(patient_presses={"rate_per_day": 5e-324}), "patient_presses.rate_per_day: Input should be greater than or equal to 0.01"),
        (lambda: pump_scenario(patient_bolus={"dose_mg": 0.1, "duration_min": 5e-324, "lockout_min": 60, "max_per_day": 4}),
         "patient_bolus.duration_min: Input should be greater than or equal to 0.01"),
        (lambda: scs_scenario(drift_per_year={"E2": 1e308}), "impedance.drift_per_year.E2: Input should be less than or equal to 10"),
        (lambda: {**pump_scenario(), "start": "9999-12-01T08:00:00"}, "start: the start must lie between 1900-01-01 and 2200-01-01"),
    ],
    ids=["tiny-duration", "tiny-press-rate", "tiny-bolus-duration", "huge-drift", "start-past-year-9999"],
)
def test_item15_user_mistakes_exit_2_naming_the_input(tmp_path, capsys, make, where):
    path = write_yaml(tmp_path / "s.yaml", make())
    code, out, err = cli(capsys, "run", str(path), "--out", str(tmp_path / "o"))
    assert code == 2, err
    assert f"{path}: devices[0].settings.{where}" in err or f"{path}: {where}" in err
    assert "internal error" not in err and "Traceback" not in err


def test_item15_unreadable_scenario_file_is_exit_2(tmp_path, capsys, monkeypatch):
    path = write_yaml(tmp_path / "s.yaml", pump_scenario())
    real_open = os.open

    def refusing_open(p, *a, **kw):
        if os.fspath(p) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(p, *a, **kw)

    monkeypatch.setattr(os, "open", refusing_open)
    code, out, err = cli(capsys, "run", str(path), "--out", str(tmp_path / "o"))
    assert code == 2 and f"{path}: (file): cannot read file: Permission denied" in err


# ----- item 16: NaN and non-positive impedances, -0, duplicate keys, refill units -----
@pytest.mark.parametrize(
    "ohm, message",
    [(float("nan"), "numbers must be finite (not .nan or .inf) (got nan)"), (float("inf"), "numbers must be finite (not .nan or .inf) (got inf)"),
     (0, "Input should be greater than 0"), (-525, "Input should be greater than 0")],
)
def test_item16_nan_and_non_positive_impedances_are_refused(tmp_path, capsys, ohm, message):
    code, _, err = _validate(tmp_path, capsys, scs_scenario(initial_ohm={"E2": ohm}))
    assert code == 2 and f"impedance.initial_ohm.E2: {message}" in err
    # given as data (the API, the app), the settings model refuses the same values
    from simulator.scenario import scenario_from_dict

    with pytest.raises(InputError, match="impedance.initial_ohm.E2: Input should be"):
        scenario_from_dict(scs_scenario(initial_ohm={"E2": ohm}))


def test_item16_negative_zero_amplitude_is_written_as_zero(tmp_path):
    from simulator.engine import Simulation
    from simulator.scenario import scenario_from_dict

    data = scs_scenario()
    data["devices"][0]["settings"]["programs"][0]["amplitude_ma"] = -0.0
    data["timeline"] = [{"at": "1h", "device": "ipg", "action": "set_amplitude", "params": {"program": "back", "amplitude_ma": -0.0}}]
    scenario = scenario_from_dict(data)
    text = json.dumps(scenario.model_dump(mode="json"))
    assert '"amplitude_ma": 0.0' in text and "-0.0" not in text
    out = tmp_path / "out"
    Simulation(scenario).run().results().write(out)
    assert "-0.0" not in (out / "scenario.json").read_text()


def test_item16_duplicate_yaml_keys_are_refused(tmp_path, capsys):
    path = tmp_path / "dup.yaml"
    path.write_text(yaml.safe_dump(pump_scenario(), sort_keys=False) + "seed: 2\n")
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 2 and "duplicate key 'seed' (first given on line 2); each key may appear only once" in err
    # a merge key may still be overridden by the mapping's own keys (YAML's rule)
    path.write_text("base: &b {x: 1, y: 2}\nother: {<<: *b, y: 3}\n")
    assert load_yaml_file(path)["other"] == {"x": 1, "y": 3}


def test_item16_refill_in_the_wrong_unit_fails_validate(tmp_path, capsys):
    data = pump_scenario()
    data["timeline"] = [{"at": "1d", "device": "pump", "action": "refill", "params": {"fill_ml": 18, "concentration_mcg_per_ml": 10000}}]
    code, _, err = _validate(tmp_path, capsys, data)
    assert code == 2
    assert "timeline[0].params.concentration_mcg_per_ml: morphine is dosed in mg: give concentration_mg_per_ml, not concentration_mcg_per_ml (got 10000.0)" in err
    # a refill changing to clonidine (a mcg drug) takes mcg, and the same refill in mg is refused
    data["timeline"][0]["params"] = {"fill_ml": 18, "drug": "clonidine", "concentration_mcg_per_ml": 500, "mode": {"type": "continuous", "dose_mcg_per_day": 100}}
    assert _validate(tmp_path, capsys, data)[0] == 0
    data["timeline"][0]["params"]["mode"] = {"type": "continuous", "dose_mg_per_day": 0.1}
    code, _, err = _validate(tmp_path, capsys, data)
    assert code == 2 and "timeline[0].params.mode.dose_mg_per_day: clonidine is dosed in mcg" in err


# ----- item 17: a profile overriding a bundled one is reported -----
def test_item17_profile_override_is_reported(tmp_path, capsys):
    from simulator.profiles.registry import ProfileRegistry

    bundled = ProfileRegistry(include_env=False).path_of("pump/peristaltic-20ml")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "pump.yaml").write_text(bundled.read_text())
    scenario = write_yaml(tmp_path / "s.yaml", pump_scenario())
    code, out, err = cli(capsys, "run", str(scenario), "--profiles", str(folder), "--out", str(tmp_path / "o"))
    assert code == 0
    assert f"profile pump/peristaltic-20ml is overridden: using {folder / 'pump.yaml'} instead of {bundled}" in err
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["profile_overrides"] == {"pump/peristaltic-20ml": str((folder / "pump.yaml").resolve())}
    code, out, err = cli(capsys, "run", str(scenario), "--out", str(tmp_path / "o2"))
    assert code == 0 and "overridden" not in err
    assert "profile_overrides" not in json.loads((tmp_path / "o2" / "summary.json").read_text())


# ----- item 19: attempt actions before the exercise's start -----
def test_item19_attempt_action_before_the_start_is_refused(tmp_path, capsys):
    attempt = load_yaml_file(ROOT / "exercises" / "attempts" / "pump-dose-change" / "correct.yaml")
    attempt["actions"][0]["at"] = "30min"  # the exercise starts at 1h
    path = write_yaml(tmp_path / "a.yaml", attempt)
    code, out, err = cli(capsys, "exercise", "check", "pump-dose-change", str(path))
    assert code == 2
    assert f"{path}: actions[0].at: is before the exercise starts: the trainee takes over at 1h (0d 01:00:00) (got '30min')" in err
    attempt["actions"][0]["at"] = "1h"  # exactly at the start is allowed
    write_yaml(path, attempt)
    assert cli(capsys, "exercise", "check", "pump-dose-change", str(path))[0] == 0


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX files (FIFOs, /dev/zero, links)")


# ----- found by the fuzz test: a device check's args are checked at load, not while grading -----
def test_device_check_args_are_validated_at_load(tmp_path, capsys):
    exercise = load_yaml_file(ROOT / "exercises" / "scs-impedance-fault.yaml")
    where = next(i for i, c in enumerate(exercise["criteria"]) if c.get("check") == "cathode_at_level")
    assert exercise["criteria"][where]["args"] == {"levels": ["T9"]}
    exercise["criteria"][where]["args"] = {"levels": None}
    (tmp_path / "ex.yaml").write_text(yaml.safe_dump(exercise, sort_keys=False))
    code, _, err = cli(capsys, "validate", str(tmp_path / "ex.yaml"))
    assert code == 2 and f"criteria[{where}].args.levels: Input should be a valid list (got None)" in err
    exercise["criteria"][where]["args"] = {"level": ["T9"]}
    (tmp_path / "ex.yaml").write_text(yaml.safe_dump(exercise, sort_keys=False))
    code, _, err = cli(capsys, "validate", str(tmp_path / "ex.yaml"))
    assert code == 2 and f"criteria[{where}].args.level: unknown key; allowed keys: levels" in err


@pytest.mark.parametrize("ref", ["a\x00b", "x" * 400, "a/" * 200], ids=["nul-byte", "name-too-long", "path-too-long"])
def test_item15_unusable_exercise_scenario_names_are_exit_2(tmp_path, capsys, ref):
    exercise = load_yaml_file(ROOT / "exercises" / "pump-dose-change.yaml")
    exercise["scenario"] = ref
    write_yaml(tmp_path / "ex.yaml", exercise)
    code, _, err = cli(capsys, "validate", str(tmp_path / "ex.yaml"))
    assert code == 2 and "scenario: no such scenario file beside the exercise or bundled scenario" in err
    assert "internal error" not in err
