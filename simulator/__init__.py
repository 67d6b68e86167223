"""neuromod-sim: a discrete-event simulator of spinal cord stimulators and intrathecal pumps.

For training and engineering only; nothing here is medical advice.

    from simulator import load_scenario, Simulation
    sim = Simulation(load_scenario("pump_morphine_refills"))
    results = sim.run().results()
    t_s, volume_ml = results.series_arrays("pump", "reservoir_ml")

The names below load on first use, so that `neuromod-sim --help` starts without numpy,
SimPy or pydantic.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "ActionResult": "simulator.engine",
    "Simulation": "simulator.engine",
    "run_scenario": "simulator.engine",
    "ActionRefused": "simulator.errors",
    "InputError": "simulator.errors",
    "EventRecord": "simulator.events",
    "Kinds": "simulator.events",
    "ProfileRegistry": "simulator.profiles.registry",
    "default_registry": "simulator.profiles.registry",
    "Scenario": "simulator.scenario",
    "load_scenario": "simulator.scenario",
    "scenario_from_dict": "simulator.scenario",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors
    from simulator.engine import ActionResult, Simulation, run_scenario  # noqa: F401
    from simulator.errors import ActionRefused, InputError  # noqa: F401
    from simulator.events import EventRecord, Kinds  # noqa: F401
    from simulator.profiles.registry import ProfileRegistry, default_registry  # noqa: F401
    from simulator.scenario import Scenario, load_scenario, scenario_from_dict  # noqa: F401
