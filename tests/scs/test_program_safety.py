"""Programs and safety math, with hand-computed answers."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.scs.program import Program
from simulator.scs.safety import (
    charge_density_uc_per_cm2, charge_per_phase_uc, check_interleave, check_program, contact_report,
    max_amplitude_for_density_ma, max_charge_for_shannon_uc, schedule_offsets, shannon_k,
)

AREA = math.pi * 1.3 * 3 / 100  # 0.12252 cm2
AREAS = {f"E{i}": AREA for i in range(1, 17)}


def prog(**kw):
    base = dict(name="p", contacts={"E2": "-", "E3": "+"}, amplitude_ma=5.0, pulse_width_us=300.0, rate_hz=50.0)
    base.update(kw)
    return Program(**base)


def test_charge_per_phase_hand():
    assert charge_per_phase_uc(5.0, 300.0) == pytest.approx(1.5)  # 5 mA x 300 us = 1500 nC = 1.5 uC


def test_density_and_shannon_hand():
    d = charge_density_uc_per_cm2(1.5, 0.1225)
    assert d == pytest.approx(12.2449, rel=1e-4)  # 1.5 / 0.1225
    # k = log10(12.2449) + log10(1.5) = 1.08795 + 0.17609 = 1.26404
    assert shannon_k(1.5, d) == pytest.approx(1.26404, abs=1e-4)


def test_thirty_uc_limit_hand():
    # 30 x 0.1225 = 3.675 uC; / 300 us = 12.25 mA; /500 us = 7.35 mA; /1000 us = 3.675 mA
    assert max_amplitude_for_density_ma(30.0, 0.1225, 300.0) == pytest.approx(12.25)
    assert max_amplitude_for_density_ma(30.0, 0.1225, 500.0) == pytest.approx(7.35)
    assert max_amplitude_for_density_ma(30.0, 0.1225, 1000.0) == pytest.approx(3.675)
    # Shannon k = 1.85: Q = sqrt(10^1.85 x 0.1225) = sqrt(70.795 x 0.1225) = 2.945 uC; D = 24.04 uC/cm2
    q = max_charge_for_shannon_uc(1.85, 0.1225)
    assert q == pytest.approx(2.945, abs=1e-3)
    assert q / 0.1225 == pytest.approx(24.04, abs=0.01)


def test_contact_report_splits_current():
    p = prog(contacts={"E2": "-60", "E4": "-40", "E3": "+"}, amplitude_ma=10.0)
    rows = {r["contact"]: r for r in contact_report(p, AREAS)}
    assert rows["E2"]["current_ma"] == pytest.approx(6.0)
    assert rows["E2"]["charge_per_phase_uc"] == pytest.approx(1.8)  # 6 mA x 300 us
    assert rows["E4"]["charge_density_uc_per_cm2"] == pytest.approx(1.2 / AREA)  # 4 mA x 300 us = 1.2 uC
    assert rows["E3"]["polarity"] == "+" and rows["E3"]["current_ma"] == pytest.approx(10.0)


def test_density_policy_warn_vs_refuse(registry, micc16):
    strict = registry.get("scs/recharge-free-burst")
    p = prog(amplitude_ma=12.7, contacts={"E2": "-", "E3": "+"})  # 3.81 uC / 0.1225 = 31.1 uC/cm2
    warn = [f for f in check_program(p, micc16, AREAS) if f.limit == "charge_density_uc_per_cm2"]
    assert warn and warn[0].level == "warn" and warn[0].value == pytest.approx(31.10, abs=0.01)
    refuse = [f for f in check_program(p, strict, AREAS) if f.limit == "charge_density_uc_per_cm2"]
    assert refuse and refuse[0].level == "refuse" and refuse[0].allowed == 30.0
    ok = prog(amplitude_ma=12.2)  # 3.66 uC -> 29.87 uC/cm2
    assert not [f for f in check_program(ok, strict, AREAS) if f.limit == "charge_density_uc_per_cm2"]


def test_ranges_and_steps_with_clear_messages(micc16):
    findings = check_program(prog(amplitude_ma=5.05), micc16, AREAS)
    assert findings[0].level == "refuse" and "0.1 mA step" in findings[0].message and "5 or 5.1" in findings[0].message
    findings = check_program(prog(pulse_width_us=1200.0), micc16, AREAS)
    assert any(f.limit == "pulse_width_us" and "outside 20-1000 us" in f.message for f in findings)
    findings = check_program(prog(rate_hz=1500.0), micc16, AREAS)
    assert any(f.limit == "rate_hz" and f.allowed == "2-1200 Hz in 1 Hz steps" for f in findings)


def test_polarity_and_fraction_rules(micc16, registry):
    assert any(f.limit == "anodes" for f in check_program(prog(contacts={"E2": "-"}), micc16, AREAS))
    assert any(f.limit == "cathodes" for f in check_program(prog(contacts={"E2": "+"}), micc16, AREAS))
    bad = check_program(prog(contacts={"E2": "-70", "E4": "-20", "E3": "+"}), micc16, AREAS)
    assert any(f.limit == "cathodes.fraction_pct" and f.value == 90 for f in bad)
    single = registry.get("scs/recharge-free-burst")
    assert any(f.limit == "fraction_pct" for f in check_program(prog(contacts={"E2": "-50", "E4": "-50", "E3": "+"}), single, AREAS))
    assert any(f.limit == "contacts" for f in check_program(prog(contacts={"E20": "-", "E3": "+"}), micc16, AREAS))
    assert not [f for f in check_program(prog(contacts={"E2": "-", "case": "+"}), micc16, AREAS) if f.level == "refuse"]


def test_current_caps(micc16):
    p = prog(amplitude_ma=13.0, pulse_width_us=100.0)
    limits = {f.limit for f in check_program(p, micc16, AREAS) if f.level == "refuse"}
    assert "max_contact_current_ma" in limits
    p = prog(amplitude_ma=21.0, pulse_width_us=50.0, contacts={"E1": "-", "E2": "-", "E3": "+", "E4": "+"})
    limits = {f.limit for f in check_program(p, micc16, AREAS) if f.level == "refuse"}
    assert "max_total_current_ma" in limits and "max_contact_current_ma" not in limits  # 10.5 mA per contact


def test_patient_range_over_density_warns(micc16):
    p = prog(amplitude_ma=5.0, patient_max_ma=14.0)
    f = [f for f in check_program(p, micc16, AREAS) if f.limit == "patient_max_ma"]
    assert f and f[0].level == "warn" and f[0].allowed == pytest.approx(12.25, abs=0.01)


def test_timing_that_cannot_fit_is_refused(micc16):
    p = prog(pulse_width_us=1000.0, rate_hz=600.0)  # 2 x 1000 us > 1667 us
    assert any(f.limit == "timing" for f in check_program(p, micc16, AREAS))


def test_interleave_offsets_and_collisions(micc16):
    a = prog(name="a", rate_hz=50.0, pulse_width_us=300.0)
    b = prog(name="b", rate_hz=50.0, pulse_width_us=300.0, contacts={"E5": "-", "E6": "+"})
    offsets, clashes = schedule_offsets([a, b])
    assert offsets == {"a": 0.0, "b": pytest.approx(600e-6)} and clashes == []
    assert check_interleave([a, b], micc16) == []
    hf1 = prog(name="h1", waveform="high_frequency", rate_hz=10000.0, pulse_width_us=30.0)
    hf2 = prog(name="h2", waveform="high_frequency", rate_hz=10000.0, pulse_width_us=30.0, contacts={"E5": "-", "E6": "+"})
    # two 60 us biphasic pulses in a 100 us period cannot both fit
    found = check_interleave([hf1, hf2], micc16)
    assert found and found[0].limit == "interleave" and found[0].level == "refuse"
    # 40 Hz (25 ms) with 50 Hz (20 ms): gcd 5 ms, windows 0.6 ms each fit
    c = prog(name="c", rate_hz=40.0, contacts={"E7": "-", "E8": "+"})
    assert schedule_offsets([a, c])[1] == []
    too_many = [prog(name=f"x{i}", rate_hz=50.0, pulse_width_us=100.0) for i in range(5)]
    assert any(f.limit == "max_areas" for f in check_interleave(too_many, micc16))


def test_shorthand_and_shares():
    p = prog(contacts={"E1": "-", "E2": "-", "E3": "+30", "E4": "+70"})
    assert p.cathodes() == {"E1": 0.5, "E2": 0.5}
    assert p.anodes() == {"E3": pytest.approx(0.3), "E4": pytest.approx(0.7)}
    with pytest.raises(ValueError):  # a pydantic ValidationError
        prog(contacts={"E1": "x"})


def test_burst_timing():
    p = prog(waveform="burst", amplitude_ma=0.6, pulse_width_us=1000.0, rate_hz=40.0, charge_balance="passive", passive_tau_us=200.0)
    assert p.pulses_per_s_while_on == 200.0  # 5 x 40
    # train: 4 x 2 ms + 1 ms = 9 ms; recovery 5 x 200 us = 1 ms
    assert p.train_span_s() == pytest.approx(9e-3) and p.occupancy_s() == pytest.approx(10e-3)
    # default tau 525 ohm x 10 uF = 5.25 ms: 5 tau (26.25 ms) does not fit the 16 ms before the next burst
    d = p.model_copy(update={"passive_tau_us": None})
    assert d.recovery_window_s() == pytest.approx(16e-3)
    assert d.occupancy_s() == pytest.approx(10e-3)  # the output stage is held for 1 ms of it (interleaving unchanged)
    info = d.recovery_info()
    assert info["tau_us"] == pytest.approx(5250.0) and not info["complete"] and "cut" in info["note"]


def test_cycling_duty():
    p = prog(cycling={"on_s": 30.0, "off_s": 90.0}, soft_start_s=4.0, soft_stop_s=2.0)
    # (30 - 6/2) / 120 = 0.225 ; energy (30 - 6 x 2/3) / 120 = 0.21667
    assert p.duty_fraction() == pytest.approx(0.225)
    assert p.energy_duty_fraction() == pytest.approx(26.0 / 120.0)


@settings(max_examples=60, deadline=None)
@given(amp=st.floats(0.1, 20.0), pw=st.floats(20.0, 1000.0), share=st.floats(0.05, 1.0))
def test_density_limit_amplitude_is_the_boundary(amp, pw, share):
    """At the amplitude the report gives as the density maximum, the density is exactly the limit."""
    a = max_amplitude_for_density_ma(30.0, AREA, pw, share)
    q = charge_per_phase_uc(a * share, pw)
    assert charge_density_uc_per_cm2(q, AREA) == pytest.approx(30.0)
