"""A year with an intrathecal patient costs the same order of SimPy events as without (counted, never timed)."""
import copy

from simulator.engine import Simulation
from simulator.event_kinds import K
from simulator.profiles.registry import default_registry
from simulator.scenario.loader import scenario_from_dict

DOSES = [5.0, 5.5, 6.0, 6.0, 6.5, 7.0, 7.0, 7.5, 8.0, 8.0, 8.5, 9.0]  # one refill a month, the dose raised at most of them


def year(with_patient: bool) -> dict:
    data = {
        "name": "a year of intrathecal morphine", "seed": 3, "duration": "365d",
        "devices": [{"id": "pump", "profile": "pump/peristaltic-40ml",
                     "settings": {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 40,
                                  "mode": {"type": "continuous", "dose_mg_per_day": 5}}}],
        "timeline": [{"at": f"{30 * (k + 1)}d", "device": "pump", "action": "refill",
                      "params": {"fill_ml": 40, "mode": {"type": "continuous", "dose_mg_per_day": d}}} for k, d in enumerate(DOSES)],
    }
    if with_patient:
        data["patient"] = {"profile": "patient/it-cancer-pain-morphine", "pump": "pump"}
    return copy.deepcopy(data)


def simpy_events(data: dict) -> tuple[int, Simulation]:
    sim = Simulation(scenario_from_dict(data, default_registry()))
    n = 0
    while sim.env.peek() <= sim.duration_s:
        sim.env.step()
        n += 1
    return n, sim


def test_a_year_with_an_intrathecal_patient_stays_the_same_order_of_events():
    without, _ = simpy_events(year(False))
    with_patient, sim = simpy_events(year(True))
    events = sim.results().events
    bursts = len({e.t_s for e in events if e.device == "pump" and e.kind not in (K.ACTION, K.WARNING, K.REFUSAL)})
    crossings = len([e for e in events if e.kind in (K.PATIENT_SIGN, K.PATIENT_WITHDRAWAL)])
    # the patient adds one zero-delay re-evaluation per instant the pump emits events, plus at most one
    # wake-up per sign or withdrawal crossing (and a few crossings planned then superseded by a pump event)
    extra = with_patient - without
    assert extra <= bursts + crossings + len(DOSES) + 5
    assert with_patient < 2 * without + 50
