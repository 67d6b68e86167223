"""Energy per pulse and average drain, in closed form (no pulse is ever simulated).

Load: each contact has an impedance Z_i to the body (the case has its own); a program whose
contact i takes share s_i of the current I puts the energy I^2 x PW x sum(s_i^2 Z_i) into tissue per
driven phase (for one cathode and the case, I^2 Z PW: 5 mA, 1 kohm, 300 us -> 7.5 uJ); active charge
balance drives the second phase too and so doubles it [D: scs.md].

Battery side: the current source needs V = I x R_eff + headroom (R_eff = the worst cathode's plus
the worst anode's s_i Z_i); an adaptive supply makes just that (capped by the rail), a fixed supply
always makes the rail. Energy drawn per driven phase = I x V_supply x PW / efficiency, so
battery power = pulses/s x phases x that x duty (cycling and ramps) [D: scs.md, 'Battery draw'].
When I x R_eff + headroom exceeds the rail, the delivered current falls to (rail - headroom) / R_eff.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator.scs.program import CASE, SHAPES, Program, ShapeToken, shape_token
from simulator.scs.safety import contact_shares

if TYPE_CHECKING:
    from simulator.scs.profile import StimulatorProfile


def tissue_energy_per_phase_j(amplitude_ma: float, load_ohm: float, pulse_width_us: float) -> float:
    """I^2 x Z x PW in J (mA -> A, us -> s)."""
    return (amplitude_ma * 1e-3) ** 2 * load_ohm * pulse_width_us * 1e-6


def tissue_energy_per_pulse_j(amplitude_ma: float, load_ohm: float, pulse_width_us: float, charge_balance: str = "active") -> float:
    """Energy the source drives into tissue per pulse: active balance drives two phases."""
    phases = 2 if charge_balance == "active" else 1
    return phases * tissue_energy_per_phase_j(amplitude_ma, load_ohm, pulse_width_us)


def _impedance(label: str, impedance_ohm: dict[str, float], case_ohm: float) -> float:
    return case_ohm if label == CASE else impedance_ohm[label]


def load_ohm(program: Program, impedance_ohm: dict[str, float], case_ohm: float, single_source: bool = False) -> float:
    """Effective load sum(s_i^2 Z_i) over the program's contacts, ohm."""
    return _loads(program, impedance_ohm, case_ohm, single_source)[1]


def drive_resistance_ohm(program: Program, impedance_ohm: dict[str, float], case_ohm: float, single_source: bool = False) -> float:
    """R_eff: the voltage the source needs per mA of program current is I x R_eff (ohm)."""
    return _loads(program, impedance_ohm, case_ohm, single_source)[0]


#: _loads memo: (id(program.contacts), id(impedance dict), case ohm, single) -> (contacts, impedance
#: dict, (R_eff, load)); the same rule as `safety.contact_shares`' memo (both inputs held, a hit
#: confirmed by identity; contacts and impedance dicts are replaced, never changed in place), so
#: an amplitude step, which keeps the contacts, works the loads out once per program and instant
#: instead of at every check, rate and compliance figure (8 times an action before). Bounded.
_LOADS_MEMO: dict[tuple[int, int, float, bool], tuple] = {}
LOADS_MEMO_MAX = 256


def _loads(program: Program, impedance_ohm: dict[str, float], case_ohm: float, single_source: bool) -> tuple[float, float]:
    """(R_eff, load) of the program's contacts, ohm: R_eff = the worst cathode's plus the worst
    anode's |s_i| Z_i; load = sum(s_i^2 Z_i)."""
    contacts = program.contacts
    key = (id(contacts), id(impedance_ohm), case_ohm, bool(single_source))
    hit = _LOADS_MEMO.get(key)
    if hit is not None and hit[0] is contacts and hit[1] is impedance_ohm:
        loads: tuple[float, float] = hit[2]
        return loads
    shares = contact_shares(program, impedance_ohm, single_source)
    worst = {"-": 0.0, "+": 0.0}
    load = 0.0
    for k, s in shares.items():
        z = _impedance(k, impedance_ohm, case_ohm)
        pol = "-" if s < 0 else "+"
        worst[pol] = max(worst[pol], abs(s) * z)
        load += s * s * z
    value = (worst["-"] + worst["+"], load)
    if len(_LOADS_MEMO) >= LOADS_MEMO_MAX:
        _LOADS_MEMO.clear()
    _LOADS_MEMO[key] = (contacts, impedance_ohm, value)
    return value


