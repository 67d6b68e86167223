"""The stimulator is a device that owns components (no mixins) and runs its actions through the
base pipeline from one table; the program bank keeps start times as worked out by hand."""
from __future__ import annotations

import inspect

import pytest

from simulator.device import Device
from simulator.errors import ActionRefused
from simulator.scs import actions, checks
from simulator.scs.bank import ProgramBank
from simulator.scs.device import StimulatorDevice
from simulator.scs.program import Program
from simulator.scs.settings import AmplitudeStep, NoParams
from tests.scs.helpers import sim_of

ACTIONS_BEFORE = ["set_program", "select_program", "amplitude_up", "amplitude_down", "set_amplitude", "stimulation_on", "stimulation_off",
                  "set_cycling", "impedance_check", "inject_impedance_fault", "recharge", "posture", "cough", "mri_mode", "set_closed_loop",
                  "acknowledge_alarm", "record_threshold", "max_tolerable_bypass", "set_patient_limits", "patient_step", "set_group", "select_group"]


def _program(name: str) -> Program:
    return Program.model_validate({"name": name, "contacts": {"E1": "-", "E2": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 200.0, "rate_hz": 50.0})


def test_the_stimulator_has_no_mixins_and_owns_its_components():
    assert StimulatorDevice.__mro__ == (StimulatorDevice, Device, object)
    dev = sim_of(duration="1d").devices["ipg"]
    parts = dev.components()
    assert sorted(parts) == ["alarms", "electrodes", "history", "loop", "output", "power", "programs", "safety", "soft_stops"]
    for name, part in parts.items():
        assert getattr(dev, name) is part
    # one object per component: no two names share one
    assert len({id(p) for p in parts.values()}) == len(parts)


def test_the_action_table_has_every_action_with_its_own_check_and_effect():
    table = StimulatorDevice.ACTION_TABLE
    assert list(table) == ACTIONS_BEFORE  # the order `schema` lists
    assert StimulatorDevice.ACTIONS == {n: spec.params for n, spec in table.items()}
    for name, spec in table.items():
        assert spec.apply is getattr(actions, f"apply_{name}")
        assert spec.check is getattr(checks, f"check_{name}", None)
        assert spec.doc
    # the actions with nothing to check (the old if-chain returned no finding for them)
    assert sorted(n for n, s in table.items() if s.check is None) == ["acknowledge_alarm", "cough", "impedance_check", "posture", "stimulation_off"]
    for fn in [getattr(checks, n) for n in dir(checks) if n.startswith("check_")]:
        assert list(inspect.signature(fn).parameters) == ["dev", "params"]


def test_a_check_naming_no_program_is_a_refusing_finding_and_a_refusal_on_apply():
    dev = sim_of(duration="1d").devices["ipg"]
    (f,) = dev.check("amplitude_up", AmplitudeStep(program="nope"))
    assert (f.level, f.limit, f.value) == ("refuse", "program", "nope")
    with pytest.raises(ActionRefused) as exc:
        dev.apply("amplitude_up", AmplitudeStep(program="nope"))
    assert exc.value.details["limit"] == "program"
    # stimulation on while on: nothing to refuse; off has no check at all
    assert dev.check("stimulation_on", NoParams()) == [] and dev.check("stimulation_off", NoParams()) == []


def test_program_bank_start_times_groups_and_bypass():
    bank = ProgramBank([_program("a"), _program("b")], {"G": ["b", "a"]}, ["a"], None)
    assert list(bank) == ["a", "b"] and "a" in bank and len(bank) == 2 and bank.starts == {"a": 0.0}
    bank.run_programs(["a", "b"], 10.0)  # a keeps its start (0 s), b starts now (10 s)
    assert bank.active == ["a", "b"] and bank.starts == {"a": 0.0, "b": 10.0}
    assert bank.run_group("G", 25.0) == ["b", "a"] and bank.active_group == "G"
    assert bank.starts == {"a": 0.0, "b": 10.0}  # both were running: no restart
    bank.restart_all(40.0)
    assert bank.starts == {"a": 40.0, "b": 40.0}
    bank.run_programs(["a"], 50.0)
    assert bank.active_group is None and bank.active == ["a"]
    bank.set_bypass("a", True)
    bank.set_bypass("b", False)  # not bypassed: nothing to remove
    assert bank.maxtol_bypass == {"a"}
    assert bank.resolve(None) == "a"
    with pytest.raises(ActionRefused):
        bank.resolve("c")
    old = bank.store(_program("a").model_copy(update={"amplitude_ma": 4.0}))
    assert old is not None and old.amplitude_ma == 3.0 and bank["a"].amplitude_ma == 4.0
