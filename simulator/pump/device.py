"""PumpDevice: an implanted intrathecal drug pump (profile kind "pump").

State is kept as of the last rebase `t0` (reservoir content, the pump's calculated reservoir
volume, the dead-volume FIFO, the ledger, battery) and everything between state changes is
closed form: flows are constant between wake-ups. The device wakes only at schedule step
boundaries, bolus starts/ends, lockout expiries and threshold crossings whose times it computes
(low reservoir, empty, the old drug's boundary reaching the catheter tip, ERI, EOS, drug
stability), never per stroke.

Two volumes are kept: the true reservoir volume (flows with the device's systematic error and,
for the gas-driven pump, the environment) and the volume the pump calculates from its program
(what its low-reservoir and empty alarms and its predicted dates use, as real pumps have no
level sensor). With zero flow error they are the same.
"""
from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from simulator.alarms import AlarmBoard
from simulator.device import Device, Finding
from simulator.errors import ActionRefused, InputError, Issue
from simulator.events import Kinds
from simulator.pump import checks, dosing
from simulator.pump.battery import Battery
from simulator.pump.boluses import Bolus, PatientBolusPolicy
from simulator.pump.drugs import DrugProfile
from simulator.pump.mri import MriMixin
from simulator.pump.priming import PrimingMixin
from simulator.pump.patient_presses import PressMixin
from simulator.pump.flow_accuracy import draw_systematic_error_pct
from simulator.pump.reservoir import EPS_ML, DeadVolumeFifo, Ledger, Reservoir
from simulator.pump.schedule import Program
from simulator.pump.settings import ACTIONS, PumpSettings, StoppedMode
from simulator.units import SECONDS_PER_DAY
from simulator.pump.drugs import resolve_drug
from simulator.pump.flow import FlowCore
from simulator.pump.queries import PumpQueries
from simulator.pump.program_actions import ProgramActions
from simulator.pump.refill import RefillActions
from simulator.pump.fault_actions import FaultActions
from simulator.pump.flow import ALARM_MESSAGES
from simulator.pump.flow import HORIZON_S
from simulator.pump.flow import VOL_TOL_ML

__all__ = ["PumpDevice", "resolve_drug", "ALARM_MESSAGES", "HORIZON_S", "VOL_TOL_ML"]


