"""Electrical safety of a program: charge per phase, charge density, Shannon k, current caps,
polarity rules, parameter ranges and steps, and collisions of interleaved programs.

Everything returns `Finding`s (level 'refuse' or 'warn'); the device refuses on 'refuse' and emits
a `warning` plus a dotted safety event for each 'warn'. Units: mA, us, uC, cm^2, uC/cm^2.

Formulas (scs.md):
- charge per phase Q = I x PW: 5 mA x 300 us = 1.5 uC (mA x us / 1000 = uC);
- charge density D = Q / A per contact, with the contact's share of I;
- Shannon: log10(D) = k - log10(Q), so k = log10(D) + log10(Q); damage seen at k >= 1.85.

Charge accumulated before recovery [D]: with passive balance one recovery follows the last pulse of
each period (`Program` docstring), so a burst's cathodic pulses add up before the charge reverses:
0.6 mA x 1000 us = 0.6 uC per pulse, x 5 pulses = 3.0 uC per burst, 3.0 / 0.1225 = 24.49 uC/cm2 and
k = log10(24.49) + log10(3.0) = 1.866 (> 1.85), while the same pulse alone gives 4.90 uC/cm2 and
k = 0.468. The limits (density and Shannon k) are checked against the accumulated figure; with active
balance every pulse is reversed at once, so only one pulse accumulates. Tonic and high-frequency
programs have one pulse per period, so both figures are the same for them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.device import Finding
from simulator.scs.program import CASE, SHAPES, Program, ShapeToken, fraction_sums_pct, shape_token

if TYPE_CHECKING:
    from simulator.scs.profile import StimulatorProfile


def charge_per_phase_uc(amplitude_ma: float, pulse_width_us: float) -> float:
    """Q = I x PW in uC (mA x us / 1000)."""
    return amplitude_ma * pulse_width_us / 1000.0


def pulses_before_recovery(program: Program) -> int:
    """Cathodic pulses whose charge adds up before it is reversed: the whole burst with passive balance
    (one recovery after the burst), 1 with active balance (each pulse driven back) or single pulses."""
    return program.pulses_per_period if program.charge_balance == "passive" else 1


def charge_density_uc_per_cm2(charge_uc: float, area_cm2: float) -> float:
    return charge_uc / area_cm2


def shannon_k(charge_uc: float, density_uc_per_cm2: float) -> float:
    """k = log10(D) + log10(Q); -inf for zero charge."""
    if charge_uc <= 0 or density_uc_per_cm2 <= 0:
        return -math.inf
    return math.log10(density_uc_per_cm2) + math.log10(charge_uc)


def max_amplitude_for_density_ma(limit_uc_per_cm2: float, area_cm2: float, pulse_width_us: float, share: float = 1.0,
                                 pulses_accumulated: int = 1) -> float:
    """Largest program amplitude keeping a contact (taking `share` of I) at or below the limit, the
    charge of `pulses_accumulated` pulses adding up before recovery (a passive burst)."""
    return limit_uc_per_cm2 * area_cm2 * 1000.0 / (pulse_width_us * share * pulses_accumulated)


def max_charge_for_shannon_uc(k: float, area_cm2: float) -> float:
    """Q at which log10(Q/A) + log10(Q) = k: Q = sqrt(10^k x A)."""
    return math.sqrt(10.0**k * area_cm2)


#: contact_shares memo: (id(program.contacts), id(impedance dict), single) -> (contacts, impedance
#: dict, shares). The shares depend on the program's contacts alone (polarities and stated
#: fractions); a program changed with `model_copy` (amplitude, rate...) shares its contacts dict
#: with the one it came from, so an amplitude step reuses the shares. The entry holds both
#: inputs, so their ids cannot be reused while it lives, and a hit is confirmed by identity.
#: Programs and their contacts are replaced, never changed in place, and the stimulator hands
#: out one impedance dict per instant and fault state (Electrodes.ohm), so the same objects
#: mean the same shares. Bounded: cleared when full.
_SHARES_MEMO: dict[tuple[int, int, bool], tuple] = {}
SHARES_MEMO_MAX = 256


def contact_shares(program: Program, impedance_ohm: dict[str, float] | None = None, single_source: bool = False) -> dict[str, float]:
    """Label -> signed share of the program current (cathodes negative, anodes positive).

    With one shared current source the split between contacts of one polarity follows their
    conductance (1/Z); without impedances it is equal. The returned dict is shared between
    calls with the same inputs (memoised): do not change it.
    """
    contacts = program.contacts
    key = (id(contacts), id(impedance_ohm), bool(single_source))
    hit = _SHARES_MEMO.get(key)
    if hit is not None and hit[0] is contacts and hit[1] is impedance_ohm:
        return hit[2]
    out = _contact_shares(program, impedance_ohm, single_source)
    if len(_SHARES_MEMO) >= SHARES_MEMO_MAX:
        _SHARES_MEMO.clear()
    _SHARES_MEMO[key] = (contacts, impedance_ohm, out)
    return out


def _contact_shares(program: Program, impedance_ohm: dict[str, float] | None, single_source: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    for sign, group in ((-1.0, program.cathodes()), (1.0, program.anodes())):
        if single_source and impedance_ohm and len(group) > 1:
            g = {k: 1.0 / max(impedance_ohm.get(k, 1.0), 1e-9) for k in group}
            total = sum(g.values())
            group = {k: v / total for k, v in g.items()}
        for k, v in group.items():
            out[k] = sign * v
    return out


def contact_report(program: Program, areas_cm2: dict[str, float], profile: StimulatorProfile | None = None,
                   impedance_ohm: dict[str, float] | None = None, amplitude_ma: float | None = None) -> list[dict[str, Any]]:
    """Per-contact rows of the charge figures and limit flags.

    Keys: contact, polarity, share_pct, current_ma; per pulse: charge_per_phase_uc,
    density_per_pulse_uc_per_cm2, shannon_k_per_pulse; accumulated before recovery (the whole burst
    with passive balance, else one pulse): pulses_before_recovery, charge_before_recovery_uc,
    density_before_recovery_uc_per_cm2; the figures the limits are checked against:
    charge_density_uc_per_cm2 and shannon_k (= the accumulated ones), checked_against ('per pulse' or
    'per burst'); area_cm2, max_amplitude_for_density_ma and the flags over_density, over_shannon,
    over_contact_cap. The case has no area: its densities and k are None.
    """
    amp = program.amplitude_ma if amplitude_ma is None else amplitude_ma
    single = bool(profile and profile.current_sources == "single")
    shares = contact_shares(program, impedance_ohm, single)
    limit = profile.charge_density_limit_uc_per_cm2 if profile else 30.0
    k_limit = profile.shannon_k_limit if profile else 1.85
    cap = profile.max_contact_current_ma if profile else math.inf
    n = pulses_before_recovery(program)
    rows = []
    for label, share in shares.items():
        current = amp * abs(share)
        q = charge_per_phase_uc(current, program.pulse_width_us)
        q_acc = n * q
        area = areas_cm2.get(label)
        if label == CASE or area is None:
            d_pulse = density = k_pulse = k = None
        else:
            d_pulse = charge_density_uc_per_cm2(q, area)
            density = charge_density_uc_per_cm2(q_acc, area)
            k_pulse = shannon_k(q, d_pulse)
            k = shannon_k(q_acc, density)
        rows.append({
            "contact": label,
            "polarity": "-" if share < 0 else "+",
            "share_pct": abs(share) * 100.0,
            "current_ma": current,
            "charge_per_phase_uc": q,
            "density_per_pulse_uc_per_cm2": d_pulse,
            "shannon_k_per_pulse": None if k_pulse is None or not math.isfinite(k_pulse) else k_pulse,
            "pulses_before_recovery": n,
            "charge_before_recovery_uc": q_acc,
            "density_before_recovery_uc_per_cm2": density,
            "checked_against": "per burst" if n > 1 else "per pulse",
            "area_cm2": area if label != CASE else None,
            "charge_density_uc_per_cm2": density,
            "shannon_k": None if k is None or not math.isfinite(k) else k,
            "max_amplitude_for_density_ma": (max_amplitude_for_density_ma(limit, area, program.pulse_width_us, abs(share), n)
                                             if density is not None and share and area is not None else None),
            "over_density": bool(density is not None and density > limit + 1e-9),
            "over_shannon": bool(k is not None and math.isfinite(k) and k > k_limit + 1e-9),
            "over_contact_cap": bool(current > cap + 1e-9),
        })
    return rows


def _density_unit(r: dict[str, Any]) -> str:
    """'uC/cm2/phase' for a single pulse, 'uC/cm2 per burst' when a passive burst accumulates."""
    return "uC/cm2 per burst" if r["pulses_before_recovery"] > 1 else "uC/cm2/phase"


def _charge_text(r: dict[str, Any]) -> str:
    """'3.00 uC (5 pulses x 0.600 uC before passive recovery)' or '1.50 uC' for a single pulse."""
    if r["pulses_before_recovery"] > 1:
        return (f"{r['charge_before_recovery_uc']:.2f} uC per burst ({r['pulses_before_recovery']} pulses x "
                f"{r['charge_per_phase_uc']:.3f} uC, accumulated before the passive recovery)")
    return f"{r['charge_per_phase_uc']:.2f} uC"


def check_ranges(program: Program, profile: StimulatorProfile) -> list[Finding]:
    """Waveform kind, amplitude, pulse width, rate and burst parameters against the profile."""
    out: list[Finding] = []

    def rng(spec, value, what, unit, limit):
        msg = spec.problem(value, what, unit)
        if msg:
            out.append(Finding("refuse", f"{program.name}: {msg}", limit, value, spec.allowed(unit)))

    if program.waveform not in profile.waveforms:
        out.append(Finding("refuse", f"{program.name}: waveform {program.waveform!r} is not offered by {profile.id}", "waveforms", program.waveform, profile.waveforms))
        return out
    if program.charge_balance not in profile.charge_balance:
        out.append(Finding("refuse", f"{program.name}: {program.charge_balance} charge balance is not offered by {profile.id}", "charge_balance", program.charge_balance, profile.charge_balance))
    rng(profile.amplitude_ma, program.amplitude_ma, "amplitude", "mA", "amplitude_ma")
    rng(profile.pulse_width_us, program.pulse_width_us, "pulse width", "us", "pulse_width_us")
    if program.waveform == "high_frequency":
        rng(profile.high_frequency_rate_hz, program.rate_hz, "rate", "Hz", "high_frequency_rate_hz")
    elif program.waveform == "burst" and profile.burst and program.burst:
        rng(profile.burst.burst_rate_hz, program.rate_hz, "burst rate", "Hz", "burst.burst_rate_hz")
        rng(profile.burst.pulses_per_burst, program.burst.pulses_per_burst, "pulses per burst", "", "burst.pulses_per_burst")
        rng(profile.burst.intra_burst_rate_hz, program.burst.intra_burst_rate_hz, "intra-burst rate", "Hz", "burst.intra_burst_rate_hz")
    else:
        rng(profile.rate_hz, program.rate_hz, "rate", "Hz", "rate_hz")
    if program.interphase_gap_us > 0:
        if profile.interphase_gap_us is None:
            out.append(Finding("refuse", f"{program.name}: {profile.id} has no interphase gap setting", "interphase_gap_us", program.interphase_gap_us, 0))
        else:
            rng(profile.interphase_gap_us, program.interphase_gap_us, "interphase gap", "us", "interphase_gap_us")
    for what, value in (("patient_min_ma", program.patient_min_ma), ("patient_max_ma", program.patient_max_ma),
                        ("max_tolerable_ma", program.max_tolerable_ma), ("perception_threshold_ma", program.perception_threshold_ma)):
        if value is not None and value > profile.amplitude_ma.max + 1e-9:
            out.append(Finding("refuse", f"{program.name}: {what} {value:g} mA is above the device maximum {profile.amplitude_ma.max:g} mA", what, value, profile.amplitude_ma.max))
    return out


def check_configuration(program: Program, profile: StimulatorProfile, contact_labels: list[str]) -> list[Finding]:
    """Contacts exist, at least one anode and one cathode, fractions add up (or are absent)."""
    out: list[Finding] = []
    allowed = list(contact_labels) + [CASE]
    unknown = [c for c in program.contacts if c not in allowed]
    if unknown:
        out.append(Finding("refuse", f"{program.name}: no contact {', '.join(unknown)} on the placed leads", "contacts", unknown, f"E1-E{len(contact_labels)} or case"))
    if not program.cathodes():
        out.append(Finding("refuse", f"{program.name}: a program needs at least one cathode (-)", "cathodes", 0, ">= 1"))
    if not program.anodes():
        out.append(Finding("refuse", f"{program.name}: a program needs at least one anode (+); the case may be the anode", "anodes", 0, ">= 1"))
    sums = fraction_sums_pct(program)
    if profile.current_sources == "single":
        if any(v.fraction_pct is not None for v in program.contacts.values()):
            out.append(Finding("refuse", f"{program.name}: {profile.id} has one current source; the split between contacts follows their impedance, so fractions cannot be set", "fraction_pct", "given", "none"))
    else:
        for group in ("cathodes", "anodes"):
            s = sums[group]
            if s is not None and abs(s - 100.0) > 0.05:
                out.append(Finding("refuse", f"{program.name}: {group} share {s:g} % of the current; they must sum to 100 %", f"{group}.fraction_pct", s, 100.0))
    return out


def check_electrical(program: Program, profile: StimulatorProfile, areas_cm2: dict[str, float],
                     impedance_ohm: dict[str, float] | None = None) -> list[Finding]:
    """Timing, current caps, charge density (profile policy) and Shannon k (warn)."""
    out = _timing_findings(program)
    if program.amplitude_ma > profile.max_total_current_ma + 1e-9:
        out.append(Finding("refuse", f"{program.name}: amplitude {program.amplitude_ma:g} mA is above the total current cap {profile.max_total_current_ma:g} mA", "max_total_current_ma", program.amplitude_ma, profile.max_total_current_ma))
    rows = contact_report(program, areas_cm2, profile, impedance_ohm)
    for r in rows:
        if r["over_contact_cap"]:
            out.append(Finding("refuse", f"{program.name}: contact {r['contact']} would carry {r['current_ma']:.2f} mA, above the per-contact cap {profile.max_contact_current_ma:g} mA", "max_contact_current_ma", round(r["current_ma"], 4), profile.max_contact_current_ma))
    limit = profile.charge_density_limit_uc_per_cm2
    for r in rows:
        if r["over_density"]:
            out.append(Finding(profile.charge_density_policy,
                               f"{program.name}: charge density limit reached on {r['contact']}: {r['charge_density_uc_per_cm2']:.1f} {_density_unit(r)} "
                               f"({_charge_text(r)} on {r['area_cm2']:.4f} cm2) > {limit:g}; highest amplitude {r['max_amplitude_for_density_ma']:.2f} mA",
                               "charge_density_uc_per_cm2", round(r["charge_density_uc_per_cm2"], 3), limit))
    for r in rows:
        if r["over_shannon"]:
            out.append(Finding("warn", f"{program.name}: Shannon k {r['shannon_k']:.3f} {r['checked_against']} on {r['contact']} is above {profile.shannon_k_limit:g} "
                               f"({_charge_text(r)}, {r['charge_density_uc_per_cm2']:.2f} uC/cm2)",
                               "shannon_k", round(r["shannon_k"], 3), profile.shannon_k_limit))
    # the remote's amplitude range must not reach the density limit: warned again when programmed, as
    # programmers do [L: Vercise programming manual, scs.md]. The range's top is the patient maximum capped
    # by the recorded MaxTol; a program with neither has the whole device range and is not warned about.
    top_ma = _remote_top_ma(program, profile)
    if top_ma is not None and top_ma > program.amplitude_ma:
        out += _remote_range_findings(program, profile, areas_cm2, impedance_ohm, top_ma)
    return out


def _timing_findings(program: Program) -> list[Finding]:
    """The refusal of a pulse timing that cannot be delivered (none when it can)."""
    problem = program.timing_problem()
    if problem:
        return [Finding("refuse", f"{program.name}: {problem}", "timing", program.train_span_s() * 1e6, f"<= {program.period_s * 1e6:g} us")]
    return []


def _remote_top_ma(program: Program, profile: StimulatorProfile) -> float | None:
    """Top of the patient remote's range when the clinician bounded it (patient maximum or MaxTol), mA; else None."""
    return program.remote_top_ma(profile.amplitude_ma.max) if program.remote_top_is_set() else None


