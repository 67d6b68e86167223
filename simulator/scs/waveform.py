"""Waveform synthesis: the per-contact current of any time window, with numpy, on demand.

Nothing here is simulated pulse by pulse. Each program is periodic, so the current at time t
depends only on the phase tau = (t - offset) mod period and on the amplitude envelope (cycling,
ramps) sampled once per period. Two modes:

- `mode="average"` (default): each sample is the mean current over [t_n, t_n + 1/fs), computed
  exactly from the closed-form cumulative charge Q(t). Charge is exact at any sample rate
  (a 30 us pulse sampled at 1 kS/s shows as a short, low blip of the right charge), and the sum of
  a charge-balanced waveform over whole periods is zero to rounding.
- `mode="point"`: the instantaneous current at t_n (what an ideal scope shows; use >= 1 MS/s for
  30 us pulses).

Sign convention: current out of the generator into a contact is positive; the cathodic (leading)
phase is negative on the cathodes and positive on the anodes. Units: s, Hz, mA.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from simulator.scs.program import Program
from simulator.scs.safety import contact_shares, schedule_offsets
from simulator.scs.soft_stop import period_factor

#: Edges in point mode are snapped by this much so float rounding of t cannot add a sample, s.
_EPS_S = 1e-9
#: Largest window render() will build (samples); a live scope needs far fewer.
MAX_SAMPLES = 20_000_000


def _pulse_starts(p: Program) -> np.ndarray:
    """Start of each cathodic pulse within a period, s."""
    return np.arange(p.pulses_per_period) * p.intra_period_s


def _unit_charge(p: Program, tau: np.ndarray, tau_us: float | None = None) -> np.ndarray:
    """Cumulative charge within a period for a 1 mA program on a whole cathode, mA*s (<= 0).

    Zero at tau = 0 and again once the period's recharge is complete (charge balance).
    """
    pw = p.pulse_width_us * 1e-6
    gap = p.interphase_gap_us * 1e-6
    q = np.zeros_like(tau)
    for s in _pulse_starts(p):
        q -= np.clip(tau - s, 0.0, pw)
        if p.charge_balance == "active":
            q += np.clip(tau - s - pw - gap, 0.0, pw)
    if p.charge_balance == "passive":
        r0 = (p.pulses_per_period - 1) * p.intra_period_s + pw + gap
        window = p.recovery_window_s(tau_us)
        k = p.recovery_tau_us(tau_us) * 1e-6
        total = p.pulses_per_period * pw
        x = np.clip(tau - r0, 0.0, window)
        q += total * (-np.expm1(-x / k)) / (-math.expm1(-window / k))
    return q


def _unit_current(p: Program, tau: np.ndarray, tau_us: float | None = None) -> np.ndarray:
    """Instantaneous current for a 1 mA program on a whole cathode, mA."""
    pw = p.pulse_width_us * 1e-6
    gap = p.interphase_gap_us * 1e-6
    w = np.zeros_like(tau)
    e = _EPS_S
    for s in _pulse_starts(p):
        w -= ((tau >= s - e) & (tau < s + pw - e)).astype(float)
        if p.charge_balance == "active":
            w += ((tau >= s + pw + gap - e) & (tau < s + 2 * pw + gap - e)).astype(float)
    if p.charge_balance == "passive":
        r0 = (p.pulses_per_period - 1) * p.intra_period_s + pw + gap
        window = p.recovery_window_s(tau_us)
        k = p.recovery_tau_us(tau_us) * 1e-6
        total = p.pulses_per_period * pw
        amp = total / (k * -math.expm1(-window / k))
        x = tau - r0
        w += np.where((x >= -e) & (x < window - e), amp * np.exp(-np.clip(x, 0.0, None) / k), 0.0)
    return w


def _envelope_per_period(p: Program, k: np.ndarray, offset_s: float, start_s: float, stop_ramp=None) -> np.ndarray:
    """Amplitude factor of period k (0..1): cycling and ramps sampled at the period's first pulse; a
    soft-stop ramp (t0_s, duration_s, level0) replaces them with the ramp's mean over the period."""
    t_pulse = offset_s + k * p.period_s
    if stop_ramp is not None:
        return period_factor(stop_ramp, t_pulse, p.period_s)
    return p.envelope(t_pulse - start_s)


def program_current(p: Program, t_s: np.ndarray, dt_s: float | None, offset_s: float = 0.0, start_s: float = 0.0,
                    amplitude_ma: float | None = None, passive_tau_us: float | None = None, stop_ramp=None) -> np.ndarray:
    """Current of program `p` on a whole cathode (share 1) at sample times `t_s`, mA.

    `dt_s` given: mean over [t, t + dt) from the cumulative charge; None: instantaneous.
    `offset_s` shifts the pulse train (interleaving); `start_s` is when the program (and its
    cycling and ramps) started; `amplitude_ma` overrides the program's (delivered current);
    `passive_tau_us` the passive recovery time constant (a device's contact impedance x coupling capacitance);
    `stop_ramp` (t0_s, duration_s, level0) a soft-stop ramp in progress (`soft_stop.period_factor`).
    """
    amp = p.amplitude_ma if amplitude_ma is None else amplitude_ma
    period = p.period_s
    if dt_s is None:
        rel = t_s - offset_s
        k = np.floor(rel / period)
        tau = rel - k * period
        wrap = tau > period - _EPS_S  # a float just short of a period boundary belongs to the next period
        k = np.where(wrap, k + 1, k)
        tau = np.where(wrap, tau - period, tau)
        return amp * _envelope_per_period(p, k, offset_s, start_s, stop_ramp) * _unit_current(p, tau, passive_tau_us)

    def cumulative(t: np.ndarray) -> np.ndarray:
        rel = t - offset_s
        k = np.floor(rel / period)
        tau = rel - k * period
        # each whole period nets zero charge, so Q(t) is the charge of the current period only
        return amp * _envelope_per_period(p, k, offset_s, start_s, stop_ramp) * _unit_charge(p, tau, passive_tau_us)

    edges = np.concatenate([t_s, [t_s[-1] + dt_s]]) if len(t_s) else t_s
    q = cumulative(edges)
    return np.diff(q) / dt_s


