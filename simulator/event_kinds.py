"""Every event kind in one place: its name, its payload model and one line on what it means.

An event record is (seq, t_s, device, kind, payload); see `simulator.events`. This module is the
only place a kind's name is written: emitters and readers use the constants of `K`
(`self.emit(K.FLOW_STOPPED, reason=...)`, `results.events_where(dev, K.ALARM_RAISED)`), and a
test (tests/foundation/test_typed_events.py) fails when a kind's string is written anywhere else
in `simulator/` or `gui/` (a dotted kind anywhere; `action`, `refusal`, `warning`, `pocket_fill`,
which are also ordinary words, where a kind is expected).

Payloads stay plain dicts on the hot path: validating the 14,927 events of the ten-year
benchmark run takes about 37 ms, 7 % of its 510 ms. The payload models, in
`simulator.event_payloads` (named here, imported on first use), check them:
- in the tests: the suite runs with the check below switched on (tests/conftest.py), and
  test_typed_events runs every bundled scenario and exercise attempt and validates every event;
- at run time when the environment variable NEUROMOD_SIM_CHECK_EVENTS is set to 1 (each emit is
  validated; a payload that does not match raises `EventPayloadError`);
- `neuromod-sim schema events` prints each kind's JSON Schema.

Adding a kind: write its payload model in `simulator.event_payloads`, then one line in `K`:
`NEW_THING = register_kind("new.thing", "NewThingPayload", "what happened")`. A plug-in device
may give its payload class itself instead of a name.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.event_payloads import Payload

#: the module holding the payload models named in `register_kind` (imported on first use)
PAYLOADS_MODULE = "simulator.event_payloads"



# ----- the registry -----
@dataclass(frozen=True)
class EventKind:
    """One kind: `name` as in events.jsonl, its payload model (a class, or the name of a class in
    `simulator.event_payloads`), one line on what it means. `emitted` False: a name used only as
    a count in summaries, never as an event."""

    name: str
    payload_model: type[Payload] | str
    description: str
    emitted: bool = True

    @property
    def payload(self) -> type[Payload]:
        """The payload model class (a named one is imported on first use)."""
        model = self.payload_model
        if isinstance(model, str):
            found: type[Payload] = getattr(importlib.import_module(PAYLOADS_MODULE), model)
            return found
        return model


REGISTRY: dict[str, EventKind] = {}


def register_kind(name: str, payload: type[Payload] | str, description: str, emitted: bool = True) -> str:
    """Register a kind (returns its name, for a constant); ValueError when it exists. `payload`:
    the payload model class, or the name of one in `simulator.event_payloads`. Plug-in devices
    register theirs this way."""
    if name in REGISTRY:
        raise ValueError(f"event kind {name!r} registered twice")
    REGISTRY[name] = EventKind(name, payload, description, emitted)
    return name


class K:
    """The event kinds. Use these constants; never write a kind's string elsewhere."""

    # the run (device "sim")
    SIM_START = register_kind("sim.start", "SimStartPayload", "the run started")
    SIM_END = register_kind("sim.end", "EmptyPayload", "the run reached its end")
    SUBSCRIBER_DETACHED = register_kind("sim.subscriber_detached", "SubscriberDetachedPayload", "a view subscribed to the event stream raised and was detached")
    # every device
    ACTION = register_kind("action", "ActionPayload", "a programming or patient action is being applied")
    REFUSAL = register_kind("refusal", "RefusalPayload", "an action was refused; the payload names the limit")
    WARNING = register_kind("warning", "WarningPayload", "a warning: an action applied despite a finding, or a condition the clinician should know")
    OVERRIDE = register_kind("override", "OverridePayload", "an action applied past a warned drug-library limit that the user confirmed")
    ALARM_RAISED = register_kind("alarm.raised", "AlarmRaisedPayload", "an alarm condition started")
    ALARM_REPEAT = register_kind("alarm.repeat", "AlarmRepeatPayload", "one repeat of an alarm's tone: counted under this name in summaries, never emitted (see alarm.repeats)", emitted=False)
    ALARM_REPEATS = register_kind("alarm.repeats", "AlarmRepeatsPayload", "repeats of an alarm's tone, coalesced: count repeats from first_t_s every interval_s")
    ALARM_ACKNOWLEDGED = register_kind("alarm.acknowledged", "AlarmAcknowledgedPayload", "an alarm was acknowledged (its tone stops; the condition may remain)")
    ALARM_CLEARED = register_kind("alarm.cleared", "AlarmClearedPayload", "an alarm condition ended")
    BATTERY_LOW = register_kind("battery.low", "BatteryPayload", "the battery crossed its low threshold")
    BATTERY_ERI = register_kind("battery.eri", "BatteryEriPayload", "elective replacement indicator reached")
    BATTERY_EOS = register_kind("battery.eos", "BatteryPayload", "end of service: the device stopped for its battery")
    MRI_ON = register_kind("mri.on", "MriOnPayload", "stimulator MRI mode switched on")
    MRI_OFF = register_kind("mri.off", "EmptyPayload", "stimulator MRI mode switched off")
    # pump
    FLOW_STOPPED = register_kind("flow.stopped", "FlowReasonPayload", "the pump stopped delivering drug")
    FLOW_RESUMED = register_kind("flow.resumed", "FlowReasonPayload", "the pump delivers drug again")
    FLOW_CHANGED = register_kind("flow.changed", "FlowChangedPayload", "a gas-driven pump's flow changed with temperature or pressure")
    RESERVOIR_EMPTY = register_kind("reservoir.empty", "ReservoirEmptyPayload", "the reservoir is really empty")
    DEAD_VOLUME_TIP_CHANGE = register_kind("dead_volume.tip_change", "DeadVolumeTipChangePayload", "different fluid reached the catheter tip")
    PRIMING_MIXING = register_kind("priming.mixing", "PrimingMixingPayload", "a priming bolus's drug front mixes with the fluid ahead (early dose, then under-dose)")
    PROGRAM_CHANGED = register_kind("program.changed", "ProgramChangedPayload", "the pump's dosing program changed")
    BOLUS_START = register_kind("bolus.start", "BolusStartPayload", "a bolus started")
    BOLUS_END = register_kind("bolus.end", "BolusPayload", "a bolus ended")
    BOLUS_SKIPPED = register_kind("bolus.skipped", "BolusSkippedPayload", "a scheduled bolus was skipped because the flow is halted")
    BOLUS_LOCKOUT_ENDED = register_kind("bolus.lockout_ended", "BolusLockoutEndedPayload", "the patient-bolus lockout ended")
    PATIENT_BOLUS_SETTINGS = register_kind("patient_bolus.settings", "EnabledPayload", "patient-bolus settings programmed")
    PATIENT_PRESSES_SETTINGS = register_kind("patient_presses.settings", "PatientPressesSettingsPayload", "simulated patient presses switched on or off")
    REFILL_DISCREPANCY = register_kind("refill.discrepancy", "RefillDiscrepancyPayload", "the aspirated volume differs from the expected residual beyond tolerance")
    REFILL_COMPLETED = register_kind("refill.completed", "RefillCompletedPayload", "a refill was done")
    POCKET_FILL = register_kind("pocket_fill", "PocketFillPayload", "part of a refill went into the subcutaneous pocket")
    DOSE_ERROR_CONCENTRATION_CHANGE = register_kind("dose_error.concentration_change", "DoseErrorPayload", "a concentration change doses the dead volume's old drug at the new rate")
    MRI_STARTED = register_kind("mri.started", "MriStartedPayload", "an MRI scan started (pump)")
    MRI_DISCHARGE = register_kind("mri.discharge", "MriDischargePayload", "the field opened the valves: the reservoir emptied into the patient")
    MRI_RESUMED = register_kind("mri.resumed", "MriResumedPayload", "flow resumed after an MRI block")
    MRI_ENDED = register_kind("mri.ended", "MriEndedPayload", "an MRI scan ended (pump)")
    MRI_MOTOR_RECOVERED = register_kind("mri.motor_recovered", "MessagePayload", "the motor turns again after a post-MRI stall")
    MRI_VALVE_RESET = register_kind("mri.valve_reset", "MriValveResetPayload", "the flow-activated valve was reset after an MRI")
    PUMP_INTERROGATED = register_kind("pump.interrogated", "PumpInterrogatedPayload", "the pump was interrogated")
    # stimulator
    BATTERY_STIMULATION_OFF = register_kind("battery.stimulation_off", "BatteryStimulationOffPayload", "the battery is too low to stimulate")
    BATTERY_DEPLETED = register_kind("battery.depleted", "BatteryStimulationOffPayload", "the battery is empty")
    PROGRAM_TRANSMITTED = register_kind("program.transmitted", "ProgramTransmittedPayload", "a program was transmitted to the stimulator")
    PROGRAM_SELECTED = register_kind("program.selected", "ProgramsPayload", "programs selected as active")
    GROUP_STORED = register_kind("group.stored", "GroupPayload", "a program group was stored")
    GROUP_SELECTED = register_kind("group.selected", "GroupPayload", "a program group was made active")
    AMPLITUDE_CHANGE = register_kind("amplitude.change", "AmplitudeChangePayload", "a program's amplitude changed")
    PROGRAM_THRESHOLD_RECORDED = register_kind("program.threshold_recorded", "ThresholdRecordedPayload", "a perception or maximum tolerable threshold was recorded")
    PATIENT_MAXTOL_BYPASS = register_kind("patient.maxtol_bypass", "MaxTolBypassPayload", "the maximum tolerable amplitude bypass was switched")
    PATIENT_LIMITS = register_kind("patient.limits", "PatientLimitsPayload", "the patient's limits of a program were set")
    PATIENT_STEP = register_kind("patient.step", "PatientStepPayload", "the patient stepped a program parameter")
    STIMULATION_ON = register_kind("stimulation.on", "StimulationOnPayload", "stimulation started")
    STIMULATION_OFF = register_kind("stimulation.off", "StimulationOffPayload", "stimulation stopped")
    STIMULATION_SOFT_STOP = register_kind("stimulation.soft_stop", "SoftStopPayload", "a program ramps down (soft stop)")
    STIMULATION_SHORT_LOSS = register_kind("stimulation.short_loss", "ShortLossPayload", "a program loses current through a shorted contact")
    PROGRAM_CYCLING = register_kind("program.cycling", "ProgramCyclingPayload", "a program's cycling was set")
    IMPEDANCE_CHECK = register_kind("impedance.check", "ImpedanceCheckPayload", "an impedance check was run")
    IMPEDANCE_FAULT = register_kind("impedance.fault", "ImpedanceFaultPayload", "an impedance fault was injected on a contact")
    RECHARGE_START = register_kind("recharge.start", "RechargeStartPayload", "a recharge session started")
    RECHARGE_END = register_kind("recharge.end", "RechargeEndPayload", "a recharge session ended")
    CLOSED_LOOP_ECAP = register_kind("closed_loop.ecap", "ClosedLoopEcapPayload", "the closed loop's ECAP changed (posture, cough)")
    CLOSED_LOOP_SET = register_kind("closed_loop.set", "ClosedLoopSetPayload", "the closed loop was switched or retargeted")
    POSTURE_CHANGE = register_kind("posture.change", "PostureChangePayload", "the patient changed posture")
    COUGH_START = register_kind("cough.start", "DurationPayload", "the patient coughs")
    COUGH_END = register_kind("cough.end", "EmptyPayload", "the cough is over")
    COMPLIANCE_OUT_OF_RANGE = register_kind("compliance.out_of_range", "ComplianceOutOfRangePayload", "a program cannot reach its set current (compliance voltage)")
    SAFETY_CHARGE_DENSITY = register_kind("safety.charge_density", "SafetyPayload", "a program's charge density reached the profile's limit")
    SAFETY_SHANNON_K = register_kind("safety.shannon_k", "SafetyPayload", "a program's Shannon k reached the profile's limit")
    SAFETY_PATIENT_RANGE = register_kind("safety.patient_range", "SafetyPayload", "an amplitude beyond the patient's range")
    # virtual patient (an approximation for teaching)
    PATIENT_THRESHOLDS = register_kind("patient.thresholds", "PatientThresholdsPayload", "the virtual patient's perception and discomfort thresholds changed")
    PATIENT_PARESTHESIA = register_kind("patient.paresthesia", "PatientParesthesiaPayload", "where the virtual patient feels tingling, or its coverage of the pain map, changed")
    PATIENT_RELIEF_TARGET = register_kind("patient.relief_target", "PatientReliefTargetPayload", "the relief the therapy aims at changed (relief approaches it exponentially)")
    PATIENT_RESPONDER = register_kind("patient.responder", "PatientResponderPayload", "the pain-weighted relief crossed 50 % (responder or no longer)")
    PATIENT_REPORT = register_kind("patient.report", "PatientReportPayload", "what the virtual patient says it feels (after a program change, a migration, or when asked)")
    PATIENT_DISCOMFORT = register_kind("patient.discomfort", "PatientDiscomfortPayload", "a program is at or above the virtual patient's discomfort threshold")
    PATIENT_LEAD_MIGRATED = register_kind("patient.lead_migrated", "PatientLeadMigratedPayload", "a lead moved along the spine")
    PATIENT_DIARY = register_kind("patient.diary", "PatientDiaryPayload", "one day's pain diary entry")
    PATIENT_TRIAL_VERDICT = register_kind("patient.trial_verdict", "PatientTrialVerdictPayload", "the trial's pass or fail by the >= 50 % relief rule")
    # the intrathecal patient (approximation for teaching)
    PATIENT_DRUG_INPUT = register_kind("patient.drug_input", "PatientDrugInputPayload", "what the catheter delivers into the CSF and into tissue changed")
    PATIENT_SIGN = register_kind("patient.sign", "PatientSignPayload", "an intrathecal patient's sign changed grade (sedation, respiratory depression, pruritus...)")
    PATIENT_WITHDRAWAL = register_kind("patient.withdrawal", "PatientWithdrawalPayload", "a drug withdrawal changed stage (none, mild, moderate, severe)")
    PATIENT_CATHETER = register_kind("patient.catheter", "PatientCatheterPayload", "the intrathecal catheter's state changed (a fault, a kink opening or closing, a repair)")
    PATIENT_WORKUP = register_kind("patient.workup", "PatientWorkupPayload", "the result of a work-up test (port aspiration, contrast, rotor study, refill discrepancy, MRI)")
    PATIENT_IT_REPORT = register_kind("patient.it_report", "PatientItReportPayload", "what the intrathecal patient says and the nurse observes")
    # drug mixtures (pump/admixture.py)
    DEAD_VOLUME_ADMIXTURE_TIP_CHANGE = register_kind(
        "dead_volume.admixture_tip_change", "DeadVolumeTipChangePayload", "a mixture's second drug changed at the catheter tip (another concentration, or none)")


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
    from pydantic import ValidationError

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
