"""Pump device profiles: one archetype per YAML file under profiles/pump/.

Three archetypes (see shared/domain/pump.md): programmable peristaltic, programmable
valve-gated (fixed packet volume) and fixed-rate gas-driven (no battery, rate set at
manufacture, flow sensitive to body temperature and ambient pressure).
Every figure carries a source note in `sources`.
"""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from simulator.profiles.base import Profile, StrictModel


class AlarmPolicy(StrictModel):
    """Tones and repeat intervals of the two alarm classes."""

    critical_repeat_min: float = Field(10.0, gt=0, le=24 * 60, description="Repeat interval of a critical alarm tone, minutes")
    non_critical_repeat_min: float = Field(60.0, gt=0, le=24 * 60, description="Repeat interval of a non-critical alarm tone, minutes")
    critical_tone: str = Field("two-tone alarm", description="How the critical tone sounds")
    non_critical_tone: str = Field("single tone", description="How the non-critical tone sounds")


class BatterySpec(StrictModel):
    """Battery drain: a fixed drain per day (housekeeping) plus an energy cost per mL pumped.

    Percent of capacity; ERI and EOS happen at the first of: charge thresholds, elapsed
    service life, or (EOS only) `eos_after_eri_days` after ERI.
    """

    idle_drain_pct_per_day: float = Field(gt=0, le=10, description="Charge used per day with the motor idle, % of capacity")
    pumping_drain_pct_per_ml: float = Field(ge=0, le=10, description="Charge used per mL pumped (motor energy), % of capacity")
    eri_pct: float = Field(ge=0, le=100, description="Elective replacement indicator when the charge falls to this, %")
    eos_pct: float = Field(0.0, ge=0, le=100, description="End of service when the charge falls to this, %")
    max_service_years: float = Field(gt=0, le=30, description="Automatic shutdown (EOS) at this elapsed service life, years")
    eri_before_max_service_days: float = Field(ge=0, le=3650, description="ERI at this many days before max_service_years")
    eos_after_eri_days: float = Field(gt=0, le=3650, description="The pump stops at most this many days after ERI")

    @model_validator(mode="after")
    def _order(self):
        if self.eos_pct >= self.eri_pct:
            raise ValueError(f"eos_pct ({self.eos_pct}) must be below eri_pct ({self.eri_pct})")
        return self


class GasDriveSpec(StrictModel):
    """Gas-driven flow: flow is proportional to (propellant vapour pressure(T) - ambient pressure)."""

    vapour_pressure_abs_mmhg_at_ref: float = Field(gt=0, le=10000, description="Propellant absolute vapour pressure at the reference temperature, mmHg")
    ref_temperature_c: float = Field(37.0, ge=20, le=45, description="Body temperature at which the labelled rate holds, deg C")
    ref_ambient_mmhg: float = Field(760.0, gt=0, le=3000, description="Ambient pressure at which the labelled rate holds, mmHg")
    vapour_pressure_mmhg_per_c: float = Field(ge=0, le=1000, description="Rise of the propellant vapour pressure per deg C")
    max_ambient_ata: float = Field(2.0, gt=0, le=10, description="Hyperbaric limit in the labeling, ATA")
    coefficients_note: str = Field("", max_length=400, description="Plain statement of where the pressure/temperature coefficients come from (shown with every environment change)")


