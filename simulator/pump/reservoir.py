"""Reservoir content, the dead-volume FIFO and the drug ledger (exact mass balance).

The pump tubing and catheter hold a fixed dead volume. Fluid leaving the reservoir enters its
back; the same volume leaves its front at the catheter tip. The dead volume is kept as a short
FIFO of segments, each of one drug at one concentration, so after a concentration change the
old drug still in it is what reaches the patient first. Moving a volume x is closed form: pop x
from the front, push x of the reservoir content at the back.
Amounts are in each drug's own unit; `drug` None means drug-free fluid (saline/CSF).
"""
from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field

from simulator.pump import dosing

EPS_ML = 1e-12


def same_content(drug_a, conc_a: float, drug_b, conc_b: float) -> bool:
    if drug_a != drug_b:
        return False
    if conc_a == conc_b:
        return True  # (the usual case, without the tolerance arithmetic)
    return abs(conc_a - conc_b) <= 1e-12 * max(1.0, abs(conc_a), abs(conc_b))


@dataclass
class Segment:
    volume_ml: float
    drug: str | None
    conc_per_ml: float

    @property
    def amount(self) -> float:
        return dosing.dose_in_volume(self.volume_ml, self.conc_per_ml) if self.drug else 0.0


@dataclass
class Reservoir:
    volume_ml: float
    drug: str | None
    conc_per_ml: float


