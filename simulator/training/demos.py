"""Educator demonstrations: side-by-side comparisons computed from the same models the simulator runs.

Three presets (see `DEMOS`):
- `waveforms`: tonic vs burst vs 10 kHz: one window of each waveform (per-contact current), charge
  per second, battery current and the battery outcome of each archetype at its nominal program,
  or of all three on one device (`device=ONE_DEVICE`, rechargeable), with amplitude, pulse width,
  rate and impedance changed (`overrides`, `impedance_ohm`; the Program model checks them).
- `bridge-bolus`: the same concentration change with and without a bridge bolus: the delivered
  dose rate of both runs on one time axis (runs two pump scenarios; dose, concentrations and
  catheter length as parameters).
- `csf`: the educational CSF concentration model near the catheter tip after a dose change or a
  bolus, and at a spinal level a given number of levels from the tip (`csf_at_level`).
Captions cite public sources (`CSF_SOURCES`, `WAVEFORM_SOURCES`, `BRIDGE_SOURCES`).

The CSF model is an EDUCATIONAL APPROXIMATION, not pharmacokinetics to dose by: one well-mixed
compartment at the catheter tip, V dC/dt = R(t) x c_drug - CL x C, solved in closed form for a
step change of the dose rate, with the concentration falling exponentially with distance along
the neuraxis, C(x) = C_tip x exp(-|x| / lambda). Default figures (shared/domain/pump.md):
CL 0.34 mL/min and V 42 mL for intrathecal morphine [L: Nordberg 1984]; lambda 4 cm, the middle
of the 2-6 cm that fits the 5-10 fold fall over 5-10 cm [L: Bernards 2006, pig data; fit ours].
Note for teaching: V/CL gives a one-compartment half-life of ln2 x 42 / 0.34 = 86 min, shorter
than the 175-196 min CSF half-life measured after a lumbar bolus [L: Nordberg 1984] because one
compartment leaves out distribution; the model shows the shape, not the clock.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.event_kinds import K
from simulator.patient.csf import csf_steady_state_per_ml  # promoted to the intrathecal patient (simulator.patient.csf)

CSF_LABEL = "Educational approximation: one-compartment model at the catheter tip with exponential spatial decay; not for dosing."

CSF_SOURCES = {
    "clearance_ml_per_min": "[L] 0.34 mL/min, intrathecal morphine (Nordberg et al. 1984, Anesthesiology)",
    "volume_ml": "[L] ~42 mL steady-state volume, intrathecal morphine (Nordberg et al. 1984)",
    "length_constant_cm": "[L] 5-10 fold fall over 5-10 cm -> lambda ~2-6 cm (Bernards 2006, pig data; the fit is ours); default 4 cm",
    "csf_volume_ml": "[L] CSF about 150 mL, produced 400-600 mL/day (StatPearls, 'Physiology, Cerebral Spinal Fluid')",
}
#: Public sources the demonstrations' captions cite (never project files).
WAVEFORM_SOURCES = (
    "tonic typically 40-60 Hz, 100-500 us (the stimulator makers' clinician programming manuals); "
    "burst 5 pulses at 500 Hz, 40 Hz, 1000 us, passive recharge (De Ridder et al. 2010, Neurosurgery); "
    "10 kHz, 30 us (Kapural et al. 2015, Anesthesiology, SENZA-RCT)"
)
BRIDGE_SOURCES = (
    "the old drug in the pump tubing and catheter keeps reaching the patient at the new rate until it is used up; "
    "a bridge bolus moves it out at a rate that keeps the dose (manufacturers' refill guidance, e.g. the Medtronic "
    "SynchroMed II clinical reference guide, 'bridge bolus')"
)
#: Spinal levels along the neuraxis for the CSF demonstration, top to bottom, and the length of one
#: level: [?] default 2.5 cm per vertebral level (adult thoracic vertebra + disc are about 2-3 cm).
SPINE_LEVELS = [f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]
LEVEL_CM = 2.5


# ----------------------------------------------------------------------------- CSF model
@dataclass
class CsfResult:
    """Concentrations in the drug's unit per mL (e.g. mg/mL), times in hours, distances in cm."""

    t_h: np.ndarray
    tip_conc_per_ml: np.ndarray
    distances_cm: np.ndarray
    conc_per_ml: np.ndarray  # shape (len(t_h), len(distances_cm))
    steady_before_per_ml: float
    steady_after_per_ml: float
    half_life_min: float
    unit: str
    label: str = CSF_LABEL
    sources: dict[str, str] = field(default_factory=lambda: dict(CSF_SOURCES))


