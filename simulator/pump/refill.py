"""Refills: the refill action and the drug in the reservoir's age (one component of PumpDevice).

A refill aspirates the residual (compared with the volume the pump expects, mL), fills (part may
go into the subcutaneous pocket: a fault), may change the drug or the concentration (drug unit
per mL; the old drug in the dead volume then gives a dose error unless a bridge bolus runs) and
may re-program. This component keeps the records of refills, dose errors and pocket fills, the
time of the last fill and of the implant (simulation s) and the drug-stability warning.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.alarms import CRITICAL
from simulator.device import Finding
from simulator.errors import InputError, Issue
from simulator.event_kinds import K
from simulator.pump import checks, dosing
from simulator.pump.admixture import Admixture, admixture_daily_dose, admixture_findings, resolve_admixture
from simulator.pump.drugs import DrugProfile, resolve_drug
from simulator.pump.reservoir import EPS_ML
from simulator.pump.rolling_dose import DoseHistory
from simulator.pump.schedule import Program
from simulator.pump.settings import RefillParams, StoppedMode
from simulator.pump.systemic import pocket_fill_comparison
from simulator.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice


class Refills:
    """Refill records, the fill and implant times (s) and the drug-stability warning."""

    def __init__(self, dev: PumpDevice, days_since_fill: float, service_elapsed_days: float):
        self.dev = dev
        self.fill_t_s = -days_since_fill * SECONDS_PER_DAY
        self.implant_t_s = -service_elapsed_days * SECONDS_PER_DAY
        self.stability_warned = False
        self.refills: list[dict[str, Any]] = []
        self.dose_errors: list[dict[str, Any]] = []
        self.pocket_fills: list[dict[str, Any]] = []
        #: (its inputs, the stability moment) of the last `stability_t_s`: the moment is a pure
        #: function of the fill time, the programmed drug, the reservoir's concentration and the
        #: admixture (drug, concentration), so it is kept while these are the same
        self._stability: tuple[tuple[Any, ...], float] | None = None

    # ----- drug stability -----
    def stability_limit_days(self) -> float:
        """Refill interval of the fill in the reservoir (drug profile: first fill of a new pump,
        undiluted or diluted drug). The fill at t = 0 is a new pump's first fill when the pump was
        implanted no earlier than that fill (service_elapsed_days <= days_since_fill)."""
        first = self.fill_t_s <= self.implant_t_s + 1e-6
        days = self.dev.therapy.drug.refill_interval_days(self.dev.flow.reservoir.conc_per_ml, first_fill=first)
        adm = self.dev.admixture
        if adm is not None:  # a mixture keeps as long as its less stable drug
            days = min(days, adm.drug.refill_interval_days(adm.res_conc, first_fill=first))
        return days

    def stability_t_s(self) -> float:
        """When the fill in the reservoir passes its stability limit (simulation s):
        fill time + `stability_limit_days()` days (kept while its inputs are the same, see `_stability`)."""
        dev = self.dev
        adm = dev.admixture
        key = (self.fill_t_s, dev.therapy.drug, dev.flow.reservoir.conc_per_ml, None if adm is None else (adm.drug, adm.res_conc))
        kept = self._stability
        if kept is not None and kept[0] == key:
            return kept[1]
        t_s = self.fill_t_s + self.stability_limit_days() * SECONDS_PER_DAY
        self._stability = (key, t_s)
        return t_s

    def candidates(self) -> list[tuple[float, str, Any]]:
        if not self.stability_warned and self.dev.flow.reservoir.volume_ml > EPS_ML:
            return [(self.stability_t_s(), "stability", None)]
        return []

    def due_stability(self, _: Any) -> None:
        self.stability_warned = True
        limit = self.stability_limit_days()
        self.dev.warn(f"{self.dev.therapy.drug.drug_name} in the reservoir has passed its stability limit of {limit:g} days; refill now", limit="stability_days", allowed=limit)

    # ----- the refill action -----
    def _refill_target(self, params: RefillParams) -> tuple[DrugProfile, float]:
        dev = self.dev
        current = dev.therapy.drug
        drug = resolve_drug(dev.registry, params.drug) if params.drug else current
        if dosing.has_any(params, "concentration_{u}_per_ml"):
            conc = dosing.pick(params, "concentration_{u}_per_ml", drug.unit, drug.drug_name)
        elif drug is current:
            conc = dev.therapy.conc_prog
        else:
            raise dosing.UnitMismatch(f"a new drug needs its concentration: concentration_{drug.unit}_per_ml", f"concentration_{drug.unit}_per_ml")
        return drug, conc

    def _admixture_target(self, params: RefillParams, drug: DrugProfile) -> tuple[DrugProfile, float] | None:
        """The admixture of the new fill (drug, its unit per mL): the one given, else the one in
        the pump, else None. Raises InputError naming the admixture field."""
        dev = self.dev
        if params.admixture is not None:
            return resolve_admixture(dev.registry, params.admixture, drug)
        if dev.admixture is not None:
            if dev.admixture.drug.short_name == drug.short_name:
                raise InputError(Issue("admixture.drug", f"the new primary drug {drug.drug_name} is the admixture in the pump: give another admixture", dev.admixture.drug.short_name))
            return dev.admixture.drug, dev.admixture.conc_prog
        return None

    def _admixture_findings(self, params: RefillParams, drug: DrugProfile, conc: float, left_ml: float) -> list[Finding]:
        """Findings of the admixture of the new fill: bad input, its maximum concentration and
        its daily maximum at the programmed volume per day (primary dose / primary concentration)."""
        dev = self.dev
        try:
            target = self._admixture_target(params, drug)
        except InputError as exc:
            issue = exc.issues[0]
            return [Finding("refuse", f"{issue.path}: {issue.message}", issue.path, getattr(issue, "value", None), "a second drug profile in its own unit")]
        if target is None:
            return []
        adm_drug, adm_conc = target
        out: list[Finding] = []
        if dev.admixture is not None and adm_drug is not dev.admixture.drug and left_ml > 0.01:
            out.append(Finding("refuse", f"changing the admixture from {dev.admixture.drug.drug_name} to {adm_drug.drug_name} needs the reservoir emptied: {left_ml:.3f} mL would stay", "aspirated_ml", left_ml, 0.0))
        therapy = dev.therapy
        try:
            if params.mode is not None:
                daily = Program.from_mode(params.mode, drug.unit, drug.drug_name, therapy.clock_offset_s, dev.now).daily_dose()
            elif not dev.profile.programmable:
                daily = dosing.dose_per_day_for_rate(dev.profile.fixed_rate, conc)
            else:
                daily = therapy.daily_dose() if drug is therapy.drug else 0.0
        except dosing.UnitMismatch:
            return out  # refused by the program checks
        out.extend(admixture_findings(adm_drug, adm_conc, admixture_daily_dose(daily, conc, adm_conc)))
        return out

    def check_refill(self, params: RefillParams) -> list[Finding]:
        dev = self.dev
        therapy, profile, now = dev.therapy, dev.profile, dev.now
        current = therapy.drug
        out: list[Finding] = []
        try:
            drug, conc = self._refill_target(params)
        except InputError as exc:
            return [Finding("refuse", str(exc.issues[0].message), "drug", params.drug, "a drug profile id")]
        except dosing.UnitMismatch as exc:
            return [Finding("refuse", str(exc), "unit", exc.field, current.unit)]
        cap = profile.reservoir_capacity_ml
        residual = dev.flow.reservoir.volume_ml
        aspirated = residual if params.aspirated_ml is None else params.aspirated_ml
        if aspirated > residual + 1e-6:
            out.append(Finding("refuse", f"cannot aspirate {aspirated:g} mL: only {residual:.3f} mL is in the reservoir", "aspirated_ml", aspirated, residual))
        left = max(0.0, residual - aspirated)
        into = params.fill_ml - params.pocket_fill_ml
        if left + into > cap + 1e-9:
            out.append(Finding("refuse", f"fill beyond capacity: {left:.3f} mL left + {into:g} mL filled = {left + into:.3f} mL > {cap:g} mL reservoir", "reservoir_capacity_ml", left + into, cap))
        if (f := checks.concentration_finding(drug, conc)):
            out.append(f)
        out.extend(self._admixture_findings(params, drug, conc, left))
        if drug is not current and left > 0.01:
            out.append(Finding("refuse", f"changing drug from {current.drug_name} to {drug.drug_name} needs the reservoir emptied: {left:.3f} mL would stay", "aspirated_ml", aspirated, residual))
        if drug is not current and drug.unit != current.unit:
            out.append(Finding("warn", f"the drug unit changes from {current.unit} to {drug.unit}: series and doses are reported in {drug.unit} from now", "unit", drug.unit, current.unit))
        # the dose the new program gives at the new concentration
        if profile.programmable:
            mode = params.mode
            if mode is not None:
                # the same checks as `program`: titration rules and the rolling 24 h total (same drug)
                same = drug is current
                history = therapy.dose_history if same else DoseHistory(Program.from_mode(StoppedMode(), drug.unit, drug.drug_name, therapy.clock_offset_s, now), now)
                out.extend(checks.program_findings(
                    profile, drug, conc, mode, dev.boluses.settings_model, therapy.clock_offset_s, now,
                    current_daily=therapy.daily_dose() if same else None, last_increase_t_s=therapy.last_increase_t_s if same else None, history=history,
                    origin=dev.settings.spasticity_origin))
            else:
                daily = therapy.daily_dose()
                if drug is current and daily > 0:
                    for dose in therapy.program.step_doses():
                        rate = dosing.rate_ml_per_day_for_dose(dose, conc)
                        if 0 < rate < profile.min_rate_ml_per_day * (1 - 1e-9) or rate > profile.max_rate_ml_per_day * (1 + 1e-9):
                            out.append(Finding("refuse", f"at {conc:g} {drug.unit}/mL the programmed {dose:g} {drug.unit}/day needs {rate:.4g} mL/day, outside the pump's {profile.min_rate_ml_per_day:g}-{profile.max_rate_ml_per_day:g} mL/day; re-program at the refill", "min_rate_ml_per_day" if rate < profile.min_rate_ml_per_day else "max_rate_ml_per_day", rate, [profile.min_rate_ml_per_day, profile.max_rate_ml_per_day]))
                elif drug is not current:
                    out.append(Finding("warn", f"new drug {drug.drug_name} with no new program: the pump is stopped until programmed", "mode", None, "program"))
        else:
            daily = dosing.dose_per_day_for_rate(profile.fixed_rate, conc)
            f = checks.daily_max_finding(drug, daily, f"fixed rate {profile.fixed_rate:g} mL/day x {conc:g} {drug.unit}/mL")
            if f:
                out.append(f)
            if drug is current:  # a fixed-rate pump changes its dose through the concentration
                out.extend(checks.titration_findings(drug, therapy.daily_dose(), daily, therapy.last_increase_t_s, now, dev.settings.spasticity_origin))
            if params.mode is not None:
                out.append(Finding("refuse", f"{profile.name} is not programmable: omit mode", "programmable", True, False))
        if params.bridge_bolus and not profile.programmable:
            out.append(Finding("refuse", f"{profile.name} cannot run a bridge bolus", "programmable", True, False))
        elif params.bridge_bolus and (f := self._bridge_finding(params, drug, conc, left)):
            out.append(f)
        age_days = (now - self.fill_t_s) / SECONDS_PER_DAY
        limit_days = self.stability_limit_days()  # ziconotide: first fill of a new pump, undiluted or diluted
        if residual > EPS_ML and age_days > limit_days:
            out.append(Finding("warn", f"refill after {age_days:.1f} days: past the {current.drug_name} stability limit of {limit_days:g} days", "stability_days", age_days, limit_days))
        # a pocket fill is a fault: the clinician does not know; its consequence is logged by apply_refill
        return out

    def _bridge_finding(self, params: RefillParams, drug: DrugProfile, conc: float, left_ml: float) -> Finding | None:
        """The bridge bolus this refill would start must run within the pump's priming rate."""
        dev = self.dev
        therapy, reservoir = dev.therapy, dev.flow.reservoir
        new_conc = conc
        if left_ml > 0 and reservoir.drug == drug.short_name:
            new_conc = dosing.mixed_concentration(left_ml, reservoir.conc_per_ml, params.fill_ml - params.pocket_fill_ml, conc)
        if not dev.dead_volume.fifo.differs_from(drug.short_name, new_conc):
            return None
        if params.mode is not None:
            try:
                program = Program.from_mode(params.mode, drug.unit, drug.drug_name, therapy.clock_offset_s, dev.now)
            except dosing.UnitMismatch:
                return None  # refused by the program checks
        elif drug is therapy.drug:
            program = therapy.program
        else:
            return None  # a new drug with no program: no bridge (warned)
        return dev.boluses.bridge_rate_finding(program.basal_dose_per_day_at(dev.now), drug.short_name)

    def apply_refill(self, params: RefillParams) -> dict[str, Any]:
        dev = self.dev
        profile, therapy, flow, dead = dev.profile, dev.therapy, dev.flow, dev.dead_volume
        now = dev.now
        drug, conc = self._refill_target(params)
        name = drug.short_name
        res = flow.reservoir
        expected = flow.v_calc
        residual = res.volume_ml
        aspirated = min(residual, residual if params.aspirated_ml is None else params.aspirated_ml)
        left = residual - aspirated
        dead.record_aspirated(res.drug, dosing.dose_in_volume(aspirated, res.conc_per_ml) if res.drug else 0.0, aspirated)
        tol = max(profile.refill_discrepancy_tolerance_ml, profile.refill_discrepancy_tolerance_pct / 100.0 * expected)
        discrepancy = aspirated - expected
        record = {"expected_residual_ml": expected, "aspirated_ml": aspirated, "discrepancy_ml": discrepancy, "tolerance_ml": tol}
        if abs(discrepancy) > tol:
            meaning = "more left than expected: under-delivery (catheter occlusion, pump stall?)" if discrepancy > 0 else "less left than expected: over-delivery or a leak"
            dev.emit(K.REFILL_DISCREPANCY, severity="warning", message=f"aspirated {aspirated:.2f} mL, expected {expected:.2f} mL ({discrepancy:+.2f} mL, tolerance {tol:.2f} mL): {meaning}", **record)
        into = params.fill_ml - params.pocket_fill_ml
        dead.record_filled(name, dosing.dose_in_volume(params.fill_ml, conc), params.fill_ml)
        if params.pocket_fill_ml > 0:
            amount = dosing.dose_in_volume(params.pocket_fill_ml, conc)
            dead.record_pocket(name, amount, params.pocket_fill_ml)
            daily = therapy.daily_dose() if drug is therapy.drug else 0.0
            # a subcutaneous amount is compared with the intrathecal program only in systemic equivalents (systemic.py)
            cmp = pocket_fill_comparison(drug.short_name, drug.drug_name, drug.unit, amount, daily)
            sentence = cmp.pop("sentence")
            pocket = {"pocket_fill_ml": params.pocket_fill_ml, "systemic_dose": amount, "unit": drug.unit, **cmp, "missing_reservoir_ml": params.pocket_fill_ml}
            pocket_adm = self._admixture_target(params, drug)
            if pocket_adm is not None:  # a mixture: its second drug went into the pocket too (only then the keys)
                adm_drug, adm_conc = pocket_adm
                pocket["admixture_drug"] = adm_drug.short_name
                pocket["admixture_systemic_dose"] = dosing.dose_in_volume(params.pocket_fill_ml, adm_conc)
                pocket["admixture_unit"] = adm_drug.unit
            self.pocket_fills.append({"t_s": now, **pocket})
            msg = (f"pocket fill: {params.pocket_fill_ml:g} mL of {drug.drug_name} ({amount:.4g} {drug.unit}) went into the subcutaneous pocket: a systemic dose; "
                   f"{sentence}; the reservoir holds {params.pocket_fill_ml:g} mL less than programmed")
            dev.emit(K.POCKET_FILL, severity=CRITICAL, message=msg, **pocket)
        new_conc = dosing.mixed_concentration(left, res.conc_per_ml, into, conc) if (left > 0 and res.drug == name) else conc
        # the clinician enters the filled volume (believing the residual was all aspirated)
        flow.fill(name, new_conc, left + into, params.fill_ml if params.programmed_reservoir_ml is None else params.programmed_reservoir_ml)
        target = self._admixture_target(params, drug)
        if target is not None:
            if dev.admixture is None:  # a first admixture: the fluid left holds none of it, nor does the dead volume
                dev.admixture = Admixture(dev, target[0], target[1], 0.0, primed=False)
            dev.admixture.refill(aspirated, left, into, params.fill_ml, params.pocket_fill_ml, target[0], target[1])
        old_drug, old_conc_prog = therapy.drug, therapy.conc_prog
        therapy.change_drug(drug, conc)
        if profile.programmable:
            if params.mode is not None:
                therapy.set_program(params.mode)
            elif drug is not old_drug:
                therapy.set_program(StoppedMode())
        else:
            therapy.set_fixed_rate(profile.fixed_rate, same_drug=drug is old_drug)
        if drug is not old_drug:  # the dose history and titration start again with the new drug
            therapy.restart_history()
        self.fill_t_s = now
        self.stability_warned = False
        # alarms clear once the reservoir is above the threshold again
        dev.faults.resume_after_refill()
        flow.clear_volume_alarms()
        flow.recompute_rates()
        dev.emit(K.REFILL_COMPLETED, drug=drug.drug_name, unit=drug.unit, concentration_per_ml=conc, fill_ml=params.fill_ml, reservoir_ml=res.volume_ml, programmed_reservoir_ml=flow.v_calc, **record)
        self.refills.append({"t_s": now, "drug": drug.drug_name, "concentration_per_ml": conc, "fill_ml": params.fill_ml, **record})
        result: dict[str, Any] = {"reservoir_ml": res.volume_ml, **record}
        fifo = dead.fifo
        if fifo.differs_from(res.drug, res.conc_per_ml) and profile.programmable:
            error = self._concentration_change_error()
            if params.bridge_bolus:
                if dead.mean_conc(therapy.drug.short_name) is not None and therapy.basal_q(now) > 0:
                    result["bridge"] = dev.boluses.start_bridge()
                    error = {**error, "bridged": True}
                else:
                    dev.warn("bridge bolus not possible (no basal dose or no drug in the dead volume)")
            if not error.get("bridged"):
                self.dose_errors.append({"t_s": now, **error})
                dev.emit(K.DOSE_ERROR_CONCENTRATION_CHANGE, severity="warning", message=error["message"], **{k: v for k, v in error.items() if k != "message"})
            else:
                dev.emit(K.DOSE_ERROR_CONCENTRATION_CHANGE, severity="info", message="bridge bolus: the old drug in the dead volume is delivered at a rate that keeps the dose", bridged=True, dead_volume_ml=dead.volume_ml)
            result["dose_error"] = error
        elif fifo.differs_from(res.drug, res.conc_per_ml):
            error = self._concentration_change_error()
            self.dose_errors.append({"t_s": now, **error})
            dev.emit(K.DOSE_ERROR_CONCENTRATION_CHANGE, severity="warning", message=error["message"], **{k: v for k, v in error.items() if k != "message"})
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
        dev = self.dev
        therapy, dead_ml = dev.therapy, dev.dead_volume.volume_ml
        dose = therapy.program.basal_dose_per_day_at(dev.now)
        old_rate = dosing.rate_ml_per_day_for_dose(dose, therapy.conc_prog)
        new_rate = dosing.rate_ml_per_day_for_dose(dose, new_concentration_per_ml)
        old_amount = dev.dead_volume.amount_of(therapy.drug.short_name)
        counted = dosing.dose_in_volume(dead_ml, new_concentration_per_ml)
        error = old_amount - counted

        def hours(rate: float) -> float | None:
            return dead_ml / rate * 24.0 if rate > 0 else None

        return {
            "dose_per_day": dose,
            "unit": therapy.drug.unit,
            "old_rate_ml_per_day": old_rate,
            "new_rate_ml_per_day": new_rate,
            "dead_volume_ml": dead_ml,
            "old_amount": old_amount,
            "error_amount": error,
            "error_pct": error / counted * 100 if counted > 0 else None,
            "flush_hours": hours(new_rate),
            "bridge_hours": hours(old_rate),
        }

    def _concentration_change_error(self) -> dict[str, Any]:
        """Dose error while the old content of the dead volume reaches the patient at the new rate."""
        dev = self.dev
        therapy, dead_ml, now = dev.therapy, dev.dead_volume.volume_ml, dev.now
        unit = therapy.drug.unit
        old_amount = dev.dead_volume.amount_of(therapy.drug.short_name)
        intended = dosing.dose_in_volume(dead_ml, therapy.conc_prog)
        error = old_amount - intended
        t_flush, _ = dev.forecast.walk(now, dev.flow.flow_factor, stop_volume=dead_ml)
        hours = None if t_flush is None else (t_flush - now) / SECONDS_PER_HOUR
        pct = error / intended * 100 if intended > 0 else None
        kind = "over-dose" if error > 0 else "under-dose"
        msg = (f"concentration change without a bridge bolus: the {dead_ml:.3f} mL dead volume holds {old_amount:.4g} {unit} "
               f"but the pump counts it as {intended:.4g} {unit}: {kind} of {abs(error):.4g} {unit}" + (f" ({pct:+.0f} %)" if pct is not None else "")
               + (f" over the next {hours:.1f} h" if hours is not None else ""))
        return {"message": msg, "dead_volume_ml": dead_ml, "old_amount": old_amount, "intended_amount": intended, "error_amount": error, "error_pct": pct, "unit": unit, "flush_hours": hours, "bridged": False}
