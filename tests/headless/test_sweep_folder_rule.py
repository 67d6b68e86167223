"""A sweep's out folder follows the marker rule: it never writes into, nor removes, what the
program did not write (a user's folder, a user's file or link inside a sweep folder, a run result)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from simulator.atomic import MARKER_NAME, read_marker
from simulator.errors import InputError
from simulator.sweep.runner import run_sweep


def _digest(root: Path) -> dict[str, str]:
    """Every entry under `root` (links as their target text, not followed) with its content hash."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_file():
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                out[rel] = "dir"
    return out


def _sweep(spec, out, **kw):
    return run_sweep(spec, out, executor="serial", progress=False, allow_plugins=True, **kw)


def test_a_sweep_into_a_users_folder_is_refused_and_nothing_there_changes(tmp_path, toy_sweep_dict):
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "results.parquet").write_text("my own table")  # a name a sweep also writes
    (docs / "spec.json").write_text('{"mine": true}')
    before = _digest(docs)
    with pytest.raises(InputError) as err:
        _sweep(toy_sweep_dict, docs)
    assert err.value.issues[0].path == "--out" and "not a sweep of neuromod-sim" in err.value.issues[0].message
    assert _digest(docs) == before


def test_fresh_keeps_a_users_file_put_into_a_sweep_folder(tmp_path, toy_sweep_dict):
    out = tmp_path / "sweep"
    _sweep(toy_sweep_dict, out)
    (out / "my notes.txt").write_text("keep")
    (out / "chunks" / "mine.csv").write_text("keep too")
    before = _digest(out)
    for fresh in (True, False):  # neither a fresh start nor a resume touches the folder
        with pytest.raises(InputError, match="my notes.txt"):
            _sweep(toy_sweep_dict, out, fresh=fresh)
        assert _digest(out) == before
    (out / "my notes.txt").unlink()
    with pytest.raises(InputError, match="chunks/mine.csv"):
        _sweep(toy_sweep_dict, out, fresh=True)
    (out / "chunks" / "mine.csv").unlink()
    assert len(_sweep(toy_sweep_dict, out, fresh=True)) == 36  # 3 x 3 x 2 points x 2 seeds


def test_a_link_inside_a_sweep_folder_is_neither_followed_nor_removed(tmp_path, toy_sweep_dict):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "chunk-00000.parquet").write_text("not a chunk: the user's file")
    out = tmp_path / "sweep"
    _sweep(toy_sweep_dict, out)
    for name in os.listdir(out / "chunks"):
        (out / "chunks" / name).unlink()
    (out / "chunks").rmdir()
    (out / "chunks").symlink_to(elsewhere, target_is_directory=True)
    before, outside = _digest(out), _digest(elsewhere)
    for fresh in (False, True):
        with pytest.raises(InputError, match="chunks"):
            _sweep(toy_sweep_dict, out, fresh=fresh)
        assert _digest(out) == before and _digest(elsewhere) == outside


def test_a_run_result_is_not_resumed_as_a_sweep(tmp_path, toy_sweep_dict):
    out = tmp_path / "run"
    out.mkdir()
    (out / MARKER_NAME).write_text('{"written_by": "neuromod-sim", "kind": "run", "state": "complete"}')
    (out / "summary.json").write_text("{}")
    before = _digest(out)
    with pytest.raises(InputError, match="run result, not a sweep"):
        _sweep(toy_sweep_dict, out)
    assert _digest(out) == before


def test_a_sweep_folder_of_an_older_version_without_the_marker_still_resumes(tmp_path, toy_sweep_dict):
    out = tmp_path / "sweep"
    first = _sweep(toy_sweep_dict, out)
    (out / MARKER_NAME).unlink()  # folders written before sweeps carried the marker
    (out / "results.parquet").unlink()
    again = _sweep(toy_sweep_dict, out)
    assert again.equals(first) and read_marker(out)["kind"] == "sweep"
