from simulator.engine import Simulation
from simulator.scenario import scenario_from_dict

TWO_PERC8 = [{"lead": "lead/percutaneous-8", "top_level": "T8", "side": "left"}, {"lead": "lead/percutaneous-8", "top_level": "T8", "side": "right"}]
FLAT = {"initial_ohm": {f"E{i}": 525.0 for i in range(1, 17)}, "drift": False}


def sim_of(profile="scs/rechargeable-micc-16", settings=None, timeline=(), duration="30d", seed=1, leads=None):
    settings = dict(settings or {})
    settings.setdefault("leads", leads or TWO_PERC8)
    settings.setdefault("impedance", FLAT)
    sc = scenario_from_dict({"name": "t", "seed": seed, "duration": duration,
                             "devices": [{"id": "ipg", "profile": profile, "settings": settings}], "timeline": list(timeline)})
    return Simulation(sc)


def kinds(results, prefix=""):
    return [e for e in results.events if e.device == "ipg" and e.kind.startswith(prefix)]
