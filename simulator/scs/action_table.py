"""The stimulator's action table: action name -> ActionSpec(parameters, effect, check, doc).

The effects are in `actions.py`, the checks in `checks.py` (None: the action has nothing to check).
The order is the one `neuromod-sim schema` lists; `StimulatorDevice.ACTIONS` is derived from it.
"""
from __future__ import annotations

from simulator.device import ActionSpec
from simulator.scs import actions as act
from simulator.scs import checks as chk
from simulator.scs.settings import (
    AckParams, AmplitudeStep, ClosedLoopParams, InjectFault, MaxTolBypass, MriParams, NoParams, PatientStep, PostureParams, Recharge,
    RecordThreshold, SelectGroup, SelectProgram, SetAmplitude, SetCycling, SetGroup, SetPatientLimits, SetProgram,
)

ACTION_TABLE: dict[str, ActionSpec] = {
    "set_program": ActionSpec(SetProgram, act.apply_set_program, chk.check_set_program, "store (or replace) a program, optionally run it alone"),
    "select_program": ActionSpec(SelectProgram, act.apply_select_program, chk.check_select_program, "run one program or several interleaved"),
    "amplitude_up": ActionSpec(AmplitudeStep, act.apply_amplitude_up, chk.check_amplitude_up, "patient remote: amplitude up by profile steps"),
    "amplitude_down": ActionSpec(AmplitudeStep, act.apply_amplitude_down, chk.check_amplitude_down, "patient remote: amplitude down by profile steps"),
    "set_amplitude": ActionSpec(SetAmplitude, act.apply_set_amplitude, chk.check_set_amplitude, "clinician: set a program's amplitude, mA"),
    "stimulation_on": ActionSpec(NoParams, act.apply_stimulation_on, chk.check_stimulation_on, "turn stimulation on"),
    "stimulation_off": ActionSpec(NoParams, act.apply_stimulation_off, None, "turn stimulation off (soft stop)"),
    "set_cycling": ActionSpec(SetCycling, act.apply_set_cycling, chk.check_set_cycling, "cycling on/off times and soft start/stop, s"),
    "impedance_check": ActionSpec(NoParams, act.apply_impedance_check, None, "measure every contact's impedance"),
    "inject_impedance_fault": ActionSpec(InjectFault, act.apply_inject_impedance_fault, chk.check_inject_impedance_fault,
                                         "teaching: make a contact open or shorted (or clear it)"),
    "recharge": ActionSpec(Recharge, act.apply_recharge, chk.check_recharge, "charge a rechargeable cell for a time or until full"),
    "posture": ActionSpec(PostureParams, act.apply_posture, None, "the patient changes posture"),
    "cough": ActionSpec(NoParams, act.apply_cough, None, "the patient coughs (closed loop: the cord moves closer)"),
    "mri_mode": ActionSpec(MriParams, act.apply_mri_mode, chk.check_mri_mode, "MRI mode on (checked conditions) or off"),
    "set_closed_loop": ActionSpec(ClosedLoopParams, act.apply_set_closed_loop, chk.check_set_closed_loop, "closed-loop controller on/off and ECAP target, uV"),
    "acknowledge_alarm": ActionSpec(AckParams, act.apply_acknowledge_alarm, None, "acknowledge one alarm or all"),
    "record_threshold": ActionSpec(RecordThreshold, act.apply_record_threshold, chk.check_record_threshold,
                                   "record a perception threshold or maximum tolerable amplitude, mA"),
    "max_tolerable_bypass": ActionSpec(MaxTolBypass, act.apply_max_tolerable_bypass, chk.check_max_tolerable_bypass,
                                       "clinician bypass of the recorded MaxTol on the remote"),
    "set_patient_limits": ActionSpec(SetPatientLimits, act.apply_set_patient_limits, chk.check_set_patient_limits,
                                     "patient amplitude range (mA) and remote locks"),
    "patient_step": ActionSpec(PatientStep, act.apply_patient_step, chk.check_patient_step, "patient remote: rate or pulse width by profile steps"),
    "set_group": ActionSpec(SetGroup, act.apply_set_group, chk.check_set_group, "store a program group, optionally run it"),
    "select_group": ActionSpec(SelectGroup, act.apply_select_group, chk.check_select_group, "run a stored group"),
}
