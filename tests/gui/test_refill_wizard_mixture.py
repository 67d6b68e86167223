"""The refill wizard with a mixture (issue 19): a second drug (admixture) added or kept at a refill,
each drug's daily dose and the pump's check findings in the review, the pump snapshot after it.

Peristaltic 20 mL pump, morphine 10 mg/mL at 5 mg/day -> 5 / 10 = 0.5 mL/day of fluid.
Every figure is worked by hand in the comments."""
from __future__ import annotations

import pytest

from simulator.engine import Simulation
from simulator.scenario import scenario_from_dict

DAY_S = 86400.0


def _sim(admixture=None):
    settings = {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 20, "low_reservoir_threshold_ml": 2,
                "mode": {"type": "continuous", "dose_mg_per_day": 5}}
    if admixture is not None:
        settings["admixture"] = admixture
    return Simulation(scenario_from_dict({
        "name": "mixture refill", "seed": 0, "start": "2026-01-05T08:00:00", "duration": "60d",
        "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": settings}],
    }))


def _wizard_at_day_10(make_window, sim):
    window = make_window(sim)
    window.runner.jump_to(10 * DAY_S, blocking=True)
    return window.device_views["pump"].extra["programmer"].open_refill_wizard()


def test_adding_bupivacaine_through_the_wizard(qtbot, make_window, no_dialogs):
    sim = _sim()
    wizard = _wizard_at_day_10(make_window, sim)
    try:
        assert not wizard.mix_check.isChecked()  # a one-drug pump: no admixture until the user adds one
        wizard.next()
        wizard.fill.setValue(18.0)
        wizard.mix_check.setChecked(True)
        wizard.mix_drug_combo.setCurrentIndex(wizard.mix_drug_combo.findData("drug/bupivacaine"))
        assert wizard.mix_concentration.unit == "mg/mL"  # bupivacaine is dosed in mg
        wizard.grab().save("/tmp/wizard_mixture_fill.png")
        wizard.mix_concentration.setValue(5.0)
        wizard.next()
        wizard.next()
        text = wizard.summary.text()
        # 0.5 mL/day x 10 mg/mL = 5 mg/day morphine; 0.5 mL/day x 5 mg/mL = 2.5 mg/day bupivacaine
        assert "morphine 5 mg/day; bupivacaine 2.5 mg/day" in text
        # bupivacaine 5 mg/mL <= 30 mg/mL maximum, 2.5 <= 20 mg/day maximum: no findings
        assert "Checks: no findings" in text
        assert wizard.params()["admixture"] == {"drug": "drug/bupivacaine", "concentration_mg_per_ml": 5.0}
        wizard.grab().save("/tmp/wizard_mixture.png")
        wizard.accept()
        assert wizard.result_payload is not None
    finally:
        wizard.close()
        wizard.deleteLater()
    snap = sim.devices["pump"].snapshot()
    assert snap.admixture is not None and snap.admixture.drug_name == "bupivacaine"
    assert snap.admixture.concentration_per_ml == pytest.approx(5.0)
    assert snap.admixture.programmed_daily_dose == pytest.approx(2.5)
    assert snap.programmed_daily_dose == pytest.approx(5.0)
    assert not no_dialogs.shown


def test_too_strong_admixture_shows_both_findings_and_is_sent_only_when_confirmed(qtbot, make_window, no_dialogs):
    sim = _sim()
    wizard = _wizard_at_day_10(make_window, sim)
    try:
        wizard.next()
        wizard.fill.setValue(18.0)
        wizard.mix_check.setChecked(True)
        wizard.mix_drug_combo.setCurrentIndex(wizard.mix_drug_combo.findData("drug/bupivacaine"))
        wizard.mix_concentration.setValue(50.0)
        wizard.next()
        wizard.next()
        text = wizard.summary.text()
        # 0.5 mL/day x 50 mg/mL = 25 mg/day bupivacaine > 20 mg/day; 50 mg/mL > 30 mg/mL
        assert "bupivacaine 25 mg/day" in text
        warns = [line for line in text.splitlines() if line.strip().startswith("warn:")]
        assert len(warns) == 2
        no_dialogs.answers.append(False)  # the user declines the warnings: nothing is sent
        wizard.accept()
        assert wizard.result_payload is None
    finally:
        wizard.close()
        wizard.deleteLater()
    assert sim.devices["pump"].snapshot().admixture is None


def test_a_mixture_pump_keeps_its_admixture_and_the_new_concentration_is_sent(qtbot, make_window, no_dialogs):
    sim = _sim({"drug": "drug/bupivacaine", "concentration_mg_per_ml": 5})
    wizard = _wizard_at_day_10(make_window, sim)
    try:
        assert wizard.mix_check.isChecked() and not wizard.mix_check.isEnabled()
        assert wizard.mix_drug_combo.currentData() == "drug/bupivacaine"
        assert wizard.mix_concentration.value() == pytest.approx(5.0)
        wizard.next()
        wizard.fill.setValue(18.0)
        wizard.mix_concentration.setValue(8.0)
        wizard.next()
        wizard.next()
        # 0.5 mL/day x 8 mg/mL = 4 mg/day bupivacaine
        assert "morphine 5 mg/day; bupivacaine 4 mg/day" in wizard.summary.text()
        wizard.accept()
        assert wizard.result_payload is not None
    finally:
        wizard.close()
        wizard.deleteLater()
    snap = sim.devices["pump"].snapshot()
    assert snap.admixture.concentration_per_ml == pytest.approx(8.0)
    assert snap.admixture.programmed_daily_dose == pytest.approx(4.0)
