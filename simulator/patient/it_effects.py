"""Effects of intrathecal drugs: Emax relations, combined signs, pain and tone. APPROXIMATION FOR TEACHING.

E = emax x D^h / (EC50^h + D^h) (domain/patient.md B7: the caesarean plateau [L: Anesthesiology
90:437]); the driver D is a compartment of `simulator.patient.csf` chosen per effect (effect-site,
rostral, above-habituation or slow). Signs of several drugs combine as independent actions:
1 - prod(1 - E_i). Pain NRS = baseline x (1 - analgesia); modified Ashworth =
baseline x (1 - antispasticity) (B7).
"""
from __future__ import annotations

import numpy as np

from simulator.patient.csf import CE, CR, LAG, S, T, H
from simulator.patient.it_profile import DrugResponse, EffectSpec, WithdrawalSpec


def emax(conc_per_ml, ec50_per_ml, emax_value: float = 1.0, hill: float = 1.0):
    """emax x C^h / (EC50^h + C^h); C may be an array; C <= 0 gives 0."""
    c = np.maximum(np.asarray(conc_per_ml, float), 0.0)
    ch = c ** hill
    return emax_value * ch / (np.asarray(ec50_per_ml, float) ** hill + ch)


def driver_values(spec: EffectSpec, x: np.ndarray, systemic_per_ml_per_unit: float = 0.0) -> np.ndarray:
    """The driver concentration of an effect from states x (rows = times, or one state). The rostral
    driver adds the systemic amount as an intrathecal-equivalent concentration (S x the factor
    1 / (systemic_ratio x V)): blood reaches the brainstem without the CSF's rostral lag."""
    x = np.atleast_2d(x)
    if spec.driver == "effect":
        return x[:, CE]
    if spec.driver == "rostral":
        return x[:, CR] + x[:, S] * systemic_per_ml_per_unit
    if spec.driver == "fading":
        return np.maximum(x[:, CE] - x[:, H], 0.0)
    return x[:, T]


def effect_values(resp: DrugResponse, spec: EffectSpec, x: np.ndarray) -> np.ndarray:
    """Index 0..1 of one effect of one drug at states x (rows)."""
    x = np.atleast_2d(x)
    ec50 = spec.ec50_per_ml + (resp.tolerance_gain * x[:, T] if spec.tolerant else 0.0)
    return emax(driver_values(spec, x, 1.0 / (resp.systemic_ratio * resp.volume_ml)), ec50, spec.emax, spec.hill)


def withdrawal_values(spec: WithdrawalSpec, x: np.ndarray) -> np.ndarray:
    """Withdrawal index w = max(0, 1 - L / T) where T >= dependence_min_per_ml, else 0."""
    x = np.atleast_2d(x)
    t, lag = x[:, T], x[:, LAG]
    w = np.where(t >= spec.dependence_min_per_ml, 1.0 - lag / np.maximum(t, 1e-300), 0.0)
    return np.clip(w, 0.0, 1.0)


def combine(values: list[np.ndarray]) -> np.ndarray:
    """Independent action: 1 - prod(1 - E_i) (0 with no values)."""
    if not values:
        return np.zeros(1)
    out = np.ones_like(values[0])
    for v in values:
        out = out * (1.0 - v)
    return 1.0 - out


def stage_of(spec: WithdrawalSpec, w: float) -> str:
    if w >= spec.severe:
        return "severe"
    if w >= spec.moderate:
        return "moderate"
    if w >= spec.mild:
        return "mild"
    return "none"


ASHWORTH_STEPS = ((0.0, "0"), (1.0, "1"), (1.5, "1+"), (2.0, "2"), (3.0, "3"), (4.0, "4"))


def ashworth_grade(score: float) -> str:
    """The modified Ashworth grade nearest a model score (0, 1, 1+ = 1.5, 2, 3, 4) [L: Bohannon & Smith 1987]."""
    return min(ASHWORTH_STEPS, key=lambda step: abs(step[0] - score))[1]


#: what the nurse observes per sign and grade (words for the events; B3, B4 of domain/patient.md)
SIGN_TEXT = {
    "sedation": "drowsy", "respiratory_depression": "slow, shallow breathing (watch SpO2, respiratory rate; naloxone ready for opioids)",
    "pruritus": "itching", "nausea": "nausea", "hypotension": "low blood pressure", "motor_block": "leg weakness (motor block)",
    "neuropsychiatric": "confusion, memory trouble or hallucinations", "headache": "headache, worse upright (CSF leak)",
    "deficit": "new weakness or numbness below the catheter tip (mass at the tip)",
}
WITHDRAWAL_SIGNS = {
    "baclofen": {
        "mild": ["spasticity back", "tachycardia", "goose-flesh", "itching without rash"],
        "moderate": ["rising spasticity and spasms", "fever", "labile blood pressure"],
        "severe": ["high fever", "stupor", "rigidity; rhabdomyolysis and organ failure can follow (emergency)"],
    },
    "opioid": {
        "mild": ["pain rising", "anxiety", "yawning, sweating"],
        "moderate": ["allodynia", "fever", "diarrhoea, tachycardia"],
        "severe": ["severe pain", "agitation", "hypertension"],
    },
    "clonidine": {
        "mild": ["agitation", "tremor"],
        "moderate": ["rebound hypertension", "headache"],
        "severe": ["hypertensive surge (emergency)"],
    },
}
