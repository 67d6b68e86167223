"""Output safety: never delete what we did not write, atomic replace with recovery, exit 2 for
the user's own mistakes (the "data loss" items of the safety issue), one atomic writer.

The toy tank (tests/toy_device.py): 10 mL at 0.5 mL/day, +4 mL at day 5, 1 mL/day from day 10.
By hand: at day 4 it holds 10 - 4 x 0.5 = 8.0 mL; at day 30 it has long been empty (0.0 mL:
11.5 mL at day 5, 9.0 mL at day 10, empty at day 19).
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
from pathlib import Path

import pytest
import yaml

from simulator.atomic import MARKER_NAME, deferred_interrupt, read_marker, recover_leftovers, write_marker, write_text_atomic
from simulator.cli.main import main
from simulator.errors import InputError
from tests.conftest import TOY_PROFILES

DAY_S = 86400.0
DEAD_PID = 2**30  # above Linux's largest pid (2**22): no such process


def cli(capsys, *args):
    code = main([*args, "--profiles", str(TOY_PROFILES)])
    out = capsys.readouterr()
    return code, out.out, out.err


def tree_digest(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (relative path -> sha256 of the bytes, or 'dir')."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def scenario(tmp_path, toy_scenario_dict, toy_registry):
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(toy_scenario_dict, sort_keys=False))
    return path


@pytest.fixture
def user_folder(tmp_path):
    """A folder of the user's: documents and a subfolder (the program never wrote any of it)."""
    docs = tmp_path / "documents"
    (docs / "photos").mkdir(parents=True)
    (docs / "thesis.txt").write_text("three years of work\n")
    (docs / "photos" / "cat.jpg").write_bytes(bytes(range(256)))
    (docs / "summary.json").write_text('{"mine": true}\n')  # a name a run also writes
    return docs


def volume_ml(folder: Path) -> float:
    return json.loads((folder / "summary.json").read_text())["devices"]["tank"]["volume_ml"]


def leftovers(parent: Path, name: str = "out") -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


# ----- item 1: an existing folder given as output is deleted -----
def test_item1_a_user_folder_given_to_run_out_is_refused_and_left_byte_for_byte(capsys, scenario, user_folder):
    before = tree_digest(user_folder)
    siblings = sorted(p.name for p in user_folder.parent.iterdir())
    code, out, err = cli(capsys, "run", str(scenario), "--out", str(user_folder), "--quiet")
    assert code == 2
    assert str(user_folder) in err and "not a result of neuromod-sim" in err and "left untouched" in err
    assert tree_digest(user_folder) == before
    assert sorted(p.name for p in user_folder.parent.iterdir()) == siblings  # no temporary left


def test_item1_a_previous_result_folder_is_replaced(capsys, scenario, tmp_path):
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet")
    assert code == 0, err
    assert volume_ml(out) == pytest.approx(8.0)
    assert read_marker(out)["kind"] == "run" and read_marker(out)["state"] == "complete"
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--quiet")
    assert code == 0, err
    assert volume_ml(out) == pytest.approx(0.0)
    assert json.loads((out / "summary.json").read_text())["end_t_s"] == 30 * DAY_S
    assert leftovers(tmp_path) == []


def test_item1_an_empty_folder_is_used(capsys, scenario, tmp_path):
    out = tmp_path / "chosen"
    out.mkdir()
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet")
    assert code == 0, err
    assert volume_ml(out) == pytest.approx(8.0)


def test_item1_a_previous_result_holding_a_user_file_is_refused(capsys, scenario, tmp_path):
    out = tmp_path / "out"
    assert cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet")[0] == 0
    (out / "my notes.txt").write_text("do not lose me")
    before = tree_digest(out)
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--quiet")
    assert code == 2 and "my notes.txt" in err and "did not write" in err
    assert tree_digest(out) == before


