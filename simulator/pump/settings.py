"""Scenario settings of a pump and the parameters of its actions (pydantic models).

Dose and concentration fields carry the unit in their names; each comes in a mg and a mcg
form and the one matching the drug's unit must be used (see dosing.pick). Defaults marked
[?] are commonly quoted but unconfirmed figures kept as settings.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_serializer, model_validator

from simulator.profiles.base import StrictModel

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
#: Bounds of this simulator (not of any device), so that no setting can make a run divide by a
#: vanishing time or schedule an unbounded number of events (see README, "Scenario files").
MIN_PERIODIC_INTERVAL_H = 1.0
MIN_BOLUS_DURATION_MIN = 0.01
MIN_PRESS_RATE_PER_DAY = 0.01


def _at_most_one_unit(model, template: str):
    given = [template.format(u=u) for u in ("mg", "mcg") if getattr(model, template.format(u=u)) is not None]
    if len(given) > 1:
        raise ValueError(f"give only one of {' or '.join(given)}")
    return model


class FlexStep(StrictModel):
    start: str = Field(pattern=HHMM, description="Time of day the step starts, HH:MM")
    dose_mg_per_day: float | None = Field(None, ge=0, le=1e4, description="Dose rate of the step (mg drugs), mg/day")
    dose_mcg_per_day: float | None = Field(None, ge=0, le=1e7, description="Dose rate of the step (mcg drugs), mcg/day")

    @model_validator(mode="after")
    def _one(self):
        return _at_most_one_unit(self, "dose_{u}_per_day")

    @property
    def start_s(self) -> float:
        hh, mm = self.start.split(":")
        return int(hh) * 3600.0 + int(mm) * 60.0


class StoppedMode(StrictModel):
    type: Literal["stopped"] = "stopped"


class ContinuousMode(StrictModel):
    type: Literal["continuous"] = "continuous"
    dose_mg_per_day: float | None = Field(None, ge=0, le=1e4)
    dose_mcg_per_day: float | None = Field(None, ge=0, le=1e7)

    @model_validator(mode="after")
    def _one(self):
        return _at_most_one_unit(self, "dose_{u}_per_day")


class FlexMode(StrictModel):
    type: Literal["flex"] = "flex"
    steps: list[FlexStep] = Field(min_length=1, max_length=96, description="Daily schedule; a step runs until the next step's start")

    @model_validator(mode="after")
    def _distinct(self):
        starts = [s.start for s in self.steps]
        if len(set(starts)) != len(starts):
            raise ValueError("flex steps must have distinct start times")
        return self


class PeriodicMode(StrictModel):
    type: Literal["periodic"] = "periodic"
    dose_mg_per_day: float | None = Field(None, ge=0, le=1e4, description="Basal dose rate (mg drugs)")
    dose_mcg_per_day: float | None = Field(None, ge=0, le=1e7, description="Basal dose rate (mcg drugs)")
    bolus_dose_mg: float | None = Field(None, gt=0, le=1e3)
    bolus_dose_mcg: float | None = Field(None, gt=0, le=1e6)
    interval_h: float = Field(ge=MIN_PERIODIC_INTERVAL_H, le=168, description="A bolus every this many hours (at least 1 h: the limit of this simulator)")
    bolus_duration_min: float | None = Field(None, ge=MIN_BOLUS_DURATION_MIN, le=24 * 60, description="Bolus duration; default: at the pump's bolus rate")
    first_bolus_after_min: float = Field(0.0, ge=0, le=7 * 24 * 60, description="First bolus this long after programming")

    @model_validator(mode="after")
    def _one(self):
        _at_most_one_unit(self, "dose_{u}_per_day")
        return _at_most_one_unit(self, "bolus_dose_{u}")


Mode = Annotated[StoppedMode | ContinuousMode | FlexMode | PeriodicMode, Field(discriminator="type")]


class PatientBolusSettings(StrictModel):
    """Patient-activated bolus (the patient's handheld): dose, duration, lockout, maximum a day."""

    enabled: bool = True
    dose_mg: float | None = Field(None, gt=0, le=1e3)
    dose_mcg: float | None = Field(None, gt=0, le=1e6)
    duration_min: float = Field(ge=MIN_BOLUS_DURATION_MIN, le=24 * 60, description="Time over which one bolus is delivered, minutes")
    lockout_min: float = Field(ge=0, le=7 * 24 * 60, description="Shortest time from one bolus start to the next, minutes")
    max_per_day: int = Field(ge=1, le=48, description="Most boluses in any 24 h")

    @model_validator(mode="after")
    def _check(self):
        _at_most_one_unit(self, "dose_{u}")
        if self.lockout_min < self.duration_min:
            raise ValueError(f"lockout_min ({self.lockout_min:g}) must be at least duration_min ({self.duration_min:g})")
        return self


class PatientPressSettings(StrictModel):
    """A patient who presses the bolus button at random: a Poisson process in waking hours.

    Presses are drawn from the device's seeded generator; each is handled exactly like a scripted
    `patient_bolus` action (lockout and daily maximum apply, refusals are logged)."""

    rate_per_day: float = Field(ge=MIN_PRESS_RATE_PER_DAY, le=200, description="Mean presses per day, all in the waking window (at least 0.01)")
    waking_start: str = Field("07:00", pattern=HHMM, description="Start of the waking window, HH:MM")
    waking_end: str = Field("22:00", pattern=HHMM, description="End of the waking window, HH:MM (may be past midnight)")

    @model_validator(mode="after")
    def _window(self):
        if self.waking_start == self.waking_end:
            raise ValueError("waking_start and waking_end must differ")
        return self

    @property
    def window_s(self) -> tuple[float, float]:
        """(start, end) seconds after midnight; end < start when the window spans midnight."""
        return tuple(int(x[:2]) * 3600.0 + int(x[3:]) * 60.0 for x in (self.waking_start, self.waking_end))  # type: ignore[return-value]


class FlowErrorSettings(StrictModel):
    systematic_error_pct: float = Field(0.0, ge=-50, le=50, description="Fixed flow error of this device, percent (must lie within the profile's accuracy band)")
    random_systematic: bool = Field(False, description="Draw the systematic error from the device's seed: uniform in +/- 2 x the profile's measured mean absolute error when it has one, else within the labelled band")
    out_of_specification: bool = Field(False, description="Fault scenario: allow a systematic error outside the profile's accuracy band (a pump out of specification); a warning says so at the start")
    stroke_noise_cv_pct: float = Field(0.0, ge=0, le=50, description="Stroke-to-stroke volume noise (coefficient of variation, %) in the synthesised delivery pattern")


class EnvironmentSettings(StrictModel):
    body_temperature_c: float | None = Field(None, ge=30, le=43, description="Body temperature, deg C (reference 37)")
    ambient_pressure_mmhg: float | None = Field(None, gt=50, le=5000)
    altitude_m: float | None = Field(None, ge=-500, le=15000, description="Altitude (or cabin altitude), m; sets ambient pressure by the standard atmosphere")
    ambient_pressure_ata: float | None = Field(None, gt=0.05, le=6, description="Ambient pressure in atmospheres absolute (hyperbaric chamber)")

    @model_validator(mode="after")
    def _one_pressure(self):
        given = [n for n in ("ambient_pressure_mmhg", "altitude_m", "ambient_pressure_ata") if getattr(self, n) is not None]
        if len(given) > 1:
            raise ValueError(f"give only one of {', '.join(given)}")
        return self


class AdmixtureSettings(StrictModel):
    """A second drug mixed into the same reservoir fluid (e.g. morphine + bupivacaine). The pump
    moves one volume; this drug's dose is that volume x its own concentration (drug unit per mL)."""

    drug: str = Field(description="Drug profile id of the second drug, e.g. drug/bupivacaine; not the primary drug")
    concentration_mg_per_ml: float | None = Field(None, gt=0, le=1e4, description="Its concentration (mg drugs), mg/mL")
    concentration_mcg_per_ml: float | None = Field(None, gt=0, le=1e7, description="Its concentration (mcg drugs), mcg/mL")

    @model_validator(mode="after")
    def _one(self):
        _at_most_one_unit(self, "concentration_{u}_per_ml")
        if self.concentration_mg_per_ml is None and self.concentration_mcg_per_ml is None:
            raise ValueError("give the admixture's concentration: concentration_mg_per_ml or concentration_mcg_per_ml (its drug's unit)")
        return self


class PumpSettings(StrictModel):
    drug: str = Field(description="Drug profile id, e.g. drug/morphine (or just morphine)")
    concentration_mg_per_ml: float | None = Field(None, gt=0, le=1e4)
    concentration_mcg_per_ml: float | None = Field(None, gt=0, le=1e7)
    reservoir_ml: float = Field(ge=0, le=200, description="Drug volume in the reservoir at t = 0, mL")
    catheter_length_cm: float = Field(50.0, ge=0, le=300, description="[?] default 50 cm implanted catheter length")
    spasticity_origin: Literal["spinal", "cerebral"] | None = Field(
        None, description="Baclofen: origin of the spasticity; picks the titration step limit by origin (spinal 30 %, cerebral 15 % per 24 h). None: the drug's general limit")
    catheter_volume_ml_per_cm: float | None = Field(None, ge=0, le=0.1, description="Catheter internal volume, mL/cm; default: the pump profile's catheter_volume_ml_per_cm (its family's catheter)")
    dead_volume_primed: bool = Field(True, description="Pump tubing and catheter already full of the drug at t = 0 (False: drug-free, needs a priming bolus)")
    low_reservoir_threshold_ml: float | None = Field(None, ge=0, le=50, description="Default: the profile's")
    mode: Mode | None = Field(None, description="Initial dosing mode (programmable pumps); default stopped")
    patient_bolus: PatientBolusSettings | None = None
    patient_presses: PatientPressSettings | None = Field(None, description="Random patient presses (seeded); None: only scripted presses")
    priming_mixing_fraction: float = Field(0.2, ge=0, le=1, description="[?] default 0.2: at priming speed the drug front mixes with the water/CSF ahead of it over this fraction of the primed volume")
    flow_error: FlowErrorSettings = Field(default_factory=lambda: FlowErrorSettings.model_validate({}))
    environment: EnvironmentSettings = Field(default_factory=lambda: EnvironmentSettings.model_validate({}))
    battery_initial_pct: float | None = Field(
        None, ge=0, le=100,
        description="Battery charge at t = 0, %; default [D]: full less the profile's idle drain over service_elapsed_days (a primary cell only runs down)")
    service_elapsed_days: float = Field(0.0, ge=0, le=30 * 365, description="Days since implant at t = 0 (battery service life)")
    days_since_fill: float = Field(0.0, ge=0, le=3650, description="Age of the drug in the reservoir at t = 0 (stability)")
    admixture: AdmixtureSettings | None = Field(None, description="A second drug in the same reservoir fluid (mixture); None: one drug")

    @model_validator(mode="after")
    def _one(self):
        return _at_most_one_unit(self, "concentration_{u}_per_ml")

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        """Without an admixture the dump stays as it was before mixtures (no `admixture` key)."""
        return _without_none_admixture(handler(self))


def _without_none_admixture(out):
    if isinstance(out, dict) and "admixture" in out and out["admixture"] is None:
        del out["admixture"]
    return out


# ----- action parameters -----
class Confirmable(StrictModel):
    """Parameters of an action that drug-library limits may warn about (checks.py)."""

    confirm: list[Annotated[str, Field(min_length=1, max_length=80)]] | None = Field(
        None, max_length=20,
        description="Drug-library warnings the clinician confirms, by limit code (max_daily_dose_mg, max_concentration_mg_per_ml, titration.max_increase_pct...): each confirmed one is recorded as an override event")


class ProgramParams(Confirmable):
    mode: Mode


class RefillParams(Confirmable):
    fill_ml: float = Field(gt=0, le=200, description="Volume injected through the reservoir port, mL")
    aspirated_ml: float | None = Field(None, ge=0, le=200, description="Residual drawn out first; default: all of it")
    drug: str | None = Field(None, description="New drug profile id; default: the same drug")
    concentration_mg_per_ml: float | None = Field(None, gt=0, le=1e4)
    concentration_mcg_per_ml: float | None = Field(None, gt=0, le=1e7)
    pocket_fill_ml: float = Field(0.0, ge=0, le=200, description="Fault: part of the fill that went into the subcutaneous pocket, mL")
    bridge_bolus: bool = Field(False, description="Move the old drug out of the dead volume at a rate that keeps the dose right")
    mode: Mode | None = Field(None, description="Re-program at the refill; default: keep the dose program")
    programmed_reservoir_ml: float | None = Field(None, ge=0, le=200, description="Volume entered into the pump; default fill_ml")
    admixture: AdmixtureSettings | None = Field(None, description="Second drug of the new fill (mixture); default: the admixture in the pump, if any")

    @model_validator(mode="after")
    def _check(self):
        _at_most_one_unit(self, "concentration_{u}_per_ml")
        if self.pocket_fill_ml > self.fill_ml:
            raise ValueError("pocket_fill_ml cannot exceed fill_ml")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        """Without an admixture the dump (the action event's params) stays as it was before mixtures."""
        return _without_none_admixture(handler(self))


class SingleBolusParams(Confirmable):
    dose_mg: float | None = Field(None, gt=0, le=1e3)
    dose_mcg: float | None = Field(None, gt=0, le=1e6)
    duration_min: float | None = Field(None, ge=MIN_BOLUS_DURATION_MIN, le=24 * 60, description="Default: at the pump's bolus rate")

    @model_validator(mode="after")
    def _one(self):
        return _at_most_one_unit(self, "dose_{u}")


class NoParams(StrictModel):
    pass


class PrimingParams(Confirmable):
    volume_ml: float | None = Field(None, gt=0, le=10, description="Default: pump tubing + catheter dead volume")


class SetPatientBolusParams(Confirmable):
    patient_bolus: PatientBolusSettings | None = Field(description="null disables patient boluses")


class PatientBolusParams(StrictModel):
    random: bool = Field(False, description="Set by the simulator for a press drawn from patient_presses")


class MriParams(StrictModel):
    duration_min: float = Field(ge=MIN_BOLUS_DURATION_MIN, le=24 * 60, description="Time in the scanner (strong field), minutes")
    field_t: float = Field(1.5, gt=0, le=10, description="Static field strength, tesla: checked against the profile's MRI conditions (the flow model does not scale with it)")
    override: bool = Field(False, description="Scan although the profile's MRI conditions are not met (field too strong, drug left in a reservoir that must be empty): the refusal becomes a warning and the consequences are simulated")
    recovery_delay_h: float | None = Field(None, ge=0, le=72, description="Motor pumps: delay after the scan before infusion returns, hours; default: drawn from the profile (seeded)")


class SetPatientPressesParams(StrictModel):
    patient_presses: PatientPressSettings | None = Field(description="null stops the random presses")


class ThresholdParams(StrictModel):
    threshold_ml: float = Field(ge=0, le=50)


class AcknowledgeParams(StrictModel):
    alarm: str = Field("all", description="Alarm name or 'all'")


class FaultParams(StrictModel):
    fault: Literal["motor_stall", "memory_error"]
    critical: bool = Field(True, description="memory_error only: a critical memory error stops the pump")


class ClearFaultParams(StrictModel):
    fault: Literal["motor_stall", "memory_error", "all"] = "all"


ACTIONS: dict[str, type[StrictModel]] = {
    "program": ProgramParams,
    "refill": RefillParams,
    "single_bolus": SingleBolusParams,
    "bridge_bolus": NoParams,
    "priming_bolus": PrimingParams,
    "patient_bolus": PatientBolusParams,
    "set_patient_bolus": SetPatientBolusParams,
    "set_low_reservoir_threshold": ThresholdParams,
    "acknowledge_alarm": AcknowledgeParams,
    "inject_fault": FaultParams,
    "clear_fault": ClearFaultParams,
    "set_environment": EnvironmentSettings,
    "mri": MriParams,
    "reset_valve": NoParams,
    "interrogate": NoParams,
    "set_patient_presses": SetPatientPressesParams,
}


# ----- units of timeline actions, checked at load -----
_UNIT_FIELD_PLANS: dict[type, tuple[tuple[str, str | None], ...]] = {}


def _unit_field_plan(cls: type[StrictModel]) -> tuple[tuple[str, str | None], ...]:
    """(field name, unit) of each field of the model class `cls`: the unit ('mcg' or 'mg') of a
    unit-named dose or concentration field, None for any other field (whose value may hold such
    fields further down). Worked out once per class: a long timeline has thousands of actions of a
    few kinds."""
    plan = _UNIT_FIELD_PLANS.get(cls)
    if plan is None:
        fields: list[tuple[str, str | None]] = []
        for name in cls.model_fields:
            unit = next((u for u in ("mcg", "mg") if name.startswith((f"dose_{u}", f"bolus_dose_{u}", f"concentration_{u}_"))), None)
            fields.append((name, unit))
        plan = _UNIT_FIELD_PLANS[cls] = tuple(fields)
    return plan


def _unit_fields(params: StrictModel) -> list[tuple[str, str]]:
    """(field path, unit) of every unit-named dose or concentration field given in `params`."""
    out: list[tuple[str, str]] = []

    def visit(obj, prefix: str) -> None:
        if isinstance(obj, StrictModel):
            for name, unit in _unit_field_plan(type(obj)):
                value = getattr(obj, name)
                if value is None or isinstance(value, AdmixtureSettings):  # the admixture has its own drug's unit (admixture.py)
                    continue
                if unit is not None:
                    out.append((prefix + name, unit))
                elif isinstance(value, (StrictModel, list)):
                    visit(value, f"{prefix}{name}.")
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                visit(item, f"{prefix.rstrip('.')}[{i}].")

    visit(params, "")
    return out


def timeline_unit_problems(settings: PumpSettings, actions: list[tuple[int, str, StrictModel]], registry) -> list[tuple[int, str, str, object]]:
    """Unit mistakes of a pump's timeline actions, found without running: (timeline index, field
    path, message, value) for each dose or concentration given in the unit the drug is not dosed
    in, a refill naming an unknown drug, or a refill changing drug without its concentration.

    `actions` are (timeline index, action name, parsed params) in time order. A refill that
    changes the drug may still be refused in the run, so after it either drug's unit is accepted."""
    from simulator.errors import InputError
    from simulator.pump.drugs import resolve_drug

    problems: list[tuple[int, str, str, object]] = []
    fields_of: dict[int, list[tuple[str, str]]] = {}  # id(params) -> _unit_fields(params); `actions` keeps each alive
    with_admixture: dict[type, bool] = {}  # params model -> whether it has the field (asked once a model)
    try:
        drugs = [resolve_drug(registry, settings.drug)]
    except InputError:
        return problems  # reported by the settings check
    quiet: set[int] = set()  # id(params) of params with nothing to check (no unit field, no admixture): an action other than a refill with them is skipped
    for j, action, params in actions:
        if action != "refill" and id(params) in quiet:
            continue
        possible = drugs
        if action == "refill" and isinstance(params, RefillParams) and params.drug is not None:
            try:
                new = resolve_drug(registry, params.drug)
            except InputError as exc:
                problems.append((j, "drug", exc.issues[0].message, params.drug))
                continue
            if params.concentration_mg_per_ml is None and params.concentration_mcg_per_ml is None and all(d.drug_name != new.drug_name for d in drugs):
                problems.append((j, f"concentration_{new.unit}_per_ml", f"a refill with a new drug ({new.drug_name}) needs its concentration", None))
            possible = [new]
            drugs = [d for d in drugs if d.drug_name != new.drug_name] + [new]
        model = type(params)
        has_admixture = with_admixture.get(model)
        if has_admixture is None:
            has_admixture = with_admixture[model] = "admixture" in model.model_fields
        adm = getattr(params, "admixture", None) if has_admixture else None  # (no AttributeError raised and caught per action)
        if isinstance(adm, AdmixtureSettings):  # the admixture of a refill: its own drug and unit
            try:
                adm_drug = resolve_drug(registry, adm.drug)
            except InputError as exc:
                problems.append((j, "admixture.drug", exc.issues[0].message, adm.drug))
            else:
                if all(d.drug_name == adm_drug.drug_name for d in possible):
                    problems.append((j, "admixture.drug", f"the admixture must be a second drug, not the primary drug {adm_drug.drug_name} again", adm.drug))
                wrong = f"concentration_{'mg' if adm_drug.unit == 'mcg' else 'mcg'}_per_ml"
                if getattr(adm, wrong) is not None:
                    problems.append((j, f"admixture.{wrong}", f"{adm_drug.drug_name} is dosed in {adm_drug.unit}: give concentration_{adm_drug.unit}_per_ml, not {wrong}", getattr(adm, wrong)))
        fields = fields_of.get(id(params))  # the actions of a recurring entry share one params model
        if fields is None:
            fields = fields_of[id(params)] = _unit_fields(params)
            if not fields and adm is None:
                quiet.add(id(params))
        for path, unit in fields:
            if all(d.unit != unit for d in possible):
                names = " or ".join(sorted({d.drug_name for d in possible}))
                last = path.rsplit(".", 1)[-1]
                right = last.replace(f"_{unit}", f"_{possible[0].unit}", 1)
                problems.append((j, path, f"{names} is dosed in {possible[0].unit}: give {right}, not {last}", getattr_path(params, path)))
    return problems


def getattr_path(obj, path: str):
    """The value at a dotted path with [i] indexes ('mode.steps[0].dose_mg_per_day')."""
    import re

    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        obj = obj[int(part[1:-1])] if part.startswith("[") else getattr(obj, part)
    return obj
