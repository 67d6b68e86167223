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
    for t in starts:
        in_window = [x for x in starts if t - DAY < x <= t]
        assert len(in_window) <= PATIENT["max_per_day"]
    assert pump.boluses.patient.accepted_total == len(starts)


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


MODES = [
    {"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 1}, {"start": "07:30", "dose_mg_per_day": 4}, {"start": "19:00", "dose_mg_per_day": 2}]},
    {"type": "periodic", "dose_mg_per_day": 1, "bolus_dose_mg": 0.5, "interval_h": 5, "first_bolus_after_min": 70},
    {"type": "continuous", "dose_mg_per_day": 3},
]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(MODES), st.floats(0, 60 * DAY), st.floats(-10, 10), st.booleans())
def test_projection_from_t0_equals_the_simulated_state(mode, t_query, error_pct, with_bolus):
    """Closed-form projections (with cycle skipping) agree with running the simulation to that time."""
    timeline = [{"at": 0.0, "action": "single_bolus", "params": {"dose_mg": 1}}] if with_bolus else []
    sim = make_sim(morphine_settings(mode=mode, flow_error={"systematic_error_pct": error_pct}), duration="61d", timeline=timeline)
    pump = sim.devices["pump"]
    sim.run(until=1e-3)
    projected = (pump.reservoir_ml_at(t_query), pump.expected_reservoir_ml_at(t_query), pump.delivered_drug_at(t_query))
    empty = pump.predicted_empty_t_s()
    sim.run(until=t_query)
    simulated = (pump.reservoir_ml_at(t_query), pump.expected_reservoir_ml_at(t_query), pump.delivered_drug_at(t_query))
    assert np.allclose(projected, simulated, rtol=1e-9, atol=1e-9)
    sim.run()
    alarms = [e for e in sim.results().events if e.kind == "alarm.raised" and e.payload["alarm"] == "empty_reservoir"]
    if empty is not None and empty <= 61 * DAY - 1:
        assert alarms and abs(alarms[0].t_s - empty) < 1e-3
    else:
        assert not alarms
