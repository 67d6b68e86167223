"""Every event kind in one place: its name, its payload model and one line on what it means.

An event record is (seq, t_s, device, kind, payload); see `simulator.events`. This module is the
only place a kind's name is written: emitters and readers use the constants of `K`
(`self.emit(K.FLOW_STOPPED, reason=...)`, `results.events_where(dev, K.ALARM_RAISED)`), and a
test (tests/foundation/test_typed_events.py) fails when a kind's string is written anywhere else
in `simulator/` or `gui/` (a dotted kind anywhere; `action`, `refusal`, `warning`, `pocket_fill`,
which are also ordinary words, where a kind is expected).

Payloads stay plain dicts on the hot path: validating the 14,927 events of the ten-year
benchmark run takes about 37 ms, 7 % of its 510 ms, where the benchmark target has a few per
cent of margin. The models here check them:
- in the tests: the suite runs with the check below switched on (tests/conftest.py), and
  test_typed_events runs every bundled scenario and exercise attempt and validates every event;
- at run time when the environment variable NEUROMOD_SIM_CHECK_EVENTS is set to 1 (each emit is
  validated; a payload that does not match raises `EventPayloadError`);
- `neuromod-sim schema events` prints each kind's JSON Schema.

Payload models forbid undeclared fields, so a new field must be declared here first. Field names
are the ones the results files have always used; where a name has no unit (`dose`,
`daily_dose`, `old_amount`...), the amount is in the drug's unit, given by the payload's `unit`
field, and the field's description says so.

Adding a kind: write its payload model, then one line in `K`:
`NEW_THING = register_kind("new.thing", NewThing, "what happened")`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


# ----- the registry -----
@dataclass(frozen=True)
class EventKind:
    """One kind: `name` as in events.jsonl, its payload model, one line on what it means.
    `emitted` False: a name used only as a count in summaries, never as an event."""

    name: str
    payload: type[Payload]
    description: str
    emitted: bool = True


REGISTRY: dict[str, EventKind] = {}


def register_kind(name: str, payload: type[Payload], description: str, emitted: bool = True) -> str:
    """Register a kind (returns its name, for a constant); ValueError when it exists. Plug-in
    devices register theirs this way."""
    if name in REGISTRY:
        raise ValueError(f"event kind {name!r} registered twice")
    REGISTRY[name] = EventKind(name, payload, description, emitted)
    return name


class K:
    """The event kinds. Use these constants; never write a kind's string elsewhere."""

    # the run (device "sim")
    SIM_START = register_kind("sim.start", SimStartPayload, "the run started")
    SIM_END = register_kind("sim.end", EmptyPayload, "the run reached its end")
    SUBSCRIBER_DETACHED = register_kind("sim.subscriber_detached", SubscriberDetachedPayload, "a view subscribed to the event stream raised and was detached")
    # every device
    ACTION = register_kind("action", ActionPayload, "a programming or patient action is being applied")
    REFUSAL = register_kind("refusal", RefusalPayload, "an action was refused; the payload names the limit")
    WARNING = register_kind("warning", WarningPayload, "a warning: an action applied despite a finding, or a condition the clinician should know")
    OVERRIDE = register_kind("override", OverridePayload, "an action applied past a warned drug-library limit that the user confirmed")
    ALARM_RAISED = register_kind("alarm.raised", AlarmRaisedPayload, "an alarm condition started")
    ALARM_REPEAT = register_kind("alarm.repeat", AlarmRepeatPayload, "one repeat of an alarm's tone: counted under this name in summaries, never emitted (see alarm.repeats)", emitted=False)
    ALARM_REPEATS = register_kind("alarm.repeats", AlarmRepeatsPayload, "repeats of an alarm's tone, coalesced: count repeats from first_t_s every interval_s")
    ALARM_ACKNOWLEDGED = register_kind("alarm.acknowledged", AlarmAcknowledgedPayload, "an alarm was acknowledged (its tone stops; the condition may remain)")
    ALARM_CLEARED = register_kind("alarm.cleared", AlarmClearedPayload, "an alarm condition ended")
    BATTERY_LOW = register_kind("battery.low", BatteryPayload, "the battery crossed its low threshold")
    BATTERY_ERI = register_kind("battery.eri", BatteryEriPayload, "elective replacement indicator reached")
    BATTERY_EOS = register_kind("battery.eos", BatteryPayload, "end of service: the device stopped for its battery")
    MRI_ON = register_kind("mri.on", MriOnPayload, "stimulator MRI mode switched on")
    MRI_OFF = register_kind("mri.off", EmptyPayload, "stimulator MRI mode switched off")
    # pump
    FLOW_STOPPED = register_kind("flow.stopped", FlowReasonPayload, "the pump stopped delivering drug")
    FLOW_RESUMED = register_kind("flow.resumed", FlowReasonPayload, "the pump delivers drug again")
    FLOW_CHANGED = register_kind("flow.changed", FlowChangedPayload, "a gas-driven pump's flow changed with temperature or pressure")
    RESERVOIR_EMPTY = register_kind("reservoir.empty", ReservoirEmptyPayload, "the reservoir is really empty")
    DEAD_VOLUME_TIP_CHANGE = register_kind("dead_volume.tip_change", DeadVolumeTipChangePayload, "different fluid reached the catheter tip")
    PRIMING_MIXING = register_kind("priming.mixing", PrimingMixingPayload, "a priming bolus's drug front mixes with the fluid ahead (early dose, then under-dose)")
    PROGRAM_CHANGED = register_kind("program.changed", ProgramChangedPayload, "the pump's dosing program changed")
    BOLUS_START = register_kind("bolus.start", BolusStartPayload, "a bolus started")
    BOLUS_END = register_kind("bolus.end", BolusPayload, "a bolus ended")
    BOLUS_SKIPPED = register_kind("bolus.skipped", BolusSkippedPayload, "a scheduled bolus was skipped because the flow is halted")
    BOLUS_LOCKOUT_ENDED = register_kind("bolus.lockout_ended", BolusLockoutEndedPayload, "the patient-bolus lockout ended")
    PATIENT_BOLUS_SETTINGS = register_kind("patient_bolus.settings", EnabledPayload, "patient-bolus settings programmed")
    PATIENT_PRESSES_SETTINGS = register_kind("patient_presses.settings", PatientPressesSettingsPayload, "simulated patient presses switched on or off")
    REFILL_DISCREPANCY = register_kind("refill.discrepancy", RefillDiscrepancyPayload, "the aspirated volume differs from the expected residual beyond tolerance")
    REFILL_COMPLETED = register_kind("refill.completed", RefillCompletedPayload, "a refill was done")
    POCKET_FILL = register_kind("pocket_fill", PocketFillPayload, "part of a refill went into the subcutaneous pocket")
    DOSE_ERROR_CONCENTRATION_CHANGE = register_kind("dose_error.concentration_change", DoseErrorPayload, "a concentration change doses the dead volume's old drug at the new rate")
    MRI_STARTED = register_kind("mri.started", MriStartedPayload, "an MRI scan started (pump)")
    MRI_DISCHARGE = register_kind("mri.discharge", MriDischargePayload, "the field opened the valves: the reservoir emptied into the patient")
    MRI_RESUMED = register_kind("mri.resumed", MriResumedPayload, "flow resumed after an MRI block")
    MRI_ENDED = register_kind("mri.ended", MriEndedPayload, "an MRI scan ended (pump)")
    MRI_MOTOR_RECOVERED = register_kind("mri.motor_recovered", MessagePayload, "the motor turns again after a post-MRI stall")
    MRI_VALVE_RESET = register_kind("mri.valve_reset", MriValveResetPayload, "the flow-activated valve was reset after an MRI")
    PUMP_INTERROGATED = register_kind("pump.interrogated", PumpInterrogatedPayload, "the pump was interrogated")
    # stimulator
    BATTERY_STIMULATION_OFF = register_kind("battery.stimulation_off", BatteryStimulationOffPayload, "the battery is too low to stimulate")
    BATTERY_DEPLETED = register_kind("battery.depleted", BatteryStimulationOffPayload, "the battery is empty")
    PROGRAM_TRANSMITTED = register_kind("program.transmitted", ProgramTransmittedPayload, "a program was transmitted to the stimulator")
    PROGRAM_SELECTED = register_kind("program.selected", ProgramsPayload, "programs selected as active")
    GROUP_STORED = register_kind("group.stored", GroupPayload, "a program group was stored")
    GROUP_SELECTED = register_kind("group.selected", GroupPayload, "a program group was made active")
    AMPLITUDE_CHANGE = register_kind("amplitude.change", AmplitudeChangePayload, "a program's amplitude changed")
    PROGRAM_THRESHOLD_RECORDED = register_kind("program.threshold_recorded", ThresholdRecordedPayload, "a perception or maximum tolerable threshold was recorded")
    PATIENT_MAXTOL_BYPASS = register_kind("patient.maxtol_bypass", MaxTolBypassPayload, "the maximum tolerable amplitude bypass was switched")
    PATIENT_LIMITS = register_kind("patient.limits", PatientLimitsPayload, "the patient's limits of a program were set")
    PATIENT_STEP = register_kind("patient.step", PatientStepPayload, "the patient stepped a program parameter")
    STIMULATION_ON = register_kind("stimulation.on", StimulationOnPayload, "stimulation started")
    STIMULATION_OFF = register_kind("stimulation.off", StimulationOffPayload, "stimulation stopped")
    STIMULATION_SOFT_STOP = register_kind("stimulation.soft_stop", SoftStopPayload, "a program ramps down (soft stop)")
    STIMULATION_SHORT_LOSS = register_kind("stimulation.short_loss", ShortLossPayload, "a program loses current through a shorted contact")
    PROGRAM_CYCLING = register_kind("program.cycling", ProgramCyclingPayload, "a program's cycling was set")
    IMPEDANCE_CHECK = register_kind("impedance.check", ImpedanceCheckPayload, "an impedance check was run")
    IMPEDANCE_FAULT = register_kind("impedance.fault", ImpedanceFaultPayload, "an impedance fault was injected on a contact")
    RECHARGE_START = register_kind("recharge.start", RechargeStartPayload, "a recharge session started")
    RECHARGE_END = register_kind("recharge.end", RechargeEndPayload, "a recharge session ended")
    CLOSED_LOOP_ECAP = register_kind("closed_loop.ecap", ClosedLoopEcapPayload, "the closed loop's ECAP changed (posture, cough)")
    CLOSED_LOOP_SET = register_kind("closed_loop.set", ClosedLoopSetPayload, "the closed loop was switched or retargeted")
    POSTURE_CHANGE = register_kind("posture.change", PostureChangePayload, "the patient changed posture")
    COUGH_START = register_kind("cough.start", DurationPayload, "the patient coughs")
    COUGH_END = register_kind("cough.end", EmptyPayload, "the cough is over")
    COMPLIANCE_OUT_OF_RANGE = register_kind("compliance.out_of_range", ComplianceOutOfRangePayload, "a program cannot reach its set current (compliance voltage)")
    SAFETY_CHARGE_DENSITY = register_kind("safety.charge_density", SafetyPayload, "a program's charge density reached the profile's limit")
    SAFETY_SHANNON_K = register_kind("safety.shannon_k", SafetyPayload, "a program's Shannon k reached the profile's limit")
    SAFETY_PATIENT_RANGE = register_kind("safety.patient_range", SafetyPayload, "an amplitude beyond the patient's range")
    # virtual patient (an approximation for teaching)
    PATIENT_THRESHOLDS = register_kind("patient.thresholds", PatientThresholdsPayload, "the virtual patient's perception and discomfort thresholds changed")
    PATIENT_PARESTHESIA = register_kind("patient.paresthesia", PatientParesthesiaPayload, "where the virtual patient feels tingling, or its coverage of the pain map, changed")
    PATIENT_RELIEF_TARGET = register_kind("patient.relief_target", PatientReliefTargetPayload, "the relief the therapy aims at changed (relief approaches it exponentially)")
    PATIENT_RESPONDER = register_kind("patient.responder", PatientResponderPayload, "the pain-weighted relief crossed 50 % (responder or no longer)")
    PATIENT_REPORT = register_kind("patient.report", PatientReportPayload, "what the virtual patient says it feels (after a program change, a migration, or when asked)")
    PATIENT_DISCOMFORT = register_kind("patient.discomfort", PatientDiscomfortPayload, "a program is at or above the virtual patient's discomfort threshold")
    PATIENT_LEAD_MIGRATED = register_kind("patient.lead_migrated", PatientLeadMigratedPayload, "a lead moved along the spine")
    PATIENT_DIARY = register_kind("patient.diary", PatientDiaryPayload, "one day's pain diary entry")
    PATIENT_TRIAL_VERDICT = register_kind("patient.trial_verdict", PatientTrialVerdictPayload, "the trial's pass or fail by the >= 50 % relief rule")
    # the intrathecal patient (approximation for teaching)
    PATIENT_DRUG_INPUT = register_kind("patient.drug_input", PatientDrugInputPayload, "what the catheter delivers into the CSF and into tissue changed")
    PATIENT_SIGN = register_kind("patient.sign", PatientSignPayload, "an intrathecal patient's sign changed grade (sedation, respiratory depression, pruritus...)")
    PATIENT_WITHDRAWAL = register_kind("patient.withdrawal", PatientWithdrawalPayload, "a drug withdrawal changed stage (none, mild, moderate, severe)")
    PATIENT_CATHETER = register_kind("patient.catheter", PatientCatheterPayload, "the intrathecal catheter's state changed (a fault, a kink opening or closing, a repair)")
    PATIENT_WORKUP = register_kind("patient.workup", PatientWorkupPayload, "the result of a work-up test (port aspiration, contrast, rotor study, refill discrepancy, MRI)")
    PATIENT_IT_REPORT = register_kind("patient.it_report", PatientItReportPayload, "what the intrathecal patient says and the nurse observes")
    # drug mixtures (pump/admixture.py)
    DEAD_VOLUME_ADMIXTURE_TIP_CHANGE = register_kind(
        "dead_volume.admixture_tip_change", DeadVolumeTipChangePayload, "a mixture's second drug changed at the catheter tip (another concentration, or none)")


# ----- checking -----
class EventPayloadError(ValueError):
    """An event whose kind is not registered or whose payload does not match its model."""


def validate_payload(kind: str, payload: dict[str, Any]) -> Payload:
    """The payload as its kind's model; EventPayloadError when the kind is unknown, never
    emitted, or the payload does not match."""
    spec = REGISTRY.get(kind)
    if spec is None:
        raise EventPayloadError(f"unregistered event kind {kind!r}: add it to simulator/event_kinds.py")
    if not spec.emitted:
        raise EventPayloadError(f"event kind {kind!r} is a summary count, never an event")
    try:
        return spec.payload.model_validate(payload)
    except ValidationError as exc:
        raise EventPayloadError(f"payload of {kind!r} does not match {spec.payload.__name__}: {exc}") from None


def payload_schemas() -> dict[str, Any]:
    """kind -> {"description", "emitted", "payload": JSON Schema of its payload}, sorted by kind."""
    return {
        name: {"description": spec.description, "emitted": spec.emitted, "payload": spec.payload.model_json_schema()}
        for name, spec in sorted(REGISTRY.items())
    }
