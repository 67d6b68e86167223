"""Reports render headless from a results folder alone, with the figures of summary.json."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from simulator.events import EventRecord
from simulator.recorder import Series
from simulator.results import Results

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DAY = 86400.0


def _series(device, signal, unit, interp, points):
    s = Series(device, signal, unit, interp)
    for t, v in points:
        s.add(t, v, force=True)
    return s


@pytest.fixture
def pump_results_dir(tmp_path):
    """A hand-made 3-day pump run: 2 mL/day of 10 mg/mL morphine (20 mg/day, over the 15 mg/day
    limit of drug/morphine), a low-reservoir alarm raised at day 1.5, acknowledged at day 2,
    a refused bolus, and a warning."""
    events = [
        EventRecord(0, 0.0, "sim", "sim.start", {"scenario": "hand-made pump"}),
        EventRecord(1, 1.5 * DAY, "pump", "alarm.raised", {"alarm": "low_reservoir", "severity": "non_critical", "message": "low"}),
        EventRecord(2, 1.5 * DAY + 3600, "pump", "alarm.repeat", {"alarm": "low_reservoir", "severity": "non_critical"}),
        EventRecord(3, 2.0 * DAY, "pump", "alarm.acknowledged", {"alarm": "low_reservoir", "severity": "non_critical"}),
        EventRecord(4, 2.5 * DAY, "pump", "refusal", {"action": "patient_bolus", "reason": "inside the lockout"}),
        EventRecord(5, 2.6 * DAY, "pump", "warning", {"message": "dose over the daily limit"}),
        EventRecord(6, 3.0 * DAY, "sim", "sim.end", {}),
    ]
    series = {
        ("pump", "reservoir_ml"): _series("pump", "reservoir_ml", "mL", "linear", [(0, 20.0), (3 * DAY, 14.0)]),
        ("pump", "rate_ml_per_day"): _series("pump", "rate_ml_per_day", "mL/day", "step", [(0, 2.0), (3 * DAY, 2.0)]),
        ("pump", "drug_rate_mg_per_day"): _series("pump", "drug_rate_mg_per_day", "mg/day", "step", [(0, 20.0), (3 * DAY, 20.0)]),
        ("pump", "cumulative_drug_mg"): _series("pump", "cumulative_drug_mg", "mg", "linear", [(0, 0.0), (3 * DAY, 60.0)]),
        ("pump", "battery_pct"): _series("pump", "battery_pct", "%", "linear", [(0, 100.0), (3 * DAY, 99.25)]),
    }
    summary = {
        "scenario": "hand-made pump",
        "seed": 4,
        "start": "2026-01-01T08:00:00",
        "duration_s": 3 * DAY,
        "end_t_s": 3 * DAY,
        "completed": True,
        "event_counts": {"alarm.raised": 1, "refusal": 1},
        "devices": {"pump": {"delivered_ml": 6.0, "delivered_mg": 60.0, "reservoir_ml": 14.0, "alarms": [{"x": 1}]}},
    }
    scenario = {"name": "hand-made pump", "duration": 3 * DAY, "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": {"drug": "drug/morphine"}}]}
    out = tmp_path / "run"
    Results("hand-made pump", 4, summary["start"], 3 * DAY, events, series, summary, scenario).write(out)
    return out


def _is_png(path):
    data = path.read_bytes()
    return len(data) > 2000 and data.startswith(PNG_MAGIC)


def test_report_plots_exist_and_report_md_has_the_summary_figures(pump_results_dir):
    from simulator.report import write_report_into

    files = write_report_into(pump_results_dir)
    plots = pump_results_dir / "plots"
    assert sorted(p.name for p in plots.iterdir()) == ["alarms.png", "battery.png", "daily_dose.png", "delivery_rate.png", "reservoir.png"]
    assert all(_is_png(p) for p in plots.iterdir())
    assert set(files) == {pump_results_dir / "report.md", pump_results_dir / "report.html", *plots.iterdir()}
    md = (pump_results_dir / "report.md").read_text()
    summary = json.loads((pump_results_dir / "summary.json").read_text())
    for name, value in summary["devices"]["pump"].items():
        if not isinstance(value, list):
            assert f"| {name} | {value:.6g} |" in md
    # daily dose: 20 mg each day against morphine's 15 mg/day: all 3 days over
    assert "| pump | morphine | mg | 20 | 20 | 15 | 3 |" in md
    # the alarm: raised 1d 12:00, acknowledged 2d 00:00, never cleared, one repeat
    assert "| 1d 12:00:00 | pump | low_reservoir | non_critical | 2d 00:00:00 | still active | 1 |" in md
    assert "| 2d 12:00:00 | pump | patient_bolus | inside the lockout |" in md
    assert "dose over the daily limit" in md
    assert "![Daily dose against the daily limit](plots/daily_dose.png)" in md
    assert not [p for p in pump_results_dir.iterdir() if p.name.startswith(".")]  # no temporary left


def test_daily_doses_from_the_cumulative_signal(pump_results_dir):
    from simulator.api import load_results
    from simulator.report.plots import daily_doses

    results = load_results(pump_results_dir)
    days, dose = daily_doses(results, "pump", "cumulative_drug_mg")
    assert np.allclose(days, [0, 1, 2]) and np.allclose(dose, [20.0, 20.0, 20.0])


def test_a_run_without_pump_signals_skips_those_plots(tmp_path, toy_registry, toy_scenario_dict):
    from simulator.api import run
    from simulator.report import write_report_into

    results = run(toy_scenario_dict, registry=toy_registry)
    results.write(tmp_path / "toy")
    write_report_into(tmp_path / "toy", registry=toy_registry)
    # the toy tank records a rate and raises 'empty' but has no reservoir, drug or battery signals
    assert sorted(p.name for p in (tmp_path / "toy" / "plots").iterdir()) == ["alarms.png", "delivery_rate.png"]
    md = (tmp_path / "toy" / "report.md").read_text()
    # 10 mL - 5 d x 0.5 + 4 = 11.5 mL at day 5; 9 mL at day 10; then 1 mL/day: empty at day 19
    assert "| 19d 00:00:00 | tank | empty | critical | - | still active | 0 |" in md
    assert "Daily dose" not in md and f"| volume_ml | {results.summary['devices']['tank']['volume_ml']:.6g} |" in md


def test_cli_report_and_bad_folder_exit_codes(pump_results_dir, tmp_path):
    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "QtAgg", "DISPLAY": ""}
    ok = subprocess.run([sys.executable, "-m", "simulator", "report", str(pump_results_dir)], capture_output=True, text=True, env=env, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert str(pump_results_dir / "plots" / "reservoir.png") in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "simulator", "report", str(tmp_path / "nowhere")], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "not a folder" in bad.stderr
    (tmp_path / "empty").mkdir()
    bad = subprocess.run([sys.executable, "-m", "simulator", "report", str(tmp_path / "empty")], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "summary.json" in bad.stderr


@pytest.fixture
def stim_results_dir(tmp_path):
    """A hand-made 2-day stimulator run: program 'back', 50 Hz tonic, 300 us, recorded at 4 mA then 5 mA."""
    program = {"name": "back", "contacts": {"E4": "-", "E5": "+"}, "amplitude_ma": 4.0, "pulse_width_us": 300, "rate_hz": 50}
    events = [EventRecord(0, 0.0, "sim", "sim.start", {}), EventRecord(1, 2 * DAY, "sim", "sim.end", {})]
    series = {
        ("ipg", "battery_pct"): _series("ipg", "battery_pct", "%", "linear", [(0, 90.0), (2 * DAY, 70.0)]),
        ("ipg", "amplitude_ma.back"): _series("ipg", "amplitude_ma.back", "mA", "step", [(0, 4.0), (DAY, 5.0), (2 * DAY, 5.0)]),
    }
    summary = {"scenario": "hand-made stimulator", "seed": 1, "end_t_s": 2 * DAY, "completed": True, "devices": {"ipg": {"battery_pct": 70.0}}}
    scenario = {"name": "hand-made stimulator", "duration": 2 * DAY, "devices": [{"id": "ipg", "profile": "scs/nonexistent", "settings": {"programs": [program]}}]}
    out = tmp_path / "stim"
    Results("hand-made stimulator", 1, "", 2 * DAY, events, series, summary, scenario).write(out)
    return out


def test_waveform_snapshot_per_program_at_the_recorded_amplitude(stim_results_dir):
    from simulator.api import load_results
    from simulator.report import write_report_into
    from simulator.report.waveforms import snapshots

    (shot,) = snapshots(load_results(stim_results_dir))
    assert shot["program"] == "back" and shot["amplitude_ma"] == 5.0  # the last recorded amplitude
    t, i = shot["train"]
    assert t[-1] < 3 * 0.02 and i.min() == pytest.approx(-5.0) and i.max() == pytest.approx(5.0)
    # active balance: 300 us at -5 mA then 300 us at +5 mA, so each period nets zero charge
    dt = t[1] - t[0]
    assert np.sum(i[t < 0.02]) * dt == pytest.approx(0.0, abs=1e-9)
    assert np.sum(i[t < 0.02] < -4.99) * dt == pytest.approx(300e-6, rel=0.05)
    write_report_into(stim_results_dir)
    names = sorted(p.name for p in (stim_results_dir / "plots").iterdir())
    assert names == ["battery.png", "stimulation.png", "waveform_ipg_back.png"]
    assert all(_is_png(stim_results_dir / "plots" / n) for n in names)
    assert "![Waveform: ipg program back](plots/waveform_ipg_back.png)" in (stim_results_dir / "report.md").read_text()


def test_a_folder_without_the_result_marker_keeps_its_own_report(pump_results_dir):
    """A report replaces report.md, report.html and plots/ only in a folder written by `run`
    (it carries the marker): in a folder without it, an existing report.md is the user's and the
    report is refused with the folder untouched; with no report there yet, one is written."""
    from simulator.atomic import MARKER_NAME
    from simulator.errors import InputError
    from simulator.report import write_report_into

    write_report_into(pump_results_dir)  # a result of `run`: made, then replaced
    write_report_into(pump_results_dir)
    assert _is_png(pump_results_dir / "plots" / "reservoir.png")

    (pump_results_dir / MARKER_NAME).unlink()  # now a folder put together by hand
    (pump_results_dir / "report.md").write_text("my own notes\n", encoding="utf-8")
    before = sorted(p.name for p in pump_results_dir.iterdir())
    with pytest.raises(InputError) as err:
        write_report_into(pump_results_dir)
    assert "report.md" in str(err.value) and MARKER_NAME in str(err.value)
    assert (pump_results_dir / "report.md").read_text(encoding="utf-8") == "my own notes\n"
    assert sorted(p.name for p in pump_results_dir.iterdir()) == before

    for name in ("report.md", "report.html"):
        (pump_results_dir / name).unlink()
    for png in (pump_results_dir / "plots").iterdir():
        png.unlink()
    (pump_results_dir / "plots").rmdir()
    written = write_report_into(pump_results_dir)  # nothing of the user's to replace: written
    assert (pump_results_dir / "report.md") in written and _is_png(pump_results_dir / "plots" / "reservoir.png")
