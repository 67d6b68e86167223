"""What the output stage does at one instant, worked out once for the steps that follow a change.

After an action (and at the device's own wake-ups) the stimulator brings its rates, compliance,
short-circuit flags, history entry, records and compliance wake-up up to date; each needs the same
figures of the running programs (impedances, amplitudes aimed for, compliance, drain). `output_now`
works them out once and the caller hands the `OutputNow` down to those steps.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from simulator.scs.energy import Compliance, ProgramLoad, Rates, program_load
from simulator.scs.history import StimState
from simulator.scs.safety import contact_shares

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice


class OutputNow(NamedTuple):
    """What the output stage does at one instant, worked out once (`StimulatorDevice.output_now`) for
    the steps that follow a change: rates, compliance, shorts, the history entry and the records, the
    compliance wake-up. Validity: it is made after the change and handed down by the caller to those
    steps only; none of them changes what it holds (programs, running set, output switch, battery
    suspension, impedances, closed loop: they emit events, raise alarms, record and plan). Each
    step called without it makes its own."""

    t_s: float
    stimulating: bool
    ohm: dict[str, float]  # contact -> impedance, ohm (Electrodes.ohm)
    fractions: dict[str, float]  # shorted contact -> fraction reaching tissue (Electrodes.fractions)
    amplitudes_ma: dict[str, float]  # running program -> amplitude aimed for (closed loop included), mA
    loads: dict[str, ProgramLoad]  # running program -> its load figures (energy.program_load: shares, R_eff...)
    compliance: dict[str, Compliance]  # running program -> its compliance (only while stimulating)
    rates: dict[str, Rates]  # running program -> its average rates (only while stimulating; energy.program_drain's)


_tuple_new = tuple.__new__


def output_now(dev: StimulatorDevice) -> OutputNow:
    """The output stage of `dev` now: compliance and drain of each running program while stimulating
    (the same figures as energy.compliance and energy.program_drain give)."""
    now = dev.now
    stim = dev.stimulating()
    electrodes = dev.electrodes
    ohm = electrodes.ohm(now)
    fractions = electrodes.fractions(now)
    bank = dev.programs
    stored = bank.stored
    active = bank.active
    prof = dev.profile
    loads: dict[str, ProgramLoad] = {}
    comp: dict[str, Compliance] = {}
    rates: dict[str, Rates] = {}
    if dev.loop.tracker is not None:
        amps = dev.effective_amplitudes()  # the closed loop's program aims elsewhere
        for n in active:
            load = loads[n] = program_load(stored[n], prof, ohm)
            if stim:
                comp[n], rates[n] = load.at(amps[n], fractions)
    else:  # without a controller the amplitudes aimed for are the programs' own (effective_amplitudes)
        amps = {}
        for n in active:
            p = stored[n]
            amp = amps[n] = p.amplitude_ma
            load = loads[n] = program_load(p, prof, ohm)
            if stim:
                comp[n], rates[n] = load.at(amp, fractions)
    return _tuple_new(OutputNow, (now, stim, ohm, fractions, amps, loads, comp, rates))  # OutputNow(...) without its __new__'s frame


def stim_state(dev: StimulatorDevice, out: OutputNow) -> StimState:
    """What the output stage of `dev` does at `out`'s instant: programs, starts, delivered amplitudes
    (mA), contact shares, passive recovery taus (us) and the soft stops in progress."""
    now = out.t_s
    bank = dev.programs
    stim = out.stimulating
    ohm = out.ohm
    stored = bank.stored
    active = bank.active
    progs = tuple([stored[n] for n in active])
    loads = out.loads
    bank_starts = bank.starts
    comp = out.compliance
    delivered: dict[str, float] = {}
    shares: dict[str, dict[str, float]] = {}
    starts: dict[str, float] = {}
    for n in active:
        delivered[n] = comp[n].delivered_ma if stim else 0.0
        shares[n] = loads[n].shares  # contact_shares(stored[n], ohm, single)
        starts[n] = bank_starts.get(n, 0.0)
    taus = dev.safety.passive_taus(progs, ohm)
    in_progress = dev.soft_stops.ramps
    ramps = {n: r for n, r in in_progress.items() if r.t1_s > now and not (stim and n in bank.active)} if in_progress else {}
    if ramps:  # soft stops in progress: rendered after the active programs (which keep their offsets)
        progs = tuple(p for p in progs if p.name not in ramps) + tuple(r.program for r in ramps.values())
        for n, r in ramps.items():
            delivered[n] = r.delivered_ma
            shares[n] = r.shares if r.shares is not None else contact_shares(r.program, ohm, dev.profile.current_sources == "single")
            starts[n] = r.t0_s
            if r.passive_tau_us is not None:
                taus[n] = r.passive_tau_us
            else:
                taus.pop(n, None)
    return StimState.of(now, progs, starts, delivered, shares, stim, taus, {n: r.render_spec() for n, r in ramps.items()} if ramps else {})