def _remote_range_findings(program: Program, profile: StimulatorProfile, areas_cm2: dict[str, float],
                           impedance_ohm: dict[str, float] | None, top_ma: float) -> list[Finding]:
    """The warning that the remote's range up to `top_ma` (mA) could exceed the charge density limit (none when it cannot)."""
    limit = profile.charge_density_limit_uc_per_cm2
    top = contact_report(program, areas_cm2, profile, impedance_ohm, amplitude_ma=top_ma)
    worst = max((r for r in top if r["charge_density_uc_per_cm2"] is not None), key=lambda r: r["charge_density_uc_per_cm2"], default=None)
    if worst and worst["over_density"]:
        return [Finding("warn", f"{program.name}: the patient remote's range up to {top_ma:g} mA could exceed the charge density limit on {worst['contact']} ({worst['charge_density_uc_per_cm2']:.1f} uC/cm2 > {limit:g}); highest safe amplitude {worst['max_amplitude_for_density_ma']:.2f} mA",
                        "patient_max_ma", top_ma, round(worst["max_amplitude_for_density_ma"], 3))]
    return []


def check_program(program: Program, profile: StimulatorProfile, areas_cm2: dict[str, float],
                  impedance_ohm: dict[str, float] | None = None) -> list[Finding]:
    """All checks of one program; refusals first."""
    findings = check_ranges(program, profile) + check_configuration(program, profile, [k for k in areas_cm2 if k != CASE])
    if not any(f.level == "refuse" and f.limit in ("cathodes", "anodes", "contacts") for f in findings):
        findings += check_electrical(program, profile, areas_cm2, impedance_ohm)
    return _refusals_first(findings)


