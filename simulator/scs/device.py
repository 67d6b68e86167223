"""The spinal cord stimulator device (kind `scs`): a device that owns named components.

Components (each a small class with one job and its own state; one changes only its own state
and reaches the others through the device):

- `programs` (ProgramBank, bank.py): stored programs and groups, what runs, start times, MaxTol bypass;
- `electrodes` (Electrodes, electrodes.py): leads, contacts, impedances (per-instant memo), last check;
- `safety` (SafetyMonitor, safety_monitor.py): program findings, safety events, compliance, shorts;
- `power` (PowerSupply, power.py): rates and accumulators (uC, J, s), the cell, thresholds, recharge, ERI;
- `loop` (ClosedLoopControl, closed_loop.py): posture, cough, the ECAP controller;
- `soft_stops` (SoftStops, soft_stop.py): soft-stop ramps in progress;
- `output` (OutputSwitch, output.py): stimulation on/off and MRI mode;
- `alarms` (AlarmBoard) and `history` (ProgramHistory: programs in force over time, for rendering).
Perception and thresholds are module functions (perception.py); settings validation is validation.py.

Actions go through the base pipeline (`simulator.device.Device.apply`; an amplitude step through its steps fused,
amplitude_step.py) with the table `ACTION_TABLE`: each row names the action's parameters, its check (checks.py) and its
effect (actions.py). The hooks: a charge-density refusal is a safety event (`on_refused`); the accumulators are brought
to now (`begin_apply`); each finding is a warning and, for a safety limit, a safety event (`report_findings`); after the
effect: soft stops, rates, compliance, rechargeable ERI, breakpoints, wake-ups (`finish_apply`).

State is rebased at every action and planned wake-up; between them everything is closed form
(battery, charge, energy, time stimulating, cycling folded into the drain, closed-loop time in
window). The device wakes only at actions, battery thresholds, recharge, cough and soft-stop
ends, compliance changes and the impedance-drift update (default every 30 days). Pulses are
never events; `render_waveform` synthesises them on demand.
"""
from __future__ import annotations

from typing import Any, ClassVar

from simulator.alarms import AlarmBoard
from simulator.device import ActionSpec, Device, Finding, Wakeup
from simulator.errors import ActionRefused
from simulator.event_kinds import K
from simulator.profiles.base import StrictModel
from simulator.profiles.registry import ProfileRegistry
from simulator.scs import perception, safety, validation
from simulator.scs.action_table import ACTION_TABLE
from simulator.scs.amplitude_finish import finish_amplitude
from simulator.scs.amplitude_step import STEP_ACTIONS, step_amplitude
from simulator.scs.bank import ProgramBank
from simulator.scs.battery import charge_time_h, days_between
from simulator.scs.closed_loop import LABEL as LOOP_LABEL
from simulator.scs.closed_loop import ClosedLoopControl
from simulator.scs.electrodes import Electrodes
from simulator.scs.energy import battery_current_ma, program_drain
from simulator.scs.history import ProgramHistory, StimState
from simulator.scs.impedance import ImpedanceModel
from simulator.scs.leads import LeadProfile, contact_map
from simulator.scs.output import OutputSwitch
from simulator.scs.output_now import OutputNow, output_now, stim_state
from simulator.scs.power import PowerSupply
from simulator.scs.profile import StimulatorProfile
from simulator.scs.program import Program
from simulator.scs.rows import StateRows
from simulator.scs.safety_monitor import SafetyMonitor
from simulator.scs.settings import ClosedLoopSettings, ImpedanceSettings, Settings
from simulator.scs.settings import Settings as StimulatorSettings
from simulator.scs.soft_stop import KEEP_OUTPUT_ACTIONS, NO_STOP, OutputBefore, SoftStops
from simulator.scs.waveform import render_segments

__all__ = ["StimulatorDevice", "Settings", "ImpedanceSettings", "ClosedLoopSettings"]


