"""Safety of the running programs (component `safety` of StimulatorDevice).

`SafetyMonitor` checks programs against the profile's limits (charge density uC/cm2, Shannon k,
ranges, interleaving; the rules are in `simulator.scs.safety`), reports what it finds (a warning
and a `safety.*` event, counted by kind), and watches the output stage: whether each running
program reaches its set current (compliance: required voltage V against the rail) and whether a
shorted contact takes part of its current away from tissue. It plans the one wake-up at which
impedance drift next takes a running program out of (or back into) compliance.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from simulator.alarms import NON_CRITICAL
from simulator.device import Finding, Wakeup
from simulator.event_kinds import K
from simulator.scs import safety
from simulator.scs.drift import next_compliance_change_s
from simulator.scs.program import Program

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice
    from simulator.scs.energy import Compliance
    from simulator.scs.output_now import OutputNow

#: finding limit -> the safety event kind reported (and counted) with its warning
SAFETY_KINDS = {"charge_density_uc_per_cm2": K.SAFETY_CHARGE_DENSITY, "shannon_k": K.SAFETY_SHANNON_K, "patient_max_ma": K.SAFETY_PATIENT_RANGE}


class SafetyMonitor:
    """Program checks, safety events (counts by kind), compliance and short-circuit losses."""

    def __init__(self, dev: StimulatorDevice) -> None:
        self.dev = dev
        #: safety event kind -> how many were reported
        self.events: dict[str, int] = {}
        #: running program -> it reaches its set current (last compliance check)
        self.compliance_state: dict[str, bool] = {}
        #: running program -> part of its current is lost through a shorted contact
        self.short_state: dict[str, bool] = {}
        self.compliance_wake: Wakeup | None = None

    # ----- checks (no change) -----
    def passive_taus(self, programs: Iterable[Program], ohm: dict[str, float] | None = None) -> dict[str, float]:
        """Passive program -> recovery time constant, us: the program's own if set, else the coupling
        capacitor discharging through its cathodes' impedance, tau_us = Z_ohm x C_uF (Z weighted by
        the cathodes' shares of the current)."""
        out: dict[str, float] = {}
        programs = tuple(programs)
        for p in programs:
            if p.charge_balance == "passive":
                break
        else:
            return out  # (active charge balance only: no tau, and no impedance needed)
        dev = self.dev
        ohm = dev.electrodes.ohm(dev.now) if ohm is None else ohm
        prof = dev.profile
        c_uf = prof.coupling_capacitance_uf
        for p in programs:
            if p.charge_balance != "passive":
                continue
            if p.passive_tau_us is not None:
                out[p.name] = p.passive_tau_us
                continue
            cath = p.cathodes()
            z = sum(share * ohm.get(k, prof.impedance.nominal_ohm) for k, share in cath.items()) if cath else prof.impedance.nominal_ohm
            out[p.name] = z * c_uf
        return out

    def program_findings(self, p: Program, others_active: list[str] | None = None) -> list[Finding]:
        """Findings of program `p` at the impedances now; with `others_active`, also of running it
        interleaved with those programs."""
        dev = self.dev
        findings = safety.check_program(p, dev.profile, dev.electrodes.areas, dev.electrodes.ohm(dev.now))
        if others_active is not None:
            progs = [dev.programs[n] for n in others_active if n != p.name] + [p]
            findings += safety.check_interleave(progs, dev.profile, self.passive_taus(progs))
        return findings

    def amplitude_findings(self, p: Program, amplitude_ma: float) -> list[Finding]:
        """`program_findings(p.with_amplitude(amplitude_ma))`: from the program shape's screen when the
        amplitude raises no finding of its own (safety.findings_at_amplitude), else the full check."""
        dev = self.dev
        electrodes = dev.electrodes
        ohm = electrodes.ohm(dev.now)
        fast = safety.findings_at_amplitude(p, amplitude_ma, dev.profile, electrodes.areas, ohm)
        return fast if fast is not None else safety.check_program(p.with_amplitude(amplitude_ma), dev.profile, electrodes.areas, ohm)

    def interleave_findings(self, programs: list[Program]) -> list[Finding]:
        """Findings of running `programs` together (pulse overlap, passive recovery, total current)."""
        return safety.check_interleave(programs, self.dev.profile, self.passive_taus(programs))

    def startup_findings(self) -> list[Finding]:
        """Warnings about the stored programs at start (refusals were InputErrors already)."""
        dev = self.dev
        out: list[Finding] = []
        for p in dev.programs.values():
            out += [f for f in safety.check_program(p, dev.profile, dev.electrodes.areas, dev.electrodes.ohm(dev.now)) if f.level == "warn"]
        return out

    # ----- reports -----
    def report(self, f: Finding, action: str) -> None:
        """A warning for finding `f` of `action` and, for a safety limit, its `safety.*` event (counted)."""
        dev = self.dev
        dev.warn(f.message, action=action, limit=f.limit, value=f.value, allowed=f.allowed)
        kind = SAFETY_KINDS.get(f.limit)
        if kind:
            self.events[kind] = self.events.get(kind, 0) + 1
            dev.emit(kind, message=f.message, value=f.value, limit=f.allowed, policy="warn")

    def refused(self, f: Finding) -> None:
        """An action refused on finding `f`: a charge-density refusal is a safety event (counted)."""
        if f.limit == "charge_density_uc_per_cm2":
            kind = K.SAFETY_CHARGE_DENSITY
            self.events[kind] = self.events.get(kind, 0) + 1
            self.dev.emit(kind, message=f.message, value=f.value, limit=f.allowed, policy="refuse")

    # ----- the output stage now -----
    def check_shorts(self, out: OutputNow | None = None) -> None:
        """Flag programs that lose current through a shorted contact (simple model: impedance.tissue_fractions)
        (`out`: the output stage now, when the caller has it)."""
        dev = self.dev
        if out is None:
            out = dev.output_now()
        fractions = out.fractions
        rates = out.rates
        for n in (dev.programs.active if out.stimulating else []):
            p = dev.programs.stored[n]
            share = rates[n][3]  # energy.Rates' tissue share: energy.tissue_share of p at out.ohm and fractions
            lossy = share < 1.0 - 1e-9
            if lossy and not self.short_state.get(n, False):
                dev.emit(K.STIMULATION_SHORT_LOSS, program=n, tissue_pct=round(100.0 * share, 4), lost_pct=round(100.0 * (1.0 - share), 4),
                         shorted=sorted(k for k in fractions if k in p.contacts),
                         model="[?] simple: short-fault ohm in parallel with the tissue impedance")
            self.short_state[n] = lossy

    def check_compliance(self, out: OutputNow | None = None) -> None:
        """Shorts, then whether each running program reaches its set current (event on a change,
        the out-of-compliance alarm raised while one does not, cleared when all do) (`out`: the
        output stage now, when the caller has it)."""
        dev = self.dev
        if out is None:
            out = dev.output_now()
        self.check_shorts(out)
        if not out.stimulating:
            return
        self.note_compliance(out.compliance, dev.programs.active)

    def note_compliance(self, comp: dict[str, Compliance], active: Iterable[str]) -> None:
        """Whether each of the `active` programs reaches its set current by its compliance figures
        `comp` (V): an event when one stops reaching it, the out-of-compliance alarm raised while one
        does not, cleared when all do. Called while stimulating (check_compliance, the fused
        amplitude finish)."""
        dev = self.dev
        compliance_state = self.compliance_state
        bad = {}
        for n in active:
            c = comp[n]
            was_ok = compliance_state.get(n, True)
            ok = c.required_v <= c.rail_v + 1e-9  # c.ok
            compliance_state[n] = ok
            if not ok:
                bad[n] = c
                if was_ok:
                    dev.emit(K.COMPLIANCE_OUT_OF_RANGE, program=n, required_v=round(c.required_v, 3), rail_v=c.rail_v,
                             requested_ma=c.requested_ma, delivered_ma=round(c.delivered_ma, 4))
        alarms = dev.alarms
        if bad and not alarms.is_active("out_of_compliance"):
            alarms.raise_("out_of_compliance", NON_CRITICAL, f"out of compliance: {', '.join(bad)} cannot reach the set current",
                          programs=list(bad))
        if not bad and alarms.is_active("out_of_compliance"):
            alarms.clear("out_of_compliance", reason="back in compliance")

    def plan_compliance(self, on_change: Callable[[], None], out: OutputNow | None = None) -> None:
        """Wake (and run `on_change`) when continuous drift takes a running program out of (or back
        into) compliance (`out`: the output stage now, when the caller has it). Without drift
        (ImpedanceModel.is_static) no program's compliance can change: no wake-up."""
        if self.compliance_wake is not None:
            self.compliance_wake.cancel()
            self.compliance_wake = None
        dev = self.dev
        if not (out.stimulating if out is not None else dev.stimulating()):
            return
        if not any(dev.electrodes.impedance.growth_per_year.values()):  # ImpedanceModel.is_static, inlined (hot)
            return  # drift.next_compliance_change_s is inf for every program (none `drifts`)
        amps = out.amplitudes_ma if out is not None else dev.effective_amplitudes()
        end = dev.sim.duration_s
        t = min((next_compliance_change_s(dev.programs.stored[n], dev.profile, dev.electrodes.impedance, amps[n], dev.now, end) for n in dev.programs.active),
                default=math.inf)
        if math.isfinite(t):
            self.compliance_wake = dev.wake_at(t, lambda: self._changed(on_change))

    def _changed(self, on_change: Callable[[], None]) -> None:
        self.compliance_wake = None
        on_change()
