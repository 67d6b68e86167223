"""The intrathecal trial bolus dialog of the patient tab (issue 19): the patient's `trial_bolus`
action sent from the app, the assessment shown after the observation from the `patient.workup` event.

Worked by hand (as in tests/patient/test_intrathecal_scenarios.py, the same scenario): morphine
0.3 mg by lumbar puncture into 42 mL CSF = 0.0071429 mg/mL; a = 0.34 / 42 = 0.0080952 /min,
e = 0.1 /min: effect-site peak 0.0071429 x 0.080952^(0.0080952 / 0.091905) = 0.0057240 mg/mL;
E = 0.9 x 0.0057240 / (0.004 + 0.0057240) = 0.52978; NRS 8 x (1 - 0.52978) = 3.7618: 53 % relief,
positive; the tolerant patient's start 0.3 x 0.5 = 0.15 mg/day is raised to the tolerant floor 1 mg/day.
Given at 1 h with a 6 h observation: assessed at 7 h."""
from __future__ import annotations

import pytest

from simulator.engine import Simulation
from simulator.event_kinds import K
from simulator.profiles.registry import default_registry
from simulator.scenario import scenario_from_dict

H = 3600.0


def _window(make_window):
    data = {
        "name": "trial", "seed": 4, "duration": "1d",
        "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml",
                     "settings": {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 20, "mode": {"type": "stopped"}}}],
        "patient": {"profile": "patient/it-cancer-pain-morphine", "pump": "pump", "settings": {"start_steady": False}},
    }
    registry = default_registry()
    sim = Simulation(scenario_from_dict(data, registry), registry=registry)
    return make_window(sim, registry)


def test_trial_bolus_from_the_patient_tab_shows_the_assessment_after_the_observation(make_window, qtbot, no_dialogs):
    window = _window(make_window)
    sim = window.runner.sim
    window.runner.jump_to(1 * H, blocking=True)
    view = window.device_views["patient"].extra["it_patient_view"]
    dialog = view.open_trial_dialog()
    try:
        dialog.drug_combo.setCurrentText("morphine")
        assert dialog.dose.value() == pytest.approx(0.1)  # the opioid-naive low end of 0.1-0.5 mg offered first
        dialog.dose.setValue(0.3)
        assert dialog.observe.value() == pytest.approx(6.0)  # TrialBolus default
        assert dialog.give()
        assert no_dialogs.shown == []
        assert "assessment at 0d 07:00:00" in dialog.status.text()
        assert dialog.result_label.text() == ""  # nothing yet: the observation runs
        window.runner.jump_to(6 * H, blocking=True)
        window.refresh_views()
        assert dialog.result_record is None
        window.runner.jump_to(7 * H + 60.0, blocking=True)
        window.refresh_views()
        rec = dialog.result_record
        assert rec is not None and rec.kind == K.PATIENT_WORKUP and rec.t_s == pytest.approx(7 * H)
        f = rec.payload["findings"]
        assert f["best_nrs"] == pytest.approx(3.7618, abs=2e-3)
        assert rec.payload["result"] == "positive" and f["starting_mg_per_day"] == pytest.approx(1.0)
        assert dialog.result_label.text().startswith("Result (positive):")
        # the same result is the newest work-up row of the patient panel
        assert any(r is rec for r in view.panel.records())
        # the action went through the patient's action path
        assert any(e.kind == K.ACTION and e.device == "patient" and e.t_s == pytest.approx(1 * H) for e in sim.recorder.events)
    finally:
        dialog.close()


def test_a_drug_the_profile_does_not_know_is_refused(make_window, qtbot, no_dialogs):
    window = _window(make_window)
    view = window.device_views["patient"].extra["it_patient_view"]
    dialog = view.open_trial_dialog()
    try:
        dialog.drug_combo.addItem("ziconotide")  # not a drug of this profile
        dialog.drug_combo.setCurrentText("ziconotide")
        dialog.dose.setValue(1.0)
        assert not dialog.give()
        assert "no response to ziconotide" in no_dialogs.shown[-1][1]
        assert dialog.given_t_s is None
    finally:
        dialog.close()
