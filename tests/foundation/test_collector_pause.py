"""The cyclic collector is paused while results are made and written (simulator.collector), and
resumes afterwards, also when writing fails; a caller's paused collector stays paused."""
from __future__ import annotations

import gc

import pytest

from simulator.api import run
from simulator.collector import collector_paused
from simulator.errors import InputError
from simulator.output import write_results


def test_the_write_runs_with_the_collector_paused_and_resumes(tmp_path):
    results = run("scenarios/pump_morphine_refills.yaml")
    during: list[bool] = []
    assert gc.isenabled()
    write_results(results, tmp_path / "out", extra=lambda folder: during.append(gc.isenabled()))
    assert during == [False] and gc.isenabled()
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("not a result")
    with pytest.raises(InputError):
        write_results(results, tmp_path / "taken")  # refused: a folder this program did not write
    assert gc.isenabled() and (tmp_path / "taken" / "mine.txt").read_text() == "not a result"


def test_a_paused_collector_stays_paused():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
