"""PumpSnapshot: what a programmer screen, a report or a grader may know about a pump, frozen.

`PumpDevice.snapshot()` builds one at the present simulation time. Everything outside the core
(the app, reports, training) reads a pump through a snapshot, the event stream and the queries
listed in `PumpDevice.PUBLIC_QUERIES`, never through its attributes.

`settings` is the pump's present state as its settings model (`PumpSettings`):
- `settings.mode` is the dosing mode the pump was last given, as given (mg or mcg fields, flex
  step times); for a periodic mode `first_bolus_after_min` is the time from the snapshot to the
  next periodic bolus, so transmitting `settings.mode` back as a `program` action leaves the pump
  exactly as it was (same schedule, same bolus times). Taken right after programming, it is the
  value the clinician entered.
- volumes, battery, drug age and implant age are the values now, so a new simulation started from
  `settings` continues the pump's program from here; its dead volume is then full of the
  reservoir's drug and the calculated volume equals the true one (a new start cannot hold a
  mixed dead volume or a flow-error discrepancy; those are in the other fields).

Units are in the field names; drug amounts are in `drug_unit` (mg or mcg).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import Field

from simulator.snapshot import AlarmSnapshot, Frozen
from simulator.pump.settings import Mode, PatientBolusSettings, PeriodicMode, PumpSettings
from simulator.units import SECONDS_PER_DAY

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice

#: Bounds of PumpSettings age fields (days); a snapshot reports ages capped at them.
_MAX_SERVICE_DAYS = 30 * 365
_MAX_DRUG_AGE_DAYS = 3650


class BolusSnapshot(Frozen):
    """A bolus running at the snapshot time."""

    kind: str = Field(description="single, patient, periodic, bridge or priming")
    start_t_s: float
    end_t_s: float
    volume_ml: float
    dose: float = Field(description="Programmed amount, drug unit (0 for priming)")


class PatientLockout(Frozen):
    """The patient-bolus lockout state at the snapshot time."""

    enabled: bool
    lockout_end_t_s: float | None = Field(description="End of the lockout that follows the last accepted bolus (None: none yet)")
    in_lockout: bool = Field(description="A press now would be refused for the lockout")
    boluses_last_24h: int
    max_per_day: int | None
    accepted_total: int
    random_presses_total: int


class MixtureSnapshot(Frozen):
    """A mixture's second drug (admixture) at the snapshot time; amounts in its own `drug_unit`."""

    drug_id: str
    drug_name: str
    drug_unit: str = Field(description="mg or mcg: the unit of this drug's amounts")
    concentration_per_ml: float = Field(description="Concentration entered at the last fill, its unit per mL")
    reservoir_concentration_per_ml: float = Field(description="Concentration in the reservoir (after mixing with a residual), its unit per mL")
    programmed_daily_dose: float = Field(description="Programmed volume per day x its concentration, its unit/day")
    drug_rate_per_day: float = Field(description="This drug reaching the patient now, its unit/day")
    delivered_drug: float = Field(description="This drug delivered from t = 0 to the pump's last state change (not interpolated to now), its unit")
    mass_balance: dict[str, float] = Field(description="As of the pump's last state change: filled = delivered + in_reservoir + in_dead_volume + aspirated + pocket (+ residual), its unit")


class PumpSnapshot(Frozen):
    device_id: str
    profile_id: str
    t_s: float = Field(description="Simulation time of the snapshot, s")
    settings: PumpSettings = Field(description="Present state as settings: send settings.mode back as a program to keep the pump as it is")
    mode_name: str = Field(description="stopped, continuous, flex, periodic or fixed (gas-driven pumps)")
    programmed_t_s: float | None = Field(description="When the present dosing mode was transmitted (0: from the scenario start)")
    drug_id: str
    drug_name: str
    drug_unit: str = Field(description="mg or mcg: the unit of every drug amount in this snapshot")
    concentration_per_ml: float = Field(description="Programmed concentration, drug unit per mL")
    reservoir_ml: float = Field(description="True reservoir volume now, mL")
    expected_reservoir_ml: float = Field(description="Reservoir volume the pump calculates from its program now, mL")
    reservoir_capacity_ml: float
    low_reservoir_threshold_ml: float
    dead_volume_ml: float = Field(description="Pump tubing plus catheter internal volume, mL")
    predicted_low_reservoir_t_s: float | None = Field(description="When the calculated volume reaches the threshold (None: never or already)")
    predicted_empty_t_s: float | None
    next_refill_t_s: float | None = Field(description="Refill date if the patient takes every allowed bolus (profile's next-refill target)")
    rate_ml_per_day: float = Field(description="Actual flow now, boluses included, mL/day")
    drug_rate_per_day: float = Field(description="Drug reaching the patient now, drug unit/day")
    programmed_daily_dose: float = Field(description="Programmed drug per day including periodic boluses, drug unit/day")
    next_periodic_bolus_t_s: float | None
    active_boluses: tuple[BolusSnapshot, ...]
    delivered_volume_ml: float = Field(description="Volume delivered from t = 0 to now, mL")
    delivered_drug: float = Field(description="The present drug delivered from t = 0 to now, drug unit")
    stopped_reasons: tuple[str, ...] = Field(description="Why the pump is stopped (calculated_empty, motor_stall, memory_error, eos, ...); empty: running")
    active_alarms: tuple[AlarmSnapshot, ...]
    battery_pct: float | None = Field(description="None: no battery (gas-driven)")
    eri_reached_t_s: float | None
    eos_reached_t_s: float | None
    predicted_eri_t_s: float | None = Field(description="ERI at the programmed average flow from the last state change (None: no battery, reached, or never)")
    predicted_eos_t_s: float | None
    patient_bolus: PatientBolusSettings | None
    patient_lockout: PatientLockout
    systematic_error_pct: float = Field(description="This pump's fixed flow error, %")
    body_temperature_c: float
    ambient_pressure_mmhg: float
    flow_factor: float = Field(description="True flow / programmed flow now")
    drug_age_days: float
    service_elapsed_days: float
    admixture: MixtureSnapshot | None = Field(None, description="A mixture's second drug (None: one drug)")