class PumpProfile(Profile):
    kind: ClassVar[str] = "pump"

    archetype: Literal["peristaltic", "valve_gated", "gas_driven"]
    programmable: bool
    reservoir_capacity_ml: float = Field(gt=0, le=200, description="Usable reservoir volume, mL")
    pump_tubing_dead_volume_ml: float = Field(ge=0, le=5, description="Volume of the pump tubing from reservoir to catheter port, mL")
    min_rate_ml_per_day: float = Field(ge=0, le=100, description="Smallest programmable non-zero rate, mL/day")
    max_rate_ml_per_day: float = Field(gt=0, le=500, description="Largest programmable rate (basal + boluses), mL/day")
    rate_resolution_ml_per_day: float = Field(gt=0, le=1, description="Resolution of programmed rates, mL/day")
    max_bolus_rate_ml_per_h: float = Field(gt=0, le=100, description="Rate of a bolus run as fast as the pump allows, mL/h")
    priming_rate_ml_per_h: float = Field(gt=0, le=100, description="Rate of a priming or bridge bolus at full speed, mL/h")
    max_flex_steps: int = Field(ge=1, le=96, description="Most steps in a daily flex schedule")
    accuracy_pct: float = Field(gt=0, le=50, description="Labelled flow accuracy or acceptance band, +/- percent: the limit a device in specification stays within")
    measured_abs_error_pct: float | None = Field(None, gt=0, le=50, description="Mean absolute flow error measured in clinical use, percent; when set, a randomly drawn device error is uniform in +/- 2 x this (mean |error| of a uniform +/-a band is a/2), clipped to the band")
    stroke_volume_ul: float = Field(gt=0, le=100, description="Volume moved by one roller step or one valve packet, uL")
    fixed_rate_ml_per_day: float | None = Field(None, gt=0, le=100, description="Gas-driven only: rate set at manufacture, mL/day at the reference conditions")
    low_reservoir_default_ml: float = Field(ge=0, le=50, description="Default low-reservoir alarm threshold, mL")
    next_refill_target_ml: float = Field(ge=0, le=50, description="Volume the 'next refill' date aims to leave in the reservoir, mL (the date assumes every allowed patient bolus is used)")
    mri_behaviour: Literal["stops_during_scan", "valve_closes_until_reset", "valves_open_discharge", "unaffected"] = Field(
        description="What a strong magnetic field does: the motor stops for the scan and resumes; a flow-activated valve closes until reset (newer valve-gated generation); the inlet and outlet valves open and discharge reservoir and catheter (first valve-gated generation); or no effect")
    mri_valve_leak_ul: float | None = Field(None, ge=0, le=100, description="valve_closes_until_reset only: most drug that passes while the valve closes, uL")
    mri_max_field_t: float | None = Field(None, gt=0, le=10, description="Strongest static field in the MRI conditions, tesla; None: no field condition in the model")
    mri_requires_empty_reservoir: bool = Field(False, description="The labeling says to empty all drug from the reservoir before an MRI")
    mri_condition_policy: Literal["refuse", "warn"] = Field("warn", description="An MRI outside the conditions (field above mri_max_field_t, drug left in a reservoir that must be empty): refuse unless the action says override, or warn")
    mri_recovery_delay_h_min: float = Field(0.0, ge=0, le=72, description="stops_during_scan only: shortest delay after the scan before the motor recovers when a delay happens, hours")
    mri_recovery_delay_h_max: float = Field(0.0, ge=0, le=72, description="stops_during_scan only: longest such delay, hours")
    mri_recovery_delay_probability: float = Field(0.0, ge=0, le=1, description="stops_during_scan only: chance that a scan is followed by a delayed recovery (seeded draw), 0-1")
    mri_telemetry_lock_when_alarming: bool = Field(False, description="stops_during_scan only: a pump alarming when the field switches it to telemetry does not resume after the scan until it is interrogated")
    catheter_volume_ml_per_cm: float = Field(0.0022, ge=0, le=0.1, description="Internal volume of this pump family's catheter, mL per cm (default of the scenario setting)")
    single_bolus_then: Literal["previous_mode", "stopped"] = Field("previous_mode", description="What the pump does after a single bolus: resume the mode it ran before, or stop")
    low_reservoir_min_ml: float = Field(ge=0, le=50, description="Smallest programmable low-reservoir threshold, mL")
    low_reservoir_max_ml: float = Field(ge=0, le=50, description="Largest programmable low-reservoir threshold, mL")
    refill_discrepancy_tolerance_ml: float = Field(ge=0, le=50, description="Aspirated residual may differ from expected by this much (or the pct below, whichever is larger) before it is flagged, mL")
    refill_discrepancy_tolerance_pct: float = Field(ge=0, le=100, description="... or by this percentage of the expected residual")
    alarms: AlarmPolicy = Field(default_factory=lambda: AlarmPolicy.model_validate({}))
    battery: BatterySpec | None = Field(None, description="None for a pump without a battery (gas-driven)")
    gas: GasDriveSpec | None = Field(None, description="Gas-driven only: pressure/temperature model")

    @model_validator(mode="after")
    def _consistent(self):
        if self.min_rate_ml_per_day > self.max_rate_ml_per_day:
            raise ValueError("min_rate_ml_per_day must not exceed max_rate_ml_per_day")
        if not (self.low_reservoir_min_ml <= self.low_reservoir_default_ml <= self.low_reservoir_max_ml):
            raise ValueError("low_reservoir_default_ml must lie between low_reservoir_min_ml and low_reservoir_max_ml")
        if self.low_reservoir_max_ml >= self.reservoir_capacity_ml:
            raise ValueError("low_reservoir_max_ml must be below reservoir_capacity_ml")
        if self.mri_recovery_delay_h_min > self.mri_recovery_delay_h_max:
            raise ValueError("mri_recovery_delay_h_min must not exceed mri_recovery_delay_h_max")
        if self.measured_abs_error_pct is not None and self.measured_abs_error_pct > self.accuracy_pct:
            raise ValueError("measured_abs_error_pct must not exceed accuracy_pct")
        if self.archetype == "gas_driven":
            if self.programmable or self.fixed_rate_ml_per_day is None or self.gas is None:
                raise ValueError("a gas_driven pump is not programmable and needs fixed_rate_ml_per_day and gas")
        else:
            if not self.programmable or self.battery is None:
                raise ValueError(f"a {self.archetype} pump is programmable and needs a battery")
        return self

    @property
    def fixed_rate(self) -> float:
        """The rate set at manufacture of a gas-driven pump, mL/day (0: a programmable pump has none)."""
        return self.fixed_rate_ml_per_day or 0.0

    @property
    def dead_volume_tubing_ml(self) -> float:
        return self.pump_tubing_dead_volume_ml
