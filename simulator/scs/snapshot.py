"""StimulatorSnapshot: what a programmer screen, a report or a grader may know about a stimulator, frozen.

`StimulatorDevice.snapshot()` builds one at the present simulation time. Everything outside the
core (the app, reports, training) reads a stimulator through a snapshot, the event stream and the
queries listed in `StimulatorDevice.PUBLIC_QUERIES`, never through its attributes.

`settings` is the stimulator's present state as its settings model (`Settings`): the stored
programs as they are now (amplitudes, cycling, patient limits, recorded thresholds), groups and
the running programs or group, stimulation on/off, the battery level now, the closed-loop
settings in force, and the impedances as they are now (drifted tissue impedance per contact,
present faults, each contact's drift rate), so that a new simulation started from `settings`
continues the stimulator from here and `set_program` with any of `settings.programs` leaves that
program exactly as it is.

Units are in the field names (mA, us, Hz, ohm, uV, %, s, days).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import Field

from simulator.snapshot import AlarmSnapshot, Frozen
from simulator.scs.closed_loop import LABEL as LOOP_LABEL
from simulator.scs.impedance import SECONDS_PER_YEAR
from simulator.scs.program import Program
from simulator.scs.settings import ClosedLoopSettings, Settings

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice


class ContactInfo(Frozen):
    """One lead contact: where it sits and its area."""

    lead_index: int
    lead: str = Field(description="Lead profile id")
    index_on_lead: int
    area_cm2: float
    level: str = Field(description="Vertebral level, e.g. T9")
    side: str
    x_mm: float
    y_mm: float


class ImpedanceRow(Frozen):
    contact: str
    ohm: float
    flag: str | None = Field(description="open, short or None (within range)")
    ok: bool
    level: str | None = None


class BatteryProjection(Frozen):
    """StimulatorDevice.projection() as a typed record (fields of the other chemistry are None)."""

    chemistry: str
    drain_ma: float
    battery_pct: float
    longevity_days: float | None = None
    days_to_eri: float | None = None
    longevity_from_full_days: float | None = None
    days_between_recharges: float | None = None
    days_to_low_battery: float | None = None
    days_to_stimulation_off: float | None = None
    full_charge_h: float | None = None
    daily_charge_minutes: float | None = None
    needs_charging_more_than_daily: bool | None = None


class ClosedLoopState(Frozen):
    enabled: bool
    target_uv: float
    posture: str
    program: str | None = Field(description="Program the controller drives (the first active one), None when off")
    amplitude_ma: float = Field(description="Controller amplitude now, mA")
    settled_amplitude_ma: float = Field(description="Where the controller heads in the present posture, mA")
    ecap_uv: float = Field(description="ECAP now (0 when not stimulating), uV")
    closed_loop_time_in_window_pct: float | None
    open_loop_time_in_window_pct: float | None
    label: str


class StimulatorSnapshot(Frozen):
    device_id: str
    profile_id: str
    t_s: float = Field(description="Simulation time of the snapshot, s")
    settings: Settings = Field(description="Present state as settings (programs, groups, battery, impedances, closed loop)")
    programs: dict[str, Program] = Field(description="Stored programs by name, as they are now")
    active_programs: tuple[str, ...]
    active_group: str | None
    groups: dict[str, tuple[str, ...]]
    stimulation_on: bool = Field(description="The clinician's/patient's on switch")
    stimulating: bool = Field(description="Output now: on, not in MRI mode, not suspended, a program running")
    suspended: str | None = Field(description="battery, eos or empty: output stopped by the battery")
    mri_mode: bool
    effective_amplitudes_ma: dict[str, float] = Field(description="Active program -> amplitude the generator aims for (closed loop included), mA")
    maxtol_bypass_programs: tuple[str, ...] = Field(description="Programs whose recorded MaxTol the clinician bypassed")
    contacts: dict[str, ContactInfo]
    impedance_ohm: dict[str, float] = Field(description="Contact -> impedance now (faults included, and the case), ohm")
    faulty_contacts: dict[str, str] = Field(description="Contact -> open/short now")
    last_impedance_check: tuple[ImpedanceRow, ...] | None = Field(description="Table of the last impedance check (None: none yet)")
    last_impedance_check_t_s: float | None
    battery_pct: float
    recharging: bool
    projection: BatteryProjection
    active_alarms: tuple[AlarmSnapshot, ...]
    posture: str
    closed_loop: ClosedLoopState | None
    charge_delivered_uc: float = Field(description="Charge delivered from t = 0 to now, uC")
    energy_used_j: float = Field(description="Battery energy used from t = 0 to now, J")


def _settings_now(dev: StimulatorDevice) -> Settings:
    s: Settings = dev.settings
    now = dev.now
    imp = dev.electrodes.impedance
    tissue = {k: imp.base_ohm[k] * math.exp(imp.growth_per_year[k] * now / SECONDS_PER_YEAR) for k in imp.labels}
    impedance = s.impedance.model_copy(update={
        "initial_ohm": tissue, "faults": dict(imp.faults), "drift_per_year": dict(imp.growth_per_year),
    })
    closed = s.closed_loop
    loop = dev.loop
    if loop.tracker is not None:
        closed = ClosedLoopSettings(enabled=loop.enabled, target_uv=loop.tracker.target_uv, posture=loop.posture)
    bank = dev.programs
    data: dict[str, Any] = {
        "leads": [p.model_copy(deep=True) for p in s.leads],
        "segment_mm": s.segment_mm,
        "programs": [p.model_copy(deep=True) for p in bank.values()],
        "active_programs": None if bank.active_group is not None else list(bank.active),
        "groups": {g: list(m) for g, m in bank.groups.items()},
        "active_group": bank.active_group,
        "stimulation_on": dev.output.stim_on,
        "battery_pct": min(100.0, max(0.0, dev.power.battery.pct_at(now))),
        "impedance": impedance,
        "closed_loop": closed,
    }
    return Settings(**data)


def _closed_loop(dev: StimulatorDevice) -> ClosedLoopState | None:
    control = dev.loop
    loop = control.tracker
    if loop is None:
        return None
    now = dev.now
    stimulating = dev.stimulating()
    pct = control.time_in_window(now, stimulating) or {}  # time in window up to now without touching the device
    lp = control.program()
    first = dev.programs.first_active()
    return ClosedLoopState(
        enabled=control.enabled, target_uv=loop.target_uv, posture=control.posture, program=lp,
        amplitude_ma=loop.closed_amplitude_at(now) if lp is not None else (first.amplitude_ma if first is not None else 0.0),
        settled_amplitude_ma=loop.settled_ma(), ecap_uv=loop.ecap_at(now, closed=lp is not None) if stimulating else 0.0,
        closed_loop_time_in_window_pct=pct["closed_loop_pct"], open_loop_time_in_window_pct=pct["open_loop_pct"], label=LOOP_LABEL,
    )


def build(dev: StimulatorDevice) -> StimulatorSnapshot:
    now = dev.now
    charge, energy, _ = dev.power.accumulated(now)
    electrodes = dev.electrodes
    last = electrodes.last_check
    levels = {k: c["level"] for k, c in electrodes.contacts.items()}
    bank = dev.programs
    return StimulatorSnapshot(
        device_id=dev.id, profile_id=dev.profile.id, t_s=now,
        settings=_settings_now(dev),
        programs={n: p.model_copy(deep=True) for n, p in bank.items()},
        active_programs=tuple(bank.active), active_group=bank.active_group,
        groups={g: tuple(m) for g, m in bank.groups.items()},
        stimulation_on=dev.output.stim_on, stimulating=dev.stimulating(), suspended=dev.power.suspended, mri_mode=dev.output.mri,
        effective_amplitudes_ma=dev.effective_amplitudes(), maxtol_bypass_programs=tuple(sorted(bank.maxtol_bypass)),
        contacts={k: ContactInfo(**{f: c[f] for f in ContactInfo.model_fields}) for k, c in electrodes.contacts.items()},
        impedance_ohm=electrodes.ohm(now), faulty_contacts=electrodes.faulty(now),
        last_impedance_check=None if last is None else tuple(ImpedanceRow(**{"level": levels.get(r["contact"]), **r}) for r in last),
        last_impedance_check_t_s=electrodes.last_check_t_s,
        battery_pct=dev.power.battery.pct_at(now), recharging=dev.power.recharging is not None,
        projection=BatteryProjection(**dev.projection()),
        active_alarms=tuple(AlarmSnapshot(**a) for a in dev.active_alarms()),
        posture=dev.loop.posture, closed_loop=_closed_loop(dev),
        charge_delivered_uc=charge, energy_used_j=energy,
    )
