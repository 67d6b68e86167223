"""Helpers for pump tests: build a one-pump scenario from settings and a timeline."""
from simulator import Simulation, scenario_from_dict

DAY = 86400.0
HOUR = 3600.0
MIN = 60.0


def morphine_settings(**over):
    s = {"drug": "drug/morphine", "concentration_mg_per_ml": 10, "reservoir_ml": 20, "low_reservoir_threshold_ml": 2,
         "mode": {"type": "continuous", "dose_mg_per_day": 2}}
    s.update(over)
    return s


def make_sim(settings, duration="30d", timeline=(), profile="pump/peristaltic-20ml", seed=0, start="2026-01-05T08:00:00"):
    sc = scenario_from_dict({
        "name": "test", "seed": seed, "start": start, "duration": duration,
        "devices": [{"id": "pump", "profile": profile, "settings": settings}],
        "timeline": [dict(device="pump", **a) for a in timeline],
    })
    return Simulation(sc)


def kinds(results, kind):
    return [e for e in results.events if e.device == "pump" and e.kind == kind]