def _refusals_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.level != "refuse")


# ----- an amplitude change: the checks that depend on the amplitude only -----
#: Relative margin under the amplitude at which a contact would first reach its current cap, the
#: density limit or the Shannon limit: below it the rounding of `contact_report`'s arithmetic
#: (a few ulp, ~1e-15) cannot raise a flag (the density stays below limit x (1 - 1e-9 + 1e-14)).
CLEAR_MARGIN = 1e-9


@dataclass(frozen=True)
class AmplitudeScreen:
    """What `check_program` finds for one program shape (every setting but the amplitude) at the
    impedances of one instant, at any amplitude that raises no amplitude finding of its own.

    `check_program(p at A)` is `refusals_first(static + (remote if remote_top_ma > A))` whenever the
    profile's amplitude range accepts A and, if `electrical`, A <= `clear_ma` and A <= the total
    current cap: then no range, total-cap, contact-cap, density or Shannon finding depends on A
    (all are monotone in A; `clear_ma` is below the first contact's threshold by `CLEAR_MARGIN`).
    """

    static: tuple[Finding, ...]  # ranges but the amplitude's, configuration, timing: in check_program's order
    remote: tuple[Finding, ...]  # the patient range's density warning, raised while the amplitude is below its top
    remote_top_ma: float | None  # top of the patient remote's range (None: not bounded), mA
    electrical: bool  # the electrical checks run (the configuration has cathodes, anodes and known contacts)
    clear_ma: float  # amplitudes up to this raise no contact-cap, density or Shannon flag, mA
    total_cap_ma: float  # the profile's total current cap, mA


