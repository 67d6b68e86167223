"""When continuous impedance drift takes a program out of (or back into) compliance.

Between events every contact's impedance follows its closed form Z_i(t) = Z0_i exp(g_i t / 1 year)
(faults are constants), so the voltage a program needs, I x R_eff(t) + headroom, is a closed-form
function of time. R_eff(t) is the worst cathode's plus the worst anode's share x Z with independent
sources, and the parallel resistance of the cathodes plus that of the anodes with one shared
source (its split follows conductance). The crossing of the rail is solved for, not stepped to:
the margin rail - need(t) is evaluated in closed form on a coarse grid to bracket the first sign
change, then bisected to `TOLERANCE_S`. For one drifting contact the answer equals the algebraic
t = 1 year x ln(((rail - headroom) / I - Z_other) / Z0) / g (see the tests).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simulator.scs.impedance import SECONDS_PER_YEAR
from simulator.scs.program import CASE, Program

if TYPE_CHECKING:
    from simulator.scs.impedance import ImpedanceModel
    from simulator.scs.profile import StimulatorProfile

#: Bisection stops when the bracket is this narrow, s.
TOLERANCE_S = 1e-3
#: Grid points used to bracket the first crossing over the horizon.
GRID_POINTS = 256


def _ohm_series(model: ImpedanceModel, label: str, t_s: np.ndarray) -> np.ndarray:
    if label == CASE:
        return np.full_like(t_s, model.spec.case_ohm)
    fault = model.faults.get(label)
    if fault == "open":
        return np.full_like(t_s, model.spec.open_fault_ohm)
    if fault == "short":
        return np.full_like(t_s, model.spec.short_fault_ohm)
    return model.base_ohm[label] * np.exp(model.growth_per_year[label] * t_s / SECONDS_PER_YEAR)


def drive_resistance_series_ohm(program: Program, profile: StimulatorProfile, model: ImpedanceModel, t_s: np.ndarray) -> np.ndarray:
    """R_eff(t) of `program` at the times `t_s` (closed form), ohm."""
    single = profile.current_sources == "single"
    total = np.zeros_like(t_s, dtype=float)
    for group in (program.cathodes(), program.anodes()):
        z = {k: _ohm_series(model, k, t_s) for k in group}
        if single and len(group) > 1:
            total += 1.0 / sum(1.0 / v for v in z.values())
        else:
            total += np.max(np.vstack([share * z[k] for k, share in group.items()]), axis=0)
    return total


def margin_v(program: Program, profile: StimulatorProfile, model: ImpedanceModel, amplitude_ma: float, t_s: np.ndarray) -> np.ndarray:
    """rail - (I x R_eff(t) + headroom), V: >= 0 in compliance."""
    need = amplitude_ma * 1e-3 * drive_resistance_series_ohm(program, profile, model, t_s) + profile.compliance_headroom_v
    return profile.compliance_rail_v - need


def drifts(program: Program, model: ImpedanceModel) -> bool:
    """True when some contact of `program` drifts (not faulted, nonzero growth)."""
    return any(k != CASE and k not in model.faults and model.growth_per_year.get(k, 0.0) != 0.0 for k in program.contacts)


def next_compliance_change_s(program: Program, profile: StimulatorProfile, model: ImpedanceModel, amplitude_ma: float,
                             t_from_s: float, t_to_s: float) -> float:
    """First time in (t_from_s, t_to_s] at which the program's compliance state flips (inf if none)."""
    if amplitude_ma <= 0 or t_to_s <= t_from_s or not drifts(program, model):
        return math.inf
    grid = np.linspace(t_from_s, t_to_s, GRID_POINTS + 1)
    m = margin_v(program, profile, model, amplitude_ma, grid)
    ok0 = m[0] >= -1e-9
    flipped = np.nonzero((m >= -1e-9) != ok0)[0]
    if len(flipped) == 0:
        return math.inf
    hi = float(grid[flipped[0]])
    lo = float(grid[flipped[0] - 1])
    while hi - lo > TOLERANCE_S:
        mid = 0.5 * (lo + hi)
        if (margin_v(program, profile, model, amplitude_ma, np.array([mid]))[0] >= -1e-9) == ok0:
            lo = mid
        else:
            hi = mid
    return hi
