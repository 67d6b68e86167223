"""Programs in force over time: a compact log of stimulation states, for rendering past windows.

One entry per *change* of what the output stage does (program set, amplitude, start of a program
or of its cycling, stimulation on/off, delivered current after a compliance change); an entry
equal to the previous one is not stored, so the log grows with state changes, never with pulses.
`segments(t0_s, t1_s)` cuts a window into pieces, each with the state that was in force.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from simulator.scs.program import Program


@dataclass(frozen=True)
class StimState:
    """What the output stage did from `t_s` until the next entry."""

    t_s: float
    programs: tuple[Program, ...] = ()
    starts_s: dict[str, float] = field(default_factory=dict)
    amplitudes_ma: dict[str, float] = field(default_factory=dict)  # delivered (0 when not stimulating)
    shares: dict[str, dict[str, float]] = field(default_factory=dict)
    stimulating: bool = False
    passive_tau_us: dict[str, float] = field(default_factory=dict)  # passive recovery time constants (Z x C)
    stop_ramps: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # soft stops in progress: (t0_s, duration_s, level0)

    @classmethod
    def of(cls, t_s: float, programs: tuple[Program, ...], starts_s: dict[str, float], amplitudes_ma: dict[str, float],
           shares: dict[str, dict[str, float]], stimulating: bool, passive_tau_us: dict[str, float],
           stop_ramps: dict[str, tuple[float, float, float]]) -> StimState:
        """`StimState(...)` with every field given, made without the frozen dataclass's per-field
        `object.__setattr__` (one state per change of the output stage: the hot path's)."""
        state = object.__new__(cls)
        state.__dict__.update(t_s=t_s, programs=programs, starts_s=starts_s, amplitudes_ma=amplitudes_ma, shares=shares,
                              stimulating=stimulating, passive_tau_us=passive_tau_us, stop_ramps=stop_ramps)
        return state

    def same_as(self, other: StimState) -> bool:
        # the plain dicts first: an amplitude change is told there without comparing the programs field by field
        return (self.amplitudes_ma == other.amplitudes_ma and self.starts_s == other.starts_s and self.stimulating == other.stimulating
                and self.programs == other.programs and self.shares == other.shares and self.passive_tau_us == other.passive_tau_us
                and self.stop_ramps == other.stop_ramps)

    def render_kwargs(self) -> dict[str, Any]:
        return {"starts_s": self.starts_s, "amplitudes_ma": self.amplitudes_ma, "shares": self.shares, "passive_tau_us": self.passive_tau_us,
                "stop_ramps": self.stop_ramps}


class ProgramHistory:
    def __init__(self) -> None:
        self.states: list[StimState] = []
        self._times: list[float] = []

    def __len__(self) -> int:
        return len(self.states)

    def note(self, state: StimState) -> bool:
        """Store `state` if it differs from the last one; returns True when stored.

        A second entry at the same time replaces the first (several changes in one action)."""
        if self.states and self.states[-1].same_as(state):
            return False
        if self.states and self.states[-1].t_s >= state.t_s:
            self.states.pop()
            self._times.pop()
            if self.states and self.states[-1].same_as(state):
                return False
        self.states.append(state)
        self._times.append(state.t_s)
        return True

    def at(self, t_s: float) -> StimState | None:
        i = bisect.bisect_right(self._times, t_s) - 1
        return self.states[i] if i >= 0 else None

    def segments(self, t0_s: float, t1_s: float) -> list[tuple[float, float, StimState]]:
        """[(start_s, end_s, state)] covering [t0_s, t1_s) (before the first entry: nothing)."""
        out = []
        i = max(0, bisect.bisect_right(self._times, t0_s) - 1)
        while i < len(self.states):
            s = self.states[i]
            a = max(t0_s, s.t_s)
            b = min(t1_s, self.states[i + 1].t_s if i + 1 < len(self.states) else t1_s)
            if a >= t1_s:
                break
            if b > a:
                out.append((a, b, s))
            i += 1
        return out
