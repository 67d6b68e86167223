"""Opioid conversions, the intrathecal trial and starting doses, baclofen screening and titration.

Pure functions: APPROXIMATION FOR TEACHING. Every ratio here is a STARTING CONVENTION, not an
equivalence: individual ratios vary widely (oral:intrathecal morphine from 10:1 to 125:1 in eight
patients, stable after 2-14 days [L: JJSPC 30:189]; 300:1, 90:1 and 12:1 reported elsewhere
[L: Krames; PubMed 15055516]). Facts from domain/patient.md B1 and B2:

- morphine oral : IV : epidural : intrathecal = 300 : 100 : 10 : 1 [L: OpenAnesthesia; J Pain Res
  9:693 survey]; the 300:1 oral:IT end is the cautious start (the lowest intrathecal dose);
- intrathecal hydromorphone is about 5x intrathecal morphine (default 5:1 [?]; range 1.7:1 [D from
  FPnotebook and OpenAnesthesia] to 6:1 [ANK]); 1 mg IV hydromorphone = 0.04 mg IT [L: OpenAnesthesia];
- intrathecal morphine daily dose: naive 0.2-1 mg/day, tolerant 1-10, care above 20 [L: Infumorph label];
  single-shot trial with >= 6 h observation [L: PACC]; trial boluses morphine 0.1-0.5 mg,
  hydromorphone 0.025-0.1 mg [?];
- baclofen screening 50 mcg, watch 4-8 h; if not positive 75 mcg at 24 h, 100 mcg at 48 h [L: label];
  start at twice the effective screening dose per day (once if its effect lasted > 8 h); titrate
  +10-30 %/day (spinal origin), +5-15 %/day (cerebral); maintenance 300-800 mcg/day spinal,
  90-703 cerebral [L: Gablofen label].
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from simulator.errors import InputError, Issue
from simulator.patient import LABEL

CAUTION = ("a starting convention only: ratios between routes vary widely between patients (oral:intrathecal "
           "morphine 10:1 to 300:1); start low, observe, titrate")

#: morphine mg by route for the same effect as 1 mg intrathecal (the convention)
MORPHINE_ROUTE_FACTOR = {"oral": 300.0, "iv": 100.0, "epidural": 10.0, "intrathecal": 1.0}
#: the published range of each route's factor against intrathecal (low, high)
MORPHINE_ROUTE_RANGE = {"oral": (10.0, 300.0), "iv": (100.0, 100.0), "epidural": (10.0, 10.0), "intrathecal": (1.0, 1.0)}
HYDROMORPHONE_IT_RATIO = 5.0  # IT morphine : IT hydromorphone [?] default
HYDROMORPHONE_IT_RANGE = (1.7, 6.0)
HYDROMORPHONE_IV_TO_IT = 0.04  # mg IT per mg IV [L: OpenAnesthesia]
TRIAL_BOLUS_MG = {"morphine": (0.1, 0.5), "hydromorphone": (0.025, 0.1)}
IT_MORPHINE_DAILY_MG = {"naive": (0.2, 1.0), "tolerant": (1.0, 10.0)}
IT_MORPHINE_CARE_MG_PER_DAY = 20.0
TRIAL_OBSERVATION_H = 6.0
BACLOFEN_SCREENING_MCG = (50.0, 75.0, 100.0)
BACLOFEN_SCREENING_INTERVAL_H = 24.0
BACLOFEN_WATCH_H = (4.0, 8.0)
BACLOFEN_STEP_PCT = {"spinal": (10.0, 30.0), "cerebral": (5.0, 15.0)}
BACLOFEN_MAINTENANCE_MCG = {"spinal": (300.0, 800.0), "cerebral": (90.0, 703.0)}


@dataclass(frozen=True)
class Estimate:
    """A converted or suggested amount with its range (same unit) and the caution."""

    value: float
    low: float
    high: float
    unit: str
    note: str = CAUTION
    label: str = LABEL
    details: dict = field(default_factory=dict)


def _positive(name: str, value: float, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(Issue(name, "must be a number", value)) from None
    if not (v >= 0 if allow_zero else v > 0) or v != v or v == float("inf"):
        raise InputError(Issue(name, "must be a finite number " + (">= 0" if allow_zero else "> 0"), value))
    return v


def _choice(name: str, value: Any, allowed: Collection[Any]) -> Any:
    if value not in allowed:
        raise InputError(Issue(name, f"allowed: {', '.join(f'{a:g}' if isinstance(a, float) else str(a) for a in allowed)}", value))
    return value


def morphine_conversion(dose_mg_per_day: float, from_route: str, to_route: str) -> Estimate:
    """Morphine mg/day by another route, by the 300:100:10:1 convention, with the published range.

    Example: 300 mg/day oral -> 300 / 300 x 1 = 1 mg/day intrathecal (range 300/300 = 1 to 300/10 = 30)."""
    dose = _positive("dose_mg_per_day", dose_mg_per_day)
    _choice("from_route", from_route, MORPHINE_ROUTE_FACTOR)
    _choice("to_route", to_route, MORPHINE_ROUTE_FACTOR)
    it = dose / MORPHINE_ROUTE_FACTOR[from_route]
    value = it * MORPHINE_ROUTE_FACTOR[to_route]
    low = high = value
    if "intrathecal" in (from_route, to_route) and from_route != to_route:
        # the published spread of the other route's factor against intrathecal
        other = to_route if from_route == "intrathecal" else from_route
        lo_f, hi_f = MORPHINE_ROUTE_RANGE[other]
        low, high = (dose / hi_f, dose / lo_f) if to_route == "intrathecal" else (dose * lo_f, dose * hi_f)
    return Estimate(value, min(low, value), max(high, value), "mg/day", details={"intrathecal_mg_per_day": it})


def hydromorphone_from_it_morphine(it_morphine_mg_per_day: float, ratio: float = HYDROMORPHONE_IT_RATIO) -> Estimate:
    """Intrathecal hydromorphone for an intrathecal morphine dose: morphine / ratio (default 5:1 [?]);
    range morphine / 6 to morphine / 1.7. Example: 5 mg/day -> 1 mg/day (0.833 to 2.94)."""
    m = _positive("it_morphine_mg_per_day", it_morphine_mg_per_day)
    r = _positive("ratio", ratio)
    lo_r, hi_r = HYDROMORPHONE_IT_RANGE
    if not (lo_r <= r <= hi_r):
        raise InputError(Issue("ratio", f"allowed {lo_r:g} to {hi_r:g} (IT morphine : IT hydromorphone)", ratio))
    return Estimate(m / r, m / hi_r, m / lo_r, "mg/day", details={"ratio": r})


def it_hydromorphone_from_iv(iv_hydromorphone_mg_per_day: float) -> Estimate:
    """Intrathecal hydromorphone from IV hydromorphone: 1 mg IV = 0.04 mg IT [L: OpenAnesthesia]."""
    d = _positive("iv_hydromorphone_mg_per_day", iv_hydromorphone_mg_per_day)
    v = d * HYDROMORPHONE_IV_TO_IT
    return Estimate(v, v, v, "mg/day")


def trial_bolus(drug: str, opioid_tolerant: bool) -> Estimate:
    """Single-shot intrathecal trial bolus: the low end for an opioid-naive patient, the high end for
    a tolerant one ([?] range morphine 0.1-0.5 mg, hydromorphone 0.025-0.1 mg); observe >= 6 h [L: PACC]."""
    _choice("drug", drug, TRIAL_BOLUS_MG)
    lo, hi = TRIAL_BOLUS_MG[drug]
    return Estimate(hi if opioid_tolerant else lo, lo, hi, "mg", details={"observe_h": TRIAL_OBSERVATION_H})


def trial_response(baseline_nrs: float, nrs_after: float, positive_relief_pct: float = 50.0) -> dict:
    """Relief of a trial: 1 - after / baseline; positive at >= 50 % [?]. Example: 8 -> 3: 62.5 %, positive."""
    b = _positive("baseline_nrs", baseline_nrs)
    a = _positive("nrs_after", nrs_after, allow_zero=True)
    if b > 10 or a > 10:
        raise InputError(Issue("nrs", "pain scores are 0-10", (baseline_nrs, nrs_after)))
    relief = 100.0 * (1.0 - a / b)
    return {"relief_pct": relief, "positive": relief >= positive_relief_pct, "rule": f">= {positive_relief_pct:g} % relief [?]", "label": LABEL}


def starting_infusion_from_trial(effective_bolus_mg: float, opioid_tolerant: bool, fraction: float = 0.5) -> Estimate:
    """Starting intrathecal morphine infusion (mg/day) from an effective trial bolus: bolus x fraction
    ([?] default one half), kept inside the naive (0.2-1) or tolerant (1-10) range [L: Infumorph label].
    Example: 0.3 mg naive -> 0.15, raised to the naive floor 0.2 mg/day."""
    b = _positive("effective_bolus_mg", effective_bolus_mg)
    f = _positive("fraction", fraction)
    if f > 2:
        raise InputError(Issue("fraction", "allowed up to 2 (bolus x fraction per day)", fraction))
    lo, hi = IT_MORPHINE_DAILY_MG["tolerant" if opioid_tolerant else "naive"]
    raw = b * f
    value = min(hi, max(lo, raw))
    return Estimate(value, lo, hi, "mg/day", details={"unclamped_mg_per_day": raw, "care_above_mg_per_day": IT_MORPHINE_CARE_MG_PER_DAY})


def baclofen_screening_plan() -> list[dict]:
    """The screening boluses: 50 mcg at 0 h, 75 at 24 h, 100 at 48 h, each watched 4-8 h [L: label]."""
    return [{"dose_mcg": d, "at_h": i * BACLOFEN_SCREENING_INTERVAL_H, "watch_h": BACLOFEN_WATCH_H} for i, d in enumerate(BACLOFEN_SCREENING_MCG)]


def next_screening_dose_mcg(previous_mcg: float, positive: bool) -> float | None:
    """After a screening bolus: None when positive (stop screening) or after 100 mcg; else the next step."""
    _choice("previous_mcg", float(previous_mcg), BACLOFEN_SCREENING_MCG)
    if positive:
        return None
    i = BACLOFEN_SCREENING_MCG.index(float(previous_mcg))
    return BACLOFEN_SCREENING_MCG[i + 1] if i + 1 < len(BACLOFEN_SCREENING_MCG) else None


def baclofen_starting_dose(effective_screening_mcg: float, effect_hours: float) -> Estimate:
    """Starting daily dose: twice the effective screening dose, or once when the effect lasted > 8 h
    [L: label]. Example: 50 mcg for 6 h -> 100 mcg/day; 100 mcg for 10 h -> 100 mcg/day."""
    d = _positive("effective_screening_mcg", effective_screening_mcg)
    h = _positive("effect_hours", effect_hours)
    v = d if h > 8.0 else 2.0 * d
    return Estimate(v, d, 2.0 * d, "mcg/day", note="label convention; watch for overdose (drowsiness, hypotonia, respiratory depression)")


def baclofen_titration(current_mcg_per_day: float, origin: str) -> Estimate:
    """Next day's dose range: + 10-30 % (spinal) or + 5-15 % (cerebral) [L: Gablofen label]; value the
    middle step. Example: 400 spinal -> 440 to 520, middle 480; 200 cerebral -> 210 to 230, middle 220."""
    d = _positive("current_mcg_per_day", current_mcg_per_day)
    _choice("origin", origin, BACLOFEN_STEP_PCT)
    lo, hi = BACLOFEN_STEP_PCT[origin]
    mid = 0.5 * (lo + hi)
    return Estimate(d * (1 + mid / 100), d * (1 + lo / 100), d * (1 + hi / 100), "mcg/day",
                    note=f"at most one step per 24 h; maintenance usually {BACLOFEN_MAINTENANCE_MCG[origin][0]:g}-{BACLOFEN_MAINTENANCE_MCG[origin][1]:g} mcg/day ({origin})",
                    details={"step_pct": (lo, hi), "maintenance_mcg_per_day": BACLOFEN_MAINTENANCE_MCG[origin]})