def _finite(t: float | None) -> float | None:
    return None if t is None or not math.isfinite(t) else float(t)


def _settings_now(dev: PumpDevice, mode: Mode | None) -> PumpSettings:
    s = dev.settings
    therapy, flow = dev.therapy, dev.flow
    drug = therapy.drug
    schedule = dev.presses.schedule
    presses = schedule.settings if schedule is not None else None
    patient_bolus = dev.patient_bolus_settings()
    battery_pct = dev.battery_pct_at(dev.now)
    fe = s.flow_error.model_copy(update={
        "systematic_error_pct": flow.systematic_error_pct, "random_systematic": False,
        "out_of_specification": abs(flow.systematic_error_pct) > dev.profile.accuracy_pct,
    })
    env = s.environment.model_copy(update={"body_temperature_c": flow.body_temperature_c, "ambient_pressure_mmhg": flow.ambient_mmhg,
                                           "altitude_m": None, "ambient_pressure_ata": None})
    data: dict[str, Any] = {
        **s.model_dump(exclude={"mode", "patient_bolus", "patient_presses", "flow_error", "environment"}),
        "drug": s.drug if drug.id == _drug_id_of(s.drug) else drug.id,
        "concentration_mg_per_ml": None, "concentration_mcg_per_ml": None,
        f"concentration_{drug.unit}_per_ml": therapy.conc_prog,
        "reservoir_ml": dev.reservoir_ml_at(dev.now),
        "dead_volume_primed": dev.dead_volume.amount_of(drug.short_name) > 0,
        "low_reservoir_threshold_ml": flow.threshold_ml,
        "battery_initial_pct": min(100.0, max(0.0, battery_pct)) if battery_pct is not None else s.battery_initial_pct,
        "service_elapsed_days": min(_MAX_SERVICE_DAYS, (dev.now - dev.refills.implant_t_s) / SECONDS_PER_DAY),
        "days_since_fill": min(_MAX_DRUG_AGE_DAYS, max(0.0, dev.now - dev.refills.fill_t_s) / SECONDS_PER_DAY),
    }
    if dev.admixture is not None:
        adm = dev.admixture
        data["admixture"] = {"drug": adm.drug.id, f"concentration_{adm.drug.unit}_per_ml": adm.conc_prog}
    out = PumpSettings.model_validate(data)
    # nested models are copies: changing a snapshot never reaches the device
    return out.model_copy(update={
        "mode": None if mode is None else mode.model_copy(deep=True),
        "patient_bolus": None if patient_bolus is None else patient_bolus.model_copy(deep=True),
        "patient_presses": None if presses is None else presses.model_copy(deep=True),
        "flow_error": fe, "environment": env,
    })


def _drug_id_of(name: str) -> str:
    """A drug name as the scenario may give it (morphine) as its profile id (drug/morphine)."""
    return name if "/" in name else f"drug/{name}"


def mode_now(dev: PumpDevice) -> Mode | None:
    """The dosing mode last given to the pump; a periodic mode with `first_bolus_after_min` set to
    the time from now to the next periodic bolus (so sending it again changes nothing)."""
    therapy = dev.therapy
    mode = therapy.mode_model
    if isinstance(mode, PeriodicMode) and math.isfinite(therapy.next_periodic_t):
        wait_min = max(0.0, therapy.next_periodic_t - dev.now) / 60.0
        mode = mode.model_copy(update={"first_bolus_after_min": wait_min})
    return mode


