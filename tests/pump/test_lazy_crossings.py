"""The threshold crossings of a stepped (flex) schedule are listed lazily (moments._Crossings):
one candidate (earliest lower bound, "crossings", listing) stands for them until that bound comes
within reach, and `_resolve` / `_earliest` expand it in place first. Every decision must be the
one the eager list (each crossing with its own lower bound and Deferred exact time) gives: what
is due, the next wake-up time and the moments planned for it. The wake-up listing after a rebase
leaves the crossings out when the last listing's bound is more than CROSSINGS_MARGIN_S away.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from simulator.pump.moments import CROSSINGS_MARGIN_S, TIME_TOL_S, Candidate, Deferred, _Crossings, _earliest, _resolve
from tests.pump.helpers import DAY, HOUR, MIN, make_sim, morphine_settings

FLEX = {"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": 2.4}, {"start": "08:00", "dose_mg_per_day": 3.4},
                                  {"start": "20:00", "dose_mg_per_day": 2.8}]}
BOLUS = {"dose_mg": 0.1, "duration_min": 10, "lockout_min": 120, "max_per_day": 4}


def _flex_pump(reservoir_ml: float, stop_s: float):
    """A flex-schedule pump with a battery, a patient bolus at 18:00 every day, stopped at `stop_s`."""
    timeline = [{"at": d * DAY + 10 * HOUR, "action": "patient_bolus", "params": {}} for d in range(40)]
    sim = make_sim(morphine_settings(mode=FLEX, patient_bolus=BOLUS, reservoir_ml=reservoir_ml), duration="40d",
                   timeline=timeline, profile="pump/valve-gated-20ml")
    sim.run(until=stop_s)
    return sim.devices["pump"]


def _eager(cands: list[Candidate]) -> list[Candidate]:
    """The list with every lazy listing replaced by its crossings (as the eager code listed them)."""
    out: list[Candidate] = []
    for c in cands:
        out.extend(c[2].expand() if type(c[2]) is _Crossings else [c])
    return out


def _shape(cands: list[Candidate]) -> list[tuple[float, str, str]]:
    return [(c[0], c[1], type(c[2]).__name__) for c in _eager(cands)]


def _decisions(cands: list[Candidate], now: float):
    """What process_due and plan decide from `cands`: the due moments, the wake-up time and the
    moments planned for it (times and tags)."""
    limit = now + TIME_TOL_S
    resolved = _resolve(cands, limit)
    due = [(c[0], c[1]) for c in resolved if c[0] <= limit]
    future = [c for c in resolved if limit < c[0] < math.inf]
    t = _earliest(future)
    planned_due = [(c[0], c[1]) for c in future if c[0] <= t + TIME_TOL_S]
    return due, t, planned_due


# stop times: before the first press, inside a bolus, inside the lockout, after it, near low reservoir
STOPS = [5 * HOUR, 10 * HOUR + 5 * MIN, 11 * HOUR, 2 * DAY + 3 * HOUR, 12 * DAY + 10 * HOUR + 1 * MIN]


@pytest.mark.parametrize("stop_s", STOPS)
@pytest.mark.parametrize("reservoir_ml", [20.0, 2.3])
def test_a_lazy_listing_expands_to_the_eager_crossings(stop_s, reservoir_ml):
    pump = _flex_pump(reservoir_ml, stop_s)
    cands = pump.moments.candidates()
    groups = [c for c in cands if type(c[2]) is _Crossings]
    assert len(groups) <= 1
    for bound, _tag, listing in groups:
        crossings = listing.expand()
        assert crossings and all(type(c[2]) is Deferred or c[0] == math.inf for c in crossings)
        assert bound == min(c[0] for c in crossings)  # the bound is the earliest lower bound


@hsettings(max_examples=40, deadline=None)
@given(stop=st.sampled_from(STOPS), reservoir_ml=st.sampled_from([20.0, 2.3]),
       extra_s=st.one_of(st.none(), st.floats(min_value=0.0, max_value=60 * DAY)))
def test_the_lazy_listing_decides_as_the_eager_list(stop, reservoir_ml, extra_s):
    """Due moments, wake-up time and planned moments are the same floats and tags, with an extra
    exact moment `extra_s` after now (a lockout end, say) moving the earliest known moment."""
    pump = _flex_pump(reservoir_ml, stop)
    now = pump.now
    cands = pump.moments.candidates()
    if extra_s is not None:
        cands.append((now + extra_s, "lockout_end", now + extra_s))
    eager = _eager(cands)
    assert _decisions(cands, now) == _decisions(eager, now)


def test_the_crossings_bound_is_the_earliest_lower_bound_by_hand():
    """20 mL at 10 mg/mL, the highest step 3.4 mg/day = 0.34 mL/day; threshold 2 mL: the low
    reservoir is the earliest crossing, 18 mL / 0.34 mL/day = 52.94 days at the highest rate."""
    pump = _flex_pump(20.0, 5 * HOUR)
    pump.moments.candidates()
    bound_days = (pump.moments.crossings_bound - pump.now) / DAY
    assert bound_days == pytest.approx(18.0 / 0.34, rel=1e-6)


def test_the_wake_up_listing_leaves_far_crossings_out():
    pump = _flex_pump(20.0, 10 * HOUR + 5 * MIN)  # inside the 18:00 bolus, the last listing made the bound
    moments = pump.moments
    due_by = pump.now + TIME_TOL_S
    assert moments.crossings_bound > due_by + CROSSINGS_MARGIN_S
    listed = moments.candidates(due_by)
    assert all(c[1] != "crossings" and type(c[2]) is not Deferred for c in listed)
    # without a bound known, the same listing makes them (and leaves them out only as not due)
    moments.crossings_bound = -math.inf
    moments.candidates(due_by)
    assert moments.crossings_bound > due_by + CROSSINGS_MARGIN_S
