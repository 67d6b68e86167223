"""Sweep safety: what a sweep runs is what its table says, resuming never mixes results, a spec
is data unless the caller opts in to plug-in code, a tampered folder is a clear input error, and
nothing outlives a killed sweep."""
from __future__ import annotations

import copy
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import InputError
from simulator.sweep.runner import SweepStopped, run_sweep
from tests.conftest import ROOT

# ---------------------------------------------------------------------------------------------
# aliasing: whole-dict values with changes inside them

PROGRAM_200 = {"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 2.0, "pulse_width_us": 200, "rate_hz": 50}
PROGRAM_400 = {"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 2.0, "pulse_width_us": 400, "rate_hz": 40}
SCS_BASE = {
    "name": "one program, one hour",
    "seed": 1,
    "duration": "1h",
    "devices": [
        {
            "id": "ipg",
            "profile": "scs/rechargeable-micc-16",
            "settings": {
                "leads": [{"lead": "lead/percutaneous-8", "top_level": "T8", "side": "left"}],
                "programs": [PROGRAM_200],
                "impedance": {"initial_ohm": {"E2": 525, "E3": 525}, "drift": False},
            },
        }
    ],
    "timeline": [],
}


def _program_sweep(tmp_path: Path) -> dict:
    base = tmp_path / "scs_base.yaml"
    base.write_text(yaml.safe_dump(SCS_BASE))
    return {
        "name": "whole programs x amplitude inside them",
        "base": str(base),
        "seeds_per_point": 1,
        "parameters": [
            {"path": "devices[ipg].settings.programs[0]", "name": "program", "values": [PROGRAM_200, PROGRAM_400]},
            {"path": "devices[ipg].settings.programs[0].amplitude_ma", "name": "amplitude_ma", "linspace": {"start": 1.0, "stop": 6.0, "num": 11}},
        ],
    }


def test_aliasing_each_point_runs_its_own_values(tmp_path):
    """2 whole programs x 11 amplitudes (1.0, 1.5, ... 6.0 mA) = 22 rows; each row's values are
    what its run used, read back from the run's own summary; the spec's values are untouched."""
    spec = _program_sweep(tmp_path)
    given = copy.deepcopy(spec)
    table = run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    assert len(table) == 22
    amplitudes = [1.0 + 0.5 * k for k in range(11)]
    assert list(table["amplitude_ma"]) == pytest.approx(amplitudes * 2)
    # what ran: the summary's program figures come from the simulated device itself
    assert list(table["devices.ipg.programs.back.amplitude_ma"]) == pytest.approx(amplitudes * 2)
    assert list(table["devices.ipg.programs.back.pulse_width_us"]) == [200] * 11 + [400] * 11
    assert list(table["devices.ipg.programs.back.rate_hz"]) == [50] * 11 + [40] * 11
    # charge per phase x pulses: I (mA) x PW (us) = nC per pulse; x f (Hz) x 3600 s / 1000 -> uC.
    # 1 mA, 200 us, 50 Hz: 1 x 200 x 50 x 3600 / 1000 = 36,000 uC; 1 mA, 400 us, 40 Hz: 57,600 uC
    expected_uc = [a * 200 * 50 * 3600 / 1000 for a in amplitudes] + [a * 400 * 40 * 3600 / 1000 for a in amplitudes]
    assert expected_uc[0] == 36_000 and expected_uc[11] == 57_600
    assert list(table["devices.ipg.charge_delivered_uc"]) == pytest.approx(expected_uc, rel=1e-9)
    assert spec == given  # the caller's spec (and its program dicts) did not change
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["parameters"][0]["values"] == [PROGRAM_200, PROGRAM_400]  # both at 2.0 mA, as given
    assert manifest["parameters"][1]["values"] == pytest.approx(amplitudes)


def test_aliasing_with_changes_never_changes_its_inputs():
    from simulator.api import scenario_data, with_changes

    base = copy.deepcopy(SCS_BASE)
    program = copy.deepcopy(PROGRAM_400)
    changes = {"devices[ipg].settings.programs[0]": program, "devices[ipg].settings.programs[0].amplitude_ma": 6.0}
    frozen = copy.deepcopy(changes)
    changed = scenario_data(with_changes(base, changes))
    assert changed["devices"][0]["settings"]["programs"][0]["amplitude_ma"] == 6.0
    assert changed["devices"][0]["settings"]["programs"][0]["pulse_width_us"] == 400
    assert program["amplitude_ma"] == 2.0 and changes == frozen
    assert base == SCS_BASE


def test_aliasing_set_field_inserts_a_copy():
    from simulator.api import set_field

    value = {"dose_mg_per_day": 5.0}
    first, second = {"mode": None}, {"mode": None}
    set_field(first, "mode", value)
    set_field(second, "mode", value)
    set_field(first, "mode.dose_mg_per_day", 1.0)
    assert value == {"dose_mg_per_day": 5.0} and second["mode"] == {"dose_mg_per_day": 5.0}
    assert first["mode"] == {"dose_mg_per_day": 1.0}


_LEAF = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4)
_PLAIN = st.recursive(_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3), max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(value=st.dictionaries(st.sampled_from(["x", "y"]), _PLAIN, min_size=1), inner=_PLAIN)
def test_aliasing_property_a_value_set_twice_then_changed_inside_once(value, inner):
    """Whatever the value: set into two scenarios and then changed inside one, the caller's value
    and the other scenario keep it as given."""
    from simulator.api import set_field

    frozen = copy.deepcopy(value)
    first, second = {"v": None}, {"v": None}
    set_field(first, "v", value)
    set_field(second, "v", value)
    key = sorted(value)[0]
    set_field(first, f"v.{key}", inner)
    assert value == frozen and second["v"] == frozen
    assert first["v"][key] == inner

# ---------------------------------------------------------------------------------------------
# helpers: a small pump sweep (40 thirty-day runs, no plugins) and the CLI

SWEEPS = ROOT / "sweeps"
BUNDLED_PUMP = ROOT / "profiles" / "pump" / "peristaltic-20ml.yaml"


def _small_spec(**changes) -> dict:
    spec = yaml.safe_load((SWEEPS / "morphine_refill_small.yaml").read_text())
    spec["base"] = str(SWEEPS / "pump_morphine_30d.yaml")
    spec["chunk_size"] = 4
    spec.update(changes)
    return spec


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NEUROMOD_PROFILES"}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _cli(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "simulator", *map(str, args)], capture_output=True, text=True, env=env or _env(), cwd=ROOT, timeout=timeout)


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


# ---------------------------------------------------------------------------------------------
# item 3: the resume key covers profiles' content, package version, spec and base scenario


def test_resume_refused_when_a_profile_changed(tmp_path, monkeypatch):
    """Interrupted with a user profile folder; the profile is edited; the resume is refused (exit 2,
    nothing run or written); with the profile as it was, the same command resumes to the table of
    an uninterrupted run."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    original = BUNDLED_PUMP.read_text()
    (profiles / "pump.yaml").write_text(original)  # same id: overrides the bundled pump
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(_small_spec()))
    out = tmp_path / "out"
    monkeypatch.setenv("NEUROMOD_PROFILES", str(profiles))  # what --profiles does
    with pytest.raises(SweepStopped):
        run_sweep(spec_file, out, executor="serial", progress=False, stop_after_chunks=2)
    assert _manifest(out)["chunks_done"] == [0, 1]

    assert "accuracy_pct: 14.5\n" in original
    (profiles / "pump.yaml").write_text(original.replace("accuracy_pct: 14.5\n", "accuracy_pct: 10.0\n"))
    cmd = ["sweep", spec_file, "--out", out, "--executor", "serial", "--quiet", "--profiles", profiles]
    refused = _cli(*cmd)
    assert refused.returncode == 2, refused.stderr
    assert "internal error" not in refused.stderr
    assert "--out" in refused.stderr and "profiles' content" in refused.stderr and "changed" in refused.stderr
    assert _manifest(out)["chunks_done"] == [0, 1] and not (out / "results.parquet").exists()
    assert sorted(p.name for p in (out / "chunks").iterdir()) == ["chunk-00000.parquet", "chunk-00001.parquet"]

    (profiles / "pump.yaml").write_text(original)  # the same content again: the key matches
    resumed = _cli(*cmd)
    assert resumed.returncode == 0, resumed.stderr
    import pandas as pd

    reference = run_sweep(spec_file, tmp_path / "reference", executor="serial", progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), reference)


@pytest.mark.parametrize("what", ["package version", "spec", "base scenario"])
def test_resume_refused_when_version_spec_or_base_changed(tmp_path, monkeypatch, what):
    import simulator

    base = tmp_path / "base.yaml"
    base.write_text((SWEEPS / "pump_morphine_30d.yaml").read_text())
    spec = _small_spec(base=str(base))
    out = tmp_path / "out"
    with pytest.raises(SweepStopped):
        run_sweep(spec, out, executor="serial", progress=False, stop_after_chunks=1)
    if what == "package version":
        started = _manifest(out)["neuromod_sim_version"]
        assert started == simulator.__version__
        monkeypatch.setattr(simulator, "__version__", "99.0.0")
        words = f"the package version (neuromod_sim_version {started!r} there, '99.0.0' now)"
    elif what == "spec":
        spec = {**spec, "seeds_per_point": 4, "set": {**spec["set"], "devices[pump].settings.concentration_mg_per_ml": 20}}
        words = "the spec (spec"
    else:
        base.write_text(base.read_text().replace("reservoir_ml: 12", "reservoir_ml: 11"))
        words = "the base scenario (base_scenario"
    with pytest.raises(InputError) as err:
        run_sweep(spec, out, executor="serial", progress=False)
    issue = err.value.issues[0]
    assert issue.path == "--out" and issue.value == str(out) and words in issue.message, issue.message
    assert _manifest(out)["chunks_done"] == [0]


# ---------------------------------------------------------------------------------------------
# item 5: plugins are code: refused without --allow-plugins; a plain spec imports nothing

SENTINEL = "neuromod_sentinel_plugin"


def _sentinel(tmp_path: Path) -> tuple[Path, Path]:
    """A module that leaves a file (one per importing process) when it is imported."""
    folder = tmp_path / "plugin_code"
    folder.mkdir()
    marks = tmp_path / "imported"
    marks.mkdir()
    (folder / f"{SENTINEL}.py").write_text(
        "import os, pathlib\n"
        f"pathlib.Path({str(marks)!r}, str(os.getpid())).write_text('imported')\n"
        "def install():\n    pass\n"
    )
    return folder, marks


def test_plugins_spec_refused_without_the_opt_in_flag(tmp_path):
    folder, marks = _sentinel(tmp_path)
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(_small_spec(plugins=[f"{SENTINEL}:install"])))
    env = _env(PYTHONPATH=os.pathsep.join([str(ROOT), str(folder)]))
    proc = _cli("sweep", spec, "--out", tmp_path / "out", "--executor", "serial", "--quiet", env=env)
    assert proc.returncode == 2, proc.stderr
    assert f"{spec}: plugins:" in proc.stderr and "a spec with plugins is code" in proc.stderr and "--allow-plugins" in proc.stderr
    assert list(marks.iterdir()) == [] and not (tmp_path / "out").exists()
    with pytest.raises(InputError) as err:  # the Python API refuses it the same way
        run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    assert err.value.issues[0].path == "plugins" and SENTINEL not in sys.modules


def test_plugins_with_the_opt_in_flag_warn_and_run(tmp_path):
    folder, marks = _sentinel(tmp_path)
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(_small_spec(plugins=[f"{SENTINEL}:install"], seeds_per_point=1)))
    env = _env(PYTHONPATH=os.pathsep.join([str(ROOT), str(folder)]))
    proc = _cli("sweep", spec, "--out", tmp_path / "out", "--executor", "processes", "--workers", "1", "--quiet", "--allow-plugins", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "warning:" in proc.stderr and "a spec with plugins is code" in proc.stderr and SENTINEL in proc.stderr
    # imported by the sweep process and by its worker: two processes
    assert len(list(marks.iterdir())) == 2
    assert (tmp_path / "out" / "results.parquet").exists()


def test_plain_spec_never_imports_anything(tmp_path, monkeypatch):
    """A spec without plugins whose text names the sentinel (as a name, in a choice and a value)
    runs on worker processes without importing it anywhere."""
    folder, marks = _sentinel(tmp_path)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(folder)]))
    spec = _small_spec(name=f"{SENTINEL}:install", description=f"{SENTINEL}:install", seeds_per_point=1)
    spec["set"] = {**spec["set"], "description": f"{SENTINEL}:install"}
    table = run_sweep(spec, tmp_path / "out", executor="processes", workers=1, progress=False)
    assert len(table) == 10
    assert SENTINEL not in sys.modules and list(marks.iterdir()) == []
    proc = _cli("sweep", tmp_path / "out" / "spec.json", "--out", tmp_path / "cli", "--executor", "serial", "--quiet", env=_env(PYTHONPATH=os.pathsep.join([str(ROOT), str(folder)])))
    assert proc.returncode == 0, proc.stderr
    assert list(marks.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# item 15 (sweep part): a tampered sweep folder is an input error (exit 2) naming file and field


@pytest.fixture
def interrupted(tmp_path):
    """A sweep folder with chunks 0 and 1 of 10 done, and its spec file."""
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(_small_spec()))
    out = tmp_path / "out"
    with pytest.raises(SweepStopped):
        run_sweep(spec_file, out, executor="serial", progress=False, stop_after_chunks=2)
    return spec_file, out


def _tamper(doc: dict, how: str):
    if how == "bad JSON":
        return '{"format_version": 2, "chunks_done": [0, 1'
    if how == "not an object":
        return json.dumps([doc])
    doc = copy.deepcopy(doc)
    if how == "chunks_done text":
        doc["chunks_done"] = "0,1"
    elif how == "chunks_done out of range":
        doc["chunks_done"] = [0, 1, 10]
    elif how == "chunk_size text":
        doc["chunk_size"] = "4"
    elif how == "complete number":
        doc["complete"] = 1
    elif how == "missing resume_key":
        del doc["resume_key"]
    elif how == "missing resume_key part":
        del doc["resume_key"]["profiles"]
    elif how == "missing chunks_done":
        del doc["chunks_done"]
    elif how == "negative elapsed_s":
        doc["elapsed_s"] = -5
    return json.dumps(doc)


@pytest.mark.parametrize(
    "how, field",
    [
        ("bad JSON", "(top level)"),
        ("not an object", "(top level)"),
        ("chunks_done text", "chunks_done"),
        ("chunks_done out of range", "chunks_done"),
        ("chunk_size text", "chunk_size"),
        ("complete number", "complete"),
        ("missing resume_key", "resume_key"),
        ("missing resume_key part", "resume_key.profiles"),
        ("missing chunks_done", "chunks_done"),
        ("negative elapsed_s", "elapsed_s"),
    ],
)
def test_tampered_manifest_is_an_input_error_naming_file_and_field(interrupted, how, field):
    spec_file, out = interrupted
    manifest = out / "manifest.json"
    manifest.write_text(_tamper(_manifest(out), how))
    tampered = manifest.read_text()
    with pytest.raises(InputError) as err:
        run_sweep(spec_file, out, executor="serial", progress=False)
    issue = err.value.issues[0]
    assert issue.file == str(manifest) and issue.path == field, err.value
    assert manifest.read_text() == tampered and not (out / "results.parquet").exists()  # nothing overwritten


@pytest.mark.parametrize("how", ["bad JSON", "chunks_done text", "missing resume_key"])
def test_tampered_manifest_cli_exits_2(interrupted, how):
    spec_file, out = interrupted
    (out / "manifest.json").write_text(_tamper(_manifest(out), how))
    proc = _cli("sweep", spec_file, "--out", out, "--executor", "serial", "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert str(out / "manifest.json") in proc.stderr


def test_tampered_chunk_file_is_an_input_error_naming_it(interrupted):
    spec_file, out = interrupted
    chunk = out / "chunks" / "chunk-00001.parquet"
    chunk.write_bytes(b"not parquet at all")
    proc = _cli("sweep", spec_file, "--out", out, "--executor", "serial", "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr and f"{chunk}:" in proc.stderr and "unreadable sweep chunk" in proc.stderr
    assert chunk.read_bytes() == b"not parquet at all"
    # a readable chunk holding the rows of another chunk
    import shutil

    shutil.copyfile(out / "chunks" / "chunk-00000.parquet", chunk)
    with pytest.raises(InputError) as err:
        run_sweep(spec_file, out, executor="serial", progress=False)
    assert err.value.issues[0].file == str(chunk) and "tasks 4..7" in err.value.issues[0].message


# ---------------------------------------------------------------------------------------------
# item 18: nothing outlives a sweep killed with SIGKILL


def _stat(pid: int) -> tuple[str, int, str] | None:
    """(state, parent pid, start time) of a process from /proc, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), fields[19]


