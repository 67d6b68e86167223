"""Relief over time: closed-form exponential approach, its targets, wash-out (hand-computed)."""
import math

import pytest

from simulator.patient.relief import RegionTarget, ReliefState, approach
from tests.patient.helpers import (
    DAY,
    build,
    events,
    fixed_relief,
    registry_with_patient,
    scenario,
    tonic,
)


def test_one_and_three_time_constants():
    assert approach(0.0, 0.8, 100.0, 100.0) / 0.8 == pytest.approx(1 - math.exp(-1))  # 63.2 %
    assert approach(0.0, 0.8, 100.0, 300.0) / 0.8 == pytest.approx(0.950, abs=5e-4)  # 1 - e^-3 = 95.0 %


def test_relief_state_keeps_the_past_segments():
    st = ReliefState(("a",))
    st.retarget(0.0, {"a": RegionTarget(0.5, 10.0, 20.0, "paresthesia")})
    st.retarget(10.0, {})
    r10 = 0.5 * (1 - math.exp(-1))
    assert st.at("a", 5.0) == pytest.approx(0.5 * (1 - math.exp(-0.5)))
    assert st.at("a", 30.0) == pytest.approx(r10 * math.exp(-1))  # wash-out tau 20 s


def test_tonic_relief_in_the_patient_after_one_and_three_tau(tmp_path):
    # fixed R = 0.8, T9 midline cathode at 1.2 x PT covers low back, thighs, legs: the whole FBSS pain map
    reg = registry_with_patient(tmp_path, relief=fixed_relief(0.8))
    data = scenario(tonic({"E2": "+", "E3": "-"}, 0.0), timeline=[{"at": "1h", "device": "ipg", "action": "set_amplitude", "params": {"amplitude_ma": 0.0}}])
    sim = build(data, reg)
    pt = sim.devices["patient"].snapshot().programs[0].perception_threshold_ma
    sim.apply_action("ipg", "set_amplitude", {"amplitude_ma": round(1.2 * pt, 1)})
    pat = sim.devices["patient"]
    snap = pat.snapshot()
    assert snap.coverage_pct == pytest.approx(100.0)
    tau = 3.7 * 60
    assert pat.relief_at(tau) == pytest.approx(0.8 * (1 - math.exp(-1)))
    assert pat.relief_at(3 * tau) == pytest.approx(0.8 * (1 - math.exp(-3)))
    assert pat.nrs_at(3 * tau) == pytest.approx(8.0 * (1 - 0.8 * (1 - math.exp(-3))))
    assert pat.responder_at(3 * tau) and not pat.responder_at(0.5 * tau)  # 0.8 x (1 - e^-0.5) = 31 %


def test_washout_after_stimulation_stops(tmp_path):
    reg = registry_with_patient(tmp_path, relief=fixed_relief(0.8))
    data = scenario(tonic({"E2": "+", "E3": "-"}, 7.0), timeline=[{"at": "1d", "device": "ipg", "action": "stimulation_off"}])
    sim = build(data, reg)
    sim.run("1d")
    sim.run(1 * DAY + 60.0)  # the stop is handled
    pat = sim.devices["patient"]
    r0 = pat.relief_at(1 * DAY)
    assert r0 == pytest.approx(0.8)  # a day is hundreds of tau: at the target
    # tonic wash-out tau 30 min: one tau after the stop
    assert pat.relief_at(1 * DAY + 1800.0) == pytest.approx(0.8 * math.exp(-1))


def test_sub_perception_gives_29_percent_of_r_with_a_slow_tau(tmp_path):
    reg = registry_with_patient(tmp_path, relief=fixed_relief(0.8))
    sim = build(scenario(tonic({"E2": "+", "E3": "-"}, 0.0)), reg)
    pt = sim.devices["patient"].snapshot().programs[0].perception_threshold_ma
    sim.apply_action("ipg", "set_amplitude", {"amplitude_ma": round(0.6 * pt, 1)})
    pat = sim.devices["patient"]
    assert pat.snapshot().paresthesia_regions == ()
    # T9 midline row at threshold covers the whole pain map: target 0.29 x 0.8 = 0.232, tau 2 days
    assert pat.relief_at(2 * DAY) == pytest.approx(0.232 * (1 - math.exp(-1)))


@pytest.mark.parametrize("top_level, expected", [("T8", True), ("T5", False)])
def test_10khz_relief_only_near_the_hidden_sweet_spot(tmp_path, top_level, expected):
    # sweet spot T9 (middle at 15.5); tolerance one level. A lead from T8: E2 sits at 14.25 + 4/25 = 14.41 (within 1.09? no:
    # |14.41 - 15.5| = 1.09 > 1) so use E4 at 14.25 + 12/25 = 14.73 (0.77 from the middle of T9: a hit). From T5 E4 is at 11.73: a miss.
    reg = registry_with_patient(tmp_path, relief=fixed_relief(0.8, 0.7))
    prog = {"name": "hf", "contacts": {"E3": "+", "E4": "-"}, "amplitude_ma": 2.5, "pulse_width_us": 30, "rate_hz": 10000, "waveform": "high_frequency"}
    data = scenario(prog, stim_leads=[{"lead": "lead/percutaneous-8", "top_level": top_level, "side": "midline"}], duration="20d")
    sim = build(data, reg)
    sim.run("1d")  # (an unrecharged 10 kHz battery lasts about 3 days)
    pat = sim.devices["patient"]
    snap = pat.snapshot()
    assert snap.paresthesia_regions == ()  # 10 kHz at 30 us: PT x ~5 above 2.5 mA, paresthesia-free
    want = 0.7 * (1 - math.exp(-1 / 3)) if expected else 0.0  # 10 kHz tau 3 days, one day in
    assert pat.relief_at(1 * DAY) == pytest.approx(want)
    assert events(sim, "patient.report")[0].payload["text"].startswith("I feel no tingling")


def test_responder_event_at_the_computed_crossing_and_series_on_the_curve(tmp_path):
    reg = registry_with_patient(tmp_path, relief=fixed_relief(0.8))
    sim = build(scenario(tonic({"E2": "+", "E3": "-"}, 0.0), duration="1d"), reg)
    pt = sim.devices["patient"].snapshot().programs[0].perception_threshold_ma
    sim.apply_action("ipg", "set_amplitude", {"amplitude_ma": round(1.2 * pt, 1)})
    sim.run("1h")
    tau = 3.7 * 60
    # 0.8 (1 - e^{-t / tau}) = 0.5  ->  t = tau ln(0.8 / 0.3) = 222 s x 0.98083 = 217.7 s
    (crossing,) = events(sim, "patient.responder")
    assert crossing.t_s == pytest.approx(tau * math.log(0.8 / 0.3), abs=1e-3)
    assert crossing.payload["responder"] is True and crossing.payload["relief_pct"] == pytest.approx(50.0, abs=1e-6)
    res = sim.results()
    # breakpoints at 1 and 3 tau lie on the exponential: 80 % x 63.2 % and 80 % x 95.0 %
    assert float(res.resample("patient", "relief_pct", tau)) == pytest.approx(80.0 * (1 - math.exp(-1)))
    assert float(res.resample("patient", "relief_pct", 3 * tau)) == pytest.approx(80.0 * (1 - math.exp(-3)))
    # per-region NRS: low back weight 1.0 -> 8 x (1 - relief) once settled
    assert float(res.resample("patient", "nrs_low_back", 3600.0)) == pytest.approx(8.0 * (1 - 0.8), abs=1e-6)
