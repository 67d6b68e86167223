"""Closed-loop ECAP: a labelled EDUCATIONAL model, not a physiological one.

- Recruitment: ECAP (uV) = slope x max(0, I - I_T), with threshold I_T = I_T,ref x (d / d_ref)^n:
  the closer the cord to the lead, the lower the threshold. Posture sets d / d_ref (profile
  factors, e.g. supine closer than standing); a cough multiplies it for a couple of seconds.
- Controller: after every change the amplitude relaxes exponentially toward the amplitude that
  gives the target ECAP, I(t) = I_inf + (I_0 - I_inf) e^{-t/tau}, capped by the allowed maximum.
  This is the smooth limit of a per-measurement controller; it is never stepped per measurement.
- Open loop keeps the programmed amplitude, so its ECAP jumps with every posture change.
- Time inside the therapeutic window [low, high] uV is integrated in closed form per segment
  between posture events, for closed and open loop side by side.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.device import Wakeup
from simulator.event_kinds import K

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice
    from simulator.scs.profile import ClosedLoopSpec
    from simulator.scs.program import Program
    from simulator.scs.settings import ClosedLoopSettings, Posture

#: Breakpoints of the closed-loop approach, in controller time constants after each change; the last
#: one is 'settled' (e^-5: 0.7 % of the jump left).
SETTLE_POINTS_TAU = (1.0, 2.0, 3.0, 5.0)

LABEL = "educational model: linear recruitment above a distance-dependent threshold; first-order controller"


def threshold_ma(spec: ClosedLoopSpec, distance_factor: float) -> float:
    return spec.threshold_ma_at_reference * distance_factor ** spec.distance_exponent


def ecap_uv(spec: ClosedLoopSpec, amplitude_ma: float, distance_factor: float) -> float:
    return spec.slope_uv_per_ma * max(0.0, amplitude_ma - threshold_ma(spec, distance_factor))


def amplitude_for_ecap_ma(spec: ClosedLoopSpec, target_uv: float, distance_factor: float) -> float:
    return threshold_ma(spec, distance_factor) + target_uv / spec.slope_uv_per_ma


def _time_above(i0: float, i_inf: float, tau: float, level: float, duration: float) -> float:
    """Seconds in [0, duration] with I(t) = i_inf + (i0 - i_inf) e^{-t/tau} >= level."""
    if duration <= 0:
        return 0.0
    if i0 == i_inf:
        return duration if i0 >= level else 0.0
    # I is monotone: find when it crosses `level`, if ever
    ratio = (level - i_inf) / (i0 - i_inf)
    cross = -tau * math.log(ratio) if 0 < ratio <= 1 else None
    if i0 >= level:
        if i_inf >= level or cross is None:
            return duration if i_inf >= level else min(duration, cross or 0.0)
        return min(duration, cross)
    # starts below
    if i_inf <= level or cross is None:
        return 0.0
    return max(0.0, duration - cross)


def time_in_window_s(spec: ClosedLoopSpec, i0: float, i_inf: float, tau: float, distance_factor: float, duration_s: float,
                     low_uv: float | None = None, high_uv: float | None = None) -> float:
    """Seconds of a segment with the ECAP inside [low, high] (I relaxing from i0 to i_inf)."""
    low = spec.window_low_uv if low_uv is None else low_uv
    high = spec.window_high_uv if high_uv is None else high_uv
    i_low = amplitude_for_ecap_ma(spec, low, distance_factor)
    i_high = amplitude_for_ecap_ma(spec, high, distance_factor)
    above_low = _time_above(i0, i_inf, tau, i_low, duration_s)
    above_high = _time_above(i0, i_inf, tau, i_high, duration_s) if i_high > i_low else 0.0
    # {I >= i_low} contains {I > i_high}; the boundary has zero measure
    return max(0.0, above_low - above_high)


@dataclass
class LoopTracker:
    """Closed and open loop side by side through posture and cough events."""

    spec: ClosedLoopSpec
    target_uv: float
    open_amplitude_ma: float
    max_amplitude_ma: float
    distance_factor: float
    t_s: float = 0.0
    closed_i0_ma: float = 0.0  # closed-loop amplitude at the start of the present segment
    closed_s_in: float = 0.0
    open_s_in: float = 0.0
    tracked_s: float = 0.0
    history: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.closed_i0_ma = self.settled_ma()

    def settled_ma(self) -> float:
        """Where the controller heads in the present posture (capped)."""
        return min(self.max_amplitude_ma, max(0.0, amplitude_for_ecap_ma(self.spec, self.target_uv, self.distance_factor)))

    def closed_amplitude_at(self, t_s: float) -> float:
        i_inf = self.settled_ma()
        return i_inf + (self.closed_i0_ma - i_inf) * math.exp(-max(0.0, t_s - self.t_s) / self.spec.controller_tau_s)

    def ecap_at(self, t_s: float, closed: bool = True) -> float:
        amp = self.closed_amplitude_at(t_s) if closed else self.open_amplitude_ma
        return ecap_uv(self.spec, amp, self.distance_factor)

    def advance(self, t_s: float, stimulating: bool = True) -> None:
        """Integrate time in window from the segment start to t_s, and start a new segment at t_s."""
        dur = t_s - self.t_s
        if dur > 0:
            if stimulating:
                i_inf = self.settled_ma()
                self.closed_s_in += time_in_window_s(self.spec, self.closed_i0_ma, i_inf, self.spec.controller_tau_s, self.distance_factor, dur)
                self.open_s_in += time_in_window_s(self.spec, self.open_amplitude_ma, self.open_amplitude_ma, 1.0, self.distance_factor, dur)
            self.tracked_s += dur if stimulating else 0.0
        self.closed_i0_ma = self.closed_amplitude_at(t_s)
        self.t_s = t_s

    def set_distance(self, t_s: float, factor: float, stimulating: bool = True) -> None:
        self.advance(t_s, stimulating)
        self.distance_factor = factor

    def pct(self) -> dict[str, float | None]:
        if self.tracked_s <= 0:
            return {"closed_loop_pct": None, "open_loop_pct": None, "tracked_s": 0.0}
        return {"closed_loop_pct": 100.0 * self.closed_s_in / self.tracked_s, "open_loop_pct": 100.0 * self.open_s_in / self.tracked_s, "tracked_s": self.tracked_s}


class ClosedLoopControl:
    """Posture, cough and the ECAP controller (component `loop` of StimulatorDevice).

    Every stimulator has a posture ('standing', 'sitting', 'supine', 'prone') and may cough (for
    the profile's cough duration, s); with a closed-loop profile `tracker` follows the controller
    (ECAP uV, amplitude mA, time in window) and `enabled` says whether it drives the first running
    program. Without one `tracker` is None and posture and cough only report."""

    def __init__(self, dev: StimulatorDevice, settings: ClosedLoopSettings | None, first: Program) -> None:
        self.dev = dev
        self.posture: Posture = "standing"
        #: end of the present cough, s (None: not coughing)
        self.cough_until: float | None = None
        self.cough_wake: Wakeup | None = None
        self.tracker: LoopTracker | None = None
        self.enabled = False
        self._settle_wakes: list[Wakeup] = []
        self._settle_key: tuple[float, float, float, bool, str | None] | None = None
        cl = dev.profile.closed_loop
        if cl is not None:
            from simulator.scs.settings import ClosedLoopSettings

            chosen = settings or ClosedLoopSettings()
            self.enabled = chosen.enabled
            self.posture = chosen.posture
            self.tracker = LoopTracker(cl, chosen.target_uv or cl.target_uv, first.amplitude_ma, self.cap_ma(first),
                                       cl.posture_distance_factor.get(self.posture, 1.0))

    # ----- queries -----
    def cap_ma(self, program: Program) -> float:
        """Highest amplitude the controller may set on `program`: its patient maximum (else the
        device's) and never above the device's total current, mA."""
        prof = self.dev.profile
        cap = program.patient_max_ma if program.patient_max_ma is not None else prof.amplitude_ma.max
        return min(cap, prof.max_total_current_ma)

    def program(self) -> str | None:
        """The program the controller drives now (the first running one), None when it drives none."""
        active = self.dev.programs.active
        return active[0] if (self.tracker is not None and self.enabled and active) else None

    def distance_factor(self) -> float:
        """Cord-to-lead distance over the reference distance, now (posture, cough)."""
        cl = self.dev.profile.closed_loop
        if cl is None:
            return 1.0
        f = cl.posture_distance_factor.get(self.posture, 1.0)
        if self.cough_until is not None and self.dev.now < self.cough_until:
            f *= cl.cough_distance_factor
        return f

    def time_in_window(self, now_s: float, stimulating: bool) -> dict[str, float | None] | None:
        """Closed and open loop time in window up to `now_s` (%), without advancing the tracker."""
        if self.tracker is None:
            return None
        tracker = copy.copy(self.tracker)
        tracker.advance(now_s, stimulating)
        return tracker.pct()

    # ----- changes -----
    def follow(self, program: Program) -> None:
        """The first running program changed: open loop uses its amplitude, the cap its limits."""
        if self.tracker is not None:
            self.tracker.open_amplitude_ma = program.amplitude_ma
            self.tracker.max_amplitude_ma = self.cap_ma(program)

    def follow_amplitude(self, amplitude_ma: float) -> None:
        """The first running program's amplitude changed (mA): the open loop follows it."""
        if self.tracker is not None:
            self.tracker.open_amplitude_ma = amplitude_ma

    def advance(self, now_s: float, stimulating: bool) -> None:
        """Integrate time in window up to `now_s`."""
        if self.tracker is not None:
            self.tracker.advance(now_s, stimulating)

    def set_posture(self, posture: Posture) -> Posture:
        """Change posture; returns the previous one."""
        prev, self.posture = self.posture, posture
        return prev

    def start_cough(self) -> float:
        """A cough from now for the profile's duration (2 s without a closed-loop model); returns the duration, s."""
        cl = self.dev.profile.closed_loop
        duration = cl.cough_duration_s if cl else 2.0
        self.cough_until = self.dev.now + duration
        return duration

    def plan_cough_end(self, on_end: Callable[[], None]) -> None:
        """Wake at the end of the present cough (replacing an earlier plan)."""
        if self.cough_wake is not None:
            self.cough_wake.cancel()
        assert self.cough_until is not None
        self.cough_wake = self.dev.wake_at(self.cough_until, lambda: self._cough_ended(on_end))

    def _cough_ended(self, on_end: Callable[[], None]) -> None:
        self.cough_wake = None
        on_end()

    def end_cough(self) -> None:
        self.cough_until = None

    def configure(self, enabled: bool, target_uv: float | None) -> float:
        """Controller on or off and its target (uV, None: unchanged); returns the target, uV."""
        assert self.tracker is not None, "checked: the profile has a closed loop"
        self.enabled = enabled
        if target_uv is not None:
            self.tracker.target_uv = target_uv
        return self.tracker.target_uv

    def update(self) -> None:
        """Fold the distance now (posture, cough) into the controller and report the ECAP."""
        loop = self.tracker
        if loop is None:
            return
        dev = self.dev
        now = dev.now
        loop.set_distance(now, self.distance_factor(), dev.stimulating())
        dev.emit(K.CLOSED_LOOP_ECAP, posture=self.posture, cough=self.cough_until is not None,
                 ecap_closed_uv=loop.ecap_at(now), ecap_open_uv=loop.ecap_at(now, closed=False),
                 settled_ecap_closed_uv=loop.spec.slope_uv_per_ma * max(0.0, loop.settled_ma() - threshold_ma(loop.spec, loop.distance_factor)),
                 settled_amplitude_ma=loop.settled_ma(), label=LABEL)

    # ----- recording -----
    def record(self) -> None:
        """Breakpoints of the controller's amplitude and ECAP, open-loop ECAP; plan the settling points."""
        loop = self.tracker
        if loop is None:
            return
        dev = self.dev
        self.record_controller()
        dev.record("ecap_open_loop_uv", loop.ecap_at(dev.now, closed=False) if dev.stimulating() else 0.0, "uV", interp="step")
        self._plan_settle()

    def record_controller(self) -> None:
        """Closed-loop ECAP and amplitude as the controller has them now (closed form)."""
        loop = self.tracker
        if loop is None:
            return
        dev = self.dev
        lp = self.program()
        if lp is not None:
            dev.record(f"amplitude_ma.{lp}", loop.closed_amplitude_at(dev.now), "mA", interp="step")
        dev.record("ecap_uv", loop.ecap_at(dev.now) if dev.stimulating() else 0.0, "uV", interp="step")

    def _plan_settle(self) -> None:
        """Wake a handful of times while the controller relaxes, the last once it has settled.

        The closed-loop amplitude approaches its settled value as I_inf + (I_0 - I_inf) e^{-t/tau}; the
        step series gets breakpoints at `SETTLE_POINTS_TAU` time constants after the approach began
        (the last, 5 tau, is 'settled': 0.7 % of the jump left), never one per control step."""
        loop = self.tracker
        if loop is None:
            return
        dev = self.dev
        i_inf = loop.settled_ma()
        stimulating = dev.stimulating()
        key = (loop.t_s, loop.closed_i0_ma, i_inf, stimulating, self.program())
        if key == self._settle_key:
            return
        for w in self._settle_wakes:
            w.cancel()
        self._settle_wakes = []
        self._settle_key = key
        if not stimulating or abs(loop.closed_i0_ma - i_inf) <= 1e-12 * max(1.0, i_inf):
            return
        tau = loop.spec.controller_tau_s
        self._settle_wakes = [dev.wake_at(loop.t_s + k * tau, self.record_controller) for k in SETTLE_POINTS_TAU
                              if loop.t_s + k * tau > dev.now]
