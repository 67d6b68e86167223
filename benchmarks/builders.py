"""Scenarios the benchmarks run, built in code from the real profiles (no YAML files).

The combined therapy is one stimulator and one intrathecal pump:
- stimulator `ipg` on scs/rechargeable-micc-16 (or the primary cell scs/recharge-free-tonic),
  two tonic programs interleaved, each cycling on and off, recharged to full at a fixed interval;
- pump `pump` on pump/valve-gated-20ml (rated for 10 years of service) with morphine 10 mg/mL on a 24-step daily flex schedule
  (one step an hour), one patient bolus a day and a refill every 30 days, at which the clinician
  also acknowledges any pump alarm (so an end-of-service tone does not repeat for years).
The timeline (recharges, boluses, refills) is generated from the duration, so ten years holds
about 4,000 scenario actions. Times are seconds from the scenario start (t = 0 at 08:00).
"""
from __future__ import annotations

import math

from simulator.scenario.model import Scenario
from simulator.units import SECONDS_PER_DAY

LEADS = [
    {"lead": "lead/percutaneous-8", "top_level": "T8", "side": "left"},
    {"lead": "lead/percutaneous-8", "top_level": "T8", "side": "right"},
]
IMPEDANCE = {"initial_ohm": {"E2": 525, "E3": 525, "E10": 525, "E11": 525}, "drift": False}

#: 24 hourly flex steps (mg/day): lower at night, higher by day; averages 3.0 mg/day
FLEX_DOSE_MG_PER_DAY = [2.4, 2.4, 2.4, 2.4, 2.4, 2.6, 2.8, 3.0, 3.2, 3.4, 3.4, 3.4,
                        3.4, 3.4, 3.4, 3.4, 3.4, 3.2, 3.2, 3.0, 3.0, 2.8, 2.6, 2.4]
REFILL_INTERVAL_DAYS = 30
#: the daily patient bolus is pressed at 18:00 (10 h after the 08:00 start)
BOLUS_OFFSET_S = 10 * 3600.0


def tonic_program(name: str, contacts: dict[str, str], rate_hz: float = 40.0) -> dict:
    """A cycled program: 50 Hz-class tonic, or 10 kHz high-frequency when rate_hz > 1200 Hz."""
    high = rate_hz > 1200.0
    return {
        "name": name,
        "contacts": contacts,
        "amplitude_ma": 2.5 if high else 3.0,
        "pulse_width_us": 20.0 if high else 210.0,
        "rate_hz": rate_hz,
        "waveform": "high_frequency" if high else "tonic",
        "cycling": {"on_s": 60.0, "off_s": 240.0},
        "soft_start_s": 2.0,
        "soft_stop_s": 2.0,
    }


def stimulator_spec(rate_hz: float = 40.0, primary_cell: bool = False, two_programs: bool = True) -> dict:
    """The stimulator device of the combined scenario (settings dict, validated by the model)."""
    programs = [tonic_program("back", {"E2": "-", "E3": "+"}, rate_hz)]
    if two_programs:
        programs.append(tonic_program("legs", {"E10": "-", "E11": "+"}, rate_hz))
    profile = "scs/recharge-free-tonic" if primary_cell else "scs/rechargeable-micc-16"
    if primary_cell:  # the primary-cell profile allows a lower amplitude range: keep its nominal levels
        for p in programs:
            p.update(amplitude_ma=1.5, pulse_width_us=200.0, charge_balance="passive")
    return {
        "id": "ipg",
        "profile": profile,
        "settings": {"leads": LEADS, "programs": programs, "active_programs": [p["name"] for p in programs], "impedance": IMPEDANCE},
    }


def pump_spec() -> dict:
    """The pump device: morphine on a 24-step flex schedule with patient boluses."""
    return {
        "id": "pump",
        "profile": "pump/valve-gated-20ml",
        "settings": {
            "drug": "drug/morphine",
            "concentration_mg_per_ml": 10,
            "reservoir_ml": 20,
            "low_reservoir_threshold_ml": 2,
            "mode": {"type": "flex", "steps": [{"start": f"{h:02d}:00", "dose_mg_per_day": d} for h, d in enumerate(FLEX_DOSE_MG_PER_DAY)]},
            "patient_bolus": {"dose_mg": 0.1, "duration_min": 10, "lockout_min": 120, "max_per_day": 4},
        },
    }