@pytest.mark.parametrize("inner", ["series/my fit.py", "series/extra.csv", "plots/slide.svg", "plots/mine/a.png"])
def test_item1_a_previous_result_holding_a_user_file_in_series_or_plots_is_refused(capsys, scenario, tmp_path, inner):
    """series/ and plots/ are a run's folders, but a file the user put inside them is the
    user's: the earlier result is refused and left byte for byte (it was deleted with the
    result it sat in). A .csv in series/ that series/index.json does not list is the user's too."""
    out = tmp_path / "out"
    assert cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet", "--report")[0] == 0
    (out / inner).parent.mkdir(parents=True, exist_ok=True)
    (out / inner).write_text("do not lose me")
    before = tree_digest(out)
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--quiet")
    assert code == 2 and inner.split("/")[0] + "/" in err and "did not write" in err
    assert tree_digest(out) == before


def test_item1_a_file_given_as_out_is_refused(capsys, scenario, tmp_path):
    target = tmp_path / "letter.txt"
    target.write_text("dear")
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(target), "--quiet")
    assert code == 2 and "not a folder" in err and target.read_text() == "dear"


def test_item1_sweep_fresh_refuses_a_user_folder_and_replaces_its_own(tmp_path, user_folder):
    from simulator.sweep.runner import run_sweep
    from tests.headless.conftest import DATA, TOY_SWEEP

    spec = yaml.safe_load(TOY_SWEEP.read_text())
    spec["base"] = str(DATA / "toy_tank.yaml")
    spec["profiles"] = [str(TOY_PROFILES)]
    before = tree_digest(user_folder)
    with pytest.raises(InputError) as err:
        run_sweep(spec, user_folder, executor="serial", progress=False, fresh=True, allow_plugins=True)
    assert err.value.issues[0].path == "--out" and "not a result of neuromod-sim" in err.value.issues[0].message
    assert tree_digest(user_folder) == before
    # a sweep folder it made itself carries the marker, and --fresh may start it over
    out = tmp_path / "sweep"
    run_sweep(spec, out, executor="serial", progress=False, allow_plugins=True)
    assert read_marker(out)["kind"] == "sweep"
    (out / "chunks" / "chunk-00000.parquet").write_bytes(b"stale")
    table = run_sweep(spec, out, executor="serial", progress=False, fresh=True, allow_plugins=True)
    assert len(table) == 36 and (out / "chunks" / "chunk-00000.parquet").read_bytes()[:4] == b"PAR1"


# ----- item 15 (output part): user mistakes are exit 2, not "internal error" -----
def test_item15_out_dot_is_exit_2(capsys, scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "run", str(scenario), "--out", ".", "--quiet")
    assert code == 2 and "current folder" in err and "internal error" not in err
    # even when the current folder is an earlier result, it is not replaced from inside
    assert cli(capsys, "run", str(scenario), "--out", "res", "--until", "4d", "--quiet")[0] == 0
    monkeypatch.chdir(tmp_path / "res")
    before = tree_digest(tmp_path / "res")
    code, _, err = cli(capsys, "run", str(scenario), "--out", ".", "--quiet")
    assert code == 2 and "current folder" in err
    code, _, err = cli(capsys, "run", str(scenario), "--out", "..", "--quiet")
    assert code == 2 and "current folder" in err
    assert tree_digest(tmp_path / "res") == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_item15_a_read_only_parent_is_exit_2_naming_the_path(capsys, scenario, tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        code, _, err = cli(capsys, "run", str(scenario), "--out", str(parent / "out"), "--quiet")
    finally:
        parent.chmod(0o700)
    assert code == 2 and str(parent / "out") in err and "Permission denied" in err


@pytest.mark.parametrize("code_name", ["EACCES", "EROFS"])
def test_item15_permission_denied_and_read_only_folder_are_exit_2_naming_the_path(capsys, scenario, tmp_path, monkeypatch, code_name):
    """The system refuses to make anything in `locked` (as a read-only mount or a folder of another user would)."""
    parent = tmp_path / "locked"
    parent.mkdir()
    real_mkdir, real_open = os.mkdir, os.open
    code = getattr(errno, code_name)

    def refuse(path, *args, **kwargs):
        if str(path).startswith(str(parent)):
            raise OSError(code, os.strerror(code), str(path))
        return (real_mkdir if refuse.kind == "mkdir" else real_open)(path, *args, **kwargs)

    def mkdir(path, *a, **k):
        refuse.kind = "mkdir"
        return refuse(path, *a, **k)

    def open_(path, *a, **k):
        refuse.kind = "open"
        return refuse(path, *a, **k)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", open_)
    rc, _, err = cli(capsys, "run", str(scenario), "--out", str(parent / "out"), "--quiet")
    assert rc == 2 and str(parent / "out") in err and os.strerror(code) in err and "internal error" not in err
    assert list(parent.iterdir()) == []


def test_item15_disk_full_is_exit_2_and_the_old_result_stays(capsys, scenario, tmp_path, monkeypatch):
    from simulator import results as results_module

    out = tmp_path / "out"
    assert cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet")[0] == 0
    before = tree_digest(out)
    calls = {"n": 0}
    real = results_module.json_lines_text

    def full(records):
        calls["n"] += 1
        if calls["n"] == 1:  # the first batch of events
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(records)

    monkeypatch.setattr(results_module, "json_lines_text", full)
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--quiet")
    assert code == 2 and str(out) in err and "No space left on device" in err and "internal error" not in err
    assert tree_digest(out) == before and volume_ml(out) == pytest.approx(8.0)
    assert leftovers(tmp_path) == []


def test_item15_an_os_error_elsewhere_is_exit_2_not_a_bug(capsys, scenario, tmp_path, monkeypatch):
    """The CLI's last net: an OSError the user can act on, from any command, exits 2 and names the file."""
    import simulator.cli.cmd_run as cmd_run

    def boom(args):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), "/some/where.csv")

    monkeypatch.setattr(cmd_run, "run", boom)
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(tmp_path / "o"))
    assert code == 2 and "/some/where.csv" in err and "internal error" not in err


