"""The fast paths of a stimulator action (an amplitude step) give what the plain computation gives.

- `Program.with_amplitude` is `model_copy(update={"amplitude_ma": ...})`, and shares the shape token;
- `safety.findings_at_amplitude` (the shape's screen) is `check_program` of the program at that amplitude;
- `energy.program_load` (memo on the shape token) and `ProgramLoad.at` (last-amplitude memo) give the
  figures, compliance and drain (rates) a fresh computation gives, after drift, faults, edits and steps;
- `Electrodes.ohm` / `fractions` hold across instants only while no contact drifts;
- a run with many actions, drift, a fault and program edits is identical with every memo bypassed.
"""
from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import Simulation
from simulator.scenario import scenario_from_dict
from simulator.scs import energy, safety
from simulator.scs.battery import BatteryState
from simulator.scs.electrodes import Electrodes
from simulator.scs.energy import Compliance, Drain, ProgramLoad, compliance, program_drain, program_load
from simulator.scs.program import SHAPES, Program, shape_token
from tests.scs.helpers import TWO_PERC8

AREA = math.pi * 1.3 * 3 / 100  # 0.12252 cm2 (percutaneous contact)
AREAS = {f"E{i}": AREA for i in range(1, 17)}
LABELS = ["E1", "E2", "E3", "E4", "case"]


@pytest.fixture(autouse=True)
def _room_for_tokens():
    """Start each test with an empty token memo: it is cleared when full (a miss, never a wrong hit), which
    would otherwise land at a point that depends on the tests run before."""
    SHAPES.clear()


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _program(contacts, amplitude_ma=3.0, **kw) -> Program:
    base = {"name": "p", "contacts": contacts, "amplitude_ma": amplitude_ma, "pulse_width_us": 300.0, "rate_hz": 50.0}
    base.update(kw)
    return Program.model_validate(base)


# ----- Program.with_amplitude -----
@given(st.floats(min_value=0.0, max_value=100.0))
def test_with_amplitude_is_model_copy(amp):
    p = _program({"E2": "-", "E3": "+"}, max_tolerable_ma=8.0)
    token = shape_token(p)
    fast, plain = p.with_amplitude(amp), p.model_copy(update={"amplitude_ma": amp})
    assert fast == plain and fast.model_dump() == plain.model_dump()
    assert fast.model_fields_set == plain.model_fields_set and _bits(fast.amplitude_ma) == _bits(amp + 0.0)
    assert p.amplitude_ma == 3.0  # the source is unchanged
    assert shape_token(fast) is token  # (hypothesis repeats the test: the memo may be cleared when full, the copy keeps the token)


def test_with_amplitude_outside_the_field_range_is_model_copy_unvalidated():
    p = _program({"E2": "-", "E3": "+"})
    # no validation, as model_copy: a check then refuses the amplitude against the profile's range
    for amp in (150.0, -1.0, math.nan, 4):
        q = p.with_amplitude(amp)  # type: ignore[arg-type]
        assert q.model_dump() == p.model_copy(update={"amplitude_ma": amp}).model_dump() or math.isnan(amp)
    assert _bits(p.with_amplitude(-0.0).amplitude_ma) == _bits(0.0)  # stored as validation stores it


def test_shape_token_rules():
    p = _program({"E2": "-", "E3": "+"})
    q = p.with_amplitude(4.0)
    assert shape_token(q) is shape_token(p)
    assert shape_token(p.model_copy(update={"amplitude_ma": 4.0})) is not shape_token(p)  # any other copy: a new token
    assert shape_token(p.model_copy(update={"rate_hz": 60.0})) is not shape_token(p)
    assert shape_token(_program({"E2": "-", "E3": "+"})) is not shape_token(p)  # an equal program made afresh
    token = shape_token(q)
    q.rate_hz = 60.0  # assignment changes the program in place: it loses the token
    assert shape_token(q) is not token and id(q) in SHAPES


