"""Cost bounded by state changes (counted in SimPy events, never timed): an alarm left
unacknowledged for a century and a scenario of 64 devices cost what their state changes cost."""
from __future__ import annotations

from benchmarks import builders
from simulator.engine import Simulation
from tests.engine_steps import run_counting_steps

DAY = 86400.0


def test_default_scenario_100_years_unacknowledged_alarms_cost_a_bounded_count():
    ten, hundred, two = (Simulation(builders.default_scenario_years(y)) for y in (10, 100, 200))
    steps_ten, steps_hundred, steps_two = (run_counting_steps(s) for s in (ten, hundred, two))
    assert hundred.finished and two.finished and steps_ten < steps_hundred
    # the same event records whatever the duration: the tones' repeats are one coalesced record each
    assert len(two.recorder.events) == len(hundred.recorder.events) == len(ten.recorder.events) < 200
    # once the pump is empty and the stimulator flat, the only wake-up left is the stimulator's
    # impedance drift update every 30 days: 100 more years = 36,500 d / 30 d = 1216.7 more events
    assert steps_two - steps_hundred in (1216, 1217)
    assert steps_hundred <= 100 * 365 / 30 + 200
    counts = hundred.results().summary["event_counts"]
    # the empty-reservoir alarm (critical, every 10 min = 144 a day) sounds from day 60 to the end
    assert counts["alarm.repeat"] > (100 * 365 - 60) * 144 - 10


def test_64_devices_cost_grows_linearly_with_devices():
    """Pairs on the same timeline (offset 0): 30 days, each pump a patient bolus a day (4 records
    each: action, bolus.start, bolus.end, bolus.lockout_ended), each stimulator one recharge on
    day 30 minus 1 h (action, recharge.start, recharge.end): 123 records a pair, plus sim.start
    and sim.end."""
    steps, records = {}, {}
    for n in (2, 4, 64):
        sim = Simulation(builders.many_device_scenario(n, 30.0, offset_h=0.0))
        steps[n] = run_counting_steps(sim)
        records[n] = len(sim.recorder.events)
    assert records == {2: 2 + 123, 4: 2 + 2 * 123, 64: 2 + 32 * 123}
    per_pair = steps[4] - steps[2]
    assert steps[64] - steps[2] == 31 * per_pair  # exactly linear: no pair costs another anything
    assert per_pair <= 4 * 31  # at most 4 SimPy events per scenario action (31 a pair)


def test_many_device_summary_counts_each_pumps_refusals_from_its_own_events():
    """Boluses pressed twice within the 120 min lockout are refused: the summary of each pump
    counts its own refusals (from the recorder's index) and none of another's."""
    scenario = builders.many_device_scenario(4, 2.0, offset_h=0.0)
    data = scenario.model_dump(mode="json")
    data["timeline"] += [{"at": 10 * 3600.0 + 60.0, "device": "pump00", "action": "patient_bolus", "params": {}},
                         {"at": 10 * 3600.0 + 120.0, "device": "pump00", "action": "patient_bolus", "params": {}}]
    from simulator.scenario.model import Scenario

    results = Simulation(Scenario.model_validate(data)).run().results()
    pump00, pump01 = results.summary["devices"]["pump00"], results.summary["devices"]["pump01"]
    assert pump00["refusals"] == 2 and pump00["patient_boluses"] == {"accepted": 2, "refused": 2}
    assert pump01["refusals"] == 0 and pump01["patient_boluses"] == {"accepted": 2, "refused": 0}
