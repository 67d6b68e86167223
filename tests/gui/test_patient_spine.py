"""The Patient tab's lead diagram over the vertebral column and its X-ray view of a migration.

Worked by hand from the model's conventions (simulator/patient/anatomy.py, docs/patient.md):
positions along the spine are in vertebra units, C1 = 0 ... C7 = 6, T1 = 7, so T9 = 15; a lead's
top contact sits a quarter segment below the top of its level; the next contacts lie
spacing / segment_mm lower. Segment height: the stimulator's `segment_mm`, 25 mm by default (the
scenarios keep it); lead/percutaneous-8: 8 contacts, 4 mm centre to centre, so 4 / 25 = 0.16 level
apart.

Migration scenario (scs_patient_migration): one lead, left (no offset: 2 mm left of the midline),
top contact at T9: E1 at 15.25, E8 at 15.25 + 7 x 0.16 = 16.37. The view draws one vertebra above
the highest contact (T9 - 1 = T8) and one below the lowest (floor(16.37) + 1 = 17 = T11), widened
to six vertebrae (T12 below, then T7 above): T7-T12. After the 12.5 mm caudal migration on day 10
every contact is 12.5 / 25 = 0.5 level lower (E8 at 16.87: the same window).
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gui.patient_view import PatientView
from gui.spine_view import LATERAL_EXAGGERATION, MIN_LEVELS_SHOWN, levels_shown
from simulator.engine import Simulation
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario, scenario_from_dict
from simulator.scs.leads import VERTEBRAE

DAY_S = 86400.0
SEGMENT_MM = 25.0
PITCH_LEVELS = 4.0 / SEGMENT_MM  # 0.16


@pytest.fixture
def window(make_window):
    registry = default_registry()
    sim = Simulation(load_scenario("scs_patient_migration", registry), registry=registry)
    return make_window(sim, registry)


def _views(window, t_s):
    window.runner.jump_to(t_s, blocking=True)
    window.show_view("patient")
    window.refresh_views()
    extra = window.device_views["patient"].extra
    return extra["patient_view"], extra["spine"], extra["xray"]


def _step(centres: dict[str, float]) -> float:
    """Pixels per vertebra, from the label centres (all equally spaced)."""
    ys = list(centres.values())
    gaps = [b - a for a, b in zip(ys, ys[1:])]
    assert gaps == pytest.approx([gaps[0]] * len(gaps))
    return gaps[0]


def test_vertebrae_labelled_t7_to_t12_and_contacts_at_their_levels(window):
    view, spine, _ = _views(window, 3 * DAY_S)
    view.show_picture("spine")
    assert spine.vertebra_labels() == ["T7", "T8", "T9", "T10", "T11", "T12"]
    centres = spine.vertebra_centres_px()
    ppl = _step(centres)
    assert ppl > 20  # six vertebrae fill the picture, not a thumbnail
    contacts = spine.contact_centres_px()
    assert sorted(contacts, key=lambda k: int(k[1:])) == [f"E{i}" for i in range(1, 9)]
    # E1 at 15.25, a quarter level above the middle of T9 (15.5)
    assert contacts["E1"].y() == pytest.approx(centres["T9"] - 0.25 * ppl)
    # E3, the cathode, 2 x 0.16 = 0.32 level below E1 (15.57: still T9); E8 1.12 below (16.37: T10)
    assert contacts["E3"].y() == pytest.approx(contacts["E1"].y() + 2 * PITCH_LEVELS * ppl)
    assert contacts["E8"].y() == pytest.approx(centres["T10"] - 0.13 * ppl)
    # left lead: 2 mm left of the midline, drawn LATERAL_EXAGGERATION x (ppl / 25 mm) per mm
    g = spine.geometry_now()
    assert contacts["E1"].x() == pytest.approx(g.centre_x_px - 2.0 * LATERAL_EXAGGERATION * ppl / SEGMENT_MM)
    assert contacts["E1"].x() < g.centre_x_px  # seen from behind: the patient's left on the left


def test_contacts_coloured_by_role_from_the_stimulator_program(window):
    _view, spine, _ = _views(window, 3 * DAY_S)
    roles = spine.contact_roles()
    # program 'leg': E2 anode, E3 cathode (the scenario); the rest off
    assert roles == {"E1": None, "E2": "+", "E3": "-", "E4": None, "E5": None, "E6": None, "E7": None, "E8": None}
    # day 12: the clinician moves the pair one contact up (E1 +, E2 -)
    _view, spine, _ = _views(window, 13 * DAY_S)
    roles = spine.contact_roles()
    assert (roles["E1"], roles["E2"], roles["E3"]) == ("+", "-", None)


def test_the_migrated_lead_is_drawn_half_a_level_lower(window):
    view, spine, xray = _views(window, 11 * DAY_S)
    view.show_picture("spine")
    centres = spine.vertebra_centres_px()
    ppl = _step(centres)
    # E1 at 15.25 + 12.5 / 25 = 15.75: a quarter level below the middle of T9
    assert spine.contact_centres_px()["E1"].y() == pytest.approx(centres["T9"] + 0.25 * ppl)
    view.show_picture("xray")
    assert xray.vertebra_labels() == ["T7", "T8", "T9", "T10", "T11", "T12"]
    ppl_x = _step(xray.vertebra_centres_px())
    now, placed = xray.contact_centres_px(), xray.contact_centres_px(placed=True)
    for label in now:  # every contact 12.5 mm = 0.5 level lower than its ghost at implant
        assert now[label].y() - placed[label].y() == pytest.approx(12.5 / SEGMENT_MM * ppl_x)
        assert now[label].x() > placed[label].x()  # the ghost column is drawn left of the 'now' column
    assert xray.migration_texts() == ["lead 1: 12.5 mm caudal (0.5 level), top contact T9 -> T9"]


def test_before_the_migration_the_xray_shows_no_shift(window):
    _view, _spine, xray = _views(window, 3 * DAY_S)
    now, placed = xray.contact_centres_px(), xray.contact_centres_px(placed=True)
    assert all(now[k].y() == pytest.approx(placed[k].y()) for k in now)
    assert xray.migration_texts() == ["lead 1: at its implant position (top contact T9)"]


def test_a_cervical_lead_is_drawn_over_c2_to_c7(qtbot):
    """Lead at C4 (index 3): E1 at 3.25, E8 at 3.25 + 1.12 = 4.37; one vertebra above and below:
    C3 (2) to C6 (5), widened to six: C7 below, C2 above."""
    registry = default_registry()
    data = {
        "name": "cervical", "duration": "2d", "seed": 3,
        "devices": [{"id": "ipg", "profile": "scs/rechargeable-micc-16", "settings": {
            "leads": [{"lead": "lead/percutaneous-8", "top_level": "C4", "side": "right"}],
            "impedance": {"initial_ohm": {"E1": 525, "E2": 525}, "drift": False},
            "programs": [{"name": "arm", "contacts": {"E1": "+", "E2": "-"}, "amplitude_ma": 3.0, "pulse_width_us": 300, "rate_hz": 50}]}}],
        "patient": {"profile": "patient/upper-limb-cervical", "stimulator": "ipg"},
    }
    sim = Simulation(scenario_from_dict(data, registry), registry=registry)
    view = PatientView(sim, "patient")
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show_picture("spine")
    view.refresh(sim.now)
    assert view.spine.vertebra_labels() == ["C2", "C3", "C4", "C5", "C6", "C7"]
    centres = view.spine.vertebra_centres_px()
    ppl = _step(centres)
    contacts = view.spine.contact_centres_px()
    assert contacts["E1"].y() == pytest.approx(centres["C4"] - 0.25 * ppl)
    assert contacts["E1"].x() > view.spine.geometry_now().centre_x_px  # a right lead, right of the midline
    assert view.spine.contact_roles()["E2"] == "-"


@pytest.mark.parametrize(("positions", "expected"), [
    ([15.25, 16.37], (13, 18)),  # T7-T12 (worked above)
    ([3.25, 4.37], (1, 6)),  # C2-C7
    ([0.25, 1.37], (0, 5)),  # at the top: C1 first, widened downwards only
    ([23.4, 24.5], (19, 24)),  # at the bottom (S1 = 24): widened upwards only
    ([], (0, 5)),
])
def test_levels_shown(positions, expected):
    assert levels_shown(positions) == expected


@given(st.lists(st.floats(min_value=0.0, max_value=24.99), min_size=1, max_size=32))
def test_levels_shown_hold_every_contact_and_at_least_six_vertebrae(positions):
    first, last = levels_shown(positions)
    assert 0 <= first <= last <= len(VERTEBRAE) - 1
    assert last - first + 1 >= MIN_LEVELS_SHOWN
    assert all(first <= int(p) <= last for p in positions)
    assert first <= int(min(positions)) - 1 or first == 0  # a vertebra above the highest contact when there is one
    assert last >= int(max(positions)) + 1 or last == len(VERTEBRAE) - 1