def _clear_ma(program: Program, profile: StimulatorProfile, areas_cm2: dict[str, float], impedance_ohm: dict[str, float] | None) -> float:
    """The largest amplitude (less `CLEAR_MARGIN`) at which no contact row of `contact_report` is flagged, mA."""
    single = profile.current_sources == "single"
    shares = contact_shares(program, impedance_ohm, single)
    n = pulses_before_recovery(program)
    pw = program.pulse_width_us
    best = math.inf
    for label, share in shares.items():
        s = abs(share)
        if s == 0.0:
            continue  # no current: no flag at any amplitude
        best = min(best, profile.max_contact_current_ma / s)
        area = areas_cm2.get(label)
        if label != CASE and area is not None:
            best = min(best, max_amplitude_for_density_ma(profile.charge_density_limit_uc_per_cm2, area, pw, s, n),
                       max_charge_for_shannon_uc(profile.shannon_k_limit, area) * 1000.0 / (pw * s * n))
    return best * (1.0 - CLEAR_MARGIN)


def amplitude_screen(program: Program, profile: StimulatorProfile, areas_cm2: dict[str, float],
                     impedance_ohm: dict[str, float] | None = None) -> AmplitudeScreen | None:
    """The screen of `program`'s shape (None when the waveform is not offered: then the ranges stop
    early and the general check applies).

    Memoised on the program's shape token (`program.shape_token`: it stands for every setting but
    the amplitude, is shared only by `Program.with_amplitude` copies and is dropped on assignment),
    in `token.screens` entries (profile, areas, impedance dict, screen) matched by identity.
    Profiles, contact areas and impedance dicts are never changed in place (Electrodes.ohm hands
    out a new dict when the values change: drift, faults)."""
    hit = SHAPES.get(id(program))
    token = hit[1] if hit is not None and hit[0] is program else shape_token(program)
    for entry in token.screens:
        if entry[0] is profile and entry[1] is areas_cm2 and entry[2] is impedance_ohm:
            screen: AmplitudeScreen | None = entry[3]
            return screen
    screen = _make_screen(program, profile, areas_cm2, impedance_ohm)
    ShapeToken.remember(token.screens, (profile, areas_cm2, impedance_ohm, screen))
    return screen


