"""The Patient tab: body map, 'Patient says' and relief plots of the bundled migration scenario.

Expected regions worked by hand from table A1 (simulator/patient/somatotopy.py) and the profile
patient/radiculopathy-left-leg: cathode E3 of a left lead at T9, 5.5 mA, 300 us (below the
450 us caudal spread and, as its 78 % coverage shows, below the widening ratio): the T7-T9
lateral row gives low back, front and back of the left thigh, left knee and left leg. The pain map
is left thigh back 0.6, thigh front 0.4, knee 0.5, leg 1.0, foot 0.7 (sum 3.2), so coverage is
(0.6 + 0.4 + 0.5 + 1.0) / 3.2 = 78.125 %. After the 12.5 mm caudal migration on day 10 the cathode
lies at T10 (lateral row: left abdomen, front thigh, leg, knee): (0.4 + 0.5 + 1.0) / 3.2 = 59.375 %,
which the patient reports as "covers 59 % of my pain".
"""
from __future__ import annotations

import pytest

from gui.body_map import OUTLINE, PARTS, BodyMap, region_shape
from simulator.engine import Simulation
from simulator.patient.somatotopy import REGIONS
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario

DAY_S = 86400.0
PAIN_MAP = {"left_thigh_back": 0.6, "left_thigh_front": 0.4, "left_knee": 0.5, "left_leg": 1.0, "left_foot": 0.7}
FELT_AT_T9 = {"low_back", "left_thigh_front", "left_thigh_back", "left_knee", "left_leg"}
FELT_AT_T10 = {"left_abdomen", "left_thigh_front", "left_leg", "left_knee"}


@pytest.fixture
def window(make_window):
    registry = default_registry()
    sim = Simulation(load_scenario("scs_patient_migration", registry), registry=registry)
    return make_window(sim, registry)


def _patient_view(window):
    window.show_view("patient")
    window.refresh_views()
    return window.device_views["patient"].extra["patient_view"]


def test_the_migration_scenario_has_a_patient_tab(window):
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Patient (patient)" in titles
    window.show_view("patient")
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Patient (patient)"


def test_body_map_marks_the_felt_and_the_painful_regions_after_the_first_program(window):
    window.runner.jump_to(3 * DAY_S, blocking=True)
    view = _patient_view(window)
    snap = window.runner.sim.devices["patient"].snapshot()
    model = view.body_map.model()
    assert set(snap.paresthesia_regions) == FELT_AT_T9  # the model agrees with the hand-worked row
    assert view.body_map.paresthesia_regions() == FELT_AT_T9
    assert {r for r, s in model.items() if s.paresthesia} == set(snap.paresthesia_regions)
    assert view.body_map.painful_regions() == set(PAIN_MAP)
    assert {r: s.pain_weight for r, s in model.items() if s.pain_weight > 0} == PAIN_MAP
    # relief is shown on the painful regions only, as the snapshot has it
    assert {r: s.relief_pct for r, s in model.items() if s.relief_pct is not None} == pytest.approx(snap.relief_by_region_pct)
    # 3 days of tonic therapy (tau 3.7 min): the foot, not covered, has no relief
    assert model["left_foot"].relief_pct == pytest.approx(0.0, abs=1e-9) and not model["left_foot"].paresthesia
    assert "coverage of the pain 78 %" in view.status.text()


def test_after_the_migration_the_body_map_and_the_report_follow(window):
    window.runner.jump_to(11 * DAY_S, blocking=True)
    view = _patient_view(window)
    assert view.body_map.paresthesia_regions() == FELT_AT_T10
    newest = view.says.sentences()[0]
    assert "Patient says: I feel" in newest
    assert "left abdomen" in newest and "thigh back" not in newest
    assert "covers 59 % of my pain" in newest
    assert "10d" in newest or "10 d" in newest  # said on day 10
    # after the clinician's fix on day 12 the newest report is the regained coverage
    window.runner.jump_to(13 * DAY_S, blocking=True)
    window.refresh_views()
    assert "covers 78 % of my pain" in view.says.sentences()[0]
    assert view.body_map.paresthesia_regions() == FELT_AT_T9


def test_every_part_is_labelled_an_approximation_for_teaching(window):
    view = _patient_view(window)
    labels = view.teaching_labels()
    assert len(labels) >= 4  # the banner, body map, patient says, plots
    assert all("approximation for teaching" in text for text in labels)


def test_plots_show_relief_nrs_and_coverage_only(window):
    view = _patient_view(window)
    assert {signal for (_dev, signal) in view.plots.plots} == {"relief_pct", "nrs", "coverage_pct"}


def test_every_region_has_one_shape_on_one_view():
    assert len(REGIONS) == 34
    views = {region_shape(r)[0] for r in REGIONS}
    assert views == {"front", "back"}
    # left and right are mirror images about the midline (x = 0.3), midline parts centred on it
    for r in REGIONS:
        view, rect = region_shape(r)
        if r.startswith("left_"):
            _, mirror = region_shape("right_" + r[5:])
            assert rect.center().x() + mirror.center().x() == pytest.approx(0.6)
            # seen from the front the patient's left is on the viewer's right
            assert (rect.center().x() > 0.3) == (view == "front")
        elif not r.startswith("right_"):
            assert rect.center().x() == pytest.approx(0.3)
    assert all(v in ("front", "back") for v, *_ in PARTS.values()) and all(v in ("front", "back") for v, *_ in OUTLINE)


def test_set_state_ignores_unknown_numbers_and_paints(qtbot):
    body = BodyMap()
    qtbot.addWidget(body)
    body.set_state({"left_foot": 0.7}, ["right_hand"], {"left_foot": 25.0, "right_hand": 90.0})
    model = body.model()
    assert model["left_foot"].relief_pct == 25.0 and model["left_foot"].pain_weight == 0.7
    assert model["right_hand"].paresthesia and model["right_hand"].relief_pct is None  # not painful: no relief text
    body.resize(400, 400)
    image = body.grab()
    assert not image.isNull()


def test_relief_and_nrs_curves_are_drawn_on_to_the_snapshot_values_now(window):
    window.runner.jump_to(3 * DAY_S, blocking=True)
    view = _patient_view(window)
    snap = window.runner.sim.devices["patient"].snapshot()
    ends = {}
    for (_dev, signal), (_plot, curve) in view.plots.plots.items():
        x, y = curve.getData()
        ends[signal] = (x[-1], y[-1])
    assert ends["relief_pct"] == (pytest.approx(3.0), pytest.approx(snap.relief_pct))
    assert ends["nrs"] == (pytest.approx(3.0), pytest.approx(snap.nrs))
    # NRS = baseline x (1 - relief): 7.0 x (1 - relief / 100)
    assert snap.nrs == pytest.approx(7.0 * (1 - snap.relief_pct / 100.0))
    assert ends["coverage_pct"] == (pytest.approx(3.0), pytest.approx(78.125))


def test_the_patient_tab_fits_a_1366_by_768_screen_with_the_training_dock_open(window, qapp):
    window.show_training(True)
    _patient_view(window)
    qapp.processEvents()
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768
    window.resize(1366, 768)
    qapp.processEvents()
    assert (window.width(), window.height()) == (1366, 768)
