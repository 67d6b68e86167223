"""Flow accuracy: the systematic error of one device, and the gas-driven pump's sensitivity to
body temperature and ambient pressure.

Gas-driven flow is proportional to the pressure across the flow restrictor: the propellant's
absolute vapour pressure (rising with temperature) minus the ambient (outlet) pressure. Fever
and altitude raise flow; hyperbaric pressure lowers it (to zero at the propellant pressure).
"""
from __future__ import annotations

import numpy as np

from simulator.pump.profile import GasDriveSpec

MMHG_PER_ATA = 760.0


def draw_systematic_error_pct(rng: np.random.Generator, accuracy_pct: float, measured_abs_error_pct: float | None = None) -> float:
    """A device's fixed flow error, percent.

    Without a measured figure: uniform within the labelled band +/- accuracy_pct. With the mean
    absolute error measured in clinical use (e.g. 100 - 96.8 = 3.2 % for the valve-gated pump's
    pivotal study): uniform within +/- 2 x that figure, because the mean |error| of a uniform
    +/- a band is a / 2; clipped to the band (the band stays the acceptance limit)."""
    half = accuracy_pct if measured_abs_error_pct is None else min(2.0 * measured_abs_error_pct, accuracy_pct)
    return float(rng.uniform(-half, half))


def ambient_pressure_mmhg_at_altitude(altitude_m: float) -> float:
    """Standard-atmosphere pressure at an altitude (ICAO barometric formula, troposphere)."""
    return 760.0 * (1.0 - 2.25577e-5 * altitude_m) ** 5.25588


def ambient_pressure_mmhg(ambient_pressure_mmhg: float | None = None, altitude_m: float | None = None, ambient_pressure_ata: float | None = None, default_mmhg: float = 760.0) -> float:
    if ambient_pressure_mmhg is not None:
        return ambient_pressure_mmhg
    if altitude_m is not None:
        return ambient_pressure_mmhg_at_altitude(altitude_m)
    if ambient_pressure_ata is not None:
        return ambient_pressure_ata * MMHG_PER_ATA
    return default_mmhg


def gas_flow_factor(gas: GasDriveSpec, body_temperature_c: float, ambient_mmhg: float) -> float:
    """Flow relative to the labelled rate (1.0 at the reference temperature and pressure)."""
    ref = gas.vapour_pressure_abs_mmhg_at_ref - gas.ref_ambient_mmhg
    vapour = gas.vapour_pressure_abs_mmhg_at_ref + gas.vapour_pressure_mmhg_per_c * (body_temperature_c - gas.ref_temperature_c)
    return max(0.0, vapour - ambient_mmhg) / ref
