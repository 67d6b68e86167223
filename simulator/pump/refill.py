"""The refill action of PumpDevice: aspiration against the expected residual, fill, pocket-fill
fault, drug/concentration change with its dead-volume dose error, bridge bolus, re-programming.
"""
from __future__ import annotations

from typing import Any

from simulator.alarms import CRITICAL
from simulator.device import Finding
from simulator.errors import InputError
from simulator.pump.systemic import pocket_fill_comparison
from simulator.pump import checks, dosing
from simulator.pump.drugs import DrugProfile
from simulator.pump.reservoir import EPS_ML
from simulator.pump.rolling_dose import DoseHistory
from simulator.pump.schedule import Program
from simulator.pump.settings import StoppedMode
from simulator.units import SECONDS_PER_DAY, SECONDS_PER_HOUR
from simulator.pump.drugs import resolve_drug
from simulator.event_kinds import K



class RefillActions:
    """refill and the concentration-change dose error."""

    # ----- refill -----
    def _refill_target(self, params) -> tuple[DrugProfile, float]:
        drug = resolve_drug(self.registry, params.drug) if params.drug else self.drug
        if dosing.has_any(params, "concentration_{u}_per_ml"):
            conc = dosing.pick(params, "concentration_{u}_per_ml", drug.unit, drug.drug_name)
        elif drug is self.drug:
            conc = self.conc_prog
        else:
            raise dosing.UnitMismatch(f"a new drug needs its concentration: concentration_{drug.unit}_per_ml", f"concentration_{drug.unit}_per_ml")
        return drug, conc

    def _check_refill(self, params) -> list[Finding]:
        out: list[Finding] = []
        try:
            drug, conc = self._refill_target(params)
        except InputError as exc:
            return [Finding("refuse", str(exc.issues[0].message), "drug", params.drug, "a drug profile id")]
        except dosing.UnitMismatch as exc:
            return [Finding("refuse", str(exc), "unit", exc.field, self.drug_unit)]
        cap = self.profile.reservoir_capacity_ml
        residual = self.reservoir.volume_ml
        aspirated = residual if params.aspirated_ml is None else params.aspirated_ml
        if aspirated > residual + 1e-6:
            out.append(Finding("refuse", f"cannot aspirate {aspirated:g} mL: only {residual:.3f} mL is in the reservoir", "aspirated_ml", aspirated, residual))
        left = max(0.0, residual - aspirated)
        into = params.fill_ml - params.pocket_fill_ml
        if left + into > cap + 1e-9:
            out.append(Finding("refuse", f"fill beyond capacity: {left:.3f} mL left + {into:g} mL filled = {left + into:.3f} mL > {cap:g} mL reservoir", "reservoir_capacity_ml", left + into, cap))
        if (f := checks.concentration_finding(drug, conc)):
            out.append(f)
        if drug is not self.drug and left > 0.01:
            out.append(Finding("refuse", f"changing drug from {self.drug.drug_name} to {drug.drug_name} needs the reservoir emptied: {left:.3f} mL would stay", "aspirated_ml", aspirated, residual))
        if drug is not self.drug and drug.unit != self.drug.unit:
            out.append(Finding("warn", f"the drug unit changes from {self.drug.unit} to {drug.unit}: series and doses are reported in {drug.unit} from now", "unit", drug.unit, self.drug.unit))
        # the dose the new program gives at the new concentration
        if self.profile.programmable:
            mode = params.mode
            if mode is not None:
                # the same checks as `program`: titration rules and the rolling 24 h total (same drug)
                same = drug is self.drug
                history = self.dose_history if same else DoseHistory(Program.from_mode(StoppedMode(), drug.unit, drug.drug_name, self.clock_offset_s, self.now), self.now)
                out.extend(checks.program_findings(
                    self.profile, drug, conc, mode, self._patient_settings(), self.clock_offset_s, self.now,
                    current_daily=self._daily_program_dose() if same else None, last_increase_t_s=self.last_increase_t_s if same else None, history=history,
                    origin=self.settings.spasticity_origin))
            else:
                daily = self._daily_program_dose()
                if drug is self.drug and daily > 0:
                    for dose in self.program.step_doses():
                        rate = dosing.rate_ml_per_day_for_dose(dose, conc)
                        if 0 < rate < self.profile.min_rate_ml_per_day * (1 - 1e-9) or rate > self.profile.max_rate_ml_per_day * (1 + 1e-9):
                            out.append(Finding("refuse", f"at {conc:g} {drug.unit}/mL the programmed {dose:g} {drug.unit}/day needs {rate:.4g} mL/day, outside the pump's {self.profile.min_rate_ml_per_day:g}-{self.profile.max_rate_ml_per_day:g} mL/day; re-program at the refill", "min_rate_ml_per_day" if rate < self.profile.min_rate_ml_per_day else "max_rate_ml_per_day", rate, [self.profile.min_rate_ml_per_day, self.profile.max_rate_ml_per_day]))
                elif drug is not self.drug:
                    out.append(Finding("warn", f"new drug {drug.drug_name} with no new program: the pump is stopped until programmed", "mode", None, "program"))
        else:
            daily = dosing.dose_per_day_for_rate(self.profile.fixed_rate_ml_per_day, conc)
            f = checks.daily_max_finding(drug, daily, f"fixed rate {self.profile.fixed_rate_ml_per_day:g} mL/day x {conc:g} {drug.unit}/mL")
            if f:
                out.append(f)
            if drug is self.drug:  # a fixed-rate pump changes its dose through the concentration
                out.extend(checks.titration_findings(drug, self._daily_program_dose(), daily, self.last_increase_t_s, self.now, self.settings.spasticity_origin))
            if params.mode is not None:
                out.append(Finding("refuse", f"{self.profile.name} is not programmable: omit mode", "programmable", True, False))
        if params.bridge_bolus and not self.profile.programmable:
            out.append(Finding("refuse", f"{self.profile.name} cannot run a bridge bolus", "programmable", True, False))
        elif params.bridge_bolus and (f := self._refill_bridge_finding(params, drug, conc, left)):
            out.append(f)
        age_days = (self.now - self.fill_t_s) / SECONDS_PER_DAY
        limit_days = self._stability_limit_days()  # ziconotide: first fill of a new pump, undiluted or diluted
        if residual > EPS_ML and age_days > limit_days:
            out.append(Finding("warn", f"refill after {age_days:.1f} days: past the {self.drug.drug_name} stability limit of {limit_days:g} days", "stability_days", age_days, limit_days))
        if params.pocket_fill_ml > 0:
            pass  # a fault: the clinician does not know; its consequence is logged by _do_refill
        return out

    def _refill_bridge_finding(self, params, drug: DrugProfile, conc: float, left_ml: float) -> Finding | None:
        """The bridge bolus this refill would start must run within the pump's priming rate."""
        new_conc = conc
        if left_ml > 0 and self.reservoir.drug == drug.short_name:
            new_conc = dosing.mixed_concentration(left_ml, self.reservoir.conc_per_ml, params.fill_ml - params.pocket_fill_ml, conc)
        if not self.fifo.differs_from(drug.short_name, new_conc):
            return None
        if params.mode is not None:
            try:
                program = Program.from_mode(params.mode, drug.unit, drug.drug_name, self.clock_offset_s, self.now)
            except dosing.UnitMismatch:
                return None  # refused by the program checks
        elif drug is self.drug:
            program = self.program
        else:
            return None  # a new drug with no program: no bridge (warned)
        return self._bridge_rate_finding(program.basal_dose_per_day_at(self.now), drug.short_name)

    def _do_refill(self, params):
        drug, conc = self._refill_target(params)
        name = drug.short_name
        res = self.reservoir
        expected = self.v_calc
        residual = res.volume_ml
        aspirated = min(residual, residual if params.aspirated_ml is None else params.aspirated_ml)
        left = residual - aspirated
        if res.drug:
            self.ledger.aspirated[res.drug] += dosing.dose_in_volume(aspirated, res.conc_per_ml)
        self.ledger.aspirated_ml += aspirated
        tol = max(self.profile.refill_discrepancy_tolerance_ml, self.profile.refill_discrepancy_tolerance_pct / 100.0 * expected)
        discrepancy = aspirated - expected
        record = {"expected_residual_ml": expected, "aspirated_ml": aspirated, "discrepancy_ml": discrepancy, "tolerance_ml": tol}
        if abs(discrepancy) > tol:
            meaning = "more left than expected: under-delivery (catheter occlusion, pump stall?)" if discrepancy > 0 else "less left than expected: over-delivery or a leak"
            self.emit(K.REFILL_DISCREPANCY, severity="warning", message=f"aspirated {aspirated:.2f} mL, expected {expected:.2f} mL ({discrepancy:+.2f} mL, tolerance {tol:.2f} mL): {meaning}", **record)
        into = params.fill_ml - params.pocket_fill_ml
        self.ledger.filled[name] += dosing.dose_in_volume(params.fill_ml, conc)
        self.ledger.filled_ml += params.fill_ml
        if params.pocket_fill_ml > 0:
            amount = dosing.dose_in_volume(params.pocket_fill_ml, conc)
            self.ledger.pocket[name] += amount
            self.ledger.pocket_ml += params.pocket_fill_ml
            daily = self._daily_program_dose() if drug is self.drug else 0.0
            # a subcutaneous amount is compared with the intrathecal program only in systemic equivalents (systemic.py)
            cmp = pocket_fill_comparison(drug.short_name, drug.drug_name, drug.unit, amount, daily)
            sentence = cmp.pop("sentence")
            pocket = {"pocket_fill_ml": params.pocket_fill_ml, "systemic_dose": amount, "unit": drug.unit, **cmp, "missing_reservoir_ml": params.pocket_fill_ml}
            self.pocket_fills.append({"t_s": self.now, **pocket})
            msg = (f"pocket fill: {params.pocket_fill_ml:g} mL of {drug.drug_name} ({amount:.4g} {drug.unit}) went into the subcutaneous pocket: a systemic dose; "
                   f"{sentence}; the reservoir holds {params.pocket_fill_ml:g} mL less than programmed")
            self.emit(K.POCKET_FILL, severity=CRITICAL, message=msg, **pocket)
        new_conc = dosing.mixed_concentration(left, res.conc_per_ml, into, conc) if (left > 0 and res.drug == name) else conc
        res.drug, res.conc_per_ml, res.volume_ml = name, new_conc, left + into
        self.true_empty = res.volume_ml <= EPS_ML
        old_drug, old_conc_prog = self.drug, self.conc_prog
        self.drug, self.conc_prog = drug, conc
        self._note_drug(drug)
        # the clinician enters the filled volume (believing the residual was all aspirated)
        self.v_calc = params.fill_ml if params.programmed_reservoir_ml is None else params.programmed_reservoir_ml
        if self.profile.programmable:
            if params.mode is not None:
                self._set_program(params.mode)
            elif drug is not old_drug:
                self._set_program(StoppedMode())
        else:
            old_daily, history = self._daily_program_dose(), self.dose_history
            self.program = Program.fixed(dosing.dose_per_day_for_rate(self.profile.fixed_rate_ml_per_day, conc), self.clock_offset_s)
            history.set_program(self.now, self.program)
            if drug is old_drug and self.program.daily_dose() > old_daily * (1 + 1e-9):
                self.last_increase_t_s = self.now
        if drug is not old_drug:  # the dose history and titration start again with the new drug
            self._dose_history = DoseHistory(self.program, self.now)
            self.last_increase_t_s = None
        self.fill_t_s = self.now
        self.stability_warned = False
        # alarms clear once the reservoir is above the threshold again
        if "calculated_empty" in self.halts:
            self.halts.discard("calculated_empty")
            if not self.halts:
                self.emit(K.FLOW_RESUMED, reason="refill")
        self.alarms.clear("empty_reservoir", reason="refill")
        if self.v_calc > self.threshold_ml:
            self.low_latched = False
            self.alarms.clear("low_reservoir", reason="refill")
        self._recompute_rates()
        self.emit(K.REFILL_COMPLETED, drug=drug.drug_name, unit=drug.unit, concentration_per_ml=conc, fill_ml=params.fill_ml, reservoir_ml=res.volume_ml, programmed_reservoir_ml=self.v_calc, **record)
        self.refills.append({"t_s": self.now, "drug": drug.drug_name, "concentration_per_ml": conc, "fill_ml": params.fill_ml, **record})
        result: dict[str, Any] = {"reservoir_ml": res.volume_ml, **record}
        if self.fifo.differs_from(res.drug, res.conc_per_ml) and self.profile.programmable:
            error = self._concentration_change_error()
            if params.bridge_bolus:
                if self._dead_volume_conc() is not None and self._basal_q(self.now) > 0:
                    result["bridge"] = self._start_bridge()
                    error = {**error, "bridged": True}
                else:
                    self.warn("bridge bolus not possible (no basal dose or no drug in the dead volume)")
            if not error.get("bridged"):
                self.dose_errors.append({"t_s": self.now, **error})
                self.emit(K.DOSE_ERROR_CONCENTRATION_CHANGE, severity="warning", message=error["message"], **{k: v for k, v in error.items() if k != "message"})
            else:
                self.emit(K.DOSE_ERROR_CONCENTRATION_CHANGE, severity="info", message="bridge bolus: the old drug in the dead volume is delivered at a rate that keeps the dose", bridged=True, dead_volume_ml=self.dead_volume_ml)
            result["dose_error"] = error
        elif self.fifo.differs_from(res.drug, res.conc_per_ml):
            error = self._concentration_change_error()
            self.dose_errors.append({"t_s": self.now, **error})
            self.emit(K.DOSE_ERROR_CONCENTRATION_CHANGE, severity="warning", message=error["message"], **{k: v for k, v in error.items() if k != "message"})
        if old_conc_prog != conc and drug is old_drug:
            result["concentration_changed_from"] = old_conc_prog
        return result

    def concentration_change_preview(self, new_concentration_per_ml: float) -> dict[str, Any]:
        """What refilling the same drug at `new_concentration_per_ml` (drug unit per mL) with the
        dose program kept would do, for the refill wizard; changes nothing.

        Rates are at the current basal dose (mL/day); the dead volume (mL) holds `old_amount`
        (drug unit). Without a bridge bolus that old drug leaves at the new rate while the pump
        counts it at the new concentration (`error_amount`, `error_pct`, over `flush_hours`); a
        bridge bolus delivers it at the old rate instead, taking `bridge_hours`.
        """
        dose = self.program.basal_dose_per_day_at(self.now)
        old_rate = dosing.rate_ml_per_day_for_dose(dose, self.conc_prog)
        new_rate = dosing.rate_ml_per_day_for_dose(dose, new_concentration_per_ml)
        old_amount = self.fifo.amounts().get(self.drug.short_name, 0.0)
        counted = dosing.dose_in_volume(self.dead_volume_ml, new_concentration_per_ml)
        error = old_amount - counted
        hours = lambda rate: self.dead_volume_ml / rate * 24.0 if rate > 0 else None  # noqa: E731
        return {
            "dose_per_day": dose,
            "unit": self.drug_unit,
            "old_rate_ml_per_day": old_rate,
            "new_rate_ml_per_day": new_rate,
            "dead_volume_ml": self.dead_volume_ml,
            "old_amount": old_amount,
            "error_amount": error,
            "error_pct": error / counted * 100 if counted > 0 else None,
            "flush_hours": hours(new_rate),
            "bridge_hours": hours(old_rate),
        }

    def _concentration_change_error(self) -> dict[str, Any]:
        """Dose error while the old content of the dead volume reaches the patient at the new rate."""
        name = self.drug.short_name
        old_amount = self.fifo.amounts().get(name, 0.0)
        intended = dosing.dose_in_volume(self.dead_volume_ml, self.conc_prog)
        error = old_amount - intended
        t_flush, _ = self._walk(self.now, self.flow_factor, stop_volume=self.dead_volume_ml)
        hours = None if t_flush is None else (t_flush - self.now) / SECONDS_PER_HOUR
        pct = error / intended * 100 if intended > 0 else None
        kind = "over-dose" if error > 0 else "under-dose"
        msg = (f"concentration change without a bridge bolus: the {self.dead_volume_ml:.3f} mL dead volume holds {old_amount:.4g} {self.drug_unit} "
               f"but the pump counts it as {intended:.4g} {self.drug_unit}: {kind} of {abs(error):.4g} {self.drug_unit}" + (f" ({pct:+.0f} %)" if pct is not None else "")
               + (f" over the next {hours:.1f} h" if hours is not None else ""))
        return {"message": msg, "dead_volume_ml": self.dead_volume_ml, "old_amount": old_amount, "intended_amount": intended, "error_amount": error, "error_pct": pct, "unit": self.drug_unit, "flush_hours": hours, "bridged": False}
