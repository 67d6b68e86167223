"""Invariants of the patient model (hypothesis)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.patient.anatomy import ContactSite
from simulator.patient.coverage import coverage, felt_regions
from simulator.patient.relief import RegionTarget, ReliefState, approach
from simulator.patient.somatotopy import REGIONS, paresthesia_regions
from simulator.patient.thresholds import program_thresholds
from simulator.profiles.registry import default_registry
from simulator.scs.leads import VERTEBRAE
from simulator.scs.program import Program

pain_maps = st.dictionaries(st.sampled_from(REGIONS), st.floats(0.01, 1.0), min_size=1, max_size=10)


@given(pain_maps, st.sets(st.sampled_from(REGIONS)))
def test_coverage_is_between_0_and_1(pain_map, regions):
    assert 0.0 <= coverage(pain_map, regions) <= 1.0


@given(st.sampled_from(VERTEBRAE), st.sampled_from(["midline", "left", "right"]), st.floats(0.0, 0.999), st.floats(20, 1000))
def test_no_paresthesia_below_threshold(level, side, ratio, pw):
    assert paresthesia_regions(level, side, ratio, pw, 1.3, 450) == set()


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=float(VERTEBRAE.index("C2")), max_value=24.9), st.floats(-4, 4), st.floats(30, 1000), st.floats(0.0, 0.999),
       st.sampled_from(["standing", "sitting", "supine", "prone"]))
def test_no_paresthesia_below_the_program_threshold(position, x_mm, pw, fraction, posture):
    p = default_registry().get("patient/fbss-back-bilateral-legs")
    sites = {"E1": ContactSite("E1", 0, position, x_mm), "E2": ContactSite("E2", 0, position + 0.16, x_mm)}
    prog = Program(name="p", contacts={"E1": "+", "E2": "-"}, amplitude_ma=1.0, pulse_width_us=pw, rate_hz=50)
    th = program_thresholds(p, prog, sites, posture)
    assert felt_regions(p, th, fraction * th.perception_ma, pw) == set()


@given(st.floats(0, 1), st.floats(0, 1), st.floats(1, 1e7), st.floats(0, 1e8))
def test_relief_never_overshoots_its_target(r0, target, tau, dt):
    r = approach(r0, target, tau, dt)
    assert min(r0, target) - 1e-12 <= r <= max(r0, target) + 1e-12


@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(0, 1), st.floats(1, 1e6)), min_size=1, max_size=8), st.floats(0, 2e7))
def test_relief_from_rest_never_exceeds_the_largest_target(steps, t_query):
    state = ReliefState(("a",))
    t, top = 0.0, 0.0
    for dt, target, tau in steps:
        t += dt
        state.retarget(t, {"a": RegionTarget(target, tau, tau, "paresthesia")})
        top = max(top, target)
    assert 0.0 <= state.at("a", t_query) <= top + 1e-12


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32))
def test_the_same_seed_gives_the_same_patient(seed):
    from simulator.engine import device_rng
    from simulator.patient.device import THERAPY_CLASSES, draw_relief

    p = default_registry().get("patient/fbss-back-bilateral-legs")
    a = [draw_relief(getattr(p.relief, c), device_rng(seed, "patient")) for c in THERAPY_CLASSES]
    b = [draw_relief(getattr(p.relief, c), device_rng(seed, "patient")) for c in THERAPY_CLASSES]
    assert a == b and all(0.0 <= r <= 1.0 for r in a)


def test_the_same_scenario_and_seed_give_the_same_run():
    from simulator.engine import Simulation
    from simulator.scenario import load_scenario

    runs = []
    for _ in range(2):
        sim = Simulation(load_scenario("scs_patient_trial"))
        sim.run()
        runs.append(([(e.t_s, e.kind, e.payload) for e in sim.results().events if e.device == "patient"], sim.devices["patient"].snapshot()))
    assert runs[0] == runs[1]
