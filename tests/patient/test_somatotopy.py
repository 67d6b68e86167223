"""Table A1 of domain/patient.md: which regions a cathode level and side covers (hand-read from the table)."""
from simulator.patient.somatotopy import REGIONS, core_regions, paresthesia_regions

WIDEN, CAUDAL_PW = 1.3, 450.0


def both(*parts):
    return {f"{s}_{p}" for p in parts for s in ("left", "right")}


def test_t10_midline_covers_thigh_leg_knee_ankle_foot_on_both_sides():
    # A1: T10 midline -> thigh, leg, knee, ankle, foot [L: SFN 61:146]
    assert paresthesia_regions("T10", "midline", 1.1, 300, WIDEN, CAUDAL_PW) == both("thigh_front", "thigh_back", "leg", "knee", "ankle", "foot")


def test_t10_lateral_is_one_sided_abdomen_front_thigh_leg_knee():
    # A1: T10 lateral -> abdomen, front thigh/leg, knee; a lateral lead gives one-sided paresthesia
    assert paresthesia_regions("T10", "left", 1.1, 300, WIDEN, CAUDAL_PW) == {"left_abdomen", "left_thigh_front", "left_leg", "left_knee"}


def test_c4_midline_and_lateral():
    assert core_regions("C4", "midline") == both("hand", "forearm", "upper_arm")
    assert core_regions("C4", "right") == {"right_shoulder", "right_upper_arm", "right_forearm", "right_hand"}


def test_t11_midline_back_of_thigh_and_foot_only_well_above_threshold():
    # A1: T11-L1 back of thigh; foot harder -> reached only from the widening ratio
    assert paresthesia_regions("T11", "midline", 1.1, 300, WIDEN, CAUDAL_PW) == both("thigh_back")
    # at 1.5 x PT: + the row's extra part (foot) + the next caudal row (T12 midline: back of thigh)
    assert paresthesia_regions("T11", "midline", 1.5, 300, WIDEN, CAUDAL_PW) == both("thigh_back", "foot")


def test_no_paresthesia_below_threshold():
    assert paresthesia_regions("T8", "midline", 0.99, 300, WIDEN, CAUDAL_PW) == set()


def test_long_pulse_width_spreads_one_level_caudally():
    # T9 lateral left (low back + legs row) at PW 500 us >= 450 us adds T10 lateral left (abdomen ...)
    short = paresthesia_regions("T9", "left", 1.1, 300, WIDEN, CAUDAL_PW)
    long = paresthesia_regions("T9", "left", 1.1, 500, WIDEN, CAUDAL_PW)
    assert short == {"low_back", "left_thigh_front", "left_thigh_back", "left_knee", "left_leg"}
    assert long - short == {"left_abdomen"}


def test_every_level_has_a_row_and_only_known_regions():
    from simulator.scs.leads import VERTEBRAE

    for level in VERTEBRAE:
        for side in ("midline", "left", "right"):
            assert paresthesia_regions(level, side, 2.0, 600, WIDEN, CAUDAL_PW) <= set(REGIONS)
