"""Checks of the virtual intrathecal patient for exercises (an APPROXIMATION FOR TEACHING).

Each check reads only public surfaces at the end of the replayed run: the patient's snapshot
(`IntrathecalPatientSnapshot`: withdrawal stage, Ashworth, grades, catheter), the linked pump's
snapshot (programmed daily dose), the event stream (`ctx.results`: pocket fills, withdrawal and
sign events) and the trainee's replayed actions (`ctx.outcomes`) and answers. Figures from
`simulator.patient.conversions` (the starting conventions) are used where a check converts doses.

Checks (criterion `device:` is the intrathecal patient, id `patient` by default):
- `withdrawal_over`: the withdrawal picture (`picture`, e.g. baclofen) is at stage none at the end.
- `pump_daily_dose`: the linked pump's programmed daily dose lies in [`min`, `max`] (drug unit/day);
  the explanation says "(too high)" or "(too low)" for advice cases.
- `workup_order`: every test of `tests` was done (accepted `workup` actions), first occurrences in
  that order; a failure names the missing test or the pair done the wrong way round.
- `conversion_answer`: the trainee's oral -> intrathecal morphine figure (question `question`) lies
  between (1 - `reduction_max`) x and 1 x the 300:1 convention (`conversions.morphine_conversion`);
  a failure names the ratio the figure matches (epidural, IV, no conversion) for advice cases.
- `titration_steps`: the trainee's accepted pump `program` actions raise the daily dose by at most
  the step of the spasticity's origin (`conversions.BACLOFEN_STEP_PCT`: spinal 30 %, cerebral 15 %)
  and at most once per `min_interval_h`; a failure says "too large" or "too soon".
- `monitored_after`: after the first event of `event` (e.g. the pocket fill), the trainee asked the
  patient (accepted `ask`) often enough (gaps <= `max_gap_h`, the first within `max_gap_h`) until at
  least `hours` after it; a failure says "stopped watching" or "gap".
- `admixture_daily_dose`: the linked pump holds a mixture whose second drug is `drug` and whose
  programmed daily dose of it (programmed volume per day x its concentration) lies in [`min`, `max`]
  (its unit/day); a failure says "no admixture", "(too high)" or "(too low)".
- `admixture_within_library`: the mixture's second drug stays within its drug-library maxima
  (concentration, daily dose); a failure says "over the maximum" (and, far above it, suggests a
  mcg figure entered as mg). Without an admixture there is nothing over a maximum: passes.
"""
from __future__ import annotations

from pydantic import Field, field_validator

from simulator.event_kinds import K
from simulator.profiles.base import StrictModel
from simulator.training.criteria import fmt
from simulator.training.device_checks import device_check
from simulator.units import describe_elapsed

HOUR_S = 3600.0
KIND = "intrathecal_patient"


# ----------------------------------------------------------------------------- args
class PictureArgs(StrictModel):
    picture: str = Field("baclofen", min_length=1, max_length=40, description="Withdrawal picture: baclofen, opioid, clonidine")


class DoseArgs(StrictModel):
    min: float | None = Field(None, ge=0, description="Lowest acceptable programmed daily dose, drug unit/day")
    max: float | None = Field(None, ge=0, description="Highest acceptable programmed daily dose, drug unit/day")


class OrderArgs(StrictModel):
    tests: list[str] = Field(min_length=1, max_length=5, description="Work-up tests in the order they should be done")


class ConversionArgs(StrictModel):
    question: str = Field(min_length=1, max_length=60, description="Id of the question holding the intrathecal dose, mg/day")
    oral_mg_per_day: float = Field(gt=0, le=10000, description="The patient's oral morphine, mg/day")
    reduction_max: float = Field(0.5, ge=0, lt=1, description="Largest accepted cut below the 300:1 figure (start low) [?]")
    tolerance_pct: float = Field(2.0, ge=0, le=20, description="Slack when matching a figure to a ratio, %")


class TitrationArgs(StrictModel):
    origin: str | None = Field(None, description="spinal or cerebral; None: the patient profile's spasticity origin")
    min_interval_h: float = Field(24.0, gt=0, le=168, description="Shortest time between two increases, h")


