"""Waveform snapshots for the report, synthesised on demand (no pulse is ever a simulation event).

The programs are those the stimulator had at the end of the run: rebuilt from scenario.json and
run to the results' end when the device model is available, else read from the device's initial
settings. The amplitude is the recorded `amplitude_ma.<program>` at the end when the run has it.
Each snapshot has two views: a few periods of the pulse train, and one pulse (or burst) close up.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
PERIODS_SHOWN = 3
SAMPLES_PER_PULSE = 40


def _programs_in(value: Any) -> list[dict]:
    """Dicts that look like stimulation programs, anywhere in a device's settings."""
    if isinstance(value, dict):
        if {"contacts", "pulse_width_us", "rate_hz"} <= set(value):
            return [value]
        return [p for v in value.values() for p in _programs_in(v)]
    if isinstance(value, list):
        return [p for v in value for p in _programs_in(v)]
    return []


def _programs_after_run(results, registry, device_ids: list[str]) -> dict[str, list]:
    """device id -> its Program objects at the end of the run (empty when it cannot be rebuilt)."""
    from simulator.scs.program import Program

    try:
        from simulator.engine import Simulation
        from simulator.scenario import scenario_from_dict

        scenario = scenario_from_dict(results.scenario_json, registry)
        sim = Simulation(scenario, registry=registry, seed=results.seed, validate=False)
        sim.run(until=results.end_t_s)
    except Exception as exc:  # the model may not be importable here; fall back to the settings
        log.info("waveform snapshot: run not rebuilt (%s); using the initial settings", exc)
        return {}
    out: dict[str, list] = {}
    for dev_id in device_ids:
        device = sim.devices.get(dev_id)
        stored = getattr(device, "stored_programs", None)  # a stimulator's documented query (copies)
        programs = list(stored().values()) if callable(stored) else None
        if programs and all(isinstance(p, Program) for p in programs):
            out[dev_id] = list(programs)
    return out


def snapshot(program, amplitude_ma: float | None = None) -> dict[str, Any]:
    """Current on the cathode side of one program (mA, cathodic phase negative) at full amplitude:
    `train` = (t_s, current) over a few periods; `pulse` = (t_s, current) over one pulse or burst."""
    from simulator.scs.waveform import program_current

    start = -(program.soft_start_s + 1e-3)  # past the soft start: the shape at full amplitude
    pw = program.pulse_width_us * 1e-6
    train_s = PERIODS_SHOWN * program.period_s
    fs = max(SAMPLES_PER_PULSE / pw, 2000 / train_s)
    n = int(min(train_s * fs, 400_000))
    t_train = np.linspace(0.0, train_s, n, endpoint=False)
    i_train = program_current(program, t_train, None, 0.0, start, amplitude_ma)
    close = program.occupancy_s()
    close = close + 0.2 * close
    t_pulse = np.linspace(-0.1 * close, close, 2000, endpoint=False)
    i_pulse = program_current(program, t_pulse, None, 0.0, start, amplitude_ma)
    return {"train": (t_train, i_train), "pulse": (t_pulse, i_pulse)}


def snapshots(results, registry=None) -> list[dict[str, Any]]:
    """One dict per stimulator program: device, program, title, amplitude_ma, train, pulse."""
    from simulator.scs.program import Program

    devices = [d for d in results.scenario_json.get("devices", []) if str(d.get("profile", "")).startswith("scs/")]
    if not devices:
        return []
    after = _programs_after_run(results, registry, [d["id"] for d in devices])
    shots: list[dict[str, Any]] = []
    for dev in devices:
        programs = after.get(dev["id"]) or [Program.model_validate(p) for p in _programs_in(dev.get("settings", {}))]
        for program in programs:
            key = (dev["id"], f"amplitude_ma.{program.name}")
            amp = float(results.series[key].values[-1]) if key in results.series and len(results.series[key]) else None
            amp_shown = program.amplitude_ma if amp is None else amp
            title = (
                f"{dev['id']} program {program.name}: {program.waveform}, {amp_shown:g} mA, "
                f"{program.pulse_width_us:g} us, {program.rate_hz:g} Hz, {program.charge_balance} balance"
            )
            shots.append({"device": dev["id"], "program": program.name, "title": title, "amplitude_ma": amp_shown, **snapshot(program, amp)})
    return shots