_object_new = object.__new__


@dataclass(frozen=True)
class Compliance:
    required_v: float  # I x R_eff + headroom
    rail_v: float
    supply_v: float  # what the output stage is set to
    delivered_ma: float
    requested_ma: float

    @property
    def ok(self) -> bool:
        return self.required_v <= self.rail_v + 1e-9

    @classmethod
    def of(cls, required_v: float, rail_v: float, supply_v: float, delivered_ma: float, requested_ma: float) -> Compliance:
        """`Compliance(...)` with every field given, made without the frozen dataclass's per-field
        `object.__setattr__` (one a program and amplitude: the hot path's)."""
        c = _object_new(cls)
        c.__dict__.update(required_v=required_v, rail_v=rail_v, supply_v=supply_v, delivered_ma=delivered_ma, requested_ma=requested_ma)
        return c


@dataclass(frozen=True)
class Drain:
    """Average rates of one program (or a sum), while the device is stimulating."""

    pulses_per_s: float = 0.0
    charge_uc_per_s: float = 0.0  # cathodic charge delivered to tissue
    tissue_power_w: float = 0.0
    battery_power_w: float = 0.0
    details: dict = field(default_factory=dict)

    def __add__(self, other: Drain) -> Drain:
        return Drain(self.pulses_per_s + other.pulses_per_s, self.charge_uc_per_s + other.charge_uc_per_s,
                     self.tissue_power_w + other.tissue_power_w, self.battery_power_w + other.battery_power_w,
                     {**self.details, **other.details})


#: A program's average rates while stimulating, without the rest of a `Drain` (the hot path's, a plain
#: tuple): (charge to tissue uC/s, tissue power W, battery power W, tissue share 0..1 (`tissue_share`)).
Rates = tuple[float, float, float, float]


