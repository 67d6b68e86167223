"""Programming and bolus actions of PumpDevice: program, single, patient, bridge and priming boluses,
and the patient-bolus settings. Each action has a `_check_<name>` (findings) and a `_do_<name>`.
"""
from __future__ import annotations

import math
from typing import Any

from simulator.device import Finding
from simulator.pump import checks, dosing
from simulator.pump.boluses import Bolus
from simulator.pump.reservoir import EPS_ML, amount_of
from simulator.pump.rolling_dose import DoseHistory, Impulse
from simulator.pump.schedule import Program
from simulator.units import SECONDS_PER_HOUR
from simulator.event_kinds import K



class ProgramActions:
    """program, single_bolus, patient_bolus, set_patient_bolus, bridge_bolus, priming_bolus."""

    # ----- program -----
    def _daily_program_dose(self) -> float:
        return self.program.daily_dose()

    @property
    def dose_history(self) -> DoseHistory:
        """Programs and bolus doses of the drug in the pump, for the rolling 24 h dose checks
        (created on first use with the program in force since before t = 0)."""
        history = self.__dict__.get("_dose_history")
        if history is None:
            history = self._dose_history = DoseHistory(self.program)
        return history

    def _rolling_total(self, new_doses=(), rule="current", program=None, steady: bool = False):
        """Largest rolling 24 h total (drug unit) if `new_doses` (kind, dose, duration s) start now."""
        rule = self.patient.rule if rule == "current" else rule
        impulses = [Impulse(self.now, dose, kind, self.now + duration) for kind, dose, duration in new_doses]
        same = program is None
        return self.dose_history.max_total(self.now, self.program if same else program, impulses, rule,
                                           periodic_from_inclusive=not same, steady=steady)

    def _check_program(self, params) -> list[Finding]:
        return checks.program_findings(
            self.profile, self.drug, self.conc_prog, params.mode, self._patient_settings(), self.clock_offset_s, self.now,
            current_daily=self._daily_program_dose(), last_increase_t_s=self.last_increase_t_s, history=self.dose_history,
            origin=self.settings.spasticity_origin,
        )

    def patient_bolus_settings(self):
        """The patient-bolus settings in force (dose, duration, lockout, maximum per day), or None."""
        return getattr(self, "_patient_settings_model", self.settings.patient_bolus)

    _patient_settings = patient_bolus_settings

    def _set_program(self, mode) -> None:
        old = self._daily_program_dose()
        history = self.dose_history
        self.program = Program.from_mode(mode, self.drug.unit, self.drug.drug_name, self.clock_offset_s, self.now)
        history.set_program(self.now, self.program)
        self.mode_model, self.mode_programmed_t_s = mode, self.now  # as given: the snapshot returns it (no lossy rebuild)
        self._next_periodic_t = self.program.periodic.anchor_t_s if self.program.periodic else math.inf
        if self.program.daily_dose() > old * (1 + 1e-9):
            self.last_increase_t_s = self.now

    def _do_program(self, params):
        self._set_program(params.mode)
        self.emit(K.PROGRAM_CHANGED, mode=self.program.mode_name, daily_dose=self.program.daily_dose(), unit=self.drug_unit, rate_ml_per_day=dosing.ml_per_s_to_ml_per_day(self._basal_q(self.now)))
        return {"mode": self.program.mode_name, "daily_dose": self.program.daily_dose(), "unit": self.drug_unit}

    # ----- boluses -----
    def _make_bolus(self, kind: str, dose: float, duration_s: float | None, t_s: float, conc: float | None = None) -> Bolus:
        volume = dosing.volume_ml_for_dose(dose, conc or self.conc_prog)
        if duration_s is None:
            duration_s = volume / self.profile.max_bolus_rate_ml_per_h * SECONDS_PER_HOUR
        return Bolus(kind, t_s, t_s + duration_s, volume / duration_s, volume, dose)

    def _start_bolus(self, kind: str, dose: float, duration_s: float | None) -> Bolus:
        bolus = self._make_bolus(kind, dose, duration_s, self.now)
        self.boluses.append(bolus)
        self.dose_history.add_bolus(self.now, dose, kind, bolus.end_t_s - bolus.start_t_s)
        self.emit(K.BOLUS_START, unit=self.drug_unit, **bolus.as_event())
        return bolus

    def _halt_finding(self) -> Finding | None:
        if self.halts:
            return Finding("refuse", f"the pump is stopped ({', '.join(sorted(self.halts))}); no bolus can run", "pump_stopped", sorted(self.halts), [])
        if self.true_empty or self.reservoir.volume_ml <= EPS_ML:
            return Finding("refuse", "the reservoir is empty; no bolus can run", "reservoir_ml", 0.0, ">0")
        return None

    def _not_programmable(self) -> Finding | None:
        if not self.profile.programmable:
            return Finding("refuse", f"{self.profile.name} is not programmable: no boluses or programs", "programmable", True, False)
        return None

    def _check_single_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        try:
            dose = dosing.pick(params, "dose_{u}", self.drug_unit, self.drug.drug_name)
        except dosing.UnitMismatch as exc:
            return [Finding("refuse", str(exc), "unit", exc.field, self.drug_unit)]
        duration = None if params.duration_min is None else params.duration_min * 60.0
        bolus = self._make_bolus("single", dose, duration, self.now)
        out = []
        rate_h = bolus.rate_ml_per_s * SECONDS_PER_HOUR
        if (f := checks.bolus_rate_finding(self.profile, f"bolus of {bolus.volume_ml:.4g} mL in {(bolus.end_t_s - bolus.start_t_s) / 60:g} min", rate_h)):
            out.append(f)
        # every bolus counts against the rolling 24 h total: basal, earlier clinician boluses, patient boluses
        if (f := checks.rolling_finding(self.drug, self._rolling_total([("single", dose, bolus.end_t_s - bolus.start_t_s)]), f"this {dose:g} {self.drug_unit} bolus")):
            out.append(f)
        if bolus.volume_ml > self.v_calc:
            out.append(Finding("warn", f"bolus volume {bolus.volume_ml:.3f} mL exceeds the calculated reservoir volume {self.v_calc:.3f} mL", "reservoir_ml", bolus.volume_ml, self.v_calc))
        return out

    def _do_single_bolus(self, params):
        dose = dosing.pick(params, "dose_{u}", self.drug_unit, self.drug.drug_name)
        b = self._start_bolus("single", dose, None if params.duration_min is None else params.duration_min * 60.0)
        return b.as_event()

    def _check_patient_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        refusal = self.patient.refusal(self.now)
        if refusal:
            msg, limit, value, allowed = refusal
            return [Finding("refuse", f"patient bolus refused: {msg}", limit, value, allowed)]
        return []

    def _do_patient_bolus(self, params):
        self.patient.accept(self.now)
        rule = self.patient.rule
        b = self._start_bolus("patient", rule.dose, rule.duration_s)
        return {**b.as_event(), "count_last_24h": self.patient.count_last_24h(self.now)}

    def _check_set_patient_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable()):
            return [f]
        try:
            rule = checks.patient_rule(params.patient_bolus, self.drug)
        except dosing.UnitMismatch as exc:
            return [Finding("refuse", str(exc), "unit", exc.field, self.drug_unit)]
        if rule is None:
            return []
        out = []
        volume = dosing.volume_ml_for_dose(rule.dose, self.conc_prog)
        rate_h = checks.bolus_rate_ml_per_h(volume, rule.duration_s)
        if (f := checks.bolus_rate_finding(self.profile, f"patient bolus of {volume:.4g} mL in {rule.duration_s / 60:g} min", rate_h)):
            out.append(f)
        what = f"daily program plus {rule.max_per_day} patient boluses of {rule.dose:g} {self.drug_unit}"
        if (f := checks.rolling_finding(self.drug, self._rolling_total(rule=rule, steady=True), what)):
            out.append(f)
        return out

    def _do_set_patient_bolus(self, params):
        self._patient_settings_model = params.patient_bolus
        self.patient.set_rule(checks.patient_rule(params.patient_bolus, self.drug))
        self.emit(K.PATIENT_BOLUS_SETTINGS, enabled=self.patient.rule is not None)
        return {"enabled": self.patient.rule is not None}

    def _dead_volume_conc(self) -> float | None:
        """Mean concentration of the pump's drug in the dead volume (None if it holds none)."""
        amount = self.fifo.amounts().get(self.drug.short_name, 0.0)
        return amount / self.dead_volume_ml if self.dead_volume_ml > 0 and amount > 0 else None

    def _check_bridge_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        if self._dead_volume_conc() is None:
            return [Finding("refuse", "the dead volume holds none of the drug; use a priming bolus", "dead_volume", 0.0, ">0")]
        if any(b.override for b in self.boluses):
            return [Finding("refuse", "a bridge or priming bolus is already running", "override_bolus", True, False)]
        if self._basal_q(self.now) <= 0:
            return [Finding("refuse", "no basal dose is programmed: a bridge bolus keeps the basal dose right, so program a dose first", "basal_rate_ml_per_day", 0.0, ">0")]
        f = self._bridge_rate_finding(self.program.basal_dose_per_day_at(self.now), self.drug.short_name)
        return [f] if f else []

    def _bridge_rate_finding(self, dose_per_day: float, drug_name: str) -> Finding | None:
        """Refuse a bridge bolus the pump cannot run: the rate that gives `dose_per_day` at the
        mean concentration of `drug_name` in the dead volume must stay within the priming rate.
        (A nearly drug-free dead volume would need an unbounded rate: prime it instead.)"""
        amount = self.fifo.amounts().get(drug_name, 0.0)
        if amount <= 0 or self.dead_volume_ml <= 0 or dose_per_day <= 0:
            return None
        conc = amount / self.dead_volume_ml
        rate_h = dosing.rate_ml_per_day_for_dose(dose_per_day, conc) / 24.0
        what = (f"a bridge bolus giving {dose_per_day:g} {self.drug_unit}/day from the {self.dead_volume_ml:.3g} mL dead volume "
                f"(mean {conc:.4g} {self.drug_unit}/mL: not primed?)")
        return checks.bolus_rate_finding(self.profile, what, rate_h, override=True)

    def _do_bridge_bolus(self, params):
        return self._start_bridge()

    def _start_bridge(self) -> dict[str, Any]:
        """Run the dead volume out at the rate that gives the current basal dose at its old concentration."""
        old_conc = self._dead_volume_conc()
        dose_per_day = self.program.basal_dose_per_day_at(self.now)
        rate_ml_per_s = dosing.ml_per_day_to_ml_per_s(dosing.rate_ml_per_day_for_dose(dose_per_day, old_conc))
        duration = self.dead_volume_ml / rate_ml_per_s
        bolus = Bolus("bridge", self.now, self.now + duration, rate_ml_per_s, self.dead_volume_ml, dosing.dose_in_volume(self.dead_volume_ml, old_conc))
        self.boluses.append(bolus)
        self.emit(K.BOLUS_START, unit=self.drug_unit, old_concentration_per_ml=old_conc, **bolus.as_event())
        return bolus.as_event()

    def _check_priming_bolus(self, params) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        if any(b.override for b in self.boluses):
            return [Finding("refuse", "a bridge or priming bolus is already running", "override_bolus", True, False)]
        volume = params.volume_ml or self.dead_volume_ml
        out = []
        drug_out = amount_of(self.fifo.peek(volume, self.reservoir.drug, self.reservoir.conc_per_ml), self.drug.short_name)
        if drug_out > 0:
            out.append(Finding("warn", f"priming moves {drug_out:.4g} {self.drug_unit} of {self.drug.drug_name} into the patient at priming speed (over-dose risk; drug mixes with CSF)", "priming", drug_out, 0.0))
            duration = volume / self.profile.priming_rate_ml_per_h * SECONDS_PER_HOUR
            if (f := checks.rolling_finding(self.drug, self._rolling_total([("priming", drug_out, duration)]), f"priming {drug_out:.4g} {self.drug_unit} out")):
                out.append(f)
        return out

    def _do_priming_bolus(self, params):
        volume = params.volume_ml or self.dead_volume_ml
        rate = self.profile.priming_rate_ml_per_h / SECONDS_PER_HOUR
        bolus = Bolus("priming", self.now, self.now + volume / rate, rate, volume, 0.0)
        drug_out = amount_of(self.fifo.peek(volume, self.reservoir.drug, self.reservoir.conc_per_ml), self.drug.short_name)
        self.dose_history.add_bolus(self.now, drug_out, "priming", bolus.end_t_s - bolus.start_t_s)
        self.boluses.append(bolus)
        self.emit(K.BOLUS_START, unit=self.drug_unit, **bolus.as_event())
        self._recompute_rates()
        self._start_priming_mix(volume, self.q_true, bolus.end_t_s)
        return bolus.as_event()