class DeadVolumeFifo:
    """Segments from the catheter tip (index 0) back to the reservoir outlet."""

    def __init__(self, volume_ml: float, drug: str | None, conc_per_ml: float):
        self.volume_ml = volume_ml
        self.segments: deque[Segment] = deque([Segment(volume_ml, drug, conc_per_ml)] if volume_ml > 0 else [])

    def _push(self, volume_ml: float, drug, conc: float) -> None:
        if volume_ml <= 0:
            return
        if self.segments and same_content(self.segments[-1].drug, self.segments[-1].conc_per_ml, drug, conc):
            self.segments[-1].volume_ml += volume_ml
        else:
            self.segments.append(Segment(volume_ml, drug, conc))

    def move(self, volume_ml: float, feed_drug, feed_conc: float) -> list[Segment]:
        """Push `volume_ml` of the feed in at the back; return what came out of the tip."""
        out: list[Segment] = []
        remaining = volume_ml
        while remaining > 0 and self.segments:
            front = self.segments[0]
            if front.volume_ml <= remaining:
                out.append(self.segments.popleft())
                remaining -= front.volume_ml
            else:
                front.volume_ml -= remaining
                out.append(Segment(remaining, front.drug, front.conc_per_ml))
                remaining = 0.0
        if remaining > 0:  # more than the whole dead volume moved: the feed itself comes out
            out.append(Segment(remaining, feed_drug, feed_conc))
        self._push(min(volume_ml, self.volume_ml), feed_drug, feed_conc)
        return out

    def move_within_uniform(self, volume_ml: float, feed_drug, feed_conc: float) -> Segment | None:
        """`move` in its most common case, without building the list it returns: the queue is one
        segment of the feed's own content and `volume_ml` (> 0) is less than it. Then the same
        float operations as `move` are done (the segment loses `volume_ml`, then gains what is
        pushed) and the segment is returned: `volume_ml` of its content came out of the tip.
        In any other case nothing is moved and None is returned (use `move`)."""
        segments = self.segments
        if len(segments) != 1:
            return None
        front = segments[0]
        if not volume_ml < front.volume_ml:
            return None
        if not (front.drug == feed_drug and front.conc_per_ml == feed_conc) and not same_content(front.drug, front.conc_per_ml, feed_drug, feed_conc):
            return None  # (same_content's usual case tested first, without a call)
        front.volume_ml -= volume_ml
        front.volume_ml += min(volume_ml, self.volume_ml)  # (_push into the same segment)
        return front

    def peek(self, volume_ml: float, feed_drug, feed_conc: float) -> list[Segment]:
        """What `move` would deliver, without moving anything."""
        out: list[Segment] = []
        remaining = volume_ml
        for seg in self.segments:
            if remaining <= 0:
                break
            take = min(seg.volume_ml, remaining)
            out.append(Segment(take, seg.drug, seg.conc_per_ml))
            remaining -= take
        if remaining > 0:
            out.append(Segment(remaining, feed_drug, feed_conc))
        return out

    def volume_until_tip_changes(self, feed_drug, feed_conc: float) -> float | None:
        """Volume to move before the fluid at the tip changes content (None: never)."""
        if not self.segments:
            return None
        segments = self.segments
        front = segments[0]
        if len(segments) > 1:
            return front.volume_ml
        if (front.drug == feed_drug and front.conc_per_ml == feed_conc) or same_content(front.drug, front.conc_per_ml, feed_drug, feed_conc):
            return None  # (same_content's usual case tested first, without a call)
        return front.volume_ml

    def mix(self, from_ml: float, to_ml: float) -> bool:
        """Mix the content between `from_ml` and `to_ml` (measured from the tip) to one mean
        concentration, keeping volume and every amount. Only one drug (plus drug-free fluid) can
        mix into one segment: returns False and changes nothing when two drugs would meet."""
        from_ml, to_ml = max(0.0, from_ml), min(self.volume_ml, to_ml)
        if to_ml - from_ml <= EPS_ML:
            return False
        before: list[Segment] = []
        zone: list[Segment] = []
        after: list[Segment] = []
        pos = 0.0
        for seg in self.segments:
            a, b = pos, pos + seg.volume_ml
            pos = b
            for lo, hi, bucket in ((a, min(b, from_ml), before), (max(a, from_ml), min(b, to_ml), zone), (max(a, to_ml), b, after)):
                if hi - lo > EPS_ML:
                    bucket.append(Segment(hi - lo, seg.drug, seg.conc_per_ml))
        drugs = {s.drug for s in zone if s.drug}
        if len(drugs) > 1:
            return False
        volume = sum(s.volume_ml for s in zone)
        drug = drugs.pop() if drugs else None
        conc = sum(s.amount for s in zone) / volume if drug else 0.0
        self.segments = deque()
        for seg in [*before, Segment(volume, drug, conc), *after]:
            if self.segments and same_content(self.segments[-1].drug, self.segments[-1].conc_per_ml, seg.drug, seg.conc_per_ml):
                self.segments[-1].volume_ml += seg.volume_ml
            else:
                self.segments.append(seg)
        return True

    @property
    def tip(self) -> Segment | None:
        return self.segments[0] if self.segments else None

    def amounts(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for seg in self.segments:
            if seg.drug:
                out[seg.drug] += seg.amount
        return dict(out)

    def differs_from(self, drug, conc: float) -> bool:
        return any(not same_content(s.drug, s.conc_per_ml, drug, conc) for s in self.segments)


def amount_of(segments: list[Segment], drug: str) -> float:
    return sum(s.amount for s in segments if s.drug == drug)


@dataclass
class Ledger:
    """Where every amount of every drug went (drug unit), and every mL."""

    filled: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    delivered: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    aspirated: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    pocket: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    filled_ml: float = 0.0
    delivered_ml: float = 0.0
    aspirated_ml: float = 0.0
    pocket_ml: float = 0.0

    def add_delivered(self, segments: list[Segment]) -> None:
        for seg in segments:
            self.delivered_ml += seg.volume_ml
            if seg.drug:
                self.delivered[seg.drug] += seg.amount

    def add_delivered_volume(self, volume_ml: float, drug: str | None, conc_per_ml: float) -> None:
        """`add_delivered` of one segment of `volume_ml` of `drug` at `conc_per_ml` (the same sums)."""
        self.delivered_ml += volume_ml
        if drug:
            self.delivered[drug] += volume_ml * conc_per_ml  # (dosing.dose_in_volume, written out)

    def balance(self, drug: str, reservoir: Reservoir, fifo: DeadVolumeFifo) -> dict[str, float]:
        """filled = delivered + in reservoir + in dead volume + aspirated + pocket (drug unit)."""
        in_res = dosing.dose_in_volume(reservoir.volume_ml, reservoir.conc_per_ml) if reservoir.drug == drug else 0.0
        in_dead = fifo.amounts().get(drug, 0.0)
        parts = {
            "filled": self.filled.get(drug, 0.0),
            "delivered": self.delivered.get(drug, 0.0),
            "in_reservoir": in_res,
            "in_dead_volume": in_dead,
            "aspirated": self.aspirated.get(drug, 0.0),
            "pocket": self.pocket.get(drug, 0.0),
        }
        parts["residual"] = parts["filled"] - (parts["delivered"] + in_res + in_dead + parts["aspirated"] + parts["pocket"])
        return parts