# ----- item 2: atomic replace gaps -----
def _fake_result(folder: Path, text: str, state: str = "complete") -> None:
    folder.mkdir()
    (folder / "summary.json").write_text(text)
    (folder / "events.jsonl").write_text("")
    write_marker(folder, "run", state)


def test_item2_a_crash_between_the_renames_is_restored_by_the_next_run(capsys, scenario, tmp_path):
    """The state a kill between 'DIR -> .DIR.old' and '.DIR.tmp -> DIR' leaves (systems without a one-step swap)."""
    _fake_result(tmp_path / f".out.old-{DEAD_PID}-abcdef", "the earlier result")
    _fake_result(tmp_path / f".out.tmp-{DEAD_PID}-123456", "the new result")
    said = recover_leftovers(tmp_path / "out", notify=None)
    assert (tmp_path / "out" / "summary.json").read_text() == "the earlier result"
    assert leftovers(tmp_path) == []
    assert any("restored the earlier result" in s for s in said) and any(f".out.tmp-{DEAD_PID}-123456" in s for s in said)


def test_item2_killed_runs_leftovers_are_cleaned_by_the_next_run_and_it_says_so(capsys, scenario, tmp_path):
    out = tmp_path / "out"
    assert cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet")[0] == 0
    _fake_result(tmp_path / f".out.tmp-{DEAD_PID}-aaaaaa", "half written", state="writing")
    _fake_result(tmp_path / f".out.old-{DEAD_PID}-bbbbbb", "half removed", state="removing")
    # an older version's leftover (no marker) and a folder of a live process are not ours to remove
    stranger = tmp_path / f".out.old-{DEAD_PID - 1}"
    stranger.mkdir()
    (stranger / "summary.json").write_text("older version")
    live = tmp_path / f".out.tmp-{os.getppid()}-cccccc"
    _fake_result(live, "being written by another process", state="writing")
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--quiet")
    assert code == 0, err
    assert f"removed .out.tmp-{DEAD_PID}-aaaaaa" in err and f"removed .out.old-{DEAD_PID}-bbbbbb" in err
    assert f"left {stranger} as it is" in err
    assert leftovers(tmp_path) == sorted([stranger.name, live.name])
    assert (stranger / "summary.json").read_text() == "older version"
    assert volume_ml(out) == pytest.approx(0.0)


def test_item2_an_older_versions_hidden_old_folder_is_restored_when_the_result_is_gone(tmp_path):
    old = tmp_path / ".out.old-4242"  # what the earlier code left after a crash between its renames
    old.mkdir()
    (old / "summary.json").write_text("hidden data")
    (old / "events.jsonl").write_text("")
    if _alive(4242):
        pytest.skip("pid 4242 is running here")
    recover_leftovers(tmp_path / "out", notify=None)
    assert (tmp_path / "out" / "summary.json").read_text() == "hidden data" and not old.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def test_item2_ctrl_c_in_the_commit_renames_waits_until_they_are_done():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with deferred_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("first rename")
            done.append("second rename")
    assert done == ["first rename", "second rename"]


