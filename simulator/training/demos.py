"""Educator demonstrations: side-by-side comparisons computed from the same models the simulator runs.

Three presets (see `DEMOS`):
- `waveforms`: tonic vs burst vs 10 kHz: one window of each waveform (per-contact current), charge
  per second, battery current and the battery outcome of each archetype at its nominal program.
- `bridge-bolus`: the same concentration change with and without a bridge bolus: the delivered
  dose rate of both runs on one time axis (runs two pump scenarios).
- `csf`: the educational CSF concentration model near the catheter tip after a dose change.

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
from simulator.units import SECONDS_PER_DAY

CSF_LABEL = "Educational approximation: one-compartment model at the catheter tip with exponential spatial decay; not for dosing."

CSF_SOURCES = {
    "clearance_ml_per_min": "[L] 0.34 mL/min, intrathecal morphine (Nordberg 1984), via shared/domain/pump.md",
    "volume_ml": "[L] ~42 mL steady-state volume, intrathecal morphine (Nordberg 1984), via shared/domain/pump.md",
    "length_constant_cm": "[L] 5-10 fold fall over 5-10 cm -> lambda ~2-6 cm (Bernards 2006, pig data; fit is ours); default 4 cm",
    "csf_volume_ml": "[L] CSF about 150 mL, produced 400-600 mL/day (StatPearls), via shared/domain/pump.md",
}


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


def csf_steady_state_per_ml(dose_per_day: float, clearance_ml_per_min: float) -> float:
    """Tip concentration at steady state: input rate / clearance (drug unit per mL)."""
    return (dose_per_day / (SECONDS_PER_DAY / 60.0)) / clearance_ml_per_min


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
) -> CsfResult:
    """Tip and along-the-spine concentration after a step change of the daily dose at `change_at_h`.

    Starts at the steady state of `dose_before_per_day`. Closed form:
    C(t) = C_ss,after + (C_ss,before - C_ss,after) x exp(-(t - t_change) x CL / V) after the change.
    """
    for name, value in (("clearance_ml_per_min", clearance_ml_per_min), ("volume_ml", volume_ml), ("length_constant_cm", length_constant_cm), ("duration_h", duration_h)):
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{name} must be a positive number (got {value})")
    if dose_before_per_day < 0 or dose_after_per_day < 0:
        raise ValueError("doses must not be negative")
    c0 = csf_steady_state_per_ml(dose_before_per_day, clearance_ml_per_min)
    c1 = csf_steady_state_per_ml(dose_after_per_day, clearance_ml_per_min)
    k_per_min = clearance_ml_per_min / volume_ml
    t_h = np.linspace(0.0, duration_h, n_t)
    since_min = np.clip(t_h - change_at_h, 0.0, None) * 60.0
    tip = np.where(t_h < change_at_h, c0, c1 + (c0 - c1) * np.exp(-k_per_min * since_min))
    x = np.linspace(-max_distance_cm, max_distance_cm, n_x)
    conc = tip[:, None] * np.exp(-np.abs(x)[None, :] / length_constant_cm)
    return CsfResult(t_h, tip, x, conc, c0, c1, math.log(2.0) / k_per_min, unit)


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


def waveform_comparison(registry=None, window_s: float = 0.05, sample_rate_hz: float = 1e6) -> list[WaveformPanel]:
    """Tonic vs burst vs 10 kHz at each archetype's nominal program (one scope window each)."""
    from simulator.profiles.registry import default_registry
    from simulator.scs.battery import days_between
    from simulator.scs.energy import battery_current_ma, nominal_impedances, program_drain
    from simulator.scs.waveform import render

    registry = registry or default_registry()
    panels = []
    for label, pid in WAVEFORM_PRESETS:
        profile = registry.get(pid)
        program = profile.nominal_program
        t, currents = render([program], 0.0, window_s, sample_rate_hz, mode="point")
        cathode = next(k for k, u in program.contacts.items() if u.polarity == "-")
        drain = program_drain(program, profile, nominal_impedances(program, profile.impedance.nominal_ohm))
        cell_ma = battery_current_ma(drain.battery_power_w, profile)
        b = profile.battery
        if b.chemistry == "primary":
            outcome, figure, unit = "service life", days_between(b.capacity_mah, 100.0, b.stimulation_off_pct, cell_ma) / 365.0, "years"
        else:
            outcome, figure, unit = "days from a full charge", days_between(b.capacity_mah, 100.0, b.stimulation_off_pct, cell_ma), "days"
        panels.append(
            WaveformPanel(label, pid, program.model_dump(mode="json"), t, currents[cathode], cathode, drain.charge_uc_per_s,
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


def bridge_bolus_scenario(bridge: bool, dose_mg_per_day: float = 2.0, old_mg_per_ml: float = 10.0, new_mg_per_ml: float = 20.0) -> dict[str, Any]:
    """A morphine pump refilled at 2 h with a new concentration, with or without a bridge bolus."""
    return {
        "name": f"Concentration change {old_mg_per_ml:g} -> {new_mg_per_ml:g} mg/mL {'with' if bridge else 'without'} a bridge bolus",
        "seed": 1,
        "duration": "5d",
        "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": {
            "drug": "drug/morphine", "concentration_mg_per_ml": old_mg_per_ml, "reservoir_ml": 3,
            "mode": {"type": "continuous", "dose_mg_per_day": dose_mg_per_day}}}],
        "timeline": [{"at": "2h", "device": "pump", "action": "refill",
                      "params": {"fill_ml": 18, "concentration_mg_per_ml": new_mg_per_ml, "bridge_bolus": bridge}}],
    }


def bridge_bolus_comparison(registry=None, step_h: float = 1.0) -> list[DoseCurve]:
    """Delivered dose rate (hourly average) of the same concentration change with and without a bridge bolus."""
    from simulator.engine import Simulation
    from simulator.scenario import scenario_from_dict

    curves = []
    for bridge in (False, True):
        scenario = scenario_from_dict(bridge_bolus_scenario(bridge), registry)
        sim = Simulation(scenario, registry=registry, validate=False)
        sim.run()
        res = sim.results()
        grid_s = np.arange(0.0, sim.duration_s + 1e-9, step_h * 3600.0)
        cum = res.resample("pump", "cumulative_drug_mg", grid_s)
        rate = np.diff(cum) / (step_h / 24.0)
        msgs = [e.payload.get("message", "") for e in res.events_where("pump", K.DOSE_ERROR_CONCENTRATION_CHANGE)]
        curves.append(DoseCurve("with bridge bolus" if bridge else "without bridge bolus", grid_s[1:] / 3600.0, rate, "mg", msgs[0] if msgs else ""))
    return curves


# ----------------------------------------------------------------------------- catalogue
DEMOS = {
    "waveforms": "Tonic vs burst vs 10 kHz: waveform, charge per second, battery",
    "bridge-bolus": "Concentration change with vs without a bridge bolus: delivered dose rate",
    "csf": "Educational CSF concentration near the catheter tip after a dose change",
}
