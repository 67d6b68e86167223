"""The priming-bolus mixing hazard, in a simple labelled model.

At priming speed the drug front mixes with the water/CSF ahead of it [L: labeling update]: the
patient receives drug before the bolus ends, then a spell of lower concentration. Model ([?],
ours): the mixing zone is `priming_mixing_fraction` x the primed volume, centred on the
interface between the fluid already in the pump tubing and catheter and the drug pushed in. Once
half the zone has entered, the zone is mixed to one mean concentration (volume and every amount
kept, so the mass balance stays exact). With a drug-free dead volume of V, a zone of m and
drug at C: the patient receives C x m / 4 before the bolus ends (the first m / 2 of the zone at
C / 2), then m / 2 at C / 2: an under-dose of C x m / 4 spread over (m / 2) / basal rate.
"""
from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any

from simulator.event_kinds import K
from simulator.pump import dosing
from simulator.pump.reservoir import EPS_ML, amount_of, same_content
from simulator.units import SECONDS_PER_HOUR

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice


class PrimingMix:
    """The priming-bolus mixing of PumpDevice: the pending mix (when, zone mL, delivered mL at
    the start) and the log of priming hazards (amounts in drug unit, volumes mL, spell hours)."""

    def __init__(self, dev: PumpDevice, mixing_fraction: float):
        self.dev = dev
        self.mixing_fraction = mixing_fraction  # of the primed volume, dimensionless
        self.pending: dict[str, Any] | None = None  # pending mix: t_s, zone_ml, start_delivered_ml
        self.hazards: list[dict[str, Any]] = []

    def candidates(self) -> list[tuple[float, str, Any]]:
        return [(self.pending["t_s"], "priming_mix", None)] if self.pending else []

    def _plan(self, volume_ml: float, rate_ml_per_s: float) -> dict[str, Any] | None:
        """Work out the mixing of a priming bolus of `volume_ml` on a copy of the dead volume:
        the drug the patient gets before the bolus ends beyond the unmixed case, and the
        lower-concentration spell after it. None when nothing mixes."""
        fifo, res = self.dev.dead_volume.fifo, self.dev.flow.reservoir
        zone = min(self.mixing_fraction * volume_ml, fifo.volume_ml, 2 * volume_ml)
        if zone <= EPS_ML or not res.drug or not fifo.segments or same_content(fifo.segments[-1].drug, fifo.segments[-1].conc_per_ml, res.drug, res.conc_per_ml):
            return None
        plain, mixed = copy.deepcopy(fifo), copy.deepcopy(fifo)
        early_plain = amount_of(plain.move(volume_ml, res.drug, res.conc_per_ml), res.drug)
        out = mixed.move(zone / 2, res.drug, res.conc_per_ml)
        if not mixed.mix(mixed.volume_ml - zone, mixed.volume_ml):
            return None
        out += mixed.move(volume_ml - zone / 2, res.drug, res.conc_per_ml)
        early = amount_of(out, res.drug) - early_plain
        spell_ml = deficit = 0.0
        for seg in mixed.segments:  # from the tip: the diluted fluid ahead of full-strength drug
            if same_content(seg.drug, seg.conc_per_ml, res.drug, res.conc_per_ml):
                break
            spell_ml += seg.volume_ml
            deficit += dosing.dose_in_volume(seg.volume_ml, res.conc_per_ml) - (seg.amount if seg.drug == res.drug else 0.0)
        return {"zone_ml": zone, "early_amount": early, "spell_volume_ml": spell_ml, "underdose_amount": deficit, "mix_after_s": zone / 2 / rate_ml_per_s if rate_ml_per_s > 0 else math.inf}

    def _log_hazard(self, plan: dict[str, Any], bolus_end_t_s: float) -> None:
        dev = self.dev
        basal_ml_per_s = dev.therapy.basal_q(bolus_end_t_s) * dev.flow.flow_factor
        hours = plan["spell_volume_ml"] / basal_ml_per_s / SECONDS_PER_HOUR if basal_ml_per_s > 0 else None
        unit = dev.therapy.drug.unit
        record = {**plan, "unit": unit, "spell_hours": hours, "mixing_fraction": self.mixing_fraction}
        record.pop("mix_after_s")
        self.hazards.append({"t_s": dev.now, **record})
        msg = (f"priming: the drug front mixes with the fluid ahead over {plan['zone_ml']:.3g} mL: {plan['early_amount']:.4g} {unit} reaches the patient "
               f"before the priming bolus ends, then {plan['spell_volume_ml']:.3g} mL at lower concentration (under-dose of {plan['underdose_amount']:.4g} {unit}"
               + (f" over {hours:.1f} h at the basal rate)" if hours is not None else ")"))
        dev.emit(K.PRIMING_MIXING, severity="warning", message=msg, **record)

    def start(self, volume_ml: float, rate_true_ml_per_s: float, bolus_end_t_s: float) -> None:
        """A priming bolus of `volume_ml` (mL) at `rate_true_ml_per_s` (mL/s) started now."""
        plan = self._plan(volume_ml, rate_true_ml_per_s)
        if plan is None:
            return
        self._log_hazard(plan, bolus_end_t_s)
        self.pending = {"t_s": self.dev.now + plan["mix_after_s"], "zone_ml": plan["zone_ml"], "start_delivered_ml": self.dev.dead_volume.ledger.delivered_ml}

    def due_mix(self, _: Any) -> None:
        pending, self.pending = self.pending, None
        assert pending is not None
        dead = self.dev.dead_volume
        pushed = dead.ledger.delivered_ml - pending["start_delivered_ml"]  # the interface is this far inside from the back
        back = dead.fifo.volume_ml - pushed
        if dead.mix(back - pending["zone_ml"] / 2, back + pending["zone_ml"] / 2) and self.dev.admixture is not None:
            self.dev.admixture.mix(back - pending["zone_ml"] / 2, back + pending["zone_ml"] / 2)
