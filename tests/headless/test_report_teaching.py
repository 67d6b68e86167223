"""Reports for teaching: every alarm, dose error, refusal and warning with day and calendar times,
a time window and a device choice, and a self-contained HTML version."""
from __future__ import annotations

import base64
import re

import pytest

from simulator.cli.main import main
from simulator.events import EventRecord
from simulator.recorder import Series
from simulator.results import Results
from tests.conftest import ROOT

DAY = 86400.0


@pytest.fixture(scope="module")
def concentration_change_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cc") / "run"
    assert main(["run", str(ROOT / "scenarios" / "pump_concentration_change.yaml"), "--out", str(out), "--report", "--quiet"]) == 0
    return out


def test_the_concentration_change_under_dose_is_listed_with_its_size_and_duration(concentration_change_dir):
    md = (concentration_change_dir / "report.md").read_text()
    # By hand, from the scenario: dead volume 0.26 mL (pump) + 50 cm x 0.0022 mL/cm = 0.37 mL,
    # still holding the old 10 mg/mL, pushed at the new rate 2 mg/day / 20 mg/mL = 0.1 mL/day:
    # it takes 0.37 / 0.1 = 3.7 days = 88.8 h, delivering 1 mg/day instead of 2 (50 % under-dose);
    # the missing drug is 0.37 mL x (20 - 10) mg/mL = 3.7 mg. The refill is at day 10, i.e.
    # 2026-01-05 08:00 + 10 d = 2026-01-15 08:00; the spell ends at day 13.7 = 13d 16:48:00,
    # 2026-01-19 00:48.
    assert (
        "| 10d 00:00:00 | no_bridge | concentration change | under-dose 3.7 mg (-50 %) | 88.8 h (3.70 d) "
        "| 13d 16:48:00 (2026-01-19 00:48) | 2026-01-15 08:00 |" in md
    )
    assert "| 10d 00:00:00 | bridge | concentration change | none (bridge bolus) |" in md
    assert "- 1 dose error (1 avoided by a bridge bolus)" in md
    assert "No warnings." not in md and "No warnings other than the dose errors above." in md
    # mean daily dose of no_bridge over 20 days: (20 d x 2 mg - 3.7 mg) / 20 = 1.815 mg
    assert "| no_bridge | morphine | mg | 2 | 1.815 | 15 | 0 |" in md


def test_times_are_days_and_calendar_never_raw_seconds(concentration_change_dir):
    md = (concentration_change_dir / "report.md").read_text()
    assert "(s)" not in md and "_t_s" not in md
    # predicted empty of no_bridge: refilled with 18 mL at day 10, then 0.1 mL/day: empty
    # 18 / 0.1 = 180 days later, day 190; 2026-01-05 08:00 + 190 d = 2026-07-14 08:00
    assert "| predicted_empty (time) | 190d 00:00:00 (2026-07-14 08:00) |" in md
    assert "| duration (days) | 20 |" in md and "| simulated to (calendar) | 2026-01-25 08:00 |" in md


def test_report_html_is_self_contained_and_says_the_same(concentration_change_dir):
    page = (concentration_change_dir / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<td>under-dose 3.7 mg (-50 %)</td><td>88.8 h (3.70 d)</td>" in page
    images = re.findall(r'src="([^"]+)"', page)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    first = base64.b64decode(images[0].split(",", 1)[1])
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert "<script" not in page


def _series(device, signal, unit, interp, points):
    s = Series(device, signal, unit, interp)
    for t, v in points:
        s.add(t, v, force=True)
    return s


@pytest.fixture
def two_device_dir(tmp_path):
    """A hand-made 4-day run with a pump and a stimulator 'scs'."""
    events = [
        EventRecord(0, 0.0, "sim", "sim.start", {}),
        EventRecord(1, 1.5 * DAY, "pump", "alarm.raised", {"alarm": "low_reservoir", "severity": "non_critical"}),
        EventRecord(2, 2.5 * DAY, "pump", "refusal", {"action": "patient_bolus", "reason": "inside the lockout"}),
        EventRecord(3, 2.6 * DAY, "pump", "warning", {"message": "<script>alert(1)</script> over the limit"}),
        EventRecord(4, 0.5 * DAY, "scs", "refusal", {"action": "set_program", "reason": "charge density over 30 uC/cm2"}),
        EventRecord(5, 3.5 * DAY, "scs", "alarm.raised", {"alarm": "eri", "severity": "critical"}),
        EventRecord(6, 3.75 * DAY, "scs", "alarm.cleared", {"alarm": "eri", "severity": "critical"}),
        EventRecord(7, 4.0 * DAY, "sim", "sim.end", {}),
    ]
    series = {
        ("pump", "reservoir_ml"): _series("pump", "reservoir_ml", "mL", "linear", [(0, 20.0), (4 * DAY, 12.0)]),
        ("pump", "cumulative_drug_mg"): _series("pump", "cumulative_drug_mg", "mg", "linear", [(0, 0.0), (2 * DAY, 20.0), (4 * DAY, 60.0)]),
        ("scs", "battery_pct"): _series("scs", "battery_pct", "%", "linear", [(0, 100.0), (4 * DAY, 90.0)]),
    }
    summary = {"scenario": "two devices", "seed": 1, "start": "2026-03-01T06:00:00", "duration_s": 4 * DAY, "end_t_s": 4 * DAY, "completed": True,
               "event_counts": {}, "devices": {"pump": {"reservoir_ml": 12.0}, "scs": {"battery_pct": 90.0, "time_stimulating_s": 2 * DAY}}}
    scenario = {"name": "two devices", "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": {"drug": "drug/morphine"}},
                                                   {"id": "scs", "profile": "scs/none", "settings": {}}]}
    out = tmp_path / "two"
    Results("two devices", 1, summary["start"], 4 * DAY, events, series, summary, scenario).write(out)
    return out


