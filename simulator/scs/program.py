"""Stimulation programs: electrode configuration, pulse parameters, waveform kind, timing.

A program is pure data plus the timing arithmetic every other module shares (pulse rate,
period, occupancy, cycling duty). Units: amplitude in mA, pulse width, interphase gap and
recovery time constant in us, rates in Hz, cycling and ramps in s.

Electrode configuration: `contacts` maps a contact label (`E1`..`E32` across the placed leads in
order, or `case`) to its polarity (`-` cathode, `+` anode) and, on profiles with independent
current sources, its share of the current in percent (cathodes sum to 100 %, anodes sum to 100 %).
A YAML shorthand is accepted: `E4: "-"` (whole cathode), `E5: "+60"` (anode taking 60 %).

Timing of one period (tonic and high frequency; the cathodic phase leads):
    | cathodic phase PW | interphase gap | recharge: active (anodic phase PW) or passive (exponential recovery) |
Burst: `pulses_per_burst` cathodic pulses at `intra_burst_rate_hz`, repeated at `rate_hz` (the burst
rate); with passive balance one recovery follows the last pulse of each burst, with active balance
every pulse is biphasic.
"""
from __future__ import annotations

import math
from typing import Any, Literal, cast

from pydantic import BaseModel, Field, field_validator, model_validator

from simulator.profiles.base import StrictModel

Polarity = Literal["+", "-"]
WaveformKind = Literal["tonic", "burst", "high_frequency"]
ChargeBalance = Literal["active", "passive"]
CASE = "case"

#: Passive recovery is the DC-blocking (coupling) capacitor discharging through the tissue:
#: tau = R x C (tau_us = Z_ohm x C_uF). A device takes Z from its contact impedances and C from its
#: profile (`coupling_capacitance_uf`); a program rendered on its own (no device) uses the nominal
#: 525 ohm [L: scs.md] x the default 10 uF [?] = 5.25 ms. The recovery window runs until
#: `RECOVERY_TAUS` time constants or the next pulse/burst of the program, whichever is first; when it
#: is cut short the recovery is scaled so each period still nets exactly zero charge (the steady state
#: of a capacitor that starts each period with a small residual voltage).
DEFAULT_COUPLING_CAPACITANCE_UF = 10.0
NOMINAL_LOAD_OHM = 525.0
DEFAULT_PASSIVE_TAU_US = NOMINAL_LOAD_OHM * DEFAULT_COUPLING_CAPACITANCE_UF
#: [?] The output stage holds a program's recovery switches for at most this long before it serves
#: another interleaved program; the capacitor keeps discharging on the program's own contacts.
RECOVERY_SLOT_US = 1000.0
RECOVERY_TAUS = 5.0
#: BurstDR: 5 pulses at 500 Hz intra-burst [L] (scs.md, Waveforms).
DEFAULT_PULSES_PER_BURST = 5
DEFAULT_INTRA_BURST_RATE_HZ = 500.0


class ContactUse(StrictModel):
    polarity: Polarity = Field(description="'-' cathode or '+' anode")
    fraction_pct: float | None = Field(None, gt=0, le=100, description="Share of the current in % (independent current sources only)")