def _make_screen(program: Program, profile: StimulatorProfile, areas_cm2: dict[str, float],
                 impedance_ohm: dict[str, float] | None) -> AmplitudeScreen | None:
    if program.waveform not in profile.waveforms:
        return None
    ranges = [f for f in check_ranges(program, profile) if f.limit != "amplitude_ma"]  # the amplitude's is the only one with that limit
    config = check_configuration(program, profile, [k for k in areas_cm2 if k != CASE])
    electrical = not any(f.level == "refuse" and f.limit in ("cathodes", "anodes", "contacts") for f in ranges + config)
    static = ranges + config
    top_ma = None
    remote: list[Finding] = []
    clear = math.inf
    if electrical:
        static += _timing_findings(program)
        top_ma = _remote_top_ma(program, profile)
        if top_ma is not None:
            remote = _remote_range_findings(program, profile, areas_cm2, impedance_ohm, top_ma)
        clear = _clear_ma(program, profile, areas_cm2, impedance_ohm)
    return AmplitudeScreen(tuple(static), tuple(remote), top_ma, electrical, clear, profile.max_total_current_ma)


def findings_at_amplitude(program: Program, amplitude_ma: float, profile: StimulatorProfile, areas_cm2: dict[str, float],
                          impedance_ohm: dict[str, float] | None = None) -> list[Finding] | None:
    """`check_program(program.with_amplitude(amplitude_ma), ...)` from the shape's screen, or None when
    the amplitude itself raises a finding (or the waveform is not offered): then run the full check."""
    hit = SHAPES.get(id(program))  # amplitude_screen's memo hit, inlined (a miss: the function)
    token = hit[1] if hit is not None and hit[0] is program else shape_token(program)
    for entry in token.screens:
        if entry[0] is profile and entry[1] is areas_cm2 and entry[2] is impedance_ohm:
            screen: AmplitudeScreen | None = entry[3]
            break
    else:
        screen = amplitude_screen(program, profile, areas_cm2, impedance_ohm)
    if screen is None or profile.amplitude_ma.problem(amplitude_ma, "amplitude", "mA") is not None:
        return None
    if screen.electrical and not (amplitude_ma <= screen.clear_ma and amplitude_ma <= screen.total_cap_ma):
        return None
    findings = list(screen.static)
    if screen.remote and screen.remote_top_ma is not None and screen.remote_top_ma > amplitude_ma:
        findings += screen.remote
    return _refusals_first(findings) if findings else findings