def csf_concentration(
    dose_before_per_day: float,
    dose_after_per_day: float,
    *,
    unit: str = "mg",
    change_at_h: float = 2.0,
    duration_h: float = 12.0,
    clearance_ml_per_min: float = 0.34,
    volume_ml: float = 42.0,
    length_constant_cm: float = 4.0,
    max_distance_cm: float = 15.0,
    n_t: int = 241,
    n_x: int = 61,
    bolus_dose: float = 0.0,
) -> CsfResult:
    """Tip and along-the-spine concentration after a step change of the daily dose at `change_at_h`.

    Starts at the steady state of `dose_before_per_day`. Closed form:
    C(t) = C_ss,after + (C_ss,before - C_ss,after) x exp(-(t - t_change) x CL / V) after the change.
    A `bolus_dose` (drug unit) given at `change_at_h` adds, in the same compartment, an instant
    rise of bolus / V that clears as exp(-(t - t_change) x CL / V) (superposition).
    """
    for name, value in (("clearance_ml_per_min", clearance_ml_per_min), ("volume_ml", volume_ml), ("length_constant_cm", length_constant_cm), ("duration_h", duration_h)):
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{name} must be a positive number (got {value})")
    if dose_before_per_day < 0 or dose_after_per_day < 0 or bolus_dose < 0 or not math.isfinite(bolus_dose):
        raise ValueError("doses must not be negative")
    c0 = csf_steady_state_per_ml(dose_before_per_day, clearance_ml_per_min)
    c1 = csf_steady_state_per_ml(dose_after_per_day, clearance_ml_per_min)
    k_per_min = clearance_ml_per_min / volume_ml
    t_h = np.linspace(0.0, duration_h, n_t)
    since_min = np.clip(t_h - change_at_h, 0.0, None) * 60.0
    tip = np.where(t_h < change_at_h, c0, c1 + (c0 - c1) * np.exp(-k_per_min * since_min))
    if bolus_dose > 0:
        tip = tip + np.where(t_h < change_at_h, 0.0, bolus_dose / volume_ml * np.exp(-k_per_min * since_min))
    x = np.linspace(-max_distance_cm, max_distance_cm, n_x)
    conc = tip[:, None] * np.exp(-np.abs(x)[None, :] / length_constant_cm)
    return CsfResult(t_h, tip, x, conc, c0, c1, math.log(2.0) / k_per_min, unit)


def level_offset_cm(level: str, tip_level: str) -> float:
    """Distance (cm, + towards the head) of a spinal level from the catheter tip's level."""
    for name in (level, tip_level):
        if name not in SPINE_LEVELS:
            raise ValueError(f"unknown spinal level {name!r}; levels: {', '.join(SPINE_LEVELS)}")
    return (SPINE_LEVELS.index(tip_level) - SPINE_LEVELS.index(level)) * LEVEL_CM


def csf_at_level(result: CsfResult, level: str, tip_level: str, length_constant_cm: float = 4.0) -> np.ndarray:
    """Concentration over time at a spinal level, with the catheter tip at `tip_level`."""
    d = abs(level_offset_cm(level, tip_level))
    return result.tip_conc_per_ml * math.exp(-d / length_constant_cm)


# ----------------------------------------------------------------------------- waveforms
#: (label, stimulator profile) of the three archetypes compared; each runs its nominal program.
WAVEFORM_PRESETS = [
    ("tonic", "scs/recharge-free-tonic"),
    ("burst", "scs/recharge-free-burst"),
    ("10 kHz", "scs/high-frequency-10khz"),
]


@dataclass
class WaveformPanel:
    label: str
    profile_id: str
    program: dict[str, Any]
    t_s: np.ndarray
    cathode_current_ma: np.ndarray
    cathode: str
    charge_uc_per_s: float
    tissue_power_mw: float
    battery_current_ma: float
    battery_outcome: str
    battery_figure: float
    battery_unit: str