class MonitorArgs(StrictModel):
    event: str = Field(min_length=1, max_length=60, description="Event kind that starts the watch, e.g. pocket_fill")

    @field_validator("event")
    @classmethod
    def _registered(cls, value: str) -> str:
        from simulator.event_kinds import REGISTRY

        if value not in REGISTRY:
            raise ValueError(f"unknown event kind {value!r}; e.g. {K.POCKET_FILL}")
        return value
    hours: float = Field(gt=0, le=168, description="Watch at least this long after the event, h")
    max_gap_h: float = Field(gt=0, le=48, description="Longest time between two checks on the patient, h")


class AdmixtureDoseArgs(StrictModel):
    drug: str = Field(min_length=1, max_length=40, description="Short name of the second drug, e.g. bupivacaine")
    min: float = Field(ge=0, description="Lowest acceptable programmed daily dose of it, its unit/day")
    max: float = Field(gt=0, description="Highest acceptable programmed daily dose of it, its unit/day")


#: A mixture's second drug this many times over its maximum concentration looks like a unit slip (mcg entered as mg).
UNIT_SLIP_FACTOR = 100.0


# ----------------------------------------------------------------------------- helpers
def _pump_snapshot(device, ctx):
    return ctx.sim.devices[ctx.sim.scenario.patient.pump].snapshot()


def _at(t_s: float) -> str:
    return describe_elapsed(t_s)


# ----------------------------------------------------------------------------- checks
@device_check("withdrawal_over", KIND, PictureArgs)
def withdrawal_over(device, args, ctx):
    a = PictureArgs.model_validate(args)
    snap = device.snapshot()
    stage = snap.withdrawal_stage.get(a.picture, "none")
    index = snap.withdrawal_index.get(a.picture, 0.0)
    text = f"{a.picture} withdrawal at {_at(snap.t_s)}: {stage} (index {fmt(index)})"
    if stage == "none":
        return True, text + "; no withdrawal signs", {"value": index}
    return False, text + f"; the signs have not resolved (cause: {snap.withdrawal_cause})", {"value": index}


@device_check("pump_daily_dose", KIND, DoseArgs)
def pump_daily_dose(device, args, ctx):
    a = DoseArgs.model_validate(args)
    ps = _pump_snapshot(device, ctx)
    dose, unit = float(ps.programmed_daily_dose), f"{ps.drug_unit}/day"
    lo = a.min if a.min is not None else 0.0
    hi = a.max if a.max is not None else float("inf")
    wanted = f"between {fmt(lo)} and {fmt(hi, unit)}" if a.max is not None and a.min is not None else (
        f"at most {fmt(hi, unit)}" if a.max is not None else f"at least {fmt(lo, unit)}")
    side = " (too high)" if dose > hi + 1e-9 else (" (too low)" if dose < lo - 1e-9 else "")
    return not side, f"the pump's programmed dose is {fmt(dose, unit)}{side}; wanted {wanted}", {"value": dose}


@device_check("workup_order", KIND, OrderArgs)
def workup_order(device, args, ctx):
    a = OrderArgs.model_validate(args)
    done = [(o.at_s, o.params.get("test")) for o in ctx.outcomes if o.device == device.id and o.action == "workup" and o.accepted]
    first: dict[str, float] = {}
    order: list[str] = []
    for t, test in done:
        if test not in first:
            first[test] = t
            order.append(test)
    listed = ", ".join(f"{t.replace('_', ' ')} at {_at(first[t])}" for t in order) or "no test"
    missing = [t for t in a.tests if t not in first]
    if missing:
        return False, f"work-up done: {listed}; missing: {', '.join(m.replace('_', ' ') for m in missing)}", {"count": len(missing)}
    for before, after in zip(a.tests, a.tests[1:]):
        if first[after] < first[before] or (first[after] == first[before] and order.index(after) < order.index(before)):
            return False, (f"work-up done: {listed}; the {after.replace('_', ' ')} came before the {before.replace('_', ' ')}: "
                           "wrong order"), {"count": 1}
    return True, f"work-up done in order: {listed}", {"count": 0}


def _ratio_name(value: float, oral: float, tol_pct: float) -> str:
    """Which (wrong) ratio a figure matches, in words ('' when none)."""
    from simulator.patient.conversions import MORPHINE_ROUTE_FACTOR as F

    candidates = {
        "the epidural ratio (oral / 10, as if epidural:intrathecal 10:1 applied to an oral dose)": oral / F["epidural"],
        "the epidural dose (oral / 30), not the intrathecal one": oral * F["epidural"] / F["oral"],
        "the IV ratio (oral / 100, the IV:intrathecal 100:1 without the oral:IV 3:1 reduction)": oral / F["iv"],
        "the IV dose (oral / 3), not the intrathecal one": oral * F["iv"] / F["oral"],
        "no conversion at all (the oral dose itself)": oral,
    }
    for name, figure in candidates.items():
        if abs(value - figure) <= figure * tol_pct / 100.0:
            return name
    return ""


