"""Trial verdict by the >= 50 % rule and lead migration shifting coverage per table A1 (hand-computed)."""
import pytest

from simulator.engine import Simulation
from simulator.patient.anatomy import contact_sites
from simulator.patient.coverage import coverage
from simulator.patient.diary import trial_verdict
from simulator.patient.somatotopy import paresthesia_regions
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario
from simulator.scenario.model import PatientLeadPlacement
from tests.patient.helpers import (
    DAY,
    build,
    events,
    fixed_relief,
    registry_with_patient,
    scenario,
    tonic,
)

RADICULOPATHY = {"left_thigh_back": 0.6, "left_thigh_front": 0.4, "left_knee": 0.5, "left_leg": 1.0, "left_foot": 0.7}  # sum 3.2


def test_trial_verdict_by_the_50_percent_rule():
    v = trial_verdict(8.0, [3.0, 4.0, 3.5, 3.5])  # mean 3.5: 1 - 3.5 / 8 = 56.25 %
    assert v.relief_pct == pytest.approx(56.25) and v.passed
    assert trial_verdict(8.0, [4.0] * 3).passed  # exactly 50 %
    v = trial_verdict(8.0, [4.5, 4.5, 4.5])  # 43.75 %
    assert v.relief_pct == pytest.approx(43.75) and not v.passed
    assert not trial_verdict(8.0, []).passed


def test_bundled_trial_scenario_gives_a_daily_diary_and_its_verdict():
    sim = Simulation(load_scenario("scs_patient_trial"))
    sim.run()
    diary = events(sim, "patient.diary")
    assert [e.payload["day"] for e in diary] == list(range(1, 8))
    assert [e.t_s for e in diary] == [k * DAY for k in range(1, 8)]
    (verdict,) = events(sim, "patient.trial_verdict")
    mean = sum(e.payload["nrs"] for e in diary) / 7
    assert verdict.payload["diary_mean_nrs"] == pytest.approx(mean)
    assert verdict.payload["relief_pct"] == pytest.approx(100 * (1 - mean / 8.0))
    assert verdict.payload["passed"] == (mean <= 4.0)
    # the night supine: 14 mA is above the discomfort threshold (PT x 0.75^2), reported as discomfort
    assert any(e.t_s == 14 * 3600 for e in events(sim, "patient.discomfort"))
    assert "approximation for teaching" in verdict.payload["label"]


def test_migration_of_12_5_mm_moves_the_cathode_from_t9_to_t10():
    geometry = default_registry().get("lead/percutaneous-8").contact_positions_mm()
    place = [PatientLeadPlacement(level="T9", side="left")]
    before = contact_sites(place, [geometry], 25.0, [0.0])[2]  # E3: 15 + 0.25 + 8 / 25 = 15.57
    after = contact_sites(place, [geometry], 25.0, [12.5])[2]  # + 12.5 / 25 = 16.07
    assert before.position == pytest.approx(15.57) and before.level == "T9"
    assert after.position == pytest.approx(16.07) and after.level == "T10"
    r_before = paresthesia_regions(before.level, "left", 1.1, 300, 1.3, 450)
    r_after = paresthesia_regions(after.level, "left", 1.1, 300, 1.3, 450)
    # T7-T9 lateral: low back + thigh front/back, knee, leg; T10 lateral: abdomen, front thigh, leg, knee
    assert coverage(RADICULOPATHY, r_before) == pytest.approx((0.6 + 0.4 + 0.5 + 1.0) / 3.2)  # 78.125 %
    assert coverage(RADICULOPATHY, r_after) == pytest.approx((0.4 + 0.5 + 1.0) / 3.2)  # 59.375 %


def test_bundled_migration_scenario_loses_and_regains_coverage():
    sim = Simulation(load_scenario("scs_patient_migration"))
    sim.run()
    cov = [(e.t_s / DAY, e.payload["coverage_pct"]) for e in events(sim, "patient.paresthesia")]
    assert cov == [(0.0, pytest.approx(78.125)), (10.0, pytest.approx(59.375)), (12.0, pytest.approx(78.125))]
    (moved,) = events(sim, "patient.lead_migrated")
    assert moved.payload["distance_mm"] == 12.5 and moved.payload["migrated_mm"] == 12.5
    report = next(e for e in events(sim, "patient.report") if e.t_s == 10 * DAY)
    assert "left_thigh_back" not in report.payload["where"] and "left_abdomen" in report.payload["where"]


def _random_migration_sim(tmp_path, seed, probability):
    reg = registry_with_patient(tmp_path, relief=fixed_relief())
    data = scenario(tonic({"E2": "+", "E3": "-"}, 6.0), seed=seed, duration="10d",
                    patient_settings={"migration": {"probability": probability, "within": "7d"}})
    sim = build(data, reg)
    sim.run()
    return events(sim, "patient.lead_migrated")


def test_random_migration_is_seeded(tmp_path):
    a = _random_migration_sim(tmp_path, 4, 1.0)
    b = _random_migration_sim(tmp_path, 4, 1.0)
    assert len(a) == 1 and a[0].payload["random"] and 0 <= a[0].t_s <= 7 * DAY
    assert [(e.t_s, e.payload) for e in a] == [(e.t_s, e.payload) for e in b]
    assert _random_migration_sim(tmp_path, 4, 0.0) == []
