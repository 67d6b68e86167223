"""Property test over random valid pump scenarios (issue item 10).

Random programs (continuous, flex, periodic), clinician single and priming boluses, patient
presses, patient-bolus settings, refills (same drug and strength, sometimes re-programmed) and
random confirmations, on a pump with no flow error and one drug strength (so the drug delivered
is at most the drug programmed: all of it once the dead volume is primed), for 3 days. Asserted:
- no bolus runs faster than the profile allows (bolus rate; priming rate for bridge/priming)
  and no basal faster than the maximum rate;
- no 24 h window delivers more than the drug's maximum daily dose unless a daily-maximum warning
  or override event says so, emitted inside the window or after the program in force at its
  start was set (the action whose check passed it);
- the battery never reaches end of service with a full charge.
"""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.pump.helpers import DAY, HOUR, kinds, make_sim

MAX_MG_PER_DAY = 15.0  # morphine profile
RUN_S = 3 * DAY
CONFIRMABLE = ["max_daily_dose_mg", "titration.max_increase_pct", "max_concentration_mg_per_ml"]

# often in the first hour (a drug-free dead volume then holds only a trace of drug)
times = st.one_of(st.floats(min_value=0, max_value=HOUR), st.floats(min_value=0, max_value=RUN_S - 60))
confirm = st.one_of(st.none(), st.lists(st.sampled_from(CONFIRMABLE), max_size=3, unique=True))


@st.composite
def modes(draw):
    kind = draw(st.sampled_from(["continuous", "flex", "periodic"]))
    dose = lambda: draw(st.floats(1.0, 20.0))  # noqa: E731  (20 mg/day at 5 mg/mL = 4 mL/day: within the pump)
    if kind == "continuous":
        return {"type": "continuous", "dose_mg_per_day": dose()}
    if kind == "flex":
        return {"type": "flex", "steps": [{"start": "00:00", "dose_mg_per_day": dose()}, {"start": draw(st.sampled_from(["06:00", "12:00", "20:30"])), "dose_mg_per_day": dose()}]}
    return {"type": "periodic", "dose_mg_per_day": draw(st.floats(1.0, 10.0)), "bolus_dose_mg": draw(st.floats(0.2, 3.0)),
            "interval_h": draw(st.sampled_from([4, 6, 10, 25])), "first_bolus_after_min": draw(st.floats(0, 600))}


def patient_rule(draw):
    return {"dose_mg": draw(st.floats(0.1, 1.0)), "duration_min": 15, "lockout_min": draw(st.sampled_from([15, 60, 180])), "max_per_day": draw(st.integers(1, 4))}


@st.composite
def actions(draw):
    kind = draw(st.sampled_from(["program", "single_bolus", "patient_bolus", "refill", "priming_bolus", "set_patient_bolus", "bridge_bolus"]))
    at = draw(times)
    if kind == "program":
        return {"at": at, "action": kind, "params": {"mode": draw(modes()), "confirm": draw(confirm)}}
    if kind == "single_bolus":
        return {"at": at, "action": kind, "params": {"dose_mg": draw(st.floats(0.5, 10.0)), "confirm": draw(confirm)}}
    if kind == "refill":
        params = {"fill_ml": 15.0, "confirm": draw(confirm)}
        if draw(st.booleans()):
            params["mode"] = draw(modes())
        return {"at": at, "action": kind, "params": params}
    if kind == "priming_bolus":
        return {"at": at, "action": kind, "params": {"volume_ml": draw(st.floats(0.1, 1.0)), "confirm": draw(confirm)}}
    if kind == "set_patient_bolus":
        return {"at": at, "action": kind, "params": {"patient_bolus": patient_rule(draw), "confirm": draw(confirm)}}
    return {"at": at, "action": kind}