# ----- the amplitude screen -----
contacts_st = st.dictionaries(st.sampled_from(LABELS), st.sampled_from(["-", "+"]), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(contacts=contacts_st, pw=st.sampled_from([60.0, 210.0, 450.0, 1000.0]), rate=st.sampled_from([40.0, 130.0, 1200.0]),
       balance=st.sampled_from(["active", "passive"]), waveform=st.sampled_from(["tonic", "burst", "high_frequency"]),
       patient_max=st.one_of(st.none(), st.sampled_from([2.0, 6.0, 12.0])), maxtol=st.one_of(st.none(), st.sampled_from([4.0, 9.0])),
       amp0=st.sampled_from([0.0, 1.0, 3.0]), amps=st.lists(st.floats(min_value=0.0, max_value=30.0), min_size=1, max_size=6),
       ohm=st.lists(st.floats(min_value=100.0, max_value=3000.0), min_size=4, max_size=4),
       profile_id=st.sampled_from(["scs/rechargeable-micc-16", "scs/recharge-free-tonic", "scs/high-frequency-10khz"]))
def test_findings_at_amplitude_is_check_program(registry, contacts, pw, rate, balance, waveform, patient_max, maxtol, amp0, amps, ohm,
                                                 profile_id):
    profile = registry.get(profile_id)
    try:
        p = _program(contacts, amp0, pulse_width_us=pw, rate_hz=rate, charge_balance=balance, waveform=waveform,
                     patient_max_ma=patient_max, max_tolerable_ma=maxtol)
    except ValueError:
        return  # settings the model refuses (e.g. patient maximum below minimum)
    impedances = dict(zip(LABELS[:4], ohm)) | {"case": 200.0}
    for amp in amps + [round(a, 1) for a in amps]:
        fast = safety.findings_at_amplitude(p, amp, profile, AREAS, impedances)
        plain = safety.check_program(p.with_amplitude(amp), profile, AREAS, impedances)
        if fast is not None:
            assert fast == plain
        p = p.with_amplitude(amp)  # titration: the next step starts from here (the same shape)


def test_screen_hand_worked(micc16):
    # E2 alone as cathode, 300 us, 0.12252 cm2: the density limit 30 uC/cm2 is reached at
    # 30 x 0.12252 x 1000 / 300 = 12.25 mA; Shannon k 1.85 at Q = sqrt(10^1.85 x 0.12252) = 2.945 uC -> 9.82 mA
    p = _program({"E2": "-", "E3": "+"})
    ohm = {"E2": 525.0, "E3": 525.0}
    screen = safety.amplitude_screen(p, micc16, AREAS, ohm)
    assert screen is not None and screen.electrical and screen.static == () and screen.remote == ()
    assert screen.clear_ma == pytest.approx(min(micc16.max_contact_current_ma, 12.252, math.sqrt(10**1.85 * AREA) * 1000 / 300), rel=1e-6)
    assert safety.amplitude_screen(p.with_amplitude(4.0), micc16, AREAS, ohm) is screen  # an amplitude step: the same screen
    assert safety.amplitude_screen(p, micc16, AREAS, dict(ohm)) is not screen  # another impedance dict: made afresh
    assert safety.findings_at_amplitude(p, 4.0, micc16, AREAS, ohm) == []
    assert safety.findings_at_amplitude(p, 4.05, micc16, AREAS, ohm) is None  # off the 0.1 mA step: the full check says so


# ----- program loads: compliance and drain -----
def _plain_compliance(program, profile, ohm, amp):
    """The formula as written before the memo (energy.compliance at 0a53dc2)."""
    single = profile.current_sources == "single"
    r = energy._loads(program, ohm, profile.impedance.case_ohm, single)[0]
    head, rail = profile.compliance_headroom_v, profile.compliance_rail_v
    need = amp * 1e-3 * r + head
    delivered = amp if need <= rail else max(0.0, (rail - head) / r * 1e3) if r > 0 else amp
    supply = min(rail, need) if profile.adaptive_compliance else rail
    return Compliance(need, rail, supply, delivered, amp)


def _plain_drain(program, profile, ohm, amp, fractions):
    """energy.program_drain at 0a53dc2."""
    c = _plain_compliance(program, profile, ohm, amp)
    a = c.delivered_ma
    duty, duty_e = program.duty_fraction(), program.energy_duty_fraction()
    pps, phases = program.pulses_per_s_while_on, program.driven_phases_per_pulse
    single = profile.current_sources == "single"
    r_eff, z = energy._loads(program, ohm, profile.impedance.case_ohm, single)
    tissue = pps * duty_e * energy.tissue_energy_per_pulse_j(a, z, program.pulse_width_us, program.charge_balance)
    i_a = a * 1e-3
    if profile.adaptive_compliance and c.ok:
        volt_amp = i_a * i_a * r_eff * duty_e + i_a * profile.compliance_headroom_v * duty
    else:
        volt_amp = i_a * c.supply_v * duty
    supply = pps * phases * volt_amp * program.pulse_width_us * 1e-6 / profile.battery.converter_efficiency
    share = energy.tissue_share(program, ohm, fractions, single)
    charge = pps * duty * a * program.pulse_width_us / 1000.0 * share
    return Drain(pps * program.on_fraction(), charge, tissue, supply,
                 {program.name: {"load_ohm": z, "supply_v": c.supply_v, "delivered_ma": a, "duty": duty, "energy_duty": duty_e, "tissue_share": share}})


@settings(max_examples=100, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(["amp", "drift", "fault", "edit", "contacts"]), st.floats(min_value=0.0, max_value=25.0)),
                      min_size=1, max_size=12),
       profile_id=st.sampled_from(["scs/rechargeable-micc-16", "scs/recharge-free-tonic", "scs/rechargeable-burst"]))
