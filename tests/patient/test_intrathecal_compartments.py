"""The intrathecal patient's compartments and effects, against answers worked by hand.

Kinetics for the hand cases: CL 0.42 mL/min, V 42 mL -> k = 0.42 / 42 = 0.01 /min (tip half-life
ln2 / 0.01 = 69.31 min); effect tau 10 min -> ke = 0.1 /min. Other compartments (rostral, habituation,
lag, tolerance, depot, systemic) do not feed back into C and Ce (the chain is triangular).
"""
import math

import numpy as np
import pytest

from simulator.patient.csf import CE, CR, STATES, DrugBody, Kinetics, csf_steady_state_per_ml
from simulator.patient.csf import C as TIP
from simulator.patient.it_effects import ashworth_grade, combine, emax, effect_values, withdrawal_values
from simulator.patient.it_profile import DrugResponse, EffectSpec, WithdrawalSpec

MIN = 60.0
DAY = 86400.0


def body(**kw) -> DrugBody:
    k = dict(clearance_ml_per_min=0.42, volume_ml=42.0, effect_tau_s=10 * MIN, rostral_tau_s=7 * 3600.0, habituation_tau_s=3 * DAY,
             lag_tau_s=24 * 3600.0, tolerance_tau_s=14 * DAY, absorption_tau_s=3600.0, systemic_tau_s=4 * 3600.0, systemic_ratio=100.0)
    k.update(kw)
    return DrugBody(Kinetics(**k))


def test_steady_state_is_rate_over_clearance():
    # 14.4 mg/day = 14.4 / 1440 = 0.01 mg/min; / 0.42 mL/min = 0.0238095 mg/mL
    assert csf_steady_state_per_ml(14.4, 0.42) == pytest.approx(0.0238095, rel=1e-5)


def test_step_of_the_infusion_from_zero():
    b = body()
    b.set_state(0.0, np.zeros(len(STATES)), b.input_vector(14.4 / DAY, 1.0, 0.0))
    x = b.at(100 * MIN)
    # C(t) = Css (1 - e^-kt): 0.0238095 x (1 - e^-1) = 0.0238095 x 0.632121 = 0.0150505 mg/mL
    assert x[TIP] == pytest.approx(0.0150505, rel=1e-4)
    # Ce(t) = Css [1 - (ke e^-kt - k e^-ke t) / (ke - k)]
    #       = 0.0238095 [1 - (0.1 x 0.367879 - 0.01 x 4.54e-5) / 0.09] = 0.0238095 x 0.591250 = 0.0140774
    assert x[CE] == pytest.approx(0.0140774, rel=1e-4)
    # long after: everything at Css (tolerance tau 14 d: after 200 days e^-14 ~ 1e-6)
    late = b.at(200 * DAY)
    assert late[TIP] == pytest.approx(0.0238095, rel=1e-5)
    assert late[CR] == pytest.approx(0.0238095, rel=1e-5)


def test_bolus_into_the_csf():
    b = body()
    b.set_state(0.0, np.zeros(len(STATES)), np.zeros(len(STATES)))
    b.impulse(0.0, amount_to_csf=0.42)  # 0.42 mg into 42 mL: + 0.01 mg/mL
    # C = 0.01 e^-kt; at one half-life (69.3147 min): 0.005
    assert b.at(math.log(2) / 0.01 * MIN)[TIP] == pytest.approx(0.005, rel=1e-6)
    # Ce = 0.01 ke / (ke - k) (e^-kt - e^-ke t) at 100 min: 0.01 x 1.11111 x (0.367879 - 0.0000454) = 0.00408705
    assert b.at(100 * MIN)[CE] == pytest.approx(0.00408705, rel=1e-4)


def test_a_bolus_on_top_of_a_steady_infusion_adds_by_superposition():
    b = body()
    inp = b.input_vector(14.4 / DAY, 1.0, 0.0)
    b.set_state(0.0, b.steady_state(inp), inp)
    b.impulse(0.0, amount_to_csf=0.42)
    # Css + 0.01 e^-1 at 100 min = 0.0238095 + 0.00367879 = 0.0274883
    assert b.at(100 * MIN)[TIP] == pytest.approx(0.0274883, rel=1e-5)


