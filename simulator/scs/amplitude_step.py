"""The fused amplitude step (issue 14, twelfth pass).

`StimulatorDevice.apply` hands `amplitude_up` and `amplitude_down` to `step_amplitude`, which runs
`Device.apply`'s pipeline for them in the same order with the same arguments - prepare, check,
refuse or report, effect, finish - with the table's check (`checks.check_amplitude_up/down`) and
effect (`actions.apply_amplitude_up/down`) written out: the program is resolved and its new
amplitude worked out once for the check and the effect, instead of once in each.

Validity: the stimulator's `prepare_action` is `Device`'s (it does nothing), its `begin_apply`
for an amplitude step only rebases (the action keeps the output: token `NO_STOP`), and nothing
between the check and the effect changes the stored program (the rebase moves the cell, the soft
stops and the closed loop, not the program memory). `StimulatorDevice.fused_step = False` gives
the plain path (tests/scs/test_amplitude_step.py compares the two over whole runs).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.errors import ActionRefused
from simulator.scs.actions import _set_amplitude
from simulator.scs.checks import step_findings
from simulator.scs.soft_stop import NO_STOP

if TYPE_CHECKING:
    from simulator.scs.device import StimulatorDevice
    from simulator.scs.settings import AmplitudeStep

#: the actions `step_amplitude` applies (a step of the patient's remote)
STEP_ACTIONS = frozenset({"amplitude_up", "amplitude_down"})


def step_amplitude(dev: StimulatorDevice, action: str, params: AmplitudeStep) -> dict[str, Any] | None:
    """`Device.apply(dev, action, params)` for `action` in STEP_ACTIONS: the program's amplitude up
    or down by `params.steps` profile steps (mA); ActionRefused on a refusal (no such program, the
    patient's range, the maximum tolerable amplitude, the program's check). Returns the payload."""
    up = action == "amplitude_up"
    bank = dev.programs
    name = bank.resolve(params.program)  # (the check's first step: a missing program is refused here)
    p = bank.stored[name]
    step = dev.profile.amplitude_ma.step * params.steps
    new = round(p.amplitude_ma + (step if up else -step), 6)  # the check's amplitude; the effect's is the same float
    findings = step_findings(dev, name, p, new, up)
    if findings:
        refusals = [f for f in findings if f.level == "refuse"]
        if refusals:
            dev.on_refused(action, refusals)
            first = refusals[0]
            raise ActionRefused(first.message, limit=first.limit, value=first.value, allowed=first.allowed, findings=[f.as_dict() for f in refusals])
    dev._rebase()  # begin_apply (an amplitude step keeps the output: its token is NO_STOP)
    for f in findings:  # report_findings
        dev.safety.report(f, action)
    payload = _set_amplitude(dev, name, new if up else max(0.0, new), "patient")  # apply_amplitude_up / apply_amplitude_down
    return dev.finish_apply(action, params, findings, payload, NO_STOP)
