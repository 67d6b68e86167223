"""DeadVolume: the pump's dead-volume queue and its mass ledger (one component of PumpDevice).

The pump tubing plus the catheter hold `volume_ml` (mL) of fluid. Everything that leaves the
reservoir passes through this queue (`DeadVolumeFifo`, reservoir.py) and what leaves its tip
reaches the patient; the ledger (`Ledger`) records where every amount of every drug went
(filled, delivered, aspirated, into the pocket), so filled = delivered + reservoir + dead volume
+ aspirated + pocket holds exactly. Amounts are in each drug's own unit (mg or mcg), volumes mL.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.event_kinds import K
from simulator.pump.reservoir import DeadVolumeFifo, Ledger, Reservoir, Segment, same_content

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice


class DeadVolume:
    """The dead-volume queue (content from the catheter tip back) and the drug ledger.

    `volume_ml`: pump tubing + catheter internal volume, mL. `fifo`: its content by segment.
    `ledger`: filled / delivered / aspirated / pocket amounts (drug unit) and volumes (mL)."""

    def __init__(self, dev: PumpDevice, volume_ml: float, drug: str | None, conc_per_ml: float):
        self.dev = dev
        self.volume_ml = volume_ml
        self.fifo = DeadVolumeFifo(volume_ml, drug, conc_per_ml)
        self.ledger = Ledger()

    def pass_through(self, volume_ml: float, feed_drug: str | None, feed_conc_per_ml: float, unit: str) -> None:
        """Push `volume_ml` (mL) of the reservoir's content in at the back; what leaves the tip is
        delivered. Emits `dead_volume.tip_change` when the content at the tip changes."""
        fifo = self.fifo
        same = fifo.move_within_uniform(volume_ml, feed_drug, feed_conc_per_ml)
        if same is not None:  # (the usual case: the tip's content does not change)
            self.ledger.add_delivered_volume(volume_ml, same.drug, same.conc_per_ml)
            return
        tip = fifo.tip
        before = (tip.drug, tip.conc_per_ml) if tip else (feed_drug, feed_conc_per_ml)
        out = fifo.move(volume_ml, feed_drug, feed_conc_per_ml)
        self.ledger.add_delivered(out)
        tip = fifo.tip
        if tip is not None and not same_content(tip.drug, tip.conc_per_ml, *before):
            self.dev.emit(K.DEAD_VOLUME_TIP_CHANGE, drug=tip.drug, concentration_per_ml=tip.conc_per_ml, unit=unit)

    def amount_of(self, drug: str) -> float:
        """Amount of `drug` (its unit) in the dead volume now."""
        return self.fifo.amounts().get(drug, 0.0)

    def mean_conc(self, drug: str) -> float | None:
        """Mean concentration of `drug` in the dead volume (drug unit per mL); None if it holds none."""
        amount = self.amount_of(drug)
        return amount / self.volume_ml if self.volume_ml > 0 and amount > 0 else None

    def record_filled(self, drug: str, amount: float, volume_ml: float) -> None:
        """A fill of `volume_ml` (mL) holding `amount` (drug unit) of `drug`."""
        self.ledger.filled[drug] += amount
        self.ledger.filled_ml += volume_ml

    def record_aspirated(self, drug: str | None, amount: float, volume_ml: float) -> None:
        """Residual drawn out of the reservoir at a refill."""
        if drug:
            self.ledger.aspirated[drug] += amount
        self.ledger.aspirated_ml += volume_ml

    def record_pocket(self, drug: str, amount: float, volume_ml: float) -> None:
        """Part of a fill injected into the subcutaneous pocket (a fault)."""
        self.ledger.pocket[drug] += amount
        self.ledger.pocket_ml += volume_ml

    def discharge(self, segments: list[Segment]) -> None:
        """The whole content left at once (MRI valves open): the delivered `segments` go to the
        ledger and the dead volume is left holding drug-free fluid."""
        self.fifo = DeadVolumeFifo(self.volume_ml, None, 0.0)
        self.ledger.add_delivered(segments)

    def mix(self, from_ml: float, to_ml: float) -> bool:
        """Mix the content between `from_ml` and `to_ml` (mL from the tip) to one concentration."""
        return self.fifo.mix(from_ml, to_ml)

    def balance(self, drug: str, reservoir: Reservoir) -> dict[str, float]:
        """The ledger of `drug` (drug unit) with the reservoir's content."""
        return self.ledger.balance(drug, reservoir, self.fifo)
