"""A year with a patient costs the same order of SimPy events as without (counted, never timed)."""
import copy

from simulator.engine import Simulation
from simulator.profiles.registry import default_registry
from simulator.scenario.loader import scenario_from_dict

AMPS = [1.0, 1.2, 1.4, 1.3, 1.5, 1.2, 1.4, 1.6, 1.4, 1.2, 1.5, 1.4]  # one amplitude change a month (low: the primary cell lasts the year)


def _year(with_patient: bool, diary_days: int = 0) -> dict:
    data = {
        "name": "a year", "seed": 2, "duration": "365d",
        "devices": [{"id": "ipg", "profile": "scs/recharge-free-tonic",
                     "settings": {"leads": [{"lead": "lead/percutaneous-8", "top_level": "T9", "side": "midline"}],
                                  "impedance": {"drift": False},
                                  "programs": [{"name": "p", "contacts": {"E2": "+", "E3": "-"}, "amplitude_ma": 1.2, "pulse_width_us": 300, "rate_hz": 50}]}}],
        "timeline": [{"at": f"{30 * k + 15}d", "device": "ipg", "action": "set_amplitude", "params": {"amplitude_ma": a}} for k, a in enumerate(AMPS)],
    }
    if with_patient:
        data["patient"] = {"profile": "patient/fbss-back-bilateral-legs", "stimulator": "ipg",
                           "settings": {"diary": {"days": diary_days}} if diary_days else {}}
    return copy.deepcopy(data)


def _simpy_events(data: dict) -> int:
    sim = Simulation(scenario_from_dict(data, default_registry()))
    n = 0
    while sim.env.peek() <= sim.duration_s:
        sim.env.step()
        n += 1
    return n


def test_a_year_with_a_patient_costs_one_reevaluation_per_stimulator_change():
    without = _simpy_events(_year(False))
    with_patient = _simpy_events(_year(True))
    # the patient adds one zero-delay re-evaluation per time the stimulator emits events: the 12 amplitude changes
    assert with_patient - without == len(AMPS)
    assert with_patient < 2 * without + 20


def test_a_daily_diary_adds_one_event_a_day():
    without = _simpy_events(_year(True))
    with_diary = _simpy_events(_year(True, diary_days=365))
    # days 1..364 fall inside the year; day 365 lands exactly at the end (t = 365 d) and is included by peek() <= end
    assert with_diary - without == 365
