"""Settings and action parameters of the spinal cord stimulator (what a scenario or the app may send).

`Settings` is the device's initial state in a scenario; each action model is the parameter set of
one entry of `StimulatorDevice.ACTIONS`. Units are in the names (mA, us, Hz, s, %).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulator.profiles.base import StrictModel
from simulator.scenario.model import Duration
from simulator.scs.leads import DEFAULT_SEGMENT_MM, LeadPlacement
from simulator.scs.program import Program

Posture = Literal["standing", "sitting", "supine", "prone"]
SECONDS_PER_DAY = 86400.0
#: Bounds of this simulator (see README, "Scenario files"): impedances are positive and finite,
#: drift rates within +-10 per year (exp(10 x 20 y) stays finite), and drift updates at most hourly.
MAX_OHM = 1e6
MIN_UPDATE_INTERVAL_S = 3600.0
MAX_DRIFT_PER_YEAR = 10.0


class ImpedanceSettings(StrictModel):
    initial_ohm: dict[str, Annotated[float, Field(gt=0, le=MAX_OHM, allow_inf_nan=False)]] = Field(default_factory=dict, description="Contact label -> impedance at implant, ohm (others drawn from the profile's spread)")
    faults: dict[str, Literal["open", "short"]] = Field(default_factory=dict, description="Faults present from the start")
    drift: bool = Field(default=True, description="Apply the profile's seeded per-contact drift")
    drift_per_year: dict[str, Annotated[float, Field(ge=-MAX_DRIFT_PER_YEAR, le=MAX_DRIFT_PER_YEAR, allow_inf_nan=False)]] = Field(default_factory=dict, description="Contact label -> its own drift rate g (Z = Z0 exp(g t / 1 year)), "
                                             "replacing the drawn one (applies even with drift off)")
    update_interval: Duration = Field(default=30 * SECONDS_PER_DAY, ge=MIN_UPDATE_INTERVAL_S, description="How often drifted impedances are folded into the drain (s or '30d'; at least 1 h)")


class ClosedLoopSettings(StrictModel):
    enabled: bool = Field(default=True, description="Controller on (off = open loop; both are reported)")
    target_uv: float | None = Field(default=None, gt=0, le=1000, description="ECAP target, uV (default: the profile's)")
    posture: Posture = "standing"


class Settings(StrictModel):
    leads: list[LeadPlacement] = Field(min_length=1, max_length=8, description="Leads in port order; contacts are numbered E1.. across them")
    segment_mm: float = Field(DEFAULT_SEGMENT_MM, gt=5, le=60, description="[?] default height of one vertebral segment, mm")
    programs: list[Program] = Field(default_factory=list, description="Stored programs (default: the profile's nominal program)")
    active_programs: list[str] | None = Field(None, description="Programs running (interleaved); default: the first (or the active group's)")
    groups: dict[str, list[str]] = Field(default_factory=dict, description="Program groups (a platform's 'programs' of several 'areas'): "
                                         "group name -> programs run together, interleaved")
    active_group: str | None = Field(None, description="Group running at t = 0 (instead of active_programs)")
    stimulation_on: bool = True
    battery_pct: float = Field(100.0, ge=0, le=100, description="Battery level at t = 0, %")
    impedance: ImpedanceSettings = Field(default_factory=ImpedanceSettings)
    closed_loop: ClosedLoopSettings | None = None

    @model_validator(mode="after")
    def _names(self):
        names = [p.name for p in self.programs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate program names: {', '.join(dup)}")
        if self.active_group is not None and self.active_programs is not None:
            raise ValueError("give active_group or active_programs, not both")
        return self


# ----- actions -----
class SetProgram(StrictModel):
    program: Program = Field(description="The whole program; replaces the stored program of that name (or adds it)")
    activate: bool = Field(False, description="Also make it the only active program")


class SelectProgram(StrictModel):
    name: str | None = Field(None, description="Run this program alone")
    names: list[str] | None = Field(None, description="Run these programs interleaved")

    @model_validator(mode="after")
    def _one(self):
        if (self.name is None) == (self.names is None):
            raise ValueError("give exactly one of 'name' or 'names'")
        return self


class AmplitudeStep(StrictModel):
    program: str | None = Field(None, description="Program (default: the first active)")
    steps: int = Field(1, ge=1, le=100, description="How many of the profile's amplitude steps")


class SetAmplitude(StrictModel):
    program: str | None = None
    amplitude_ma: float = Field(ge=0, le=100)


class NoParams(StrictModel):
    pass


class SetCycling(StrictModel):
    program: str | None = None
    on_s: float | None = Field(None, gt=0, le=86400, description="None with off_s None: continuous")
    off_s: float | None = Field(None, ge=0, le=86400)
    soft_start_s: float | None = Field(None, ge=0, le=60)
    soft_stop_s: float | None = Field(None, ge=0, le=60)


class InjectFault(StrictModel):
    contact: str
    fault: Literal["open", "short", "none"]


class Recharge(StrictModel):
    duration: Duration | None = Field(None, description="How long to charge (default: until full; at least 1 s)")
    to_full: bool = False

    @model_validator(mode="after")
    def _not_vanishing(self):
        if self.duration is not None and self.duration < 1.0:
            raise ValueError(f"duration: a recharge lasts at least 1 s, not {self.duration:g} s")
        return self


class PostureParams(StrictModel):
    posture: Posture


class MriParams(StrictModel):
    on: bool


class AckParams(StrictModel):
    alarm: str | None = None


class ClosedLoopParams(StrictModel):
    enabled: bool
    target_uv: float | None = Field(None, gt=0, le=1000)


class RecordThreshold(StrictModel):
    program: str | None = Field(None, description="Program (default: the first active)")
    kind: Literal["perception", "max_tolerable"] = Field(description="perception threshold or maximum tolerable (MaxTol)")
    amplitude_ma: float | None = Field(None, ge=0, le=100, description="Amplitude to record (default: the program's present amplitude), mA")


class MaxTolBypass(StrictModel):
    program: str | None = None
    enabled: bool = Field(description="Clinician bypass: the remote may go above the recorded MaxTol (up to the patient maximum)")


class SetPatientLimits(StrictModel):
    """Clinician: what the patient remote may do with one program (unset fields are kept)."""

    program: str | None = None
    patient_min_ma: float | None = Field(None, ge=0, le=100)
    patient_max_ma: float | None = Field(None, ge=0, le=100)
    clear_patient_max: bool = Field(False, description="Remove the patient maximum (the device maximum applies)")
    rate_locked: bool | None = None
    pulse_width_locked: bool | None = None


class PatientStep(StrictModel):
    """Patient remote: step the rate or pulse width (only when the clinician unlocked it)."""

    program: str | None = None
    parameter: Literal["rate_hz", "pulse_width_us"]
    steps: int = Field(ge=-100, le=100, description="Profile steps, + up / - down")

    @model_validator(mode="after")
    def _nonzero(self):
        if self.steps == 0:
            raise ValueError("steps must not be 0")
        return self


class SetGroup(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$", description="Group name")
    programs: list[str] = Field(min_length=1, description="Programs of the group (areas), run interleaved")
    activate: bool = Field(False, description="Also run the group now")


class SelectGroup(StrictModel):
    name: str