def _parse_contact(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text or text[0] not in "+-":
            raise ValueError("a contact is '+', '-', '+NN' or '-NN' (NN = percent of the current), or {polarity, fraction_pct}")
        rest = text[1:].strip().rstrip("%")
        if rest:
            try:
                pct = float(rest)
            except ValueError:
                raise ValueError(f"cannot read {text!r}: use e.g. '-', '+', '-60' or '+40'") from None
            return {"polarity": text[0], "fraction_pct": pct}
        return {"polarity": text[0]}
    return value


class Burst(StrictModel):
    pulses_per_burst: int = Field(DEFAULT_PULSES_PER_BURST, ge=1, le=50, description="Pulses in each burst")
    intra_burst_rate_hz: float = Field(DEFAULT_INTRA_BURST_RATE_HZ, gt=0, le=20000, description="Pulse rate inside a burst, Hz")


class Cycling(StrictModel):
    on_s: float = Field(gt=0, le=86400, description="Stimulation on time per cycle, s")
    off_s: float = Field(ge=0, le=86400, description="Off time per cycle, s")


class Program(StrictModel):
    """One stimulation program (an 'area' on some platforms). Figures are the clinician's settings."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$", description="Program name, e.g. 'back' or 'P1'")
    contacts: dict[str, ContactUse] = Field(description="Contact label -> polarity (and % share)")
    amplitude_ma: float = Field(0.0, ge=0, le=100, description="Cathodic amplitude, mA (total over cathodes)")
    pulse_width_us: float = Field(gt=0, le=5000, description="Cathodic phase width, us")
    rate_hz: float = Field(gt=0, le=20000, description="Pulse rate (tonic, high frequency) or burst rate (burst), Hz")
    waveform: WaveformKind = "tonic"
    burst: Burst | None = Field(None, description="Burst shape; defaults to 5 pulses at 500 Hz for waveform 'burst'")
    charge_balance: ChargeBalance = Field("active", description="active: driven symmetric second phase; passive: capacitor recovery")
    interphase_gap_us: float = Field(0.0, ge=0, le=1000, description="Gap between the phases, us")
    passive_tau_us: float | None = Field(None, gt=0, le=1_000_000, description="Time constant of passive recovery, us; None: the device's "
                                         "contact impedance x coupling capacitance (alone: 525 ohm x 10 uF = 5250 us)")
    cycling: Cycling | None = Field(None, description="On/off cycling; None = continuous")
    soft_start_s: float = Field(0.0, ge=0, le=60, description="Amplitude ramp at each start, s")
    soft_stop_s: float = Field(0.0, ge=0, le=60, description="Amplitude ramp at each stop, s")
    patient_min_ma: float = Field(0.0, ge=0, le=100, description="Lowest amplitude the patient may select, mA")
    patient_max_ma: float | None = Field(None, ge=0, le=100, description="Highest amplitude the patient may select, mA (None: the profile's maximum)")
    perception_threshold_ma: float | None = Field(None, ge=0, le=100, description="Perception threshold recorded by the clinician, mA")
    max_tolerable_ma: float | None = Field(None, ge=0, le=100, description="Maximum tolerable amplitude recorded by the clinician (MaxTol), mA; "
                                           "the remote may not exceed it without a clinician bypass [L: Prodigy 'MaxTol', scs.md]")
    patient_rate_locked: bool = Field(True, description="Rate locked out of the patient remote (clinician setting [L: scs.md]; locked is a [?] default)")
    patient_pulse_width_locked: bool = Field(True, description="Pulse width locked out of the patient remote (clinician setting [L: scs.md]; locked is a [?] default)")

    @field_validator("contacts", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): _parse_contact(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _shape(self):
        if self.waveform == "burst" and self.burst is None:
            object.__setattr__(self, "burst", Burst())
        if self.waveform != "burst" and self.burst is not None:
            raise ValueError("burst settings are only for waveform 'burst'")
        if self.patient_max_ma is not None and self.patient_max_ma < self.patient_min_ma:
            raise ValueError(f"patient_max_ma ({self.patient_max_ma}) is below patient_min_ma ({self.patient_min_ma})")
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        """Assignment (validated by pydantic) changes the program in place: it loses its shape token."""
        SHAPES.pop(id(self), None)
        super().__setattr__(name, value)

    def with_amplitude(self, amplitude_ma: float) -> Program:
        """This program at another amplitude, mA: what `model_copy(update={"amplitude_ma": ...})` gives
        (the same fields, fields set and extras), made directly, and sharing this program's shape token
        (`shape_token`), so figures that do not depend on the amplitude are not worked out again.

        The fast path takes a float the field accepts (0 <= mA <= 100; -0.0 is stored as 0.0, as
        validation does); anything else is passed to `model_copy` as before (no validation there: a
        check then refuses the amplitude against the profile's range)."""
        if type(amplitude_ma) is not float or not 0.0 <= amplitude_ma <= 100.0 or self.__pydantic_private__ is not None:
            return self.model_copy(update={"amplitude_ma": amplitude_ma})
        new = _object_new(type(self))  # (BaseModel has no __new__ of its own)
        fields = self.__dict__.copy()
        fields["amplitude_ma"] = amplitude_ma + 0.0  # -0.0 -> 0.0
        fields_set = self.__pydantic_fields_set__.copy()
        fields_set.add("amplitude_ma")
        extra = self.__pydantic_extra__
        _object_setattr(new, "__dict__", fields)
        _set_extra(new, None if extra is None else extra.copy())  # the slots' own setters: object.__setattr__ without its lookup
        _set_fields_set(new, fields_set)
        _set_private(new, None)
        hit = SHAPES.get(id(self))
        token = hit[1] if hit is not None and hit[0] is self else shape_token(self)
        if len(SHAPES) >= SHAPES_MAX:
            SHAPES.clear()
        SHAPES[id(new)] = (new, token)
        return new

    def remote_top_ma(self, device_max_ma: float, bypass: bool = False) -> float:
        """Highest amplitude the patient remote reaches: the patient maximum (else the device's),
        capped by the recorded maximum tolerable amplitude unless the clinician bypassed it, mA."""
        top = self.patient_max_ma if self.patient_max_ma is not None else device_max_ma
        if self.max_tolerable_ma is not None and not bypass:
            top = min(top, self.max_tolerable_ma)
        return top

    def remote_top_is_set(self) -> bool:
        """True when the clinician bounded the remote (patient maximum or MaxTol)."""
        return self.patient_max_ma is not None or self.max_tolerable_ma is not None

    # ----- configuration -----
    def labels(self) -> list[str]:
        return list(self.contacts)

    def cathodes(self) -> dict[str, float]:
        """Cathode label -> share of the current (0..1); equal shares when none is given."""
        return _shares(self.contacts, "-")

    def anodes(self) -> dict[str, float]:
        """Anode label -> share of the current (0..1); equal shares when none is given."""
        return _shares(self.contacts, "+")

    def same_configuration(self, other: Program) -> bool:
        """True when both programs use the same contacts with the same polarities and shares."""
        return self.contacts == other.contacts

    # ----- timing (closed form) -----
    @property
    def period_s(self) -> float:
        """Repetition period: of the pulse (tonic, HF) or of the burst (burst), s."""
        return 1.0 / self.rate_hz

    @property
    def pulses_per_period(self) -> int:
        return self.burst.pulses_per_burst if (self.waveform == "burst" and self.burst) else 1

    @property
    def pulses_per_s_while_on(self) -> float:
        """Cathodic pulses per second while stimulation is on (burst: burst rate x pulses per burst)."""
        return self.rate_hz * self.pulses_per_period

    @property
    def driven_phases_per_pulse(self) -> int:
        """Phases the current source drives per pulse: 2 with active balance, 1 with passive."""
        return 2 if self.charge_balance == "active" else 1

    @property
    def intra_period_s(self) -> float:
        """Spacing of the pulses inside a burst (the period itself for single pulses), s."""
        if self.waveform == "burst" and self.burst:
            return 1.0 / self.burst.intra_burst_rate_hz
        return self.period_s

    def pulse_span_s(self) -> float:
        """Duration of one biphasic (active) or cathodic+gap (passive) pulse, s."""
        pw = self.pulse_width_us * 1e-6
        gap = self.interphase_gap_us * 1e-6
        return pw + gap + (pw if self.charge_balance == "active" else 0.0)

    def train_span_s(self) -> float:
        """From the first pulse's start to the end of the last pulse's driven phases in a period, s."""
        return (self.pulses_per_period - 1) * self.intra_period_s + self.pulse_span_s()

    def recovery_tau_us(self, tau_us: float | None = None) -> float:
        """Passive recovery time constant in force: `tau_us` (a device's Z x C), else the program's, else the default, us."""
        if tau_us is not None:
            return tau_us
        return self.passive_tau_us if self.passive_tau_us is not None else DEFAULT_PASSIVE_TAU_US

    def recovery_free_s(self) -> float:
        """Time from the end of the train to the next pulse/burst of this program, s."""
        return max(0.0, self.period_s - self.train_span_s())

    def recovery_window_s(self, tau_us: float | None = None) -> float:
        """Length of the passive recovery after the train (0 for active balance), s:
        `RECOVERY_TAUS` time constants, cut at the next pulse/burst."""
        if self.charge_balance == "active":
            return 0.0
        return max(0.0, min(RECOVERY_TAUS * self.recovery_tau_us(tau_us) * 1e-6, self.recovery_free_s()))

    def recovery_info(self, tau_us: float | None = None) -> dict[str, Any] | None:
        """Passive recovery figures (None for active balance): time constant, window, whether it
        completes (>= `RECOVERY_TAUS` tau before the next pulse/burst), the share of the charge a free
        exponential would still hold at the window's end (made up by scaling: net charge stays zero),
        and the recovery peak per mA of cathodic amplitude."""
        if self.charge_balance == "active":
            return None
        tau = self.recovery_tau_us(tau_us) * 1e-6
        window = self.recovery_window_s(tau_us)
        q = self.pulses_per_period * self.pulse_width_us * 1e-6  # mA*s per mA
        cut = -math.expm1(-window / tau) if window > 0 else 0.0
        complete = window >= RECOVERY_TAUS * tau * (1 - 1e-12)
        out: dict[str, Any] = {"tau_us": tau * 1e6, "window_us": window * 1e6, "complete": bool(complete),
               "residual_pct": 100.0 * math.exp(-window / tau), "peak_ma_per_ma": (q / (tau * cut)) if cut > 0 else math.inf}
        if not complete:
            out["note"] = (f"passive recovery cut at {window * 1e6:.0f} us by the next {'burst' if self.pulses_per_period > 1 else 'pulse'} "
                           f"({window / tau:.2f} tau of {RECOVERY_TAUS:g}); the recovery current is scaled so each period nets zero charge")
        return out

    def occupancy_s(self, tau_us: float | None = None) -> float:
        """Time of each period during which this program owns the output stage, s (interleaving):
        the train, then the passive recovery up to `RECOVERY_SLOT_US` (the rest of the recovery runs
        passively on the program's own contacts while another program may pulse)."""
        return self.train_span_s() + min(self.recovery_window_s(tau_us), RECOVERY_SLOT_US * 1e-6)

    def timing_problem(self) -> str | None:
        """A message when the pulse timing cannot be delivered as written, else None."""
        if self.waveform == "burst" and self.burst:
            if self.pulse_span_s() > self.intra_period_s:
                return (f"pulse ({self.pulse_span_s() * 1e6:g} us) is longer than the intra-burst spacing "
                        f"({self.intra_period_s * 1e6:g} us at {self.burst.intra_burst_rate_hz:g} Hz)")
        if self.train_span_s() > self.period_s * (1 + 1e-12):
            return (f"pulses need {self.train_span_s() * 1e6:g} us per period but the period at {self.rate_hz:g} Hz "
                    f"is {self.period_s * 1e6:g} us")
        if self.charge_balance == "passive" and self.recovery_window_s() <= 0:
            return "no time is left in the period for passive recovery"
        return None

    # ----- cycling (closed form) -----
    def cycle_period_s(self) -> float | None:
        if self.cycling is None or self.cycling.off_s == 0:
            return None
        return self.cycling.on_s + self.cycling.off_s

    def duty_fraction(self) -> float:
        """Average amplitude factor over time (cycling and ramps): charge and pulse-count weighting.

        With cycling, each on phase ramps up over `soft_start_s` and down over `soft_stop_s`
        (counted as half-on, the mean of a linear ramp); continuous stimulation has duty 1.
        """
        period = self.cycle_period_s()
        if period is None:
            return 1.0
        on = self.cycling.on_s  # type: ignore[union-attr]
        ramps = min(self.soft_start_s + self.soft_stop_s, on)
        return (on - ramps / 2.0) / period

    def energy_duty_fraction(self) -> float:
        """Average of the squared amplitude factor (energy weighting); a linear ramp averages 1/3."""
        period = self.cycle_period_s()
        if period is None:
            return 1.0
        on = self.cycling.on_s  # type: ignore[union-attr]
        ramps = min(self.soft_start_s + self.soft_stop_s, on)
        return (on - ramps * 2.0 / 3.0) / period

    def on_fraction(self) -> float:
        """Fraction of time the program is in its on phase (ramps count as on)."""
        period = self.cycle_period_s()
        return 1.0 if period is None else self.cycling.on_s / period  # type: ignore[union-attr]

    def envelope(self, t_since_start_s):
        """Amplitude factor 0..1 at times since the program started (numpy or float).

        Cycling on/off and soft-start/stop ramps; continuous programs ramp up once at start.
        """
        import numpy as np

        t = np.asarray(t_since_start_s, dtype=float)
        period = self.cycle_period_s()
        if period is None:
            phase = t
            on = math.inf
        else:
            phase = np.mod(t, period)
            on = self.cycling.on_s
        env = np.where((phase < on) & (t >= 0), 1.0, 0.0)
        if self.soft_start_s > 0:
            env = env * np.clip(phase / self.soft_start_s, 0.0, 1.0)
        if self.soft_stop_s > 0 and math.isfinite(on):
            env = env * np.clip((on - phase) / self.soft_stop_s, 0.0, 1.0)
        return env


_object_setattr = object.__setattr__
_object_new = object.__new__
#: setters of BaseModel's slots (what object.__setattr__ reaches for those names)
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


class ShapeToken:
    """Stands for a program's settings other than its amplitude: programs with the same token differ
    at most in `amplitude_ma` (see `shape_token`). Compared by identity. It carries the memos of
    figures of that shape at given inputs (energy.program_load, safety.amplitude_screen): a few
    entries each, (inputs..., figures), the inputs held and matched by identity (`remember`)."""

    __slots__ = ("__weakref__", "loads", "screens")

    #: entries kept per memo (the oldest is dropped): one per impedance dict, which changes only with drift and faults
    MEMO_MAX = 4

    def __init__(self) -> None:
        self.loads: list[tuple] = []
        self.screens: list[tuple] = []

    @classmethod
    def remember(cls, memo: list[tuple], entry: tuple) -> None:
        """Add `entry` to `memo`, dropping the oldest when full."""
        if len(memo) >= cls.MEMO_MAX:
            del memo[0]
        memo.append(entry)


#: id(program) -> (program, its shape token). A program gets a new token the first time it is asked
#: for one; `Program.with_amplitude` gives the copy its source's token. The entry holds the program,
#: so its id is not reused while the entry lives. Invalidation: assigning to a program's field drops
#: its entry (`Program.__setattr__`); every other new program (validated, `model_copy`, deep copy)
#: has another id and so a new token; programs and their contacts are otherwise never changed in
#: place. Bounded: cleared when full (the next request makes a new token: a miss, never a wrong hit).
#: Hot callers read it directly: `hit = SHAPES.get(id(p)); token = hit[1] if hit is not None and hit[0] is p else shape_token(p)`.
SHAPES: dict[int, tuple[Program, ShapeToken]] = {}
SHAPES_MAX = 256


def shape_token(program: Program) -> ShapeToken:
    """The token of `program`'s settings other than the amplitude (memoised by identity, `SHAPES`)."""
    hit = SHAPES.get(id(program))
    if hit is not None and hit[0] is program:
        return hit[1]
    token = ShapeToken()
    if len(SHAPES) >= SHAPES_MAX:
        SHAPES.clear()
    SHAPES[id(program)] = (program, token)
    return token


def _shares(contacts: dict[str, ContactUse], polarity: str) -> dict[str, float]:
    chosen = {k: v for k, v in contacts.items() if v.polarity == polarity}
    if not chosen:
        return {}
    given = [v.fraction_pct for v in chosen.values()]
    if all(g is None for g in given):
        return {k: 1.0 / len(chosen) for k in chosen}
    if any(g is None for g in given):
        # mixed: give the unstated contacts equal shares of what is left
        left = max(0.0, 100.0 - sum(g for g in given if g is not None))
        n_free = sum(1 for g in given if g is None)
        return {k: (v.fraction_pct if v.fraction_pct is not None else left / n_free) / 100.0 for k, v in chosen.items()}
    return {k: v.fraction_pct / 100.0 for k, v in chosen.items()}  # type: ignore[operator]


def configuration_shares_pct(contacts: dict[str, tuple[str, float | None]]) -> dict[str, float]:
    """Contact -> share of the current, %, of a configuration given as label -> (polarity, fraction_pct or
    None), as a program uses it (`Program.cathodes` / `anodes`): stated shares, the rest split evenly."""
    uses = {k: ContactUse.model_construct(polarity=cast(Literal['+', '-'], p), fraction_pct=f) for k, (p, f) in contacts.items()}
    return {k: 100.0 * v for pol in "-+" for k, v in _shares(uses, pol).items()}


def fraction_sums_pct(program: Program) -> dict[str, float | None]:
    """Sum of the stated percentages per polarity (None when none is stated)."""
    out: dict[str, float | None] = {}
    for pol, key in (("-", "cathodes"), ("+", "anodes")):
        vals = [v.fraction_pct for v in program.contacts.values() if v.polarity == pol]
        out[key] = None if all(v is None for v in vals) else sum(v or 0.0 for v in vals)
    return out
