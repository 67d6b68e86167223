"""neuromod-sim: a discrete-event simulator of spinal cord stimulators and intrathecal pumps.

For training and engineering only; nothing here is medical advice.

    from simulator import load_scenario, Simulation
    sim = Simulation(load_scenario("scenarios/pump_morphine_refills.yaml"))
    results = sim.run().results()
    t, volume_ml = results.series_arrays("pump", "reservoir_ml")
"""
__version__ = "0.1.0"

from simulator.engine import ActionResult, Simulation, run_scenario  # noqa: E402
from simulator.errors import ActionRefused, InputError  # noqa: E402
from simulator.events import EventRecord, Kinds  # noqa: E402
from simulator.profiles.registry import ProfileRegistry, default_registry  # noqa: E402
from simulator.scenario import Scenario, load_scenario, scenario_from_dict  # noqa: E402

__all__ = [
    "__version__",
    "ActionResult",
    "ActionRefused",
    "EventRecord",
    "InputError",
    "Kinds",
    "ProfileRegistry",
    "Scenario",
    "Simulation",
    "default_registry",
    "load_scenario",
    "run_scenario",
    "scenario_from_dict",
]
