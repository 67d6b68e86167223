"""Educational comfort indicator: a strength-duration estimate of perception and discomfort.

APPROXIMATION, for teaching only: perception threshold I_PT(PW) = 2.5 mA x (1 + 295 us / PW)
(rheobase 2.5 mA, chronaxie 295 us) [L: Hershey 2010, fit form D in scs.md]; discomfort at
1.4-2 x perception [?] default. Real thresholds vary widely between patients and with posture;
10 kHz therapy is designed to be below perception.
"""
from __future__ import annotations

from typing import Any

from simulator.scs.program import Program

RHEOBASE_MA = 2.5  # [L] Hershey 2010 fit (scs.md)
CHRONAXIE_US = 295.0  # [L] Hershey 2010 fit (scs.md)
DISCOMFORT_LOW_FACTOR = 1.4  # [?] default (scs.md)
DISCOMFORT_HIGH_FACTOR = 2.0  # [?] default (scs.md)
LABEL = "approximation: strength-duration fit (rheobase 2.5 mA, chronaxie 295 us); discomfort 1.4-2 x perception; for teaching only"


def perception_threshold_ma(pulse_width_us: float) -> float:
    """I_PT = 2.5 mA x (1 + 295 us / PW): 300 us -> 4.958 mA."""
    return RHEOBASE_MA * (1.0 + CHRONAXIE_US / pulse_width_us)


def estimate(program: Program, amplitude_ma: float | None = None) -> dict[str, Any]:
    """Perception and discomfort estimates (mA) for a program and where its amplitude falls."""
    amp = program.amplitude_ma if amplitude_ma is None else amplitude_ma
    pt = perception_threshold_ma(program.pulse_width_us)
    lo, hi = pt * DISCOMFORT_LOW_FACTOR, pt * DISCOMFORT_HIGH_FACTOR
    if amp < pt:
        zone = "below perception"
    elif amp < lo:
        zone = "perceived (comfortable)"
    elif amp < hi:
        zone = "possibly uncomfortable"
    else:
        zone = "above estimated discomfort"
    return {
        "program": program.name,
        "label": LABEL,
        "amplitude_ma": amp,
        "perception_threshold_ma": pt,
        "discomfort_low_ma": lo,
        "discomfort_high_ma": hi,
        "zone": zone,
        "ratio_to_perception": amp / pt,
    }
