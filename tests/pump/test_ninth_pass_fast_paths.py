"""The ninth pass's kept values in the pump's plan give what the plain computations give: the
next timeline action kept between two lookups (`Moments.guard_window`) and a wake-up's due
moments taken from the plan's own list when it comes at its planned time (`planned_due_by`)."""
from __future__ import annotations

import math

import pytest

from simulator.engine import Simulation
from simulator.pump.moments import Moments
from tests.pump.helpers import DAY, HOUR, MIN, make_sim, morphine_settings
from tests.pump.test_step_fast_paths import _outputs, _scenarios


def _plain_guard_t(self: Moments, now: float) -> float:
    """The lookup at every plan (no window kept)."""
    self.guard_window = (math.inf, -math.inf)
    return self.dev.sim.next_action_t(self.dev.id)


@pytest.mark.parametrize("scenario", list(_scenarios()), ids=["combined_200d", "flex_refills_mri"])
def test_the_kept_values_equal_the_lookups_in_whole_runs(scenario, monkeypatch):
    """At every plan whose kept window holds now, the guard kept is what `next_action_t` gives;
    at every wake-up whose due moments come from the plan's list, the pass over the planned
    moments gives the same list; and the run's events and series are those of a run that looks
    the guard up at every plan and always takes that pass."""
    guards, dues = [], []
    plan, planned_due_now = Moments.plan, Moments._planned_due_now

    def checking_plan(self: Moments, cands=None, resolved: bool = False):
        lo, kept = self.guard_window
        now = self.dev.now
        if lo < now < kept:
            assert kept == self.dev.sim.next_action_t(self.dev.id)
            guards.append(now)
        return plan(self, cands, resolved)

    def checking_due(self: Moments, limit: float):
        fast = planned_due_now(self, limit)
        if fast is not None and limit == self.planned_due_by:
            kept, self.planned_due_by = self.planned_due_by, math.nan
            assert planned_due_now(self, limit) == fast  # (the pass over `planned`)
            self.planned_due_by = kept
            dues.append(limit)
        return fast

    monkeypatch.setattr(Moments, "plan", checking_plan)
    monkeypatch.setattr(Moments, "_planned_due_now", checking_due)
    fast = Simulation(scenario)
    fast.run()
    fast_out = _outputs(fast)
    assert guards and dues  # both kept values were used
    monkeypatch.setattr(Moments, "plan", plan)
    monkeypatch.setattr(Moments, "_guard_t", _plain_guard_t)
    monkeypatch.setattr(Moments, "_planned_due_now", lambda self, limit: None if math.isnan(self.planned_due_by) else _plain_due(self, limit))
    plain = Simulation(scenario)
    plain.run()
    assert _outputs(plain) == fast_out


def _plain_due(self: Moments, limit: float):
    """`_planned_due_now` with the pass over the planned moments always taken."""
    kept, self.planned_due_by = self.planned_due_by, math.nan
    try:
        return Moments._planned_due_now(self, limit)
    finally:
        self.planned_due_by = kept


def test_the_guard_window_by_hand():
    """Presses at 10 h and 34 h: a plan before 10 h keeps (its now, 10 h); the press's plan at
    10 h (the action dispatched) keeps (10 h, 34 h); after the last press, the next action is
    never (inf)."""
    pb = {"dose_mg": 0.1, "duration_min": 10, "lockout_min": 60, "max_per_day": 4}
    timeline = [{"at": "10h", "action": "patient_bolus", "params": {}}, {"at": "34h", "action": "patient_bolus", "params": {}}]
    sim = make_sim(morphine_settings(patient_bolus=pb), duration="3d", timeline=timeline)
    moments = sim.devices["pump"].moments
    assert moments._guard_t(0.0) == 10 * HOUR and moments.guard_window == (0.0, 10 * HOUR)
    sim.run(until=10 * HOUR + 5 * MIN)  # the press at 10 h has planned the bolus end
    assert moments.guard_window == (10 * HOUR, 34 * HOUR)
    sim.run(until=2 * DAY)
    lo, kept = moments.guard_window
    assert kept == math.inf and lo >= 34 * HOUR
    assert moments._guard_t(2 * DAY) == math.inf


def test_the_guard_window_is_not_kept_at_an_action_still_to_come():
    """Looked up at the instant of an action not dispatched yet, the answer is now itself: no
    window is kept (a later instant has another answer)."""
    timeline = [{"at": "10h", "action": "patient_bolus", "params": {}}]
    sim = make_sim(morphine_settings(patient_bolus={"dose_mg": 0.1, "duration_min": 10, "lockout_min": 60, "max_per_day": 4}),
                   duration="1d", timeline=timeline)
    moments = sim.devices["pump"].moments
    sim.run(until=5 * HOUR)
    assert sim.next_action_t("pump") == 10 * HOUR
    moments.guard_window = (0.0, 10 * HOUR)
    sim.env.run(until=10 * HOUR)  # now 10 h, the action's group not fired yet
    assert moments._guard_t(10 * HOUR) == 10 * HOUR
    assert moments.guard_window == (math.inf, -math.inf)


def test_a_deferred_plan_holds_no_due_by_until_it_is_made_real():
    """A deferred wake-up's plan leaves `planned_due_by` NaN (its time is not known); the
    wake-up's own plan of a bolus end sets it to that end + TIME_TOL_S."""
    pb = {"dose_mg": 0.1, "duration_min": 10, "lockout_min": 60, "max_per_day": 4}
    timeline = [{"at": "10h", "action": "patient_bolus", "params": {}}, {"at": "34h", "action": "patient_bolus", "params": {}}]
    sim = make_sim(morphine_settings(patient_bolus=pb), duration="3d", timeline=timeline)
    moments = sim.devices["pump"].moments
    sim.run(until=10 * HOUR + MIN)
    assert moments.planned_due_by == 10 * HOUR + 10 * MIN + 1e-6
    assert [c[1] for c in moments.planned_due] == ["bolus_end"]
    sim.run(until=11 * HOUR + 30 * MIN)  # the lockout end's plan is deferred past the next press
    assert type(moments.wake).__name__ == "DeferredWakeup" and math.isnan(moments.planned_due_by)
