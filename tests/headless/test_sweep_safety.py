"""Sweep safety: what a sweep runs is what its table says, resuming never mixes results, a spec
is data unless the caller opts in to plug-in code, a tampered folder is a clear input error, and
nothing outlives a killed sweep."""
from __future__ import annotations

import copy
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from simulator.errors import InputError
from simulator.sweep.runner import SweepStopped, run_sweep
from tests.conftest import ROOT

# ---------------------------------------------------------------------------------------------
# aliasing: whole-dict values with changes inside them

PROGRAM_200 = {"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 2.0, "pulse_width_us": 200, "rate_hz": 50}
PROGRAM_400 = {"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 2.0, "pulse_width_us": 400, "rate_hz": 40}
SCS_BASE = {
    "name": "one program, one hour",
    "seed": 1,
    "duration": "1h",
    "devices": [
        {
            "id": "ipg",
            "profile": "scs/rechargeable-micc-16",
            "settings": {
                "leads": [{"lead": "lead/percutaneous-8", "top_level": "T8", "side": "left"}],
                "programs": [PROGRAM_200],
                "impedance": {"initial_ohm": {"E2": 525, "E3": 525}, "drift": False},
            },
        }
    ],
    "timeline": [],
}


def _program_sweep(tmp_path: Path) -> dict:
    base = tmp_path / "scs_base.yaml"
    base.write_text(yaml.safe_dump(SCS_BASE))
    return {
        "name": "whole programs x amplitude inside them",
        "base": str(base),
        "seeds_per_point": 1,
        "parameters": [
            {"path": "devices[ipg].settings.programs[0]", "name": "program", "values": [PROGRAM_200, PROGRAM_400]},
            {"path": "devices[ipg].settings.programs[0].amplitude_ma", "name": "amplitude_ma", "linspace": {"start": 1.0, "stop": 6.0, "num": 11}},
        ],
    }


def test_aliasing_each_point_runs_its_own_values(tmp_path):
    """2 whole programs x 11 amplitudes (1.0, 1.5, ... 6.0 mA) = 22 rows; each row's values are
    what its run used, read back from the run's own summary; the spec's values are untouched."""
    spec = _program_sweep(tmp_path)
    given = copy.deepcopy(spec)
    table = run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    assert len(table) == 22
    amplitudes = [1.0 + 0.5 * k for k in range(11)]
    assert list(table["amplitude_ma"]) == pytest.approx(amplitudes * 2)
    # what ran: the summary's program figures come from the simulated device itself
    assert list(table["devices.ipg.programs.back.amplitude_ma"]) == pytest.approx(amplitudes * 2)
    assert list(table["devices.ipg.programs.back.pulse_width_us"]) == [200] * 11 + [400] * 11
    assert list(table["devices.ipg.programs.back.rate_hz"]) == [50] * 11 + [40] * 11
    # charge per phase x pulses: I (mA) x PW (us) = nC per pulse; x f (Hz) x 3600 s / 1000 -> uC.
    # 1 mA, 200 us, 50 Hz: 1 x 200 x 50 x 3600 / 1000 = 36,000 uC; 1 mA, 400 us, 40 Hz: 57,600 uC
    expected_uc = [a * 200 * 50 * 3600 / 1000 for a in amplitudes] + [a * 400 * 40 * 3600 / 1000 for a in amplitudes]
    assert expected_uc[0] == 36_000 and expected_uc[11] == 57_600
    assert list(table["devices.ipg.charge_delivered_uc"]) == pytest.approx(expected_uc, rel=1e-9)
    assert spec == given  # the caller's spec (and its program dicts) did not change
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["parameters"][0]["values"] == [PROGRAM_200, PROGRAM_400]  # both at 2.0 mA, as given
    assert manifest["parameters"][1]["values"] == pytest.approx(amplitudes)


def test_aliasing_with_changes_never_changes_its_inputs():
    from simulator.api import scenario_data, with_changes

    base = copy.deepcopy(SCS_BASE)
    program = copy.deepcopy(PROGRAM_400)
    changes = {"devices[ipg].settings.programs[0]": program, "devices[ipg].settings.programs[0].amplitude_ma": 6.0}
    frozen = copy.deepcopy(changes)
    changed = scenario_data(with_changes(base, changes))
    assert changed["devices"][0]["settings"]["programs"][0]["amplitude_ma"] == 6.0
    assert changed["devices"][0]["settings"]["programs"][0]["pulse_width_us"] == 400
    assert program["amplitude_ma"] == 2.0 and changes == frozen
    assert base == SCS_BASE


def test_aliasing_set_field_inserts_a_copy():
    from simulator.api import set_field

    value = {"dose_mg_per_day": 5.0}
    first, second = {"mode": None}, {"mode": None}
    set_field(first, "mode", value)
    set_field(second, "mode", value)
    set_field(first, "mode.dose_mg_per_day", 1.0)
    assert value == {"dose_mg_per_day": 5.0} and second["mode"] == {"dose_mg_per_day": 5.0}
    assert first["mode"] == {"dose_mg_per_day": 1.0}
