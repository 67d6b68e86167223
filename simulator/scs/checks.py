"""Checks of pending actions against the profile and the patient's limits (refuse or warn).

`check(action, params)` is what the app calls before transmitting; `apply` runs the same checks.
"""
from __future__ import annotations

from typing import Any

from simulator.device import Finding
from simulator.errors import ActionRefused
from simulator.profiles.base import StrictModel
from simulator.scs import safety
from simulator.scs.program import Cycling, Program
from simulator.scs.settings import SetCycling, SetProgram
from simulator.event_kinds import K



class ChecksMixin:
    """Mixed into StimulatorDevice: findings for each action, before it is applied."""

    def _resolve(self, name: str | None) -> str:
        if name is None:
            if not self.active:
                raise ActionRefused("no active program", limit="active_programs", value=[], allowed=list(self.programs))
            return self.active[0]
        if name not in self.programs:
            raise ActionRefused(f"no program {name!r}", limit="program", value=name, allowed=list(self.programs))
        return name

    def _pending_program(self, params: SetProgram) -> Program:
        new = params.program
        old = self.programs.get(new.name)
        if "amplitude_ma" not in new.model_fields_set:
            keep = old.amplitude_ma if (old is not None and old.same_configuration(new)) else 0.0
            new = new.model_copy(update={"amplitude_ma": keep})
        return new

    def _program_findings(self, p: Program, others_active: list[str] | None = None) -> list[Finding]:
        findings = safety.check_program(p, self.profile, self.areas, self._ohm())
        if others_active is not None:
            progs = [self.programs[n] for n in others_active if n != p.name] + [p]
            findings += safety.check_interleave(progs, self.profile, self._passive_taus(progs))
        return findings

    def check(self, action: str, params: StrictModel) -> list[Finding]:
        try:
            return self._check(action, params)
        except ActionRefused as r:
            return [Finding("refuse", r.reason, r.details.get("limit", ""), r.details.get("value"), r.details.get("allowed"))]

    def _check(self, action: str, params: Any) -> list[Finding]:
        prof = self.profile
        if action == "set_program":
            p = self._pending_program(params)
            out = []
            if p.name not in self.programs and len(self.programs) >= prof.max_programs:
                out.append(Finding("refuse", f"{prof.id} stores at most {prof.max_programs} programs", "max_programs", len(self.programs) + 1, prof.max_programs))
            active = [p.name] if params.activate else (self.active if p.name in self.active else None)
            out += self._program_findings(p, active)
            for g, members in self.groups.items():  # a changed program must still interleave with its groups
                if p.name in members and not params.activate:
                    progs = [p if m == p.name else self.programs[m] for m in members]
                    out += [Finding(f.level, f"group {g!r}: {f.message}", f.limit, f.value, f.allowed)
                            for f in safety.check_interleave(progs, prof, self._passive_taus(progs)) if f.limit == "interleave"]
            return out
        if action == "set_group":
            out = []
            if params.name not in self.groups and len(self.groups) >= prof.max_groups:
                out.append(Finding("refuse", f"{prof.id} stores at most {prof.max_groups} program groups", "max_groups", len(self.groups) + 1, prof.max_groups))
            missing = [n for n in params.programs if n not in self.programs]
            if missing:
                return out + [Finding("refuse", f"no program {', '.join(missing)}", "program", missing, list(self.programs))]
            if len(set(params.programs)) != len(params.programs):
                return out + [Finding("refuse", "a program appears twice in the group", "programs", params.programs, "distinct programs")]
            progs = [self.programs[n] for n in params.programs]
            return out + safety.check_interleave(progs, prof, self._passive_taus(progs))
        if action == "select_group":
            if params.name not in self.groups:
                return [Finding("refuse", f"no group {params.name!r}", "group", params.name, list(self.groups))]
            progs = [self.programs[n] for n in self.groups[params.name]]
            return safety.check_interleave(progs, prof, self._passive_taus(progs))
        if action == "select_program":
            names = [params.name] if params.name is not None else list(params.names)
            missing = [n for n in names if n not in self.programs]
            if missing:
                return [Finding("refuse", f"no program {', '.join(missing)}", "program", missing, list(self.programs))]
            return safety.check_interleave([self.programs[n] for n in names], prof)
        if action in ("amplitude_up", "amplitude_down"):
            name = self._resolve(params.program)
            p = self.programs[name]
            step = prof.amplitude_ma.step * params.steps
            new = round(p.amplitude_ma + (step if action == "amplitude_up" else -step), 6)
            if action == "amplitude_up":
                top = p.patient_max_ma if p.patient_max_ma is not None else prof.amplitude_ma.max
                if new > top + 1e-9:
                    return [Finding("refuse", f"{name}: {new:g} mA is above the patient's maximum {top:g} mA", "patient_max_ma", new, top)]
                if p.max_tolerable_ma is not None and name not in self.maxtol_bypass and new > p.max_tolerable_ma + 1e-9:
                    return [Finding("refuse", f"{name}: {new:g} mA is above the recorded maximum tolerable amplitude {p.max_tolerable_ma:g} mA "
                                    "(a clinician bypass is needed)", "max_tolerable_ma", new, p.max_tolerable_ma)]
            else:
                if new < p.patient_min_ma - 1e-9:
                    return [Finding("refuse", f"{name}: {new:g} mA is below the patient's minimum {p.patient_min_ma:g} mA", "patient_min_ma", new, p.patient_min_ma)]
            return [f for f in self._program_findings(p.model_copy(update={"amplitude_ma": new})) if f.limit != "patient_max_ma"]
        if action == "record_threshold":
            name = self._resolve(params.program)
            return self._program_findings(self._thresholded(self.programs[name], params))
        if action == "max_tolerable_bypass":
            name = self._resolve(params.program)
            if params.enabled and self.programs[name].max_tolerable_ma is None:
                return [Finding("refuse", f"{name}: no maximum tolerable amplitude is recorded; nothing to bypass", "max_tolerable_ma", None, "a recorded MaxTol")]
            return []
        if action == "set_patient_limits":
            name = self._resolve(params.program)
            return self._program_findings(self._limited(self.programs[name], params))
        if action == "patient_step":
            name = self._resolve(params.program)
            p = self.programs[name]
            locked = p.patient_rate_locked if params.parameter == "rate_hz" else p.patient_pulse_width_locked
            if locked:
                what = "rate" if params.parameter == "rate_hz" else "pulse width"
                lim = "patient_rate_locked" if params.parameter == "rate_hz" else "patient_pulse_width_locked"
                return [Finding("refuse", f"{name}: the clinician locked the {what} out of the patient remote", lim, True, False)]
            return self._program_findings(self._stepped(p, params), self.active if name in self.active else None)
        if action == "set_amplitude":
            name = self._resolve(params.program)
            return self._program_findings(self.programs[name].model_copy(update={"amplitude_ma": params.amplitude_ma}))
        if action == "stimulation_on":
            if self.mri:
                return [Finding("refuse", "MRI mode is on: turn it off first", "mri_mode", True, False)]
            if self.suspended == "eos" or "empty" in self.flags:
                return [Finding("refuse", "the battery is at end of service; stimulation cannot restart", "battery_pct", round(self.battery.pct_at(self.now), 3), f"> {prof.battery.stimulation_off_pct}")]
            if self.suspended == "battery":
                return [Finding("refuse", "battery too low: recharge before turning stimulation on", "battery_pct", round(self.battery.pct_at(self.now), 3), f"> {prof.battery.stimulation_off_pct}")]
            return []
        if action == "set_cycling":
            name = self._resolve(params.program)
            return self._program_findings(self._cycled(self.programs[name], params), self.active if name in self.active else None)
        if action == "inject_impedance_fault":
            if params.contact not in self.contacts:
                return [Finding("refuse", f"no contact {params.contact!r}", "contact", params.contact, f"E1-E{len(self.contacts)}")]
            return []
        if action == "recharge":
            if prof.battery.chemistry != "rechargeable":
                return [Finding("refuse", f"{prof.id} has a primary cell; it cannot be recharged", "battery.chemistry", "primary", "rechargeable")]
            if self.battery.pct_at(self.now) >= 100.0 - 1e-9:
                return [Finding("warn", "the battery is already full", "battery_pct", 100.0, "< 100")]
            return []
        if action == "mri_mode" and params.on:
            out = []
            if not prof.mri.conditional:
                out.append(Finding("refuse", f"{prof.id} is not MRI conditional", "mri.conditional", False, True))
            faulty = self.impedance.faulty(self.now)
            if prof.mri.require_impedance_ok and faulty:
                out.append(Finding("refuse", f"MRI conditions not met: contacts out of range {faulty}", "impedance", faulty, "all contacts within range"))
            pct = self.battery.pct_at(self.now)
            if pct < prof.mri.min_battery_pct:
                out.append(Finding("refuse", f"MRI conditions not met: battery {pct:.1f} % below {prof.mri.min_battery_pct:g} %", "mri.min_battery_pct", round(pct, 2), prof.mri.min_battery_pct))
            return out
        if action == "set_closed_loop" and self.loop is None:
            return [Finding("refuse", f"{prof.id} has no closed loop", "closed_loop", None, "a closed-loop profile")]
        return []

    def _thresholded(self, p: Program, params: Any) -> Program:
        amp = p.amplitude_ma if params.amplitude_ma is None else params.amplitude_ma
        key = "perception_threshold_ma" if params.kind == "perception" else "max_tolerable_ma"
        return p.model_copy(update={key: amp})

    def _limited(self, p: Program, params: Any) -> Program:
        data = p.model_dump()
        if params.patient_min_ma is not None:
            data["patient_min_ma"] = params.patient_min_ma
        if params.clear_patient_max:
            data["patient_max_ma"] = None
        if params.patient_max_ma is not None:
            data["patient_max_ma"] = params.patient_max_ma
        if params.rate_locked is not None:
            data["patient_rate_locked"] = params.rate_locked
        if params.pulse_width_locked is not None:
            data["patient_pulse_width_locked"] = params.pulse_width_locked
        try:
            return Program.model_validate(data)
        except ValueError as exc:  # pydantic ValidationError: e.g. maximum below minimum
            raise ActionRefused(f"{p.name}: {exc.errors()[0]['msg'] if hasattr(exc, 'errors') else exc}", limit="patient_limits",
                                value={k: data[k] for k in ("patient_min_ma", "patient_max_ma")}, allowed="patient_min_ma <= patient_max_ma") from None

    def _stepped(self, p: Program, params: Any) -> Program:
        """The program with its rate or pulse width moved by `steps` of the profile's step for it."""
        prof = self.profile
        if params.parameter == "pulse_width_us":
            spec = prof.pulse_width_us
        elif p.waveform == "high_frequency" and prof.high_frequency_rate_hz is not None:
            spec = prof.high_frequency_rate_hz
        elif p.waveform == "burst" and prof.burst is not None:
            spec = prof.burst.burst_rate_hz
        else:
            spec = prof.rate_hz
        value = round(getattr(p, params.parameter) + spec.step * params.steps, 6)
        if value <= 0:
            raise ActionRefused(f"{p.name}: {params.parameter} would be {value:g}", limit=params.parameter, value=value, allowed=spec.allowed(""))
        return p.model_copy(update={params.parameter: value})

    def _cycled(self, p: Program, params: SetCycling) -> Program:
        upd: dict[str, Any] = {}
        if params.on_s is None and params.off_s is None:
            upd["cycling"] = None
        else:
            on = params.on_s if params.on_s is not None else (p.cycling.on_s if p.cycling else 60.0)
            off = params.off_s if params.off_s is not None else (p.cycling.off_s if p.cycling else 0.0)
            upd["cycling"] = Cycling(on_s=on, off_s=off)
        if params.soft_start_s is not None:
            upd["soft_start_s"] = params.soft_start_s
        if params.soft_stop_s is not None:
            upd["soft_stop_s"] = params.soft_stop_s
        return p.model_copy(update=upd)

    def _emit_finding(self, f: Finding, action: str) -> None:
        self.warn(f.message, action=action, limit=f.limit, value=f.value, allowed=f.allowed)
        kind = {"charge_density_uc_per_cm2": K.SAFETY_CHARGE_DENSITY, "shannon_k": K.SAFETY_SHANNON_K, "patient_max_ma": K.SAFETY_PATIENT_RANGE}.get(f.limit)
        if kind:
            self.safety_events[kind] = self.safety_events.get(kind, 0) + 1
            self.emit(kind, message=f.message, value=f.value, limit=f.allowed, policy="warn")

