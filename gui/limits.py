"""Limits of editable numbers, read from where the core defines them.

`field_range(model, name)` reads a pydantic field's constraints (ge/gt/le/lt);
`range_step(spec)` reads a stimulator profile's RangeStep. Spin boxes are configured from these,
so the app never carries its own copy of a limit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    minimum: float
    maximum: float
    step: float | None = None
    min_exclusive: bool = False

    def text(self, unit: str) -> str:
        lo = f"> {self.minimum:g}" if self.min_exclusive else f"{self.minimum:g}"
        step = f" in {self.step:g} {unit} steps" if self.step else ""
        return f"{lo} to {self.maximum:g} {unit}{step}"


def field_range(model, name: str) -> Limits:
    """Bounds of a numeric field of a pydantic model (inf where unbounded)."""
    info = model.model_fields[name]
    lo, hi, excl = -math.inf, math.inf, False
    for m in info.metadata:
        if getattr(m, "ge", None) is not None:
            lo = float(m.ge)
        if getattr(m, "gt", None) is not None:
            lo, excl = float(m.gt), True
        if getattr(m, "le", None) is not None:
            hi = float(m.le)
        if getattr(m, "lt", None) is not None:
            hi = float(m.lt)
    return Limits(lo, hi, None, excl)


def range_step(spec) -> Limits:
    """A profile RangeStep (min, max, step)."""
    return Limits(float(spec.min), float(spec.max), float(spec.step))


def decimals_for(step: float | None, default: int = 3) -> int:
    if not step:
        return default
    return max(0, min(6, int(math.ceil(-math.log10(step) - 1e-9)) if step < 1 else 0))


def spin(limits: Limits, unit: str, what: str, value: float | None = None, decimals: int | None = None):
    """A number field bounded by `limits` with the unit beside it and the range in its tooltip.

    An entry outside the range, or not a number, is shown red with the allowed range and is not
    sent (gui.number_field.NumberField); it is never clamped or dropped."""
    from gui.number_field import NumberField

    d = decimals if decimals is not None else decimals_for(limits.step)
    return NumberField(limits, unit, what, value=value, decimals=d)
