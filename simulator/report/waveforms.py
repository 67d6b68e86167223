"""Waveform snapshots for the report: rebuild the run from scenario.json, run it to where the
results end, and ask each stimulator for a few periods of its programs' output current, synthesised
on demand (no pulse is ever a simulation event)."""
from __future__ import annotations

from typing import Any


def snapshots(results, registry=None) -> list[dict[str, Any]]:
    """One dict per stimulator program: device, program, title, t_s and current_ma arrays."""
    data = results.scenario_json
    kinds = {d.get("id"): str(d.get("profile", "")).split("/", 1)[0] for d in data.get("devices", [])}
    if "scs" not in kinds.values():
        return []
    from simulator.engine import Simulation
    from simulator.scenario import scenario_from_dict

    scenario = scenario_from_dict(data, registry)
    sim = Simulation(scenario, registry=registry, seed=results.seed, validate=False)
    sim.run(until=results.end_t_s)
    shots: list[dict[str, Any]] = []
    for dev_id, device in sim.devices.items():
        if kinds.get(dev_id) != "scs":
            continue
        synth = getattr(device, "waveform_snapshots", None)
        if synth is None:
            continue
        for shot in synth():
            shots.append({"device": dev_id, **shot})
    return shots
