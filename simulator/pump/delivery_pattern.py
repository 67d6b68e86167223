"""The stroke (peristaltic roller step) or packet (valve actuation) pattern of delivery,
synthesised with numpy for one time window, on demand (never simulated stroke by stroke).

Strokes are placed where the closed-form cumulative delivered volume crosses whole multiples of
the stroke volume, so the pattern is consistent with the closed-form totals: the strokes in a
window hold the closed-form volume of that window to within one stroke. Optional zero-mean
stroke-to-stroke noise (seeded) varies each stroke's volume but keeps the window's total.
"""
from __future__ import annotations

import math
import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulator.pump.device import PumpDevice

MAX_STROKES = 5_000_000


def synthesise_strokes(knot_t_s: np.ndarray, knot_volume_ml: np.ndarray, stroke_volume_ml: float, rng: np.random.Generator | None = None, noise_cv_pct: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Stroke times (s) and volumes (mL) of a piecewise-linear cumulative volume curve.

    `knot_volume_ml` is the cumulative delivered volume at `knot_t_s` (non-decreasing)."""
    t = np.asarray(knot_t_s, dtype=float)
    v = np.asarray(knot_volume_ml, dtype=float)
    if len(t) < 2 or stroke_volume_ml <= 0:
        return np.empty(0), np.empty(0)
    v = np.maximum.accumulate(v)
    k0 = math.floor(v[0] / stroke_volume_ml + 1e-9) + 1
    k1 = math.floor(v[-1] / stroke_volume_ml + 1e-9)
    n = k1 - k0 + 1
    if n <= 0:
        return np.empty(0), np.empty(0)
    if n > MAX_STROKES:
        raise ValueError(f"window holds {n} strokes; ask for a window with at most {MAX_STROKES}")
    targets = np.arange(k0, k1 + 1, dtype=float) * stroke_volume_ml
    keep = np.concatenate([[True], np.diff(v) > 0])  # drop flat knots so the inverse is a function
    # for a flat stretch keep its last knot: a stroke at that volume happened before the stretch
    t_k, v_k = t[keep], v[keep]
    times = np.interp(targets, v_k, t_k)
    volumes = np.full(n, stroke_volume_ml)
    if noise_cv_pct > 0 and rng is not None and n > 1:
        noise = rng.normal(0.0, noise_cv_pct / 100.0, n)
        noise -= noise.mean()  # zero-mean in the window: the total stays the closed-form one
        volumes = volumes * np.clip(1.0 + noise, 0.0, None)
        volumes *= (n * stroke_volume_ml) / volumes.sum()
    return times, volumes


def sample_cumulative(stroke_t_s: np.ndarray, stroke_volume_ml: np.ndarray, grid_t_s: np.ndarray) -> np.ndarray:
    """Volume (mL) delivered by the strokes up to each grid time (strokes at a grid time count)."""
    cum = np.concatenate([[0.0], np.cumsum(stroke_volume_ml)])
    return cum[np.searchsorted(stroke_t_s, grid_t_s, side="right")]


def _knots(device: PumpDevice, t0_s: float, t1_s: float) -> tuple[np.ndarray, np.ndarray]:
    times = {t0_s, t1_s}
    rebase_t_s = device.flow.t0  # the state's last rebase: recorded before, closed form after
    try:
        series = device.sim.recorder.get(device.id, "delivered_volume_ml")
        ts = series.t_s
        times.update(ts[(ts > t0_s) & (ts < min(t1_s, rebase_t_s))].tolist())
    except KeyError:
        pass
    if t1_s > rebase_t_s:
        for ta, _tb, _q in device.forecast.segments(rebase_t_s):
            if ta >= t1_s:
                break
            if ta > t0_s:
                times.add(ta)
    if t0_s < rebase_t_s < t1_s:
        times.add(rebase_t_s)
    t = np.array(sorted(times))
    v = np.array([device.delivered_volume_ml_at(x) for x in t])
    return t, v


def pattern_for_device(device: PumpDevice, t0_s: float, t1_s: float, sample_rate_hz: float = 1.0) -> dict[str, np.ndarray]:
    """The pattern of one pump in [t0_s, t1_s].

    Returns numpy arrays: `stroke_t_s`, `stroke_volume_ul`; `t_s` (grid at sample_rate_hz),
    `cumulative_ul` (stroke volume delivered since t0_s at each grid time) and
    `closed_form_ul` (the closed-form volume since t0_s at each grid time, for comparison)."""
    if t1_s <= t0_s:
        raise ValueError("t1_s must be after t0_s")
    if sample_rate_hz <= 0:
        raise ValueError("sample_rate_hz must be positive")
    n_grid = int(math.floor((t1_s - t0_s) * sample_rate_hz)) + 1
    if n_grid > MAX_STROKES:
        raise ValueError(f"{n_grid} samples requested; lower sample_rate_hz or shorten the window")
    knot_t, knot_v = _knots(device, t0_s, t1_s)
    stroke_ml = device.profile.stroke_volume_ul / 1000.0
    # a stream keyed by the window start so the same window always gives the same pattern
    rng = None
    noise_cv_pct = device.flow.stroke_noise_cv_pct
    if noise_cv_pct > 0:
        rng = np.random.default_rng([device.sim.seed, zlib.crc32(device.id.encode()), int(round(t0_s * 1000))])
    times, volumes = synthesise_strokes(knot_t, knot_v, stroke_ml, rng, noise_cv_pct)
    grid = t0_s + np.arange(n_grid) / sample_rate_hz
    grid_v = np.interp(grid, knot_t, knot_v) - knot_v[0]
    return {
        "stroke_t_s": times,
        "stroke_volume_ul": volumes * 1000.0,
        "t_s": grid,
        "cumulative_ul": sample_cumulative(times, volumes, grid) * 1000.0,
        "closed_form_ul": grid_v * 1000.0,
    }