def build(dev: PumpDevice) -> PumpSnapshot:
    """The snapshot of `dev` now. It reads the device without changing it (levels at `now` in
    closed form from the last rebase), so taking snapshots never alters a run."""
    now = dev.now
    therapy, flow, boluses = dev.therapy, dev.flow, dev.boluses
    drug = therapy.drug
    unit = drug.unit
    patient = boluses.patient
    rule = patient.rule
    lock_end = patient.lockout_end_t_s()
    battery = dev.battery
    halts = dev.faults.halts
    pred_eri = pred_eos = None
    if battery is not None:
        conc = therapy.conc_prog
        mean_q = therapy.program.daily_dose() / conc / SECONDS_PER_DAY if (conc > 0 and not halts) else 0.0
        # the battery state is kept as of the last rebase t0: project from there
        pred_eri = _finite(flow.t0 + battery.time_to_eri_s(mean_q))
        pred_eos = _finite(flow.t0 + battery.time_to_eos_s(mean_q, flow.t0))
    next_p = therapy.next_periodic_t
    patient_bolus = dev.patient_bolus_settings()
    return PumpSnapshot(
        device_id=dev.id, profile_id=dev.profile.id, t_s=now,
        settings=_settings_now(dev, mode_now(dev)),
        mode_name=therapy.program.mode_name, programmed_t_s=therapy.mode_programmed_t_s,
        drug_id=drug.id, drug_name=drug.drug_name, drug_unit=unit, concentration_per_ml=therapy.conc_prog,
        reservoir_ml=dev.reservoir_ml_at(now), expected_reservoir_ml=dev.expected_reservoir_ml_at(now),
        reservoir_capacity_ml=dev.profile.reservoir_capacity_ml, low_reservoir_threshold_ml=flow.threshold_ml,
        dead_volume_ml=dev.dead_volume.volume_ml,
        predicted_low_reservoir_t_s=_finite(dev.predicted_low_reservoir_t_s()), predicted_empty_t_s=_finite(dev.predicted_empty_t_s()),
        next_refill_t_s=_finite(dev.next_refill_t_s()),
        rate_ml_per_day=dev.current_rate_ml_per_day(), drug_rate_per_day=dev.current_drug_rate_per_day(),
        programmed_daily_dose=therapy.program.daily_dose(),
        next_periodic_bolus_t_s=_finite(next_p) if therapy.program.periodic is not None else None,
        active_boluses=tuple(BolusSnapshot(kind=b.kind, start_t_s=b.start_t_s, end_t_s=b.end_t_s, volume_ml=b.volume_ml, dose=b.dose)
                             for b in boluses.running if b.end_t_s > now),
        delivered_volume_ml=dev.delivered_volume_ml_at(now), delivered_drug=dev.delivered_drug_at(now),
        stopped_reasons=tuple(sorted(halts)),
        active_alarms=tuple(AlarmSnapshot(**a) for a in dev.active_alarms()),
        battery_pct=dev.battery_pct_at(now),
        eri_reached_t_s=None if battery is None else battery.eri_t_s, eos_reached_t_s=None if battery is None else battery.eos_t_s,
        predicted_eri_t_s=pred_eri, predicted_eos_t_s=pred_eos,
        patient_bolus=None if patient_bolus is None else patient_bolus.model_copy(deep=True),
        patient_lockout=PatientLockout(
            enabled=rule is not None, lockout_end_t_s=lock_end, in_lockout=lock_end is not None and now < lock_end - 1e-6,
            boluses_last_24h=patient.count_last_24h(now), max_per_day=None if rule is None else rule.max_per_day,
            accepted_total=patient.accepted_total, random_presses_total=dev.presses.random_presses),
        systematic_error_pct=flow.systematic_error_pct, body_temperature_c=flow.body_temperature_c, ambient_pressure_mmhg=flow.ambient_mmhg,
        flow_factor=flow.flow_factor,
        drug_age_days=max(0.0, now - dev.refills.fill_t_s) / SECONDS_PER_DAY, service_elapsed_days=(now - dev.refills.implant_t_s) / SECONDS_PER_DAY,
        admixture=_mixture(dev),
    )


def _mixture(dev: PumpDevice) -> MixtureSnapshot | None:
    adm = dev.admixture
    if adm is None:
        return None
    name = adm.drug.short_name
    return MixtureSnapshot(
        drug_id=adm.drug.id, drug_name=adm.drug.drug_name, drug_unit=adm.drug.unit, concentration_per_ml=adm.conc_prog,
        reservoir_concentration_per_ml=adm.res_conc, programmed_daily_dose=adm.programmed_daily_dose(),
        drug_rate_per_day=adm.current_rate_per_day(), delivered_drug=adm.ledger.delivered.get(name, 0.0), mass_balance=adm.balance())
