"""The spinal cord stimulator device (kind `scs`): state, actions, closed-form accounting.

State is rebased at every action and every planned wake-up; between them everything is closed
form: battery level (linear), cumulative charge and energy (linear), time stimulating, cycling
phase (folded into the average drain), closed-loop time in window. The device wakes only at
actions, battery thresholds (low battery, stimulation off / ERI / end of service, empty),
recharge ends, cough ends and a slow impedance-drift update (default every 30 days).
Pulses and cycling edges are never events; `render_waveform` synthesises them on demand.
"""
from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from simulator.alarms import CRITICAL, NON_CRITICAL, AlarmBoard
from simulator.device import Device, Finding
from simulator.errors import ActionRefused, InputError, Issue
from simulator.profiles.base import StrictModel
from simulator.scenario.model import Duration
from simulator.scs import perception, safety
from simulator.scs.battery import BatteryState, charge_time_h, days_between
from simulator.scs.closed_loop import LABEL as LOOP_LABEL
from simulator.scs.closed_loop import LoopTracker
from simulator.scs.energy import battery_current_ma, compliance, program_drain
from simulator.scs.impedance import ImpedanceModel
from simulator.scs.leads import DEFAULT_SEGMENT_MM, LeadPlacement, LeadProfile, contact_map
from simulator.scs.profile import StimulatorProfile
from simulator.scs.program import CASE, Cycling, Program
from simulator.scs.waveform import render

Posture = Literal["standing", "sitting", "supine", "prone"]
SECONDS_PER_DAY = 86400.0


# ----- settings -----
class ImpedanceSettings(StrictModel):
    initial_ohm: dict[str, float] = Field(default_factory=dict, description="Contact label -> impedance at implant, ohm (others drawn from the profile's spread)")
    faults: dict[str, Literal["open", "short"]] = Field(default_factory=dict, description="Faults present from the start")
    drift: bool = Field(True, description="Apply the profile's seeded per-contact drift")
    update_interval: Duration = Field(30 * SECONDS_PER_DAY, description="How often drifted impedances are folded into the drain (s or '30d')")


class ClosedLoopSettings(StrictModel):
    enabled: bool = Field(True, description="Controller on (off = open loop; both are reported)")
    target_uv: float | None = Field(None, gt=0, le=1000, description="ECAP target, uV (default: the profile's)")
    posture: Posture = "standing"


