"""The spinal cord stimulator device (kind `scs`): state, actions, closed-form accounting.

State is rebased at every action and every planned wake-up; between them everything is closed
form: battery level (linear), cumulative charge and energy (linear), time stimulating, cycling
phase (folded into the average drain), closed-loop time in window. The device wakes only at
actions, battery thresholds (low battery, stimulation off / ERI / end of service, empty),
recharge ends, cough ends and a slow impedance-drift update (default every 30 days).
Pulses and cycling edges are never events; `render_waveform` synthesises them on demand.

This module holds validation, start-up and the public queries; the rest is split by job:
`settings` (Settings and action parameters), `state` (closed-form state, planning, recording),
`checks` (findings before an action), `actions` (what each action does), `history` (programs in
force over time, for rendering past windows).
"""
from __future__ import annotations

from typing import Any, ClassVar

from simulator.alarms import AlarmBoard
from simulator.device import Device, Finding
from simulator.errors import InputError, Issue
from simulator.profiles.base import StrictModel
from simulator.scs import perception, safety
from simulator.scs.actions import ActionsMixin
from simulator.scs.battery import BatteryState, charge_time_h, days_between
from simulator.scs.checks import ChecksMixin
from simulator.scs.closed_loop import LABEL as LOOP_LABEL
from simulator.scs.closed_loop import LoopTracker
from simulator.scs.energy import battery_current_ma, program_drain
from simulator.scs.history import ProgramHistory
from simulator.scs.impedance import ImpedanceModel
from simulator.scs.leads import LeadProfile, contact_map
from simulator.scs.profile import StimulatorProfile
from simulator.scs.program import Program
from simulator.scs.settings import (
    AckParams, AmplitudeStep, ClosedLoopParams, ClosedLoopSettings, ImpedanceSettings, InjectFault, MriParams, NoParams,
    PostureParams, Recharge, SelectGroup, SetGroup, MaxTolBypass, PatientStep, RecordThreshold, SetPatientLimits, SelectProgram, SetAmplitude, SetCycling, SetProgram, Settings,
)
from simulator.scs.soft_stop import StopRamp
from simulator.scs.state import StateMixin
from simulator.scs.waveform import render_segments

__all__ = ["StimulatorDevice", "Settings", "ImpedanceSettings", "ClosedLoopSettings"]


