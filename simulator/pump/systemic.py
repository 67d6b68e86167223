"""Systemic equivalents of an intrathecal dose, to put a pocket fill in proportion.

A pocket fill puts drug under the skin (a systemic, subcutaneous/parenteral dose), while the pump
program is an intrathecal dose: the two differ in potency by about two orders of magnitude, so the
subcutaneous amount must not be compared with the intrathecal daily dose directly. This module
converts the intrathecal daily dose to its parenteral equivalent with a named conversion, and
says so when no conversion is known for a drug (no comparison is then made).

Conversion factors (parenteral amount per intrathecal amount), each with its source tag:
- morphine 100 [?]: the commonly quoted equianalgesic chain oral 300 : parenteral 100 : epidural
  10 : intrathecal 1 (an approximation; individual patients differ widely);
- hydromorphone 100 [?]: the same 1:100 intrathecal:parenteral ratio, assumed.
Other drugs have no conversion here.
"""
from __future__ import annotations

from typing import Any

PARENTERAL_PER_INTRATHECAL: dict[str, tuple[float, str]] = {
    "morphine": (100.0, "intrathecal:parenteral 1:100 (the commonly quoted oral 300 : parenteral 100 : epidural 10 : intrathecal 1 morphine conversion) [?]"),
    "hydromorphone": (100.0, "intrathecal:parenteral 1:100 (assumed the same as for morphine) [?]"),
}


def pocket_fill_comparison(drug_short_name: str, drug_name: str, unit: str, pocket_amount: float, intrathecal_daily_dose: float) -> dict[str, Any]:
    """Payload fields and a sentence comparing a pocket-fill amount with the program, in systemic terms.

    Returns `conversion` (text or None), `intrathecal_daily_systemic_equivalent` (drug unit/day or
    None), `times_daily_systemic_equivalent` (pocket amount / that equivalent, or None) and
    `sentence`. Example: 60 mg morphine in the pocket, 2 mg/day intrathecal -> 2 x 100 = 200 mg/day
    parenteral equivalent -> 0.3 x a day's systemic equivalent, given at once."""
    conv = PARENTERAL_PER_INTRATHECAL.get(drug_short_name)
    if conv is None or intrathecal_daily_dose <= 0:
        why = f"no intrathecal-to-systemic conversion is known here for {drug_name}" if conv is None else "no intrathecal program is running"
        return {"conversion": None, "intrathecal_daily_systemic_equivalent": None, "times_daily_systemic_equivalent": None,
                "sentence": f"{why}, so it is not compared with the intrathecal daily dose (intrathecal and systemic potencies differ by about two orders of magnitude)"}
    factor, text = conv
    equivalent = intrathecal_daily_dose * factor
    times = pocket_amount / equivalent
    sentence = (f"the programmed {intrathecal_daily_dose:.4g} {unit}/day intrathecal is about {equivalent:.4g} {unit}/day given systemically "
                f"by the {text} conversion, so the pocket holds {times:.2g} x a day's systemic equivalent, absorbed at once")
    return {"conversion": text, "intrathecal_daily_systemic_equivalent": equivalent, "times_daily_systemic_equivalent": times, "sentence": sentence}
