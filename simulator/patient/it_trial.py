"""Assessing an intrathecal trial or baclofen screening bolus: APPROXIMATION FOR TEACHING.

Pure: from the signals over the observation (closed form on a grid), the best pain score and tone.
A trial is positive at >= 50 % relief [?] (`conversions.trial_response`), with the starting morphine
infusion from `conversions.starting_infusion_from_trial`; a baclofen screening bolus is positive
with a fall of at least one Ashworth point [?] ("a clear fall in tone" [L: label]).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from simulator.patient.conversions import starting_infusion_from_trial, trial_response

HOUR_S = 3600.0
ASHWORTH_FALL_POSITIVE = 1.0  # [?] points


def assess(drug: str, dose: float, unit: str, times_s: np.ndarray, signals: dict[str, np.ndarray], baseline_nrs: float,
           baseline_ashworth: float | None, before: dict[str, float | None], opioid_tolerant: bool) -> tuple[str, str, dict[str, Any]]:
    """(result code, words, findings) of a trial started at times_s[0]."""
    best_nrs = baseline_nrs * (1.0 - float(signals["analgesia"].max()))
    i_best = int(np.argmax(signals["analgesia"] + signals["antispasticity"]))
    findings: dict[str, Any] = {"drug": drug, "dose": dose, "unit": unit, "nrs_before": before["nrs"], "best_nrs": best_nrs,
                                "best_at_h": float(times_s[i_best] - times_s[0]) / HOUR_S}
    if drug == "baclofen" and baseline_ashworth is not None:
        best_mas = baseline_ashworth * (1.0 - float(signals["antispasticity"].max()))
        fall = float(before["ashworth"] or 0.0) - best_mas
        positive = fall >= ASHWORTH_FALL_POSITIVE
        findings.update({"ashworth_before": before["ashworth"], "best_ashworth": best_mas, "ashworth_fall": fall})
        text = (f"screening {dose:g} {unit}: Ashworth {float(before['ashworth'] or 0.0):.1f} -> {best_mas:.1f} at {findings['best_at_h']:.1f} h: "
                + ("positive (a clear fall in tone)" if positive else "not positive; next screening dose after 24 h"))
        return ("positive" if positive else "negative"), text, findings
    resp = trial_response(max(float(before["nrs"] or 0.0), 1e-9), min(10.0, best_nrs))
    positive = bool(resp["positive"])
    findings["relief_pct"] = resp["relief_pct"]
    text = (f"trial {dose:g} {unit} {drug}: pain {float(before['nrs'] or 0.0):.1f} -> {best_nrs:.1f} "
            f"({findings['relief_pct']:.0f} % relief): " + ("positive" if positive else "not positive"))
    if drug == "morphine" and positive:
        findings["starting_mg_per_day"] = starting_infusion_from_trial(dose, opioid_tolerant).value
        text += f"; starting infusion {findings['starting_mg_per_day']:g} mg/day (a starting convention)"
    return ("positive" if positive else "negative"), text, findings
