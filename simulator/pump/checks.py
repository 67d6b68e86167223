"""Checks of a pending program against the pump's and the drug's limits (Findings).

Pure functions: the device calls them from `check` (the app's "check before transmit") and
`apply` enforces them. Refusals name the limit; titration rules give warnings.
"""
from __future__ import annotations

from simulator.device import Finding
from simulator.pump import dosing
from simulator.pump.boluses import PatientBolusRule
from simulator.pump.drugs import DrugProfile
from simulator.pump.profile import PumpProfile
from simulator.pump.schedule import Program
from simulator.pump.settings import FlexMode, PatientBolusSettings
from simulator.units import SECONDS_PER_HOUR

REL_TOL = 1e-9


def patient_rule(settings: PatientBolusSettings | None, drug: DrugProfile) -> PatientBolusRule | None:
    """The patient-bolus rule in the drug's unit (None when disabled); UnitMismatch on a wrong unit."""
    if settings is None or not settings.enabled:
        return None
    dose = dosing.pick(settings, "dose_{u}", drug.unit, drug.drug_name)
    return PatientBolusRule(dose, settings.duration_min * 60.0, settings.lockout_min * 60.0, settings.max_per_day)


def bolus_rate_ml_per_h(volume_ml: float, duration_s: float) -> float:
    return volume_ml / (duration_s / SECONDS_PER_HOUR)


def daily_max_finding(drug: DrugProfile, daily: float, what: str) -> Finding | None:
    limit = drug.max_daily_dose
    if limit is not None and daily > limit * (1 + REL_TOL):
        return Finding("refuse", f"{what}: {daily:.4g} {drug.unit}/day exceeds the {drug.drug_name} daily maximum of {limit:g} {drug.unit}/day", f"max_daily_dose_{drug.unit}", daily, limit)
    return None


def program_findings(
    profile: PumpProfile,
    drug: DrugProfile,
    conc_per_ml: float,
    mode,
    patient: PatientBolusSettings | None,
    clock_offset_s: float,
    now_s: float,
    current_daily: float | None = None,
    last_increase_t_s: float | None = None,
) -> list[Finding]:
    """Findings for a dosing mode plus patient-bolus settings at a concentration."""
    unit = drug.unit
    if not profile.programmable:
        return [Finding("refuse", f"{profile.name} is not programmable: its rate is fixed at manufacture; change the dose through the concentration at a refill", "programmable", True, False)]
    try:
        program = Program.from_mode(mode, unit, drug.drug_name, clock_offset_s, now_s)
        rule = patient_rule(patient, drug)
    except dosing.UnitMismatch as exc:
        return [Finding("refuse", str(exc), "unit", exc.field, unit)]
    out: list[Finding] = []
    if isinstance(mode, FlexMode) and len(mode.steps) > profile.max_flex_steps:
        out.append(Finding("refuse", f"a flex schedule on {profile.name} holds at most {profile.max_flex_steps} steps, got {len(mode.steps)}", "max_flex_steps", len(mode.steps), profile.max_flex_steps))
    for dose in program.step_doses():
        rate = dosing.rate_ml_per_day_for_dose(dose, conc_per_ml)
        if 0 < rate < profile.min_rate_ml_per_day * (1 - REL_TOL):
            out.append(Finding("refuse", f"{dose:g} {unit}/day at {conc_per_ml:g} {unit}/mL is {rate:.4g} mL/day, below the pump's minimum rate of {profile.min_rate_ml_per_day:g} mL/day", "min_rate_ml_per_day", rate, profile.min_rate_ml_per_day))
        if rate > profile.max_rate_ml_per_day * (1 + REL_TOL):
            out.append(Finding("refuse", f"{dose:g} {unit}/day at {conc_per_ml:g} {unit}/mL is {rate:.4g} mL/day, above the pump's maximum rate of {profile.max_rate_ml_per_day:g} mL/day", "max_rate_ml_per_day", rate, profile.max_rate_ml_per_day))
    if program.periodic is not None:
        plan = program.periodic
        volume = dosing.volume_ml_for_dose(plan.dose, conc_per_ml)
        duration = plan.duration_s if plan.duration_s is not None else volume / profile.max_bolus_rate_ml_per_h * SECONDS_PER_HOUR
        rate_h = bolus_rate_ml_per_h(volume, duration)
        if rate_h > profile.max_bolus_rate_ml_per_h * (1 + REL_TOL):
            out.append(Finding("refuse", f"periodic bolus of {volume:.4g} mL in {duration / 60:g} min is {rate_h:.4g} mL/h, above the pump's bolus rate of {profile.max_bolus_rate_ml_per_h:g} mL/h", "max_bolus_rate_ml_per_h", rate_h, profile.max_bolus_rate_ml_per_h))
        if duration > plan.interval_s:
            out.append(Finding("refuse", f"periodic bolus lasts {duration / 3600:.3g} h, longer than its {plan.interval_s / 3600:g} h interval", "interval_h", plan.interval_s / 3600, duration / 3600))
    if rule is not None:
        volume = dosing.volume_ml_for_dose(rule.dose, conc_per_ml)
        rate_h = bolus_rate_ml_per_h(volume, rule.duration_s)
        if rate_h > profile.max_bolus_rate_ml_per_h * (1 + REL_TOL):
            out.append(Finding("refuse", f"patient bolus of {volume:.4g} mL in {rule.duration_s / 60:g} min is {rate_h:.4g} mL/h, above the pump's bolus rate of {profile.max_bolus_rate_ml_per_h:g} mL/h", "max_bolus_rate_ml_per_h", rate_h, profile.max_bolus_rate_ml_per_h))
    daily = program.daily_dose() + (rule.dose * rule.max_per_day if rule else 0.0)
    what = "programmed daily dose" + (f" including {rule.max_per_day} patient boluses of {rule.dose:g} {unit}" if rule else "")
    finding = daily_max_finding(drug, daily, what)
    if finding:
        out.append(finding)
    out.extend(titration_findings(drug, current_daily, program.daily_dose(), last_increase_t_s, now_s))
    return out


def titration_findings(drug: DrugProfile, current_daily: float | None, new_daily: float, last_increase_t_s: float | None, now_s: float) -> list[Finding]:
    out: list[Finding] = []
    if current_daily is None or new_daily <= current_daily * (1 + REL_TOL):
        return out
    unit, rules = drug.unit, drug.titration
    increase = new_daily - current_daily
    limit = drug.max_titration_increase_per_day
    if limit is not None and increase > limit * (1 + REL_TOL):
        out.append(Finding("warn", f"raises {drug.drug_name} by {increase:.4g} {unit}/day; titration rule: at most {limit:g} {unit}/day at a time", f"titration.max_increase_{unit}_per_day", increase, limit))
    if rules.max_increase_pct is not None and current_daily > 0 and increase / current_daily * 100 > rules.max_increase_pct * (1 + REL_TOL):
        pct = increase / current_daily * 100
        out.append(Finding("warn", f"raises {drug.drug_name} by {pct:.1f} %; titration rule: at most {rules.max_increase_pct:g} % at a time", "titration.max_increase_pct", pct, rules.max_increase_pct))
    if rules.min_hours_between_increases is not None and last_increase_t_s is not None:
        hours = (now_s - last_increase_t_s) / SECONDS_PER_HOUR
        if hours < rules.min_hours_between_increases:
            out.append(Finding("warn", f"second increase of {drug.drug_name} after {hours:.1f} h; titration rule: at least {rules.min_hours_between_increases:g} h between increases", "titration.min_hours_between_increases", hours, rules.min_hours_between_increases))
    return out