def _descendants(root: int) -> dict[int, str]:
    """Every process below `root` now: pid -> start time (so a reused pid is not mistaken)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                children.setdefault(st[1], []).append(int(entry))
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            st = _stat(pid)
            if st is not None:
                found[pid] = st[2]
                todo.append(pid)
    return found


def _alive(pid: int, started: str) -> bool:
    st = _stat(pid)
    return st is not None and st[2] == started and st[0] not in ("Z", "X")  # a zombie has ended


def _read_to_eof(stream, deadline: float) -> bool:
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.2)
        if ready and not os.read(stream.fileno(), 65536):
            return True
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc (Linux)")
def test_kill_9_of_a_processes_sweep_leaves_no_process_behind(tmp_path):
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(_small_spec(seeds_per_point=400)))  # 4,000 runs: far from done when killed
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "simulator", "sweep", str(spec_file), "--out", str(out), "--executor", "processes", "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=ROOT)
    kids: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                started = bool(_manifest(out)["chunks_done"])
            except (OSError, ValueError, KeyError):
                started = False
            kids = _descendants(proc.pid)
            if started and len(kids) >= 4:  # forkserver, 2 workers, resource tracker
                break
            time.sleep(0.05)
        assert proc.poll() is None and len(kids) >= 4, (proc.poll(), kids)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        # the caller's pipes reach EOF: no process holds them any more
        limit = time.monotonic() + 20
        assert _read_to_eof(proc.stdout, limit) and _read_to_eof(proc.stderr, limit)
        while time.monotonic() < limit and any(_alive(p, t) for p, t in kids.items()):
            time.sleep(0.05)
        assert not [p for p, t in kids.items() if _alive(p, t)]
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid, started in kids.items():  # left by a failure: end what this test started
            if _alive(pid, started):
                os.kill(pid, signal.SIGKILL)
        proc.stdout.close()
        proc.stderr.close()


GUARDED_CHILD = """
import sys, time
from simulator.sweep import lifeline
if sys.argv[1] == "poll":
    lifeline._prctl_pdeathsig = lambda: False
