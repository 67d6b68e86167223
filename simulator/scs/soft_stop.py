"""Soft stop: a program that stops (stimulation switched off, program deselected) ramps its amplitude
down over `soft_stop_s` instead of stopping at once (scs.md: SoftStart/Stop ramps amplitude over 1-10 s [L]).

A ramp is one state change, never an event per pulse. From the stop time t0 the amplitude falls
linearly from its level then, A = I x e0 (e0: the program's envelope at t0, so a program stopped in
the off phase of its cycling does not ramp and one stopped mid soft-start ramps from where it is), at
the program's soft-stop slope: the ramp lasts D = soft_stop_s x e0. Cycling does not continue during
the ramp. In closed form, with u(t) = 1 - (t - t0) / D, any quantity f(a) = L a/A + Q (a/A)^2 of the
amplitude (charge is linear; tissue and battery power are quadratic) integrates to
D [F(u(a)) - F(u(b))] with F(u) = L u^2 / 2 + Q u^3 / 3: the whole ramp's charge is A x D / 2 worth
of the program's charge rate at A. The device wakes once, at the ramp's end (the battery drain falls
then); between t0 and the end the battery is drawn at the ramp's mean drain (exact at the end).

Rendering: each period's pulse is scaled by the ramp's mean over that period
(`period_factor`), so the rendered charge of a ramp that starts on a pulse is exactly A x D / 2 worth.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from simulator.device import Wakeup
from simulator.event_kinds import K
from simulator.scs.energy import compliance, program_drain
from simulator.scs.program import Program
from simulator.scs.safety import contact_shares

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice


@dataclass(frozen=True)
class StopRamp:
    program: Program  # as it was when it stopped
    t0_s: float
    duration_s: float
    level0: float  # envelope factor at t0 (0..1)
    # closed-form coefficients at the ramp's starting amplitude: quantity(a) = lin * (a/A) + quad * (a/A)^2
    charge_uc_per_s: float
    tissue_lin_w: float
    tissue_quad_w: float
    battery_lin_w: float
    battery_quad_w: float
    # rendering: delivered amplitude at t0 (before the envelope), contact shares, passive recovery tau
    delivered_ma: float = 0.0
    shares: dict[str, float] | None = None
    passive_tau_us: float | None = None

    @property
    def t1_s(self) -> float:
        return self.t0_s + self.duration_s

    def render_spec(self) -> tuple[float, float, float]:
        """(t0_s, duration_s, level0): what the renderer needs."""
        return (self.t0_s, self.duration_s, self.level0)

    def _u(self, t: float) -> float:
        return 1.0 - min(max(t - self.t0_s, 0.0), self.duration_s) / self.duration_s

    def integral(self, a_s: float, b_s: float) -> tuple[float, float, float]:
        """(charge uC, tissue energy J, battery energy J) of the ramp over [a_s, b_s)."""
        if b_s <= a_s:
            return (0.0, 0.0, 0.0)
        ua, ub = self._u(a_s), self._u(b_s)
        d = self.duration_s
        lin = d * (ua * ua - ub * ub) / 2.0
        quad = d * (ua ** 3 - ub ** 3) / 3.0
        return (self.charge_uc_per_s * lin, self.tissue_lin_w * lin + self.tissue_quad_w * quad,
                self.battery_lin_w * lin + self.battery_quad_w * quad)

    def mean_battery_w(self, from_s: float) -> float:
        """Mean battery power of the rest of the ramp from `from_s` (0 once it has ended), W."""
        if from_s >= self.t1_s:
            return 0.0
        return self.integral(from_s, self.t1_s)[2] / (self.t1_s - from_s)


def _fit(full: float, half: float) -> tuple[float, float]:
    """(lin, quad) of q(x) = lin x + quad x^2 through q(1) = full, q(1/2) = half (exact for quadratics)."""
    quad = 2.0 * full - 4.0 * half
    return full - quad, quad


def make_ramp(program: Program, profile: Any, impedance_ohm: dict[str, float], amplitude_ma: float, level0: float, t0_s: float,
              tissue_fraction: dict[str, float] | None = None, delivered_ma: float | None = None, shares: dict[str, float] | None = None,
              passive_tau_us: float | None = None) -> StopRamp | None:
    """The soft-stop ramp of `program` stopped at t0_s at `amplitude_ma` x `level0`; None when there is none."""
    if program.soft_stop_s <= 0 or level0 <= 0 or amplitude_ma <= 0:
        return None
    steady = program.model_copy(update={"cycling": None})  # the ramp replaces cycling and soft-start
    a = amplitude_ma * level0
    full = program_drain(steady, profile, impedance_ohm, a, tissue_fraction)
    half = program_drain(steady, profile, impedance_ohm, a / 2.0, tissue_fraction)
    t_lin, t_quad = _fit(full.tissue_power_w, half.tissue_power_w)
    b_lin, b_quad = _fit(full.battery_power_w, half.battery_power_w)
    return StopRamp(program, t0_s, program.soft_stop_s * level0, level0, full.charge_uc_per_s, t_lin, t_quad, b_lin, b_quad,
                    amplitude_ma if delivered_ma is None else delivered_ma, shares, passive_tau_us)


def period_factor(spec: tuple[float, float, float], t_period_s: np.ndarray, period_s: float) -> np.ndarray:
    """Amplitude factor of the periods starting at `t_period_s`: the ramp's mean over each period
    (level0 before t0, falling linearly to 0 at t0 + duration)."""
    t0, d, level0 = spec

    def g(t: np.ndarray) -> np.ndarray:  # antiderivative of the ramp's factor / level0, zero at t0
        s = np.clip(t - t0, 0.0, d)
        return np.minimum(t - t0, 0.0) + s - s * s / (2.0 * d)

    return level0 * (g(t_period_s + period_s) - g(t_period_s)) / period_s


class OutputBefore(NamedTuple):
    """What the output stage did just before an action, as much as a soft stop needs: taken before
    every action, so it is cheap (references, no computation); the delivered current (mA), contact
    shares and passive recovery tau (us) of a program that stops are computed only for that program,
    from these same inputs (the programs and impedance dicts are never changed in place)."""

    stimulating: bool
    programs: tuple[Program, ...] = ()  # the running programs, in order
    starts_s: dict[str, float] | None = None  # running program -> start time, s
    amplitudes_ma: dict[str, float] | None = None  # running program -> amplitude aimed for (closed loop included), mA; None: the programs' own
    ohm: dict[str, float] | None = None  # contact -> impedance then, ohm


#: Actions that change a stored program's amplitude and nothing else of the output stage: the running
#: programs, the output switch, MRI mode and the battery's suspension stay as they were, so no
#: program can stop and `SoftStops.begin` has nothing to ramp: no snapshot is taken before them.
KEEP_OUTPUT_ACTIONS = frozenset({"amplitude_up", "amplitude_down", "set_amplitude"})
#: The token of such an action: nothing was delivering that could stop (`begin` only drops ramps of running programs).
NO_STOP = OutputBefore(False)


class SoftStops:
    """The soft-stop ramps in progress (component `soft_stops` of StimulatorDevice).

    Program name -> StopRamp while its amplitude ramps down (s, mA, the ramp's closed-form charge
    uC/s and power W coefficients), and the one wake-up planned at the next ramp's end."""

    def __init__(self, dev: StimulatorDevice) -> None:
        self.dev = dev
        self.ramps: dict[str, StopRamp] = {}
        #: the wake-up at the end of the next ramp (None: no ramp in progress)
        self.end_wake: Wakeup | None = None

    def __bool__(self) -> bool:
        return bool(self.ramps)

    def integral(self, a_s: float, b_s: float) -> tuple[float, float, float]:
        """(charge uC, tissue J, battery J) of the ramps in progress over [a_s, b_s)."""
        out = [0.0, 0.0, 0.0]
        for r in self.ramps.values():
            for i, v in enumerate(r.integral(a_s, b_s)):
                out[i] += v
        return out[0], out[1], out[2]

    def mean_battery_w(self, now_s: float) -> float:
        """Sum of the ramps' mean battery power from `now_s` to their ends, W."""
        return sum(r.mean_battery_w(now_s) for r in self.ramps.values())

    def prune(self, now_s: float) -> None:
        """Forget the ramps that have ended by `now_s`."""
        if self.ramps:
            self.ramps = {n: r for n, r in self.ramps.items() if r.t1_s > now_s}

    def cut(self) -> None:
        """Output cut at once (battery, MRI): no ramp continues."""
        self.ramps = {}

    def before(self, now_s: float | None = None) -> OutputBefore:
        """What the output stage does now (before an action changes it; `now_s`: the time now when the caller has it, s)."""
        dev = self.dev
        if not dev.stimulating():
            return OutputBefore(False)
        bank = dev.programs
        stored = bank.stored
        # without a closed-loop controller the amplitudes aimed for are the programs' own (None: read them from `programs`)
        amps = dev.effective_amplitudes() if dev.loop.tracker is not None else None
        return OutputBefore(True, tuple([stored[n] for n in bank.active]), {n: bank.starts.get(n, 0.0) for n in bank.active},
                            amps, dev.electrodes.ohm(dev.now if now_s is None else now_s))

    def begin(self, before: OutputBefore, action: str) -> None:
        """Start the soft-stop ramp of each program that was delivering before `action` and is not now
        (stimulation off, program or group deselected). MRI mode stops output at once.

        Nothing was delivering before, no ramp is in progress and the action is not MRI mode (an
        amplitude step's `NO_STOP`, say): nothing to drop, cut or start, so it returns at once."""
        if not before.stimulating and not self.ramps and action != "mri_mode":
            return
        dev = self.dev
        out_now = set(dev.programs.active) if dev.stimulating() else set()
        if self.ramps:
            self.ramps = {n: r for n, r in self.ramps.items() if n not in out_now}
        if action == "mri_mode" and dev.output.mri:
            self.ramps = {}
            return
        if not before.stimulating:
            return
        assert before.starts_s is not None and before.ohm is not None
        stopping = [p for p in before.programs if p.name not in out_now and p.soft_stop_s > 0]
        if not stopping:
            return  # every program delivering before still is (an amplitude step, say)
        now = dev.now
        prof = dev.profile
        single = prof.current_sources == "single"
        ohm = dev.electrodes.ohm(now)
        fractions = dev.electrodes.fractions(now)
        for p in stopping:
            n = p.name
            level0 = float(p.envelope(now - before.starts_s.get(n, 0.0)))
            aimed_ma = before.amplitudes_ma[n] if before.amplitudes_ma is not None else p.amplitude_ma
            delivered_ma = compliance(p, prof, before.ohm, aimed_ma).delivered_ma
            r = make_ramp(p, prof, ohm, aimed_ma, level0, now, fractions, delivered_ma, contact_shares(p, before.ohm, single),
                          dev.safety.passive_taus([p], before.ohm).get(n))
            if r is None:
                continue
            self.ramps[n] = r
            dev.emit(K.STIMULATION_SOFT_STOP, program=n, from_ma=round(r.delivered_ma * level0, 6), ramp_s=r.duration_s, end_t_s=r.t1_s,
                     charge_uc=round(r.integral(r.t0_s, r.t1_s)[0], 6))

    def plan_end(self, on_end: Callable[[], None]) -> None:
        """One wake-up at the end of the next ramp (the battery drain changes then); `on_end` runs then."""
        if self.end_wake is not None:
            self.end_wake.cancel()
            self.end_wake = None
        if not self.ramps:
            return
        now = self.dev.now
        ends = [r.t1_s for r in self.ramps.values() if r.t1_s > now]
        if ends:
            self.end_wake = self.dev.wake_at(min(ends), lambda: self._ended(on_end))

    def _ended(self, on_end: Callable[[], None]) -> None:
        self.end_wake = None
        on_end()
