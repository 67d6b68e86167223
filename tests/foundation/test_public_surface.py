"""The app (`gui/`) and training (`simulator/training/`) read devices only through their public surface:
`snapshot()`, the documented queries (`PUBLIC_QUERIES`), the action API, `profile` and `id`.

The receiver of an attribute is hard to type statically, so the rule is practical (ast, no import):
1. on an expression that names a device (a variable `dev`, `device`, `pump`, `stim`, `stimulator` or
   `ipg`, an attribute `.device`, or `sim.devices[...]`), every attribute read must be public;
2. no `_private` attribute is read on anything but `self`/`cls`, except the few listed below, which
   belong to our own non-device objects (and the test checks no device has them);
3. names of device internals (below) are never read on any object, nor through getattr/hasattr.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simulator.device import Device
from simulator.pump.device import PumpDevice
from simulator.scs.device import StimulatorDevice
from tests.pump.helpers import make_sim, morphine_settings
from tests.scs.helpers import sim_of

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [ROOT / "gui", ROOT / "simulator" / "training"]

DEVICE_NAMES = {"dev", "device", "pump", "stim", "stimulator", "ipg"}
ACTION_API = {"check", "apply_action", "action_models", "ACTIONS", "Settings", "kind"}
BASE_QUERIES = {"alarm_repeats_total", "alarm_repeats_unlogged"}
PUBLIC = {"snapshot", "profile", "id"} | ACTION_API | BASE_QUERIES | set(PumpDevice.PUBLIC_QUERIES) | set(StimulatorDevice.PUBLIC_QUERIES)

#: private attributes of our own non-device objects that the app sets and reads (pyqtgraph plot
#: items keep helpers alive and a linked plot group its follow-time flag; an Exercise keeps the
#: scenario and file it was loaded from)
NON_DEVICE_PRIVATE = {
    "_light_grid", "_time_follower", "_follow_time", "_scenario", "_file",
    # the app's own helpers kept on pyqtgraph plot items (gui/plot_common.py, event_markers.py,
    # series_plots.py), and pyqtgraph's LabelItem size hint: none of them is a device's
    "_title_legend", "_hover", "_markers", "_event_markers", "_key", "_follow_until", "_sizeHint",
}

#: device internals that must be read through the snapshot (or a query), whatever the receiver
INTERNALS = {
    # pump
    "conc_prog", "threshold_ml", "v_calc", "fifo", "ledger", "halts", "boluses", "clock_offset_s",
    "mode_model", "reservoir", "true_empty", "low_latched", "systematic_error_pct", "flow_factor",
    # pump components (simulator/pump/device.py): never read from outside the core
    "therapy", "dead_volume", "refills", "faults", "moments", "forecast", "presses", "components",
    # stimulator
    "areas", "stim_on", "suspended", "recharging", "last_check", "maxtol_bypass", "cough_until", "soft_stops",
    "compliance_state", "short_state",
}


def _names_device(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in DEVICE_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr == "device"
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Attribute) and node.value.attr == "devices"
    return False


def _is_snapshot(node: ast.AST) -> bool:
    """`x.snapshot()` or a variable named like a snapshot: its fields may share names with internals."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "snapshot"
    return isinstance(node, ast.Name) and node.id.startswith("snap")


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def violations_in(source: str, where: str) -> list[str]:
    """Every read of a device internal in `source` (a Python module), as 'where:line: text'."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            name, recv = node.attr, node.value
            bad = None
            if _names_device(recv) and name not in PUBLIC:
                bad = "not in the device's public surface"
            elif name.startswith("_") and not name.startswith("__") and not _is_self(recv) and name not in NON_DEVICE_PRIVATE:
                bad = "private attribute"
            elif name in INTERNALS and not _is_self(recv) and not _is_snapshot(recv):
                bad = "device internal"
            if bad:
                out.append(f"{where}:{node.lineno}: {ast.unparse(node)} ({bad})")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr") and len(node.args) >= 2:
            target, key = node.args[0], node.args[1]
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and not _is_self(target):
                name = key.value
                if (_names_device(target) and name not in PUBLIC) or name in INTERNALS or (name.startswith("_") and name not in NON_DEVICE_PRIVATE):
                    out.append(f"{where}:{node.lineno}: {ast.unparse(node)} (device internal through {node.func.id})")
    return out


def test_gui_and_training_read_devices_only_through_the_public_surface():
    found = []
    for root in SCANNED:
        for path in sorted(root.rglob("*.py")):
            found += violations_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "reads of device internals (use device.snapshot() or a PUBLIC_QUERIES method):\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    "dev.conc_prog",                       # a device variable, an internal
    "self.device.programs['a']",           # a device property, not public
    "sim.devices['pump'].threshold_ml",    # through the simulation's table
    "x._ohm()",                            # a private method on anything
    "getattr(device, 'alarms', None)",     # dynamic access
    "view.fifo",                           # an internal name, whatever the receiver
])
def test_the_rule_catches_internal_reads(source):
    assert violations_in(source, "t.py"), source


@pytest.mark.parametrize("source", [
    "dev.snapshot().reservoir_ml", "device.reservoir_ml_at(5.0)", "self.device.profile.name", "sim.devices['ipg'].render_waveform(0, 1, 10)",
    "snap.programs['a'].amplitude_ma", "self._private_widget", "dev.snapshot().dead_volume_ml", "snap.recharging", "device.check('program', p)",
])
def test_the_rule_allows_public_reads(source):
    assert not violations_in(source, "t.py"), source


def _has_internal(dev, name: str) -> bool:
    """`name` is an attribute of the device or of one of its components (`components()`, if it has them)."""
    parts = dev.components().values() if hasattr(type(dev), "components") else ()
    return hasattr(dev, name) or any(hasattr(c, name) for c in parts)


def test_public_queries_exist_and_allow_list_names_are_not_device_attributes():
    pump = make_sim(morphine_settings(), duration="1d").devices["pump"]
    stim = sim_of(duration="1d").devices["ipg"]
    for dev in (pump, stim):
        for name in type(dev).PUBLIC_QUERIES:
            assert hasattr(dev, name), (type(dev).__name__, name)
        for name in NON_DEVICE_PRIVATE:
            assert not hasattr(dev, name), name
    assert all(callable(getattr(Device, n)) for n in BASE_QUERIES)
    # each internal listed is really an attribute of one of the devices (the list does not rot),
    # and none of them is public
    # (an attribute of a device or of one of its components: the stimulator keeps its state in components)
    assert sorted(n for n in INTERNALS if not (_has_internal(pump, n) or _has_internal(stim, n))) == []
    assert not INTERNALS & PUBLIC
