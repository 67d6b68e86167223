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


def _silent_listener():
    """A TCP port that accepts connections and never answers (not a Dask scheduler)."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    return server, f"tcp://127.0.0.1:{server.getsockname()[1]}"


def test_a_scheduler_address_that_accepts_but_never_answers_is_an_input_error_not_a_hang():
    from simulator.errors import InputError
    from simulator.sweep.executors import probe_scheduler

    server, address = _silent_listener()
    try:
        with pytest.raises(InputError) as err:
            probe_scheduler(address, timeout_s=1.0)  # Dask's own connect waits for the handshake reply for ever
    finally:
        server.close()
    assert err.value.issues[0].path == "--scheduler" and "no Dask scheduler answered" in err.value.issues[0].message


@pytest.mark.parametrize("address", ["http://127.0.0.1:8786", "garbage:::", "inproc://x"])
def test_a_scheduler_address_dask_cannot_read_is_an_input_error(address):
    from simulator.errors import InputError
    from simulator.sweep.executors import make_executor

    with pytest.raises(InputError) as err:
        make_executor("dask", scheduler=address)
    assert err.value.issues[0].path == "--scheduler" and err.value.issues[0].value == address


def test_a_real_scheduler_passes_the_probe():
    from distributed import LocalCluster

    from simulator.sweep.executors import probe_scheduler

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        probe_scheduler(cluster.scheduler_address, timeout_s=10.0)


@pytest.mark.parametrize("workers", [0, -1, 1000])
def test_workers_outside_one_to_four_a_core_is_refused_before_any_process_starts(workers):
    import os

    from simulator.errors import InputError
    from simulator.sweep.executors import make_executor

    with pytest.raises(InputError) as err:
        make_executor("dask", workers=workers)  # 1000 would start a LocalCluster of 1000 processes
    issue = err.value.issues[0]
    assert issue.path == "--workers" and issue.value == workers
    if workers > 0:
        assert f"1..{4 * (os.cpu_count() or 1)}" in issue.message
