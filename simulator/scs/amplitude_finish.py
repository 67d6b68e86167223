"""The fused finish of an amplitude-only action (issue 14, tenth pass).

After an amplitude step (`amplitude_up`, `amplitude_down`, `set_amplitude`) of an open-loop
stimulator with no soft stop in progress, `StimulatorDevice.finish_apply` calls `finish_amplitude`
instead of `output_now` and its steps one by one. It does what those steps do, in their order and with the same
float operations, written out in one function:

- `output_now.output_now`, called as it is (without a controller the amplitudes aimed for are the programs' own);
- `PowerSupply.compute_rates` (no ramp adds to the drain: `SoftStops.mean_battery_w` is not read);
- `SafetyMonitor.check_compliance` with its `check_shorts` (the same events and alarms);
- `PowerSupply.check_recharge_eri` (called only for the profiles it acts on);
- `StimulatorDevice.record_state`: `stim_state` without ramps, the history's entry, the rows;
- `StimulatorDevice._plan` (`SoftStops.plan_end` without ramps only drops its wake-up).

Validity (checked by the caller): the action's token is `NO_STOP` (`SoftStops.begin` returns at
once), no ramp is in progress (`soft_stops.ramps` empty) and there is no closed-loop controller
(`loop.tracker is None`: the amplitudes aimed for are the programs' own, nothing for the loop to
record). Nothing here changes any of these. `StimulatorDevice.fused_finish = False` gives the
plain path (tests/scs/test_amplitude_finish.py compares the two over whole runs).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulator.event_kinds import K
from simulator.scs.battery import SECONDS_PER_HOUR
from simulator.scs.history import StimState
from simulator.scs.output_now import OutputNow, output_now

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice

_object_new = object.__new__


def finish_amplitude(dev: StimulatorDevice) -> OutputNow:
    """Rates, compliance, rechargeable ERI, history entry, rows and wake-ups after an amplitude-only
    action of `dev` (see the module for when it applies); returns the output stage now."""
    out = output_now(dev)  # (no controller: the amplitudes aimed for are the programs' own)
    now, stim, ohm, fractions, _amps, loads, comp, out_rates = out
    bank = dev.programs
    active = bank.active
    stored = bank.stored
    power = dev.power
    electrodes = dev.electrodes
    prof = dev.profile
    safety = dev.safety
    # ----- PowerSupply.compute_rates (no ramps: ramp_ma is 0.0) -----
    charge = tissue = supply = 0.0
    if stim:
        for n in active:
            r = out_rates[n]  # energy.Rates: (charge uC/s, tissue W, battery W, tissue share)
            charge += r[0]
            tissue += r[1]
            supply += r[2]
    pb = prof.battery
    drain_ma = (supply / pb.voltage_v * 1e3 if stim else 0.0) + pb.quiescent_ua * 1e-3  # energy.battery_current_ma
    ramp_ma = 0.0
    net = -(drain_ma + ramp_ma)
    if power.recharging is not None:
        net += pb.charge_current_ma
    power.rate = {"charge_uc_per_s": charge, "tissue_w": tissue, "battery_w": drain_ma * 1e-3 * pb.voltage_v,
                  "drain_ma": drain_ma + ramp_ma, "net_ma": net, "stimulating": float(stim)}
    battery = power.battery  # BatteryState.rebase(now, net), inlined
    cap = battery.capacity_mah
    battery.level_mah = min(cap, max(0.0, battery.level_mah + battery.net_ma * (now - battery.t0_s) / SECONDS_PER_HOUR))
    battery.t0_s = now
    battery.net_ma = net
    # the level now, % (BatteryState.pct_at(now), inlined; read by the rows and the threshold plan, which change nothing of it)
    pct = 100.0 * min(cap, max(0.0, battery.level_mah + net * (now - now) / SECONDS_PER_HOUR)) / cap
    # ----- SafetyMonitor.check_compliance and check_shorts -----
    if stim:
        short_state = safety.short_state
        for n in active:
            p = stored[n]
            share = out_rates[n][3]
            lossy = share < 1.0 - 1e-9
            if lossy and not short_state.get(n, False):
                dev.emit(K.STIMULATION_SHORT_LOSS, program=n, tissue_pct=round(100.0 * share, 4), lost_pct=round(100.0 * (1.0 - share), 4),
                         shorted=sorted(k for k in fractions if k in p.contacts),
                         model="[?] simple: short-fault ohm in parallel with the tissue impedance")
            short_state[n] = lossy
        # SafetyMonitor.note_compliance: when every running program reaches its set current and the
        # out-of-compliance alarm is not active, it only marks them all in compliance
        compliance_state = safety.compliance_state
        for n in active:
            c = comp[n]
            if not c.required_v <= c.rail_v + 1e-9:  # (c.ok)
                safety.note_compliance(comp, active)
                break
        else:
            if "out_of_compliance" in dev.alarms.active:  # (alarms.is_active)
                safety.note_compliance(comp, active)
            else:
                for n in active:
                    compliance_state[n] = True
    # ----- PowerSupply.check_recharge_eri (it returns at once on other profiles) -----
    if pb.chemistry == "rechargeable" and pb.eri_recharge_interval_days is not None:
        power.check_recharge_eri()
    # ----- record_state: stim_state without ramps, the history's entry, the rows -----
    progs = tuple([stored[n] for n in active])
    bank_starts = bank.starts
    delivered: dict[str, float] = {}
    shares: dict[str, dict[str, float]] = {}
    starts: dict[str, float] = {}
    for n in active:
        delivered[n] = comp[n].delivered_ma if stim else 0.0
        shares[n] = loads[n].shares
        starts[n] = bank_starts.get(n, 0.0)
    for p in progs:  # SafetyMonitor.passive_taus gives {} without a passive program
        if p.charge_balance == "passive":
            taus = safety.passive_taus(progs, ohm)
            break
    else:
        taus = {}
    state = _object_new(StimState)  # StimState.of, inlined
    state.__dict__.update(t_s=now, programs=progs, starts_s=starts, amplitudes_ma=delivered, shares=shares, stimulating=stim,
                          passive_tau_us=taus, stop_ramps={})
    history = dev.history
    states = history.states
    # (same_as compares the delivered amplitudes first: a step that changed them is told by that dict alone)
    if states and (states[-1].t_s >= now or (states[-1].amplitudes_ma == delivered and states[-1].same_as(state))):
        history.note(state)  # equal to the last entry, or a second one at this instant
    else:
        states.append(state)  # ProgramHistory.note's commonest case, inlined
        history._times.append(now)
    rows = dev.rows
    kept = rows._rows
    if kept is not None and kept[0] == (len(stored), None):
        # StateRows.record's kept-rows path (power.accumulated without ramps, then the row block)
        dt = max(0.0, now - power.t_acc)
        rate = power.rate
        values = [pct, power.charge_uc + rate.get("charge_uc_per_s", 0.0) * dt + 0.0,
                  power.energy_j + rate.get("battery_w", 0.0) * dt + 0.0, 1.0 if stim else 0.0]
        for n in kept[1]:
            values.append(stored[n].amplitude_ma)  # (out.amplitudes_ma's for a running program: the program's own)
        rows.block.add_row(now, values)
    else:
        rows.record(out, None)
    # ----- _plan: PowerSupply.plan_threshold -----
    wake = power.threshold_wake
    if wake is not None:
        wake.cancel()
        power.threshold_wake = None
    best = math.inf
    if net < 0:  # (the level now matters only while draining)
        flags = power.flags
        for level, name in (power._thresholds if power._thresholds is not None else power.thresholds()):
            if name in flags or level >= pct - 1e-12:
                continue
            t = battery.time_to_pct(level)
            if t < best:
                best = t
            if best < math.inf:
                break  # (a lower level is reached no sooner)
    if best <= power.end_s:  # (PowerSupply.plan_threshold: none after the run's end)
        on_cross = dev._on_threshold
        power.threshold_wake = dev.wake_at(best, lambda: power._crossed(on_cross))
    # ----- SafetyMonitor.plan_compliance, SoftStops.plan_end -----
    if safety.compliance_wake is not None or (stim and any(electrodes.impedance.growth_per_year.values())):
        safety.plan_compliance(dev._on_compliance_change, out)  # (else it returns with nothing to cancel or plan)
    soft_stops = dev.soft_stops
    if soft_stops.end_wake is not None:
        soft_stops.end_wake.cancel()
        soft_stops.end_wake = None
    return out
