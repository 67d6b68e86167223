"""Stimulator profiles (kind `scs`): what one archetype of implanted pulse generator can do.

Ranges and steps of the programmable parameters, how many programs and interleaved areas,
single or independent current sources, current caps, compliance rail, the charge-density
policy, the battery, the impedance model, optional closed loop and MRI conditions, the
nominal program of the archetype and its published longevity or charging claims (each checked
by a test against the model). Every figure carries a source note in `sources`.
"""
from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from simulator.profiles.base import Profile, StrictModel
from simulator.scs.program import DEFAULT_COUPLING_CAPACITANCE_UF, Cycling, Program


class RangeStep(StrictModel):
    """An allowed range with a step: value in [min, max] and (value - min) a multiple of step."""

    min: float = Field(ge=0)
    max: float = Field(gt=0)
    step: float = Field(gt=0)

    @model_validator(mode="after")
    def _order(self):
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self

    def problem(self, value: float, what: str, unit: str) -> str | None:
        """A message naming the value and the allowed range/step when `value` is not allowed."""
        if value < self.min - 1e-9 or value > self.max + 1e-9:
            return f"{what} {value:g} {unit} is outside {self.min:g}-{self.max:g} {unit}"
        k = (value - self.min) / self.step
        if abs(k - round(k)) > 1e-6:
            lo = self.min + math.floor(k) * self.step
            return f"{what} {value:g} {unit} is not on the {self.step:g} {unit} step; nearest allowed: {lo:g} or {min(lo + self.step, self.max):g} {unit}"
        return None

    def allowed(self, unit: str) -> str:
        return f"{self.min:g}-{self.max:g} {unit} in {self.step:g} {unit} steps"


class BurstLimits(StrictModel):
    pulses_per_burst: RangeStep
    intra_burst_rate_hz: RangeStep
    burst_rate_hz: RangeStep


class BatterySpec(StrictModel):
    """The cell and the power path. Levels are in % of `capacity_mah`."""

    chemistry: Literal["primary", "rechargeable"]
    capacity_mah: float = Field(gt=0, le=10000, description="Usable capacity, mAh")
    voltage_v: float = Field(gt=0, le=10, description="Mean cell voltage, V")
    quiescent_ua: float = Field(ge=0, le=1000, description="Drain with stimulation off (electronics, telemetry), uA")
    converter_efficiency: float = Field(gt=0, le=1, description="Cell-to-output-stage efficiency (0..1]")
    charge_current_ma: float = Field(0.0, ge=0, le=1000, description="Charging current into the cell, mA (0 for primary)")
    low_battery_pct: float = Field(ge=0, le=100, description="Low-battery alert level, %")
    stimulation_off_pct: float = Field(ge=0, le=100, description="Level at which stimulation stops (rechargeable) or end of service (primary), %")
    eri_pct: float | None = Field(None, ge=0, le=100, description="Elective replacement indicator level (primary), %")
    eri_recharge_interval_days: float | None = Field(None, gt=0, le=365, description="Rechargeable: ERI is raised while the present programs "
                                                     "would need charging more often than this (full to low battery), days")

    @model_validator(mode="after")
    def _levels(self):
        if self.chemistry == "rechargeable" and self.charge_current_ma <= 0:
            raise ValueError("a rechargeable battery needs charge_current_ma > 0")
        if self.stimulation_off_pct > self.low_battery_pct:
            raise ValueError("stimulation_off_pct must be at or below low_battery_pct")
        return self

    @property
    def full_charge_h(self) -> float:
        """Hours from empty to full at the charging current (inf for primary cells)."""
        return self.capacity_mah / self.charge_current_ma if self.charge_current_ma > 0 else math.inf


class ImpedanceSpec(StrictModel):
    """Per-contact impedance model (ohm): spread at implant, drift per year, fault values and flags."""

    nominal_ohm: float = Field(gt=0, le=20000)
    spread_fraction: float = Field(ge=0, le=2, description="SD of the log-normal spread between contacts at implant")
    drift_per_year_mean: float = Field(ge=-1, le=5, description="Mean relative change per year (e.g. 0.1 = +10 %/year)")
    drift_per_year_sd: float = Field(ge=0, le=5, description="SD of the per-contact drift per year")
    open_threshold_ohm: float = Field(gt=0, description="A check flags 'open' above this")
    short_threshold_ohm: float = Field(gt=0, description="A check flags 'short' below this")
    open_fault_ohm: float = Field(gt=0, description="Impedance of an injected open circuit")
    short_fault_ohm: float = Field(gt=0, description="Impedance of an injected short")
    case_ohm: float = Field(gt=0, description="Impedance of the case electrode")