@pytest.mark.parametrize(("umask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750), (0o077, 0o600, 0o700)])
def test_item2_results_honour_the_umask(capsys, scenario, tmp_path, umask, file_mode, dir_mode):
    out = tmp_path / "out"
    old = os.umask(umask)
    try:
        code = cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet", "--report")[0]
        attempt = write_text_atomic(tmp_path / "attempt.json", "{}\n")
        from simulator.sweep.store import atomic_write_json

        atomic_write_json(tmp_path / "sweep" / "manifest.json", {"n": 1})
    finally:
        os.umask(old)
    assert code == 0
    paths = [out, *out.rglob("*")]
    assert {out / MARKER_NAME, out / "report.md", out / "plots", out / "series"} <= set(paths)
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == (dir_mode if path.is_dir() else file_mode), path
    assert stat.S_IMODE(attempt.stat().st_mode) == file_mode
    assert stat.S_IMODE((tmp_path / "sweep" / "manifest.json").stat().st_mode) == file_mode
    assert stat.S_IMODE((tmp_path / "sweep").stat().st_mode) == dir_mode


# ----- report: Ctrl-C and failure messages are true -----
def test_report_ctrl_c_during_run_report_writes_nothing_and_says_so(capsys, scenario, tmp_path, monkeypatch):
    import simulator.report.build as build

    out = tmp_path / "out"
    assert cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet")[0] == 0
    before = tree_digest(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "write_report", interrupted)
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--quiet", "--report")
    assert code == 130 and f"nothing was written: {out} is as it was" in err
    assert tree_digest(out) == before and leftovers(tmp_path) == []


def test_report_ctrl_c_after_the_results_are_written_says_they_were(capsys, scenario, tmp_path, monkeypatch):
    import simulator.cli.cmd_run as cmd_run

    def interrupted(summary):
        raise KeyboardInterrupt

    monkeypatch.setattr(cmd_run, "summary_table", interrupted)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d")
    assert code == 130 and "had been written" in err and "nothing was written" not in err
    assert volume_ml(out) == pytest.approx(8.0)


def test_report_failure_in_run_report_keeps_the_results_and_says_the_report_is_missing(capsys, scenario, tmp_path, monkeypatch):
    import simulator.report.build as build

    def broken(*args, **kwargs):
        raise RuntimeError("plotting library broke")

    monkeypatch.setattr(build, "write_report", broken)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet", "--report")
    assert code == 1 and f"results were written to {out}, but not the report" in err and "plotting library broke" in err
    assert volume_ml(out) == pytest.approx(8.0) and not (out / "report.md").exists() and not (out / "plots").exists()


def test_report_command_ctrl_c_leaves_the_older_report_and_says_so(capsys, scenario, tmp_path, monkeypatch):
    import simulator.report.markdown as markdown

    out = tmp_path / "out"
    assert cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet", "--report")[0] == 0
    before = tree_digest(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(markdown, "render", interrupted)
    code, _, err = cli(capsys, "report", str(out), "--quiet")
    assert code == 130 and f"no report was written: {out} is as it was" in err
    assert tree_digest(out) == before  # plots and report.md of the first report, no temporary


def test_report_command_refuses_to_replace_a_plots_folder_with_user_files(capsys, scenario, tmp_path):
    out = tmp_path / "out"
    assert cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet", "--report")[0] == 0
    (out / "plots" / "my sketch.svg").write_text("<svg/>")
    before = tree_digest(out)
    code, _, err = cli(capsys, "report", str(out), "--quiet")
    assert code == 2 and "my sketch.svg" in err
    assert tree_digest(out) == before


def test_report_command_removes_a_killed_reports_temporary(capsys, scenario, tmp_path):
    out = tmp_path / "out"
    assert cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet")[0] == 0
    stale = out / f".report.tmp-{DEAD_PID}-abcdef"
    stale.mkdir()
    (stale / "plots").mkdir()
    write_marker(stale, "report", "writing")
    code, _, err = cli(capsys, "report", str(out), "--quiet")
    assert code == 0 and f"removed .report.tmp-{DEAD_PID}-abcdef" in err
    assert not stale.exists() and (out / "report.md").exists()


# ----- one atomic writer -----
def test_atomic_file_writer_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "scenario.yaml"
    target.write_text("old: 1\n")
    target.chmod(0o640)
    write_text_atomic(target, "new: 2\n")
    assert target.read_text() == "new: 2\n" and stat.S_IMODE(target.stat().st_mode) == 0o640  # keeps the file's mode

    def full(fd):  # a full disk (or quota) reported when the data is flushed
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(InputError) as err:
        write_text_atomic(target, "newer: 3\n" * 10000)
    monkeypatch.undo()
    assert "No space left on device" in str(err.value) and str(target) in str(err.value)
    assert target.read_text() == "new: 2\n" and sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]
    with pytest.raises(InputError, match="the folder does not exist"):
        write_text_atomic(tmp_path / "no" / "such.yaml", "x: 1\n")


def test_export_folder_for_picks_a_new_subfolder_inside_a_user_folder(user_folder, tmp_path):
    from datetime import datetime

    from simulator.output import export_folder_for

    now = lambda: datetime(2026, 3, 2, 9, 14, 5)  # noqa: E731
    assert export_folder_for(user_folder, now) == user_folder / "neuromod-results-20260302-091405"
    (user_folder / "neuromod-results-20260302-091405").mkdir()
    assert export_folder_for(user_folder, now) == user_folder / "neuromod-results-20260302-091405-2"
    assert export_folder_for(tmp_path / "new", now) == tmp_path / "new"
    _fake_result(tmp_path / "earlier", "an earlier export")
    assert export_folder_for(tmp_path / "earlier", now) == tmp_path / "earlier"


# ----- fault injection: kill -9 of `run --out DIR` at seeded random moments -----
def _start_run(out: Path, seed: int):
    import subprocess
    import sys

    from tests.conftest import ROOT

    cmd = [sys.executable, "-m", "simulator", "run", str(ROOT / "scenarios" / "default.yaml"), "--out", str(out), "--seed", str(seed), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def test_item2_kill_9_at_random_moments_leaves_the_old_or_the_new_result_never_neither_nor_a_mix(tmp_path):
    import random
    import time

    refs = {}
    for seed in (1, 2):
        proc = _start_run(tmp_path / f"ref{seed}", seed)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=120)
        run_s = time.monotonic() - t0  # only to spread the kill moments over a whole run
        assert proc.returncode == 0, err
        refs[seed] = tree_digest(tmp_path / f"ref{seed}")
    assert refs[1] != refs[2]  # two seeds, two different results: a mix would show
    out = tmp_path / "parent" / "out"
    out.parent.mkdir()
    proc = _start_run(out, 1)
    assert proc.wait(timeout=120) == 0
    current = 1
    rng = random.Random(20261202)
    killed_in_write_phase = 0
    kill = 0
    while kill < 8 or (killed_in_write_phase == 0 and kill < 24):  # bounded: at most 24 kills
        target = 2 if current == 1 else 1
        proc = _start_run(out, target)
        if kill % 2 == 0:  # anywhere in the run
            time.sleep(rng.uniform(0.0, run_s))
        else:  # once the result folder is being written
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None and not any(n.startswith(".out.tmp-") for n in os.listdir(out.parent)):
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 0.003))  # the write, the swap and the removal take a few tens of ms
        proc.kill()
        proc.communicate(timeout=60)
        if proc.returncode == -signal.SIGKILL and any(n.startswith(".out.") for n in os.listdir(out.parent)):
            killed_in_write_phase += 1
        assert out.is_dir(), f"kill {kill}: no result at all"
        found = tree_digest(out)
        assert found in (refs[current], refs[target]), f"kill {kill}: a mix of results"
        current = 1 if found == refs[1] else 2
        kill += 1
    assert killed_in_write_phase >= 1  # at least one kill hit the write (else the test tested nothing)
    before = sorted(n for n in os.listdir(out.parent) if n.startswith(".out."))
    proc = _start_run(out, 2)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    for name in before:
        assert f"removed {name}" in err
    assert os.listdir(out.parent) == ["out"] and tree_digest(out) == refs[2]


