"""Property tests: mass balance, volumes never negative, lockout and daily maximum, determinism."""
import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.pump.helpers import DAY, make_sim, morphine_settings

PATIENT = {"dose_mg": 0.2, "duration_min": 15, "lockout_min": 120, "max_per_day": 4}

press_times = st.lists(st.floats(min_value=0, max_value=20 * DAY), max_size=40)
refills = st.lists(st.tuples(st.floats(min_value=1 * DAY, max_value=20 * DAY), st.floats(min_value=1, max_value=20), st.sampled_from([5.0, 10.0, 20.0]), st.booleans(), st.floats(0, 3)), max_size=3)
doses = st.lists(st.tuples(st.floats(min_value=0, max_value=20 * DAY), st.floats(min_value=0.5, max_value=12)), max_size=4)


def build(presses, fills, programs, error_pct=0.0, seed=0):
    timeline = [{"at": t, "action": "patient_bolus"} for t in presses]
    for t, fill, conc, bridge, pocket in fills:
        timeline.append({"at": t, "action": "refill", "params": {"fill_ml": fill, "concentration_mg_per_ml": conc, "bridge_bolus": bridge, "pocket_fill_ml": min(pocket, fill)}})
    for t, dose in programs:
        timeline.append({"at": t, "action": "program", "params": {"mode": {"type": "continuous", "dose_mg_per_day": dose}}})
    timeline.sort(key=lambda a: a["at"])
    settings_ = morphine_settings(reservoir_ml=8, patient_bolus=PATIENT, flow_error={"systematic_error_pct": error_pct})
    return make_sim(settings_, duration="21d", timeline=timeline, seed=seed)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(press_times, refills, doses, st.floats(-14, 14))
def test_invariants(presses, fills, programs, error_pct):
    sim = build(presses, fills, programs, error_pct)
    res = sim.run().results()
    pump = sim.devices["pump"]
    s = res.device_summary("pump")
    # mass balance: filled = delivered + reservoir + dead volume + aspirated + pocket
    mb = s["mass_balance"]
    assert abs(mb["residual"]) <= 1e-9 * max(1.0, mb["filled"])
    for name in ("reservoir_ml", "expected_reservoir_ml"):
        _, v = res.series_arrays("pump", name)
        assert v.min() >= 0.0
    # the cumulative drug never decreases
    _, cum = res.series_arrays("pump", "cumulative_drug_mg")
    assert np.all(np.diff(cum) >= -1e-12)
    # patient boluses: none inside the lockout, never more than the maximum in any 24 h
    starts = sorted(e.t_s for e in res.events if e.kind == "bolus.start" and e.payload["bolus"] == "patient")
    assert all(b - a >= PATIENT["lockout_min"] * 60 - 1e-6 for a, b in zip(starts, starts[1:]))
    for i, t in enumerate(starts):
        in_window = [x for x in starts if t - DAY < x <= t]
        assert len(in_window) <= PATIENT["max_per_day"]
    assert pump.patient.accepted_total == len(starts)


@settings(max_examples=10, deadline=None)
@given(press_times, refills, st.integers(0, 2**32))
def test_same_seed_identical_output(presses, fills, seed):
    def run():
        s = morphine_settings(reservoir_ml=8, patient_bolus=PATIENT, flow_error={"random_systematic": True})
        timeline = [{"at": t, "action": "patient_bolus"} for t in sorted(presses)]
        sim = make_sim(s, duration="21d", timeline=timeline, seed=seed)
        res = sim.run().results()
        return [(e.t_s, e.kind, repr(e.payload)) for e in res.events], res.series_arrays("pump", "reservoir_ml")
    (ev_a, (ta, va)), (ev_b, (tb, vb)) = run(), run()
    assert ev_a == ev_b and np.array_equal(ta, tb) and np.array_equal(va, vb)
