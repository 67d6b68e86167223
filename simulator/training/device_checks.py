"""Checks that need a device model's own knowledge (charge density, lead levels, bridge boluses).

Each check is a function `(device, args, ctx) -> (passed, explanation, details)` registered by
name. A criterion `kind: device_check` names one; the exercise loader checks the name exists and
that the device is of the check's kind.
"""
from __future__ import annotations

from typing import Any
from collections.abc import Callable

CheckFn = Callable[[Any, dict, Any], tuple[bool, str, dict]]

#: name -> (device kind, function)
CHECKS: dict[str, tuple[str, CheckFn]] = {}
#: name -> the pydantic model of the check's `args` (validated when the exercise is loaded)
CHECK_ARGS: dict[str, type] = {}


def device_check(name: str, kind: str, args_model: type | None = None):
    """Register a check; `args_model` (a StrictModel) validates its `args` at exercise load, so a
    malformed argument is an input error naming the criterion, never a crash while grading."""

    def register(fn: CheckFn) -> CheckFn:
        CHECKS[name] = (kind, fn)
        if args_model is not None:
            CHECK_ARGS[name] = args_model
        return fn

    return register


_MODULES = ("simulator.training.pump_checks", "simulator.training.scs_checks", "simulator.training.patient_checks",
            "simulator.training.it_checks")


def all_checks() -> dict[str, tuple[str, CheckFn]]:
    """The registry, after importing the modules that register the pump and stimulator checks."""
    import importlib

    for name in _MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return CHECKS


def run_device_check(name: str, device: Any, args: dict, ctx: Any) -> tuple[bool, str, dict]:
    kind, fn = all_checks()[name]
    return fn(device, args, ctx)