def test_program_load_memo_equals_the_plain_computation(registry, steps, profile_id):
    profile = registry.get(profile_id)
    p = _program({"E1": "-", "E2": "-", "E3": "+"}, cycling={"on_s": 60.0, "off_s": 240.0}, soft_start_s=2.0, soft_stop_s=2.0)
    ohm = {"E1": 500.0, "E2": 800.0, "E3": 650.0, "case": 200.0}
    fractions: dict[str, float] = {}
    for kind, x in steps:
        if kind == "amp":
            p = p.with_amplitude(x)
        elif kind == "drift":
            ohm = {k: v * (1.0 + x / 100.0) for k, v in ohm.items()}  # Electrodes.ohm: a new dict when values change
        elif kind == "fault":
            ohm = ohm | {"E2": 20.0}
            fractions = {"E2": 20.0 / (20.0 + 800.0)}
        elif kind == "edit":
            p = p.model_copy(update={"pulse_width_us": 100.0 + 10.0 * round(x)})
        else:
            p = p.model_copy(update={"contacts": {**p.contacts, "E1": p.contacts["E3"]}} if p.contacts["E1"].polarity == "-" else
                             {"contacts": {**p.contacts, "E1": p.contacts["E2"]}})
        load = program_load(p, profile, ohm)
        assert load.figures() == ProgramLoad(p, profile, ohm).figures()
        for amp in (p.amplitude_ma, x):
            assert compliance(p, profile, ohm, amp) == _plain_compliance(p, profile, ohm, amp)
            assert program_drain(p, profile, ohm, amp, fractions) == _plain_drain(p, profile, ohm, amp, fractions)
            d = _plain_drain(p, profile, ohm, amp, fractions)
            rates = (d.charge_uc_per_s, d.tissue_power_w, d.battery_power_w, d.details[p.name]["tissue_share"])
            assert load.at(amp, fractions) == (_plain_compliance(p, profile, ohm, amp), rates)


# ----- impedances across instants -----
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["tick", "same", "drift", "still", "fault", "clear"]), st.sampled_from(["E1", "E2", "E9"])),
                min_size=1, max_size=15))
def test_impedance_memo_equals_the_model(ops):
    sim = _sim({"initial_ohm": {f"E{i}": 525.0 for i in range(1, 17)}, "drift": False})
    el: Electrodes = sim.devices["ipg"].electrodes
    t = 0.0
    for op, contact in ops:
        if op == "tick":
            t += 86400.0
        elif op == "drift":  # growth rates change only between instants (the memo of one instant keys on the faults)
            el.impedance.growth_per_year[contact] = 0.2
            t += 3600.0
        elif op == "still":
            el.impedance.growth_per_year[contact] = 0.0
            t += 3600.0
        elif op == "fault":
            el.inject(contact, "short")
        elif op == "clear":
            el.inject(contact, "none")
        assert el.ohm(t) == el.impedance.ohm_at(t)
        assert el.fractions(t) == el.impedance.tissue_fractions(t)


