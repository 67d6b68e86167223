"""The payload model of every event kind (see `simulator.event_kinds`, which names each kind and
its model).

Kept apart from the kinds themselves so that a run does not build ~90 pydantic classes at
start-up (~75 ms of every `neuromod-sim` process) to emit plain-dict payloads: this module is
imported on first use of a payload model (the tests' event check, NEUROMOD_SIM_CHECK_EVENTS,
`neuromod-sim schema events`).

Payload models forbid undeclared fields, so a new field must be declared here first. Field names
are the ones the results files have always used; where a name has no unit (`dose`,
`daily_dose`, `old_amount`...), the amount is in the drug's unit, given by the payload's `unit`
field, and the field's description says so.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: kinds of alarm severity (simulator.alarms) and of the severity of a device event
AlarmSeverity = Literal["critical", "non_critical"]
EventSeverity = Literal["critical", "warning", "info"]


class Payload(BaseModel):
    """Base of every payload model: undeclared fields are an error."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # schemas built on first use (tests, --check): ~40 ms less start-up


def _f(description: str, default: Any = ...) -> Any:
    return Field(default, description=description)


# ----- the run -----
class SimStartPayload(Payload):
    scenario: str = _f("scenario name")
    seed: int = _f("random seed of the run")
    start: str = _f("calendar time of t = 0 (ISO 8601)")
    duration_s: float = _f("scenario duration (s)")


class EmptyPayload(Payload):
    """No fields."""


class SubscriberDetachedPayload(Payload):
    subscriber: str = _f("qualified name of the subscriber that raised")
    error: str = _f("repr of the exception")


# ----- actions, refusals, warnings -----
class ActionPayload(Payload):
    action: str = _f("action name (scenario timeline / device action)")
    params: dict[str, Any] = _f("the action's parameters, as validated, in JSON form")


class RefusalPayload(Payload):
    action: str = _f("the refused action")
    reason: str = _f("why, in words")
    limit: str | None = _f("name of the limit hit (e.g. max_daily_dose_mg)", None)
    value: Any = _f("the value that broke the limit", None)
    allowed: Any = _f("the allowed value or range", None)
    findings: list[dict[str, Any]] | None = _f("every refusing finding (level, message, limit, value, allowed)", None)


class WarningPayload(Payload):
    message: str = _f("the warning, in words")
    action: str | None = _f("the action that was applied with this warning", None)
    limit: str | None = _f("name of the limit or condition", None)
    value: Any = _f("the value concerned", None)
    allowed: Any = _f("the allowed value or range", None)
    risk: str | None = _f("clinical risk named by the drug profile (e.g. withdrawal)", None)
    missed_volume_ml: float | None = _f("volume not delivered during an MRI block (mL)", None)
    missed_drug: float | None = _f("drug not delivered during an MRI block (in `unit`)", None)
    unit: str | None = _f("drug unit of the amounts (mg, ug)", None)


class OverridePayload(Payload):
    message: str = _f("the warning the user confirmed, in words")
    action: str = _f("the action applied past the warned limit")
    limit: str | None = _f("name of the confirmed drug-library limit (e.g. max_daily_dose_mg)", None)
    value: Any = _f("the value past the limit", None)
    allowed: Any = _f("the allowed value or range", None)


# ----- alarms (simulator.alarms) -----
class _AlarmBase(Payload):
    alarm: str = _f("alarm name (e.g. low_reservoir, battery_low)")
    severity: AlarmSeverity = _f("critical or non_critical")
    message: str = _f("the alarm's message")


class AlarmRaisedPayload(_AlarmBase):
    tone: str = _f("the tone named by the profile ('' when none)")
    battery_pct: float | None = _f("battery state of charge at the threshold crossing (%)", None)
    threshold_pct: float | None = _f("the battery threshold crossed (%)", None)
    days_between_recharges: float | None = _f("recharge interval the programs need (d)", None)
    limit_days: float | None = _f("recharge interval below which the ERI is raised (d)", None)
    programs: list[str] | None = _f("programs concerned", None)
    faults: dict[str, str] | None = _f("contact -> impedance flag (open, short)", None)
    calculated_reservoir_ml: float | None = _f("reservoir volume the pump calculates (mL)", None)
    threshold_ml: float | None = _f("low-reservoir threshold (mL)", None)
    true_reservoir_ml: float | None = _f("volume really in the reservoir (mL)", None)
    reason: str | None = _f("why (e.g. the ERI criterion met)", None)
    cause: str | None = _f("what caused the fault (e.g. MRI)", None)
    critical: bool | None = _f("an injected fault that stops the pump", None)