#: The one rechargeable device on which `waveform_comparison(device=...)` runs all three programs.
ONE_DEVICE = "scs/high-frequency-10khz"
#: Bounds of the demonstration's controls (the model's own program limits apply too).
WAVEFORM_CONTROL_BOUNDS = {
    "amplitude_ma": (0.0, 25.0),
    "pulse_width_us": (10.0, 1000.0),
    "rate_hz": (1.0, 10000.0),
    "impedance_ohm": (100.0, 5000.0),
}


def _program_with(program, overrides: dict[str, float] | None):
    """The program with amplitude / pulse width / rate replaced (validated by the Program model)."""
    if not overrides:
        return program
    from simulator.scs.program import Program

    changes = {}
    for key, value in overrides.items():
        bounds = WAVEFORM_CONTROL_BOUNDS.get(key)
        if bounds is None or key == "impedance_ohm":
            raise ValueError(f"{key}: not a program figure of this demonstration")
        lo, hi = bounds
        if not (lo <= float(value) <= hi):
            raise ValueError(f"{key} = {value}: allowed {lo:g} to {hi:g}")
        changes[key] = float(value)
    changed = Program.model_validate({**program.model_dump(mode="json"), **changes})
    problem = changed.timing_problem()
    if problem:
        raise ValueError(f"{changed.name}: {problem}")
    return changed


def waveform_comparison(registry=None, window_s: float = 0.05, sample_rate_hz: float = 1e6, device: str | None = None,
                        overrides: dict[str, dict[str, float]] | None = None, impedance_ohm: float | None = None) -> list[WaveformPanel]:
    """Tonic vs burst vs 10 kHz at each archetype's nominal program (one scope window each).

    `device`: run all three programs on that one stimulator profile (its battery, efficiency and
    impedance), so the battery figures compare like with like (e.g. ONE_DEVICE, rechargeable:
    days from a full charge for each); default: each archetype's own device. `overrides`: per
    label, program figures to replace (amplitude_ma, pulse_width_us, rate_hz); `impedance_ohm`:
    the impedance of every contact (default: the device's nominal)."""
    from simulator.profiles.registry import default_registry
    from simulator.scs.battery import days_between
    from simulator.scs.energy import (
        battery_current_ma,
        nominal_impedances,
        program_drain,
    )
    from simulator.scs.waveform import render

    registry = registry or default_registry()
    if impedance_ohm is not None:
        lo, hi = WAVEFORM_CONTROL_BOUNDS["impedance_ohm"]
        if not (lo <= float(impedance_ohm) <= hi):
            raise ValueError(f"impedance_ohm = {impedance_ohm}: allowed {lo:g} to {hi:g}")
    panels = []
    for label, pid in WAVEFORM_PRESETS:
        program = _program_with(registry.get(pid).nominal_program, (overrides or {}).get(label))
        profile = registry.get(device or pid)
        t, currents = render([program], 0.0, window_s, sample_rate_hz, mode="point")
        cathode = next(k for k, u in program.contacts.items() if u.polarity == "-")
        ohm = profile.impedance.nominal_ohm if impedance_ohm is None else float(impedance_ohm)
        drain = program_drain(program, profile, nominal_impedances(program, ohm))
        cell_ma = battery_current_ma(drain.battery_power_w, profile)
        b = profile.battery
        if b.chemistry == "primary":
            outcome, figure, unit = "service life", days_between(b.capacity_mah, 100.0, b.stimulation_off_pct, cell_ma) / 365.0, "years"
        else:
            outcome, figure, unit = "days from a full charge", days_between(b.capacity_mah, 100.0, b.stimulation_off_pct, cell_ma), "days"
        panels.append(
            WaveformPanel(label, device or pid, program.model_dump(mode="json"), t, currents[cathode], cathode, drain.charge_uc_per_s,
                          drain.tissue_power_w * 1e3, cell_ma, outcome, figure, unit)
        )
    return panels