def test_window_keeps_what_happens_inside_it(two_device_dir):
    assert main(["report", str(two_device_dir), "--window", "0d..2d", "--quiet"]) == 0
    md = (two_device_dir / "report.md").read_text()
    assert "| this report covers | day 0.00 to day 2.00 |" in md
    # inside: the scs refusal at 0.5 d (2026-03-01 18:00) and the pump alarm raised at 1.5 d (2026-03-02 18:00)
    assert "| 0d 12:00:00 | scs | set_program | charge density over 30 uC/cm2 | 2026-03-01 18:00 |" in md
    assert "| 1d 12:00:00 | pump | low_reservoir | non_critical | - | still active | 0 | 2026-03-02 18:00 |" in md
    # outside: the pump refusal at 2.5 d, the warning at 2.6 d, the scs alarm at 3.5 d
    assert "patient_bolus" not in md and "over the limit" not in md and "| eri |" not in md
    # daily dose in the window: days 0 and 1, 10 mg each (20 mg over the first 2 days)
    assert "| pump | morphine | mg | 10 | 10 | 15 | 0 |" in md

    assert main(["report", str(two_device_dir), "--window", "2d..", "--quiet"]) == 0
    md = (two_device_dir / "report.md").read_text()
    # the low-reservoir alarm raised before the window is still active in it: listed
    assert "| 1d 12:00:00 | pump | low_reservoir |" in md
    assert "| 2d 12:00:00 | pump | patient_bolus | inside the lockout | 2026-03-03 18:00 |" in md
    assert "| 3d 12:00:00 | scs | eri | critical | - | 3d 18:00:00 | 0 | 2026-03-04 18:00 |" in md
    # days 2 and 3: 20 mg each (40 mg over days 2..4), over morphine's 15 mg/day limit both days
    assert "| pump | morphine | mg | 20 | 20 | 15 | 2 |" in md
    assert "charge density" not in md


def test_devices_keeps_only_those_devices(two_device_dir):
    assert main(["report", str(two_device_dir), "--devices", "scs", "--quiet"]) == 0
    md = (two_device_dir / "report.md").read_text()
    assert "### scs" in md and "### pump" not in md and "low_reservoir" not in md and "patient_bolus" not in md
    assert "| 3d 12:00:00 | scs | eri | critical |" in md
    # a duration figure in days: time_stimulating_s = 2 days
    assert "| time_stimulating (days) | 2 |" in md
    assert sorted(p.name for p in (two_device_dir / "plots").iterdir()) == ["alarms.png", "battery.png"]


def test_html_escapes_what_the_run_wrote(two_device_dir):
    assert main(["report", str(two_device_dir), "--quiet"]) == 0
    page = (two_device_dir / "report.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; over the limit" in page and "<script>" not in page


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--window", "7d"], "--window"),
        (["--window", "3d..1d"], "the end must come after the start"),
        (["--window", "xd..2d"], "--window"),
        (["--devices", "pump,ipg"], "no device 'ipg' in this run; its devices are: pump, scs"),
        (["--window", "4d..9d"], "starts at or after the end of the run (day 4)"),
    ],
)
def test_bad_window_or_devices_exit_2(two_device_dir, capsys, argv, needle):
    assert main(["report", str(two_device_dir), *argv]) == 2
    assert needle in capsys.readouterr().err
    assert not (two_device_dir / "report.md").exists()


def test_run_checks_window_and_devices_before_simulating(tmp_path, capsys):
    scenario = str(ROOT / "scenarios" / "pump_concentration_change.yaml")
    assert main(["run", scenario, "--out", str(tmp_path / "a"), "--window", "0d..7d"]) == 2
    assert "only applies with --report" in capsys.readouterr().err
    assert main(["run", scenario, "--out", str(tmp_path / "b"), "--report", "--devices", "pump"]) == 2
    assert "its devices are: no_bridge, bridge" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert main(["run", scenario, "--out", str(tmp_path / "c"), "--report", "--quiet", "--window", "9d..14d", "--devices", "no_bridge"]) == 0
    md = (tmp_path / "c" / "report.md").read_text()
    assert "| this report covers | day 9.00 to day 14.00, devices no_bridge |" in md
    assert "under-dose 3.7 mg (-50 %)" in md and "| bridge |" not in md


def test_plots_are_cut_to_the_window():
    from simulator.report import plots
    from simulator.report.build import cut_to_window
    from simulator.report.scope import ReportScope

    results = Results("r", 0, "", 4 * DAY, [], {("pump", "reservoir_ml"): _series("pump", "reservoir_ml", "mL", "linear", [(0, 20.0), (4 * DAY, 12.0)])}, {}, {})
    fig = plots.reservoir(results)
    cut_to_window(fig, ReportScope(1 * DAY, 3 * DAY), results.end_t_s)
    assert fig.axes[0].get_xlim() == pytest.approx((1.0, 3.0))