class AlarmRepeatPayload(_AlarmBase):
    repeat: int = _f("1 for the first repeat of the tone, 2 for the second...")


class AlarmRepeatsPayload(_AlarmBase):
    first_t_s: float = _f("time of the first repeat of this stretch (s)")
    last_t_s: float = _f("time of the last repeat of this stretch (s)")
    interval_s: float = _f("repeat interval (s)")
    count: int = _f("repeats in this stretch")
    first_repeat: int = _f("number of the first repeat of this stretch since the alarm was raised (1-based)")


class AlarmAcknowledgedPayload(_AlarmBase):
    after_s: float = _f("time from raised to acknowledged (s)")


class AlarmClearedPayload(_AlarmBase):
    reason: str = _f("why the condition ended (refill, recharged...)")


# ----- pump: flow, reservoir, battery -----
class FlowReasonPayload(Payload):
    reason: str = _f("why, in words")


class FlowChangedPayload(Payload):
    reason: str = _f("what changed the flow (environment)")
    body_temperature_c: float = _f("body temperature (degC)")
    ambient_mmhg: float = _f("ambient pressure (mmHg)")
    flow_factor: float = _f("flow / labelled flow (1)")
    rate_ml_per_day: float = _f("flow rate now (mL/day)")
    change_pct: float | None = _f("change of the flow (%); None when the flow was zero", None)
    illustrative: bool = _f("the profile's coefficients are illustrative, not labelled")
    message: str = _f("the change, in words")


class ReservoirEmptyPayload(Payload):
    severity: EventSeverity = _f("critical")
    message: str = _f("what happened, in words")
    calculated_reservoir_ml: float = _f("reservoir volume the pump calculates (mL)")


class BatteryPayload(Payload):
    battery_pct: float = _f("battery state of charge (%)")
    threshold_pct: float | None = _f("the threshold crossed (%) (stimulators)", None)


class BatteryEriPayload(Payload):
    battery_pct: float | None = _f("battery state of charge (%)", None)
    threshold_pct: float | None = _f("the threshold crossed (%) (stimulators)", None)
    reason: str | None = _f("the ERI criterion met", None)
    days_between_recharges: float | None = _f("recharge interval the programs need (d) (rechargeable stimulators)", None)
    limit_days: float | None = _f("recharge interval below which the ERI is raised (d)", None)
    programs: list[str] | None = _f("active programs", None)


class BatteryStimulationOffPayload(Payload):
    battery_pct: float = _f("battery state of charge (%)")
    threshold_pct: float = _f("the threshold crossed (%)")


class DeadVolumeTipChangePayload(Payload):
    drug: str | None = _f("drug now at the catheter tip (None: fluid without drug)")
    concentration_per_ml: float = _f("its concentration (`unit`/mL)")
    unit: str = _f("drug unit (mg, ug)")


class PrimingMixingPayload(Payload):
    severity: EventSeverity = _f("warning")
    message: str = _f("the hazard, in words")
    zone_ml: float = _f("volume over which the drug front mixes (mL)")
    early_amount: float = _f("drug reaching the patient before the priming bolus ends (in `unit`)")
    spell_volume_ml: float = _f("volume delivered at a lower concentration afterwards (mL)")
    underdose_amount: float = _f("drug missing over that spell (in `unit`)")
    unit: str = _f("drug unit (mg, ug)")
    spell_hours: float | None = _f("length of the spell at the basal rate (h); None without basal flow")
    mixing_fraction: float = _f("fraction of the dead volume over which the front mixes (1)")


# ----- pump: programs and boluses -----
class ProgramChangedPayload(Payload):
    mode: str = _f("program mode (continuous, flex, periodic_bolus, stopped...)")
    daily_dose: float = _f("programmed daily dose (`unit`/day)")
    unit: str = _f("drug unit (mg, ug)")
    rate_ml_per_day: float = _f("basal rate now (mL/day)")
    reason: str | None = _f("why, when the pump changed it itself", None)