def test_tissue_route_reaches_the_effect_site_only_through_the_systemic_compartment():
    b = body()
    b.set_state(0.0, np.zeros(len(STATES)), np.zeros(len(STATES)))
    b.impulse(0.0, amount_to_tissue=60.0)  # a pocket fill of 60 mg
    xs = b.at_many(np.linspace(0, 2 * DAY, 400))
    assert np.all(xs[:, TIP] == 0.0)
    # systemic amount: Bateman S = D ka / (ka - ks) (e^-ks t - e^-ka t), ka = 1/h, ks = 1/4 h.
    # Peak at t = ln(ka/ks)/(ka - ks) = ln4 / 0.75 = 1.848 h: S = 60 x 1.3333 x (0.62996 - 0.15749) = 37.80 mg,
    # as an intrathecal-equivalent concentration 37.80 / (100 x 42) = 0.0090 mg/mL
    s_peak = b.systemic_equivalent_per_ml(b.at(math.log(4) / 0.75 * 3600.0))
    assert s_peak == pytest.approx(0.0090, rel=2e-3)
    assert xs[:, CE].max() <= s_peak * (1 + 1e-9)


def test_emax_at_given_concentrations():
    # 0.9 x C / (EC50 + C): C = EC50 -> 0.45; C = 3 EC50 -> 0.9 x 3/4 = 0.675
    assert emax(0.004, 0.004, 0.9) == pytest.approx(0.45)
    assert emax(0.012, 0.004, 0.9) == pytest.approx(0.675)
    # Hill 2 at C = 2 EC50: 4 / (1 + 4) = 0.8; C = 0 -> 0
    assert emax(0.02, 0.01, 1.0, 2.0) == pytest.approx(0.8)
    assert emax(0.0, 0.01) == 0.0


def test_tolerance_raises_the_ec50():
    resp = DrugResponse(unit="mg", tolerance_gain=0.3, effects={"analgesia": EffectSpec(ec50_per_ml=0.004, emax=0.9, tolerant=True)})
    x = np.zeros(len(STATES))
    x[CE], x[STATES.index("tolerance")] = 0.0102, 0.0102
    # EC50 = 0.004 + 0.3 x 0.0102 = 0.00706; E = 0.9 x 0.0102 / (0.00706 + 0.0102) = 0.9 x 0.590962 = 0.531866
    assert effect_values(resp, resp.effects["analgesia"], x)[0] == pytest.approx(0.531866, rel=1e-5)


def test_combined_signs_and_withdrawal_index():
    # independent action: 1 - (1 - 0.5)(1 - 0.2) = 0.6
    assert combine([np.array([0.5]), np.array([0.2])])[0] == pytest.approx(0.6)
    spec = WithdrawalSpec(kind="baclofen", dependence_min_per_ml=0.2)
    x = np.zeros(len(STATES))
    x[STATES.index("tolerance")], x[STATES.index("lag")] = 0.8, 0.2
    # w = 1 - 0.2 / 0.8 = 0.75
    assert withdrawal_values(spec, x)[0] == pytest.approx(0.75)
    x[STATES.index("tolerance")] = 0.1  # below the dependence threshold: no withdrawal
    assert withdrawal_values(spec, x)[0] == 0.0


def test_ashworth_grades():
    assert [ashworth_grade(v) for v in (0.1, 1.2, 1.4, 2.2, 3.4, 3.9)] == ["0", "1", "1+", "2", "3", "4"]


def test_a_baclofen_screening_bolus_peaks_four_to_six_hours_after_it():
    from simulator.patient.it_device import kinetics_of
    from simulator.profiles.registry import default_registry

    resp = default_registry().get("patient/it-spasticity-baclofen").intrathecal.drugs["baclofen"]
    b = DrugBody(kinetics_of(resp))
    b.set_state(0.0, np.zeros(len(STATES)), np.zeros(len(STATES)))
    b.impulse(0.0, amount_to_csf=50.0)  # 50 mcg screening bolus into 42 mL: C0 = 1.190476 mcg/mL
    t = np.linspace(0.0, 12 * 3600.0, 4321)
    ce = b.at_many(t)[:, CE]
    # Ce = C0 e / (e - a) (e^-at - e^-et), a = 0.16/42 = 0.0038095 /min, e = 1/240 /min:
    # peak at ln(e/a) / (e - a) = ln(1.09375) / 0.00035714 = 0.089612 / 0.00035714 = 250.9 min = 4.18 h
    assert t[np.argmax(ce)] / 3600.0 == pytest.approx(4.18, abs=0.01)