class StimulatorDevice(StateMixin, ChecksMixin, ActionsMixin, Device):
    """A spinal cord stimulator. Code outside the core (the app, reports, training) reads it only
    through `snapshot()`, the event stream, and the queries named in `PUBLIC_QUERIES`."""

    kind: ClassVar[str] = "scs"
    #: The documented queries (besides `snapshot`, the action API, `profile` and `id`).
    PUBLIC_QUERIES: ClassVar[tuple[str, ...]] = (
        "snapshot", "active_programs", "stored_programs", "stimulating", "render_waveform", "battery_pct_at", "projection", "therapy_drain_ma",
        "impedance_table", "safety_report", "perception_estimate", "active_alarms", "effective_amplitudes", "summary",
    )
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
        "record_threshold": RecordThreshold,
        "max_tolerable_bypass": MaxTolBypass,
        "set_patient_limits": SetPatientLimits,
        "patient_step": PatientStep,
        "set_group": SetGroup,
        "select_group": SelectGroup,
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
        by_name = {p.name: p for p in programs}
        if len(settings.groups) > profile.max_groups:
            issues.append(Issue("groups", f"{profile.id} stores at most {profile.max_groups} program groups", len(settings.groups)))
        for g, members in settings.groups.items():
            missing = [m for m in members if m not in by_name]
            if missing:
                issues.append(Issue(f"groups.{g}", f"no program {', '.join(missing)}; programs: {', '.join(names)}", missing))
                continue
            for f in safety.check_interleave([by_name[m] for m in members], profile):
                issues.append(Issue(f"groups.{g}", f.message, f.value))
        if settings.active_group is not None and settings.active_group not in settings.groups:
            issues.append(Issue("active_group", f"no group {settings.active_group!r}; groups: {', '.join(settings.groups) or 'none'}", settings.active_group))
        active = cls._initial_active(settings, names)
        for a in active:
            if a not in names:
                issues.append(Issue("active_programs", f"no program {a!r}; programs: {', '.join(names)}", a))
        if not issues:
            for f in safety.check_interleave([p for p in programs if p.name in active], profile):
                issues.append(Issue("active_programs", f.message, f.value))
        for label in list(settings.impedance.initial_ohm) + list(settings.impedance.faults) + list(settings.impedance.drift_per_year):
            if label not in areas:
                issues.append(Issue("impedance", f"no contact {label!r}; contacts E1-E{len(areas)}", label))
        if settings.closed_loop is not None and profile.closed_loop is None:
            issues.append(Issue("closed_loop", f"{profile.id} has no closed-loop model; use e.g. scs/closed-loop-ecap", "closed_loop"))
        if issues:
            raise InputError(issues)

    @staticmethod
    def _initial_active(settings: Settings, names: list[str]) -> list[str]:
        if settings.active_group is not None:
            return list(settings.groups.get(settings.active_group, []))
        return list(settings.active_programs) if settings.active_programs is not None else names[:1]

    # ================= lifecycle =================
    def start(self) -> None:
        s: Settings = self.settings  # type: ignore[assignment]
        self.leads = self._lead_profiles(s, self.registry)
        self.contacts = contact_map(s.leads, self.leads, s.segment_mm)
        self.areas = {k: v["area_cm2"] for k, v in self.contacts.items()}
        self.programs: dict[str, Program] = {p.name: p for p in (s.programs or [self.profile.nominal_program])}
        names = list(self.programs)
        self.active: list[str] = self._initial_active(s, names)
        self.groups: dict[str, list[str]] = {g: list(m) for g, m in s.groups.items()}
        self.active_group: str | None = s.active_group
        self.stim_on = s.stimulation_on
        self.suspended: str | None = None  # 'battery', 'eos', 'empty'
        self.mri = False
        self.starts: dict[str, float] = {n: 0.0 for n in self.active}
        self.alarms = AlarmBoard(self)
        self.history = ProgramHistory()
        self.maxtol_bypass: set[str] = set()  # programs whose MaxTol the clinician bypassed
        self.impedance = ImpedanceModel(self.profile.impedance, list(self.contacts), self.rng, s.impedance.initial_ohm, dict(s.impedance.faults), s.impedance.drift,
                                        s.impedance.drift_per_year)
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
        self.short_state: dict[str, bool] = {}
        self.last_check: list[dict[str, Any]] | None = None
        self.last_check_t_s: float | None = None
        self.posture = "standing"
        self.cough_until: float | None = None
        self.loop: LoopTracker | None = None
        self.loop_enabled = False
        self._wake = self._recharge_wake = self._cough_wake = self._comp_wake = self._ramp_wake = None
        self.stop_ramps: dict[str, StopRamp] = {}  # soft stops in progress (simulator/scs/soft_stop.py)
        self._settle_wakes: list = []
        self._settle_key = None
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
        self._check_recharge_eri()
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

    # ================= public API (GUI, reports) =================
    def snapshot(self, t_s: float | None = None):
        """A frozen StimulatorSnapshot now (settings, programs, impedances, battery, alarms, closed loop).
        Only the present is supported (`t_s` None or now); other times: `battery_pct_at`, `render_waveform`."""
        from simulator.scs import snapshot

        if t_s is not None and abs(t_s - self.now) > 1e-6:
            raise ValueError(f"a snapshot is of the present only (now = {self.now:g} s, asked {t_s:g} s)")
        return snapshot.build(self)

    def active_programs(self) -> list[str]:
        """Names of the programs running now (interleaved), in order."""
        return list(self.active)

    def stored_programs(self) -> dict[str, Program]:
        """Stored programs by name (copies: changing one never reaches the device)."""
        return {n: p.model_copy(deep=True) for n, p in self.programs.items()}

    def render_waveform(self, t0_s: float, t1_s: float, sample_rate_hz: float, mode: str = "average"):
        """(t_s, {contact: current_ma}) over [t0_s, t1_s) with the programs, starts (cycling phase,
        ramps) and delivered amplitudes that were in force in that window (from the history of
        state changes; times after now use the present state)."""
        self._note_history()
        segs = [(a, b, list(s.programs), s.render_kwargs()) for a, b, s in self.history.segments(t0_s, t1_s)]
        return render_segments(segs, t0_s, t1_s, sample_rate_hz, mode)

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
        power = sum(program_drain(self.programs[n], self.profile, ohm, amps[n], self.impedance.tissue_fractions(self.now)).battery_power_w
                    for n in self.active)
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
                "findings": [f.as_dict() for f in safety.check_program(p, self.profile, self.areas, self._ohm())],
                "passive_recovery": p.recovery_info(self._passive_taus([p]).get(p.name))}

    def perception_estimate(self, program: str | Program) -> dict[str, Any]:
        return perception.estimate(self._program_arg(program))

    def active_alarms(self) -> list[dict[str, Any]]:
        return self.alarms.active_dicts()  # repeat counts as of now

    def summary(self) -> dict[str, Any]:
        charge, energy, stim = self._accumulated(self.now)
        dt = max(0.0, self.now - self.t_acc)
        out = {
            "profile": self.profile.id,
            "charge_delivered_uc": charge,
            "energy_used_j": energy,
            "energy_to_tissue_j": self.tissue_energy_j + self.rate.get("tissue_w", 0.0) * dt + self._ramp_integral(self.t_acc, self.now)[1],
            "battery_pct": self.battery.pct_at(self.now),
            "projection": self.projection(),
            "time_stimulating_s": stim,
            "stimulating_fraction": stim / self.now if self.now > 0 else None,
            "safety_events": dict(self.safety_events),
            "recharges": {"count": len(self.recharges), "hours": sum(r["hours"] for r in self.recharges), "sessions": list(self.recharges)},
            "alarms": self.alarms.summary(),
            "active_programs": list(self.active),
            "groups": {g: list(m) for g, m in self.groups.items()},
            "active_group": self.active_group,
            "programs": {n: {"amplitude_ma": p.amplitude_ma, "pulse_width_us": p.pulse_width_us, "rate_hz": p.rate_hz, "waveform": p.waveform}
                         for n, p in self.programs.items()},
            "impedance_faults": self.impedance.faulty(self.now),
            "programs_losing_current_to_short": sorted(n for n, lossy in self.short_state.items() if lossy),
        }
        if self.loop is not None:
            import copy

            loop = copy.copy(self.loop)
            loop.advance(self.now, self.stimulating())
            out["time_in_window"] = {**loop.pct(), "closed_loop_enabled": self.loop_enabled, "label": LOOP_LABEL}
        return out