class BolusPayload(Payload):
    bolus: str = _f("bolus kind (single, periodic, patient, priming, bridge)")
    dose: float = _f("drug in the bolus (in the drug unit)")
    volume_ml: float = _f("bolus volume (mL)")
    duration_s: float = _f("bolus duration (s)")
    rate_ml_per_day: float = _f("bolus flow rate (mL/day)")
    end_t_s: float = _f("time the bolus ends (s)")


class BolusStartPayload(BolusPayload):
    unit: str = _f("drug unit (mg, ug)")
    old_concentration_per_ml: float | None = _f("bridge bolus: concentration of the old drug in the dead volume (`unit`/mL)", None)


class BolusSkippedPayload(Payload):
    bolus: str = _f("bolus kind (periodic)")
    reason: str = _f("what halts the flow")


class BolusLockoutEndedPayload(Payload):
    lockout_min: float | None = _f("the patient-bolus lockout that ended (min)")


class EnabledPayload(Payload):
    enabled: bool = _f("the feature is on")


class PatientPressesSettingsPayload(Payload):
    enabled: bool = _f("simulated patient presses are on")
    rate_per_day: float = _f("mean presses per day (1/day)")


# ----- pump: refills -----
class _RefillRecord(Payload):
    expected_residual_ml: float = _f("volume the pump calculated was left (mL)")
    aspirated_ml: float = _f("volume aspirated at the refill (mL)")
    discrepancy_ml: float = _f("aspirated - expected (mL)")
    tolerance_ml: float = _f("discrepancy tolerated by the profile (mL)")


class RefillDiscrepancyPayload(_RefillRecord):
    severity: EventSeverity = _f("warning")
    message: str = _f("the discrepancy and its meaning, in words")


class RefillCompletedPayload(_RefillRecord):
    drug: str = _f("drug name")
    unit: str = _f("drug unit (mg, ug)")
    concentration_per_ml: float = _f("concentration filled (`unit`/mL)")
    fill_ml: float = _f("volume filled (mL)")
    reservoir_ml: float = _f("volume in the reservoir after the refill (mL)")
    programmed_reservoir_ml: float = _f("reservoir volume entered in the pump (mL)")


class PocketFillPayload(Payload):
    severity: EventSeverity = _f("critical")
    message: str = _f("what happened, in words")
    pocket_fill_ml: float = _f("volume injected into the pocket (mL)")
    systemic_dose: float = _f("drug injected into the pocket (in `unit`)")
    unit: str = _f("drug unit (mg, ug)")
    conversion: str | None = _f("the intrathecal-to-systemic conversion used (None when not compared)")
    intrathecal_daily_systemic_equivalent: float | None = _f("programmed daily dose as a systemic equivalent (in `unit`)")
    times_daily_systemic_equivalent: float | None = _f("pocket dose / that equivalent (1)")
    missing_reservoir_ml: float = _f("volume missing from the reservoir (mL)")
    admixture_drug: str | None = _f("a mixture's second drug (short name); absent for one drug", None)
    admixture_systemic_dose: float | None = _f("the second drug injected into the pocket (in `admixture_unit`); absent for one drug", None)
    admixture_unit: str | None = _f("the second drug's unit (mg, mcg); absent for one drug", None)


class DoseErrorPayload(Payload):
    severity: EventSeverity = _f("warning (no bridge) or info (bridged)")
    message: str = _f("the error, in words")
    bridged: bool = _f("a bridge bolus keeps the dose")
    dead_volume_ml: float = _f("catheter and pump dead volume (mL)")
    old_amount: float | None = _f("drug the dead volume holds (in `unit`)", None)
    intended_amount: float | None = _f("drug the pump counts it as (in `unit`)", None)
    error_amount: float | None = _f("old - intended (in `unit`); > 0 an over-dose", None)
    error_pct: float | None = _f("error / intended (%)", None)
    unit: str | None = _f("drug unit (mg, ug)", None)
    flush_hours: float | None = _f("time to flush the dead volume at the new rate (h)", None)


# ----- pump: MRI -----
class _Missed(Payload):
    missed_volume_ml: float = _f("volume not delivered during the block (mL)")
    missed_drug: float = _f("drug not delivered during the block (in `unit`)")
    unit: str = _f("drug unit (mg, ug)")


