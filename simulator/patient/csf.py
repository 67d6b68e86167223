"""Drug in the body of the intrathecal patient, in closed form: APPROXIMATION FOR TEACHING.

Promoted from the educational CSF demonstration (`simulator.training.demos`, which now imports its
steady state from here): one well-mixed compartment at the catheter tip, V dC/dt = R - CL x C,
extended (domain/patient.md B7) with a chain of first-order compartments, every one linear:

    P   depot in tissue (pocket fill, disconnected or migrated catheter), drug unit:
        dP/dt = g R - ka P
    S   systemic amount absorbed from it, drug unit:           dS/dt = ka P - ks S
    C   tip concentration, drug unit / mL:                     dC/dt = f R / V - (CL / V) C
    Ce  effect compartment (tau minutes), unit / mL:           dCe/dt = (C + Cs - Ce) / tau_e
    Cr  rostral compartment (tau hours: late respiratory
        depression from CSF drug), unit / mL:                  dCr/dt = (C - Cr) / tau_r
    H   habituation (days: pruritus, nausea, hypotension fade): dH/dt = (Ce - H) / tau_h
    L   withdrawal lag (about a day):                          dL/dt = (Ce - L) / tau_l
    T   tolerance / slow exposure (days to weeks):             dT/dt = (Ce - T) / tau_t

R is the drug rate leaving the catheter (unit / s), f the fraction reaching the CSF, g the fraction
going into tissue; Cs = S / (ratio x V) is the systemic amount as an intrathecal-equivalent
concentration (ratio: systemic dose per intrathecal dose of the same effect, e.g. 100 for
morphine IV:IT [L: OpenAnesthesia]). Systemic drug reaches the brainstem through the blood, without
the rostral CSF lag: the rostral effects are driven by Cr + Cs (`simulator.patient.it_effects`). With R, f and g constant between two events, x' = A x + b has
the closed form x(t) = E(t) (x0 + A^-1 b) - A^-1 b with E(t) = V diag(exp(lambda t)) V^-1, the
eigen-decomposition of the triangular A computed once per drug (rates made distinct by 1e-9
relative if two time constants are equal). Nothing is stepped per minute.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.units import SECONDS_PER_DAY

#: state order of `DrugBody`
STATES = ("depot", "systemic", "tip", "effect", "rostral", "habituation", "lag", "tolerance")
P, S, C, CE, CR, H, LAG, T = range(len(STATES))


def csf_steady_state_per_ml(dose_per_day: float, clearance_ml_per_min: float) -> float:
    """Tip concentration at steady state: input rate / clearance (drug unit per mL)."""
    return (dose_per_day / (SECONDS_PER_DAY / 60.0)) / clearance_ml_per_min


@dataclass(frozen=True)
class Kinetics:
    """Time constants and volumes of one drug (seconds, mL, mL/min); see the module docstring."""

    clearance_ml_per_min: float
    volume_ml: float
    effect_tau_s: float
    rostral_tau_s: float
    habituation_tau_s: float
    lag_tau_s: float
    tolerance_tau_s: float
    absorption_tau_s: float
    systemic_tau_s: float
    systemic_ratio: float

    @property
    def k_tip_per_s(self) -> float:
        return self.clearance_ml_per_min / 60.0 / self.volume_ml


class DrugBody:
    """The linear compartments of one drug; `advance` and `at` are closed form."""

    def __init__(self, kin: Kinetics):
        self.kin = kin
        ka, ks, k = 1.0 / kin.absorption_tau_s, 1.0 / kin.systemic_tau_s, kin.k_tip_per_s
        ke, kr, kh, kl, kt = (1.0 / kin.effect_tau_s, 1.0 / kin.rostral_tau_s, 1.0 / kin.habituation_tau_s,
                              1.0 / kin.lag_tau_s, 1.0 / kin.tolerance_tau_s)
        # distinct diagonal (eigenvalues of a triangular matrix), so A is diagonalisable
        diag = [ka, ks, k, ke, kr, kh, kl, kt]
        for i in range(len(diag)):
            while any(abs(diag[i] - diag[j]) <= 1e-9 * diag[i] for j in range(i)):
                diag[i] *= 1.0 + 1e-7
        ka, ks, k, ke, kr, kh, kl, kt = diag
        q = 1.0 / (kin.systemic_ratio * kin.volume_ml)  # systemic amount -> IT-equivalent concentration
        a = np.zeros((8, 8))
        a[P, P] = -ka
        a[S, P], a[S, S] = ka, -ks
        a[C, C] = -k
        a[CE, C], a[CE, S], a[CE, CE] = ke, ke * q, -ke
        a[CR, C], a[CR, CR] = kr, -kr
        a[H, CE], a[H, H] = kh, -kh
        a[LAG, CE], a[LAG, LAG] = kl, -kl
        a[T, CE], a[T, T] = kt, -kt
        self.a = a
        lam, vec = np.linalg.eig(a)
        self.lam = lam.real
        self.vec = vec.real
        self.vec_inv = np.linalg.inv(self.vec)
        self.a_inv = np.linalg.inv(a)
        self.x = np.zeros(8)
        self.t0 = 0.0
        self.b = np.zeros(8)
        self._shift = np.zeros(8)  # A^-1 b
        self._coef = self.vec_inv @ self.x

    # ----- inputs -----
    def input_vector(self, rate_per_s: float, to_csf: float, to_tissue: float) -> np.ndarray:
        """b for a drug rate leaving the catheter (unit/s) split into CSF and tissue fractions."""
        b = np.zeros(8)
        b[P] = to_tissue * rate_per_s
        b[C] = to_csf * rate_per_s / self.kin.volume_ml
        return b

    def steady_state(self, b: np.ndarray) -> np.ndarray:
        """The state a constant input b reaches: x = -A^-1 b."""
        return np.maximum(-self.a_inv @ b, 0.0)

    def set_state(self, t_s: float, x: np.ndarray, b: np.ndarray) -> None:
        """Start a segment at t_s from state x with constant input b."""
        self.t0 = float(t_s)
        self.x = np.maximum(np.asarray(x, float), 0.0)
        self.b = np.asarray(b, float)
        self._shift = self.a_inv @ self.b
        self._coef = self.vec_inv @ (self.x + self._shift)

    def advance(self, t_s: float, b: np.ndarray | None = None) -> None:
        """Move to t_s with the present input, then switch to input b (None: keep it)."""
        x = self.at(t_s)
        self.set_state(t_s, x, self.b if b is None else b)

    def impulse(self, t_s: float, amount_to_csf: float = 0.0, amount_to_tissue: float = 0.0) -> None:
        """An instant dose at t_s: into the CSF (unit) or into the tissue depot (unit)."""
        x = self.at(t_s)
        x[C] += amount_to_csf / self.kin.volume_ml
        x[P] += amount_to_tissue
        self.set_state(t_s, x, self.b)

    @property
    def idle(self) -> bool:
        """No drug and no input: every state stays zero (the effects need not be computed)."""
        return not np.any(self.x) and not np.any(self.b)

    # ----- closed form -----
    def at(self, t_s: float) -> np.ndarray:
        """State at t_s >= t0 of the present segment (never negative)."""
        dt = max(0.0, float(t_s) - self.t0)
        x = self.vec @ (np.exp(self.lam * dt) * self._coef) - self._shift
        return np.maximum(x, 0.0)

    def at_many(self, times_s: np.ndarray) -> np.ndarray:
        """States at many times (rows), closed form, vectorised."""
        dt = np.maximum(0.0, np.asarray(times_s, float) - self.t0)
        x = (np.exp(np.outer(dt, self.lam)) * self._coef) @ self.vec.T - self._shift
        return np.maximum(x, 0.0)

    def systemic_equivalent_per_ml(self, x: np.ndarray) -> float:
        """Cs: the systemic amount as an intrathecal-equivalent concentration, unit / mL."""
        return float(x[S]) / (self.kin.systemic_ratio * self.kin.volume_ml)

    def slowest_tau_s(self) -> float:
        return float(1.0 / np.min(np.abs(self.lam)))

    def half_life_min(self) -> float:
        return math.log(2.0) / self.kin.k_tip_per_s / 60.0