def time_axis(t0_s: float, t1_s: float, sample_rate_hz: float) -> np.ndarray:
    """Sample times t0_s + n / fs for [t0_s, t1_s) (checked: positive window, at most MAX_SAMPLES)."""
    if not (t1_s > t0_s) or sample_rate_hz <= 0:
        raise ValueError(f"need t1_s > t0_s and a positive sample rate (got {t0_s}, {t1_s}, {sample_rate_hz})")
    n = int(round((t1_s - t0_s) * sample_rate_hz))
    if n > MAX_SAMPLES:
        raise ValueError(f"{n} samples requested; at most {MAX_SAMPLES} (shorten the window or lower the sample rate)")
    return t0_s + np.arange(max(n, 1)) / sample_rate_hz


def _add_programs(out: dict[str, np.ndarray], n_total: int, lo: int, t: np.ndarray, dt: float | None, programs: list[Program], *,
                  offsets_s=None, starts_s=None, amplitudes_ma=None, shares=None, passive_tau_us=None, stop_ramps=None) -> None:
    """Add the per-contact current of `programs` at times `t` into out[label][lo:lo + len(t)]."""
    if offsets_s is None:
        offsets_s = schedule_offsets(programs, passive_tau_us)[0]
    for p in programs:
        w = program_current(p, t, dt, (offsets_s or {}).get(p.name, 0.0), (starts_s or {}).get(p.name, 0.0), (amplitudes_ma or {}).get(p.name),
                            (passive_tau_us or {}).get(p.name), (stop_ramps or {}).get(p.name))
        for label, share in ((shares or {}).get(p.name) or contact_shares(p)).items():
            if label not in out:
                out[label] = np.zeros(n_total)
            # cathodes (share < 0) carry w itself (negative first phase); anodes the mirror image
            out[label][lo:lo + len(t)] += (-share) * w


def render(programs: Iterable[Program], t0_s: float, t1_s: float, sample_rate_hz: float, *,
           offsets_s: dict[str, float] | None = None, starts_s: dict[str, float] | None = None,
           amplitudes_ma: dict[str, float] | None = None, shares: dict[str, dict[str, float]] | None = None,
           passive_tau_us: dict[str, float] | None = None, mode: str = "average") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per-contact current of the given programs over [t0_s, t1_s) at `sample_rate_hz`.

    Returns (t_s, {contact label: current_ma}). Offsets default to the interleaving schedule
    (`safety.schedule_offsets`), starts to 0, amplitudes to each program's, shares to the
    program's configuration (a device passes impedance-based shares for single-source IPGs), passive
    recovery time constants to each program's (`Program.recovery_tau_us`; a device passes Z x C).
    """
    programs = list(programs)
    t = time_axis(t0_s, t1_s, sample_rate_hz)
    out: dict[str, np.ndarray] = {}
    _add_programs(out, len(t), 0, t, 1.0 / sample_rate_hz if mode == "average" else None, programs, offsets_s=offsets_s,
                  starts_s=starts_s, amplitudes_ma=amplitudes_ma, shares=shares, passive_tau_us=passive_tau_us)
    return t, out


def render_segments(segments: Iterable[tuple[float, float, list[Program], dict]], t0_s: float, t1_s: float, sample_rate_hz: float,
                    mode: str = "average") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Like `render`, with the programs (and their render keywords) that were in force per segment.

    `segments` is [(start_s, end_s, programs, kwargs)]; a sample belongs to the segment holding its
    start time. Contacts used in any segment get a trace (zero outside their segments)."""
    t = time_axis(t0_s, t1_s, sample_rate_hz)
    dt = 1.0 / sample_rate_hz if mode == "average" else None
    out: dict[str, np.ndarray] = {}
    for a, b, programs, kwargs in segments:
        lo, hi = np.searchsorted(t, a - _EPS_S * 1e-3, "left"), np.searchsorted(t, b - _EPS_S * 1e-3, "left")
        if hi > lo:
            _add_programs(out, len(t), int(lo), t[lo:hi], dt, list(programs), **kwargs)
        else:
            for p in programs:  # keep the contact's trace even when the segment holds no sample
                for label in ((kwargs.get("shares") or {}).get(p.name) or contact_shares(p)):
                    out.setdefault(label, np.zeros(len(t)))
    return t, out


def pulse_count(p: Program, t0_s: float, t1_s: float, offset_s: float = 0.0, start_s: float = 0.0) -> int:
    """Closed form: cathodic pulses of a continuous (uncycled) program starting in [t0_s, t1_s)."""
    total = 0
    lo = max(t0_s, start_s)
    if t1_s <= lo:
        return 0
    for s in _pulse_starts(p):
        first = offset_s + s
        total += max(0, math.ceil((t1_s - first) / p.period_s - 1e-9) - math.ceil((lo - first) / p.period_s - 1e-9))
    return total


def cathodic_charge_uc(p: Program, t0_s: float, t1_s: float, offset_s: float = 0.0, start_s: float = 0.0) -> float:
    """Closed form: cathodic charge of a continuous program in [t0_s, t1_s) (whole pulses), uC."""
    return pulse_count(p, t0_s, t1_s, offset_s, start_s) * p.amplitude_ma * p.pulse_width_us / 1000.0
