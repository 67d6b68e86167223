"""Per-contact impedance: spread at implant, slow seeded drift, injected faults, check flags.

Z_i(t) = Z0_i x exp(g_i x t / 1 year), with Z0_i = nominal x exp(spread x N(0,1)) unless given
and g_i ~ N(drift mean, drift sd), drawn once from the device's Generator (deterministic per
seed). An injected fault overrides a contact: open -> the profile's open-fault ohm, short ->
its short-fault ohm. A check flags 'open' above, 'short' below the profile's thresholds.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.scs.program import CASE

if TYPE_CHECKING:
    from simulator.scs.profile import ImpedanceSpec

SECONDS_PER_YEAR = 365.0 * 86400.0


class ImpedanceModel:
    def __init__(self, spec: ImpedanceSpec, labels: list[str], rng: np.random.Generator,
                 initial_ohm: dict[str, float] | None = None, faults: dict[str, str] | None = None, drift: bool = True,
                 drift_per_year: dict[str, float] | None = None):
        self.spec = spec
        self.labels = list(labels)
        initial_ohm = initial_ohm or {}
        spread = rng.standard_normal(len(self.labels))
        growth = rng.standard_normal(len(self.labels))
        self.base_ohm = {k: float(initial_ohm.get(k, spec.nominal_ohm * math.exp(spec.spread_fraction * z))) for k, z in zip(self.labels, spread)}
        self.growth_per_year = {k: (spec.drift_per_year_mean + spec.drift_per_year_sd * g) if drift else 0.0 for k, g in zip(self.labels, growth)}
        self.growth_per_year.update({k: float(v) for k, v in (drift_per_year or {}).items()})
        self.faults: dict[str, str] = dict(faults or {})

    def ohm_at(self, t_s: float) -> dict[str, float]:
        """Contact label -> impedance (ohm) at time t_s, faults included; the case too."""
        out = {}
        for k in self.labels:
            fault = self.faults.get(k)
            if fault == "open":
                out[k] = self.spec.open_fault_ohm
            elif fault == "short":
                out[k] = self.spec.short_fault_ohm
            else:
                out[k] = self.base_ohm[k] * math.exp(self.growth_per_year[k] * t_s / SECONDS_PER_YEAR)
        out[CASE] = self.spec.case_ohm
        return out

    def is_static(self) -> bool:
        """True when no contact drifts (every growth rate 0.0): `ohm_at` and `tissue_fractions` then
        give the same floats at every time (x exp(0) = x exactly)."""
        return not any(self.growth_per_year.values())

    def tissue_fractions(self, t_s: float) -> dict[str, float]:
        """Shorted contact -> fraction of its current that still reaches tissue (others: 1, not listed).

        Labelled simple model [?]: a short is a path of the profile's short-fault ohm in parallel with
        the contact's tissue impedance (its drifted value without the fault); the current divides by
        conductance, so the tissue gets R_short / (R_short + Z_tissue) of it and the rest is lost
        through the short (20 ohm against 525 ohm: 3.7 % reaches tissue).
        """
        out = {}
        r = self.spec.short_fault_ohm
        for k, fault in self.faults.items():
            if fault == "short" and k in self.base_ohm:
                z = self.base_ohm[k] * math.exp(self.growth_per_year[k] * t_s / SECONDS_PER_YEAR)
                out[k] = r / (r + z)
        return out

    def inject(self, contact: str, fault: str) -> None:
        if fault == "none":
            self.faults.pop(contact, None)
        else:
            self.faults[contact] = fault

    def flag(self, ohm: float) -> str | None:
        if ohm > self.spec.open_threshold_ohm:
            return "open"
        if ohm < self.spec.short_threshold_ohm:
            return "short"
        return None

    def table(self, t_s: float) -> list[dict[str, Any]]:
        """Rows {contact, ohm, flag ('open'|'short'|None), ok} for every lead contact (not the case)."""
        z = self.ohm_at(t_s)
        rows = []
        for k in self.labels:
            flag = self.flag(z[k])
            rows.append({"contact": k, "ohm": round(z[k], 1), "flag": flag, "ok": flag is None})
        return rows

    def faulty(self, t_s: float) -> dict[str, str]:
        return {r["contact"]: r["flag"] for r in self.table(t_s) if r["flag"]}