class MriStartedPayload(Payload):
    behaviour: str = _f("the profile's MRI behaviour")
    duration_min: float = _f("scan duration (min)")
    field_t: float = _f("static field (T)")
    override: bool = _f("the clinician overrode the MRI conditions")
    message: str = _f("what happens, in words")
    severity: EventSeverity | None = _f("critical or warning when the flow is affected", None)
    leak_ml: float | None = _f("volume passed before the valve closed (mL)", None)
    recovery_delay_h: float | None = _f("motor stall after the scan (h); 0 none", None)
    telemetry_lock: bool | None = _f("the pump stays in telemetry until interrogated", None)
    alarming: list[str] | None = _f("alarms active when the field switched it to telemetry", None)
    discharge_volume_ml: float | None = _f("volume discharged at once (mL)", None)
    discharge_drug: float | None = _f("drug discharged at once (in `unit`)", None)
    unit: str | None = _f("drug unit (mg, ug)", None)


class MriDischargePayload(Payload):
    severity: EventSeverity = _f("critical")
    volume_ml: float = _f("volume discharged (mL)")
    amounts: dict[str, float] = _f("drug short name -> amount discharged (in `unit`)")
    unit: str = _f("drug unit (mg, ug)")
    message: str = _f("what happened, in words")


class MriResumedPayload(_Missed):
    reason: str = _f("what ended the block")
    message: str = _f("what happened, in words")


class MriEndedPayload(Payload):
    message: str = _f("what happens now, in words")
    missed_volume_ml: float | None = _f("volume not delivered during the scan (mL)", None)
    missed_drug: float | None = _f("drug not delivered during the scan (in `unit`)", None)
    unit: str | None = _f("drug unit (mg, ug)", None)
    recovery_delay_h: float | None = _f("motor stall starting now (h)", None)
    still_closed: bool | None = _f("the flow-activated valve stays closed", None)


class MessagePayload(Payload):
    message: str = _f("what happened, in words")


class MriValveResetPayload(_Missed):
    message: str = _f("what happened, in words")


class PumpInterrogatedPayload(Payload):
    telemetry_ended: bool = _f("the interrogation ended a post-MRI telemetry state")
    flow_blocked: str | None = _f("what still blocks the flow (mri_scan, mri_motor_stall, valve_closed...); None: flowing")
    active_alarms: list[str] = _f("active alarm names")
    calculated_reservoir_ml: float = _f("reservoir volume the pump calculates (mL)")
    message: str = _f("what happened, in words")


# ----- stimulator -----
class ProgramTransmittedPayload(Payload):
    program: str = _f("program name")
    amplitude_ma: float = _f("amplitude (mA)")
    configuration_changed: bool = _f("contacts or waveform differ from the stored program")
    amplitude_reset: bool = _f("the amplitude was reset to 0 mA because the configuration changed")


class ProgramsPayload(Payload):
    programs: list[str] = _f("program names")


class GroupPayload(Payload):
    group: str = _f("group name")
    programs: list[str] = _f("its programs")


class AmplitudeChangePayload(Payload):
    program: str = _f("program name")
    amplitude_ma: float = _f("new amplitude (mA)")
    previous_ma: float = _f("previous amplitude (mA)")
    by: str = _f("patient or clinician")


class ThresholdRecordedPayload(Payload):
    program: str = _f("program name")
    threshold: str = _f("perception or max_tolerable")
    amplitude_ma: float | None = _f("the threshold recorded (mA)")


class MaxTolBypassPayload(Payload):
    program: str = _f("program name")
    enabled: bool = _f("the patient may go above the maximum tolerable amplitude")
    max_tolerable_ma: float | None = _f("the program's maximum tolerable amplitude (mA)")


class PatientLimitsPayload(Payload):
    program: str = _f("program name")
    patient_min_ma: float | None = _f("lowest amplitude the patient may set (mA)")
    patient_max_ma: float | None = _f("highest amplitude the patient may set (mA)")
    rate_locked: bool = _f("the patient may not change the rate")
    pulse_width_locked: bool = _f("the patient may not change the pulse width")
    remote_top_ma: float = _f("top of the remote's amplitude range (mA)")