def test_item1_sweep_fresh_on_a_run_result_holding_a_user_file_is_refused(tmp_path):
    from simulator.atomic import prepare_sweep_folder

    out = tmp_path / "out"
    _fake_result(out, "a run")
    (out / "my notes.txt").write_text("keep")
    before = tree_digest(out)
    with pytest.raises(InputError, match="my notes.txt"):
        prepare_sweep_folder(out, fresh=True)
    assert tree_digest(out) == before
    (out / "my notes.txt").unlink()
    prepare_sweep_folder(out, fresh=True)  # now only what a run writes: it may go
    assert read_marker(out)["kind"] == "sweep" and os.listdir(out) == [MARKER_NAME]


def test_item2_ctrl_c_while_removing_the_replaced_result_says_the_new_one_is_written(capsys, scenario, tmp_path, monkeypatch):
    import simulator.atomic as atomic

    out = tmp_path / "out"
    assert cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet")[0] == 0

    def interrupted(folder):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "remove_result_tree", interrupted)
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--quiet")
    assert code == 130 and "had been written" in err and "nothing was written" not in err
    assert volume_ml(out) == pytest.approx(0.0)  # the new, 30-day result
    left = leftovers(tmp_path)
    assert len(left) == 1  # the replaced result, still marked: the next run removes it
    monkeypatch.undo()
    code, _, err = cli(capsys, "run", str(scenario), "--out", str(out), "--until", "4d", "--quiet")
    assert code == 0 and f"removed {left[0]}" in err and leftovers(tmp_path) == []