class ProgramLoad:
    """The figures of a program shape (every setting but the amplitude) on one profile at one
    instant's impedances that compliance and drain need (ohm, duty fractions, pulses/s, us, V), and
    the arithmetic that gives them at an amplitude (`compliance`, `drain`). One object serves every
    amplitude: an amplitude step reuses it (`program_load` memoises it)."""

    __slots__ = ("name", "r_eff_ohm", "load_ohm", "shares", "duty", "duty_e", "pps", "phases", "pulse_width_us", "on_fraction",
                 "headroom_v", "rail_v", "adaptive", "efficiency", "_last")

    def __init__(self, program: Program, profile: StimulatorProfile, impedance_ohm: dict[str, float]) -> None:
        single = profile.current_sources == "single"
        case_ohm = profile.impedance.case_ohm
        self.name = program.name
        self.r_eff_ohm, self.load_ohm = _loads(program, impedance_ohm, case_ohm, single)
        self.shares = contact_shares(program, impedance_ohm, single)
        self.duty = program.duty_fraction()
        self.duty_e = program.energy_duty_fraction()
        self.pps = program.pulses_per_s_while_on
        self.phases = program.driven_phases_per_pulse
        self.pulse_width_us = program.pulse_width_us
        self.on_fraction = program.on_fraction()
        self.headroom_v = profile.compliance_headroom_v
        self.rail_v = profile.compliance_rail_v
        self.adaptive = profile.adaptive_compliance
        self.efficiency = profile.battery.converter_efficiency
        #: the last `at` (amplitude mA, tissue fractions, (compliance, rates)); None: none yet
        self._last: tuple[float, dict[str, float] | None, tuple[Compliance, Rates]] | None = None

    def figures(self) -> tuple:
        """Every figure, for comparing two loads (tests)."""
        return tuple(getattr(self, k) for k in self.__slots__ if k != "_last")

    def at(self, amp: float, tissue_fraction: dict[str, float] | None) -> tuple[Compliance, Rates]:
        """(compliance, rates) at `amp` mA, as `compliance(amp)` and `rates(that, tissue_fraction)` give
        them. Memo of the last call: the same amplitude (equal and nonzero, so the same float bits)
        and the same fractions dict (Electrodes.fractions: a new dict when they change) give the
        same pair; a program whose amplitude did not change in an action is not worked out again."""
        last = self._last
        if last is not None and last[0] == amp and amp != 0.0 and last[1] is tissue_fraction:
            return last[2]
        # compliance(amp), Compliance.of and rates(that, tissue_fraction), written out in one frame
        # with the same float operations (tests/scs/test_action_fast_paths.py checks them against
        # the plain formulas)
        r = self.r_eff_ohm
        head = self.headroom_v
        rail = self.rail_v
        need, delivered, supply_v = self._output_stage(amp)
        c = _object_new(Compliance)
        c.__dict__.update(required_v=need, rail_v=rail, supply_v=supply_v, delivered_ma=delivered, requested_ma=amp)
        duty = self.duty
        duty_e = self.duty_e
        pps = self.pps
        phases = self.phases
        pw = self.pulse_width_us
        tissue = pps * duty_e * (phases * ((delivered * 1e-3) ** 2 * self.load_ohm * pw * 1e-6))
        i_a = delivered * 1e-3
        if self.adaptive and need <= rail + 1e-9:
            volt_amp = i_a * i_a * r * duty_e + i_a * head * duty
        else:
            volt_amp = i_a * supply_v * duty
        supply = pps * phases * volt_amp * pw * 1e-6 / self.efficiency
        share = self.tissue_share(tissue_fraction) if tissue_fraction else 1.0
        pair = (c, (pps * duty * delivered * pw / 1000.0 * share, tissue, supply, share))
        self._last = (amp, tissue_fraction, pair)
        return pair

    def _output_stage(self, amp: float) -> tuple[float, float, float]:
        """At `amp` mA: the required voltage (V), the current delivered (mA: the request, or what
        the rail allows across the load) and the supply voltage (V: the need, capped at the rail,
        when adaptive; else the rail)."""
        r = self.r_eff_ohm
        head = self.headroom_v
        rail = self.rail_v
        need = amp * 1e-3 * r + head
        delivered = amp if need <= rail else max(0.0, (rail - head) / r * 1e3) if r > 0 else amp
        return need, delivered, (min(rail, need) if self.adaptive else rail)

    def compliance(self, amp: float) -> Compliance:
        """Required voltage, supply and delivered current at `amp` mA (see `compliance`)."""
        need, delivered, supply = self._output_stage(amp)
        return Compliance.of(need, self.rail_v, supply, delivered, amp)

    def tissue_share(self, tissue_fraction: dict[str, float] | None) -> float:
        """See `tissue_share`."""
        if not tissue_fraction:
            return 1.0
        return sum(-s * tissue_fraction.get(k, 1.0) for k, s in self.shares.items() if s < 0)

    def drain(self, c: Compliance, tissue_fraction: dict[str, float] | None = None) -> Drain:
        """The program's average rates at the compliance `c` (see `program_drain`), with its details."""
        charge, tissue, supply, share = self.rates(c, tissue_fraction)
        return Drain(self.pps * self.on_fraction, charge, tissue, supply,
                     {self.name: {"load_ohm": self.load_ohm, "supply_v": c.supply_v, "delivered_ma": c.delivered_ma, "duty": self.duty,
                                  "energy_duty": self.duty_e, "tissue_share": share}})

    def rates(self, c: Compliance, tissue_fraction: dict[str, float] | None = None) -> Rates:
        """Charge to tissue (uC/s), tissue and battery power (W) and tissue share at the compliance `c`
        (the arithmetic of `program_drain`)."""
        amp = c.delivered_ma
        duty = self.duty
        duty_e = self.duty_e
        pps = self.pps
        phases = self.phases
        pw = self.pulse_width_us
        z = self.load_ohm
        tissue = pps * duty_e * (phases * ((amp * 1e-3) ** 2 * z * pw * 1e-6))  # tissue_energy_per_pulse_j (phases: 2 active, 1 passive)
        i_a = amp * 1e-3
        if self.adaptive and c.required_v <= c.rail_v + 1e-9:  # c.ok
            volt_amp = i_a * i_a * self.r_eff_ohm * duty_e + i_a * self.headroom_v * duty  # mean of I x V(t), W
        else:
            volt_amp = i_a * c.supply_v * duty
        supply = pps * phases * volt_amp * pw * 1e-6 / self.efficiency
        share = self.tissue_share(tissue_fraction) if tissue_fraction else 1.0
        charge = pps * duty * amp * pw / 1000.0 * share  # into tissue (a short takes its part)
        return (charge, tissue, supply, share)


