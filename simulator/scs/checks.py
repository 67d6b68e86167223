"""Checks of pending stimulator actions against the profile and the patient's limits (refuse or warn).

One function per action, `check_<action>(dev, params) -> list[Finding]`, named in
`StimulatorDevice.ACTION_TABLE`; none changes the device. A check may also raise ActionRefused
(no such program, contradicting patient limits, a step below zero): `StimulatorDevice.check`
turns it into a refusing finding, `apply` lets it through as the refusal.
Actions without a check (impedance check, posture, cough, stimulation off, acknowledging an
alarm) have `check=None` in the table.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.device import Finding
from simulator.scs import safety
from simulator.scs.bank import cycled, limited, stepped, thresholded
from simulator.scs.settings import (
    AmplitudeStep, ClosedLoopParams, InjectFault, MaxTolBypass, MriParams, NoParams, PatientStep, RecordThreshold, Recharge,
    SelectGroup, SelectProgram, SetAmplitude, SetCycling, SetGroup, SetPatientLimits, SetProgram,
)

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice
    from simulator.scs.program import Program


def _running_with(dev: StimulatorDevice, name: str) -> list[str] | None:
    """The running programs when `name` is one of them (its interleave must be checked), else None."""
    return dev.programs.active if name in dev.programs.active else None


def check_set_program(dev: StimulatorDevice, params: SetProgram) -> list[Finding]:
    prof = dev.profile
    bank = dev.programs
    p = bank.pending(params)
    out = []
    if p.name not in bank and len(bank) >= prof.max_programs:
        out.append(Finding("refuse", f"{prof.id} stores at most {prof.max_programs} programs", "max_programs", len(bank) + 1, prof.max_programs))
    active = [p.name] if params.activate else _running_with(dev, p.name)
    out += dev.safety.program_findings(p, active)
    for g, members in bank.groups.items():  # a changed program must still interleave with its groups
        if p.name in members and not params.activate:
            progs = [p if m == p.name else bank[m] for m in members]
            out += [Finding(f.level, f"group {g!r}: {f.message}", f.limit, f.value, f.allowed)
                    for f in dev.safety.interleave_findings(progs) if f.limit == "interleave"]
    return out


def check_set_group(dev: StimulatorDevice, params: SetGroup) -> list[Finding]:
    prof = dev.profile
    bank = dev.programs
    out = []
    if params.name not in bank.groups and len(bank.groups) >= prof.max_groups:
        out.append(Finding("refuse", f"{prof.id} stores at most {prof.max_groups} program groups", "max_groups", len(bank.groups) + 1, prof.max_groups))
    missing = [n for n in params.programs if n not in bank]
    if missing:
        return out + [Finding("refuse", f"no program {', '.join(missing)}", "program", missing, list(bank))]
    if len(set(params.programs)) != len(params.programs):
        return out + [Finding("refuse", "a program appears twice in the group", "programs", params.programs, "distinct programs")]
    return out + dev.safety.interleave_findings([bank[n] for n in params.programs])


def check_select_group(dev: StimulatorDevice, params: SelectGroup) -> list[Finding]:
    bank = dev.programs
    if params.name not in bank.groups:
        return [Finding("refuse", f"no group {params.name!r}", "group", params.name, list(bank.groups))]
    return dev.safety.interleave_findings([bank[n] for n in bank.groups[params.name]])


def check_select_program(dev: StimulatorDevice, params: SelectProgram) -> list[Finding]:
    bank = dev.programs
    names = [params.name] if params.name is not None else list(params.names or [])
    missing = [n for n in names if n not in bank]
    if missing:
        return [Finding("refuse", f"no program {', '.join(missing)}", "program", missing, list(bank))]
    return safety.check_interleave([bank[n] for n in names], dev.profile)


def _amplitude_step(dev: StimulatorDevice, params: AmplitudeStep, up: bool) -> list[Finding]:
    bank = dev.programs
    name = bank.resolve(params.program)
    p = bank.stored[name]
    step = dev.profile.amplitude_ma.step * params.steps
    new = round(p.amplitude_ma + (step if up else -step), 6)
    return step_findings(dev, name, p, new, up)


def step_findings(dev: StimulatorDevice, name: str, p: Program, new: float, up: bool) -> list[Finding]:
    """The findings of stepping the stored program `p` (named `name`) up or down to `new` mA (a
    step's amplitude, rounded to 1e-6 mA, not clamped at 0): the patient's range, the recorded
    maximum tolerable amplitude, then the program's check at `new` (the patient's maximum left out)."""
    bank = dev.programs
    if up:
        top = p.patient_max_ma if p.patient_max_ma is not None else dev.profile.amplitude_ma.max
        if new > top + 1e-9:
            return [Finding("refuse", f"{name}: {new:g} mA is above the patient's maximum {top:g} mA", "patient_max_ma", new, top)]
        if p.max_tolerable_ma is not None and name not in bank.maxtol_bypass and new > p.max_tolerable_ma + 1e-9:
            return [Finding("refuse", f"{name}: {new:g} mA is above the recorded maximum tolerable amplitude {p.max_tolerable_ma:g} mA "
                            "(a clinician bypass is needed)", "max_tolerable_ma", new, p.max_tolerable_ma)]
    elif new < p.patient_min_ma - 1e-9:
        return [Finding("refuse", f"{name}: {new:g} mA is below the patient's minimum {p.patient_min_ma:g} mA", "patient_min_ma", new, p.patient_min_ma)]
    findings = dev.safety.amplitude_findings(p, new)
    return [f for f in findings if f.limit != "patient_max_ma"] if findings else findings


def check_amplitude_up(dev: StimulatorDevice, params: AmplitudeStep) -> list[Finding]:
    return _amplitude_step(dev, params, up=True)


def check_amplitude_down(dev: StimulatorDevice, params: AmplitudeStep) -> list[Finding]:
    return _amplitude_step(dev, params, up=False)


def check_record_threshold(dev: StimulatorDevice, params: RecordThreshold) -> list[Finding]:
    name = dev.programs.resolve(params.program)
    return dev.safety.program_findings(thresholded(dev.programs[name], params))


def check_max_tolerable_bypass(dev: StimulatorDevice, params: MaxTolBypass) -> list[Finding]:
    name = dev.programs.resolve(params.program)
    if params.enabled and dev.programs[name].max_tolerable_ma is None:
        return [Finding("refuse", f"{name}: no maximum tolerable amplitude is recorded; nothing to bypass", "max_tolerable_ma", None, "a recorded MaxTol")]
    return []


def check_set_patient_limits(dev: StimulatorDevice, params: SetPatientLimits) -> list[Finding]:
    name = dev.programs.resolve(params.program)
    return dev.safety.program_findings(limited(dev.programs[name], params))


def check_patient_step(dev: StimulatorDevice, params: PatientStep) -> list[Finding]:
    name = dev.programs.resolve(params.program)
    p = dev.programs[name]
    locked = p.patient_rate_locked if params.parameter == "rate_hz" else p.patient_pulse_width_locked
    if locked:
        what = "rate" if params.parameter == "rate_hz" else "pulse width"
        lim = "patient_rate_locked" if params.parameter == "rate_hz" else "patient_pulse_width_locked"
        return [Finding("refuse", f"{name}: the clinician locked the {what} out of the patient remote", lim, True, False)]
    return dev.safety.program_findings(stepped(p, params, dev.profile), _running_with(dev, name))


def check_set_amplitude(dev: StimulatorDevice, params: SetAmplitude) -> list[Finding]:
    name = dev.programs.resolve(params.program)
    return dev.safety.amplitude_findings(dev.programs[name], params.amplitude_ma)


def check_stimulation_on(dev: StimulatorDevice, params: NoParams) -> list[Finding]:
    prof = dev.profile
    power = dev.power
    if dev.output.mri:
        return [Finding("refuse", "MRI mode is on: turn it off first", "mri_mode", True, False)]
    if power.suspended == "eos" or "empty" in power.flags:
        return [Finding("refuse", "the battery is at end of service; stimulation cannot restart", "battery_pct", round(power.pct(), 3),
                        f"> {prof.battery.stimulation_off_pct}")]
    if power.suspended == "battery":
        return [Finding("refuse", "battery too low: recharge before turning stimulation on", "battery_pct", round(power.pct(), 3),
                        f"> {prof.battery.stimulation_off_pct}")]
    return []


def check_set_cycling(dev: StimulatorDevice, params: SetCycling) -> list[Finding]:
    name = dev.programs.resolve(params.program)
    return dev.safety.program_findings(cycled(dev.programs[name], params), _running_with(dev, name))


def check_inject_impedance_fault(dev: StimulatorDevice, params: InjectFault) -> list[Finding]:
    contacts = dev.electrodes.contacts
    if params.contact not in contacts:
        return [Finding("refuse", f"no contact {params.contact!r}", "contact", params.contact, f"E1-E{len(contacts)}")]
    return []


def check_recharge(dev: StimulatorDevice, params: Recharge) -> list[Finding]:
    prof = dev.profile
    if prof.battery.chemistry != "rechargeable":
        return [Finding("refuse", f"{prof.id} has a primary cell; it cannot be recharged", "battery.chemistry", "primary", "rechargeable")]
    if dev.power.pct() >= 100.0 - 1e-9:
        return [Finding("warn", "the battery is already full", "battery_pct", 100.0, "< 100")]
    return []


def check_mri_mode(dev: StimulatorDevice, params: MriParams) -> list[Finding]:
    if not params.on:
        return []
    prof = dev.profile
    out = []
    if not prof.mri.conditional:
        out.append(Finding("refuse", f"{prof.id} is not MRI conditional", "mri.conditional", False, True))
    faulty = dev.electrodes.faulty(dev.now)
    if prof.mri.require_impedance_ok and faulty:
        out.append(Finding("refuse", f"MRI conditions not met: contacts out of range {faulty}", "impedance", faulty, "all contacts within range"))
    pct = dev.power.pct()
    if pct < prof.mri.min_battery_pct:
        out.append(Finding("refuse", f"MRI conditions not met: battery {pct:.1f} % below {prof.mri.min_battery_pct:g} %", "mri.min_battery_pct",
                           round(pct, 2), prof.mri.min_battery_pct))
    return out


def check_set_closed_loop(dev: StimulatorDevice, params: ClosedLoopParams) -> list[Finding]:
    if dev.loop.tracker is None:
        return [Finding("refuse", f"{dev.profile.id} has no closed loop", "closed_loop", None, "a closed-loop profile")]
    return []
