"""Catheter faults on the patient's side and the work-up tests that find them. APPROXIMATION FOR TEACHING.

A fault changes what reaches the CSF, never what the pump believes it delivers (the pump's
reservoir logic stays blind, as in reality). Each state splits the drug leaving the pump into
(to CSF, into tissue, held back) fractions (domain/patient.md B5):

| state | CSF | tissue | held back | found by |
|---|---|---|---|---|
| patent, csf_leak, kink_open | 1 | 0 | 0 | (leak: contrast along the catheter, headache) |
| occlusion, kink_closed | 0 | 0 | 1 | port will not aspirate; drug left at refill |
| disconnection | 0 | 1 | 0 | no CSF from the port; contrast in tissue |
| migration | m | 1 - m | 0 | no CSF from the port; contrast outside the thecal sac |
| mass | k | 1 - k | 0 | MRI; contrast: filling defect at the tip |

m and k are profile settings ([?] defaults 0.1, 0.3).
"""
from __future__ import annotations

from dataclasses import dataclass

from simulator.patient.it_profile import CatheterModel

STATES = ("patent", "occlusion", "kink_open", "kink_closed", "disconnection", "migration", "csf_leak", "mass")
FAULTS = ("occlusion", "kink", "disconnection", "migration", "csf_leak", "mass")


@dataclass(frozen=True)
class Split:
    to_csf: float
    to_tissue: float
    retained: float


def split_for(state: str, model: CatheterModel) -> Split:
    """(to CSF, into tissue, held back) of a catheter state."""
    if state in ("patent", "csf_leak", "kink_open"):
        return Split(1.0, 0.0, 0.0)
    if state in ("occlusion", "kink_closed"):
        return Split(0.0, 0.0, 1.0)
    if state == "disconnection":
        return Split(0.0, 1.0, 0.0)
    if state == "migration":
        return Split(model.migration_csf_fraction, 1.0 - model.migration_csf_fraction, 0.0)
    if state == "mass":
        return Split(model.mass_csf_fraction, 1.0 - model.mass_csf_fraction, 0.0)
    raise ValueError(f"unknown catheter state {state!r}; allowed: {', '.join(STATES)}")


def cap_aspiration(state: str) -> tuple[str, str, dict]:
    """Catheter access port aspiration (2-3 mL slowly): result code, words, findings."""
    if state in ("occlusion", "kink_closed"):
        return "no_aspirate", "cannot aspirate: resistance, no fluid returns (catheter occluded or kinked)", {"csf_ml": 0.0}
    if state in ("disconnection", "migration"):
        return "no_csf", "no CSF returns (fluid or air only): the tip is not in the intrathecal space or the catheter is disconnected", {"csf_ml": 0.0}
    if state == "mass":
        return "csf_slow", "CSF aspirated, slowly (flow past the tip is hindered)", {"csf_ml": 1.0}
    return "csf_aspirated", "clear CSF aspirated freely (the catheter lumen reaches the CSF)", {"csf_ml": 2.0}


def contrast_study(state: str) -> tuple[str, str, dict]:
    """Contrast (1-2 mL) through the port after aspiration, under fluoroscopy / CT."""
    table = {
        "patent": ("patent", "contrast flows freely into the intrathecal space"),
        "kink_open": ("patent", "contrast flows into the intrathecal space (a kink may close at other times: check the catheter's course)"),
        "kink_closed": ("blocked", "contrast does not pass: the catheter is blocked along its course (kink)"),
        "occlusion": ("blocked", "contrast cannot be injected: the catheter is occluded"),
        "csf_leak": ("leak", "contrast flows intrathecally and tracks back along the catheter out of the dura (CSF leak)"),
        "disconnection": ("disconnection", "contrast pools in the tissue at the connection: the catheter is disconnected"),
        "migration": ("migration", "contrast spreads outside the thecal sac: the tip has migrated"),
        "mass": ("mass", "contrast shows a filling defect around the catheter tip (mass; confirm by MRI)"),
    }
    code, text = table[state]
    return code, text, {}


def mri(state: str) -> tuple[str, str, dict]:
    """MRI of the catheter tip region."""
    if state == "mass":
        return "mass", "an enhancing mass surrounds the catheter tip (inflammatory mass)", {}
    return "no_mass", "no mass at the catheter tip", {}


def refill_discrepancy(expected_ml: float, pump_aspirate_ml: float, held_back_ml: float, tolerance_ml: float, tolerance_pct: float,
                       when: str = "refill") -> tuple[str, str, dict]:
    """The refill check with the volume a blocked catheter held back in the reservoir: the aspirate
    is the pump's figure plus that volume; flagged beyond max(tolerance mL, tolerance % of expected)."""
    tol = max(tolerance_ml, tolerance_pct / 100.0 * expected_ml)
    aspirated = pump_aspirate_ml + held_back_ml
    disc = aspirated - expected_ml
    flagged = abs(disc) > tol
    head = (f"refill: {aspirated:.1f} mL aspirated where {expected_ml:.1f} mL were expected" if when == "refill"
            else f"an aspiration now would return {aspirated:.1f} mL where the pump expects {expected_ml:.1f} mL")
    text = f"{head} ({disc:+.1f} mL, tolerance {tol:.1f} mL)" + ("; drug is not leaving the pump: suspect a catheter occlusion or kink" if flagged and disc > 0 else "")
    code = ("more_than_expected" if disc > 0 else "less_than_expected") if flagged else "within_tolerance"
    return code, text, {"expected_residual_ml": expected_ml, "aspirated_ml": aspirated, "discrepancy_ml": disc, "tolerance_ml": tol,
                        "held_back_ml": held_back_ml}