def test_item2_without_a_one_step_swap_the_replace_is_two_renames_and_a_failed_second_puts_the_old_back(tmp_path, monkeypatch):
    import simulator.atomic as atomic

    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)  # as on a system without renameat2
    out = tmp_path / "out"
    _fake_result(out, "old")
    with atomic.atomic_result_dir(out, notify=None) as tmp:
        (tmp / "summary.json").write_text("new")
    assert (out / "summary.json").read_text() == "new" and leftovers(tmp_path) == []
    real_rename = os.rename

    def second_fails(src, dst):
        if Path(src).name.startswith(".out.tmp-"):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", second_fails)
    with pytest.raises(InputError, match="Input/output error"):
        with atomic.atomic_result_dir(out, notify=None) as tmp:
            (tmp / "summary.json").write_text("newer")
    assert (out / "summary.json").read_text() == "new" and leftovers(tmp_path) == []


@pytest.mark.parametrize("n_files", [0, 1, 3])
def test_item2_an_interrupt_inside_the_block_leaves_the_old_result_and_no_temporary(tmp_path, n_files):
    from simulator.atomic import atomic_result_dir

    out = tmp_path / "out"
    _fake_result(out, "old")
    before = tree_digest(out)
    with pytest.raises(KeyboardInterrupt):
        with atomic_result_dir(out, notify=None) as tmp:
            for i in range(n_files):
                (tmp / "summary.json").write_text(f"partial {i}")
            raise KeyboardInterrupt
    assert tree_digest(out) == before and leftovers(tmp_path) == []


def test_item2_a_run_killed_before_its_marker_leaves_a_folder_the_next_run_removes(tmp_path):
    """Killed between creating its temporary folder and writing the marker: the folder holds
    nothing or only the marker's own temporary file, so it is ours and is removed."""
    from simulator.atomic import MARKER_NAME, recover_leftovers

    dead_pid = 2**22 + 12345  # above Linux's largest pid: no such process
    empty = tmp_path / f".out.tmp-{dead_pid}-abcdef"
    empty.mkdir()
    half = tmp_path / f".out.tmp-{dead_pid}-012345"
    half.mkdir()
    (half / f".{MARKER_NAME}.tmp-{dead_pid}-aaaaaa").write_text("{")
    user = tmp_path / f".out.tmp-{dead_pid}-fedcba"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    said = recover_leftovers(tmp_path / "out", notify=None)
    assert not empty.exists() and not half.exists()
    assert (user / "notes.txt").read_text() == "mine"
    assert sum("removed" in line for line in said) == 2 and any("left" in line and user.name in line for line in said)
