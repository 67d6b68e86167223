"""`neuromod-sim run --compress` (events.jsonl.gz) and `--format parquet` (events.parquet,
series/*.parquet): what load_results reads back equals the plain text result, event by event
and breakpoint by breakpoint; a missing pyarrow is exit 2 before simulating."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

from simulator.api import load_results
from simulator.cli.main import main
from tests.conftest import ROOT

SCENARIO = str(ROOT / "scenarios" / "pump_patient_boluses.yaml")


def _same(a, b) -> None:
    assert a.events == b.events and len(a.events) > 10
    assert a.summary == b.summary and a.scenario_json == b.scenario_json
    assert sorted(a.series) == sorted(b.series)
    for key, s in a.series.items():
        other = b.series[key]
        assert (s.unit, s.interp) == (other.unit, other.interp)
        assert list(s._t) == list(other._t) and list(s._v) == list(other._v), key


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    for name, extra in (("plain", []), ("gz", ["--compress"]), ("pq", ["--format", "parquet"])):
        assert main(["run", SCENARIO, "--out", str(root / name), "--quiet", *extra]) == 0
    return root


def test_compressed_events_read_back_equal(written):
    assert not (written / "gz" / "events.jsonl").exists()
    with gzip.open(written / "gz" / "events.jsonl.gz", "rt", encoding="utf-8") as f:
        assert f.read() == (written / "plain" / "events.jsonl").read_text(encoding="utf-8")  # the same lines, gzipped
    _same(load_results(written / "plain"), load_results(written / "gz"))


def test_parquet_events_and_series_read_back_equal(written):
    pq = written / "pq"
    assert (pq / "events.parquet").exists() and not (pq / "events.jsonl").exists()
    assert not list((pq / "series").glob("*.csv")) and list((pq / "series").glob("*.parquet"))
    _same(load_results(written / "plain"), load_results(pq))


def test_a_compressed_result_is_replaced_by_a_later_run(written, tmp_path):
    # events.jsonl.gz and events.parquet are files a run writes: the folder stays replaceable
    import shutil

    folder = tmp_path / "gz"
    shutil.copytree(written / "gz", folder)
    assert main(["run", SCENARIO, "--out", str(folder), "--quiet", "--format", "parquet"]) == 0
    assert (folder / "events.parquet").exists() and not (folder / "events.jsonl.gz").exists()


def test_report_reads_a_compressed_result(written, tmp_path):
    pytest.importorskip("matplotlib")
    import shutil

    folder = tmp_path / "gz"
    shutil.copytree(written / "gz", folder)
    assert main(["report", str(folder)]) == 0
    n_events = len(load_results(written / "plain").events)
    assert f"| events | {n_events} |" in (folder / "report.md").read_text(encoding="utf-8")


def test_parquet_with_compress_is_an_input_error(tmp_path, capsys):
    assert main(["run", SCENARIO, "--out", str(tmp_path / "o"), "--quiet", "--format", "parquet", "--compress"]) == 2
    assert "--compress" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_parquet_without_pyarrow_is_exit_2_naming_the_extra(tmp_path):
    code = ("import sys; sys.modules['pyarrow'] = None; from simulator.cli.main import main; "
            f"sys.exit(main(['run', {SCENARIO!r}, '--out', {str(tmp_path / 'o')!r}, '--quiet', '--format', 'parquet']))")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "optional extra 'data'" in proc.stderr and "pyarrow" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()
