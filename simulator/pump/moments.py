"""Moments: when the pump must wake next, and what happens then (one component of PumpDevice).

The pump wakes only at moments it computes, never per stroke or per flex step: a periodic bolus
start, a bolus end, a lockout expiry, and the threshold crossings of the reservoir and the
battery (true empty, the old drug's boundary reaching the catheter tip, low reservoir,
calculated empty, ERI, EOS), the MRI scan end and motor recovery, the priming mix, the drug's
stability limit. Each is a candidate (absolute time in simulation s, tag, data); each tag has
one handler, in the component that owns what changes. This component keeps the planned wake-up
and the moments planned for it.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.device import DEFER_MARGIN_S, Wakeup
from simulator.pump.battery import Battery
from simulator.pump.flow import VOL_TOL_ML
from simulator.pump.reservoir import EPS_ML
from simulator.pump.schedule import TIME_TOL_S, Program
from simulator.units import SECONDS_PER_DAY

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice

Candidate = tuple[float, str, Any]

#: how far (s) beyond the moment being decided the last crossings bound must lie for the
#: listing after a rebase to leave the crossings out (Moments.crossings_bound)
CROSSINGS_MARGIN_S = 1.0


class Moments:
    """The candidate moments, handling what is due, and planning the next wake-up."""

    #: defer a wake-up that the pump's next timeline action certainly precedes (`plan`);
    #: False gives the reference path (every wake-up computed and scheduled at once)
    defer_wakes = True
    #: let a patient bolus press's listing carry the crossings' bound over the press
    #: (`_carried_bound`); False gives the reference path (the crossings listed at every press)
    carry_over_presses = True

    def __init__(self, dev: PumpDevice):
        self.dev = dev
        self.wake: Wakeup | None = None
        self.planned: list[Candidate] = []
        self.planned_due: list[Candidate] = []
        #: the instant (absolute s) `planned_due` holds the planned moments due by (the wake-up's
        #: time + TIME_TOL_S; NaN: none yet, or a deferred wake-up not yet made real)
        self.planned_due_by = math.nan
        #: the earliest lower bound of the stepped-schedule crossings at the last listing that
        #: made them (absolute s; -inf: none known). Only a rebase can come between that listing
        #: and the next wake-up (any other change lists them again), and a rebase only moves
        #: along the flow they were bounded with (at most the schedule's highest rate), so at the
        #: wake-up every crossing is still at or after this bound, give or take float rounding
        #: far below CROSSINGS_MARGIN_S: the listing of what is due then can leave them out.
        self.crossings_bound = -math.inf
        #: (t_s, f_dose, f_s, rate_base, bound) of the last listing that made the crossings
        #: (`_Crossings`: its instant, flow parts, highest rate in mL/s and finite bound), while
        #: nothing but rebases changed the state since (None otherwise). Set by `candidates`;
        #: cleared when a handler runs (`process_due`) and when an action is prepared (the pump's
        #: `prepare_action` keeps it for its `finish_apply`: see `press_basis`).
        self.crossings_basis: tuple[float, float, float, float, float] | None = None
        #: the `crossings_basis` from before a patient bolus press, set by the pump's
        #: `finish_apply` for the listing of its plan only (`candidates` takes it and clears it):
        #: the press only added a bolus to the flow, so that listing may carry the bound forward
        #: instead of listing the crossings (`_carried_bound`)
        self.press_basis: tuple[float, float, float, float, float] | None = None
        #: True while `planned` and `crossings_bound` are those of the last plan and nothing was
        #: handled or listed since (set by `plan`; cleared by `process_due` and by an action's
        #: preparation, `clear_plan_fresh`): the wake-up's first listing may then be skipped
        #: (`_planned_due_now`)
        self.plan_fresh = False
        #: (now0, g): the pump's next timeline action was at g (s) when looked up at now0
        #: (`Simulation.next_action_t`). The timeline's instants never change, so while
        #: now0 < now < g no action lies in [now, g) and the lookup gives g again (`_guard_t`)
        self.guard_window: tuple[float, float] = (math.inf, -math.inf)
        # tag -> handler(data), in the component that owns what the moment changes
        self.handlers: dict[str, Callable[[Any], None]] = {
            "periodic": dev.boluses.due_periodic,
            "bolus_end": dev.boluses.due_bolus_end,
            "bridge_tip": dev.boluses.due_bridge_tip,
            "lockout_end": dev.boluses.due_lockout_end,
            "true_empty": dev.flow.due_true_empty,
            "tip_change": dev.flow.due_tip_change,
            "low": dev.flow.due_low,
            "calc_empty": dev.flow.due_calc_empty,
            "eri": dev.faults.due_eri,
            "eos": dev.faults.due_eos,
            "mri_end": dev.mri.due_end,
            "mri_recovery": dev.mri.due_recovery,
            "priming_mix": dev.priming.due_mix,
            "stability": dev.refills.due_stability,
        }

    def candidates(self, due_by: float = math.inf) -> list[Candidate]:
        """The moments the pump must wake at, as (absolute time, tag, data).

        With a stepped (flex) schedule, a threshold crossing (empty, tip change, low, ERI, EOS) is
        usually days or years away and its exact time (an inversion of the schedule) is rarely
        needed. It is then listed as (lower bound, tag, Deferred): the bound is the time at the
        schedule's highest rate; `_resolve` computes the exact time, from the inputs captured
        here, only when the bound comes within reach of the moment being decided. The exact time
        is the same float it would have been had it been computed here.

        `due_by` (absolute s): list only what can be due by then; a deferred crossing whose lower
        bound is later is left out (no Deferred is made for it). The due moments are the same as
        in the full list, in the same order; such a list is not for planning."""
        dev = self.dev
        flow, therapy, boluses = dev.flow, dev.therapy, dev.boluses
        now = dev.now
        out: list[Candidate] = []
        if not flow.gas and therapy.next_periodic_t < math.inf:  # (one at inf is never due nor planned)
            out.append((therapy.next_periodic_t, "periodic", None))
        if boluses.running:
            self._bolus_candidates(out, now)
        patient = boluses.patient
        rule, last_start = patient.rule, patient.last_start_t_s
        if rule is not None and last_start is not None:  # (PatientBolusPolicy.lockout_end_t_s)
            end = last_start + rule.lockout_s
            if end != boluses.lockout_notified_t:
                out.append((end, "lockout_end", end))
        f_dose, f_s = flow.flow_parts()
        carried = None  # a bound carried over a press (`_carried_bound`), and where it goes in `out`
        carry_at = 0
        if f_dose == 0.0:
            self.crossings_bound = -math.inf
            self.crossings_basis = None
            self._constant_crossings(out, now)
        elif due_by == math.inf or self.crossings_bound <= due_by + CROSSINGS_MARGIN_S:
            basis = self.press_basis
            if basis is not None and due_by == math.inf:
                self.press_basis = None
                carried = self._carried_bound(basis, now, f_dose, f_s)
                carry_at = len(out)
            if carried is None:
                self._list_crossings(out, now, f_dose, f_s, due_by)
        # else: a listing of what is due right after a rebase, and the last listing's crossings
        # were all more than CROSSINGS_MARGIN_S beyond it: none can be due (see crossings_bound)
        mri = dev.mri
        if mri.end_t_s < math.inf or mri.recovery_t_s < math.inf:
            out.extend(mri.candidates())
        if dev.priming.pending:
            out.extend(dev.priming.candidates())
        refills = dev.refills
        if not refills.stability_warned and flow.reservoir.volume_ml > EPS_ML:  # (Refills.candidates, written out)
            out.append((refills.stability_t_s(), "stability", None))
        if carried is not None:
            # kept only while it lies beyond every moment this plan can wake for before the
            # crossings are listed again (the earliest moment but a lockout end; see
            # `_carried_bound`), else the crossings are listed as usual, in their place
            first = math.inf
            for c in out:
                if c[0] < first and c[1] != "lockout_end":
                    first = c[0]
            if first < now + TIME_TOL_S:
                first = now + TIME_TOL_S
            if carried > first + TIME_TOL_S + CROSSINGS_MARGIN_S:
                out.insert(carry_at, (carried, "crossings", CARRIED))
                self.crossings_bound = carried
                self.crossings_basis = None
            else:
                listed: list[Candidate] = []
                self._list_crossings(listed, now, f_dose, f_s, due_by)
                out[carry_at:carry_at] = listed
        return out

    def _list_crossings(self, out: list[Candidate], now: float, f_dose: float, f_s: float, due_by: float) -> None:
        """Add the stepped-schedule crossings to `out` (one lazy candidate, or one by one when one
        is due now or nearly), keeping their bound (`crossings_bound`, `crossings_basis`)."""
        crossings = self._stepped_crossings(now, f_dose, f_s)
        bound = crossings.bound
        self.crossings_bound = -math.inf if bound is None else bound
        self.crossings_basis = None if bound is None or bound == math.inf else (now, f_dose, f_s, crossings.rate_base, bound)
        if bound is None:  # one is due now or nearly: listed one by one
            out.extend(crossings.expand(due_by))
        elif bound <= due_by and bound < math.inf:  # all later: one lazy candidate (_resolve, _earliest)
            out.append((bound, "crossings", crossings))

    def _carried_bound(self, basis: tuple[float, float, float, float, float], now: float, f_dose: float, f_s: float) -> float | None:
        """A lower bound (absolute s) of every crossing the listing now would make, from the
        `basis` of the last listing of the crossings, when since then only rebases happened
        and then a patient bolus press, which only added a bolus to the flow (None when that
        cannot be shown here).

        Why it holds: at the basis listing (instant t0, flow parts (f_dose, f_s), highest rate
        r0 = f_dose * dose_max + f_s mL/s, bound B0) each member's amount A (true or
        calculated mL, reservoir, tip change, low, calculated empty; battery % above ERI/EOS)
        satisfies A / (k * r0) >= B0 - t0, its per-dose factor k unchanged since (flow factor,
        program and faults change only by actions and handlers). A rebase moves along those
        flow parts, at most r0 per s, so now A >= k * r0 * (B0 - now); the press adds a bolus
        (flow parts (f_dose, f_s' >= f_s), highest rate r = f_dose * dose_max + f_s' >= r0), so
        each member's bound A / (k * r) (the battery's (k * r + idle) / (k * r0 + idle) >= r0 / r,
        its service-life bounds fall one second a second) is at least (B0 - now) * r0 / r. The
        members due now whatever their flow (an empty reservoir, the low or calculated-empty
        threshold, the battery at ERI or EOS) are tested as `_stepped_crossings` tests them.
        The result takes a margin of 1e-6 relative and 1 s, far above the float rounding.
        `candidates` keeps it only beyond every moment the plan can wake for before the
        crossings are listed again (so `CARRIED` is never expanded)."""
        t0, f_dose0, f_s0, rate0, bound0 = basis
        left_s = bound0 - now
        if f_dose != f_dose0 or not f_s >= f_s0 or not left_s > 0.0:
            return None
        dev = self.dev
        rate = f_dose * dev.therapy.program.max_dose_per_s + f_s
        if not rate >= rate0 > 0.0:
            return None
        flow = dev.flow
        reservoir_ml = flow.reservoir.volume_ml
        if not reservoir_ml > EPS_ML:
            return None
        gas = flow.gas
        if not flow.low_latched and (reservoir_ml if gas else flow.v_calc) <= flow.threshold_ml + VOL_TOL_ML:
            return None
        if not gas and "calculated_empty" not in dev.faults.halts and flow.v_calc <= VOL_TOL_ML:
            return None
        battery = dev.battery
        if battery:
            limits = battery.limits
            pct = battery.pct
            if (battery.eri_t_s is None and not pct > limits.eri_pct) or (battery.eos_t_s is None and not pct > limits.eos_pct):
                return None
        return now + left_s * (rate0 / rate) * (1.0 - 1e-6) - 1.0

    def _bolus_candidates(self, out: list[Candidate], now: float) -> None:
        """The ends of the running boluses (and a bridge bolus whose job is done at the tip)."""
        dev = self.dev
        tip_reached: bool | None = None
        for b in dev.boluses.running:
            out.append((b.end_t_s, "bolus_end", b))
            if b.ends_at_tip:  # due once the reservoir's drug is at the tip (the tip-change moment wakes the pump then)
                if tip_reached is None:
                    res = dev.flow.reservoir
                    tip_reached = dev.dead_volume.fifo.volume_until_tip_changes(res.drug, res.conc_per_ml) is None
                if tip_reached:
                    out.append((now, "bridge_tip", b))

    def _stepped_crossings(self, now: float, f_dose: float, f_s: float) -> _Crossings:
        """Threshold crossings under a stepped schedule, with their inputs as they are now."""
        dev = self.dev
        flow = dev.flow
        factor = flow.flow_factor
        reservoir_ml = flow.reservoir.volume_ml
        members: list[tuple[float | None, float, str]] = []
        if factor > 0 and (flow.q_true > 0 or reservoir_ml > EPS_ML):  # q_true: still flowing at the last rebase
            members.append((reservoir_ml, factor, "true_empty"))
            vol = flow.volume_until_tip_changes()
            if vol is not None:
                members.append((vol, factor, "tip_change"))
        gas = flow.gas
        if not flow.low_latched:
            # (Flow.low_reservoir_basis: a gas pump's true volume at the true flow, else the
            # calculated volume at the programmed flow)
            low_ml, low_factor = (reservoir_ml, factor) if gas else (flow.v_calc, 1.0)
            threshold_ml = flow.threshold_ml
            if low_ml <= threshold_ml + VOL_TOL_ML:
                members.append((None, 0.0, "low"))
            elif low_factor > 0:
                members.append((low_ml - threshold_ml, low_factor, "low"))
        if not gas and "calculated_empty" not in dev.faults.halts:
            v_calc = flow.v_calc
            members.append((None, 0.0, "calc_empty") if v_calc <= VOL_TOL_ML else (v_calc, 1.0, "calc_empty"))
        battery = dev.battery
        return _Crossings(dev.therapy.program, now, f_dose, f_s, members, Battery.snapshot(battery) if battery else None, flow.q_prog)

    def _constant_crossings(self, out: list[Candidate], now: float) -> None:
        """Threshold crossings under a constant flow (exact times)."""
        dev = self.dev
        flow = dev.flow
        factor = flow.flow_factor
        reservoir_ml = flow.reservoir.volume_ml
        if factor > 0 and (flow.q_true > 0 or reservoir_ml > EPS_ML):  # q_true: still flowing at the last rebase
            out.append((flow.time_to_prog_volume(reservoir_ml, factor), "true_empty", None))
            vol = flow.volume_until_tip_changes()
            if vol is not None:
                out.append((flow.time_to_prog_volume(vol, factor), "tip_change", None))
        if not flow.low_latched:
            low_ml, low_factor = flow.low_reservoir_basis()  # gas pump: true volume at the true flow
            if low_ml <= flow.threshold_ml + VOL_TOL_ML:
                out.append((now, "low", None))
            elif low_factor > 0:
                out.append((flow.time_to_prog_volume(low_ml - flow.threshold_ml, low_factor), "low", None))
        if not flow.gas and "calculated_empty" not in dev.faults.halts:
            if flow.v_calc <= VOL_TOL_ML:
                out.append((now, "calc_empty", None))
            else:
                out.append((flow.time_to_prog_volume(flow.v_calc), "calc_empty", None))
        battery = dev.battery
        if battery:
            out.append((now + battery.time_to_eri_s(flow.q_prog, None), "eri", None))
            out.append((now + battery.time_to_eos_s(flow.q_prog, now, None), "eos", None))

    def process_due(self, at_wake: bool = False) -> tuple[list[Candidate] | None, bool]:
        """Handle every moment due now (within TIME_TOL_S), repeatedly until none is left.

        Returns the candidates of the settled state (none due), which `settle_and_plan` reuses
        to plan the next wake-up instead of computing them again, or None when the last listing
        was not a full one; and whether any moment was handled (the rates were then refreshed
        after the last handler). (The moments due at a wake-up are recomputed after the rebase,
        not taken from the plan: some, like the tip change, are relative to the state, and the
        rebase may already have passed them.) `at_wake`: something is expected to be due, so the
        first listing leaves out the moments that cannot be due (`candidates(due_by)`)."""
        dev = self.dev
        handlers = self.handlers
        fresh, self.plan_fresh = self.plan_fresh, False
        for i in range(1000):
            limit = dev.now + TIME_TOL_S
            partial = at_wake and i == 0
            planned_due = self._planned_due_now(limit) if partial and fresh else None
            cands: list[Candidate]
            if planned_due is not None:  # (a partial listing's moments are not returned)
                cands, due = [], planned_due
            else:
                cands, due = _resolved_due(self.candidates(limit if partial else math.inf), limit)
            if not due:
                return (None if partial else cands), i > 0
            self.crossings_basis = None  # (the handlers change the state)
            for _t, tag, data in due:
                handlers[tag](data)
            dev.flow.recompute_rates()
        raise RuntimeError("pump model: too many simultaneous moments (internal error)")

    def _planned_due_now(self, limit: float) -> list[Candidate] | None:
        """What is due by `limit` (absolute s) at a wake-up, from the moments planned for it,
        without listing them again; None when that cannot be known so (then list them).

        Called only while `plan_fresh` holds: since the plan, nothing but a rebase (`advance`)
        has changed the state. A rebase changes no absolute moment (periodic start, bolus and
        lockout ends, MRI, priming, stability) and no flow part, so the listing `candidates(limit)`
        would make the same absolute moments as the planned ones (the moments of the last full
        listing, in its order), and leave the crossings out when their bound (`crossings_bound`,
        of that listing) lies more than CROSSINGS_MARGIN_S beyond `limit`. Not so, and None, when
        that bound is nearer (a crossing may be due), when a running bridge bolus ends at the
        tip (a moment relative to the state) or when the reservoir is empty now (the stability
        moment is listed only while it holds fluid). The result is then the due moments of that
        listing, in its order (none of them lazy: their bounds lie beyond the crossings').
        When `limit` is the plan's own `planned_due_by` that is `planned_due` itself: the plan
        kept the planned moments at or before it, in order, and left none of them lazy (`plan`
        and `_earliest` make exact every deferred moment whose bound is that early); `planned`
        is not changed between the two (only a new plan replaces both)."""
        dev = self.dev
        if not self.crossings_bound > limit + CROSSINGS_MARGIN_S or not dev.flow.reservoir.volume_ml > EPS_ML:
            return None
        for b in dev.boluses.running:
            if b.ends_at_tip:
                return None
        if limit == self.planned_due_by:
            # the wake-up came at its planned time: the moments planned due by then are the
            # ones the pass below keeps (the plan made every deferred one due by then exact)
            return self.planned_due
        due = []
        for c in self.planned:
            if c[0] <= limit:
                if type(c[2]) in _LAZY:
                    return None
                due.append(c)
        return due

    def clear_plan_fresh(self) -> None:
        """Something other than a rebase may change the state before the next plan (an action
        is being applied): the next wake-up lists its moments again (`plan_fresh`)."""
        self.plan_fresh = False

    def settle_and_plan(self, at_wake: bool = False) -> None:
        """Handle what is due now, record the state and plan the next wake-up, computing the
        candidate moments once for the settled state (`plan` reuses them unless the rates
        changed after they were computed). `at_wake`: right after a rebase (see `process_due`);
        otherwise the caller has just refreshed the rates."""
        flow = self.dev.flow
        cands, handled = self.process_due(at_wake)
        if at_wake and not handled:
            # the rebase may have moved the rates (a flex step, the reservoir run dry): refresh
            # them; the listing is reused only if they did not change. (After a handler, or after
            # the caller's refresh, nothing has changed them since.)
            rates = (flow.q_prog, flow.q_true)
            flow.recompute_rates()
            if rates != (flow.q_prog, flow.q_true):
                cands = None
        self.dev.record_state()
        self.plan(cands, resolved=cands is not None)

    def nothing_due_before_wake(self) -> bool:
        """True when the planned wake-up is safely in the future: the candidate moments are
        absolute times, unchanged by a rebase, so none can be due before the earliest of them."""
        wake = self.wake
        return wake is not None and wake.active and self.dev.now + 1e-3 < wake.t_s

    def plan(self, cands: list[Candidate] | None = None, resolved: bool = False) -> None:
        """Plan the next wake-up from the candidate moments `cands` (None: listed now);
        `resolved`: they were resolved (`_resolve`) at this instant already."""
        wake = self.wake
        if wake is not None:
            wake.active = False  # (wake.cancel())
        dev = self.dev
        now = dev.now
        if cands is None:
            cands = self.candidates()
        limit = now + TIME_TOL_S
        future: list[Candidate] = []
        add = future.append
        inf = math.inf
        lazy_kinds = _LAZY
        exact = inf  # the earliest exact moment (_earliest's first pass, done here)
        lazy = inf  # the earliest bound of a deferred moment or a lazy listing of crossings
        for c in (cands if resolved else _resolve(cands, limit)):
            t_c = c[0]
            if limit < t_c < inf:
                add(c)
                if type(c[2]) in lazy_kinds:
                    if t_c < lazy:
                        lazy = t_c
                elif t_c < exact:
                    exact = t_c
        # each moment's time or lower bound: the wake-up is at or after the earliest (the
        # smaller of the two earliest, the same float as the earliest of all)
        lower = lazy if lazy < exact else exact
        if future and self.defer_wakes:
            window = self.guard_window
            guard = window[1] if window[0] < now < window[1] else self._guard_t(now)
            if lower > guard + DEFER_MARGIN_S:
                # the pump's next timeline action comes first, and usually replans: the wake-up's
                # time is computed (and the wake-up scheduled) only if it is still needed then
                self.planned = future
                self.planned_due_by = math.nan  # (set when it is made real: _deferred_wake_t)
                self.plan_fresh = True
                self.wake = dev.defer_wake(lower, guard, self._deferred_wake_t, self._on_wake)
                return
        # _earliest(future) is the earliest exact moment when no deferred one can come within
        # TIME_TOL_S of it (it makes deferred moments exact only while their bound is that close)
        t = exact if lazy > exact + TIME_TOL_S else _earliest(future)
        if t == math.inf:
            self.wake = None
            return
        self.planned = future
        self.plan_fresh = True
        due_by = self.planned_due_by = t + TIME_TOL_S
        self.planned_due = [c for c in future if c[0] <= due_by]  # (_due_by)
        self.wake = dev.wake_at(t, self._on_wake)

    def _guard_t(self, now: float) -> float:
        """The instant (s) of the pump's next timeline action (`Simulation.next_action_t`),
        looked up at `now`; kept as `guard_window` when it is later than now."""
        dev = self.dev
        guard = dev.sim.next_action_t(dev.id)
        self.guard_window = (now, guard) if guard > now else (math.inf, -math.inf)
        return guard

    def _deferred_wake_t(self) -> float:
        """The time of a deferred wake-up (Device.defer_wake), as `plan` computes it, from the
        moments it planned (their deferred times hold the inputs captured then)."""
        future = self.planned
        t = _earliest(future)
        if t < math.inf:
            due_by = self.planned_due_by = t + TIME_TOL_S
            self.planned_due = _due_by(future, due_by)
        return t

    def _on_wake(self) -> None:
        self.wake = None
        due = self.planned_due
        only_lockouts = True
        for c in due:
            if c[1] != "lockout_end":
                only_lockouts = False
                break
        if only_lockouts:
            # a lockout expiry changes no flow: log it, no rebase, no state to record, and the
            # other planned moments (absolute times) still hold
            for _t, _tag, data in due:
                self.dev.boluses.due_lockout_end(data)
            self.plan([c for c in self.planned if c[1] != "lockout_end"])
            return
        self.dev.advance(self.dev.now)
        self.settle_and_plan(at_wake=True)


class Deferred:
    """The exact time of a candidate moment, computed on demand from inputs captured when the
    candidates were listed (so it is the same float an immediate computation gives)."""

    __slots__ = ("func", "args")

    def __init__(self, func: Callable[..., float], *args: Any):
        self.func, self.args = func, args

    def compute(self) -> float:
        return self.func(*self.args)


class _Crossings:
    """The threshold crossings of one listing under a stepped schedule (true empty, tip change,
    low, calculated empty, ERI, EOS), with the inputs captured when they were listed.

    `expand` lists them as candidates, in that order: a lower bound (at the schedule's highest
    rate) with a Deferred exact time (Program.time_to_reach, as Flow.time_to_prog_volume
    computes it), or the exact time when the bound is now. `bound` is the earliest of those
    lower bounds (absolute s), or None when one of them is now. Until that bound comes within
    reach, the whole listing stands as one candidate (bound, "crossings", self): `_resolve` and
    `_earliest` expand it in place first, so every decision is the one the expanded list gives.
    `members`: (volume_ml to move, mL per programmed mL, tag), volume None for one due now;
    `battery`: a snapshot (Battery.snapshot) or None."""

    __slots__ = ("program", "now", "f_dose", "f_s", "dose_max", "rate_base", "members", "battery", "q_prog", "_lowers", "battery_lowers", "bound")

    def __init__(self, program: Program, now: float, f_dose: float, f_s: float, members: list[tuple[float | None, float, str]],
                 battery: Battery | None, q_prog: float):
        self.program, self.now, self.f_dose, self.f_s = program, now, f_dose, f_s
        self.dose_max = dose_max = program.max_dose_per_s
        self.rate_base = rate_base = f_dose * dose_max + f_s  # the highest programmed flow, mL/s
        self.members, self.battery, self.q_prog = members, battery, q_prog
        self._lowers: list[float | None] | None = None  # made on first use (`lowers`)
        # `bound`: the earliest of the lower bounds (absolute s; inf: none is finite), or None
        # when one is due now or its bound is now (they are then listed one by one). Each
        # member's lower bound is `lowers`' formula (_lower_s), written out (this runs at every
        # listing); the list of them is made only if asked for
        lowest = math.inf  # the earliest lower bound so far (s from now)
        now_due = False
        for volume, per_dose, _tag in members:
            if volume is None:
                now_due = True
                break
            rate = per_dose * rate_base
            lower = volume / rate * (1.0 - 1e-9) - 1e-3 if rate > 0 and volume > 0 else 0.0
            if not lower > 0.0:  # a bound of 0 (NaN included): now
                now_due = True
                break
            if lower < lowest:
                lowest = lower
        self.battery_lowers = battery_lowers = self._battery_lowers() if battery is not None else _NO_BATTERY
        if now_due:
            self.bound: float | None = None
            return
        for battery_lower in battery_lowers:
            if battery_lower is not None and battery_lower < lowest:
                lowest = battery_lower
        # (inf when none is finite; float addition is monotonic: the earliest of now + lower)
        self.bound = now + lowest if lowest > 0.0 else None

    @property
    def lowers(self) -> list[float | None]:
        """The members' lower bounds (s from now, `_lower_s` at the schedule's highest rate): None
        for a member due now (made on first use: only `expand` and the tests read them)."""
        lowers = self._lowers
        if lowers is None:
            rate_base = self.rate_base
            lowers = self._lowers = [None if volume is None else _lower_s(volume, per_dose * rate_base) for volume, per_dose, _tag in self.members]
        return lowers

    def exact(self, volume_ml: float, per_dose: float, per_s: float) -> float:
        return self.program.time_to_reach(self.now, volume_ml, per_dose * self.f_dose, per_dose * self.f_s + per_s)

    def min_seconds(self, volume_ml: float, per_dose: float, per_s: float) -> float:
        """A lower bound of the seconds to reach `volume_ml` (at the schedule's highest rate),
        with a margin for float rounding; 0 when none is known."""
        return _lower_s(volume_ml, per_dose * self.rate_base + per_s)

    def expand(self, due_by: float = math.inf) -> list[Candidate]:
        """The crossings as candidates (see the class); one whose bound is after `due_by` is left out."""
        out: list[Candidate] = []
        now = self.now
        for (volume, per_dose, tag), lower in zip(self.members, self.lowers):
            if lower is None or volume is None:
                out.append((now, tag, None))
            elif lower <= 0.0:
                out.append((self.exact(volume, per_dose, 0.0), tag, None))
            elif now + lower <= due_by:
                out.append((now + lower, tag, Deferred(self.exact, volume, per_dose, 0.0)))
        battery = self.battery
        if battery is not None:
            for tag, lower in zip(("eri", "eos"), self.battery_lowers):
                if lower is None:
                    out.append((now + math.inf, tag, None))
                elif lower <= 0.0:
                    out.append((self._battery_exact(tag, battery, self.q_prog), tag, None))
                elif now + lower <= due_by:
                    out.append((now + lower, tag, Deferred(self._battery_exact, tag, battery, self.q_prog)))
        return out

    def _battery_lowers(self) -> tuple[float | None, float | None]:
        """Lower bounds (s from now) of ERI and EOS: the earliest of the service-life limits and
        the charge bound; None for one already reached."""
        battery = self.battery
        assert battery is not None
        limits = battery.limits
        pct, elapsed, eri_t = battery.pct, battery.elapsed_s, battery.eri_t_s
        # the highest drain (% per s): min_seconds' rate for the charge (the same for both)
        rate = limits.pumping_pct_per_ml * self.rate_base + limits.idle_pct_per_s
        eri = eos = None
        if eri_t is None:
            eri = limits.eri_life_s - elapsed
            by_charge = _lower_s(pct - limits.eri_pct, rate) if pct > limits.eri_pct else 0.0
            if by_charge < eri:  # (min(eri, by_charge))
                eri = by_charge
        if battery.eos_t_s is None:
            eos = limits.eos_life_s - elapsed
            if eri_t is not None and eri_t + limits.eos_after_eri_s - self.now < eos:
                eos = eri_t + limits.eos_after_eri_s - self.now
            by_charge = _lower_s(pct - limits.eos_pct, rate) if pct > limits.eos_pct else 0.0
            if by_charge < eos:
                eos = by_charge
        return eri, eos

    def _battery_exact(self, tag: str, battery: Battery, q_prog: float) -> float:
        spec = battery.spec
        idle = spec.idle_drain_pct_per_day / SECONDS_PER_DAY
        now = self.now

        def drain(p: float) -> float:
            return self.exact(p, spec.pumping_drain_pct_per_ml, idle) - now

        if tag == "eri":
            return now + battery.time_to_eri_s(q_prog, drain)
        return now + battery.time_to_eos_s(q_prog, now, drain)


def _lower_s(amount: float, rate: float) -> float:
    """A lower bound of the seconds to use `amount` at the highest `rate` (per s): with a margin
    for float rounding; 0 when none is known (`_Crossings.min_seconds`)."""
    if rate > 0 and amount > 0:
        lower = amount / rate * (1.0 - 1e-9) - 1e-3
        return lower if lower > 0.0 else 0.0
    return 0.0


def _due_by(cands: list[Candidate], limit: float) -> list[Candidate]:
    """The moments of `cands` at or before `limit` (absolute s), in order."""
    out = []
    for c in cands:
        if c[0] <= limit:
            out.append(c)
    return out


def _resolved_due(cands: list[Candidate], limit: float) -> tuple[list[Candidate], list[Candidate]]:
    """(`_resolve(cands, limit)`, its moments at or before `limit`), in one pass when nothing
    needs resolving (the usual case)."""
    due = []
    for c in cands:
        if c[0] <= limit:
            if type(c[2]) in _LAZY:
                cands = _resolve(cands, limit)
                return cands, _due_by(cands, limit)
            due.append(c)
    return cands, due


class _Carried:
    """The data of a crossings candidate whose time is a bound carried over a press
    (`Moments._carried_bound`): lazy, never made exact (`candidates` keeps it only where no
    decision can reach it before the crossings are listed again)."""

    __slots__ = ()


CARRIED = _Carried()


def _never_expanded() -> None:
    raise RuntimeError("pump model: a carried crossings bound came within reach (internal error)")


def _resolve(cands: list[Candidate], limit: float) -> list[Candidate]:
    """`cands` with every deferred moment whose lower bound is at or before `limit` made exact
    (a lazy listing of crossings whose bound is that early expanded in place first)."""
    for c in cands:
        if c[0] <= limit and type(c[2]) in _LAZY:
            break
    else:
        return cands
    out: list[Candidate] = []
    for c in cands:
        kind = type(c[2])
        if kind is _Crossings and c[0] <= limit:
            out.extend((m[2].compute(), m[1], None) if m[0] <= limit and type(m[2]) is Deferred else m for m in c[2].expand())
        elif kind is Deferred and c[0] <= limit:
            out.append((c[2].compute(), c[1], None))
        elif kind is _Carried and c[0] <= limit:
            _never_expanded()
        else:
            out.append(c)
    return out


def _earliest(future: list[Candidate]) -> float:
    """The earliest exact moment of `future`, making deferred moments exact (in place, earliest
    bound first) only while their bound is within TIME_TOL_S of the earliest known moment.
    A lazy listing of crossings that may come within reach is first expanded in place (its
    moments at inf left out, as `plan` leaves them out)."""
    t = math.inf
    any_deferred = False
    group_bound = math.inf  # the earliest bound of a lazy listing of crossings
    for c in future:
        kind = type(c[2])
        if kind is Deferred:
            any_deferred = True
        elif kind is _Crossings or kind is _Carried:
            if c[0] < group_bound:
                group_bound = c[0]
        elif c[0] < t:
            t = c[0]
    deferred = None
    if group_bound <= t + TIME_TOL_S:
        # the earliest exact moment only falls as deferred ones are made exact: a listing whose
        # bound is beyond it now is never reached
        expanded: list[Candidate] = []
        for c in future:
            if type(c[2]) is _Carried and c[0] <= t + TIME_TOL_S:
                _never_expanded()
            if type(c[2]) is _Crossings and c[0] <= t + TIME_TOL_S:
                expanded.extend(m for m in c[2].expand() if m[0] < math.inf)
            else:
                expanded.append(c)
        future[:] = expanded
        deferred = [(c[0], i) for i, c in enumerate(future) if type(c[2]) is Deferred]
    elif any_deferred:
        deferred = [(c[0], i) for i, c in enumerate(future) if type(c[2]) is Deferred]
    if not deferred:
        return t
    deferred.sort()
    for bound, i in deferred:
        if bound > t + TIME_TOL_S:
            break
        c = future[i]
        future[i] = (c[2].compute(), c[1], None)
        t = min(t, future[i][0])
    return t


_LAZY = (Deferred, _Crossings, _Carried)
_NO_BATTERY: tuple[None, None] = (None, None)
