"""Running sweeps: the table, parallel equals serial, resume after an interruption, the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from simulator.sweep.runner import SweepStopped, read_sweep, run_sweep


@pytest.fixture(scope="module")
def serial_table(tmp_path_factory, request):
    import yaml

    from .conftest import DATA, TOY_SWEEP

    data = yaml.safe_load(TOY_SWEEP.read_text())
    data["base"] = str(DATA / "toy_tank.yaml")
    data["profiles"] = [str(DATA.parent.parent / "data" / "toy_profiles")]
    out = tmp_path_factory.mktemp("serial")
    return data, run_sweep(data, out, executor="serial", progress=False, allow_plugins=True), out


def test_table_has_one_row_per_scenario_with_known_figures(serial_table):
    spec, table, out = serial_table
    assert len(table) == 36 and list(table["task"]) == list(range(36))
    assert list(table.columns[:7]) == ["task", "point", "replicate", "seed", "fill_at", "rate_ml_per_day", "later_rate"]
    # point 0: 10 mL at 1 mL/day; +4 mL at day 2 -> 8 mL at day 6; then 4 days at later_rate
    row = table.iloc[0]
    assert row["devices.tank.volume_ml"] == pytest.approx(8.0 - 4 * row["later_rate"], rel=1e-12)
    # rate 3 mL/day, fill at day 4: empty at day 3.33; 4 mL at day 4 last 1.33 days -> empty again
    empty = table[(table.rate_ml_per_day == 3.0) & (table.fill_at == "4d")]
    assert len(empty) == 4 and (empty["event_counts.alarm.raised"] == 2).all()
    assert (empty["devices.tank.volume_ml"] == 0.0).all()
    assert (table.loc[table.rate_ml_per_day == 1.0, "event_counts.alarm.raised"] == 0).all()
    # the toy draws one normal number per run from its device seed: equal seeds, equal draws
    assert table.groupby("seed")["devices.tank.noise"].nunique().eq(1).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["chunks_done"] == list(range(9)) and manifest["n_tasks"] == 36
    assert len(manifest["spec_hash"]) == 64 and manifest["replicate_seeds"] == sorted(set(table["seed"]))
    pd.testing.assert_frame_equal(read_sweep(out), table)


def test_processes_give_the_same_table_as_serial(serial_table, tmp_path):
    spec, serial, _ = serial_table
    parallel = run_sweep(spec, tmp_path / "p", executor="processes", workers=2, progress=False, allow_plugins=True)
    pd.testing.assert_frame_equal(parallel, serial)


def test_an_interrupted_sweep_resumes_to_the_same_table(serial_table, tmp_path):
    spec, serial, _ = serial_table
    out = tmp_path / "resumed"
    with pytest.raises(SweepStopped):
        run_sweep(spec, out, executor="serial", progress=False, stop_after_chunks=3, allow_plugins=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["chunks_done"] == [0, 1, 2] and not manifest["complete"]
    assert not (out / "results.parquet").exists()
    first = {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()}
    with pytest.raises(SweepStopped):  # a second interruption, now on processes
        run_sweep(spec, out, executor="processes", workers=2, progress=False, stop_after_chunks=2, allow_plugins=True)
    assert len(json.loads((out / "manifest.json").read_text())["chunks_done"]) == 5
    table = run_sweep(spec, out, executor="serial", progress=False, allow_plugins=True)
    pd.testing.assert_frame_equal(table, serial)
    later = {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()}
    assert all(later[name] == t for name, t in first.items())  # finished chunks were not redone


def test_a_chunk_file_missing_from_the_manifest_is_redone(serial_table, tmp_path):
    spec, serial, _ = serial_table
    out = tmp_path / "lost"
    with pytest.raises(SweepStopped):
        run_sweep(spec, out, executor="serial", progress=False, stop_after_chunks=2, allow_plugins=True)
    (out / "chunks" / "chunk-00001.parquet").unlink()
    pd.testing.assert_frame_equal(run_sweep(spec, out, executor="serial", progress=False, allow_plugins=True), serial)


def test_a_folder_of_another_sweep_is_refused(serial_table, tmp_path):
    from simulator.errors import InputError

    spec, _, _ = serial_table
    out = tmp_path / "other"
    with pytest.raises(SweepStopped):
        run_sweep(spec, out, executor="serial", progress=False, stop_after_chunks=1, allow_plugins=True)
    with pytest.raises(InputError) as err:
        run_sweep({**spec, "seed": 99}, out, executor="serial", progress=False, allow_plugins=True)
    assert err.value.issues[0].path == "--out" and "different sweep" in err.value.issues[0].message
    table = run_sweep({**spec, "seed": 99}, out, executor="serial", progress=False, fresh=True, allow_plugins=True)
    assert len(table) == 36


def test_outputs_pick_columns_and_unknown_outputs_are_input_errors(serial_table, tmp_path):
    from simulator.errors import InputError

    spec, serial, _ = serial_table
    picked = run_sweep({**spec, "outputs": ["devices.tank.*", "end_t_s"]}, tmp_path / "o", executor="serial", progress=False, allow_plugins=True)
    assert list(picked.columns[7:]) == ["devices.tank.volume_ml", "devices.tank.noise", "end_t_s"]
    pd.testing.assert_series_equal(picked["devices.tank.volume_ml"], serial["devices.tank.volume_ml"])
    with pytest.raises(InputError) as err:
        run_sweep({**spec, "outputs": ["devices.tank.volume_l"]}, tmp_path / "u", executor="serial", progress=False, allow_plugins=True)
    assert err.value.issues[0].path == "outputs[0]" and "devices.tank.volume_ml" in err.value.issues[0].message


def test_cli_sweep_writes_the_table_and_shows_progress(tmp_path):
    from tests.conftest import ROOT

    from .conftest import TOY_SWEEP

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "sweep", str(TOY_SWEEP), "--out", str(tmp_path / "cli"), "--executor", "serial", "--chunk-size", "10", "--allow-plugins"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "36/36 scenarios" in proc.stderr and "/s" in proc.stderr
    assert "36 scenarios" in proc.stdout
    table = pd.read_parquet(tmp_path / "cli" / "results.parquet")
    assert len(table) == 36 and len(list((tmp_path / "cli" / "chunks").iterdir())) == 4


def test_event_counts_that_did_not_happen_are_zero(serial_table, tmp_path):
    spec, serial, _ = serial_table
    table = run_sweep({**spec, "outputs": ["event_counts.alarm.raised", "event_counts.never.seen"]}, tmp_path / "c", executor="serial", progress=False, allow_plugins=True)
    assert (table["event_counts.never.seen"] == 0).all()
    pd.testing.assert_series_equal(table["event_counts.alarm.raised"], serial["event_counts.alarm.raised"])
    assert set(table["event_counts.alarm.raised"]) == {0, 1, 2}