@device_check("conversion_answer", KIND, ConversionArgs)
def conversion_answer(device, args, ctx):
    from simulator.patient.conversions import morphine_conversion

    a = ConversionArgs.model_validate(args)
    est = morphine_conversion(a.oral_mg_per_day, "oral", "intrathecal")
    hi, lo = est.value, est.value * (1.0 - a.reduction_max)
    given = ctx.answers.get(a.question)
    rule = (f"{fmt(a.oral_mg_per_day)} mg/day oral / 300 = {fmt(est.value, 'mg/day')} intrathecal by the 300:100:10:1 convention; "
            f"start at {fmt(lo)} to {fmt(hi, 'mg/day')}")
    if given in (None, ""):
        return False, f"no intrathecal dose was given; {rule}", {"given": None}
    try:
        value = float(given)
    except (TypeError, ValueError):
        return False, f"'{given}' is not a number; {rule}", {"given": given}
    if lo - 1e-9 <= value <= hi + 1e-9:
        return True, f"answer {fmt(value, 'mg/day')}; {rule}", {"given": given, "value": value}
    matched = _ratio_name(value, a.oral_mg_per_day, a.tolerance_pct)
    side = "too high" if value > hi else "too low"
    why = f": it matches {matched}" if matched else ""
    return False, f"answer {fmt(value, 'mg/day')} is {side}{why}; {rule}", {"given": given, "value": value}


@device_check("titration_steps", KIND, TitrationArgs)
def titration_steps(device, args, ctx):
    from simulator.patient.conversions import BACLOFEN_STEP_PCT

    a = TitrationArgs.model_validate(args)
    origin = a.origin or device.profile.intrathecal.spasticity_origin or "spinal"
    if origin not in BACLOFEN_STEP_PCT:
        return False, f"unknown spasticity origin {origin!r}; allowed: {', '.join(BACLOFEN_STEP_PCT)}", {}
    limit = BACLOFEN_STEP_PCT[origin][1]
    changes = [e for e in ctx.results.events_where(ctx.sim.scenario.patient.pump, K.PROGRAM_CHANGED) if not e.payload.get("reason")]
    outcomes = [o for o in ctx.outcomes if o.device == ctx.sim.scenario.patient.pump and o.action == "program" and o.accepted]
    if not outcomes:
        return False, "the dose was never changed", {"count": 0}
    # the dose before each trainee change: the previous program.changed event's daily dose; before the
    # first one, the starting rate the patient received (its first drug-input event, drug unit/day)
    doses = [(e.t_s, float(e.payload["daily_dose"])) for e in changes]
    inputs = ctx.results.events_where(device.id, K.PATIENT_DRUG_INPUT)
    if inputs and (not doses or doses[0][0] > inputs[0].t_s):
        doses.insert(0, (inputs[0].t_s - 1e-9, float(sum(inputs[0].payload.get("rates_per_day", {}).values()))))
    problems, last_raise_t, steps = [], None, []
    for o in outcomes:
        before = [d for t, d in doses if t < o.at_s]
        now = [d for t, d in doses if t == o.at_s]
        if not before or not now:
            continue
        old, new = before[-1], now[-1]
        if new <= old:
            continue
        pct = 100.0 * (new - old) / old if old > 0 else float("inf")
        steps.append(f"{fmt(old)} -> {fmt(new)} at {_at(o.at_s)} (+{fmt(pct)} %)")
        if pct > limit + 1e-6:
            problems.append(f"the step {fmt(old)} -> {fmt(new)} at {_at(o.at_s)} is +{fmt(pct)} %, too large: at most {fmt(limit)} % ({origin} origin)")
        if last_raise_t is not None and o.at_s - last_raise_t < a.min_interval_h * HOUR_S - 1e-6:
            problems.append(f"the increase at {_at(o.at_s)} came {describe_elapsed(o.at_s - last_raise_t)} after the one before, too soon: "
                            f"at most one per {fmt(a.min_interval_h)} h")
        last_raise_t = o.at_s
    listed = "; ".join(steps) or "no increase"
    if problems:
        return False, f"increases: {listed}. " + "; ".join(problems), {"count": len(problems)}
    if not steps:
        return False, "the dose was never raised", {"count": 0}
    return True, f"increases: {listed}; each at most {fmt(limit)} % ({origin} origin), at most one per {fmt(a.min_interval_h)} h", {"count": 0}