# ----- interleaving -----
_NS = 1e9


def _overlap(o_i: int, d_i: int, t_i: int, o_j: int, d_j: int, t_j: int) -> bool:
    """Do two periodic trains ever overlap? Pulse windows [o + k T, o + k T + d) in integer ns.

    Differences of the start times take every value (o_j - o_i) + n g with g = gcd(T_i, T_j); the
    windows collide when some difference falls in (-d_j, d_i).
    """
    g = math.gcd(t_i, t_j)
    delta = (o_j - o_i) % g
    return delta < d_i or (g - delta) < d_j


def schedule_offsets(programs: list[Program], passive_tau_us: dict[str, float] | None = None) -> tuple[dict[str, float], list[tuple[str, str]]]:
    """Offsets (s) that interleave `programs` without overlap, and the pairs that cannot be placed.

    Each program takes the first candidate offset (0, or the end of an earlier program's window)
    that collides with none placed before it. Programs that fit nowhere are reported in pairs.
    `passive_tau_us` (program -> us) sets the passive recovery time constants (default: each program's).
    """
    placed: list[tuple[str, int, int, int]] = []  # name, offset, duration, period (ns)
    offsets: dict[str, float] = {}
    clashes: list[tuple[str, str]] = []
    for p in programs:
        d = int(math.ceil(p.occupancy_s((passive_tau_us or {}).get(p.name)) * _NS))
        t = int(round(p.period_s * _NS))
        candidates = [0] + [o + dd for _, o, dd, _ in placed]
        chosen = None
        for c in candidates:
            if all(not _overlap(o, dd, tt, c, d, t) for _, o, dd, tt in placed):
                chosen = c
                break
        if chosen is None:
            other = next((name for name, o, dd, tt in placed if _overlap(o, dd, tt, 0, d, t)), placed[0][0])
            clashes.append((other, p.name))
            chosen = 0
        placed.append((p.name, chosen, d, t))
        offsets[p.name] = chosen / _NS
    return offsets, clashes


def check_interleave(programs: list[Program], profile: StimulatorProfile, passive_tau_us: dict[str, float] | None = None) -> list[Finding]:
    """Too many areas at once, or timings that collide and cannot be delivered -> refuse."""
    out: list[Finding] = []
    if len(programs) > profile.max_areas:
        out.append(Finding("refuse", f"{len(programs)} programs at once; {profile.id} runs at most {profile.max_areas}", "max_areas", len(programs), profile.max_areas))
    _, clashes = schedule_offsets(programs, passive_tau_us)
    for a, b in clashes:
        out.append(Finding("refuse", f"programs {a!r} and {b!r} have pulse timings that collide (the output stage cannot deliver both); change a rate or pulse width", "interleave", [a, b], "non-overlapping pulse windows"))
    return out