class StimulatorDevice(Device):
    """A spinal cord stimulator. Code outside the core (the app, reports, training) reads it only
    through `snapshot()`, the event stream, and the queries named in `PUBLIC_QUERIES`."""

    kind: ClassVar[str] = "scs"
    #: The documented queries (besides `snapshot`, the action API, `profile` and `id`).
    PUBLIC_QUERIES: ClassVar[tuple[str, ...]] = (
        "snapshot", "active_programs", "stored_programs", "stimulating", "render_waveform", "battery_pct_at", "projection", "therapy_drain_ma",
        "impedance_table", "safety_report", "perception_estimate", "active_alarms", "effective_amplitudes", "summary",
    )
    Settings = Settings
    #: amplitude actions fused (False: the plain path): the finish (amplitude_finish.py), the step (amplitude_step.py)
    fused_finish: ClassVar[bool] = True
    fused_step: ClassVar[bool] = True
    #: action -> (parameters, effect, check, doc): simulator/scs/action_table.py
    ACTION_TABLE: ClassVar[dict[str, ActionSpec]] = ACTION_TABLE
    profile: StimulatorProfile
    settings: StimulatorSettings
    # components (made by `start`)
    programs: ProgramBank
    electrodes: Electrodes
    safety: SafetyMonitor
    power: PowerSupply
    loop: ClosedLoopControl
    soft_stops: SoftStops
    output: OutputSwitch
    alarms: AlarmBoard
    history: ProgramHistory

    # ================= validation (simulator/scs/validation.py) =================
    @classmethod
    def _lead_profiles(cls, settings: StimulatorSettings, registry: ProfileRegistry) -> list[LeadProfile]:
        return validation.lead_profiles(settings, registry)

    @classmethod
    def check_settings(cls, profile: Any, settings: Any, registry: ProfileRegistry) -> None:
        validation.check_settings(profile, settings, registry)

    # ================= lifecycle =================
    def start(self) -> None:
        s = self.settings
        stored = s.programs or [self.profile.nominal_program]
        leads = self._lead_profiles(s, self.registry)
        contacts = contact_map(s.leads, leads, s.segment_mm)
        self.programs = ProgramBank(stored, s.groups, validation.initial_active(s, [p.name for p in stored]), s.active_group)
        self.output = OutputSwitch(s.stimulation_on)
        self.alarms = AlarmBoard(self)
        self.history = ProgramHistory()
        self.electrodes = Electrodes(leads, contacts, ImpedanceModel(self.profile.impedance, list(contacts), self.rng, s.impedance.initial_ohm,
                                                                      dict(s.impedance.faults), s.impedance.drift, s.impedance.drift_per_year))
        self.power = PowerSupply(self, s.battery_pct)
        self.soft_stops = SoftStops(self)
        self.safety = SafetyMonitor(self)
        self.loop = ClosedLoopControl(self, s.closed_loop, self.programs.first_active() or self.profile.nominal_program)
        self._drift_wake: Wakeup | None = None
        self.rows = StateRows(self)
        # thresholds already below at start
        pct = self.power.battery.pct_at(0.0)
        self.power.compute_rates()
        for f in self.safety.startup_findings():
            self.safety.report(f, "settings")
        self.safety.check_compliance()
        self.power.check_recharge_eri()
        self.power.cross_thresholds(pct, initial=True)
        self.power.compute_rates()
        self.record_state()
        self._plan()
        if s.impedance.drift and s.impedance.update_interval > 0:
            self._schedule_drift(s.impedance.update_interval)

    def components(self) -> dict[str, object]:
        """The device's components by attribute name (for tests and tools; not a public query)."""
        return {"programs": self.programs, "electrodes": self.electrodes, "safety": self.safety, "power": self.power, "loop": self.loop,
                "soft_stops": self.soft_stops, "output": self.output, "alarms": self.alarms, "history": self.history}

    # ================= the action pipeline's hooks =================
    def check(self, action: str, params: StrictModel) -> list[Finding]:
        """Findings of a pending action (a check's ActionRefused - no such program - becomes a refusal)."""
        try:
            return super().check(action, params)
        except ActionRefused as r:
            return [Finding("refuse", r.reason, r.details.get("limit", ""), r.details.get("value"), r.details.get("allowed"))]

    def on_refused(self, action: str, refusals: list[Finding]) -> None:
        self.safety.refused(refusals[0])

    def apply(self, action: str, params: StrictModel) -> dict[str, Any] | None:
        """`Device.apply`; an amplitude step through `step_amplitude` (amplitude_step.py) unless `fused_step` is False."""
        return step_amplitude(self, action, params) if action in STEP_ACTIONS and self.fused_step else super().apply(action, params)  # type: ignore[arg-type]

    def begin_apply(self, action: str, params: StrictModel) -> OutputBefore:
        """Bring the accumulators to now; the token is what the output stage did just before the
        effect (for the soft stops). Reporting the findings next changes no output state."""
        now = self._rebase()
        return NO_STOP if action in KEEP_OUTPUT_ACTIONS else self.soft_stops.before(now)

    def report_findings(self, action: str, params: StrictModel, findings: list[Finding]) -> None:
        for f in findings:
            self.safety.report(f, action)

    def finish_apply(self, action: str, params: StrictModel, findings: list[Finding], payload: dict[str, Any] | None,
                     token: Any) -> dict[str, Any] | None:
        if token is NO_STOP and self.fused_finish and not self.soft_stops.ramps and self.loop.tracker is None:
            # an amplitude-only action, open loop, no soft stop in progress: the steps below in one
            # function (amplitude_finish.py; `begin` would return at once)
            finish_amplitude(self)
        else:
            self.soft_stops.begin(token, action)
            out = output_now(self)
            self.power.compute_rates(out)
            self.safety.check_compliance(out)
            self.power.check_recharge_eri()
            self.record_state(out)
            self._plan(out)
        result = payload or {}
        if findings:
            result["warnings"] = [f.as_dict() for f in findings]
        return result

    # ================= closed-form state and planning =================
    def stimulating(self) -> bool:
        """Output now: switched on, not in MRI mode, not suspended by the battery, a program running."""
        return bool(self.output.stim_on and not self.output.mri and self.power.suspended is None and self.programs.active)

    def effective_amplitudes(self) -> dict[str, float]:
        """Program name -> amplitude the generator aims for now (closed loop replaces the set one), mA."""
        bank = self.programs
        stored = bank.stored
        out = {n: stored[n].amplitude_ma for n in bank.active}
        tracker = self.loop.tracker
        if tracker is not None:  # (without a controller loop.program() is None)
            lp = self.loop.program()
            if lp is not None:
                out[lp] = tracker.settled_ma()
        return out

    def output_now(self) -> OutputNow:
        """What the output stage does now, worked out once (simulator/scs/output_now.py)."""
        return output_now(self)

    def _rebase(self) -> float:
        """Bring the accumulators, the cell, the soft stops and the closed loop to now; returns now, s."""
        now = self.now
        self.power.advance(now)
        if self.soft_stops.ramps:
            self.soft_stops.prune(now)
        if self.loop.tracker is not None:  # (loop.advance does nothing without a controller)
            was = self.power.was_stimulating()
            self.loop.advance(now, was if was is not None else self.stimulating())
        return now

    def _plan(self, out: OutputNow | None = None) -> None:
        """Plan the wake-ups: next battery threshold, next compliance change, end of the next soft stop
        (`out`: the output stage now, when the caller has it)."""
        self.power.plan_threshold(self._on_threshold, out.t_s if out is not None else None)
        self.safety.plan_compliance(self._on_compliance_change, out)
        self.soft_stops.plan_end(self._on_ramp_end)

    def _replan(self) -> None:
        out = self.output_now()
        self.power.compute_rates(out)
        self.record_state(out)
        self._plan(out)

    def _on_threshold(self) -> None:
        self._rebase()
        self.power.cross_thresholds(self.power.pct())
        self._replan()

    def _on_compliance_change(self) -> None:
        self._rebase()
        out = self.output_now()
        self.power.compute_rates(out)
        self.safety.check_compliance(out)
        self.record_state(out)
        self._plan(out)

    def _on_ramp_end(self) -> None:
        self._rebase()
        self._replan()

    def on_recharge_end(self) -> None:
        """Wake-up at the planned end of a recharge."""
        self._rebase()
        self.power.finish_recharge()
        self._replan()

    def on_cough_end(self) -> None:
        """Wake-up at the end of a cough."""
        self._rebase()
        self.loop.end_cough()
        self.emit(K.COUGH_END)
        self.loop.update()
        self._replan()

    def _schedule_drift(self, interval_s: float) -> None:
        def tick() -> None:
            self._on_compliance_change()  # the same steps: drifted impedances folded into drain and compliance
            self._schedule_drift(interval_s)
        self._drift_wake = self.wake_at(self.now + interval_s, tick)

    def stim_state(self, out: OutputNow | None = None) -> StimState:
        """What the output stage does now: programs, starts, delivered amplitudes, contact shares
        (`out`: the output stage now, when the caller has it; simulator/scs/output_now.py)."""
        return stim_state(self, out if out is not None else self.output_now())

    def record_state(self, out: OutputNow | None = None) -> None:
        """Breakpoints of every signal now (rows.py) and the history's entry (`out`: the output stage
        now, when the caller has it)."""
        if out is None:
            out = self.output_now()
        self.history.note(stim_state(self, out))
        loop = self.loop
        self.rows.record(out, loop.program() if loop.tracker is not None else None)  # (no loop program without a controller)
        if loop.tracker is not None:  # (loop.record does nothing without a controller)
            loop.record()

    # ================= public API (GUI, reports) =================
    def snapshot(self, t_s: float | None = None) -> Any:
        """A frozen StimulatorSnapshot now (settings, programs, impedances, battery, alarms, closed loop).
        Only the present is supported (`t_s` None or now); other times: `battery_pct_at`, `render_waveform`."""
        from simulator.scs import snapshot

        if t_s is not None and abs(t_s - self.now) > 1e-6:
            raise ValueError(f"a snapshot is of the present only (now = {self.now:g} s, asked {t_s:g} s)")
        return snapshot.build(self)

    def active_programs(self) -> list[str]:
        """Names of the programs running now (interleaved), in order."""
        return list(self.programs.active)

    def stored_programs(self) -> dict[str, Program]:
        """Stored programs by name (copies: changing one never reaches the device)."""
        return {n: p.model_copy(deep=True) for n, p in self.programs.items()}

    def render_waveform(self, t0_s: float, t1_s: float, sample_rate_hz: float, mode: str = "average") -> Any:
        """(t_s, {contact: current_ma}) over [t0_s, t1_s) with the programs, starts (cycling phase,
        ramps) and delivered amplitudes that were in force in that window (from the history of
        state changes; times after now use the present state)."""
        self.history.note(self.stim_state())
        segs = [(a, b, list(s.programs), s.render_kwargs()) for a, b, s in self.history.segments(t0_s, t1_s)]
        return render_segments(segs, t0_s, t1_s, sample_rate_hz, mode)

    def battery_pct_at(self, t_s: float) -> float:
        """Battery level at t_s, %: closed form from now on (until the next event), recorded before."""
        battery = self.power.battery
        if t_s >= battery.t0_s:
            return battery.pct_at(t_s)
        return float(self.sim.recorder.get(self.id, "battery_pct").at(t_s))

    def projection(self) -> dict[str, Any]:
        """Projections at the present programs (drain mA without charging, days, hours, %)."""
        b = self.profile.battery
        drain = self.therapy_drain_ma()
        pct = self.power.battery.pct_at(self.now)
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
        now = self.now
        ohm = self.electrodes.ohm(now)
        fractions = self.electrodes.fractions(now)
        amps = self.effective_amplitudes()
        stored = self.programs.stored
        power = sum(program_drain(stored[n], self.profile, ohm, amps[n], fractions).battery_power_w for n in self.programs.active)
        return battery_current_ma(power, self.profile, bool(self.programs.active))

    def impedance_table(self) -> list[dict[str, Any]]:
        """Rows {contact, ohm, flag, ok, level} of every contact now."""
        return self.electrodes.table(self.now)

    def _program_arg(self, program: str | Program) -> Program:
        return self.programs[program] if isinstance(program, str) else program

    def safety_report(self, program: str | Program) -> dict[str, Any]:
        """Per-contact charge per phase (uC), density (uC/cm2), Shannon k and limit flags."""
        p = self._program_arg(program)
        ohm = self.electrodes.ohm(self.now)
        areas = self.electrodes.areas
        rows = safety.contact_report(p, areas, self.profile, ohm)
        return {"program": p.name, "amplitude_ma": p.amplitude_ma, "pulse_width_us": p.pulse_width_us,
                "density_limit_uc_per_cm2": self.profile.charge_density_limit_uc_per_cm2, "policy": self.profile.charge_density_policy,
                "shannon_k_limit": self.profile.shannon_k_limit, "contacts": rows,
                "findings": [f.as_dict() for f in safety.check_program(p, self.profile, areas, ohm)],
                "passive_recovery": p.recovery_info(self.safety.passive_taus([p]).get(p.name))}

    def perception_estimate(self, program: str | Program) -> dict[str, Any]:
        """Perception threshold estimate of a program (labelled approximation), mA."""
        return perception.estimate(self._program_arg(program))

    def active_alarms(self) -> list[dict[str, Any]]:
        return self.alarms.active_dicts()  # repeat counts as of now

    def summary(self) -> dict[str, Any]:
        now = self.now
        power = self.power
        bank = self.programs
        charge, energy, stim = power.accumulated(now)
        out = {
            "profile": self.profile.id,
            "charge_delivered_uc": charge,
            "energy_used_j": energy,
            "energy_to_tissue_j": power.tissue_energy_at(now),
            "battery_pct": power.battery.pct_at(now),
            "projection": self.projection(),
            "time_stimulating_s": stim,
            "stimulating_fraction": stim / now if now > 0 else None,
            "safety_events": dict(self.safety.events),
            "recharges": {"count": len(power.recharges), "hours": sum(r["hours"] for r in power.recharges), "sessions": list(power.recharges)},
            "alarms": self.alarms.summary(),
            "active_programs": list(bank.active),
            "groups": {g: list(m) for g, m in bank.groups.items()},
            "active_group": bank.active_group,
            "programs": {n: {"amplitude_ma": p.amplitude_ma, "pulse_width_us": p.pulse_width_us, "rate_hz": p.rate_hz, "waveform": p.waveform}
                         for n, p in bank.items()},
            "impedance_faults": self.electrodes.faulty(now),
            "programs_losing_current_to_short": sorted(n for n, lossy in self.safety.short_state.items() if lossy),
        }
        window = self.loop.time_in_window(now, self.stimulating())
        if window is not None:
            out["time_in_window"] = {**window, "closed_loop_enabled": self.loop.enabled, "label": LOOP_LABEL}
        return out