@device_check("monitored_after", KIND, MonitorArgs)
def monitored_after(device, args, ctx):
    a = MonitorArgs.model_validate(args)
    starts = ctx.results.events_where(None, a.event)
    if not starts:
        return False, f"no {a.event.replace('_', ' ')} happened, so there was nothing to watch", {}
    t0 = starts[0].t_s
    asks = sorted(o.at_s for o in ctx.outcomes if o.device == device.id and o.action == "ask" and o.accepted and o.at_s >= t0)
    what = a.event.replace("_", " ").replace(".", " ")
    if not asks:
        return False, f"the patient was never checked after the {what} at {_at(t0)}", {"value": 0.0}
    times = [t0, *asks]
    gaps = [(t1 - t0_) for t0_, t1 in zip(times, times[1:])]
    covered_h = (asks[-1] - t0) / HOUR_S
    text = f"{len(asks)} check(s) on the patient from {_at(asks[0])} to {_at(asks[-1])}, {fmt(covered_h, 'h')} after the {what}"
    worst = max(gaps)
    if worst > a.max_gap_h * HOUR_S + 1e-6:
        return False, text + f"; a gap of {describe_elapsed(worst)} between checks, more than {fmt(a.max_gap_h, 'h')}", {"value": covered_h}
    if covered_h < a.hours - 1e-6:
        return False, text + f"; stopped watching too early: at least {fmt(a.hours, 'h')} wanted", {"value": covered_h}
    return True, text + f"; checks at most {fmt(a.max_gap_h, 'h')} apart for at least {fmt(a.hours, 'h')}", {"value": covered_h}


@device_check("admixture_daily_dose", KIND, AdmixtureDoseArgs)
def admixture_daily_dose(device, args, ctx):
    a = AdmixtureDoseArgs.model_validate(args)
    ps = _pump_snapshot(device, ctx)
    adm = ps.admixture
    if adm is None or adm.drug_name != a.drug:
        held = f"only {ps.drug_name}" if adm is None else f"{ps.drug_name} + {adm.drug_name}"
        return False, f"no admixture of {a.drug} in the pump at {_at(ps.t_s)} ({held})", {"value": 0.0}
    unit = f"{adm.drug_unit}/day"
    volume_ml_per_day = ps.programmed_daily_dose / ps.concentration_per_ml if ps.concentration_per_ml > 0 else 0.0
    dose = float(adm.programmed_daily_dose)
    side = " (too high)" if dose > a.max + 1e-9 else (" (too low)" if dose < a.min - 1e-9 else "")
    text = (f"{a.drug} {fmt(adm.concentration_per_ml, adm.drug_unit + '/mL')} at {fmt(volume_ml_per_day, 'mL/day')}: "
            f"{fmt(dose, unit)}{side}; wanted between {fmt(a.min)} and {fmt(a.max, unit)}")
    return not side, text, {"value": dose}


@device_check("admixture_within_library", KIND)
def admixture_within_library(device, args, ctx):
    ps = _pump_snapshot(device, ctx)
    adm = ps.admixture
    if adm is None:
        return True, "no admixture in the pump: nothing over a drug-library maximum", {}
    drug = ctx.sim.registry.get(adm.drug_id)
    u = adm.drug_unit
    over = []
    max_conc, max_daily = drug.max_concentration_per_ml, drug.max_daily_dose
    if max_conc is not None and adm.concentration_per_ml > max_conc * (1 + 1e-9):
        over.append(f"{fmt(adm.concentration_per_ml, u + '/mL')} is over the maximum concentration of {fmt(max_conc, u + '/mL')}")
    if max_daily is not None and adm.programmed_daily_dose > max_daily * (1 + 1e-9):
        over.append(f"{fmt(adm.programmed_daily_dose, u + '/day')} is over the maximum daily dose of {fmt(max_daily, u + '/day')}")
    if not over:
        return True, f"{adm.drug_name} within the drug library's maxima", {}
    text = f"{adm.drug_name}: " + "; ".join(over)
    if max_conc is not None and adm.concentration_per_ml > UNIT_SLIP_FACTOR * max_conc:
        text += f" (more than {UNIT_SLIP_FACTOR:g} times the maximum: a mcg/mL figure entered as {u}/mL?)"
    return False, text, {"value": adm.concentration_per_ml}