def combined_timeline(duration_days: float, recharge_every_days: float | None, pump: bool = True) -> list[dict]:
    """Actions: a recharge every `recharge_every_days` (None: never), a patient bolus a day and a
    20 mL refill every 30 days (pump only). Sorted by time."""
    actions = []
    if recharge_every_days:
        for k in range(1, int(math.floor(duration_days / recharge_every_days)) + 1):
            actions.append({"at": k * recharge_every_days * SECONDS_PER_DAY - 3600.0, "device": "ipg", "action": "recharge", "params": {"to_full": True}})
    if pump:
        for day in range(int(duration_days)):
            actions.append({"at": day * SECONDS_PER_DAY + BOLUS_OFFSET_S, "device": "pump", "action": "patient_bolus", "params": {}})
        for k in range(1, int(duration_days // REFILL_INTERVAL_DAYS) + 1):
            visit_s = k * REFILL_INTERVAL_DAYS * SECONDS_PER_DAY + 2 * 3600.0
            actions.append({"at": visit_s, "device": "pump", "action": "acknowledge_alarm", "params": {"alarm": "all"}})
            actions.append({"at": visit_s + 600.0, "device": "pump", "action": "refill", "params": {"fill_ml": 18}})
    actions = [a for a in actions if a["at"] < duration_days * SECONDS_PER_DAY]
    actions.sort(key=lambda a: a["at"])
    return actions


def combined_scenario(duration_days: float, rate_hz: float = 40.0, recharge_every_days: float | None = 30.0,
                      primary_cell: bool = False, seed: int = 1) -> Scenario:
    """One stimulator and one pump for `duration_days` days (see the module docstring)."""
    if primary_cell:
        recharge_every_days = None
    return Scenario.model_validate({
        "name": f"benchmark: combined therapy, {duration_days:g} days, {rate_hz:g} Hz",
        "seed": seed,
        "start": "2026-01-05T08:00:00",
        "duration": duration_days * SECONDS_PER_DAY,
        "devices": [stimulator_spec(rate_hz, primary_cell), pump_spec()],
        "timeline": combined_timeline(duration_days, recharge_every_days),
    })


def ten_year_scenario(primary_cell: bool = False) -> Scenario:
    """Target 1: ten years (3,650 days) of combined therapy, monthly recharges (or a primary cell)."""
    return combined_scenario(3650.0, primary_cell=primary_cell)


def rate_year_scenario(rate_hz: float) -> Scenario:
    """Target 2: one year of combined therapy with both programs at `rate_hz` (50 Hz tonic or
    10 kHz high frequency, 60 s on / 240 s off), recharged weekly so neither runs flat."""
    return combined_scenario(365.0, rate_hz=rate_hz, recharge_every_days=7.0)


def thirty_day_scenario(seed: int = 1) -> Scenario:
    """Target 4: the thirty-day combined scenario one sweep point runs."""
    return combined_scenario(30.0, seed=seed)


def thirty_day_scenario_dict(seed: int = 1) -> dict:
    """The same as a plain dict (what a sweep spec's base holds)."""
    return thirty_day_scenario(seed).model_dump(mode="json")


def many_device_scenario(n_devices: int, duration_days: float, seed: int = 1, offset_h: float = 1.0) -> Scenario:
    """`n_devices` devices (half stimulators, half pumps; 64 is the scenario limit), each pair
    the combined therapy above with its own ids and timeline (recharges, daily boluses, monthly
    refill and acknowledgement), pair k's actions `offset_h` x (k mod 12) hours later so their
    events do not coincide (0: every pair on the same timeline)."""
    if n_devices < 2 or n_devices % 2:
        raise ValueError("n_devices must be even and >= 2")
    devices, actions = [], []
    for k in range(n_devices // 2):
        ipg, pump = stimulator_spec(), pump_spec()
        ipg["id"], pump["id"] = f"ipg{k:02d}", f"pump{k:02d}"
        devices += [ipg, pump]
        for a in combined_timeline(duration_days, 30.0):
            at = a["at"] + 3600.0 * offset_h * (k % 12)
            if at < duration_days * SECONDS_PER_DAY:
                actions.append({**a, "at": at, "device": ipg["id"] if a["device"] == "ipg" else pump["id"]})
    actions.sort(key=lambda a: (a["at"], a["device"]))
    return Scenario.model_validate({
        "name": f"benchmark: {n_devices} devices, {duration_days:g} days",
        "seed": seed,
        "start": "2026-01-05T08:00:00",
        "duration": duration_days * SECONDS_PER_DAY,
        "devices": devices,
        "timeline": actions,
    })


def default_scenario_years(years: float, root=None) -> Scenario:
    """The bundled default scenario (scenarios/default.yaml) run for `years` years: its weekly
    recharges stop after 180 days and nobody acknowledges the pump's alarms, so the low-reservoir
    and empty tones repeat for the rest of the run (the alarm-repeat path)."""
    from pathlib import Path

    import yaml

    from simulator.units import SECONDS_PER_DAY as DAY

    root = Path(root) if root else Path(__file__).resolve().parents[1]
    data = yaml.safe_load((root / "scenarios" / "default.yaml").read_text())
    for entry in data.get("timeline", []):  # recurring recharges keep to the scenario's own 180 days
        if "every" in entry and "count" not in entry and "until" not in entry:
            entry["until"] = data["duration"]
    data["duration"] = years * 365.0 * DAY
    return Scenario.model_validate(data)


def stimulator_actions_scenario(duration_days: float, every_s: float = 3600.0, seed: int = 1) -> Scenario:
    """The combined scenario's stimulator alone (recharged every 30 days) with a patient
    amplitude step every `every_s` seconds, alternately up and down one step on the 'back'
    program (so the amplitude stays within its range): the many-actions path (item 4)."""
    actions = combined_timeline(duration_days, 30.0, pump=False)
    k = 1
    while k * every_s < duration_days * SECONDS_PER_DAY:
        actions.append({"at": k * every_s + 60.0, "device": "ipg", "action": "amplitude_up" if k % 2 else "amplitude_down",
                        "params": {"program": "back", "steps": 1}})
        k += 1
    actions.sort(key=lambda a: a["at"])
    return Scenario.model_validate({
        "name": f"benchmark: stimulator, an amplitude step every {every_s:g} s, {duration_days:g} days",
        "seed": seed,
        "start": "2026-01-05T08:00:00",
        "duration": duration_days * SECONDS_PER_DAY,
        "devices": [stimulator_spec()],
        "timeline": actions,
    })
