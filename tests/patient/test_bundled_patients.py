"""The bundled patients: each one's pain map is covered by a lead at the level table A1 names."""
import pytest

from simulator.profiles.registry import default_registry
from tests.patient.helpers import DAY, build, events, scenario, tonic


def _run_at(profile, top_level, side, cathode="E3", ratio=1.15, offset_mm=0.0):
    reg = default_registry()
    data = scenario(tonic({"E2": "+", cathode: "-"}, 0.0), profile=profile,
                    stim_leads=[{"lead": "lead/percutaneous-8", "top_level": top_level, "side": side, "lateral_offset_mm": offset_mm}])
    sim = build(data, reg)
    pt = sim.devices["patient"].snapshot().programs[0].perception_threshold_ma
    sim.apply_action("ipg", "set_amplitude", {"amplitude_ma": round(ratio * pt, 1)})
    return sim


def test_there_are_at_least_five_bundled_patients_with_sources():
    reg = default_registry()
    ids = reg.ids("patient")
    assert {"patient/fbss-back-bilateral-legs", "patient/radiculopathy-left-leg", "patient/crps-right-foot",
            "patient/upper-limb-cervical", "patient/non-responder"} <= set(ids)
    for pid in ids:
        assert reg.get(pid).figures_without_source() == []


@pytest.mark.parametrize("profile, level, side, offset, covered_pct", [
    # right lateral C4 cathode (E3 of a lead from C4: 3.25 + 0.32 = C4): shoulder, upper arm, forearm, hand = all 2.4 of 2.4
    ("patient/upper-limb-cervical", "C4", "right", 3.0, 100.0),
    # T10 midline: both feet and ankles
    ("patient/crps-right-foot", "T10", "midline", 0.0, 100.0),
    # T9 midline (T7-T9 row): low back, thighs, legs = the whole FBSS map
    ("patient/fbss-back-bilateral-legs", "T9", "midline", 0.0, 100.0),
])
def test_a_lead_at_the_right_level_covers_the_pain(profile, level, side, offset, covered_pct):
    sim = _run_at(profile, level, side, offset_mm=offset)
    assert sim.devices["patient"].snapshot().coverage_pct == pytest.approx(covered_pct)


def test_the_non_responder_never_reaches_50_percent():
    sim = _run_at("patient/non-responder", "T9", "midline")
    sim.run("2d")
    pat = sim.devices["patient"]
    assert pat.snapshot().coverage_pct == pytest.approx(100.0)
    # fixed R 0.25 for tonic: relief 25 % at most -> NRS 8 x 0.75 = 6, not a responder
    assert pat.relief_at(2 * DAY) == pytest.approx(0.25)
    assert not pat.responder_at(2 * DAY)


def test_amplitude_above_the_discomfort_threshold_gives_a_discomfort_report():
    sim = _run_at("patient/fbss-back-bilateral-legs", "T9", "midline", ratio=1.8)  # DT = 1.7 x PT
    sim.run("1min")

    (d,) = events(sim, "patient.discomfort")
    snap = sim.devices["patient"].snapshot().programs[0]
    assert d.payload["discomfort_threshold_ma"] == pytest.approx(1.7 * snap.perception_threshold_ma)
    assert d.payload["amplitude_ma"] > d.payload["discomfort_threshold_ma"]
    report = events(sim, "patient.report")[-1].payload
    assert report["uncomfortable"] and report["feels"] and "uncomfortable" in report["text"]
