"""Checks of a pending program against the pump's and the drug's limits (Findings).

Pure functions: the device calls them from `check` (the app's "check before transmit") and
`apply` enforces them. Refusals name the limit.

Two kinds of limit: device limits (rates, bolus and priming speed, reservoir, flex steps) are
always refused. Drug-library limits (maximum daily dose and concentration, consensus
recommendations) follow the drug's `library_limit_policy`: a warning by default, which the
clinician may confirm (the action's `confirm` parameter lists the confirmed limit codes; the
pump then records an `override` event instead of a warning), or a refusal. Titration rules are
drug-library warnings too, confirmable the same way.
"""
from __future__ import annotations

from simulator.device import Finding
from simulator.pump import dosing
from simulator.pump.boluses import PatientBolusRule
from simulator.pump.drugs import DrugProfile
from simulator.pump.profile import PumpProfile
from simulator.pump.rolling_dose import DoseHistory, RollingTotal
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


#: limit codes of drug-library limits (a warning the clinician may confirm, unless the policy refuses)
LIBRARY_LIMIT_PREFIXES = ("max_daily_dose_", "max_concentration_", "titration.")


def is_library_limit(limit: str) -> bool:
    """True for a drug-library limit code (confirmable as an override)."""
    return isinstance(limit, str) and limit.startswith(LIBRARY_LIMIT_PREFIXES)


def library_level(drug: DrugProfile) -> str:
    """Finding level of a drug-library limit under the drug's policy: "warn" or "refuse"."""
    return "refuse" if drug.library_limit_policy == "refuse" else "warn"


def _library_note(drug: DrugProfile) -> str:
    return " (drug-library limit: confirm to override)" if library_level(drug) == "warn" else " (drug-library policy: refuse)"


def daily_max_finding(drug: DrugProfile, daily: float, what: str) -> Finding | None:
    limit = drug.max_daily_dose
    if limit is not None and daily > limit * (1 + REL_TOL):
        return Finding(library_level(drug), f"{what}: {daily:.4g} {drug.unit}/day exceeds the {drug.drug_name} daily maximum of {limit:g} {drug.unit}/day" + _library_note(drug), f"max_daily_dose_{drug.unit}", daily, limit)
    return None


def rolling_finding(drug: DrugProfile, rolling: RollingTotal, what: str) -> Finding | None:
    """The daily-maximum finding for the largest rolling 24 h total an action allows."""
    limit = drug.max_daily_dose
    if limit is None or rolling.total <= limit * (1 + REL_TOL):
        return None
    return Finding(library_level(drug), f"{what}: up to {rolling.total:.4g} {drug.unit} in a rolling 24 h ({rolling.parts_text(drug.unit)}) exceeds the {drug.drug_name} daily maximum of {limit:g} {drug.unit}/day" + _library_note(drug), f"max_daily_dose_{drug.unit}", rolling.total, limit)


def concentration_finding(drug: DrugProfile, conc_per_ml: float) -> Finding | None:
    limit = drug.max_concentration_per_ml
    if limit is not None and conc_per_ml > limit * (1 + REL_TOL):
        return Finding(library_level(drug), f"{conc_per_ml:g} {drug.unit}/mL is above the {drug.drug_name} maximum concentration of {limit:g} {drug.unit}/mL" + _library_note(drug), f"max_concentration_{drug.unit}_per_ml", conc_per_ml, limit)
    return None


def bolus_rate_finding(profile: PumpProfile, what: str, rate_ml_per_h: float, override: bool = False) -> Finding | None:
    """Refuse a bolus faster than the pump can run it: the bolus rate for boluses on top of the
    basal, the priming rate for bridge and priming boluses (which replace the basal)."""
    limit, name = (profile.priming_rate_ml_per_h, "priming_rate_ml_per_h") if override else (profile.max_bolus_rate_ml_per_h, "max_bolus_rate_ml_per_h")
    if rate_ml_per_h > limit * (1 + REL_TOL):
        kind = "priming/bridge rate" if override else "bolus rate"
        return Finding("refuse", f"{what} needs {rate_ml_per_h:.4g} mL/h, above the pump's {kind} of {limit:g} mL/h", name, rate_ml_per_h, limit)
    return None


def split_confirmed(findings: list[Finding], confirm) -> tuple[list[Finding], list[Finding]]:
    """(warnings, overrides) among the `warn` findings: a drug-library warning whose limit code is
    in `confirm` is an override; every other warning stays a warning."""
    codes = set(confirm or ())
    warnings: list[Finding] = []
    overrides: list[Finding] = []
    for f in findings:
        if f.level != "warn":
            continue
        (overrides if is_library_limit(f.limit) and f.limit in codes else warnings).append(f)
    return warnings, overrides


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
    history: DoseHistory | None = None,
    origin: str | None = None,
) -> list[Finding]:
    """Findings for a dosing mode plus patient-bolus settings at a concentration.

    With `history` (the device's doses so far) the daily maximum is checked against the rolling
    24 h total; without it (scenario settings) against the programmed day plus every allowed
    patient bolus."""
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
    if history is not None:
        finding = rolling_finding(drug, history.max_total(now_s, program, [], rule, steady=True), "this program")
    else:
        daily = program.daily_dose() + (rule.dose * rule.max_per_day if rule else 0.0)
        what = "programmed daily dose" + (f" including {rule.max_per_day} patient boluses of {rule.dose:g} {unit}" if rule else "")
        finding = daily_max_finding(drug, daily, what)
    if finding:
        out.append(finding)
    out.extend(titration_findings(drug, current_daily, program.daily_dose(), last_increase_t_s, now_s, origin))
    return out


def titration_findings(drug: DrugProfile, current_daily: float | None, new_daily: float, last_increase_t_s: float | None, now_s: float, origin: str | None = None) -> list[Finding]:
    """Warnings for a raise of the daily dose against the drug's titration rules; `origin`
    ('spinal', 'cerebral') picks the percent limit by origin of the spasticity where the drug
    has one (baclofen)."""
    out: list[Finding] = []
    if current_daily is None or new_daily <= current_daily * (1 + REL_TOL):
        return out
    unit, rules = drug.unit, drug.titration
    increase = new_daily - current_daily
    limit = drug.max_titration_increase_per_day
    if limit is not None and increase > limit * (1 + REL_TOL):
        out.append(Finding("warn", f"raises {drug.drug_name} by {increase:.4g} {unit}/day; titration rule: at most {limit:g} {unit}/day at a time", f"titration.max_increase_{unit}_per_day", increase, limit))
    pct_limit = rules.max_increase_pct_for(origin)
    if pct_limit is not None and current_daily > 0 and increase / current_daily * 100 > pct_limit * (1 + REL_TOL):
        pct = increase / current_daily * 100
        whose = f" for {origin}-origin spasticity" if origin is not None and pct_limit != rules.max_increase_pct else ""
        out.append(Finding("warn", f"raises {drug.drug_name} by {pct:.1f} %; titration rule{whose}: at most {pct_limit:g} % at a time", "titration.max_increase_pct", pct, pct_limit))
    if rules.min_hours_between_increases is not None and last_increase_t_s is not None:
        hours = (now_s - last_increase_t_s) / SECONDS_PER_HOUR
        if hours < rules.min_hours_between_increases:
            out.append(Finding("warn", f"second increase of {drug.drug_name} after {hours:.1f} h; titration rule: at least {rules.min_hours_between_increases:g} h between increases", "titration.min_hours_between_increases", hours, rules.min_hours_between_increases))
    return out