class Settings(StrictModel):
    leads: list[LeadPlacement] = Field(min_length=1, max_length=8, description="Leads in port order; contacts are numbered E1.. across them")
    segment_mm: float = Field(DEFAULT_SEGMENT_MM, gt=5, le=60, description="[?] default height of one vertebral segment, mm")
    programs: list[Program] = Field(default_factory=list, description="Stored programs (default: the profile's nominal program)")
    active_programs: list[str] | None = Field(None, description="Programs running (interleaved); default: the first")
    stimulation_on: bool = True
    battery_pct: float = Field(100.0, ge=0, le=100, description="Battery level at t = 0, %")
    impedance: ImpedanceSettings = Field(default_factory=ImpedanceSettings)
    closed_loop: ClosedLoopSettings | None = None

    @model_validator(mode="after")
    def _names(self):
        names = [p.name for p in self.programs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate program names: {', '.join(dup)}")
        return self


# ----- actions -----
class SetProgram(StrictModel):
    program: Program = Field(description="The whole program; replaces the stored program of that name (or adds it)")
    activate: bool = Field(False, description="Also make it the only active program")


class SelectProgram(StrictModel):
    name: str | None = Field(None, description="Run this program alone")
    names: list[str] | None = Field(None, description="Run these programs interleaved")

    @model_validator(mode="after")
    def _one(self):
        if (self.name is None) == (self.names is None):
            raise ValueError("give exactly one of 'name' or 'names'")
        return self


class AmplitudeStep(StrictModel):
    program: str | None = Field(None, description="Program (default: the first active)")
    steps: int = Field(1, ge=1, le=100, description="How many of the profile's amplitude steps")


class SetAmplitude(StrictModel):
    program: str | None = None
    amplitude_ma: float = Field(ge=0, le=100)


class NoParams(StrictModel):
    pass


class SetCycling(StrictModel):
    program: str | None = None
    on_s: float | None = Field(None, gt=0, le=86400, description="None with off_s None: continuous")
    off_s: float | None = Field(None, ge=0, le=86400)
    soft_start_s: float | None = Field(None, ge=0, le=60)
    soft_stop_s: float | None = Field(None, ge=0, le=60)


class InjectFault(StrictModel):
    contact: str
    fault: Literal["open", "short", "none"]


class Recharge(StrictModel):
    duration: Duration | None = Field(None, description="How long to charge (default: until full)")
    to_full: bool = False


class PostureParams(StrictModel):
    posture: Posture


class MriParams(StrictModel):
    on: bool


class AckParams(StrictModel):
    alarm: str | None = None


class ClosedLoopParams(StrictModel):
    enabled: bool
    target_uv: float | None = Field(None, gt=0, le=1000)


class StimulatorDevice(Device):
    kind: ClassVar[str] = "scs"
    Settings = Settings
    ACTIONS: ClassVar[dict[str, type[StrictModel]]] = {
        "set_program": SetProgram,
        "select_program": SelectProgram,
        "amplitude_up": AmplitudeStep,
        "amplitude_down": AmplitudeStep,
        "set_amplitude": SetAmplitude,
        "stimulation_on": NoParams,
        "stimulation_off": NoParams,
        "set_cycling": SetCycling,
        "impedance_check": NoParams,
        "inject_impedance_fault": InjectFault,
        "recharge": Recharge,
        "posture": PostureParams,
        "cough": NoParams,
        "mri_mode": MriParams,
        "set_closed_loop": ClosedLoopParams,
        "acknowledge_alarm": AckParams,
    }
    profile: StimulatorProfile

    # ================= validation =================
    @classmethod
    def _lead_profiles(cls, settings: Settings, registry) -> list[LeadProfile]:
        leads, issues = [], []
        for i, place in enumerate(settings.leads):
            try:
                leads.append(registry.get(place.lead, expected_kind="lead"))
            except InputError as exc:
                issues.extend(x.under(f"leads[{i}].lead") for x in exc.issues)
        if issues:
            raise InputError(issues)
        return leads

    @classmethod
    def check_settings(cls, profile, settings, registry) -> None:
        leads = cls._lead_profiles(settings, registry)
        issues: list[Issue] = []
        if len(leads) > profile.lead_ports:
            issues.append(Issue("leads", f"{profile.id} has {profile.lead_ports} lead ports", len(leads)))
        n = sum(lp.contacts for lp in leads)
        if n > profile.contacts_max:
            issues.append(Issue("leads", f"the leads have {n} contacts; {profile.id} drives at most {profile.contacts_max}", n))
        areas = {k: v["area_cm2"] for k, v in contact_map(settings.leads, leads, settings.segment_mm).items()}
        programs = settings.programs or [profile.nominal_program]
        if len(programs) > profile.max_programs:
            issues.append(Issue("programs", f"{profile.id} stores at most {profile.max_programs} programs", len(programs)))
        for i, p in enumerate(programs):
            for f in safety.check_program(p, profile, areas):
                if f.level == "refuse":
                    issues.append(Issue(f"programs[{i}]", f"{f.message} (allowed: {f.allowed})", f.value))
        names = [p.name for p in programs]
        active = settings.active_programs if settings.active_programs is not None else names[:1]
        for a in active:
            if a not in names:
                issues.append(Issue("active_programs", f"no program {a!r}; programs: {', '.join(names)}", a))
        if not issues:
            for f in safety.check_interleave([p for p in programs if p.name in active], profile):
                issues.append(Issue("active_programs", f.message, f.value))
        for label in list(settings.impedance.initial_ohm) + list(settings.impedance.faults):
            if label not in areas:
                issues.append(Issue("impedance", f"no contact {label!r}; contacts E1-E{len(areas)}", label))
        if settings.closed_loop is not None and profile.closed_loop is None:
            issues.append(Issue("closed_loop", f"{profile.id} has no closed-loop model; use e.g. scs/closed-loop-ecap", "closed_loop"))
        if issues:
            raise InputError(issues)

    # ================= lifecycle =================
    def start(self) -> None:
        s: Settings = self.settings  # type: ignore[assignment]
        self.leads = self._lead_profiles(s, self.registry)
        self.contacts = contact_map(s.leads, self.leads, s.segment_mm)
        self.areas = {k: v["area_cm2"] for k, v in self.contacts.items()}
        self.programs: dict[str, Program] = {p.name: p for p in (s.programs or [self.profile.nominal_program])}
        names = list(self.programs)
        self.active: list[str] = list(s.active_programs) if s.active_programs is not None else names[:1]
        self.stim_on = s.stimulation_on
        self.suspended: str | None = None  # 'battery', 'eos', 'empty'
        self.mri = False
        self.starts: dict[str, float] = {n: 0.0 for n in self.active}
        self.alarms = AlarmBoard(self)
        self.impedance = ImpedanceModel(self.profile.impedance, list(self.contacts), self.rng, s.impedance.initial_ohm, dict(s.impedance.faults), s.impedance.drift)
        b = self.profile.battery
        self.battery = BatteryState(b.capacity_mah, b.capacity_mah * s.battery_pct / 100.0, 0.0, 0.0)
        self.flags: set[str] = set()
        self.recharging: dict[str, Any] | None = None
        self.recharges: list[dict[str, Any]] = []
        self.charge_uc = self.energy_j = self.tissue_energy_j = self.stim_s = 0.0
        self.t_acc = 0.0
        self.rate: dict[str, float] = {}
        self.safety_events: dict[str, int] = {}
        self.compliance_state: dict[str, bool] = {}
        self.last_check: list[dict[str, Any]] | None = None
        self.posture = "standing"
        self.cough_until: float | None = None
        self.loop: LoopTracker | None = None
        self.loop_enabled = False
        self._wake = self._recharge_wake = self._cough_wake = None
        cl = self.profile.closed_loop
        if cl is not None:
            cls_ = s.closed_loop or ClosedLoopSettings()
            self.loop_enabled = cls_.enabled
            self.posture = cls_.posture
            first = self.programs[self.active[0]] if self.active else self.profile.nominal_program
            self.loop = LoopTracker(cl, cls_.target_uv or cl.target_uv, first.amplitude_ma, self._loop_cap_ma(first), cl.posture_distance_factor.get(self.posture, 1.0))
        # thresholds already below at start
        pct = self.battery.pct_at(0.0)
        self._compute_rates()
        for f in self._startup_findings():
            self._emit_finding(f, "settings")
        self._check_compliance()
        self._cross_thresholds(pct, initial=True)
        self._compute_rates()
        self.record_state()
        self._plan()
        self._drift_wake = None
        if s.impedance.drift and s.impedance.update_interval > 0:
            self._schedule_drift(s.impedance.update_interval)

    def _startup_findings(self) -> list[Finding]:
        out = []
        for p in self.programs.values():
            out += [f for f in safety.check_program(p, self.profile, self.areas, self._ohm()) if f.level == "warn"]
        return out

    # ================= closed-form state =================
    def _ohm(self, t_s: float | None = None) -> dict[str, float]:
        return self.impedance.ohm_at(self.now if t_s is None else t_s)

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
                d = program_drain(self.programs[n], self.profile, ohm, amps[n])
                charge += d.charge_uc_per_s
                tissue += d.tissue_power_w
                supply += d.battery_power_w
        drain_ma = battery_current_ma(supply, self.profile, stim)
        net = -drain_ma
        if self.recharging is not None:
            net += self.profile.battery.charge_current_ma
        self.rate = {"charge_uc_per_s": charge, "tissue_w": tissue, "battery_w": drain_ma * 1e-3 * self.profile.battery.voltage_v,
                     "drain_ma": drain_ma, "net_ma": net, "stimulating": float(stim)}
        self.battery.rebase(self.now, net)

    def _rebase(self) -> None:
        """Bring the accumulators to now at the rates in force since the last change."""
        dt = self.now - self.t_acc
        if dt > 0 and self.rate:
            self.charge_uc += self.rate["charge_uc_per_s"] * dt
            self.energy_j += self.rate["battery_w"] * dt
            self.tissue_energy_j += self.rate["tissue_w"] * dt
            self.stim_s += dt * self.rate["stimulating"]
        if self.loop is not None:
            self.loop.advance(self.now, bool(self.rate.get("stimulating", 0.0)) if self.rate else self.stimulating())
        self.t_acc = self.now
        self.battery.rebase(self.now)

    def _accumulated(self, t_s: float) -> tuple[float, float, float]:
        dt = max(0.0, t_s - self.t_acc)
        return (self.charge_uc + self.rate.get("charge_uc_per_s", 0.0) * dt,
                self.energy_j + self.rate.get("battery_w", 0.0) * dt,
                self.stim_s + self.rate.get("stimulating", 0.0) * dt)

    # ================= planning =================
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
                self.emit("battery.low", **pl)
                msg = "battery low: recharge soon" if b.chemistry == "rechargeable" else "battery low"
                self.alarms.raise_("battery_low", NON_CRITICAL, msg, **pl)
            elif name == "eri":
                self.emit("battery.eri", **pl)
                self.alarms.raise_("eri", NON_CRITICAL, "elective replacement indicator: schedule a replacement", **pl)
            elif name in ("stim_off", "eos"):
                was = self.stimulating()
                self.suspended = "battery" if name == "stim_off" else "eos"
                kind = "battery.eos" if name == "eos" else "battery.stimulation_off"
                self.emit(kind, **pl)
                if was or initial:
                    self.emit("stimulation.off", reason=self.suspended, **pl)
                msg = ("battery too low: stimulation stopped; recharge within about 3 days" if name == "stim_off"
                       else "end of service: stimulation stopped; replace the generator")
                self.alarms.raise_("stimulation_off_battery" if name == "stim_off" else "eos", CRITICAL, msg, **pl)
            elif name == "empty":
                self.emit("battery.depleted", **pl)
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

    # ================= checks =================
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
            findings += safety.check_interleave(progs, self.profile)
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
            return out + self._program_findings(p, active)
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
            else:
                if new < p.patient_min_ma - 1e-9:
                    return [Finding("refuse", f"{name}: {new:g} mA is below the patient's minimum {p.patient_min_ma:g} mA", "patient_min_ma", new, p.patient_min_ma)]
            return [f for f in self._program_findings(p.model_copy(update={"amplitude_ma": new})) if f.limit != "patient_max_ma"]
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
        kind = {"charge_density_uc_per_cm2": "safety.charge_density", "shannon_k": "safety.shannon_k", "patient_max_ma": "safety.patient_range"}.get(f.limit)
        if kind:
            self.safety_events[kind] = self.safety_events.get(kind, 0) + 1
            self.emit(kind, message=f.message, value=f.value, limit=f.allowed, policy="warn")

    # ================= apply =================
    def apply(self, action: str, params: StrictModel) -> dict[str, Any] | None:
        findings = self._check(action, params)
        refusals = [f for f in findings if f.level == "refuse"]
        if refusals:
            f = refusals[0]
            kind = {"charge_density_uc_per_cm2": "safety.charge_density"}.get(f.limit)
            if kind:
                self.safety_events[kind] = self.safety_events.get(kind, 0) + 1
                self.emit(kind, message=f.message, value=f.value, limit=f.allowed, policy="refuse")
            raise ActionRefused(f.message, limit=f.limit, value=f.value, allowed=f.allowed, findings=[x.as_dict() for x in refusals])
        self._rebase()
        for f in findings:
            self._emit_finding(f, action)
        result = getattr(self, "_do_" + action)(params) or {}
        self._compute_rates()
        self._check_compliance()
        self.record_state()
        self._plan()
        if findings:
            result["warnings"] = [f.as_dict() for f in findings]
        return result

    def _do_set_program(self, params: SetProgram):
        p = self._pending_program(params)
        old = self.programs.get(p.name)
        self.programs[p.name] = p
        if params.activate:
            self._set_active([p.name])
        self.emit("program.transmitted", program=p.name, amplitude_ma=p.amplitude_ma,
                  configuration_changed=bool(old is None or not old.same_configuration(p)),
                  amplitude_reset=bool("amplitude_ma" not in params.program.model_fields_set and p.amplitude_ma == 0.0 and old is not None and not old.same_configuration(p)))
        if self.loop is not None and self.active and p.name == self.active[0]:
            self.loop.open_amplitude_ma = p.amplitude_ma
            self.loop.max_amplitude_ma = self._loop_cap_ma(p)
        return {"program": p.model_dump(mode="json")}

    def _set_active(self, names: list[str]) -> None:
        for n in names:
            if n not in self.active:
                self.starts[n] = self.now
        self.active = list(names)
        if self.loop is not None and self.active:
            p = self.programs[self.active[0]]
            self.loop.open_amplitude_ma = p.amplitude_ma
            self.loop.max_amplitude_ma = self._loop_cap_ma(p)

    def _do_select_program(self, params: SelectProgram):
        names = [params.name] if params.name is not None else list(params.names)
        self._set_active(names)
        self.emit("program.selected", programs=names)
        return {"active_programs": names}

    def _set_amp(self, name: str, amp: float, who: str):
        p = self.programs[name]
        self.programs[name] = p.model_copy(update={"amplitude_ma": amp})
        if self.loop is not None and self.active and name == self.active[0]:
            self.loop.open_amplitude_ma = amp
        self.emit("amplitude.change", program=name, amplitude_ma=amp, previous_ma=p.amplitude_ma, by=who)
        return {"program": name, "amplitude_ma": amp}

    def _do_amplitude_up(self, params: AmplitudeStep):
        name = self._resolve(params.program)
        return self._set_amp(name, round(self.programs[name].amplitude_ma + self.profile.amplitude_ma.step * params.steps, 6), "patient")

    def _do_amplitude_down(self, params: AmplitudeStep):
        name = self._resolve(params.program)
        return self._set_amp(name, max(0.0, round(self.programs[name].amplitude_ma - self.profile.amplitude_ma.step * params.steps, 6)), "patient")

    def _do_set_amplitude(self, params: SetAmplitude):
        return self._set_amp(self._resolve(params.program), params.amplitude_ma, "clinician")

    def _do_stimulation_on(self, params):
        was = self.stimulating()
        self.stim_on = True
        for n in self.active:
            self.starts[n] = self.now if not was else self.starts.get(n, self.now)
        if not was and self.stimulating():
            self.emit("stimulation.on", programs=list(self.active))
        return {"stimulating": self.stimulating()}

    def _do_stimulation_off(self, params):
        was = self.stimulating()
        self.stim_on = False
        if was:
            self.emit("stimulation.off", reason="user")
        return {"stimulating": False}

    def _do_set_cycling(self, params: SetCycling):
        name = self._resolve(params.program)
        self.programs[name] = self._cycled(self.programs[name], params)
        self.starts[name] = self.now
        c = self.programs[name].cycling
        self.emit("program.cycling", program=name, on_s=c.on_s if c else None, off_s=c.off_s if c else None,
                  duty=self.programs[name].duty_fraction())
        return {"program": name, "duty": self.programs[name].duty_fraction()}

    def _do_impedance_check(self, params):
        table = self.impedance_table()
        self.last_check = table
        faults = {r["contact"]: r["flag"] for r in table if r["flag"]}
        self.emit("impedance.check", table=table, faults=faults)
        if faults:
            self.alarms.raise_("impedance_fault", NON_CRITICAL, f"impedance out of range on {', '.join(f'{k} ({v})' for k, v in faults.items())}", faults=faults)
        elif self.alarms.is_active("impedance_fault"):
            self.alarms.clear("impedance_fault", reason="all contacts within range")
        return {"table": table, "faults": faults}

    def _do_inject_impedance_fault(self, params: InjectFault):
        self.impedance.inject(params.contact, params.fault)
        self.emit("impedance.fault", contact=params.contact, fault=params.fault, ohm=self._ohm()[params.contact])
        return {"contact": params.contact, "fault": params.fault}

    def _do_recharge(self, params: Recharge):
        if self._recharge_wake is not None:
            self._recharge_wake.cancel()
        start_pct = self.battery.pct_at(self.now)
        self.recharging = {"start_t_s": self.now, "start_pct": start_pct}
        self._compute_rates()
        t_full = self.battery.time_to_pct(100.0)
        end = t_full if (params.duration is None or params.to_full) else min(self.now + params.duration, t_full)
        self.recharging["planned_end_t_s"] = end
        self.emit("recharge.start", battery_pct=round(start_pct, 4), planned_end_t_s=end)
        if math.isfinite(end):
            self._recharge_wake = self.wake_at(end, self._end_recharge)
        return {"battery_pct": start_pct, "planned_end_t_s": end}

    def _end_recharge(self) -> None:
        self._recharge_wake = None
        self._rebase()
        rec = self.recharging or {}
        self.recharging = None
        pct = self.battery.pct_at(self.now)
        entry = {"start_t_s": rec.get("start_t_s"), "end_t_s": self.now, "hours": (self.now - rec.get("start_t_s", self.now)) / 3600.0,
                 "from_pct": rec.get("start_pct"), "to_pct": pct}
        self.recharges.append(entry)
        self.emit("recharge.end", **entry)
        b = self.profile.battery
        for level, name in self._thresholds():
            if name in self.flags and pct > level + 1e-9:
                self.flags.discard(name)
        if pct > b.low_battery_pct and self.alarms.is_active("battery_low"):
            self.alarms.clear("battery_low", reason="recharged")
        if self.suspended == "battery" and pct > b.stimulation_off_pct:
            self.suspended = None
            self.alarms.clear("stimulation_off_battery", reason="recharged")
            for n in self.active:
                self.starts[n] = self.now
            if self.stimulating():
                self.emit("stimulation.on", programs=list(self.active), reason="recharged")
        self._compute_rates()
        self.record_state()
        self._plan()

    def _distance_factor(self) -> float:
        cl = self.profile.closed_loop
        if cl is None:
            return 1.0
        f = cl.posture_distance_factor.get(self.posture, 1.0)
        if self.cough_until is not None and self.now < self.cough_until:
            f *= cl.cough_distance_factor
        return f

    def _loop_update(self) -> None:
        if self.loop is not None:
            self.loop.set_distance(self.now, self._distance_factor(), self.stimulating())
            self.emit("closed_loop.ecap", posture=self.posture, cough=self.cough_until is not None,
                      ecap_closed_uv=self.loop.ecap_at(self.now), ecap_open_uv=self.loop.ecap_at(self.now, closed=False),
                      settled_ecap_closed_uv=self.loop.spec.slope_uv_per_ma * max(0.0, self.loop.settled_ma() - _threshold(self.loop)),
                      settled_amplitude_ma=self.loop.settled_ma(), label=LOOP_LABEL)

    def _do_posture(self, params: PostureParams):
        prev = self.posture
        self.posture = params.posture
        self.emit("posture.change", posture=params.posture, previous=prev)
        self._loop_update()
        return {"posture": params.posture}

    def _do_cough(self, params):
        cl = self.profile.closed_loop
        duration = cl.cough_duration_s if cl else 2.0
        self.cough_until = self.now + duration
        self.emit("cough.start", duration_s=duration)
        self._loop_update()
        if self._cough_wake is not None:
            self._cough_wake.cancel()
        self._cough_wake = self.wake_at(self.cough_until, self._end_cough)
        return {"cough_until_t_s": self.cough_until}

    def _end_cough(self) -> None:
        self._cough_wake = None
        self._rebase()
        self.cough_until = None
        self.emit("cough.end")
        self._loop_update()
        self._compute_rates()
        self.record_state()
        self._plan()

    def _do_mri_mode(self, params: MriParams):
        if params.on == self.mri:
            return {"mri_mode": self.mri}
        was = self.stimulating()
        self.mri = params.on
        if params.on:
            self.emit("mri.on", checked={"impedance_ok": not self.impedance.faulty(self.now), "battery_pct": round(self.battery.pct_at(self.now), 3)})
            if was:
                self.emit("stimulation.off", reason="mri")
        else:
            self.emit("mri.off")
            if self.stimulating():
                for n in self.active:
                    self.starts[n] = self.now
                self.emit("stimulation.on", programs=list(self.active), reason="mri_off")
        return {"mri_mode": self.mri}

    def _do_set_closed_loop(self, params: ClosedLoopParams):
        self.loop_enabled = params.enabled
        if params.target_uv is not None:
            self.loop.target_uv = params.target_uv  # type: ignore[union-attr]
        self.emit("closed_loop.set", enabled=params.enabled, target_uv=self.loop.target_uv)  # type: ignore[union-attr]
        self._loop_update()
        return {"enabled": params.enabled}

    def _do_acknowledge_alarm(self, params: AckParams):
        return {"acknowledged": self.alarms.acknowledge(params.alarm)}

    def _check_compliance(self) -> None:
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
                    self.emit("compliance.out_of_range", program=n, required_v=round(c.required_v, 3), rail_v=c.rail_v,
                              requested_ma=c.requested_ma, delivered_ma=round(c.delivered_ma, 4))
        if bad and not self.alarms.is_active("out_of_compliance"):
            self.alarms.raise_("out_of_compliance", NON_CRITICAL, f"out of compliance: {', '.join(bad)} cannot reach the set current",
                               programs=list(bad))
        if not bad and self.alarms.is_active("out_of_compliance"):
            self.alarms.clear("out_of_compliance", reason="back in compliance")

    # ================= recording =================
    def record_state(self) -> None:
        charge, energy, _ = self._accumulated(self.now)
        self.record("battery_pct", self.battery.pct_at(self.now), "%")
        self.record("charge_delivered_uc", charge, "uC")
        self.record("energy_used_j", energy, "J")
        self.record("stimulating", 1.0 if self.stimulating() else 0.0, "", interp="step")
        amps = self.effective_amplitudes()
        for n, p in self.programs.items():
            self.record(f"amplitude_ma.{n}", amps.get(n, p.amplitude_ma) if n in self.active else p.amplitude_ma, "mA", interp="step")
        if self.loop is not None:
            self.record("ecap_uv", self.loop.ecap_at(self.now) if self.stimulating() else 0.0, "uV", interp="step")
            self.record("ecap_open_loop_uv", self.loop.ecap_at(self.now, closed=False) if self.stimulating() else 0.0, "uV", interp="step")

    # ================= public API (GUI, reports) =================
    def active_programs(self) -> list[str]:
        return list(self.active)

    def render_waveform(self, t0_s: float, t1_s: float, sample_rate_hz: float, mode: str = "average"):
        """(t_s, {contact: current_ma}) of the programs active now, with delivered amplitudes."""
        progs = [self.programs[n] for n in self.active]
        ohm = self._ohm()
        amps = self.effective_amplitudes()
        delivered = {n: compliance(self.programs[n], self.profile, ohm, amps[n]).delivered_ma for n in self.active}
        if not self.stimulating():
            delivered = {n: 0.0 for n in self.active}
        single = self.profile.current_sources == "single"
        shares = {p.name: safety.contact_shares(p, ohm, single) for p in progs}
        if not progs:
            import numpy as np

            n = max(1, int(round((t1_s - t0_s) * sample_rate_hz)))
            return t0_s + np.arange(n) / sample_rate_hz, {}
        return render(progs, t0_s, t1_s, sample_rate_hz, starts_s=dict(self.starts), amplitudes_ma=delivered, shares=shares, mode=mode)

    def battery_pct_at(self, t_s: float) -> float:
        """Battery level at t_s: closed form from now on (until the next event), recorded before."""
        if t_s >= self.battery.t0_s:
            return self.battery.pct_at(t_s)
        return float(self.sim.recorder.get(self.id, "battery_pct").at(t_s))

    def projection(self) -> dict[str, Any]:
        """Projections at the present programs (drain without charging)."""
        b = self.profile.battery
        drain = self.therapy_drain_ma()
        pct = self.battery.pct_at(self.now)
        out: dict[str, Any] = {"chemistry": b.chemistry, "drain_ma": drain, "battery_pct": pct}
        if b.chemistry == "primary":
            out["longevity_days"] = max(0.0, days_between(b.capacity_mah, pct, b.stimulation_off_pct, drain))
            out["days_to_eri"] = max(0.0, days_between(b.capacity_mah, pct, b.eri_pct, drain)) if b.eri_pct is not None else None
            out["longevity_from_full_days"] = days_between(b.capacity_mah, 100.0, b.stimulation_off_pct, drain)
        else:
            out["days_between_recharges"] = days_between(b.capacity_mah, 100.0, b.low_battery_pct, drain)
            out["days_to_low_battery"] = max(0.0, days_between(b.capacity_mah, pct, b.low_battery_pct, drain))
            out["days_to_stimulation_off"] = max(0.0, days_between(b.capacity_mah, pct, b.stimulation_off_pct, drain))
            out["full_charge_h"] = charge_time_h(b.capacity_mah, 0.0, 100.0, b.charge_current_ma, drain)
            out["daily_charge_minutes"] = drain * 24.0 / b.charge_current_ma * 60.0
            out["needs_charging_more_than_daily"] = bool(out["days_between_recharges"] < 1.0)
        return out

    def therapy_drain_ma(self) -> float:
        """Average cell current of the active programs as if stimulating now (cycling included), mA."""
        ohm = self._ohm()
        amps = self.effective_amplitudes()
        power = sum(program_drain(self.programs[n], self.profile, ohm, amps[n]).battery_power_w for n in self.active)
        return battery_current_ma(power, self.profile, bool(self.active))

    def impedance_table(self) -> list[dict[str, Any]]:
        rows = self.impedance.table(self.now)
        for r in rows:
            r["level"] = self.contacts[r["contact"]]["level"]
        return rows

    def _program_arg(self, program: str | Program) -> Program:
        return self.programs[program] if isinstance(program, str) else program

    def safety_report(self, program: str | Program) -> dict[str, Any]:
        """Per-contact charge per phase (uC), density (uC/cm2), Shannon k and limit flags."""
        p = self._program_arg(program)
        rows = safety.contact_report(p, self.areas, self.profile, self._ohm())
        return {"program": p.name, "amplitude_ma": p.amplitude_ma, "pulse_width_us": p.pulse_width_us,
                "density_limit_uc_per_cm2": self.profile.charge_density_limit_uc_per_cm2, "policy": self.profile.charge_density_policy,
                "shannon_k_limit": self.profile.shannon_k_limit, "contacts": rows,
                "findings": [f.as_dict() for f in safety.check_program(p, self.profile, self.areas, self._ohm())]}

    def perception_estimate(self, program: str | Program) -> dict[str, Any]:
        return perception.estimate(self._program_arg(program))

    def active_alarms(self) -> list[dict[str, Any]]:
        return [a.as_dict() for a in self.alarms.active.values()]

    def summary(self) -> dict[str, Any]:
        charge, energy, stim = self._accumulated(self.now)
        dt = max(0.0, self.now - self.t_acc)
        out = {
            "profile": self.profile.id,
            "charge_delivered_uc": charge,
            "energy_used_j": energy,
            "energy_to_tissue_j": self.tissue_energy_j + self.rate.get("tissue_w", 0.0) * dt,
            "battery_pct": self.battery.pct_at(self.now),
            "projection": self.projection(),
            "time_stimulating_s": stim,
            "stimulating_fraction": stim / self.now if self.now > 0 else None,
            "safety_events": dict(self.safety_events),
            "recharges": {"count": len(self.recharges), "hours": sum(r["hours"] for r in self.recharges), "sessions": list(self.recharges)},
            "alarms": self.alarms.summary(),
            "active_programs": list(self.active),
            "programs": {n: {"amplitude_ma": p.amplitude_ma, "pulse_width_us": p.pulse_width_us, "rate_hz": p.rate_hz, "waveform": p.waveform}
                         for n, p in self.programs.items()},
            "impedance_faults": self.impedance.faulty(self.now),
        }
        if self.loop is not None:
            import copy

            loop = copy.copy(self.loop)
            loop.advance(self.now, self.stimulating())
            out["time_in_window"] = {**loop.pct(), "closed_loop_enabled": self.loop_enabled, "label": LOOP_LABEL}
        return out


def _threshold(loop: LoopTracker) -> float:
    from simulator.scs.closed_loop import threshold_ma

    return threshold_ma(loop.spec, loop.distance_factor)