# ----------------------------------------------------------------------------- bridge bolus
@dataclass
class DoseCurve:
    label: str
    t_h: np.ndarray
    dose_per_day: np.ndarray  # delivered dose rate, drug unit per day (hourly average)
    unit: str
    dose_error_message: str
    catheter_dead_volume_ml: float | None = None  # pump tubing + catheter


#: Bounds of the bridge-bolus demonstration's controls.
BRIDGE_CONTROL_BOUNDS = {
    "dose_mg_per_day": (0.1, 10.0),
    "old_mg_per_ml": (1.0, 50.0),
    "new_mg_per_ml": (1.0, 50.0),
    "catheter_length_cm": (10.0, 120.0),
}


def bridge_bolus_scenario(bridge: bool, dose_mg_per_day: float = 2.0, old_mg_per_ml: float = 10.0, new_mg_per_ml: float = 20.0,
                          catheter_length_cm: float | None = None) -> dict[str, Any]:
    """A morphine pump refilled at 2 h with a new concentration, with or without a bridge bolus.
    `catheter_length_cm` sets the catheter's share of the dead volume (default: the settings' default)."""
    for key, value in (("dose_mg_per_day", dose_mg_per_day), ("old_mg_per_ml", old_mg_per_ml), ("new_mg_per_ml", new_mg_per_ml),
                       ("catheter_length_cm", catheter_length_cm)):
        if value is None:
            continue
        lo, hi = BRIDGE_CONTROL_BOUNDS[key]
        if not (lo <= float(value) <= hi):
            raise ValueError(f"{key} = {value}: allowed {lo:g} to {hi:g}")
    settings: dict[str, Any] = {
        "drug": "drug/morphine", "concentration_mg_per_ml": old_mg_per_ml, "reservoir_ml": 3,
        "mode": {"type": "continuous", "dose_mg_per_day": dose_mg_per_day}}
    if catheter_length_cm is not None:
        settings["catheter_length_cm"] = float(catheter_length_cm)
    return {
        "name": f"Concentration change {old_mg_per_ml:g} -> {new_mg_per_ml:g} mg/mL {'with' if bridge else 'without'} a bridge bolus",
        "seed": 1,
        "duration": "5d",
        "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": settings}],
        "timeline": [{"at": "2h", "device": "pump", "action": "refill",
                      "params": {"fill_ml": 18, "concentration_mg_per_ml": new_mg_per_ml, "bridge_bolus": bridge}}],
    }


def bridge_bolus_comparison(registry=None, step_h: float = 1.0, **params: float) -> list[DoseCurve]:
    """Delivered dose rate (hourly average) of the same concentration change with and without a
    bridge bolus; `params`: those of `bridge_bolus_scenario` (dose, concentrations, catheter length)."""
    from simulator.engine import Simulation
    from simulator.pump.device import PumpDevice
    from simulator.scenario import scenario_from_dict

    curves = []
    for bridge in (False, True):
        scenario = scenario_from_dict(bridge_bolus_scenario(bridge, **params), registry)
        sim = Simulation(scenario, registry=registry, validate=False)
        sim.run()
        res = sim.results()
        grid_s = np.arange(0.0, sim.duration_s + 1e-9, step_h * 3600.0)
        cum = res.resample("pump", "cumulative_drug_mg", grid_s)
        rate = np.diff(cum) / (step_h / 24.0)
        msgs = [e.payload.get("message", "") for e in res.events_where("pump", K.DOSE_ERROR_CONCENTRATION_CHANGE)]
        pump = sim.devices["pump"]
        assert isinstance(pump, PumpDevice)  # the scenario above has one device, the pump "pump"
        curves.append(DoseCurve("with bridge bolus" if bridge else "without bridge bolus", grid_s[1:] / 3600.0, rate, "mg", msgs[0] if msgs else "",
                                float(pump.snapshot().dead_volume_ml)))
    return curves


# ----------------------------------------------------------------------------- catalogue
DEMOS = {
    "waveforms": "Tonic vs burst vs 10 kHz: waveform, charge per second, battery",
    "bridge-bolus": "Concentration change with vs without a bridge bolus: delivered dose rate",
    "csf": "Educational CSF concentration near the catheter tip after a dose change",
}
