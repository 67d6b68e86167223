"""Flow accuracy by the IEC 60601-2-24 trumpet-curve method.

The standard (for external infusion pumps; it does not cover implants, but its method is the
accepted way to show flow accuracy) samples the delivered mass every 0.5 min for 120 min. From
the second hour, for observation windows of 2, 5, 11, 19 and 31 min, it takes the maximum and
minimum percentage error of the mean flow in every sliding window against the set rate:
Ep(max), Ep(min); and the overall mean error A over the second hour.
Here the delivery is the pump's synthesised stroke/packet pattern at the given rate, with the
device's systematic error and optional seeded stroke noise.
"""
from __future__ import annotations

import numpy as np

from simulator.pump.delivery_pattern import sample_cumulative, synthesise_strokes
from simulator.pump.profile import PumpProfile

WINDOWS_MIN = (2, 5, 11, 19, 31)


def trumpet_curve(
    profile: PumpProfile,
    rate_ml_per_day: float,
    seed: int = 0,
    systematic_error_pct: float = 0.0,
    stroke_noise_cv_pct: float = 0.0,
    duration_min: float = 120.0,
    sample_interval_min: float = 0.5,
    windows_min: tuple[int, ...] = WINDOWS_MIN,
) -> dict:
    """Trumpet curve of `profile` at `rate_ml_per_day` (set rate).

    Returns {"windows_min", "ep_max_pct", "ep_min_pct" (lists, one per window),
    "mean_error_pct" (A, second hour), "t_min" and "startup_flow_ml_per_day" (flow in each
    sample interval over the whole run), "rate_ml_per_day"}.
    """
    if rate_ml_per_day <= 0:
        raise ValueError("rate_ml_per_day must be positive")
    rng = np.random.default_rng(seed)
    q_ml_per_s = rate_ml_per_day * (1 + systematic_error_pct / 100.0) / 86400.0
    dt_s = sample_interval_min * 60.0
    end_s = duration_min * 60.0
    stroke_ml = profile.stroke_volume_ul / 1000.0
    phase_ml = float(rng.uniform(0.0, stroke_ml))  # where in a stroke cycle the run starts
    times, volumes = synthesise_strokes(np.array([0.0, end_s]), np.array([phase_ml, phase_ml + q_ml_per_s * end_s]), stroke_ml, rng, stroke_noise_cv_pct)
    grid = np.arange(0.0, end_s + dt_s / 2, dt_s)
    cum = sample_cumulative(times, volumes, grid)
    per_interval = np.diff(cum)  # mL in each sample interval
    flow = per_interval / dt_s * 86400.0  # mL/day
    half = int(round(len(per_interval) / 2))
    second = per_interval[half:]
    mean_error = (second.sum() / (len(second) * dt_s) * 86400.0 - rate_ml_per_day) / rate_ml_per_day * 100.0
    ep_max, ep_min = [], []
    for w in windows_min:
        m = int(round(w / sample_interval_min))
        if m > len(second):
            ep_max.append(float("nan"))
            ep_min.append(float("nan"))
            continue
        sums = np.convolve(second, np.ones(m), mode="valid")
        errors = (sums / (m * dt_s) * 86400.0 - rate_ml_per_day) / rate_ml_per_day * 100.0
        ep_max.append(float(errors.max()))
        ep_min.append(float(errors.min()))
    return {
        "rate_ml_per_day": rate_ml_per_day,
        "windows_min": list(windows_min),
        "ep_max_pct": ep_max,
        "ep_min_pct": ep_min,
        "mean_error_pct": float(mean_error),
        "t_min": (grid[1:] / 60.0),
        "startup_flow_ml_per_day": flow,
    }