def test_impedance_memo_holds_across_instants_only_without_drift():
    el: Electrodes = _sim({"initial_ohm": {"E2": 525.0}, "drift": False}).devices["ipg"].electrodes
    first = el.ohm(0.0)
    assert el.ohm(86400.0) is first and el.ohm(10 * 86400.0) is first  # no drift: Z0 x exp(0) = Z0 at every time
    el.impedance.growth_per_year["E2"] = 0.1
    drifted = el.ohm(365 * 86400.0)
    assert drifted is not first and drifted["E2"] == pytest.approx(525.0 * math.exp(0.1))


# ----- the first threshold reached -----
@given(st.floats(min_value=1.0, max_value=1000.0), st.floats(min_value=0.0, max_value=100.0), st.floats(min_value=-500.0, max_value=-1e-6),
       st.lists(st.floats(min_value=0.0, max_value=100.0), min_size=2, max_size=5))
def test_a_lower_level_is_reached_no_sooner(capacity, pct, net, levels):
    b = BatteryState(capacity, capacity * pct / 100.0, 1000.0, net)
    times = [b.time_to_pct(level) for level in sorted(levels, reverse=True) if level < pct - 1e-12]
    assert times == sorted(times)  # so plan_threshold stops at the first finite one


# ----- a whole run with every memo bypassed -----
def _sim(impedance, timeline=(), duration="3d", programs=None):
    settings_ = {"leads": TWO_PERC8, "impedance": impedance}
    if programs:
        settings_ |= programs
    sc = scenario_from_dict({"name": "t", "seed": 3, "duration": duration, "devices": [{"id": "ipg", "profile": "scs/rechargeable-micc-16",
                                                                                        "settings": settings_}], "timeline": list(timeline)})
    return Simulation(sc)


def _busy_timeline():
    out = []
    for k in range(1, 60):
        out.append({"at": f"{k * 70}min", "device": "ipg", "action": "amplitude_up" if k % 3 else "amplitude_down", "params": {"program": "back"}})
    out += [{"at": "20h", "device": "ipg", "action": "inject_impedance_fault", "params": {"contact": "E3", "fault": "short"}},
            {"at": "30h", "device": "ipg", "action": "set_cycling", "params": {"program": "back", "on_s": 30.0, "off_s": 30.0}},
            {"at": "40h", "device": "ipg", "action": "set_amplitude", "params": {"program": "legs", "amplitude_ma": 9.5}},
            {"at": "50h", "device": "ipg", "action": "inject_impedance_fault", "params": {"contact": "E3", "fault": "none"}},
            {"at": "55h", "device": "ipg", "action": "stimulation_off"}, {"at": "56h", "device": "ipg", "action": "stimulation_on"}]
    return out


