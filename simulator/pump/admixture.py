"""Admixture: a second drug mixed into the reservoir fluid (one optional component of PumpDevice).

A mixture (e.g. morphine + bupivacaine) is one fluid: the pump moves one volume and every drug in
it follows with its own concentration, so this drug's dose is volume x its concentration
(drug unit per mL; dose_per_day = rate_ml_per_day x conc). The program stays in the primary
drug's dose (therapy.py); this drug's programmed daily dose is the programmed volume per day
(primary daily dose / primary concentration) x its concentration.

The dead volume carries this drug in a parallel queue (`DeadVolumeFifo`) that moves exactly the
volumes the primary queue moves, so after a refill with another admixture concentration the old
mixture still in the catheter reaches the patient first. Its own `Ledger` keeps the mass balance:
filled = delivered + in reservoir + in dead volume + aspirated + pocket (drug unit), exactly.
Only the amounts of that ledger are used (its volumes are the primary ledger's).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.device import Finding
from simulator.errors import InputError, Issue
from simulator.event_kinds import K
from simulator.pump import checks, dosing
from simulator.pump.drugs import DrugProfile, resolve_drug
from simulator.pump.reservoir import DeadVolumeFifo, Ledger, Reservoir, Segment, same_content
from simulator.pump.settings import AdmixtureSettings

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice


def resolve_admixture(registry: Any, adm: AdmixtureSettings, primary: DrugProfile, where: str = "admixture") -> tuple[DrugProfile, float]:
    """The admixture's drug profile and concentration (its drug unit per mL).

    Raises InputError naming `where`.drug (unknown drug, or the primary drug again) or
    `where`.concentration_<unit>_per_ml (the concentration given in the other unit)."""
    try:
        drug = resolve_drug(registry, adm.drug)
    except InputError as exc:
        raise InputError(Issue(f"{where}.drug", exc.issues[0].message, adm.drug)) from None
    if drug.short_name == primary.short_name:
        raise InputError(Issue(f"{where}.drug", f"the admixture must be a second drug, not the primary drug {primary.drug_name} again", adm.drug))
    try:
        conc = dosing.pick(adm, "concentration_{u}_per_ml", drug.unit, drug.drug_name)
    except dosing.UnitMismatch as exc:
        wrong = getattr(adm, exc.field, None)
        raise InputError(Issue(f"{where}.{exc.field}", str(exc), wrong)) from None
    return drug, conc


def admixture_daily_dose(primary_daily: float, primary_conc_per_ml: float, conc_per_ml: float) -> float:
    """Admixture dose per day (its unit/day) = programmed volume per day (mL/day) x its concentration."""
    if primary_conc_per_ml <= 0:
        return 0.0
    return dosing.dose_per_day_for_rate(dosing.rate_ml_per_day_for_dose(primary_daily, primary_conc_per_ml), conc_per_ml)


def admixture_findings(drug: DrugProfile, conc_per_ml: float, daily: float) -> list[Finding]:
    """Drug-library findings of the admixture: its maximum concentration and daily maximum."""
    out: list[Finding] = []
    if (f := checks.concentration_finding(drug, conc_per_ml)):
        out.append(f)
    if (f := checks.daily_max_finding(drug, daily, f"admixture {drug.drug_name} {conc_per_ml:g} {drug.unit}/mL")):
        out.append(f)
    return out


class Admixture:
    """The second drug: its profile, the concentration entered (`conc_prog`) and the one in the
    reservoir (`res_conc`, after mixing with a residual), both drug unit per mL; its dead-volume
    queue (`fifo`, mL) and ledger (drug unit)."""

    def __init__(self, dev: PumpDevice, drug: DrugProfile, conc_per_ml: float, res_conc_per_ml: float, primed: bool):
        self.dev = dev
        self.drug = drug
        self.conc_prog = conc_per_ml
        self.res_conc = res_conc_per_ml
        dead_ml = dev.dead_volume.volume_ml
        self.fifo = DeadVolumeFifo(dead_ml, drug.short_name if primed else None, conc_per_ml if primed else 0.0)
        self.ledger = Ledger()
        name = drug.short_name
        self.ledger.filled[name] += dosing.dose_in_volume(dev.flow.reservoir.volume_ml, res_conc_per_ml) + (self.fifo.amounts().get(name, 0.0))

    # ----- moving fluid (the same volumes as the primary dead volume) -----
    def pass_through(self, volume_ml: float) -> None:
        """`volume_ml` (mL) of the reservoir fluid enters the dead volume; what leaves the tip is
        delivered. Emits `dead_volume.admixture_tip_change` when this drug's content at the tip changes."""
        tip = self.fifo.tip
        before = (tip.drug, tip.conc_per_ml) if tip else (self.drug.short_name, self.res_conc)
        for seg in self.fifo.move(volume_ml, self.drug.short_name, self.res_conc):
            if seg.drug:
                self.ledger.delivered[seg.drug] += seg.amount
        tip = self.fifo.tip
        if tip is not None and not same_content(tip.drug, tip.conc_per_ml, *before):
            self.dev.emit(K.DEAD_VOLUME_ADMIXTURE_TIP_CHANGE, drug=tip.drug, concentration_per_ml=tip.conc_per_ml, unit=self.drug.unit)

    def volume_until_tip_changes(self) -> float | None:
        """Volume (mL) to move before this drug's content at the tip changes; None: never."""
        return self.fifo.volume_until_tip_changes(self.drug.short_name, self.res_conc)

    def mix(self, from_ml: float, to_ml: float) -> None:
        """The primary dead volume mixed over this zone (priming): mix this drug there too."""
        self.fifo.mix(from_ml, to_ml)

    def discharge(self, reservoir_ml: float) -> None:
        """MRI valves open: the dead volume and `reservoir_ml` (mL) of fluid go to the patient at once."""
        segments = list(self.fifo.segments)
        if reservoir_ml > 0:
            segments.append(Segment(reservoir_ml, self.drug.short_name, self.res_conc))
        else:
            segments = []
        for seg in segments:
            if seg.drug:
                self.ledger.delivered[seg.drug] += seg.amount
        if segments:
            self.fifo = DeadVolumeFifo(self.fifo.volume_ml, None, 0.0)

    def refill(self, aspirated_ml: float, left_ml: float, into_ml: float, fill_ml: float, pocket_ml: float, drug: DrugProfile, conc_per_ml: float) -> None:
        """A refill: `aspirated_ml` of the old fluid drawn out, `left_ml` stays, `fill_ml` injected
        of which `pocket_ml` into the pocket and `into_ml` into the reservoir, holding `drug` at
        `conc_per_ml`. The reservoir concentration becomes the volume-weighted mean when the drug
        is the same: (left x old + into x new) / (left + into)."""
        old = self.drug.short_name
        self.ledger.aspirated[old] += dosing.dose_in_volume(aspirated_ml, self.res_conc)
        self.ledger.filled[drug.short_name] += dosing.dose_in_volume(fill_ml, conc_per_ml)
        if pocket_ml > 0:
            self.ledger.pocket[drug.short_name] += dosing.dose_in_volume(pocket_ml, conc_per_ml)
        same = drug.short_name == old
        self.res_conc = dosing.mixed_concentration(left_ml, self.res_conc, into_ml, conc_per_ml) if (same and left_ml > 0) else conc_per_ml
        self.drug, self.conc_prog = drug, conc_per_ml
        self.dev.therapy.note_drug(drug)

    # ----- reading -----
    def programmed_daily_dose(self) -> float:
        """Programmed dose of this drug per day (its unit/day) at the concentration entered."""
        therapy = self.dev.therapy
        return admixture_daily_dose(therapy.daily_dose(), therapy.conc_prog, self.conc_prog)

    def current_rate_per_day(self) -> float:
        """This drug reaching the patient now (its unit per day): the flow x the concentration at the tip."""
        tip = self.fifo.tip
        name = self.drug.short_name
        if tip is None:
            conc = self.res_conc
        else:
            conc = tip.conc_per_ml if tip.drug == name else 0.0
        return dosing.dose_per_day_for_rate(self.dev.current_rate_ml_per_day(), conc)

    def balance(self, drug: str | None = None) -> dict[str, float]:
        """The ledger of `drug` (default: the admixture now), its unit."""
        name = drug or self.drug.short_name
        res = Reservoir(self.dev.flow.reservoir.volume_ml, self.drug.short_name, self.res_conc)
        return self.ledger.balance(name, res, self.fifo)

    def summary(self) -> dict[str, Any]:
        """The summary's `admixture` entry (present only for a mixture)."""
        name = self.drug.short_name
        return {
            "drug": self.drug.drug_name,
            "unit": self.drug.unit,
            "concentration_per_ml": self.conc_prog,
            "reservoir_concentration_per_ml": self.res_conc,
            "programmed_daily_dose": self.programmed_daily_dose(),
            "current_rate_per_day": self.current_rate_per_day(),
            "delivered_drug": self.ledger.delivered.get(name, 0.0),
            "delivered_by_drug": dict(self.ledger.delivered),
            "mass_balance": self.balance(),
        }
