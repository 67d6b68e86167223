"""Every command and snippet of docs/engineers.md (and of the README's engineers' tour) works as written.

A fresh-clone pass: the `bash` blocks are run line by line in a temporary folder laid out like a
clone (`scenarios/`, `sweeps/`, `examples/` linked in), the `python` blocks as scripts there, the
`yaml` spec shown in the doc is compared with the file it says it is. A block the doc cannot run
(a Dask scheduler's address, a part of a spec) carries `<!-- not run: REASON -->` on the line
before it; the test lists those and keeps the list short, and runs every other block.

Figures checked are worked by hand from the scenario files:
- sweeps/pump_morphine_30d.yaml: 12 mL of 10 mg/mL at 5 mg/day = 0.5 mL/day; the 2 mL alarm at
  (12 - 2) / 0.5 = day 20; the day-22 refill to 18 mL leaves 18 - 8 x 0.5 = 14 mL at day 30;
  30 d x 5 mg/day = 150 mg delivered.
- the doc's API example changes it to 3 mg/day (0.3 mL/day) and the refill to day 21: 90 mg in
  30 days, 12 - 21 x 0.3 = 5.7 mL at the refill (no alarm), 18 - 9 x 0.3 = 15.3 mL at day 30.
- the README's pump_morphine_refills at 4 mg/day: 20 mL / 0.4 mL/day empties on day 50, before the
  day-62 refill, and again 50 days after it (day 112).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

DOC = ROOT / "docs" / "engineers.md"
README = ROOT / "README.md"
FENCE = re.compile(r"(?:^<!-- not run: (?P<reason>[^>]*?) -->\n)?^```(?P<lang>[^\n]*)\n(?P<body>.*?)^```", re.DOTALL | re.MULTILINE)
DAY_S = 86400.0


def parse(text: str) -> list[tuple[str, str, str | None]]:
    """(language, body, reason it is not run or None) of each fenced block, in order."""
    return [(m["lang"].strip(), m["body"], m["reason"]) for m in FENCE.finditer(text)]


def readme_engineers() -> str:
    text = README.read_text()
    start = text.index("### Engineers: script, sweep, report")
    return text[start:text.index("\n### ", start + 1)]


def runnable(text: str, lang: str) -> list[str]:
    return [body for kind, body, reason in parse(text) if kind == lang and reason is None]


def commands(text: str) -> list[str]:
    out = []
    for body in runnable(text, "bash"):
        out.extend(line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("#"))
    return out


def _env(**extra: str) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    root = tmp_path_factory.mktemp("clone")
    for name in ("scenarios", "sweeps", "examples"):
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    return root


def _run_commands(text: str, cwd: Path) -> None:
    if not (Path(sys.executable).parent / "neuromod-sim").exists():
        pytest.skip("the neuromod-sim command is not installed beside this Python")
    for command in commands(text):
        proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=_env(), capture_output=True, text=True, check=False, timeout=300)
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}"


def _run_script(body: str, checks: str, cwd: Path, name: str) -> str:
    """Run BODY as written, then CHECKS (the test's, in the same script, under the main guard)."""
    script = cwd / name
    script.write_text(body + "\n\nif __name__ == '__main__':\n" + "".join("    " + line + "\n" for line in checks.splitlines()))
    proc = subprocess.run([sys.executable, name], cwd=cwd, env=_env(PYTHONPATH=str(ROOT)), capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, f"{name}\n{proc.stderr[-2500:]}"
    return proc.stdout


def _events(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]


def test_every_block_is_tagged_and_the_not_run_ones_are_few_and_said():
    blocks = parse(DOC.read_text())
    assert {lang for lang, _, _ in blocks} <= {"bash", "python", "yaml"}, "a block without a language the test knows"
    not_run = [reason for _, _, reason in blocks if reason is not None]
    assert 1 <= len(not_run) <= 3 and all(reason.strip() for reason in not_run)
    assert runnable(DOC.read_text(), "bash") and len(runnable(DOC.read_text(), "python")) == 2
    # the one place a placeholder may appear is a block marked as not run
    for lang, body, reason in blocks:
        if lang == "bash" and reason is None:
            assert not re.search(r"\b(SPEC|DIR|HEAD)\b", body), body


def test_the_sweep_spec_shown_is_the_bundled_file():
    shown = [yaml.safe_load(body) for body in runnable(DOC.read_text(), "yaml")]
    bundled = yaml.safe_load((ROOT / "sweeps" / "morphine_refill_interval.yaml").read_text())
    assert bundled.pop("chunk_size") == 50  # the doc leaves it at its default: "chunk_size (..., default 50)"
    assert shown == [bundled]


def test_every_command_works_as_written(clone):
    _run_commands(DOC.read_text(), clone)
    run1 = clone / "out" / "run1"
    for made in ("events.jsonl", "summary.json", "scenario.json", "series/index.json", "series/pump.reservoir_ml.csv",
                 "neuromod-sim-result.json", "report.md", "report.html", "plots/reservoir.png", "plots/daily_dose.png"):
        assert (run1 / made).is_file(), made
    pump = json.loads((run1 / "summary.json").read_text())["devices"]["pump"]
    assert pump["delivered_drug"] == pytest.approx(150.0) and pump["final_reservoir_ml"] == pytest.approx(14.0)
    raised = [e for e in _events(run1) if e["kind"] == "alarm.raised"]
    assert [(e["payload"]["alarm"], e["t_s"] / DAY_S) for e in raised] == [("low_reservoir", pytest.approx(20.0))]

    import pandas as pd
    table = pd.read_parquet(clone / "out" / "sweep1" / "results.parquet")
    assert len(table) == 1000  # 5 refill days x 2 doses x 100 pumps
    assert (clone / "out" / "sweep1" / "neuromod-sim-result.json").is_file()
    for column in ("task", "point", "replicate", "seed", "refill_at", "dose_mg_per_day", "devices.pump.delivered_drug",
                   "event_counts.alarm.raised", "event_counts.alarm.repeat"):
        assert column in table.columns, column
    # seed_mode common: replicate r is the same pump (the same drawn flow error) at every point
    errors = table.groupby("replicate")["devices.pump.systematic_error_pct"].nunique()
    assert (errors == 1).all() and table["devices.pump.systematic_error_pct"].abs().max() <= 14.5
    # "serial, processes and Dask give the same table, row for row"
    small = [pd.read_parquet(clone / "out" / f"small-{ex}" / "results.parquet") for ex in ("serial", "processes", "dask")]
    assert len(small[0]) == 40
    for other in small[1:]:
        pd.testing.assert_frame_equal(small[0], other)


API_CHECKS = """\
pump = results.summary["devices"]["pump"]
assert abs(pump["delivered_drug"] - 90.0) < 1e-6, pump["delivered_drug"]
assert abs(pump["final_reservoir_ml"] - 15.3) < 1e-6, pump["final_reservoir_ml"]
assert results.events_where(device="pump", kind="alarm.*") == []
assert base.devices[0].settings["mode"]["dose_mg_per_day"] == 5  # the old one is left alone
print("api ok")
"""

SWEEP_CHECKS = """\
assert len(table) == 1000 and set(table["refill_at"]) == {"18d", "20d", "22d", "24d", "26d"}, table["refill_at"].unique()
print("sweep ok")
"""


def test_every_python_snippet_runs(clone):
    api, sweep = runnable(DOC.read_text(), "python")
    assert "api ok" in _run_script(api, API_CHECKS, clone, "api_snippet.py")
    assert "sweep ok" in _run_script(sweep, SWEEP_CHECKS, clone, "sweep_snippet.py")
    assert (clone / "out" / "sweep1" / "results.parquet").is_file()


README_CHECKS = """\
empty = [e.t_s for e in alarms if e.kind == "alarm.raised" and e.payload["alarm"] == "empty_reservoir"]
assert [t / 86400 for t in empty] == [50.0, 112.0], empty  # and again 20 mL / 0.4 mL/day after the day-62 refill
assert min(volume_ml) == 0.0 and t_s[list(volume_ml).index(0.0)] == 50 * 86400
assert len(frame) >= 150 * 24 and "reservoir_ml" in frame.columns
print("readme ok")
"""


def test_the_readme_engineers_tour_works_as_written(tmp_path):
    for name in ("scenarios", "sweeps"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    section = readme_engineers()
    _run_commands(section, tmp_path)
    assert (tmp_path / "runs" / "year" / "report.md").is_file() and (tmp_path / "runs" / "sweep" / "results.parquet").is_file()
    raised = [e for e in _events(tmp_path / "runs" / "4mg") if e["kind"] == "alarm.raised" and e["payload"]["alarm"] == "empty_reservoir"]
    assert [e["t_s"] / DAY_S for e in raised] == [pytest.approx(50.0), pytest.approx(62.0 + 50.0)]
    (body,) = runnable(section, "python")
    assert "readme ok" in _run_script(body, README_CHECKS, tmp_path, "readme_snippet.py")


def _cli(args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", args], cwd=cwd, env=_env(PYTHONPATH=str(ROOT)), capture_output=True, text=True, check=False, timeout=300)


def test_the_commands_the_text_names_work_as_it_says(tmp_path):
    """The commands and options named in the running text (not in a block) do what the text says."""
    if not (Path(sys.executable).parent / "neuromod-sim").exists():
        pytest.skip("the neuromod-sim command is not installed beside this Python")
    text = DOC.read_text()
    for name in ("sweeps", "examples"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    named = ["--compress", "--format parquet", "--window 0d..7d", "--devices pump,scs", "--allow-plugins", "--set PATH=VALUE",
             "neuromod-sim validate SPEC", "neuromod-sim schema events", "python examples/pump_refill_interval.py",
             "python examples/sweep_refill_interval.py", 'write_report_into(DIR, window="0d..7d", devices="pump")']
    for option in named:
        assert option in text, option

    ok = [
        "neuromod-sim run sweeps/pump_morphine_30d.yaml --out out/gz --compress",
        "neuromod-sim run sweeps/pump_morphine_30d.yaml --out out/pq --format parquet",
        "neuromod-sim run sweeps/pump_morphine_30d.yaml --out out/w --report --window 0d..7d --devices pump",
        "neuromod-sim run sweeps/pump_morphine_30d.yaml --out out/w --report",  # a marked folder with its report is replaced (report.html included)
        "neuromod-sim validate sweeps/morphine_refill_interval.yaml",
        "neuromod-sim schema events > events.schema.json",
        "python examples/pump_refill_interval.py",
        "python examples/sweep_refill_interval.py",
        "neuromod-sim sweep sweeps/morphine_refill_small.yaml --out out/set --set 'devices[pump].settings.concentration_mg_per_ml=20'",
    ]
    for command in ok:
        proc = _cli(command, tmp_path)
        assert proc.returncode == 0, f"{command}\n{proc.stderr[-1500:]}"
    assert (tmp_path / "out/gz/events.jsonl.gz").is_file() and not (tmp_path / "out/gz/events.jsonl").exists()
    assert (tmp_path / "out/pq/events.parquet").is_file() and (tmp_path / "out/pq/series/pump.reservoir_ml.parquet").is_file()
    kinds = json.loads((tmp_path / "events.schema.json").read_text())
    assert kinds["alarm.repeat"]["emitted"] is False and kinds["refill.completed"]["emitted"] is True
    # every format reads back as the same run: 150 mg delivered, 14 mL left (module docstring)
    proc = _cli("python -c \"from simulator.api import load_results\n"
                "for d in ('out/gz', 'out/pq', 'out/w'):\n"
                "    p = load_results(d).device_summary('pump'); print(d, p['delivered_drug'], p['final_reservoir_ml'])\n"
                "from simulator.report import write_report_into\n"
                "write_report_into('out/w', window='0d..7d', devices='pump')\"", tmp_path)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert proc.stdout.split("\n")[:3] == [f"{d} 150.0 14.0" for d in ("out/gz", "out/pq", "out/w")]
    assert "day 0.00 to day 7.00, devices pump" in (tmp_path / "out/w/report.md").read_text()
    import pandas as pd
    table = pd.read_parquet(tmp_path / "out/set/results.parquet")
    assert len(table) == 40 and set(table["devices.pump.concentration_per_ml"]) == {20.0}

    # refusals, exit 2, nothing of anyone else's touched
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    proc = _cli("neuromod-sim run sweeps/pump_morphine_30d.yaml --out mine", tmp_path)
    assert proc.returncode == 2 and "neuromod-sim-result.json" in proc.stderr
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"] and (tmp_path / "mine/notes.txt").read_text() == "mine"
    small = (ROOT / "sweeps" / "morphine_refill_small.yaml").read_text().replace("base: ", "base: sweeps/")
    (tmp_path / "plug.yaml").write_text(small + 'plugins: ["os.path:exists"]\n')
    proc = _cli("neuromod-sim sweep plug.yaml --out out/plug", tmp_path)
    assert proc.returncode == 2 and "plug.yaml: plugins: a spec with plugins is code" in proc.stderr
    assert not (tmp_path / "out/plug").exists()
    (tmp_path / "x.yaml").write_text(small.replace("seeds_per_point: 4", "seeds_per_point: 0"))
    proc = _cli("neuromod-sim sweep x.yaml --out out/x", tmp_path)
    assert proc.returncode == 2 and "x.yaml: seeds_per_point: Input should be greater than or equal to 1 (got 0)" in proc.stderr