PROGRAMS = {"programs": [{"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 210.0, "rate_hz": 40.0,
                          "cycling": {"on_s": 60.0, "off_s": 240.0}, "soft_start_s": 2.0, "soft_stop_s": 2.0, "patient_max_ma": 8.0},
                         {"name": "legs", "contacts": {"E10": "-", "E11": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 450.0, "rate_hz": 40.0}],
            "active_programs": ["back", "legs"]}


@pytest.mark.parametrize("drift", [False, True])
def test_a_run_is_identical_with_every_memo_bypassed(monkeypatch, drift):
    impedance = {"drift": drift, "update_interval": 7200.0} if drift else {"drift": False}

    def run():
        return _sim(impedance, _busy_timeline(), programs=PROGRAMS).run().results()

    fast = run()
    monkeypatch.setattr(Electrodes, "ohm", lambda self, t_s: self.impedance.ohm_at(t_s))
    monkeypatch.setattr(Electrodes, "fractions", lambda self, t_s: self.impedance.tissue_fractions(t_s))
    monkeypatch.setattr(safety, "findings_at_amplitude", lambda *a, **k: None)  # the full check at every step
    monkeypatch.setattr(energy, "program_load", lambda program, profile, ohm: ProgramLoad(program, profile, ohm))
    monkeypatch.setattr("simulator.scs.output_now.program_load", lambda program, profile, ohm: ProgramLoad(program, profile, ohm))
    monkeypatch.setattr(ProgramLoad, "at", lambda self, amp, fr: (self.compliance(amp), self.rates(self.compliance(amp), fr)))
    monkeypatch.setattr(Program, "with_amplitude", lambda self, amp: self.model_copy(update={"amplitude_ma": amp}))
    monkeypatch.setattr("simulator.scs.device.KEEP_OUTPUT_ACTIONS", frozenset())  # the output snapshot before every action
    plain = run()
    assert sum(e.kind == "amplitude.change" for e in fast.events) > 50
    assert fast.events == plain.events
    assert fast.summary == plain.summary
    assert fast.series == plain.series


def test_stim_state_of_is_the_constructor():
    from dataclasses import FrozenInstanceError, fields

    from simulator.scs.history import StimState

    p = _program({"E2": "-", "E3": "+"})
    args = (5.0, (p,), {"p": 1.0}, {"p": 3.0}, {"p": {"E2": -1.0, "E3": 1.0}}, True, {}, {"q": (1.0, 2.0, 0.5)})
    fast, plain = StimState.of(*args), StimState(*args)
    assert fast == plain and fast.same_as(plain) and [getattr(fast, f.name) for f in fields(StimState)] == list(args)
    with pytest.raises(FrozenInstanceError):
        fast.t_s = 6.0  # type: ignore[misc]


@pytest.mark.parametrize("profile_id", ["scs/rechargeable-micc-16", "scs/recharge-free-tonic"])
def test_thresholds_made_once_are_the_profiles(profile_id):
    sc = scenario_from_dict({"name": "t", "seed": 1, "duration": "1d", "devices": [{"id": "ipg", "profile": profile_id,
                                                                                    "settings": {"leads": TWO_PERC8}}]})
    power = Simulation(sc).devices["ipg"].power
    made = power.thresholds()
    assert power.thresholds() is made  # kept: the profile does not change during a run
    power._thresholds = None
    assert power.thresholds() == made
    b = power.dev.profile.battery
    expected = [(b.low_battery_pct, "low")] + ([(b.eri_pct, "eri")] if b.chemistry == "primary" and b.eri_pct is not None else [])
    expected += [(b.stimulation_off_pct, "eos" if b.chemistry == "primary" else "stim_off"), (0.0, "empty")]
    assert made == expected


@settings(max_examples=150, deadline=None)
@given(amp=st.one_of(st.just(0.0), st.floats(0.0, 25.5)), ohm_scale=st.floats(0.2, 40.0), short=st.booleans(), adaptive=st.booleans(),
       profile_id=st.sampled_from(["scs/rechargeable-micc-16", "scs/recharge-free-tonic", "scs/rechargeable-burst"]))
def test_program_load_at_is_compliance_then_rates(registry, amp, ohm_scale, short, adaptive, profile_id):
    """`ProgramLoad.at` (compliance, Compliance.of and rates in one frame) against the methods it
    writes out, in and out of compliance (high impedances), with and without a short, both supplies."""
    profile = registry.get(profile_id)
    profile = profile.model_copy(update={"adaptive_compliance": adaptive})
    p = _program({"E1": "-", "E2": "-", "E3": "+"}, cycling={"on_s": 60.0, "off_s": 240.0})
    ohm = {k: v * ohm_scale for k, v in {"E1": 500.0, "E2": 800.0, "E3": 650.0, "case": 200.0}.items()}
    fractions = {"E2": 20.0 / (20.0 + 800.0)} if short else {}
    load = ProgramLoad(p, profile, ohm)
    c = load.compliance(amp)
    got = load.at(amp, fractions)
    assert got == (c, load.rates(c, fractions))
    assert [struct.pack("d", x) for x in got[1]] == [struct.pack("d", x) for x in load.rates(c, fractions)]  # the same bits
    assert vars(got[0]) == vars(c)
    assert load.at(amp, fractions) == got  # (the memo's answer)


@settings(max_examples=100, deadline=None)
@given(level=st.floats(0.0, 1.2), net=st.floats(-50.0, 50.0), t0=st.floats(0.0, 1e8), dt=st.floats(0.0, 1e7))
def test_power_advance_moves_the_cell_as_rebase(level, net, t0, dt):
    """`PowerSupply.advance` brings the cell to now as `BatteryState.rebase(now)` does (inlined there)."""
    sim = _sim({"drift": False})
    power = sim.devices["ipg"].power
    cap = power.battery.capacity_mah
    power.battery = BatteryState(cap, cap * level, t0, net)
    power.t_acc = t0
    plain = BatteryState(cap, cap * level, t0, net)
    power.advance(t0 + dt)
    plain.rebase(t0 + dt)
    assert power.battery == plain and struct.pack("d", power.battery.level_mah) == struct.pack("d", plain.level_mah)