class PatientStepPayload(Payload):
    program: str = _f("program name")
    parameter: str = _f("parameter stepped (rate_hz, pulse_width_us)")
    value: float = _f("new value (unit of the parameter name)")
    previous: float = _f("previous value (unit of the parameter name)")
    by: str = _f("patient")


class StimulationOnPayload(Payload):
    programs: list[str] = _f("active programs")
    reason: str | None = _f("why it resumed (recharged, mri_off); None: switched on", None)


class StimulationOffPayload(Payload):
    reason: str = _f("user, mri, battery or eos")
    battery_pct: float | None = _f("battery state of charge (%) when the battery stopped it", None)
    threshold_pct: float | None = _f("the threshold crossed (%)", None)


class ProgramCyclingPayload(Payload):
    program: str = _f("program name")
    on_s: float | None = _f("cycle on time (s); None: no cycling")
    off_s: float | None = _f("cycle off time (s); None: no cycling")
    duty: float = _f("fraction of time stimulating (1)")


class ImpedanceCheckPayload(Payload):
    table: list[dict[str, Any]] = _f("one row per contact (contact, ohm, flag...)")
    faults: dict[str, str] = _f("contact -> flag (open, short) of the contacts out of range")


class ImpedanceFaultPayload(Payload):
    contact: str = _f("contact label")
    fault: str = _f("open or short")
    ohm: float = _f("its impedance now (ohm)")


class RechargeStartPayload(Payload):
    battery_pct: float = _f("battery state of charge at the start (%)")
    planned_end_t_s: float = _f("planned end (s); inf when never full")


class RechargeEndPayload(Payload):
    start_t_s: float | None = _f("start of the session (s)")
    end_t_s: float = _f("end of the session (s)")
    hours: float = _f("length of the session (h)")
    from_pct: float | None = _f("state of charge at the start (%)")
    to_pct: float = _f("state of charge at the end (%)")


class ClosedLoopEcapPayload(Payload):
    posture: str = _f("posture now")
    cough: bool = _f("a cough is in progress")
    ecap_closed_uv: float = _f("ECAP with the loop (uV)")
    ecap_open_uv: float = _f("ECAP the open-loop amplitude would give (uV)")
    settled_ecap_closed_uv: float = _f("ECAP once the loop settles (uV)")
    settled_amplitude_ma: float = _f("amplitude once the loop settles (mA)")
    label: str = _f("source label of the loop model")


class ClosedLoopSetPayload(Payload):
    enabled: bool = _f("the loop is on")
    target_uv: float | None = _f("ECAP target (uV)")


class PostureChangePayload(Payload):
    posture: str = _f("new posture")
    previous: str = _f("previous posture")


class DurationPayload(Payload):
    duration_s: float = _f("duration (s)")


class MriCheckedPayload(Payload):
    impedance_ok: bool = _f("no contact out of range")
    battery_pct: float = _f("battery state of charge (%)")


class MriOnPayload(Payload):
    checked: MriCheckedPayload = _f("the checks made when MRI mode was switched on")


class SoftStopPayload(Payload):
    program: str = _f("program name")
    from_ma: float = _f("amplitude at the start of the ramp (mA)")
    ramp_s: float = _f("ramp duration (s)")
    end_t_s: float = _f("end of the ramp (s)")
    charge_uc: float = _f("charge delivered over the ramp (uC)")


class ShortLossPayload(Payload):
    program: str = _f("program name")
    tissue_pct: float = _f("share of the current reaching the tissue (%)")
    lost_pct: float = _f("share lost through the short (%)")
    shorted: list[str] = _f("shorted contacts of the program")
    model: str = _f("source label of the model")


class ComplianceOutOfRangePayload(Payload):
    program: str = _f("program name")
    required_v: float = _f("voltage the set current needs (V)")
    rail_v: float = _f("the stimulator's compliance voltage (V)")
    requested_ma: float = _f("amplitude set (mA)")
    delivered_ma: float = _f("amplitude delivered (mA)")


class SafetyPayload(Payload):
    message: str = _f("the finding, in words")
    value: Any = _f("the value computed (unit of the limit)")
    limit: Any = _f("the limit")
    policy: Literal["refuse", "warn"] = _f("refused or applied with a warning")


