"""Threshold recording in the Patient tab: step the amplitude up from 0 mA, ask, record, set the range.

Bundled trial scenario (scs_patient_trial), lying supine from 14 h (so the thresholds are within the
stimulator's 20 mA per area). Worked by hand from docs/patient.md and the profile
patient/fbss-back-bilateral-legs:
- cathodes E2 and E10 (50 % each) on two leads at T8, 2 mm left and right: top contact at
  T8 + 0.25 = 14.25, E2 / E10 one contact (4 mm = 0.16 level at 25 mm a segment) lower: 14.41;
- dorsal CSF between the anchors T6 (middle 12.5) 6.25 mm and T11 (middle 17.5) 4.0 mm:
  6.25 - 2.25 x (14.41 - 12.5) / 5 = 5.3905 mm; supine is the MRI posture (factor 1);
- lateral term below C4: 2 mm x 0.3 mm/mm = 0.6 mm closer: d = 4.7905 mm;
- PT on one cathode = 2.5 mA x (1 + 295 / 300) x (4.7905 / 6)^2 = 4.95833 x 0.637467 = 3.16079 mA;
  with half the current on it the program's PT = 6.3216 mA; DT = 1.7 x PT = 10.747 mA.
Stepping by 0.5 mA from 0 the patient first feels it at 6.5 mA and first finds it uncomfortable at
11.0 mA; stepping by 0.1 mA: 6.4 mA.
"""
from __future__ import annotations

import math

import pytest

from simulator.engine import Simulation
from simulator.event_kinds import K
from simulator.profiles.registry import default_registry
from simulator.scenario import load_scenario

PT_MA = 2 * 2.5 * (1 + 295 / 300) * (4.7905 / 6.0) ** 2  # 6.3216
DT_MA = 1.7 * PT_MA  # 10.747


@pytest.fixture
def recorder(make_window, no_dialogs):
    registry = default_registry()
    sim = Simulation(load_scenario("scs_patient_trial", registry), registry=registry)
    window = make_window(sim, registry)
    window.runner.jump_to(14 * 3600 + 60, blocking=True)  # supine since 14 h, 14 mA still on
    window.show_view("patient")
    window.refresh_views()
    rec = window.device_views["patient"].extra["threshold_recorder"]
    rec.window_ = window
    return rec


def _step_until(rec, stop) -> float:
    for _ in range(200):
        if stop(rec.feel()):
            return rec.amplitude_ma()
        assert rec.step_up()
    raise AssertionError("never reached")


def test_the_model_thresholds_are_the_hand_worked_ones(recorder):
    feel = recorder.feel()
    assert recorder.sim.devices["patient"].snapshot().posture == "supine"
    assert feel.perception_threshold_ma == pytest.approx(PT_MA, rel=1e-4)
    assert feel.discomfort_threshold_ma == pytest.approx(DT_MA, rel=1e-4)


def test_record_perception_and_discomfort_by_asking_then_set_the_range(recorder):
    rec = recorder
    sim = rec.sim
    assert rec.program_name() == "trial"
    assert rec.start_at_zero()
    assert rec.amplitude_ma() == 0.0
    assert "Patient at 0 mA: nothing" in rec.answer.text()
    rec.step.setCurrentIndex(1)  # +0.5 mA
    felt = _step_until(rec, lambda f: f.strength != "nothing")
    assert felt == 6.5  # first multiple of 0.5 above PT 6.32 (hand-worked)
    assert "I feel it" in rec.answer.text() and "low back" in rec.answer.text()
    n_reports = sum(1 for r in sim.recorder.events if r.kind == K.PATIENT_REPORT)
    assert rec.ask()
    assert sum(1 for r in sim.recorder.events if r.kind == K.PATIENT_REPORT) == n_reports + 1  # the patient answered
    assert rec.record("perception")
    # one step below it the patient felt nothing: the recorded value is within one step of the model's PT
    snap_pt = next(f for f in sim.devices["patient"].snapshot().programs if f.program == "trial").perception_threshold_ma
    assert math.ceil(snap_pt / 0.5) * 0.5 == 6.5
    uncomfortable = _step_until(rec, lambda f: f.uncomfortable)
    assert uncomfortable == 11.0  # first multiple of 0.5 above DT 10.75
    assert "uncomfortable" in rec.answer.text()
    assert rec.record("max_tolerable")
    assert rec.set_range()
    prog = sim.devices["trial"].snapshot().programs["trial"]
    assert (prog.perception_threshold_ma, prog.max_tolerable_ma) == (6.5, 11.0)
    assert (prog.patient_min_ma, prog.patient_max_ma) == (6.5, 11.0)
    assert "perception 6.5 mA, discomfort (max tolerable) 11 mA" in rec.recorded.text()
    assert "Remote range 6.5 mA to 11 mA" in rec.recorded.text()
    # every change went through the stimulator's own actions (and so into the session log)
    kinds = [r.kind for r in sim.recorder.events if r.device == "trial"]
    assert kinds.count(K.PROGRAM_THRESHOLD_RECORDED) == 2 and kinds.count(K.PATIENT_LIMITS) == 1
    logged = [e.action for e in rec.window_.runner.session.entries]
    assert logged.count("record_threshold") == 2 and logged.count("set_patient_limits") == 1 and "set_amplitude" in logged


def test_small_steps_find_perception_within_a_tenth(recorder):
    rec = recorder
    assert rec.start_at_zero()
    rec.step.setCurrentIndex(0)  # +0.1 mA
    felt = _step_until(rec, lambda f: f.strength != "nothing")
    assert felt == pytest.approx(6.4)  # first multiple of 0.1 above 6.3216
    # the patient's own answers: nothing at 6.3, felt at 6.4 (the model's snapshot agrees)
    pt = rec.feel().perception_threshold_ma
    assert felt - 0.1 < pt <= felt


def test_the_range_needs_both_thresholds(recorder, no_dialogs):
    assert not recorder.set_range()
    assert "Record the perception threshold and the discomfort first" in no_dialogs.texts()
