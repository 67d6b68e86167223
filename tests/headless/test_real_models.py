"""The headless layer on the real pump model and bundled profiles: a report and a small sweep."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT

SWEEPS = ROOT / "sweeps"
pytest.importorskip("simulator.pump.device")


def test_report_of_a_real_pump_run(tmp_path):
    from simulator.api import run
    from simulator.report import write_report_into

    results = run(SWEEPS / "pump_morphine_30d.yaml")
    results.write(tmp_path / "run")
    write_report_into(tmp_path / "run")
    names = sorted(p.name for p in (tmp_path / "run" / "plots").iterdir())
    assert names == ["alarms.png", "battery.png", "daily_dose.png", "delivery_rate.png", "reservoir.png"]
    md = (tmp_path / "run" / "report.md").read_text()
    # 5 mg/day every day against morphine's 15 mg/day; low reservoir (2 mL) at day 20, cleared by the refill on day 22
    assert "| pump | morphine | mg | 5 | 5 | 15 | 0 |" in md
    assert "| 20d 00:00:00 | pump | low_reservoir | non_critical | - | 22d 00:00:00 |" in md


def test_small_real_sweep_delivers_the_dose_times_the_flow_factor(tmp_path):
    from simulator.sweep import run_sweep

    table = run_sweep(SWEEPS / "morphine_refill_small.yaml", tmp_path / "s", executor="serial", progress=False)
    assert len(table) == 40
    # seed_mode common: the same 4 pumps (flow errors) at every point
    assert table.groupby("replicate")["devices.pump.systematic_error_pct"].nunique().eq(1).all()
    assert table["devices.pump.systematic_error_pct"].abs().max() <= 14.5
    # refill on day 18 comes before even the fastest pump runs dry (12 mL at 0.5 x 1.145 mL/day lasts 21 days)
    early = table[table.refill_at == "18d"]
    expected = 30 * early["dose_mg_per_day"] * (1 + early["devices.pump.systematic_error_pct"] / 100)
    assert (early["devices.pump.delivered_drug"] - expected).abs().max() < 1e-6