print(lifeline.die_with_parent(poll_s=0.05), flush=True)
time.sleep(120)
"""

PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdout=sys.stdout)
print(child.pid, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc (Linux)")
@pytest.mark.parametrize("how", ["prctl", "poll"])
def test_kill_9_lifeline_ends_the_child_with_its_parent(how):
    """Both ways of `die_with_parent` (the kernel's parent-death signal, and the watcher thread
    used where prctl is not available) end a child once its parent is killed with SIGKILL."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT, GUARDED_CHILD, how], stdout=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
    child, started = None, None
    try:
        child = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == how  # armed, in the asked way
        started = _stat(child)[2]
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        limit = time.monotonic() + 20
        while time.monotonic() < limit and _alive(child, started):
            time.sleep(0.05)
        assert not _alive(child, started)
        assert parent.stdout.read() == ""  # EOF: the child no longer holds the pipe
    finally:
        parent.kill()
        if child is not None and started is not None and _alive(child, started):
            os.kill(child, signal.SIGKILL)
        parent.stdout.close()


def test_ctrl_c_swallowed_by_a_destructor_still_stops_the_sweep():
    """Python ignores an exception raised in `__del__` (a Parquet writer's, say); the latch
    remembers the interrupt so the sweep loop's next check raises it again."""
    import gc
    import os
    import signal as _signal

    from simulator.sweep.runner import _InterruptLatch

    class Finaliser:
        def __del__(self):
            os.kill(os.getpid(), _signal.SIGINT)  # the handler raises here, and Python swallows it
            for _ in range(1000):  # give the signal a bytecode boundary inside __del__
                pass

    latch = _InterruptLatch()
    with latch.armed():
        try:
            obj = Finaliser()
            del obj
            gc.collect()
        except KeyboardInterrupt:  # if it escaped after all, the latch still remembers it
            pass
        with pytest.raises(KeyboardInterrupt):
            latch.check()
