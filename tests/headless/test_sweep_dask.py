"""A sweep on a small Dask LocalCluster gives the serial table."""
from __future__ import annotations

import pandas as pd
import pytest

from simulator.sweep.runner import run_sweep

pytest.importorskip("distributed")


def test_dask_local_cluster_matches_serial(tmp_path, toy_sweep_dict):
    from distributed import Client, LocalCluster

    serial = run_sweep(toy_sweep_dict, tmp_path / "serial", executor="serial", progress=False, allow_plugins=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        table = run_sweep(toy_sweep_dict, tmp_path / "dask", client=client, progress=False, allow_plugins=True)
        assert client.status == "running"  # a client we passed in is left open for its owner
    pd.testing.assert_frame_equal(table, serial)


def test_dask_executor_starts_and_stops_its_own_cluster(tmp_path, toy_sweep_dict):
    toy_sweep_dict["parameters"] = toy_sweep_dict["parameters"][:1]
    table = run_sweep(toy_sweep_dict, tmp_path / "own", executor="dask", workers=1, progress=False, allow_plugins=True)
    assert list(table["fill_at"]) == ["2d", "2d", "3d", "3d", "4d", "4d"]
    assert (table["completed"]).all()