def program_load(program: Program, profile: StimulatorProfile, impedance_ohm: dict[str, float]) -> ProgramLoad:
    """The `ProgramLoad` of `program` on `profile` at `impedance_ohm`.

    Memoised on the program's shape token (`program.shape_token`: it stands for every setting but
    the amplitude, is shared only by `Program.with_amplitude` copies and is dropped on assignment),
    in `token.loads` entries (profile, impedance dict, load) matched by identity, so an amplitude
    step finds its program's load; a program with other settings, another profile or another
    impedance dict (drift, a fault: Electrodes.ohm hands out a new dict when values change) makes
    a new one. An entry holds its inputs; profiles and impedance dicts are never changed in place."""
    hit = SHAPES.get(id(program))
    token = hit[1] if hit is not None and hit[0] is program else shape_token(program)
    for entry in token.loads:
        if entry[0] is profile and entry[1] is impedance_ohm:
            load: ProgramLoad = entry[2]
            return load
    load = ProgramLoad(program, profile, impedance_ohm)
    ShapeToken.remember(token.loads, (profile, impedance_ohm, load))
    return load


def compliance(program: Program, profile: StimulatorProfile, impedance_ohm: dict[str, float], amplitude_ma: float | None = None) -> Compliance:
    """Required voltage I x R_eff + headroom (V) against the rail; the supply and the delivered current (mA)."""
    amp = program.amplitude_ma if amplitude_ma is None else amplitude_ma
    return program_load(program, profile, impedance_ohm).compliance(amp)


def tissue_share(program: Program, impedance_ohm: dict[str, float], tissue_fraction: dict[str, float] | None, single_source: bool = False) -> float:
    """Fraction of the program's cathodic current that reaches tissue: sum over cathodes of share x
    the contact's tissue fraction (1 unless shorted; see ImpedanceModel.tissue_fractions)."""
    if not tissue_fraction:
        return 1.0
    shares = contact_shares(program, impedance_ohm, single_source)
    return sum(-s * tissue_fraction.get(k, 1.0) for k, s in shares.items() if s < 0)


def program_drain(program: Program, profile: StimulatorProfile, impedance_ohm: dict[str, float], amplitude_ma: float | None = None,
                  tissue_fraction: dict[str, float] | None = None) -> Drain:
    """Average pulse rate, charge rate, tissue and battery power of one program (cycling and ramps included).

    With an amplitude factor a(t) (cycling and soft-start/stop ramps; program.duty_fraction() = <a>,
    program.energy_duty_fraction() = <a^2>): charge ~ I <a>; tissue power ~ I^2 Z <a^2>; battery power
    per driven phase ~ I x V(t) with an adaptive supply V = a I R_eff + headroom, so
    I^2 R_eff <a^2> + I x headroom x <a>; a fixed supply (or out of compliance) draws rail x I x <a>.
    The arithmetic is `ProgramLoad.drain`.
    """
    amp = program.amplitude_ma if amplitude_ma is None else amplitude_ma
    load = program_load(program, profile, impedance_ohm)
    return load.drain(load.compliance(amp), tissue_fraction)


def battery_current_ma(battery_power_w: float, profile: StimulatorProfile, stimulating: bool = True) -> float:
    """Average cell current, mA: stimulation power / cell voltage plus the quiescent drain."""
    stim = battery_power_w / profile.battery.voltage_v * 1e3 if stimulating else 0.0
    return stim + profile.battery.quiescent_ua * 1e-3


def total_drain(programs: list[Program], profile: StimulatorProfile, impedance_ohm: dict[str, float],
                amplitudes_ma: dict[str, float] | None = None) -> Drain:
    out = Drain()
    for p in programs:
        out = out + program_drain(p, profile, impedance_ohm, (amplitudes_ma or {}).get(p.name))
    return out


def nominal_impedances(program: Program, ohm: float) -> dict[str, float]:
    """Every contact of `program` at one impedance (for claims and worked examples)."""
    return {k: ohm for k in program.contacts if k != CASE}