@st.composite
def scenarios(draw):
    conc = draw(st.sampled_from([5.0, 10.0, 20.0]))
    settings_ = {
        "drug": "drug/morphine", "concentration_mg_per_ml": conc, "reservoir_ml": 20.0,
        "dead_volume_primed": draw(st.booleans()),  # drug-free: less arrives than programmed, never more
        "mode": {"type": "continuous", "dose_mg_per_day": draw(st.floats(1.0, 10.0))},
        # often near the 7-year (365-day years) end of service, where ERI and EOS fall in the run
        "service_elapsed_days": draw(st.one_of(*[st.sampled_from([0.0, 7 * 365 - 91, 7 * 365 - 1, 7 * 365, 7 * 365 + 30])] * 2, st.floats(0, 7 * 365 + 30))),
    }
    # the charge a battery that old can hold (full less 0.0365 %/day idle drain), or the default
    most = max(0.0, 100.0 - 0.0365 * settings_["service_elapsed_days"])
    share = draw(st.one_of(st.none(), st.none(), st.floats(0.0, 1.0)))
    if share is not None:
        settings_["battery_initial_pct"] = share * most
    if draw(st.booleans()):
        settings_["patient_bolus"] = patient_rule(draw)  # at most 10 + 4 x 1 = 14 mg/day: valid
    timeline = sorted(draw(st.lists(actions(), max_size=8)), key=lambda a: a["at"])
    for a in timeline:
        if a["action"] == "refill":
            a["params"]["concentration_mg_per_ml"] = conc  # same strength: delivered = programmed
    return settings_, timeline


def rolling_totals(t, cum):
    """(window start, drug delivered in [start, start + 24 h)) at every breakpoint-aligned start."""
    starts = np.concatenate([t, t - DAY])
    starts = np.unique(starts[(starts >= 0) & (starts <= t[-1] - DAY)])
    return starts, np.interp(starts + DAY, t, cum) - np.interp(starts, t, cum)


def accepted_program_changes(res) -> list[float]:
    """Times of the accepted actions that set a program (program, refill with a mode)."""
    out, last = [], None
    for e in res.events:
        if e.device != "pump":
            continue
        if e.kind == "action":
            last = e
            p = e.payload
            if p["action"] == "program" or (p["action"] == "refill" and p["params"].get("mode")):
                out.append(e.t_s)
            else:
                last = None
        elif e.kind == "refusal" and last is not None and e.payload["action"] == last.payload["action"]:
            out.pop()
            last = None
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_rates_daily_maximum_and_battery_over_random_valid_scenarios(scenario):
    settings_, timeline = scenario
    sim = make_sim(settings_, duration="3d", timeline=timeline)
    res = sim.run().results()
    profile = sim.devices["pump"].profile
    # 1. every delivery rate within the profile's limits
    for e in kinds(res, "bolus.start"):
        limit_ml_per_h = profile.priming_rate_ml_per_h if e.payload["bolus"] in ("bridge", "priming") else profile.max_bolus_rate_ml_per_h
        assert e.payload["rate_ml_per_day"] / 24.0 <= limit_ml_per_h * (1 + 1e-9), e.payload
    for e in kinds(res, "program.changed"):
        assert e.payload["rate_ml_per_day"] <= profile.max_rate_ml_per_day * (1 + 1e-9)
    # 2. no rolling 24 h dose above the maximum unless a warning or an override says so
    t, cum = res.series_arrays("pump", "cumulative_drug_mg")
    flagged = [e.t_s for e in res.events if e.device == "pump" and e.kind in ("warning", "override") and e.payload.get("limit") == "max_daily_dose_mg"]
    program_set = accepted_program_changes(res)
    starts, totals = rolling_totals(np.asarray(t), np.asarray(cum))
    for a, total in zip(starts, totals):
        if total <= MAX_MG_PER_DAY * (1 + 1e-6):
            continue
        set_at = max([p for p in program_set if p <= a], default=0.0)
        assert any(set_at <= f <= a + DAY for f in flagged), f"{total:.4f} mg in the 24 h from {a / HOUR:.2f} h with no daily-maximum warning; timeline {timeline}"
    # 3. end of service never with a full battery
    for e in kinds(res, "battery.eos"):
        assert e.payload["battery_pct"] < 100.0, e.payload