class PumpDevice(FlowCore, PumpQueries, ProgramActions, RefillActions, FaultActions, MriMixin, PressMixin, PrimingMixin, Device):
    """An implanted drug pump. Code outside the core (the app, reports, training) reads it only
    through `snapshot()`, the event stream, and the queries named in `PUBLIC_QUERIES`."""

    kind = "pump"
    Settings = PumpSettings
    ACTIONS = ACTIONS
    #: The documented queries (besides `snapshot`, the action API, `profile` and `id`).
    PUBLIC_QUERIES: tuple[str, ...] = (
        "snapshot", "reservoir_ml_at", "expected_reservoir_ml_at", "delivered_volume_ml_at", "delivered_drug_at",
        "current_rate_ml_per_day", "current_drug_rate_per_day", "predicted_low_reservoir_t_s", "predicted_empty_t_s",
        "next_refill_t_s", "battery_pct_at", "daily_doses", "day_boundaries_t_s", "active_alarms", "delivery_pattern",
        "mass_balance", "patient_bolus_settings", "concentration_change_preview", "units_seen", "drug_unit", "summary",
        "low_reservoir_threshold_ml", "drug_profile", "programmed_concentration_per_ml", "calendar_offset_s",
        "low_reservoir_basis", "low_reservoir_reached_t_s", "empty_reached_t_s",
    )

    def snapshot(self, t_s: float | None = None):
        """A frozen PumpSnapshot of the pump now (settings, volumes, dates, alarms, battery, lockout).

        Only the present is supported: `t_s` must be None or the present time (a past state would
        need the past settings, which are in the event stream; future levels: `reservoir_ml_at`)."""
        from simulator.pump import snapshot

        if t_s is not None and abs(t_s - self.now) > 1e-6:
            raise ValueError(f"a snapshot is of the present only (now = {self.now:g} s, asked {t_s:g} s); use the *_at queries for other times")
        return snapshot.build(self)

    # ================= settings validation =================
    @classmethod
    def check_settings(cls, profile, settings: PumpSettings, registry) -> None:
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
            daily = dosing.dose_per_day_for_rate(profile.fixed_rate_ml_per_day, conc)
            finding = checks.daily_max_finding(drug, daily, f"fixed rate {profile.fixed_rate_ml_per_day:g} mL/day x {conc:g} {drug.unit}/mL")
            if finding:
                issues.append(Issue(field, finding.message, conc))
        else:
            for f in checks.program_findings(profile, drug, conc, settings.mode, settings.patient_bolus, 0.0, 0.0):
                # initial settings describe the pump as found: no confirmation, so drug-library limits hold too
                if f.level == "refuse" or checks.is_library_limit(f.limit):
                    where = "patient_bolus" if "patient" in f.message else "mode"
                    issues.append(Issue(where, f.message, f.value))
        if issues:
            raise InputError(issues)

    # ================= start =================
    def start(self) -> None:
        s, p = self.settings, self.profile
        self.drug: DrugProfile = resolve_drug(self.registry, s.drug)
        self.conc_prog = dosing.pick(s, "concentration_{u}_per_ml", self.drug.unit, self.drug.drug_name)
        self.gas = p.archetype == "gas_driven"
        self._mri_init()
        self._priming_init()
        start = self.sim.scenario.start
        self.clock_offset_s = start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond * 1e-6
        catheter_ml_per_cm = p.catheter_volume_ml_per_cm if s.catheter_volume_ml_per_cm is None else s.catheter_volume_ml_per_cm
        self.dead_volume_ml = p.pump_tubing_dead_volume_ml + s.catheter_length_cm * catheter_ml_per_cm
        name = self.drug.short_name
        self.drug_units: dict[str, str] = {}  # drug short name -> unit, every drug this pump has held
        self.drug_names: dict[str, str] = {}
        self._note_drug(self.drug)
        self.reservoir = Reservoir(s.reservoir_ml, name, self.conc_prog)
        if s.dead_volume_primed:
            self.fifo = DeadVolumeFifo(self.dead_volume_ml, name, self.conc_prog)
        else:
            self.fifo = DeadVolumeFifo(self.dead_volume_ml, None, 0.0)
        self.ledger = Ledger()
        self.ledger.filled[name] += dosing.dose_in_volume(s.reservoir_ml, self.conc_prog) + self.fifo.amounts().get(name, 0.0)
        self.ledger.filled_ml += s.reservoir_ml + (self.dead_volume_ml if s.dead_volume_primed else 0.0)
        self.v_calc = s.reservoir_ml
        self.threshold_ml = s.low_reservoir_threshold_ml if s.low_reservoir_threshold_ml is not None else p.low_reservoir_default_ml
        fe = s.flow_error
        self.systematic_error_pct = draw_systematic_error_pct(self.rng, p.accuracy_pct, p.measured_abs_error_pct) if fe.random_systematic else fe.systematic_error_pct
        self.stroke_noise_cv_pct = fe.stroke_noise_cv_pct
        self.body_temperature_c = 37.0 if p.gas is None else p.gas.ref_temperature_c
        self.ambient_mmhg = 760.0
        self._set_environment(s.environment, emit=False)
        if self.gas:
            self.program = Program.fixed(dosing.dose_per_day_for_rate(p.fixed_rate_ml_per_day, self.conc_prog), self.clock_offset_s)
        else:
            self.program = Program.from_mode(s.mode, self.drug.unit, self.drug.drug_name, self.clock_offset_s, 0.0)
        self.mode_model, self.mode_programmed_t_s = s.mode, 0.0  # the mode as given (snapshot.settings.mode)
        self._next_periodic_t = self.program.periodic.anchor_t_s if self.program.periodic else math.inf
        self.patient = PatientBolusPolicy(checks.patient_rule(s.patient_bolus, self.drug))
        self._lockout_notified_t: float | None = None
        if p.battery:
            pct = Battery.most_pct(p.battery, s.service_elapsed_days) if s.battery_initial_pct is None else s.battery_initial_pct
            self.battery = Battery(p.battery, pct, s.service_elapsed_days * SECONDS_PER_DAY)
        else:
            self.battery = None
        self.alarms = AlarmBoard(self)
        self.boluses: list[Bolus] = []
        self.halts: set[str] = set()  # calculated_empty, motor_stall, memory_error, eos
        self.low_latched = False
        self.true_empty = s.reservoir_ml <= EPS_ML
        self.fill_t_s = -s.days_since_fill * SECONDS_PER_DAY
        self.implant_t_s = -s.service_elapsed_days * SECONDS_PER_DAY
        self.stability_warned = False
        self.last_increase_t_s: float | None = None
        self.dose_errors: list[dict[str, Any]] = []
        self.pocket_fills: list[dict[str, Any]] = []
        self.refills: list[dict[str, Any]] = []
        self.t0 = self.now
        self.q_prog = self.q_true = 0.0
        self._wake = None
        self._planned: list = []
        self._planned_due: list = []
        self._recompute_rates()
        self._settle_and_plan()
        self._presses_init()
        if abs(self.systematic_error_pct) > p.accuracy_pct:
            self.warn(f"fault scenario: this pump is out of specification, its flow error {self.systematic_error_pct:+g} % is outside the {p.name} accuracy band of +/-{p.accuracy_pct:g} %",
                      limit="accuracy_pct", value=self.systematic_error_pct, allowed=p.accuracy_pct)

    def _note_drug(self, drug: DrugProfile) -> None:
        self.drug_units[drug.short_name] = drug.unit
        self.drug_names[drug.short_name] = drug.drug_name

    @property
    def units_seen(self) -> list[str]:
        """Drug units of every drug this pump has held, in order of first use."""
        return list(dict.fromkeys(self.drug_units.values()))

    def _delivered_by_unit(self, in_flight=()) -> dict[str, float]:
        """Delivered drug summed per unit (each unit's series starts at 0 at t = 0)."""
        out = {u: 0.0 for u in self.units_seen}
        for name, amount in self.ledger.delivered.items():
            out[self.drug_units[name]] += amount
        for seg in in_flight:
            if seg.drug:
                out[self.drug_units[seg.drug]] += seg.amount
        return out

    # ================= recording =================
    def record_state(self) -> None:
        now = self.now
        in_flight = []
        if now > self.t0:
            # between wake-ups (run end, a results() call): rebase in closed form first, as a
            # wake-up would; nothing is due before the next planned wake-up, so this only moves
            # t0 and is much cheaper than projecting the flow from t0 segment by segment
            self._advance(now)
        add = self._series_adder(now)
        add("reservoir_ml", self.reservoir.volume_ml, "mL")
        add("expected_reservoir_ml", self.v_calc, "mL")
        add("delivered_volume_ml", self.ledger.delivered_ml, "mL")
        rate = self.current_rate_ml_per_day()
        tip = self.fifo.tip
        tip_drug, tip_conc = (self.reservoir.drug, self.reservoir.conc_per_ml) if tip is None else (tip.drug, tip.conc_per_ml)
        for unit, amount in self._delivered_by_unit(in_flight).items():
            cum, drate = f"cumulative_drug_{unit}", f"drug_rate_{unit}_per_day"
            if (self.id, cum) not in self.sim.recorder.series and now > 0:
                # a unit first used now (refill with another drug): its series is zero from t = 0
                self.sim.recorder.record(0.0, self.id, cum, 0.0, unit, "linear")
                self.sim.recorder.record(0.0, self.id, drate, 0.0, f"{unit}/day", "step")
            add(cum, amount, unit)
            flowing = tip_drug is not None and self.drug_units.get(tip_drug) == unit
            add(drate, dosing.dose_per_day_for_rate(rate, tip_conc) if flowing else 0.0, f"{unit}/day", "step")
        add("rate_ml_per_day", rate, "mL/day", "step")
        if self.battery:
            add("battery_pct", self.battery_pct_at(now), "%")

    def _series_adder(self, now: float):
        """add(signal, value, unit, interp): Device.record at `now`, with the Series objects kept
        on the device after the first lookup (the recorder creates each one once)."""
        cache = self.__dict__.setdefault("_series_cache", {})  # the recorder never drops a series
        recorder = self.sim.recorder

        def add(signal, value, unit="", interp="linear"):
            series = cache.get(signal)
            if series is None:
                recorder.record(now, self.id, signal, value, unit, interp)
                cache[signal] = recorder.series[(self.id, signal)]
            else:
                series.add(now, value)

        return add

    # ================= actions =================
    def _sync(self) -> None:
        self._advance(self.now)

    def check(self, action: str, params) -> list[Finding]:
        self._sync()
        method = getattr(self, f"_check_{action}", None)
        return method(params) if method else []

    def apply(self, action: str, params) -> dict[str, Any] | None:
        self._sync()
        if not self._nothing_due_before_wake():
            self._process_due()
        self._recompute_rates()
        findings = self.check(action, params)
        refusals = [f for f in findings if f.level == "refuse"]
        if refusals:
            first = refusals[0]
            raise ActionRefused(first.message, limit=first.limit, value=first.value, allowed=first.allowed, findings=[f.as_dict() for f in refusals])
        self.record_state()
        _, overrides = checks.split_confirmed(findings, getattr(params, "confirm", None))
        for f in findings:
            if f in overrides:  # a drug-library warning the clinician confirmed
                self.emit(Kinds.OVERRIDE, action=action, message=f.message, limit=f.limit, value=f.value, allowed=f.allowed)
            elif f.level == "warn":
                self.warn(f.message, limit=f.limit, value=f.value, allowed=f.allowed)
        payload = getattr(self, f"_do_{action}")(params)
        self._recompute_rates()
        self._settle_and_plan()
        return payload

    # ================= summary =================
    def summary(self) -> dict[str, Any]:
        self._advance(self.now)
        name = self.drug.short_name
        refusals = self.sim.recorder.events_of(self.id, Kinds.REFUSAL)  # from the recorder's index, not a scan
        start = self.sim.scenario.start
        day_points = self._day_boundaries()
        doses = self.daily_doses()
        daily = [{"date": (start + timedelta(seconds=day_points[i])).date().isoformat(), "amount": d} for i, d in enumerate(doses)]
        pred_empty = self.predicted_empty_t_s()
        pred_low = self.predicted_low_reservoir_t_s()
        out: dict[str, Any] = {
            "kind": "pump",
            "profile": self.profile.id,
            "drug": self.drug.drug_name,
            "drug_unit": self.drug_unit,
            "concentration_per_ml": self.conc_prog,
            "delivered_volume_ml": self.ledger.delivered_ml,
            "delivered_drug": self.ledger.delivered.get(name, 0.0),
            "delivered_by_drug": dict(self.ledger.delivered),
            "delivered_per_drug": [{"drug": self.drug_names[n], "amount": a, "unit": self.drug_units[n]} for n, a in self.ledger.delivered.items()],
            "delivered_drug_by_unit": self._delivered_by_unit(),
            "final_reservoir_ml": self.reservoir.volume_ml,
            "expected_reservoir_ml": self.v_calc,
            "dead_volume_ml": self.dead_volume_ml,
            "current_rate_ml_per_day": self.current_rate_ml_per_day(),
            "programmed_daily_dose": self.program.daily_dose(),
            "mode": self.program.mode_name,
            "daily_doses": daily,
            "alarms": self.alarms.summary(),
            "active_alarms": self.active_alarms(),
            "refusals": len(refusals),
            "warnings": len(self.sim.recorder.events_of(self.id, Kinds.WARNING)),
            "patient_boluses": {"accepted": self.patient.accepted_total, "refused": sum(1 for e in refusals if e.payload.get("action") == "patient_bolus")},
            "refills": self.refills,
            "dose_errors": self.dose_errors,
            "pocket_fills": self.pocket_fills,
            "predicted_empty_t_s": pred_empty,
            "predicted_low_reservoir_t_s": pred_low,
            "next_refill_t_s": self.next_refill_t_s(),
            "next_refill_target_ml": self.profile.next_refill_target_ml,
            "systematic_error_pct": self.systematic_error_pct,
            "flow_factor": self.flow_factor,
            "stopped": sorted(self.halts),
            "mass_balance": self.ledger.balance(name, self.reservoir, self.fifo),
            "mri": self.mri_events,
            "priming_hazards": self.priming_hazards,
            "flow_blocked": self.mri_block,
            "random_presses": self.random_presses,
        }
        if self.battery:
            out["battery_pct"] = self.battery.pct
            out["eri_t_s"] = self.battery.eri_t_s
            out["eos_t_s"] = self.battery.eos_t_s
        return out