# ----- virtual patient (simulator.patient): an approximation for teaching -----
PatientStrength = Literal["nothing", "light", "strong", "uncomfortable"]


class _PatientPayload(Payload):
    label: str = Field(..., pattern=r"^approximation for teaching", description="the model's label, starting 'approximation for teaching' (not a clinical prediction)")


class PatientCathodeThreshold(Payload):
    contact: str = _f("cathode contact label (E1...)")
    level: str = _f("vertebral level the contact lies at (e.g. T9)")
    side: str = _f("left, right or midline of the cord")
    distance_mm: float = _f("effective cord-to-contact distance (mm)")
    threshold_ma: float = _f("current on this contact at perception (mA)")


class PatientProgramThreshold(Payload):
    program: str = _f("program name")
    perception_threshold_ma: float | None = _f("program amplitude at perception (mA); None: no cathode")
    discomfort_threshold_ma: float | None = _f("program amplitude at discomfort (mA); None: no cathode")
    amplitude_ma: float | None = _f("amplitude delivered now (mA; 0 when not stimulating); absent without a cathode", None)
    ratio_to_perception: float | None = _f("amplitude / perception threshold (1); absent without a cathode", None)
    cathodes: list[PatientCathodeThreshold] | None = _f("one entry per cathode; absent without a cathode", None)


class PatientThresholdsPayload(_PatientPayload):
    posture: str = _f("posture the thresholds are computed for")
    programs: list[PatientProgramThreshold] = _f("one entry per active program")


class PatientParesthesiaPayload(_PatientPayload):
    regions: list[str] = _f("body regions where tingling is felt, sorted (e.g. left_foot)")
    coverage_pct: float = _f("pain-weighted share of the pain map those regions cover (%)")


class PatientReliefTargetPayload(_PatientPayload):
    targets_pct: dict[str, float] = _f("painful region -> relief the therapy now aims at (%)")
    tau_s: dict[str, float] = _f("painful region -> time constant of the approach to it (s)")
    therapy: list[str] = _f("therapies giving the targets, sorted (paresthesia, sub_perception, high_frequency, burst; none)")


class PatientResponderPayload(_PatientPayload):
    responder: bool = _f("the pain-weighted relief is now at or above 50 %")
    relief_pct: float = _f("pain-weighted relief at the crossing (%)")
    rule: str = _f("the responder rule, in words")


class PatientReportPayload(_PatientPayload):
    reason: str = _f("what made the patient speak: asked, start, migration, or the stimulator event kind(s), comma-separated")
    feels: bool = _f("the patient feels tingling somewhere")
    where: list[str] = _f("body regions where tingling is felt, sorted")
    strength: dict[str, PatientStrength] = _f("active program -> how strong it feels (nothing, light, strong, uncomfortable)")
    uncomfortable: bool = _f("a program is at or above its discomfort threshold")
    coverage_pct: float = _f("pain-weighted share of the pain map covered by tingling (%)")
    posture: str = _f("posture now")
    text: str = _f("what the patient says, in words")


class PatientDiscomfortPayload(_PatientPayload):
    program: str = _f("program name")
    amplitude_ma: float = _f("amplitude delivered (mA)")
    discomfort_threshold_ma: float = _f("the program's discomfort threshold (mA)")


class PatientLeadMigratedPayload(_PatientPayload):
    lead: int = _f("which lead (1 = the first)")
    distance_mm: float = _f("how far it moved this time (mm)")
    direction: Literal["caudal", "rostral"] = _f("caudal or rostral")
    random: bool = _f("a seeded random migration (False: injected by an action)")
    top_level_before: str = _f("vertebral level of the top contact before (e.g. T8)")
    top_level_after: str = _f("vertebral level of the top contact after")
    migrated_mm: float = _f("total shift from the implanted position, + caudal (mm)")


class PatientDiaryPayload(_PatientPayload):
    day: int = _f("diary entry number (1 = the first)")
    nrs: float = _f("pain score the patient writes (NRS 0-10, with day-to-day noise, one decimal)")
    model_nrs: float = _f("the model's pain score without noise (NRS 0-10)")
    nrs_by_region: dict[str, float] = _f("painful region -> its pain score (NRS)")


