"""Stimulator checks for exercises, read from the device's snapshot at the end of the replayed run.

- `charge_density_ok`: every contact of every active program is at or under the profile's charge
  density limit (30 uC/cm2 by default; scs.md, Vercise programming manual).
- `cathode_at_level`: an active program has a cathode on one of `levels` (e.g. [T9]).
- `no_faulty_contact_used`: no active program uses a contact whose impedance is out of range.
- `program_is`: the active program has the given waveform and an amplitude within bounds.
"""
from __future__ import annotations

from pydantic import Field

from simulator.profiles.base import StrictModel
from simulator.training.criteria import fmt
from simulator.training.device_checks import device_check


class NoArgs(StrictModel):
    pass


class LevelArgs(StrictModel):
    levels: list[str] = Field(min_length=1, max_length=30, description="Vertebral levels, e.g. [T8, T9]")


class ProgramArgs(StrictModel):
    waveform: str | None = Field(None, max_length=40)
    min_amplitude_ma: float | None = Field(None, ge=0, le=100)
    max_amplitude_ma: float | None = Field(None, ge=0, le=100)


def _active_programs(snap):
    return [(name, snap.programs[name]) for name in snap.active_programs]


@device_check("charge_density_ok", "scs", NoArgs)
def charge_density_ok(device, args, ctx):
    from simulator.scs.safety import contact_report

    limit = device.profile.charge_density_limit_uc_per_cm2
    snap = device.snapshot()
    active = _active_programs(snap)
    if not active:
        return False, "no program is running", {}
    amps = snap.effective_amplitudes_ma
    areas = {label: c.area_cm2 for label, c in snap.contacts.items()}
    worst = None
    over = []
    for name, program in active:
        for row in contact_report(program, areas, device.profile, snap.impedance_ohm, amps.get(name)):
            density = row["charge_density_uc_per_cm2"]
            if density is None:
                continue
            if worst is None or density > worst[2]:
                worst = (name, row["contact"], density, row["current_ma"])
            if row["over_density"]:
                over.append(f"{row['contact']} in {name}: {fmt(density)} uC/cm2 ({fmt(row['current_ma'])} mA)")
    if over:
        return False, f"over the {fmt(limit)} uC/cm2 limit: " + "; ".join(over), {"max_density_uc_per_cm2": worst[2]}
    if worst is None:
        return False, "no contact carries current", {}
    return True, f"highest charge density {fmt(worst[2])} uC/cm2 on {worst[1]} ({fmt(worst[3])} mA), under the {fmt(limit)} limit", {"max_density_uc_per_cm2": worst[2]}


@device_check("cathode_at_level", "scs", LevelArgs)
def cathode_at_level(device, args, ctx):
    levels = [str(v).upper() for v in args.get("levels", [])]
    cathodes = []
    snap = device.snapshot()
    for _name, program in _active_programs(snap):
        for label, use in program.contacts.items():
            if use.polarity == "-" and label in snap.contacts:
                cathodes.append((label, snap.contacts[label].level))
    if not cathodes:
        return False, "no active program has a cathode", {}
    listed = ", ".join(f"{c} at {lvl}" for c, lvl in cathodes)
    if any(lvl in levels for _, lvl in cathodes):
        return True, f"cathode(s): {listed}; target {'/'.join(levels)}", {}
    return False, f"cathode(s): {listed}; none at the target level {'/'.join(levels)}", {}


@device_check("no_faulty_contact_used", "scs", NoArgs)
def no_faulty_contact_used(device, args, ctx):
    snap = device.snapshot()
    faulty = snap.faulty_contacts
    used = [(name, label, faulty[label]) for name, program in _active_programs(snap) for label in program.contacts if label in faulty]
    if used:
        return False, "still programmed on a faulty contact: " + "; ".join(f"{label} ({fault}) in {name}" for name, label, fault in used), {}
    return True, f"no active program uses the faulty contact(s) {', '.join(faulty) or '(none)'}", {}


@device_check("program_is", "scs", ProgramArgs)
def program_is(device, args, ctx):
    snap = device.snapshot()
    active = _active_programs(snap)
    if not active:
        return False, "no program is running", {}
    name, program = active[0]
    amp = snap.effective_amplitudes_ma.get(name, program.amplitude_ma)
    problems = []
    want = args.get("waveform")
    if want and program.waveform != want:
        problems.append(f"waveform is {program.waveform}, wanted {want}")
    lo, hi = args.get("min_amplitude_ma"), args.get("max_amplitude_ma")
    if lo is not None and amp < lo - 1e-9:
        problems.append(f"amplitude is {fmt(amp, 'mA')}, below the {fmt(lo, 'mA')} the patient needs")
    if hi is not None and amp > hi + 1e-9:
        problems.append(f"amplitude is {fmt(amp, 'mA')}, above {fmt(hi, 'mA')}")
    if problems:
        return False, f"program {name}: " + "; ".join(problems), {}
    return True, f"program {name}: {program.waveform} at {fmt(amp, 'mA')}", {}
