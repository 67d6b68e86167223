"""PumpDevice: an implanted intrathecal drug pump (profile kind "pump"), built from components.

State is kept as of the last rebase `t0` (reservoir content, the pump's calculated reservoir
volume, the dead-volume queue, the ledger, battery) and everything between state changes is
closed form: flows are constant (or follow the daily flex schedule) between wake-ups. The device
wakes only at schedule step boundaries, bolus starts/ends, lockout expiries and threshold
crossings whose times it computes (low reservoir, empty, the old drug's boundary reaching the
catheter tip, ERI, EOS, drug stability), never per stroke.

Two volumes are kept: the true reservoir volume (flows with the device's systematic error and,
for the gas-driven pump, the environment) and the volume the pump calculates from its program
(what its low-reservoir and empty alarms and its predicted dates use, as real pumps have no
level sensor). With zero flow error they are the same.

The device owns its components; each keeps its own state and changes only that, and reaches the
others through the device:

- therapy      (therapy.py)        drug, concentration, program and schedule, dose history
- flow         (flow.py)           reservoir (true and calculated), flows, flow error, environment
- dead_volume  (dead_volume.py)    dead-volume queue and the mass ledger
- boluses      (bolusing.py)       running boluses, patient-bolus settings and policy
- presses      (patient_presses.py) seeded random patient presses
- priming      (priming.py)        the priming-bolus mixing hazard
- refills      (refill.py)         refills, drug age and stability
- faults       (faults.py)         why the pump is stopped, faults, ERI / EOS
- mri          (mri.py)            MRI conditions, flow block and recovery
- battery      (battery.py)        charge, ERI and EOS in closed form (None: gas-driven)
- alarms       (simulator.alarms.AlarmBoard)
- moments      (moments.py)        candidate moments, what is due, the next wake-up
- forecast     (forecast.py)       projections from the present state (stateless)

Actions go through the base pipeline (simulator.device.Device.apply) with `ACTION_TABLE`.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from simulator.alarms import CRITICAL, AlarmBoard
from simulator.device import ActionSpec, Device, Finding
from simulator.profiles.base import StrictModel
from simulator.errors import InputError, Issue
from simulator.events import Kinds
from simulator.pump import checks, dosing
from simulator.pump.admixture import Admixture, admixture_daily_dose, admixture_findings, resolve_admixture
from simulator.pump.battery import Battery
from simulator.pump.bolusing import Boluses
from simulator.pump.day_dates import date_texts
from simulator.pump.dead_volume import DeadVolume
from simulator.pump.drugs import DrugProfile, resolve_drug
from simulator.pump.faults import Faults
from simulator.pump.flow import ALARM_MESSAGES, HORIZON_S, VOL_TOL_ML, Flow
from simulator.pump.forecast import Forecast
from simulator.pump.moments import Moments
from simulator.pump.mri import Mri
from simulator.pump.patient_presses import PatientPresses
from simulator.pump.priming import PrimingMix
from simulator.pump.recording import Recording
from simulator.pump.profile import PumpProfile
from simulator.pump.refill import Refills
from simulator.pump.reservoir import EPS_ML, amount_of
from simulator.pump.schedule import TIME_TOL_S, Program
from simulator.pump.settings import (
    ACTIONS,
    AcknowledgeParams,
    ClearFaultParams,
    EnvironmentSettings,
    FaultParams,
    MriParams,
    NoParams,
    PatientBolusParams,
    PatientBolusSettings,
    PrimingParams,
    ProgramParams,
    PumpSettings,
    RefillParams,
    SetPatientBolusParams,
    SetPatientPressesParams,
    SingleBolusParams,
    StoppedMode,
    ThresholdParams,
)
from simulator.pump.step_series import StepBreakpoints
from simulator.pump.therapy import Therapy
from simulator.units import SECONDS_PER_DAY

if TYPE_CHECKING:
    from simulator.pump.snapshot import PumpSnapshot

__all__ = ["PumpDevice", "resolve_drug", "ALARM_MESSAGES", "HORIZON_S", "VOL_TOL_ML"]


def _action_table() -> dict[str, ActionSpec]:
    """action name -> ActionSpec (parameters model, effect, check): the component that owns each."""
    table = {
        "program": ActionSpec(ProgramParams, lambda d, p: d.therapy.apply_program(p), lambda d, p: d.therapy.check_program(p),
                              "program a dosing mode (stopped, continuous, flex, periodic)"),
        "refill": ActionSpec(RefillParams, lambda d, p: d.refills.apply_refill(p), lambda d, p: d.refills.check_refill(p),
                             "aspirate the residual, fill (same or another drug), optionally re-program or bridge"),
        "single_bolus": ActionSpec(SingleBolusParams, lambda d, p: d.boluses.apply_single(p), lambda d, p: d.boluses.check_single(p),
                                   "a clinician bolus on top of the basal"),
        "bridge_bolus": ActionSpec(NoParams, lambda d, p: d.boluses.apply_bridge(p), lambda d, p: d.boluses.check_bridge(p),
                                   "run the dead volume out at the rate that keeps the basal dose"),
        "priming_bolus": ActionSpec(PrimingParams, lambda d, p: d.boluses.apply_priming(p), lambda d, p: d.boluses.check_priming(p),
                                    "fill the pump tubing and catheter at priming speed"),
        "patient_bolus": ActionSpec(PatientBolusParams, lambda d, p: d.boluses.apply_patient(p), lambda d, p: d.boluses.check_patient(p),
                                    "a patient press (lockout and daily maximum apply)"),
        "set_patient_bolus": ActionSpec(SetPatientBolusParams, lambda d, p: d.boluses.apply_settings(p), lambda d, p: d.boluses.check_settings(p),
                                        "patient-bolus settings (null disables)"),
        "set_low_reservoir_threshold": ActionSpec(ThresholdParams, lambda d, p: d.flow.apply_threshold(p), lambda d, p: d.flow.check_threshold(p),
                                                  "the calculated volume at which the low-reservoir alarm sounds"),
        "acknowledge_alarm": ActionSpec(AcknowledgeParams, lambda d, p: d.faults.apply_acknowledge(p), lambda d, p: d.faults.check_acknowledge(p),
                                        "acknowledge one active alarm or all"),
        "inject_fault": ActionSpec(FaultParams, lambda d, p: d.faults.apply_inject(p), lambda d, p: d.faults.check_inject(p),
                                   "a motor stall or memory error"),
        "clear_fault": ActionSpec(ClearFaultParams, lambda d, p: d.faults.apply_clear(p), None, "clear an injected fault"),
        "set_environment": ActionSpec(EnvironmentSettings, lambda d, p: d.flow.apply_environment(p), lambda d, p: d.flow.check_environment(p),
                                      "body temperature and ambient pressure (gas-driven flow)"),
        "mri": ActionSpec(MriParams, lambda d, p: d.mri.apply_mri(p), lambda d, p: d.mri.check_mri(p), "an MRI scan"),
        "reset_valve": ActionSpec(NoParams, lambda d, p: d.mri.apply_reset_valve(p), lambda d, p: d.mri.check_reset_valve(p),
                                  "reset a flow-activated valve closed by an MRI"),
        "interrogate": ActionSpec(NoParams, lambda d, p: d.mri.apply_interrogate(p), lambda d, p: d.mri.check_interrogate(p),
                                  "interrogate the pump (ends an MRI telemetry lock)"),
        "set_patient_presses": ActionSpec(SetPatientPressesParams, lambda d, p: d.presses.apply_set(p), lambda d, p: d.presses.check_set(p),
                                          "random patient presses (null stops them)"),
    }
    # the table covers exactly the actions settings.ACTIONS declares, with the same models
    assert {n: s.params for n, s in table.items()} == ACTIONS, "pump ACTION_TABLE and settings.ACTIONS disagree"
    return table


#: the series `PumpDevice.pending_breakpoints` gives the pending flex-step points of
PENDING_SIGNALS = ("reservoir_ml", "expected_reservoir_ml", "delivered_volume_ml", "rate_ml_per_day")


class PumpDevice(Device):
    """An implanted drug pump. Code outside the core (the app, reports, training) reads it only
    through `snapshot()`, the event stream, and the queries named in `PUBLIC_QUERIES`."""

    kind = "pump"
    Settings = PumpSettings
    ACTION_TABLE = _action_table()
    #: The documented queries (besides `snapshot`, the action API, `profile` and `id`).
    PUBLIC_QUERIES: ClassVar[tuple[str, ...]] = (
        "snapshot", "reservoir_ml_at", "expected_reservoir_ml_at", "delivered_volume_ml_at", "delivered_drug_at",
        "current_rate_ml_per_day", "current_drug_rate_per_day", "predicted_low_reservoir_t_s", "predicted_empty_t_s",
        "next_refill_t_s", "battery_pct_at", "daily_doses", "day_boundaries_t_s", "active_alarms", "delivery_pattern",
        "mass_balance", "patient_bolus_settings", "concentration_change_preview", "units_seen", "drug_unit", "summary",
        "low_reservoir_threshold_ml", "drug_profile", "programmed_concentration_per_ml", "calendar_offset_s",
        "low_reservoir_basis", "low_reservoir_reached_t_s", "empty_reached_t_s",
        "current_drug_rates_per_day", "pending_breakpoints",
    )

    settings: PumpSettings
    profile: PumpProfile
    # the components (created in `start`)
    therapy: Therapy
    flow: Flow
    dead_volume: DeadVolume
    admixture: Admixture | None = None  # a second drug in the reservoir fluid (admixture.py)
    boluses: Boluses
    presses: PatientPresses
    priming: PrimingMix
    refills: Refills
    faults: Faults
    mri: Mri
    battery: Battery | None
    alarms: AlarmBoard
    moments: Moments
    forecast: Forecast
    #: the crossings' basis before the action being applied (`prepare_action`, Moments.crossings_basis)
    _basis_before_action: tuple[float, float, float, float, float] | None = None

    def snapshot(self, t_s: float | None = None) -> PumpSnapshot:
        """A frozen PumpSnapshot of the pump now (settings, volumes, dates, alarms, battery, lockout).

        Only the present is supported: `t_s` must be None or the present time (a past state would
        need the past settings, which are in the event stream; future levels: `reservoir_ml_at`)."""
        from simulator.pump import snapshot

        if t_s is not None and abs(t_s - self.now) > 1e-6:
            raise ValueError(f"a snapshot is of the present only (now = {self.now:g} s, asked {t_s:g} s); use the *_at queries for other times")
        return snapshot.build(self)

    # ================= settings validation =================
    @classmethod
    def check_settings(cls, profile: Any, settings: StrictModel, registry: Any) -> None:
        assert isinstance(settings, PumpSettings)
        issues: list[Issue] = []
        drug = resolve_drug(registry, settings.drug)
        try:
            conc = dosing.pick(settings, "concentration_{u}_per_ml", drug.unit, drug.drug_name)
        except dosing.UnitMismatch as exc:
            raise InputError(Issue(exc.field, str(exc))) from None
        field = f"concentration_{drug.unit}_per_ml"
        if drug.max_concentration_per_ml is not None and conc > drug.max_concentration_per_ml * (1 + 1e-9):
            issues.append(Issue(field, f"above the {drug.drug_name} maximum concentration of {drug.max_concentration_per_ml:g} {drug.unit}/mL", conc))
        if settings.reservoir_ml > profile.reservoir_capacity_ml:
            issues.append(Issue("reservoir_ml", f"beyond the reservoir capacity of {profile.reservoir_capacity_ml:g} mL", settings.reservoir_ml))
        thr = settings.low_reservoir_threshold_ml
        if thr is not None and not (profile.low_reservoir_min_ml <= thr <= profile.low_reservoir_max_ml):
            issues.append(Issue("low_reservoir_threshold_ml", f"allowed {profile.low_reservoir_min_ml:g} to {profile.low_reservoir_max_ml:g} mL", thr))
        if profile.battery is not None and settings.battery_initial_pct is not None:
            most = Battery.most_pct(profile.battery, settings.service_elapsed_days)
            if settings.battery_initial_pct > most + 1e-9:
                issues.append(Issue("battery_initial_pct", f"a battery {settings.service_elapsed_days:g} days into service holds at most {most:.4g} % (idle drain {profile.battery.idle_drain_pct_per_day:g} %/day from full)", settings.battery_initial_pct))
        if abs(settings.flow_error.systematic_error_pct) > profile.accuracy_pct and not settings.flow_error.out_of_specification:
            issues.append(Issue("flow_error.systematic_error_pct", f"outside the labelled accuracy band of +/-{profile.accuracy_pct:g} % (set flow_error.out_of_specification: true to simulate a pump out of specification)", settings.flow_error.systematic_error_pct))
        if not profile.programmable:
            if settings.mode is not None and not isinstance(settings.mode, StoppedMode):
                issues.append(Issue("mode", f"{profile.name} is not programmable (rate fixed at manufacture); omit mode", settings.mode.type))
            if settings.patient_bolus is not None:
                issues.append(Issue("patient_bolus", f"{profile.name} has no patient boluses; omit patient_bolus"))
            if settings.patient_presses is not None:
                issues.append(Issue("patient_presses", f"{profile.name} has no patient boluses; omit patient_presses"))
            daily = dosing.dose_per_day_for_rate(profile.fixed_rate, conc)
            finding = checks.daily_max_finding(drug, daily, f"fixed rate {profile.fixed_rate:g} mL/day x {conc:g} {drug.unit}/mL")
            if finding:
                issues.append(Issue(field, finding.message, conc))
        else:
            for f in checks.program_findings(profile, drug, conc, settings.mode, settings.patient_bolus, 0.0, 0.0):
                # initial settings describe the pump as found: no confirmation, so drug-library limits hold too
                if f.level == "refuse" or checks.is_library_limit(f.limit):
                    where = "patient_bolus" if "patient" in f.message else "mode"
                    issues.append(Issue(where, f.message, f.value))
        if settings.admixture is not None:
            try:
                adm_drug, adm_conc = resolve_admixture(registry, settings.admixture, drug)
            except InputError as exc:
                issues.extend(exc.issues)
            else:
                daily = 0.0
                try:
                    if not profile.programmable:
                        daily = dosing.dose_per_day_for_rate(profile.fixed_rate, conc)
                    elif settings.mode is not None:
                        daily = Program.from_mode(settings.mode, drug.unit, drug.drug_name, 0.0, 0.0).daily_dose()
                except dosing.UnitMismatch:
                    pass  # reported with the mode
                for f in admixture_findings(adm_drug, adm_conc, admixture_daily_dose(daily, conc, adm_conc)):
                    issues.append(Issue(f"admixture.concentration_{adm_drug.unit}_per_ml", f.message, adm_conc))
        if issues:
            raise InputError(issues)

    # ================= start =================
    def start(self) -> None:
        s, p = self.settings, self.profile
        drug: DrugProfile = resolve_drug(self.registry, s.drug)
        conc = dosing.pick(s, "concentration_{u}_per_ml", drug.unit, drug.drug_name)
        start = self.sim.scenario.start
        clock_offset_s = start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond * 1e-6
        catheter_ml_per_cm = p.catheter_volume_ml_per_cm if s.catheter_volume_ml_per_cm is None else s.catheter_volume_ml_per_cm
        dead_volume_ml = p.pump_tubing_dead_volume_ml + s.catheter_length_cm * catheter_ml_per_cm
        name = drug.short_name
        self.therapy = Therapy(self, drug, conc, clock_offset_s)
        self.mri = Mri(self)
        self.priming = PrimingMix(self, s.priming_mixing_fraction)
        self.dead_volume = DeadVolume(self, dead_volume_ml, name if s.dead_volume_primed else None, conc if s.dead_volume_primed else 0.0)
        self.dead_volume.record_filled(name, dosing.dose_in_volume(s.reservoir_ml, conc) + self.dead_volume.amount_of(name),
                                       s.reservoir_ml + (dead_volume_ml if s.dead_volume_primed else 0.0))
        self.flow = Flow(self, s, p, self.rng, name, conc)
        self.therapy.begin(self.flow.gas, s.mode, p.fixed_rate)
        if s.admixture is not None:
            adm_drug, adm_conc = resolve_admixture(self.registry, s.admixture, drug)
            self.admixture = Admixture(self, adm_drug, adm_conc, adm_conc, s.dead_volume_primed)
            self.therapy.note_drug(adm_drug)
        self.boluses = Boluses(self, s.patient_bolus)
        if p.battery:
            pct = Battery.most_pct(p.battery, s.service_elapsed_days) if s.battery_initial_pct is None else s.battery_initial_pct
            self.battery = Battery(p.battery, pct, s.service_elapsed_days * SECONDS_PER_DAY)
        else:
            self.battery = None
        self.alarms = AlarmBoard(self)
        self.faults = Faults(self)
        self.refills = Refills(self, s.days_since_fill, s.service_elapsed_days)
        self.presses = PatientPresses(self)
        self.forecast = Forecast(self)
        self.moments = Moments(self)
        self.recording = Recording(self)
        self.flow.recompute_rates()
        self.moments.settle_and_plan()
        self.presses.set(s.patient_presses)
        error = self.flow.systematic_error_pct
        if abs(error) > p.accuracy_pct:
            self.warn(f"fault scenario: this pump is out of specification, its flow error {error:+g} % is outside the {p.name} accuracy band of +/-{p.accuracy_pct:g} %",
                      limit="accuracy_pct", value=error, allowed=p.accuracy_pct)

    def components(self) -> dict[str, object]:
        """The named components of this pump (for tests and tools; not a public query)."""
        return {name: getattr(self, name) for name in ("therapy", "flow", "dead_volume", "boluses", "presses", "priming", "refills",
                                                       "faults", "mri", "battery", "alarms", "moments", "forecast")}

    # ================= helpers the components share =================
    def raise_alarm(self, alarm: str, **details: Any) -> None:
        """Raise `alarm` on the board with the profile's severity, repeat interval and tone."""
        severity, message = ALARM_MESSAGES[alarm]
        if alarm == "memory_error" and details.get("critical"):
            severity, message = CRITICAL, "critical memory error: the pump has stopped"
        a = self.profile.alarms
        repeat = (a.critical_repeat_min if severity == CRITICAL else a.non_critical_repeat_min) * 60.0
        tone = a.critical_tone if severity == CRITICAL else a.non_critical_tone
        self.alarms.raise_(alarm, severity, message, repeat_s=repeat, tone=tone, **details)

    def warn_empty_risk(self) -> None:
        """Warn of the drug's withdrawal risk when it stops flowing."""
        drug = self.therapy.drug
        if drug.empty_reservoir_risk:
            self.warn(f"{drug.drug_name} no longer flowing: risk of {drug.empty_reservoir_risk}", risk=drug.empty_reservoir_risk)

    def advance(self, t_s: float) -> None:
        """Rebase every component's state to t_s (nothing but the time of day changed since t0)."""
        flow = self.flow
        t0 = flow.t0
        dt = t_s - t0
        if dt <= 0:
            return
        parts = flow.flow_parts()
        if parts[0] != 0.0:
            self._record_schedule_steps(t0, t_s, parts)
        calc = flow.rebase(t_s, parts)
        mri = self.mri
        if mri.block:  # (Mri.account counts only while blocked)
            mri.account(calc)
        battery = self.battery
        if battery:
            # battery.advance(dt, calc / dt), written out (this runs at every rebase)
            if battery.eos_t_s is not None:
                battery.elapsed_s += dt
            else:
                spec = battery.spec
                battery.pct = max(0.0, battery.pct - (spec.idle_drain_pct_per_day / SECONDS_PER_DAY + spec.pumping_drain_pct_per_ml * (calc / dt)) * dt)
                battery.elapsed_s += dt

    def _record_schedule_steps(self, t_a: float, t_b: float, parts: tuple[float, float]) -> None:
        """Add the breakpoints of the series at the flex step boundaries inside (t_a, t_b) where
        the dose changes (a boundary between two steps of one dose is a point on the line):
        generated (with numpy, all series at once) only when a series is read
        (step_series.StepBreakpoints)."""
        program = self.therapy.program
        if t_b - t_a <= program.max_step_gap_s + 2.0 and program.next_change_after_exceeds(t_a, t_b + 1.0):
            # no step boundary inside the interval (the generator would make no points); (an
            # interval longer than the longest step holds one: next_change_after(t_a) is at most
            # t_a + max_step_gap_s, give or take its 1 us rounding)
            return
        flow, fifo = self.flow, self.dead_volume.fifo
        res = flow.reservoir
        segments = fifo.segments
        tip = segments[0] if segments else None  # (fifo.tip)
        conc = res.conc_per_ml if tip is None else tip.conc_per_ml
        drug = res.drug if tip is None else tip.drug
        therapy_drug = self.therapy.drug
        unit = therapy_drug.unit  # (drug_unit)
        homogeneous = fifo.volume_until_tip_changes(res.drug, res.conc_per_ml) is None and drug == therapy_drug.short_name
        battery = self.battery if self.battery and self.battery.eos_t_s is None else None
        ledger = self.dead_volume.ledger
        cum_drug = None
        if homogeneous:
            delivered, units = ledger.delivered, self.therapy.drug_units
            if len(units) == 1 and len(delivered) == 1 and units[next(iter(delivered))] == unit:
                cum_drug = 0.0 + next(iter(delivered.values()))  # (_delivered_by_unit()[unit] in its usual case)
            else:
                cum_drug = self._delivered_by_unit()[unit]
        gen = StepBreakpoints(program, t_a, t_b, parts, flow.flow_factor, res.volume_ml > EPS_ML, res.volume_ml,
                              flow.v_calc, ledger.delivered_ml, cum_drug, conc, unit,
                              battery.pct if battery else None, battery.spec if battery else None)
        recording = self.recording
        recording.add_generated(recording.step_targets(gen, homogeneous, battery is not None), gen)

    def _delivered_by_unit(self) -> dict[str, float]:
        """Delivered drug summed per unit (each unit's series starts at 0 at t = 0)."""
        units = self.therapy.drug_units
        delivered = self.dead_volume.ledger.delivered
        if len(units) == 1 and len(delivered) == 1:  # (the usual case: one drug, one unit)
            [(name, amount)] = delivered.items()
            return {units[name]: 0.0 + amount}
        out = dict.fromkeys(self.therapy.units_seen, 0.0)
        for name, amount in delivered.items():
            out[units[name]] += amount
        return out

    # ================= recording =================
    def record_state(self) -> None:
        """Add a breakpoint of every signal at now (idempotent: a value already recorded at this
        instant is not added again, as the series itself would drop it)."""
        now = self._env.now
        flow = self.flow
        if now > flow.t0:
            # between wake-ups (run end, a results() call): rebase in closed form first, as a
            # wake-up would; nothing is due before the next planned wake-up, so this only moves
            # t0 and is much cheaper than projecting the flow from t0 segment by segment
            self.advance(now)
        # after the rebase t0 == now: the rate now is the true flow of the last rebase
        # (current_rate_ml_per_day; dosing.ml_per_s_to_ml_per_day written out, as are the
        # dose rate's dosing.dose_per_day_for_rate and the battery's pct_after(0.0, q_prog)
        # below: the same operations on the same floats)
        rate = flow.q_true * SECONDS_PER_DAY
        res = flow.reservoir
        dead_volume = self.dead_volume
        segments = dead_volume.fifo.segments
        tip_drug, tip_conc = (segments[0].drug, segments[0].conc_per_ml) if segments else (res.drug, res.conc_per_ml)  # (fifo.tip's)
        drug_units = self.therapy.drug_units
        ledger = dead_volume.ledger
        delivered = ledger.delivered
        recording = self.recording
        if len(drug_units) == 1 and len(delivered) == 1:
            # one drug, one unit (the usual case): _delivered_by_unit's one entry, written out
            [(name, amount)] = delivered.items()
            unit = drug_units[name]
            layout = recording.layouts.get((unit,)) or recording.layout((unit,), now)  # the signals, in the order of `values`
            flowing = tip_drug is not None and drug_units.get(tip_drug) == unit
            values = [res.volume_ml, flow.v_calc, ledger.delivered_ml, 0.0 + amount, rate * tip_conc if flowing else 0.0, rate]
        else:
            by_unit = self._delivered_by_unit()
            layout = recording.layout(tuple(by_unit), now)
            values = [res.volume_ml, flow.v_calc, ledger.delivered_ml]
            for unit, amount in by_unit.items():
                flowing = tip_drug is not None and drug_units.get(tip_drug) == unit
                values.append(amount)
                values.append(dosing.dose_per_day_for_rate(rate, tip_conc) if flowing else 0.0)
            values.append(rate)
        battery = self.battery
        if battery:
            # battery_pct_at(now): Battery.pct_after(0.0, q_prog), written out
            if battery.eos_t_s is not None:
                values.append(battery.pct)
            else:
                spec = battery.spec
                values.append(max(0.0, battery.pct - (spec.idle_drain_pct_per_day / SECONDS_PER_DAY + spec.pumping_drain_pct_per_ml * flow.q_prog) * 0.0))
        recording.record(now, layout, values)

    # ================= the action pipeline's hooks =================
    def prepare_action(self, action: str, applying: bool) -> None:
        """Rebase to now; before applying, also handle what is due now and refresh the rates."""
        self.advance(self.now)
        if applying:
            moments = self.moments
            moments.plan_fresh = False  # the action may change the state (clear_plan_fresh)
            wake = moments.wake  # (not moments.nothing_due_before_wake(), written out)
            if wake is None or not wake.active or not self.now + 1e-3 < wake.t_s:
                moments.process_due()
            self.flow.recompute_rates()
            # the action may change the state: the crossings' basis is no longer known to hold,
            # but for a patient bolus press (`finish_apply`), which only adds a bolus
            self._basis_before_action, moments.crossings_basis = moments.crossings_basis, None

    def begin_apply(self, action: str, params: Any) -> Any:
        """Record the state just before the action changes it; the token is the crossings'
        basis from before the action (`prepare_action`)."""
        self.record_state()
        return self._basis_before_action

    def report_findings(self, action: str, params: Any, findings: list[Finding]) -> None:
        """A drug-library warning the clinician confirmed is an `override` event; every other
        warning a `warning` event."""
        if not findings:
            return  # (the usual case: no model attribute lookup for a `confirm` the params may lack)
        _, overrides = checks.split_confirmed(findings, getattr(params, "confirm", None))
        for f in findings:
            if f in overrides:
                self.emit(Kinds.OVERRIDE, action=action, message=f.message, limit=f.limit, value=f.value, allowed=f.allowed)
            elif f.level == "warn":
                self.warn(f.message, limit=f.limit, value=f.value, allowed=f.allowed)

    def finish_apply(self, action: str, params: Any, findings: list[Finding], payload: dict[str, Any] | None, token: Any) -> dict[str, Any] | None:
        """Refresh the rates, handle what the action made due, record and plan the next wake-up.
        A patient bolus press only added a bolus to the flow: its plan's listing may carry the
        crossings' bound over it (`token`: the basis from before it; Moments.press_basis)."""
        self.flow.recompute_rates()
        moments = self.moments
        if action == "patient_bolus" and moments.carry_over_presses:
            moments.press_basis = token
        moments.settle_and_plan()
        moments.press_basis = None  # (for that listing only)
        return payload

    # ================= public queries =================
    @property
    def drug_unit(self) -> str:
        """Unit of every drug amount this pump reports: "mg" or "mcg"."""
        return self.therapy.drug.unit

    @property
    def units_seen(self) -> list[str]:
        """Drug units of every drug this pump has held, in order of first use."""
        return self.therapy.units_seen

    def _series_values(self, signal: str, times: list[float]) -> list[float]:
        """Recorded values at many past times with one lookup (no per-point array rebuild)."""
        if not times:
            return []
        try:
            return self.sim.recorder.get(self.id, signal).at(np.asarray(times, dtype=float)).tolist()  # (Python floats)
        except KeyError:
            return [math.nan] * len(times)

    def _series_at(self, signal: str, t_s: float) -> float:
        try:
            return float(self.sim.recorder.get(self.id, signal).at(t_s))
        except KeyError:
            return math.nan

    def reservoir_ml_at(self, t_s: float) -> float:
        """True reservoir volume (mL) at t_s: recorded breakpoints before the last state change,
        closed form (with the current program) after it."""
        if t_s < self.flow.t0:
            return self._series_at("reservoir_ml", t_s)
        return max(0.0, self.flow.reservoir.volume_ml - self.forecast.used_by(t_s)[1])

    def expected_reservoir_ml_at(self, t_s: float) -> float:
        """Reservoir volume (mL) the pump calculates from its program at t_s."""
        if t_s < self.flow.t0:
            return self._series_at("expected_reservoir_ml", t_s)
        return max(0.0, self.flow.v_calc - self.forecast.used_by(t_s)[0])

    def delivered_volume_ml_at(self, t_s: float) -> float:
        """Volume delivered into the patient (mL) from t = 0 to t_s."""
        if t_s < self.flow.t0:
            return self._series_at("delivered_volume_ml", t_s)
        return self.dead_volume.ledger.delivered_ml + self.forecast.used_by(t_s)[1]

    def delivered_drug_at(self, t_s: float) -> float:
        """Amount of the pump's drug (in `drug_unit`) delivered from t = 0 to t_s."""
        if t_s < self.flow.t0:
            return self._series_at(f"cumulative_drug_{self.drug_unit}", t_s)
        x = self.forecast.used_by(t_s)[1]
        name = self.therapy.drug.short_name
        res = self.flow.reservoir
        return self.dead_volume.ledger.delivered.get(name, 0.0) + amount_of(self.dead_volume.fifo.peek(x, res.drug, res.conc_per_ml), name)

    def pending_breakpoints(self, signal: str, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Breakpoints (times s, values) of `signal` at the flex step boundaries inside (the last
        state change, min(t_s, now)) where the dose changes: the points its series gets there at
        the pump's next state change (until then the recorded series stops at the last one; the
        steps between are closed form). For a live view of the present run: the app draws them
        after the recorded points. `signal`: reservoir_ml, expected_reservoir_ml,
        delivered_volume_ml or rate_ml_per_day; empty arrays when nothing is pending (a program
        without steps, a bolus overriding it, no time since the last state change)."""
        if signal not in PENDING_SIGNALS:
            raise ValueError(f"pending_breakpoints: signal {signal!r} is not one of {', '.join(PENDING_SIGNALS)}")
        flow = self.flow
        t_a, t_b = flow.t0, min(t_s, self.now)
        parts = flow.flow_parts()
        if t_b <= t_a or parts[0] == 0.0:
            return np.empty(0), np.empty(0)
        res = flow.reservoir
        tip = self.dead_volume.fifo.tip
        conc = res.conc_per_ml if tip is None else tip.conc_per_ml
        gen = StepBreakpoints(self.therapy.program, t_a, t_b, parts, flow.flow_factor, res.volume_ml > EPS_ML, res.volume_ml,
                              flow.v_calc, self.dead_volume.ledger.delivered_ml, None, conc, self.therapy.drug.unit, None, None)
        return gen.points(signal)

    def current_rate_ml_per_day(self) -> float:
        """Actual flow now (mL/day), boluses included."""
        now, flow = self.now, self.flow
        if now > flow.t0:
            q = flow.programmed_q(now, [b for b in self.boluses.running if b.end_t_s > now])
            return dosing.ml_per_s_to_ml_per_day(q * flow.flow_factor) if self.reservoir_ml_at(now) > EPS_ML else 0.0
        return dosing.ml_per_s_to_ml_per_day(flow.q_true)

    def current_drug_rate_per_day(self) -> float:
        """Drug reaching the patient now, drug unit per day."""
        tip = self.dead_volume.fifo.tip
        res = self.flow.reservoir
        conc = res.conc_per_ml if tip is None else tip.conc_per_ml
        drug = res.drug if tip is None else tip.drug
        if drug != self.therapy.drug.short_name:
            return 0.0
        return dosing.dose_per_day_for_rate(self.current_rate_ml_per_day(), conc)

    def current_drug_rates_per_day(self) -> dict[str, float]:
        """Each drug reaching the patient now, drug short name -> its unit per day (the primary
        drug, and the admixture of a mixture)."""
        out = {self.therapy.drug.short_name: self.current_drug_rate_per_day()}
        if self.admixture is not None:
            out[self.admixture.drug.short_name] = self.admixture.current_rate_per_day()
        return out

    def low_reservoir_basis(self) -> tuple[float, float]:
        """(volume_ml, flow_factor): the volume (mL, as of the pump's last state change, not now) and
        the flow factor (true flow / programmed flow, dimensionless) the low-reservoir moment is
        computed from: the volume the pump calculates at its programmed flow; for a gas-driven pump
        (no electronics, nothing calculated on board) the true volume at the true flow, the same
        basis as its predicted empty date, so the reminder always comes before the reservoir is empty."""
        return self.flow.low_reservoir_basis()

    def predicted_low_reservoir_t_s(self) -> float | None:
        """When the volume reaches the low-reservoir threshold (None: never, or already reached:
        see `low_reservoir_reached_t_s`)."""
        flow = self.flow
        volume, factor = flow.low_reservoir_basis()
        if flow.low_latched or volume <= flow.threshold_ml:
            return None
        t, _ = self.forecast.walk(flow.t0, factor, stop_volume=volume - flow.threshold_ml)
        return t

    def low_reservoir_reached_t_s(self) -> float | None:
        """Simulation time (s) at which the low-reservoir alarm (a reminder on a gas-driven pump)
        still active was raised; None when that alarm is not active."""
        return self._alarm_raised_t_s("low_reservoir")

    def empty_reached_t_s(self) -> float | None:
        """Simulation time (s) at which the empty-reservoir alarm still active was raised; None when
        that alarm is not active."""
        return self._alarm_raised_t_s("empty_reservoir")

    def _alarm_raised_t_s(self, name: str) -> float | None:
        state = self.alarms.active.get(name)
        return None if state is None else float(state.raised_t_s)

    def predicted_empty_t_s(self) -> float | None:
        """When the reservoir is predicted empty (pump's calculation; for gas pumps, the true flow)."""
        flow = self.flow
        if flow.gas:
            if flow.true_empty:
                return None
            t, _ = self.forecast.walk(flow.t0, flow.flow_factor, stop_volume=flow.reservoir.volume_ml)
            return t
        if "calculated_empty" in self.faults.halts:
            return None
        t, _ = self.forecast.walk(flow.t0, 1.0, stop_volume=flow.v_calc)
        return t

    def next_refill_t_s(self, target_ml: float | None = None) -> float | None:
        """Prometra-style next refill: when the pump's calculated volume reaches `target_ml`
        (default: the profile's `next_refill_target_ml`) if the patient also takes every allowed
        patient bolus (max_per_day a day, spread evenly). Now if already at or below the target;
        None when the pump is stopped or the date lies beyond the horizon. Reads the state without
        changing it: the walk starts at the last rebase, and the patient boluses' constant flow
        between that rebase and now is added to the volume to use, so it counts from now only."""
        target = self.profile.next_refill_target_ml if target_ml is None else float(target_ml)
        now, flow = self.now, self.flow
        if self.expected_reservoir_ml_at(now) <= target + VOL_TOL_ML:
            return now
        if self.faults.halts:
            return None
        rule = self.boluses.patient.rule
        extra = 0.0
        if rule is not None:
            extra = dosing.volume_ml_for_dose(rule.dose, self.therapy.conc_prog) * rule.max_per_day / SECONDS_PER_DAY
        t, _ = self.forecast.walk(flow.t0, 1.0, stop_volume=flow.v_calc - target + extra * max(0.0, now - flow.t0), extra_ml_per_s=extra)
        return t

    def battery_pct_at(self, t_s: float) -> float | None:
        """Battery charge (%) at t_s; None without a battery (gas-driven)."""
        if self.battery is None:
            return None
        if t_s < self.flow.t0:
            return self._series_at("battery_pct", t_s)
        return self.battery.pct_after(t_s - self.flow.t0, self.flow.q_prog)

    def daily_doses(self) -> list[float]:
        """Drug delivered (drug unit) in each calendar day from the scenario start to now."""
        return self._doses_between(self._day_boundaries())

    def _doses_between(self, points: list[float]) -> list[float]:
        """Drug delivered (drug unit) between each time of `points` (s, increasing) and the next."""
        t0 = self.flow.t0
        past = [t for t in points if t < t0]
        values = self._series_values(f"cumulative_drug_{self.drug_unit}", past) + [self.delivered_drug_at(t) for t in points[len(past):]]
        return [b - a for a, b in zip(values, values[1:])]

    def _day_boundaries(self) -> list[float]:
        now = self.now
        points = [0.0]
        t = SECONDS_PER_DAY - self.therapy.clock_offset_s % SECONDS_PER_DAY
        while t < now - TIME_TOL_S:
            points.append(t)
            t += SECONDS_PER_DAY
        points.append(now)
        return points

    def day_boundaries_t_s(self) -> list[float]:
        """Start of the run, every calendar midnight after it, and now (s): the edges of `daily_doses`."""
        return self._day_boundaries()

    def active_alarms(self) -> list[dict[str, Any]]:
        """The active alarms as dicts (alarm, severity, message, raised_t_s, acknowledged_t_s, repeats as of now, tone)."""
        return self.alarms.active_dicts()  # repeat counts as of now

    def low_reservoir_threshold_ml(self) -> float:
        """Calculated reservoir volume at which the low-reservoir alarm sounds, mL."""
        return self.flow.threshold_ml

    def drug_profile(self) -> DrugProfile:
        """The profile (DrugProfile) of the drug programmed now: name, unit, daily maximum, stability."""
        return self.therapy.drug

    def programmed_concentration_per_ml(self) -> float:
        """Concentration entered in the pump now, drug unit per mL."""
        return self.therapy.conc_prog

    def calendar_offset_s(self) -> float:
        """Time of day at t = 0, seconds after midnight (calendar days start at -offset + k x 86400 s)."""
        return self.therapy.clock_offset_s

    def patient_bolus_settings(self) -> PatientBolusSettings | None:
        """The patient-bolus settings in force (dose, duration, lockout, maximum per day), or None."""
        return self.boluses.settings_model

    def concentration_change_preview(self, new_concentration_per_ml: float) -> dict[str, Any]:
        """What refilling the same drug at `new_concentration_per_ml` (drug unit per mL) with the
        dose program kept would do, for the refill wizard; changes nothing (refill.Refills)."""
        return self.refills.concentration_change_preview(new_concentration_per_ml)

    def delivery_pattern(self, t0_s: float, t1_s: float, sample_rate_hz: float = 1.0) -> dict[str, np.ndarray]:
        """Stroke/packet pattern of delivery in [t0_s, t1_s] (see delivery_pattern.py)."""
        from simulator.pump.delivery_pattern import pattern_for_device

        return pattern_for_device(self, t0_s, t1_s, sample_rate_hz)

    def mass_balance(self) -> dict[str, float]:
        """Ledger of the pump's drug now (drug unit): filled = delivered + reservoir + dead volume + aspirated + pocket."""
        self.advance(self.now)
        return self.dead_volume.balance(self.therapy.drug.short_name, self.flow.reservoir)

    # ================= summary =================
    def summary(self) -> dict[str, Any]:
        self.advance(self.now)
        therapy, flow, ledger = self.therapy, self.flow, self.dead_volume.ledger
        name = therapy.drug.short_name
        refusals = self.sim.recorder.events_of(self.id, Kinds.REFUSAL)  # from the recorder's index, not a scan
        start = self.sim.scenario.start
        day_points = self._day_boundaries()
        doses = self._doses_between(day_points)
        daily = [{"date": text, "amount": d} for text, d in zip(date_texts(start, day_points[:len(doses)]), doses)]
        pred_empty = self.predicted_empty_t_s()
        pred_low = self.predicted_low_reservoir_t_s()
        out: dict[str, Any] = {
            "kind": "pump",
            "profile": self.profile.id,
            "drug": therapy.drug.drug_name,
            "drug_unit": self.drug_unit,
            "concentration_per_ml": therapy.conc_prog,
            "delivered_volume_ml": ledger.delivered_ml,
            "delivered_drug": ledger.delivered.get(name, 0.0),
            "delivered_by_drug": dict(ledger.delivered),
            "delivered_per_drug": [{"drug": therapy.drug_names[n], "amount": a, "unit": therapy.drug_units[n]} for n, a in ledger.delivered.items()],
            "delivered_drug_by_unit": self._delivered_by_unit(),
            "final_reservoir_ml": flow.reservoir.volume_ml,
            "expected_reservoir_ml": flow.v_calc,
            "dead_volume_ml": self.dead_volume.volume_ml,
            "current_rate_ml_per_day": self.current_rate_ml_per_day(),
            "programmed_daily_dose": therapy.program.daily_dose(),
            "mode": therapy.program.mode_name,
            "daily_doses": daily,
            "alarms": self.alarms.summary(),
            "active_alarms": self.active_alarms(),
            "refusals": len(refusals),
            "warnings": len(self.sim.recorder.events_of(self.id, Kinds.WARNING)),
            "patient_boluses": {"accepted": self.boluses.patient.accepted_total, "refused": sum(1 for e in refusals if e.payload.get("action") == "patient_bolus")},
            "refills": self.refills.refills,
            "dose_errors": self.refills.dose_errors,
            "pocket_fills": self.refills.pocket_fills,
            "predicted_empty_t_s": pred_empty,
            "predicted_low_reservoir_t_s": pred_low,
            "next_refill_t_s": self.next_refill_t_s(),
            "next_refill_target_ml": self.profile.next_refill_target_ml,
            "systematic_error_pct": flow.systematic_error_pct,
            "flow_factor": flow.flow_factor,
            "stopped": sorted(self.faults.halts),
            "mass_balance": self.dead_volume.balance(name, flow.reservoir),
            "mri": self.mri.events,
            "priming_hazards": self.priming.hazards,
            "flow_blocked": self.mri.block,
            "random_presses": self.presses.random_presses,
        }
        if self.admixture is not None:  # keys of a single-drug pump stay as they were
            out["admixture"] = self.admixture.summary()
        if self.battery:
            out["battery_pct"] = self.battery.pct
            out["eri_t_s"] = self.battery.eri_t_s
            out["eos_t_s"] = self.battery.eos_t_s
        return out
