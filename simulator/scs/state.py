"""Closed-form state of the stimulator between events, and the planning of its next wake-up.

Rates (charge, energy, drain) hold from one state change to the next; `_rebase` folds them into
the accumulators, `_plan` solves for the next battery threshold (and other crossings) and asks the
engine to wake the device then. Also the compliance check and the time-series breakpoints.
"""
from __future__ import annotations

import math

from simulator.alarms import CRITICAL, NON_CRITICAL
from simulator.scs import safety
from simulator.scs.drift import next_compliance_change_s
from simulator.scs.energy import battery_current_ma, compliance, program_drain, tissue_share
from simulator.scs.history import StimState
from simulator.scs.program import Program
from simulator.scs.soft_stop import make_ramp
from simulator.event_kinds import K

#: Breakpoints of the closed-loop approach, in controller time constants after each change; the last
#: one is 'settled' (e^-5: 0.7 % of the jump left).
SETTLE_POINTS_TAU = (1.0, 2.0, 3.0, 5.0)


class StateMixin:
    """Mixed into StimulatorDevice: closed-form state, thresholds, compliance, recording."""

    def _ohm(self, t_s: float | None = None) -> dict[str, float]:
        """Contact -> impedance (ohm) at `t_s` (default now), the case included.

        Memoised for the instant: the same dict object is returned while the time, the impedance
        model and its faults are unchanged (the model's other inputs are fixed at implant), so
        the contact shares and compliance derived from it are computed once per instant
        (`safety.contact_shares` memoises on the dict's identity). Callers must not change it."""
        return self._per_instant("_ohm_memo", self.now if t_s is None else t_s, lambda model, t: model.ohm_at(t))

    def _fractions(self) -> dict[str, float]:
        """Shorted contact -> fraction of its current reaching tissue, now (memoised like `_ohm`)."""
        return self._per_instant("_fractions_memo", self.now, lambda model, t: model.tissue_fractions(t))

    def _per_instant(self, slot: str, t: float, compute):
        """`compute(impedance model, t)`, kept in `slot` while the time, the impedance model and its
        faults are unchanged (the memo of `_ohm` and `_fractions`)."""
        model = self.impedance
        faults = tuple(model.faults.items()) if model.faults else ()
        memo = self.__dict__.get(slot)
        if memo is not None and memo[0] == t and memo[1] is model and memo[2] == faults:
            return memo[3]
        value = compute(model, t)
        self.__dict__[slot] = (t, model, faults, value)
        return value

    def stimulating(self) -> bool:
        return bool(self.stim_on and not self.mri and self.suspended is None and self.active)

    def _loop_cap_ma(self, program: Program) -> float:
        cap = program.patient_max_ma if program.patient_max_ma is not None else self.profile.amplitude_ma.max
        return min(cap, self.profile.max_total_current_ma)

    def _loop_program(self) -> str | None:
        return self.active[0] if (self.loop is not None and self.loop_enabled and self.active) else None

    def effective_amplitudes(self) -> dict[str, float]:
        """Program name -> amplitude the generator aims for now (closed loop replaces the set one), mA."""
        out = {n: self.programs[n].amplitude_ma for n in self.active}
        lp = self._loop_program()
        if lp is not None:
            out[lp] = self.loop.settled_ma()  # type: ignore[union-attr]
        return out

    def _compute_rates(self) -> None:
        """Average rates from now until the next event (cycling folded in)."""
        stim = self.stimulating()
        ohm = self._ohm()
        charge = tissue = supply = 0.0
        if stim:
            amps = self.effective_amplitudes()
            for n in self.active:
                d = program_drain(self.programs[n], self.profile, ohm, amps[n], self._fractions())
                charge += d.charge_uc_per_s
                tissue += d.tissue_power_w
                supply += d.battery_power_w
        drain_ma = battery_current_ma(supply, self.profile, stim)
        # soft-stop ramps: charge and energy are integrated exactly (_ramp_integral); the battery is drawn
        # at each ramp's mean drain until its end, where the device wakes (exact there)
        ramp_ma = sum(r.mean_battery_w(self.now) for r in self.stop_ramps.values()) / self.profile.battery.voltage_v * 1e3
        net = -(drain_ma + ramp_ma)
        if self.recharging is not None:
            net += self.profile.battery.charge_current_ma
        self.rate = {"charge_uc_per_s": charge, "tissue_w": tissue, "battery_w": drain_ma * 1e-3 * self.profile.battery.voltage_v,
                     "drain_ma": drain_ma + ramp_ma, "net_ma": net, "stimulating": float(stim)}
        self.battery.rebase(self.now, net)

    def _rebase(self) -> None:
        """Bring the accumulators to now at the rates in force since the last change."""
        dt = self.now - self.t_acc
        if dt > 0 and self.rate:
            self.charge_uc += self.rate["charge_uc_per_s"] * dt
            self.energy_j += self.rate["battery_w"] * dt
            self.tissue_energy_j += self.rate["tissue_w"] * dt
            self.stim_s += dt * self.rate["stimulating"]
        if dt > 0 and self.stop_ramps:
            q, tissue, battery = self._ramp_integral(self.t_acc, self.now)
            self.charge_uc += q
            self.energy_j += battery
            self.tissue_energy_j += tissue
        self.stop_ramps = {n: r for n, r in self.stop_ramps.items() if r.t1_s > self.now}
        if self.loop is not None:
            self.loop.advance(self.now, bool(self.rate.get("stimulating", 0.0)) if self.rate else self.stimulating())
        self.t_acc = self.now
        self.battery.rebase(self.now)

    def _ramp_integral(self, a_s: float, b_s: float) -> tuple[float, float, float]:
        """(charge uC, tissue J, battery J) of the soft-stop ramps in progress over [a_s, b_s)."""
        out = [0.0, 0.0, 0.0]
        for r in self.stop_ramps.values():
            for i, v in enumerate(r.integral(a_s, b_s)):
                out[i] += v
        return out[0], out[1], out[2]

    def _accumulated(self, t_s: float) -> tuple[float, float, float]:
        dt = max(0.0, t_s - self.t_acc)
        q, _, battery = self._ramp_integral(self.t_acc, t_s) if self.stop_ramps else (0.0, 0.0, 0.0)
        return (self.charge_uc + self.rate.get("charge_uc_per_s", 0.0) * dt + q,
                self.energy_j + self.rate.get("battery_w", 0.0) * dt + battery,
                self.stim_s + self.rate.get("stimulating", 0.0) * dt)

    def _begin_soft_stops(self, before: StimState, amps_before: dict[str, float], action: str) -> None:
        """Start the soft-stop ramp of each program that was delivering before `action` and is not now
        (stimulation off, program or group deselected). MRI mode stops output at once."""
        out_now = set(self.active) if self.stimulating() else set()
        self.stop_ramps = {n: r for n, r in self.stop_ramps.items() if n not in out_now}
        if action == "mri_mode" and self.mri:
            self.stop_ramps = {}
            return
        if not before.stimulating:
            return
        ohm = self._ohm()
        fractions = self._fractions()
        for p in before.programs:
            n = p.name
            if n in out_now or n in before.stop_ramps or p.soft_stop_s <= 0:
                continue
            level0 = float(p.envelope(self.now - before.starts_s.get(n, 0.0)))
            r = make_ramp(p, self.profile, ohm, amps_before.get(n, p.amplitude_ma), level0, self.now, fractions,
                          before.amplitudes_ma.get(n), before.shares.get(n), before.passive_tau_us.get(n))
            if r is None:
                continue
            self.stop_ramps[n] = r
            self.emit(K.STIMULATION_SOFT_STOP, program=n, from_ma=round(r.delivered_ma * level0, 6), ramp_s=r.duration_s, end_t_s=r.t1_s,
                      charge_uc=round(r.integral(r.t0_s, r.t1_s)[0], 6))

    def _plan_ramp_end(self) -> None:
        """One wake-up at the end of the next soft-stop ramp (the battery drain changes then)."""
        if self._ramp_wake is not None:
            self._ramp_wake.cancel()
            self._ramp_wake = None
        ends = [r.t1_s for r in self.stop_ramps.values() if r.t1_s > self.now]
        if ends:
            self._ramp_wake = self.wake_at(min(ends), self._on_ramp_end)

    def _on_ramp_end(self) -> None:
        self._ramp_wake = None
        self._rebase()
        self._compute_rates()
        self.record_state()
        self._plan()

    def _thresholds(self) -> list[tuple[float, str]]:
        b = self.profile.battery
        out = [(b.low_battery_pct, "low")]
        if b.chemistry == "primary":
            if b.eri_pct is not None:
                out.append((b.eri_pct, "eri"))
            out.append((b.stimulation_off_pct, "eos"))
        else:
            out.append((b.stimulation_off_pct, "stim_off"))
        out.append((0.0, "empty"))
        return out

    def _plan(self) -> None:
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        pct = self.battery.pct_at(self.now)
        best = math.inf
        if self.battery.net_ma < 0:
            for level, name in self._thresholds():
                if name in self.flags or level >= pct - 1e-12:
                    continue
                best = min(best, self.battery.time_to_pct(level))
        if math.isfinite(best):
            self._wake = self.wake_at(best, self._on_threshold)
        self._plan_compliance()
        self._plan_ramp_end()

    def _plan_compliance(self) -> None:
        """Wake when continuous drift takes an active program out of (or back into) compliance."""
        if self._comp_wake is not None:
            self._comp_wake.cancel()
            self._comp_wake = None
        if not self.stimulating():
            return
        amps = self.effective_amplitudes()
        end = self.sim.duration_s
        t = min((next_compliance_change_s(self.programs[n], self.profile, self.impedance, amps[n], self.now, end) for n in self.active),
                default=math.inf)
        if math.isfinite(t):
            self._comp_wake = self.wake_at(t, self._on_compliance_change)

    def _on_compliance_change(self) -> None:
        self._comp_wake = None
        self._rebase()
        self._compute_rates()
        self._check_compliance()
        self.record_state()
        self._plan()

    def _on_threshold(self) -> None:
        self._wake = None
        self._rebase()
        pct = self.battery.pct_at(self.now)
        self._cross_thresholds(pct)
        self._compute_rates()
        self.record_state()
        self._plan()

    def _cross_thresholds(self, pct: float, initial: bool = False) -> None:
        b = self.profile.battery
        for level, name in self._thresholds():
            if name in self.flags or pct > level + 1e-9:
                continue
            self.flags.add(name)
            pl = {"battery_pct": round(pct, 4), "threshold_pct": level}
            if name == "low":
                self.emit(K.BATTERY_LOW, **pl)
                msg = "battery low: recharge soon" if b.chemistry == "rechargeable" else "battery low"
                self.alarms.raise_("battery_low", NON_CRITICAL, msg, **pl)
            elif name == "eri":
                self.emit(K.BATTERY_ERI, **pl)
                self.alarms.raise_("eri", NON_CRITICAL, "elective replacement indicator: schedule a replacement", **pl)
            elif name in ("stim_off", "eos"):
                was = self.stimulating()
                self.suspended = "battery" if name == "stim_off" else "eos"
                self.stop_ramps = {}  # the battery cuts output at once
                kind = K.BATTERY_EOS if name == "eos" else K.BATTERY_STIMULATION_OFF
                self.emit(kind, **pl)
                if was or initial:
                    self.emit(K.STIMULATION_OFF, reason=self.suspended, **pl)
                msg = ("battery too low: stimulation stopped; recharge within about 3 days" if name == "stim_off"
                       else "end of service: stimulation stopped; replace the generator")
                self.alarms.raise_("stimulation_off_battery" if name == "stim_off" else "eos", CRITICAL, msg, **pl)
            elif name == "empty":
                self.emit(K.BATTERY_DEPLETED, **pl)
                self.alarms.raise_("battery_depleted", CRITICAL, "battery empty", **pl)

    def _schedule_drift(self, interval: float) -> None:
        def tick():
            self._rebase()
            self._compute_rates()
            self._check_compliance()
            self.record_state()
            self._plan()
            self._schedule_drift(interval)
        self._drift_wake = self.wake_at(self.now + interval, tick)


    def _check_shorts(self) -> None:
        """Flag programs that lose current through a shorted contact (simple model: impedance.tissue_fractions)."""
        fractions = self._fractions()
        single = self.profile.current_sources == "single"
        for n in (self.active if self.stimulating() else []):
            share = tissue_share(self.programs[n], self._ohm(), fractions, single)
            lossy = share < 1.0 - 1e-9
            if lossy and not self.short_state.get(n, False):
                self.emit(K.STIMULATION_SHORT_LOSS, program=n, tissue_pct=round(100.0 * share, 4), lost_pct=round(100.0 * (1.0 - share), 4),
                          shorted=sorted(k for k in fractions if k in self.programs[n].contacts),
                          model="[?] simple: short-fault ohm in parallel with the tissue impedance")
            self.short_state[n] = lossy

    def _check_compliance(self) -> None:
        self._check_shorts()
        if not self.stimulating():
            return
        ohm = self._ohm()
        amps = self.effective_amplitudes()
        bad = {}
        for n in self.active:
            c = compliance(self.programs[n], self.profile, ohm, amps[n])
            was_ok = self.compliance_state.get(n, True)
            self.compliance_state[n] = c.ok
            if not c.ok:
                bad[n] = c
                if was_ok:
                    self.emit(K.COMPLIANCE_OUT_OF_RANGE, program=n, required_v=round(c.required_v, 3), rail_v=c.rail_v,
                              requested_ma=c.requested_ma, delivered_ma=round(c.delivered_ma, 4))
        if bad and not self.alarms.is_active("out_of_compliance"):
            self.alarms.raise_("out_of_compliance", NON_CRITICAL, f"out of compliance: {', '.join(bad)} cannot reach the set current",
                               programs=list(bad))
        if not bad and self.alarms.is_active("out_of_compliance"):
            self.alarms.clear("out_of_compliance", reason="back in compliance")

    def _check_recharge_eri(self) -> None:
        """Rechargeable ERI (Eterna-like): raised while the present programs would need charging more
        often than the profile's interval (full to low battery), cleared when they no longer do."""
        b = self.profile.battery
        if b.chemistry != "rechargeable" or b.eri_recharge_interval_days is None:
            return
        days = self.projection()["days_between_recharges"] if self.active else float("inf")
        if days < b.eri_recharge_interval_days:
            if not self.alarms.is_active("eri"):
                pl = {"days_between_recharges": round(days, 4), "limit_days": b.eri_recharge_interval_days, "programs": list(self.active)}
                self.emit(K.BATTERY_ERI, reason="program needs charging more than once a day", **pl)
                self.alarms.raise_("eri", NON_CRITICAL, f"elective replacement indicator: the programs need charging every {days * 24:.1f} h "
                                   f"(more often than every {b.eri_recharge_interval_days:g} d)", **pl)
        elif self.alarms.is_active("eri"):
            self.alarms.clear("eri", reason=f"programs need charging every {days:.2f} d")

    def _stim_state(self) -> StimState:
        """What the output stage does now: programs, starts, delivered amplitudes, contact shares."""
        stim = self.stimulating()
        ohm = self._ohm()
        amps = self.effective_amplitudes()
        single = self.profile.current_sources == "single"
        progs = tuple(self.programs[n] for n in self.active)
        delivered = {n: (compliance(self.programs[n], self.profile, ohm, amps[n]).delivered_ma if stim else 0.0) for n in self.active}
        shares = {p.name: safety.contact_shares(p, ohm, single) for p in progs}
        taus = self._passive_taus(progs, ohm)
        starts = {n: self.starts.get(n, 0.0) for n in self.active}
        ramps = {n: r for n, r in self.stop_ramps.items() if r.t1_s > self.now and not (stim and n in self.active)}
        if ramps:  # soft stops in progress: rendered after the active programs (which keep their offsets)
            progs = tuple(p for p in progs if p.name not in ramps) + tuple(r.program for r in ramps.values())
            for n, r in ramps.items():
                delivered[n] = r.delivered_ma
                shares[n] = r.shares if r.shares is not None else safety.contact_shares(r.program, ohm, single)
                starts[n] = r.t0_s
                if r.passive_tau_us is not None:
                    taus[n] = r.passive_tau_us
                else:
                    taus.pop(n, None)
        return StimState(self.now, progs, starts, delivered, shares, stim, taus, {n: r.render_spec() for n, r in ramps.items()})

    def _passive_taus(self, programs, ohm: dict[str, float] | None = None) -> dict[str, float]:
        """Passive program -> recovery time constant, us: the program's own if set, else the coupling
        capacitor discharging through its cathodes' impedance, tau_us = Z_ohm x C_uF (Z weighted by
        the cathodes' shares of the current)."""
        ohm = self._ohm() if ohm is None else ohm
        c_uf = self.profile.coupling_capacitance_uf
        out = {}
        for p in programs:
            if p.charge_balance != "passive":
                continue
            if p.passive_tau_us is not None:
                out[p.name] = p.passive_tau_us
                continue
            cath = p.cathodes()
            z = sum(share * ohm.get(k, self.profile.impedance.nominal_ohm) for k, share in cath.items()) if cath else self.profile.impedance.nominal_ohm
            out[p.name] = z * c_uf
        return out

    def _note_history(self) -> None:
        self.history.note(self._stim_state())

    def record_state(self) -> None:
        self._note_history()
        charge, energy, _ = self._accumulated(self.now)
        self.record("battery_pct", self.battery.pct_at(self.now), "%")
        self.record("charge_delivered_uc", charge, "uC")
        self.record("energy_used_j", energy, "J")
        self.record("stimulating", 1.0 if self.stimulating() else 0.0, "", interp="step")
        amps = self.effective_amplitudes()
        lp = self._loop_program()
        for n, p in self.programs.items():
            if n == lp:
                continue  # recorded by _record_loop: the controller's amplitude now, not where it heads
            self.record(f"amplitude_ma.{n}", amps.get(n, p.amplitude_ma) if n in self.active else p.amplitude_ma, "mA", interp="step")
        if self.loop is not None:
            self._record_loop()
            self.record("ecap_open_loop_uv", self.loop.ecap_at(self.now, closed=False) if self.stimulating() else 0.0, "uV", interp="step")
            self._plan_loop_settle()

    def _record_loop(self) -> None:
        """Closed-loop ECAP and amplitude as the controller has them now (closed form)."""
        lp = self._loop_program()
        if lp is not None:
            self.record(f"amplitude_ma.{lp}", self.loop.closed_amplitude_at(self.now), "mA", interp="step")  # type: ignore[union-attr]
        self.record("ecap_uv", self.loop.ecap_at(self.now) if self.stimulating() else 0.0, "uV", interp="step")  # type: ignore[union-attr]

    def _plan_loop_settle(self) -> None:
        """Wake a handful of times while the controller relaxes, the last once it has settled.

        The closed-loop amplitude approaches its settled value as I_inf + (I_0 - I_inf) e^{-t/tau}; the
        step series gets breakpoints at `SETTLE_POINTS_TAU` time constants after the approach began
        (the last, 5 tau, is 'settled': 0.7 % of the jump left), never one per control step."""
        loop = self.loop
        if loop is None:
            return
        i_inf = loop.settled_ma()
        key = (loop.t_s, loop.closed_i0_ma, i_inf, self.stimulating(), self._loop_program())
        if key == self._settle_key:
            return
        for w in self._settle_wakes:
            w.cancel()
        self._settle_wakes = []
        self._settle_key = key
        if not self.stimulating() or abs(loop.closed_i0_ma - i_inf) <= 1e-12 * max(1.0, i_inf):
            return
        tau = loop.spec.controller_tau_s
        self._settle_wakes = [self.wake_at(loop.t_s + k * tau, self._on_loop_point) for k in SETTLE_POINTS_TAU
                              if loop.t_s + k * tau > self.now]

    def _on_loop_point(self) -> None:
        if self.loop is not None:
            self._record_loop()

