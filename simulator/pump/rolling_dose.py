"""The rolling 24 h dose: what a pending action would let the pump give in any 24 h.

Every way the pump gives drug counts against the drug's maximum daily dose: the basal schedule,
periodic boluses, clinician single boluses, the drug a priming bolus pushes out, and the patient
boluses. (A bridge bolus replaces the basal with the basal dose at the old concentration, so it
counts as the basal.) Amounts are programmed amounts in the drug's unit: the device cannot know
its own flow error, so the checks use the program.

`DoseHistory` keeps the programs in force and the bolus doses given (each at its start time),
and answers: for a pending action at time t, the largest total in a 24 h window [a, a + 24 h)
that contains t, when the basal from t on follows the pending program, the periodic boluses of
that program are given as planned, and the patient takes every bolus the rule allows (the rule
counts presses in any rolling 24 h, so a window holding k earlier presses allows at most
max_per_day - k more). A bolus runs at a constant rate from its start to its end, so a window
holding part of it holds that part of its dose. The total over a window is piecewise linear in
a, so its maximum is at a breakpoint: a bolus start or end, a program change, a flex step
boundary, each of these 24 h earlier, or the ends of the range.
With `steady`, windows wholly after t are covered too: the pending program's basal day plus the
most periodic boluses any 24 h can hold plus the full patient allowance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.pump.boluses import PatientBolusRule
from simulator.pump.schedule import Program
from simulator.units import SECONDS_PER_DAY

WINDOW_S = SECONDS_PER_DAY
EDGE_S = 1e-6  # just inside a half-open window edge, s


@dataclass(frozen=True)
class Impulse:
    """A bolus: `dose` (drug unit) given at a constant rate from t_s to end_t_s."""

    t_s: float
    dose: float  # drug unit
    kind: str  # single, periodic, patient, priming
    end_t_s: float | None = None  # None: counted whole at t_s

    @property
    def end(self) -> float:
        return self.t_s if self.end_t_s is None else max(self.end_t_s, self.t_s)

    def dose_in(self, a_s: float, b_s: float) -> float:
        """The part of the dose given inside [a_s, b_s)."""
        end = self.end
        if end <= self.t_s:
            return self.dose if a_s <= self.t_s < b_s else 0.0
        overlap = min(end, b_s) - max(self.t_s, a_s)
        return self.dose * overlap / (end - self.t_s) if overlap > 0 else 0.0


@dataclass(frozen=True)
class RollingTotal:
    """The largest 24 h total found and its parts (drug unit)."""

    total: float
    basal: float
    boluses: float
    patient: float
    window_start_t_s: float

    def parts_text(self, unit: str) -> str:
        return f"basal {self.basal:.4g} + boluses {self.boluses:.4g} + patient boluses {self.patient:.4g} {unit}"


def periodic_starts_per_day(program: Program) -> int:
    """Most periodic-bolus starts any half-open 24 h window can hold."""
    if program.periodic is None:
        return 0
    return math.ceil(WINDOW_S / program.periodic.interval_s - 1e-9)


class DoseHistory:
    """Programs in force (from their start time) and the bolus doses given, for one drug."""

    def __init__(self, program: Program, since_t_s: float = -math.inf):
        self.programs: list[tuple[float, Program]] = [(since_t_s, program)]
        self.impulses: list[Impulse] = []

    def set_program(self, t_s: float, program: Program) -> None:
        self._trim(t_s)
        self.programs.append((t_s, program))

    def add_bolus(self, t_s: float, dose: float, kind: str, duration_s: float = 0.0) -> None:
        if dose > 0:
            self._trim(t_s)
            self.impulses.append(Impulse(t_s, dose, kind, t_s + max(duration_s, 0.0)))

    def _trim(self, now_s: float) -> None:
        """Forget what no window containing `now_s` or a later time can hold."""
        horizon = now_s - WINDOW_S - 1.0
        self.impulses = [i for i in self.impulses if i.end >= horizon]
        while len(self.programs) > 1 and self.programs[1][0] <= horizon:
            self.programs.pop(0)

    # ----- the programmed basal of the history -----
    def basal_between(self, t_a_s: float, t_b_s: float) -> float:
        """Basal dose (drug unit) the programs in force gave from t_a_s to t_b_s."""
        total = 0.0
        for i, (start, program) in enumerate(self.programs):
            end = self.programs[i + 1][0] if i + 1 < len(self.programs) else math.inf
            a, b = max(start, t_a_s), min(end, t_b_s)
            if b > a:
                total += program.basal_dose_between(a, b)
        return total

    def _breakpoints_before(self, t_a_s: float, t_b_s: float) -> list[float]:
        out: list[float] = []
        for i, (start, program) in enumerate(self.programs):
            end = self.programs[i + 1][0] if i + 1 < len(self.programs) else math.inf
            a, b = max(start, t_a_s), min(end, t_b_s)
            if b > a:
                out.append(a)
                out.extend(float(x) for x in program.boundaries_between(a, b))
        return out

    # ----- the check -----
    def max_total(self, now_s: float, program: Program, new_doses: list[Impulse], rule: PatientBolusRule | None,
                  future_periodic: bool = True, periodic_from_inclusive: bool = True, steady: bool = False) -> RollingTotal:
        """Largest 24 h total with `program` in force from `now_s` and `new_doses` given at now_s."""
        past = [i for i in self.impulses if i.end > now_s - WINDOW_S]
        future: list[Impulse] = []
        plan = program.periodic
        if future_periodic and plan is not None:
            t = plan.next_start_at_or_after(now_s if periodic_from_inclusive else now_s + EDGE_S)
            while t < now_s + WINDOW_S:
                future.append(Impulse(t, plan.dose, "periodic"))
                t += plan.interval_s
        known = past + list(new_doses) + future
        candidates = {now_s - WINDOW_S + EDGE_S, now_s}
        for i in past + list(new_doses):
            candidates.update((i.t_s, i.end, i.t_s - WINDOW_S + EDGE_S, i.end - WINDOW_S))
        candidates.update(f.t_s - WINDOW_S + EDGE_S for f in future)
        candidates.update(self._breakpoints_before(now_s - WINDOW_S, now_s))
        candidates.update(float(x) - WINDOW_S for x in program.boundaries_between(now_s, now_s + WINDOW_S))
        best: RollingTotal | None = None
        for a in candidates:
            if not (now_s - WINDOW_S < a <= now_s):
                continue
            b = a + WINDOW_S
            basal = self.basal_between(a, now_s) + program.basal_dose_between(now_s, b)
            boluses = sum(i.dose_in(a, b) for i in known if i.kind != "patient")
            patient = sum(i.dose_in(a, b) for i in known if i.kind == "patient")
            if rule is not None:  # presses started in [a, now] use up the allowance of this window
                taken = sum(1 for i in known if i.kind == "patient" and a <= i.t_s <= now_s)
                patient += max(0, rule.max_per_day - taken) * rule.dose
            total = basal + boluses + patient
            if best is None or total > best.total:
                best = RollingTotal(total, basal, boluses, patient, a)
        assert best is not None
        if steady:
            periodic = periodic_starts_per_day(program) * (plan.dose if plan else 0.0)
            allowance = rule.max_per_day * rule.dose if rule else 0.0
            basal = program.basal_daily_dose()
            if basal + periodic + allowance > best.total:
                best = RollingTotal(basal + periodic + allowance, basal, periodic, allowance, now_s)
        return best