class ClosedLoopSpec(StrictModel):
    """Labelled educational ECAP model (see closed_loop.py): a linear recruitment curve whose
    threshold grows with cord-to-lead distance, and a first-order controller."""

    threshold_ma_at_reference: float = Field(gt=0, le=25, description="ECAP threshold current standing, mA")
    slope_uv_per_ma: float = Field(gt=0, le=1000, description="ECAP growth above threshold, uV/mA")
    distance_exponent: float = Field(gt=0, le=4, description="Threshold grows as (distance/ref)^n")
    target_uv: float = Field(gt=0, le=1000, description="Default ECAP target, uV")
    window_low_uv: float = Field(gt=0, description="Therapeutic window low edge (perception), uV")
    window_high_uv: float = Field(gt=0, description="Therapeutic window high edge (discomfort), uV")
    controller_tau_s: float = Field(gt=0, le=60, description="Controller settling time constant, s")
    measurements_per_s: float = Field(gt=0, le=10000, description="ECAP measurements per second")
    cough_duration_s: float = Field(gt=0, le=60, description="How long a cough moves the cord, s")
    cough_distance_factor: float = Field(gt=0, le=2, description="Distance multiplier during a cough")
    posture_distance_factor: dict[str, float] = Field(description="Posture -> distance / standing distance")


class MriSpec(StrictModel):
    conditional: bool = Field(description="MRI mode available at all")
    min_battery_pct: float = Field(0.0, ge=0, le=100, description="Battery level MRI mode requires, %")
    require_impedance_ok: bool = Field(True, description="No open or short contact allowed")


class Claim(StrictModel):
    """A published longevity or charging claim and the nominal program it is made for."""

    text: str
    kind: Literal["longevity_years", "charge_lasts_days", "full_charge_h", "recharge_interval_days", "daily_charge_minutes"]
    value: float = Field(gt=0, description="Years, days or hours, per kind")
    charge_h: float | None = Field(None, gt=0, description="For charge_lasts_days: hours of charging")
    program: Program | None = Field(None, description="The nominal program (default: the profile's nominal_program)")
    impedance_ohm: float | None = Field(None, gt=0, description="Load for the claim (default: the profile's nominal impedance)")


class StimulatorProfile(Profile):
    kind: ClassVar[str] = "scs"

    contacts_max: int = Field(ge=2, le=64, description="Contacts the generator can drive (excluding the case)")
    lead_ports: int = Field(ge=1, le=8, description="Leads that can be connected")
    current_sources: Literal["independent", "single"] = Field(description="Independent per-contact sources (fractions) or one shared source")
    amplitude_ma: RangeStep
    pulse_width_us: RangeStep
    rate_hz: RangeStep
    high_frequency_rate_hz: RangeStep | None = None
    waveforms: list[Literal["tonic", "burst", "high_frequency"]] = Field(min_length=1)
    burst: BurstLimits | None = None
    charge_balance: list[Literal["active", "passive"]] = Field(["active", "passive"], min_length=1)
    interphase_gap_us: RangeStep | None = None
    max_programs: int = Field(ge=1, le=64, description="Programs that can be stored")
    max_areas: int = Field(ge=1, le=16, description="Programs that may run at once, interleaved")
    max_groups: int = Field(4, ge=1, le=64, description="Program groups that can be stored (each a set of up to max_areas programs run interleaved)")
    max_contact_current_ma: float = Field(gt=0, le=100)
    max_total_current_ma: float = Field(gt=0, le=200)
    compliance_rail_v: float = Field(gt=0, le=50, description="Highest output voltage, V")
    compliance_headroom_v: float = Field(ge=0, le=10, description="Voltage the current source needs above I x Z, V")
    adaptive_compliance: bool = Field(True, description="Output voltage set from the load (else always the rail)")
    coupling_capacitance_uf: float = Field(DEFAULT_COUPLING_CAPACITANCE_UF, gt=0, le=1000,
                                           description="DC-blocking (coupling) capacitor per contact, uF: passive recovery tau = Z x C")
    charge_density_limit_uc_per_cm2: float = Field(gt=0, le=1000)
    charge_density_policy: Literal["warn", "refuse"]
    shannon_k_limit: float = Field(gt=0, le=5)
    battery: BatterySpec
    impedance: ImpedanceSpec
    closed_loop: ClosedLoopSpec | None = None
    mri: MriSpec
    nominal_program: Program
    claims: list[Claim] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self):
        if "burst" in self.waveforms and self.burst is None:
            raise ValueError("a profile offering 'burst' needs burst limits")
        if "high_frequency" in self.waveforms and self.high_frequency_rate_hz is None:
            raise ValueError("a profile offering 'high_frequency' needs high_frequency_rate_hz")
        if self.max_areas > self.max_programs:
            raise ValueError("max_areas cannot exceed max_programs")
        return self

    def claim_program(self, claim: Claim) -> Program:
        return claim.program or self.nominal_program


__all__ = ["BatterySpec", "BurstLimits", "Claim", "ClosedLoopSpec", "Cycling", "ImpedanceSpec", "MriSpec", "RangeStep", "StimulatorProfile"]