class PatientTrialVerdictPayload(_PatientPayload):
    baseline_nrs: float = _f("pain score before therapy (NRS 0-10)")
    diary_mean_nrs: float | None = _f("mean diary pain score over the trial (NRS); None without entries")
    days: int = _f("diary entries in the trial")
    relief_pct: float = _f("1 - mean diary NRS / baseline NRS (%)")
    passed: bool = _f("relief >= 50 %")
    rule: str = _f("the pass rule, in words")


# ----- intrathecal patient (simulator/patient/it_device.py): approximation for teaching -----
PatientGrade = Literal["none", "mild", "moderate", "severe"]


class PatientDrugInputPayload(_PatientPayload):
    rates_per_day: dict[str, float] = _f("drug short name -> drug leaving the catheter (its unit/day)")
    to_csf_per_day: dict[str, float] = _f("drug short name -> drug reaching the CSF (its unit/day)")
    to_tissue_per_day: dict[str, float] = _f("drug short name -> drug going into tissue, the systemic route (its unit/day)")
    units: dict[str, str] = _f("drug short name -> unit (mg, mcg)")
    catheter: str = _f("catheter state (patent, occlusion, kink_open, kink_closed, disconnection, migration, csf_leak, mass)")


class PatientSignPayload(_PatientPayload):
    sign: str = _f("sign (sedation, respiratory_depression, pruritus, nausea, hypotension, motor_block, neuropsychiatric, headache, pain, spasticity)")
    grade: PatientGrade = _f("grade now")
    previous_grade: PatientGrade = _f("grade before")
    index: float = _f("the sign's index at the crossing (0..1; pain: NRS 0-10; spasticity: Ashworth 0-4)")
    severity: EventSeverity = _f("info, warning or critical")
    text: str = _f("what the nurse observes, in words")


class PatientWithdrawalPayload(_PatientPayload):
    drug: str = _f("drug short name(s) of this picture the patient has had, joined with '+' (opioids cross-substitute)")
    picture: str = _f("withdrawal picture (baclofen, opioid, clonidine)")
    stage: PatientGrade = _f("stage now")
    previous_stage: PatientGrade = _f("stage before")
    index: float = _f("withdrawal index w = 1 - lagged / slow exposure at the crossing (0..1)")
    severity: EventSeverity = _f("info, warning or critical")
    cause: str = _f("what stopped the drug, as far as the patient model knows (pump stopped, reservoir empty, catheter fault...)")
    signs: list[str] = _f("signs of this stage")
    text: str = _f("the stage in words")


class PatientCatheterPayload(_PatientPayload):
    fault: str = _f("catheter state now (patent, occlusion, kink_open, kink_closed, disconnection, migration, csf_leak, mass)")
    previous: str = _f("catheter state before")
    to_csf_fraction: float = _f("share of the pumped drug reaching the CSF (0..1)")
    to_tissue_fraction: float = _f("share going into tissue (0..1)")
    retained_fraction: float = _f("share held back in the catheter and reservoir (0..1)")
    random: bool = _f("a seeded random event (False: injected by an action)")
    text: str = _f("what happened, in words")


class PatientWorkupPayload(_PatientPayload):
    test: str = _f("cap_aspiration, contrast_study, rotor_study, refill_discrepancy, mri, or trial (the assessment after a trial bolus)")
    result: str = _f("short result code (e.g. csf_aspirated, no_aspirate, patent, leak, disconnection, mass, moves, stalled)")
    findings: dict[str, Any] = _f("figures of the test (volumes in mL)")
    text: str = _f("the result in words")


class PatientItReportPayload(_PatientPayload):
    reason: str = _f("asked, or what made the patient speak")
    nrs: float = _f("pain score (NRS 0-10)")
    ashworth: float | None = _f("modified Ashworth score (0-4, 1+ = 1.5); None without spasticity")
    ashworth_grade: str | None = _f("the score as the scale writes it (0, 1, 1+, 2, 3, 4)")
    signs: dict[str, float] = _f("sign -> index (0..1)")
    withdrawal: dict[str, str] = _f("withdrawal picture (baclofen, opioid, clonidine) -> stage")
    says: str = _f("what the patient says")
    nurse_observes: str = _f("what the nurse observes")
