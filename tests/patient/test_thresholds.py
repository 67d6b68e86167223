"""Thresholds from CSF thickness (PT ~ d^2), posture, lateral offset and current split (hand-computed)."""
import pytest

from simulator.errors import InputError
from simulator.patient.anatomy import (
    ContactSite,
    csf_thickness_mm,
    csf_thickness_supine_mm,
    level_index,
)
from simulator.patient.thresholds import (
    cathode_threshold_ma,
    effective_distance_mm,
    program_thresholds,
)
from simulator.profiles.registry import default_registry
from simulator.scs.program import Program
from tests.patient.helpers import build, events, registry_with_patient, scenario, tonic

FBSS = "patient/fbss-back-bilateral-legs"


def test_threshold_ratio_between_two_levels_is_the_square_of_their_csf_ratio():
    # PT ~ d^2: d 6.0 vs 3.0 mm -> (6 / 3)^2 = 4
    assert cathode_threshold_ma(300, 6.0, 6.0, 2.0) / cathode_threshold_ma(300, 3.0, 6.0, 2.0) == pytest.approx(4.0)
    # at the reference distance PT is the strength-duration fit: 2.5 x (1 + 295 / 300) = 4.9583 mA
    assert cathode_threshold_ma(300, 6.0, 6.0, 2.0) == pytest.approx(4.958333, rel=1e-6)


def test_csf_thickness_interpolates_between_anchor_levels_and_scales_with_posture():
    anchors = {"T6": 6.25, "T11": 4.0}
    # middle of T8 is 2 of the 5 levels from the middle of T6 to the middle of T11: 6.25 - 2.25 x 2/5 = 5.35 mm
    mid_t8 = level_index("T8") + 0.5
    assert csf_thickness_supine_mm(anchors, mid_t8) == pytest.approx(5.35)
    assert csf_thickness_supine_mm(anchors, level_index("C5")) == 6.25  # held beyond the first anchor
    factors = {"standing": 1.0, "supine": 0.75, "prone": 1.2}
    assert csf_thickness_mm(anchors, mid_t8, "standing", factors) == pytest.approx(5.35 / 0.75)
    assert csf_thickness_mm(anchors, mid_t8, "prone", factors) == pytest.approx(5.35 * 1.2 / 0.75)


def test_lateral_contact_is_closer_below_c4_and_farther_above():
    p = default_registry().get(FBSS)
    t8 = level_index("T8") + 0.5
    mid = effective_distance_mm(p, ContactSite("E1", 0, t8, 0.0), "supine")
    lat = effective_distance_mm(p, ContactSite("E1", 0, t8, 2.0), "supine")
    assert mid - lat == pytest.approx(0.3 * 2.0)  # 0.3 mm per mm of offset
    c2 = level_index("C2") + 0.5
    assert effective_distance_mm(p, ContactSite("E1", 0, c2, 2.0), "supine") - effective_distance_mm(p, ContactSite("E1", 0, c2, 0.0), "supine") == pytest.approx(0.6)


def _midline_sites(level="T9"):
    pos = level_index(level) + 0.5
    return {"E1": ContactSite("E1", 0, pos - 0.16, 0.0), "E2": ContactSite("E2", 0, pos, 0.0), "E3": ContactSite("E3", 0, pos, 0.0)}


def test_program_threshold_posture_split_and_discomfort():
    p = default_registry().get(FBSS)
    sites = _midline_sites()
    one = Program(name="a", contacts={"E1": "+", "E2": "-"}, amplitude_ma=5, pulse_width_us=300, rate_hz=50)
    split = Program(name="b", contacts={"E1": "+", "E2": "-50", "E3": "-50"}, amplitude_ma=5, pulse_width_us=300, rate_hz=50)
    factors = {"standing": 1.0, "supine": 0.75}
    th1 = program_thresholds(p, one, sites, "standing", factors)
    th2 = program_thresholds(p, split, sites, "standing", factors)
    # two cathodes at the same place sharing the current: each needs its own PT, so the program needs twice as much
    assert th2.perception_ma == pytest.approx(2 * th1.perception_ma)
    # supine: distance x 0.75, PT x 0.75^2 = 0.5625 (midline, no lateral term)
    sup = program_thresholds(p, one, sites, "supine", factors)
    assert sup.perception_ma / th1.perception_ma == pytest.approx(0.5625)
    assert th1.discomfort_ma == pytest.approx(1.7 * th1.perception_ma)
    # hand value: middle of T9 supine d = 6.25 - 2.25 x 3/5 = 4.9 mm; standing 4.9 / 0.75 = 6.5333 mm
    assert th1.perception_ma == pytest.approx(4.958333 * (6.53333 / 6.0) ** 2, rel=1e-4)


@pytest.mark.parametrize("stimulator, lead, ratio", [
    # no closed-loop model: the patient's own factors, supine 0.5 of standing -> PT x 0.5^2 = 0.25
    ("scs/rechargeable-micc-16", "lead/percutaneous-8", 0.25),
    # a closed-loop stimulator: its posture factors drive the patient too, supine 0.75 -> PT x 0.5625
    ("scs/closed-loop-ecap", "lead/percutaneous-12", 0.5625),
])
def test_posture_from_the_stimulator_changes_the_threshold(tmp_path, stimulator, lead, ratio):
    reg = registry_with_patient(tmp_path, posture_distance_factor={"standing": 1.0, "sitting": 1.0, "supine": 0.5, "prone": 1.2})
    data = scenario(tonic({"E2": "+", "E3": "-"}, 2.0), stim_leads=[{"lead": lead, "top_level": "T9", "side": "midline"}],
                    timeline=[{"at": "1h", "device": "ipg", "action": "posture", "params": {"posture": "supine"}}])
    data["devices"][0]["profile"] = stimulator
    if stimulator == "scs/closed-loop-ecap":
        data["devices"][0]["settings"]["closed_loop"] = {"enabled": False}
    sim = build(data, reg)
    sim.run("2h")
    standing, supine = events(sim, "patient.thresholds")
    assert (standing.payload["posture"], supine.payload["posture"]) == ("standing", "supine")
    pt = [e.payload["programs"][0]["perception_threshold_ma"] for e in (standing, supine)]
    assert pt[1] / pt[0] == pytest.approx(ratio)


def test_a_bad_patient_profile_names_the_file_the_field_and_the_allowed_values(tmp_path):
    reg = registry_with_patient(tmp_path, pain_map={"left_tail": 1.0})
    with pytest.raises(InputError) as exc:
        reg.get("patient/test")
    text = str(exc.value)
    assert "test.yaml" in text and "pain_map" in text and "left_tail" in text and "low_back" in text
