"""Effects of the stimulator's actions: one function per action, `apply_<action>(dev, params)`.

Each is the `apply` of its row in `StimulatorDevice.ACTION_TABLE`; the device's pipeline runs it
after the check passed, the accumulators were brought to now and the warnings were reported, and
replans afterwards (soft stops, rates, compliance, ERI, breakpoints, wake-ups). An effect changes
the device through its components' methods, emits the action's own events and returns the payload.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.alarms import NON_CRITICAL
from simulator.event_kinds import K
from simulator.events import PayloadLayout
from simulator.scs.bank import cycled, limited, stepped, thresholded
from simulator.scs.program import Program
from simulator.scs.settings import (
    AckParams, AmplitudeStep, ClosedLoopParams, InjectFault, MaxTolBypass, MriParams, NoParams, PatientStep, PostureParams, Recharge,
    RecordThreshold, SelectGroup, SelectProgram, SetAmplitude, SetCycling, SetGroup, SetPatientLimits, SetProgram,
)

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice

Payload = dict[str, Any]
#: the payload of `amplitude.change` {program, amplitude_ma, previous_ma, by}, stored packed (the
#: commonest trainee action's event; simulator.events: it reads back as that dict)
AMPLITUDE_CHANGE_LAYOUT = PayloadLayout(("program", "amplitude_ma", "previous_ma", "by"))


def _is_first_active(dev: StimulatorDevice, name: str) -> bool:
    active = dev.programs.active
    return bool(active) and name == active[0]


def apply_set_program(dev: StimulatorDevice, params: SetProgram) -> Payload:
    bank = dev.programs
    p = bank.pending(params)
    old = bank.store(p)
    if params.activate:
        bank.run([p.name], dev.now)
        dev.loop.follow(bank[p.name])
    dev.emit(K.PROGRAM_TRANSMITTED, program=p.name, amplitude_ma=p.amplitude_ma,
             configuration_changed=bool(old is None or not old.same_configuration(p)),
             amplitude_reset=bool("amplitude_ma" not in params.program.model_fields_set and p.amplitude_ma == 0.0 and old is not None
                                  and not old.same_configuration(p)))
    if _is_first_active(dev, p.name):
        dev.loop.follow(p)
    return {"program": p.model_dump(mode="json")}


def apply_select_program(dev: StimulatorDevice, params: SelectProgram) -> Payload:
    names = [params.name] if params.name is not None else list(params.names or [])
    dev.programs.run_programs(names, dev.now)
    first = dev.programs.first_active()
    if first is not None:
        dev.loop.follow(first)
    dev.emit(K.PROGRAM_SELECTED, programs=names)
    return {"active_programs": names}


def apply_set_group(dev: StimulatorDevice, params: SetGroup) -> Payload:
    bank = dev.programs
    bank.store_group(params.name, list(params.programs))
    dev.emit(K.GROUP_STORED, group=params.name, programs=list(params.programs))
    if params.activate or bank.active_group == params.name:
        bank.run_group(params.name, dev.now)
        first = bank.first_active()
        if first is not None:
            dev.loop.follow(first)
        dev.emit(K.GROUP_SELECTED, group=params.name, programs=list(params.programs))
    return {"group": params.name, "programs": list(params.programs), "active_group": bank.active_group}


def apply_select_group(dev: StimulatorDevice, params: SelectGroup) -> Payload:
    names = dev.programs.run_group(params.name, dev.now)
    first = dev.programs.first_active()
    if first is not None:
        dev.loop.follow(first)
    dev.emit(K.GROUP_SELECTED, group=params.name, programs=names)
    return {"active_group": params.name, "active_programs": names}


def _set_amplitude(dev: StimulatorDevice, name: str, amplitude_ma: float, who: str) -> Payload:
    p = dev.programs.stored[name]
    dev.programs.store(p.with_amplitude(amplitude_ma))
    active = dev.programs.active
    if active and name == active[0] and dev.loop.tracker is not None:  # _is_first_active (follow_amplitude needs a controller)
        dev.loop.follow_amplitude(amplitude_ma)
    dev.sim.stream.emit_packed(dev.now, dev.id, K.AMPLITUDE_CHANGE, AMPLITUDE_CHANGE_LAYOUT, (name, amplitude_ma, p.amplitude_ma, who))  # dev.emit_packed
    return {"program": name, "amplitude_ma": amplitude_ma}


def apply_amplitude_up(dev: StimulatorDevice, params: AmplitudeStep) -> Payload:
    name = dev.programs.resolve(params.program)
    return _set_amplitude(dev, name, round(dev.programs.stored[name].amplitude_ma + dev.profile.amplitude_ma.step * params.steps, 6), "patient")


def apply_amplitude_down(dev: StimulatorDevice, params: AmplitudeStep) -> Payload:
    name = dev.programs.resolve(params.program)
    return _set_amplitude(dev, name, max(0.0, round(dev.programs.stored[name].amplitude_ma - dev.profile.amplitude_ma.step * params.steps, 6)), "patient")


def apply_set_amplitude(dev: StimulatorDevice, params: SetAmplitude) -> Payload:
    return _set_amplitude(dev, dev.programs.resolve(params.program), params.amplitude_ma, "clinician")


def _replace_program(dev: StimulatorDevice, p: Program, event: str, **payload: Any) -> Payload:
    dev.programs.store(p)
    if _is_first_active(dev, p.name):
        dev.loop.follow(p)
    dev.emit(event, program=p.name, **payload)
    return {"program": p.name, **payload}


def apply_record_threshold(dev: StimulatorDevice, params: RecordThreshold) -> Payload:
    name = dev.programs.resolve(params.program)
    p = thresholded(dev.programs[name], params)
    key = "perception_threshold_ma" if params.kind == "perception" else "max_tolerable_ma"
    return _replace_program(dev, p, K.PROGRAM_THRESHOLD_RECORDED, threshold=params.kind, amplitude_ma=getattr(p, key))


def apply_max_tolerable_bypass(dev: StimulatorDevice, params: MaxTolBypass) -> Payload:
    name = dev.programs.resolve(params.program)
    dev.programs.set_bypass(name, params.enabled)
    dev.emit(K.PATIENT_MAXTOL_BYPASS, program=name, enabled=params.enabled, max_tolerable_ma=dev.programs[name].max_tolerable_ma)
    return {"program": name, "bypass": params.enabled}


def apply_set_patient_limits(dev: StimulatorDevice, params: SetPatientLimits) -> Payload:
    p = limited(dev.programs[dev.programs.resolve(params.program)], params)
    return _replace_program(dev, p, K.PATIENT_LIMITS, patient_min_ma=p.patient_min_ma, patient_max_ma=p.patient_max_ma,
                            rate_locked=p.patient_rate_locked, pulse_width_locked=p.patient_pulse_width_locked,
                            remote_top_ma=p.remote_top_ma(dev.profile.amplitude_ma.max, p.name in dev.programs.maxtol_bypass))


def apply_patient_step(dev: StimulatorDevice, params: PatientStep) -> Payload:
    name = dev.programs.resolve(params.program)
    old = getattr(dev.programs[name], params.parameter)
    p = stepped(dev.programs[name], params, dev.profile)
    return _replace_program(dev, p, K.PATIENT_STEP, parameter=params.parameter, value=getattr(p, params.parameter), previous=old, by="patient")


def apply_stimulation_on(dev: StimulatorDevice, params: NoParams) -> Payload:
    was = dev.stimulating()
    dev.output.switch(True)
    if was:
        dev.programs.keep_starts(dev.now)
    else:
        dev.programs.restart_all(dev.now)
    if not was and dev.stimulating():
        dev.emit(K.STIMULATION_ON, programs=list(dev.programs.active))
    return {"stimulating": dev.stimulating()}


def apply_stimulation_off(dev: StimulatorDevice, params: NoParams) -> Payload:
    was = dev.stimulating()
    dev.output.switch(False)
    if was:
        dev.emit(K.STIMULATION_OFF, reason="user")
    return {"stimulating": False}


def apply_set_cycling(dev: StimulatorDevice, params: SetCycling) -> Payload:
    bank = dev.programs
    name = bank.resolve(params.program)
    p = cycled(bank[name], params)
    bank.store(p)
    bank.restart(name, dev.now)
    c = p.cycling
    dev.emit(K.PROGRAM_CYCLING, program=name, on_s=c.on_s if c else None, off_s=c.off_s if c else None, duty=p.duty_fraction())
    return {"program": name, "duty": p.duty_fraction()}


def apply_impedance_check(dev: StimulatorDevice, params: NoParams) -> Payload:
    table = dev.impedance_table()
    dev.electrodes.note_check(table, dev.now)
    faults = {r["contact"]: r["flag"] for r in table if r["flag"]}
    dev.emit(K.IMPEDANCE_CHECK, table=table, faults=faults)
    if faults:
        dev.alarms.raise_("impedance_fault", NON_CRITICAL, f"impedance out of range on {', '.join(f'{k} ({v})' for k, v in faults.items())}", faults=faults)
    elif dev.alarms.is_active("impedance_fault"):
        dev.alarms.clear("impedance_fault", reason="all contacts within range")
    return {"table": table, "faults": faults}


def apply_inject_impedance_fault(dev: StimulatorDevice, params: InjectFault) -> Payload:
    dev.electrodes.inject(params.contact, params.fault)
    dev.emit(K.IMPEDANCE_FAULT, contact=params.contact, fault=params.fault, ohm=dev.electrodes.ohm(dev.now)[params.contact])
    return {"contact": params.contact, "fault": params.fault}


def apply_recharge(dev: StimulatorDevice, params: Recharge) -> Payload:
    start_pct, end = dev.power.start_recharge(params.duration, params.to_full, dev.on_recharge_end)
    return {"battery_pct": start_pct, "planned_end_t_s": end}


def apply_posture(dev: StimulatorDevice, params: PostureParams) -> Payload:
    prev = dev.loop.set_posture(params.posture)
    dev.emit(K.POSTURE_CHANGE, posture=params.posture, previous=prev)
    dev.loop.update()
    return {"posture": params.posture}


def apply_cough(dev: StimulatorDevice, params: NoParams) -> Payload:
    duration = dev.loop.start_cough()
    dev.emit(K.COUGH_START, duration_s=duration)
    dev.loop.update()
    dev.loop.plan_cough_end(dev.on_cough_end)
    return {"cough_until_t_s": dev.loop.cough_until}


def apply_mri_mode(dev: StimulatorDevice, params: MriParams) -> Payload:
    output = dev.output
    if params.on == output.mri:
        return {"mri_mode": output.mri}
    was = dev.stimulating()
    output.set_mri(params.on)
    if params.on:
        dev.emit(K.MRI_ON, checked={"impedance_ok": not dev.electrodes.faulty(dev.now), "battery_pct": round(dev.power.pct(), 3)})
        if was:
            dev.emit(K.STIMULATION_OFF, reason="mri")
    else:
        dev.emit(K.MRI_OFF)
        if dev.stimulating():
            dev.programs.restart_all(dev.now)
            dev.emit(K.STIMULATION_ON, programs=list(dev.programs.active), reason="mri_off")
    return {"mri_mode": output.mri}


def apply_set_closed_loop(dev: StimulatorDevice, params: ClosedLoopParams) -> Payload:
    target = dev.loop.configure(params.enabled, params.target_uv)
    dev.emit(K.CLOSED_LOOP_SET, enabled=params.enabled, target_uv=target)
    dev.loop.update()
    return {"enabled": params.enabled}


def apply_acknowledge_alarm(dev: StimulatorDevice, params: AckParams) -> Payload:
    return {"acknowledged": dev.alarms.acknowledge(params.alarm)}
