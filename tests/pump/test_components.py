"""The pump is built from components with one job each, and runs its actions through the base pipeline.

- no mixins: every class of simulator/pump has one base, and PumpDevice's only base is Device;
- a component changes only its own state: no module of simulator/pump assigns an attribute of
  another component (`dev.flow.v_calc = ...`); it calls that component's method instead;
- one action table: the pump's ACTION_TABLE holds every action of settings.ACTIONS with the same
  parameter model, and an unknown action is refused with the table listed;
- the pipeline's hooks: a check brings the state to now first, a refused action changes nothing.
"""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import simulator.pump as pump_pkg
from simulator.device import Device
from simulator.errors import ActionRefused, InputError
from simulator.pump.device import PumpDevice
from simulator.pump.settings import ACTIONS, RefillParams
from tests.pump.helpers import DAY, make_sim, morphine_settings

PUMP_DIR = Path(pump_pkg.__file__).parent
COMPONENTS = ("therapy", "flow", "dead_volume", "boluses", "presses", "priming", "refills", "faults", "mri", "battery", "alarms", "moments", "forecast")


def test_no_mixins_in_the_pump():
    assert PumpDevice.__mro__ == (PumpDevice, Device, object)
    several = []
    for path in sorted(PUMP_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and len(node.bases) > 1:
                several.append(f"{path.name}:{node.lineno} {node.name}")
    assert several == []


def test_the_pump_owns_its_named_components():
    pump = make_sim(morphine_settings(), duration="1d").devices["pump"]
    assert tuple(pump.components()) == COMPONENTS
    # each component is its own object (no component is the device itself)
    assert all(c is not pump for c in pump.components().values())
    assert pump.battery is not None  # a peristaltic pump has one (a gas-driven one does not)


def _writes_of_other_components(source: str) -> list[str]:
    """Assignments whose target is an attribute of a component reached through the device:
    `dev.<component>.<attr> = ...` or `self.dev.<component>.<attr> += ...`."""
    out = []
    for node in ast.walk(ast.parse(source)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                node_ = t
                while isinstance(node_, (ast.Attribute, ast.Subscript)):
                    inner = node_.value
                    if isinstance(inner, ast.Attribute) and inner.attr in COMPONENTS:
                        owner = inner.value
                        if (isinstance(owner, ast.Name) and owner.id in ("dev", "device", "pump")) or \
                                (isinstance(owner, ast.Attribute) and owner.attr == "dev"):
                            out.append(f"{t.lineno}: {ast.unparse(t)}")
                            break
                    node_ = inner
    return out


def test_components_write_only_their_own_state():
    found = []
    for path in sorted(PUMP_DIR.glob("*.py")):
        found += [f"{path.name}:{w}" for w in _writes_of_other_components(path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize("source", ["dev.flow.v_calc = 0.0", "self.dev.dead_volume.ledger.filled_ml += 1.0",
                                    "self.dev.flow.reservoir.volume_ml, x = 1.0, 2", "dev.therapy.drug_units['x'] = 'mg'"])
def test_the_write_rule_catches_writes_into_another_component(source):
    assert _writes_of_other_components(source)


@pytest.mark.parametrize("source", ["self.v_calc = 0.0", "self.reservoir.volume_ml = 0.0", "x = dev.flow.v_calc", "dev.flow.fill('m', 1.0, 2.0, 2.0)"])
def test_the_write_rule_allows_own_state_reads_and_calls(source):
    assert not _writes_of_other_components(source)


def test_action_table_is_settings_actions_and_the_only_dispatch():
    assert {name: spec.params for name, spec in PumpDevice.ACTION_TABLE.items()} == ACTIONS
    assert PumpDevice.ACTIONS == ACTIONS
    # no dispatch by name is left: no _check_<action> / _do_<action> methods, no own apply/check
    names = [n for n, _ in inspect.getmembers(PumpDevice)]
    assert [n for n in names if n.startswith(("_check_", "_do_", "_due_"))] == []
    assert "apply" not in PumpDevice.__dict__ and "check" not in PumpDevice.__dict__


def test_an_unknown_action_lists_the_table():
    pump = make_sim(morphine_settings(), duration="1d").devices["pump"]
    with pytest.raises(InputError) as info:
        pump.apply("explode", RefillParams(fill_ml=1))
    assert all(name in str(info.value) for name in ACTIONS)


def test_check_rebases_to_now_and_a_refusal_changes_nothing():
    # 2 mg/day at 10 mg/mL = 0.2 mL/day: after 1 day the reservoir holds 20 - 0.2 = 19.8 mL
    sim = make_sim(morphine_settings(), duration="3d")
    sim.run(until=DAY)
    pump = sim.devices["pump"]
    # aspirating 19.85 mL is more than the 19.8 mL left (refused only if the check sees the state now)
    findings = pump.check("refill", RefillParams(fill_ml=10, aspirated_ml=19.85))
    assert [f.limit for f in findings if f.level == "refuse"] == ["aspirated_ml"]
    assert pump.reservoir_ml_at(DAY) == pytest.approx(19.8, abs=1e-9)
    before = pump.snapshot()
    with pytest.raises(ActionRefused):
        pump.apply("refill", RefillParams(fill_ml=10, aspirated_ml=19.85))
    after = pump.snapshot()
    assert after.reservoir_ml == before.reservoir_ml and after.expected_reservoir_ml == before.expected_reservoir_ml
    # 19.75 mL can be drawn: 0.05 mL stays, + 10 mL filled = 10.05 mL
    pump.apply("refill", RefillParams(fill_ml=10, aspirated_ml=19.75))
    assert pump.reservoir_ml_at(DAY) == pytest.approx(10.05, abs=1e-9)
