"""The tenth pass's crossings bound carried over a patient bolus press (Moments._carried_bound):
at every press where it is used it is at or below the bound the listing of the crossings gives,
and whole runs are the same, event by event and point by point, with it and without it (the
crossings listed at every press)."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import Simulation
from simulator.pump.moments import CARRIED, TIME_TOL_S, Moments, _earliest, _resolve
from tests.pump.helpers import DAY, HOUR, MIN, make_sim, morphine_settings
from tests.pump.test_step_fast_paths import _outputs, _scenarios


def _checked_runs(scenario, monkeypatch) -> int:
    """Run `scenario` with the carried bound, checking each against the listing's bound, then
    without it; the outputs must be equal. Returns how many presses carried the bound."""
    carried = []
    original = Moments._carried_bound

    def checking(self: Moments, basis, now: float, f_dose: float, f_s: float):
        bound = original(self, basis, now, f_dose, f_s)
        if bound is not None:
            listed = self._stepped_crossings(now, f_dose, f_s).bound  # (makes the listing; changes nothing)
            assert listed is not None and bound <= listed, (now, bound, listed)
            carried.append(now)
        return bound

    monkeypatch.setattr(Moments, "_carried_bound", checking)
    fast = Simulation(scenario)
    fast.run()
    fast_out = _outputs(fast)
    monkeypatch.setattr(Moments, "carry_over_presses", False)
    plain = Simulation(scenario)
    plain.run()
    assert _outputs(plain) == fast_out
    return len(carried)


def _press_scenario(days: int = 30, lockout_min: float = 120, duration_min: float = 10, reservoir_ml: float = 18,
                    presses_per_day: int = 1, profile: str = "pump/valve-gated-20ml", steps=None):
    """A flex morphine pump with patient presses at 09:00 (and 3 h apart after it)."""
    steps = steps or [{"start": "00:00", "dose_mg_per_day": 1.5}, {"start": "07:00", "dose_mg_per_day": 2.5}, {"start": "19:00", "dose_mg_per_day": 2.0}]
    timeline = [{"at": f"{d * 24 + 1 + 3 * k}h", "action": "patient_bolus", "params": {}} for d in range(days) for k in range(presses_per_day)]
    pb = {"dose_mg": 0.2, "duration_min": duration_min, "lockout_min": lockout_min, "max_per_day": 8}
    return make_sim(morphine_settings(mode={"type": "flex", "steps": steps}, reservoir_ml=reservoir_ml, patient_bolus=pb),
                    duration=f"{days}d", timeline=timeline, profile=profile).scenario


@pytest.mark.parametrize("scenario", [*_scenarios(), _press_scenario(lockout_min=30, duration_min=30, presses_per_day=3)],
                         ids=["combined_200d", "flex_refills_mri", "lockout_ends_with_the_bolus"])
def test_runs_with_the_carried_bound_equal_the_plain_runs(scenario, monkeypatch):
    assert _checked_runs(scenario, monkeypatch) > 0


def test_a_pump_running_dry_carries_until_the_reservoir_is_near_its_thresholds(monkeypatch):
    """2.2 mL at ~2 mL/day plus 0.02 mL a press: the low reservoir and empty crossings come within
    days; the bound is carried while they are far, the listing made where they are near, and
    the run is the same."""
    assert _checked_runs(_press_scenario(days=3, reservoir_ml=2.2, presses_per_day=2, lockout_min=30), monkeypatch) > 0


@settings(max_examples=15, deadline=None)
@given(lockout_extra_min=st.sampled_from([0.0, 5.0, 120.0]), duration_min=st.sampled_from([10.0, 30.0, 90.0]),
       reservoir_ml=st.sampled_from([1.0, 3.0, 18.0]), presses=st.integers(1, 4),
       doses=st.lists(st.just(0.0) | st.floats(0.5, 6.0), min_size=2, max_size=4))
def test_the_carried_bound_is_a_lower_bound_and_changes_nothing(lockout_extra_min, duration_min, reservoir_ml, presses, doses):
    """Flex schedules (a zero step included), lockouts ending with the bolus and later,
    reservoirs that run low or empty within the run: every carried bound is at or below the
    listed one, and the run equals the one listing the crossings at every press."""
    steps = [{"start": f"{6 * i:02d}:00", "dose_mg_per_day": dose} for i, dose in enumerate(doses)]
    scenario = _press_scenario(days=6, lockout_min=duration_min + lockout_extra_min, duration_min=duration_min, reservoir_ml=reservoir_ml,
                               presses_per_day=presses, steps=steps)
    with pytest.MonkeyPatch.context() as mp:
        _checked_runs(scenario, mp)


def test_the_carried_bound_by_hand():
    """A listing at t0 = 0 with flow parts (1e-4, 0) at a highest rate of 2e-9 mL/s and a bound
    of 10 days; at t = 1 day a press doubles the highest rate: (10 - 1) days x (1/2), less the
    margins (1e-6 relative, 1 s). A changed per-dose part, a smaller constant part, a bound
    already passed or an empty reservoir carry nothing."""
    sim = make_sim(morphine_settings(mode={"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 1.0}, {"start": "12:00", "dose_mg_per_day": 2.0}]}),
                   duration="20d")
    moments = sim.devices["pump"].moments
    program = sim.devices["pump"].therapy.program
    f_dose = 1e-4
    rate0 = f_dose * program.max_dose_per_s
    f_s = rate0  # doubles the highest rate
    basis = (0.0, f_dose, 0.0, rate0, 10 * DAY)
    sim.run(until=DAY)
    expected = DAY + 9 * DAY * (rate0 / (2 * rate0)) * (1.0 - 1e-6) - 1.0
    assert moments._carried_bound(basis, DAY, f_dose, f_s) == pytest.approx(expected, rel=1e-12)
    assert moments._carried_bound(basis, DAY, 2 * f_dose, f_s) is None
    assert moments._carried_bound((0.0, f_dose, 2 * f_s, rate0, 10 * DAY), DAY, f_dose, f_s) is None
    assert moments._carried_bound((0.0, f_dose, 0.0, rate0, 0.5 * DAY), DAY, f_dose, f_s) is None
    sim.devices["pump"].flow.reservoir.volume_ml = 0.0
    assert moments._carried_bound(basis, DAY, f_dose, f_s) is None


def test_the_carried_bound_is_never_made_exact():
    """The carried candidate is lazy and cannot be expanded: `_resolve` and `_earliest` stop with
    an internal error if a decision ever reaches it (candidates keeps it beyond every moment the
    plan can wake for)."""
    cands = [(100.0, "bolus_end", None), (5000.0, "crossings", CARRIED)]
    assert _resolve(cands, 100.0 + TIME_TOL_S) is cands
    assert _earliest(list(cands)) == 100.0
    with pytest.raises(RuntimeError):
        _resolve(cands, 5000.0)
    with pytest.raises(RuntimeError):
        _earliest([(5000.0, "stability", None), (5000.0, "crossings", CARRIED)])


def test_a_press_plan_with_the_carried_bound_by_hand():
    """A press at 09:00 with a 10 min bolus and a 2 h lockout: its plan wakes at the bolus end, the
    crossings stand as the carried candidate (weeks away), and the bolus end lists them again."""
    scenario = _press_scenario(days=3)
    sim = Simulation(scenario)
    moments = sim.devices["pump"].moments
    sim.run(until=DAY + HOUR + MIN)  # the second press (day 1, 01:00) planned its bolus end
    tags = [(c[1], type(c[2]).__name__) for c in moments.planned]
    assert ("crossings", "_Carried") in tags
    assert moments.wake.t_s == DAY + HOUR + 10 * MIN
    assert moments.crossings_bound > 2 * DAY  # (the low reservoir, days away)
    sim.run(until=DAY + HOUR + 11 * MIN)  # the bolus end listed the crossings
    assert ("crossings", "_Crossings") in [(c[1], type(c[2]).__name__) for c in moments.planned]
    assert moments.crossings_basis is not None and moments.crossings_basis[0] == DAY + HOUR + 10 * MIN
    assert not math.isnan(moments.crossings_bound)
