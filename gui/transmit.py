"""The deliberate programming path shared by every programmer: validate, check, transmit.

1. The pending parameters are validated against the action's model (InputError -> a message
   naming the field; nothing is sent).
2. `device.check(action, params)` gives the device's findings; a `refuse` blocks with the limit
   named, `warn` findings are shown and the user may accept them. Accepting them is a
   confirmation: when the action takes a `confirm` list (drug-library limits of the pump), the
   accepted warnings' limit codes are sent with it, so the device records an override event.
3. In a programming session (the main window sets `runner.session`), a setting change is then
   reviewed: every changed setting old -> new with units and the findings (gui/review_dialog.py);
   nothing is sent unless the user confirms.
4. `runner.apply_action` applies the action to the simulation; a refusal by the device is shown.
   The session logs every transmit (what, when, the changes) with what would undo it.
"""
from __future__ import annotations

from typing import Any

from gui import dialogs
from gui.number_field import invalid_fields, invalid_text
from simulator.device import Finding
from simulator.engine import ActionResult
from simulator.errors import InputError, validate_model
from simulator.training.attempt import note_refused_locally


def check_findings(sim, device_id: str, action: str, params: dict[str, Any]) -> list[Finding]:
    """Validate `params` and run the device's pre-transmit check; InputError on bad params."""
    device = sim.devices[device_id]
    model = type(device).action_models()[action]
    parsed = validate_model(model, params)
    return list(device.check(action, parsed))


def with_confirmations(sim, device_id: str, action: str, params: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """`params` plus `confirm`: the limit codes of the warnings the user accepted (only for
    actions that take a confirmation)."""
    model = type(sim.devices[device_id]).action_models()[action]
    codes = sorted({f.limit for f in findings if f.level == "warn" and f.limit})
    if not codes or "confirm" not in model.model_fields:
        return params
    return {**params, "confirm": sorted(set(params.get("confirm") or ()) | set(codes))}


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _numbers(v)]
    return []


def _red_fields_sent(parent, params: dict[str, Any]) -> list:
    """The invalid number fields of the form whose entry these params carry (an action without
    numbers, or a red field of another form on the same panel, does not block)."""
    if parent is None:
        return []
    sent = _numbers(params)
    return [f for f in invalid_fields(parent) if f.value() in sent]


def _note_if_refused(sim, device_id: str, action: str, params: dict[str, Any]) -> None:
    """A form blocked by a red field: when what it holds is refused by the action's model or by the
    device (a dose whose flow is past the pump's maximum), a training attempt records that refusal."""
    try:
        refusals = [f.message for f in check_findings(sim, device_id, action, params) if f.level == "refuse"]
    except InputError as exc:
        refusals = [str(i) for i in exc.issues]
    if refusals:
        note_refused_locally(sim, device_id, action, params, "; ".join(refusals))


def transmit(parent, runner, device_id: str, action: str, params: dict[str, Any], title: str, undo_of: int | None = None) -> ActionResult | None:
    """Check, review (in a session), then apply; returns the result, or None when nothing was sent."""
    from gui import review_dialog
    from gui.session import SETTING_ACTIONS, changes_for, undo_steps_for

    bad = _red_fields_sent(parent, params)
    if bad:  # fields marked red are never sent, nor silently corrected
        if all(f.is_number() for f in bad):  # the params hold what was typed
            _note_if_refused(runner.sim, device_id, action, params)
        dialogs.inform(parent, f"{title}: fix the fields marked red", "These entries are not valid, so nothing was sent:\n" + invalid_text(bad))
        return None
    try:
        findings = check_findings(runner.sim, device_id, action, params)
    except InputError as exc:  # refused here (an entry the action's model rejects): a training attempt records it
        note_refused_locally(runner.sim, device_id, action, params, "; ".join(str(i) for i in exc.issues))
        dialogs.show_input_error(parent, f"{title}: invalid entry", exc)
        return None
    refusals = [f.message for f in findings if f.level == "refuse"]
    if refusals:  # refused here, before sending: a training attempt still records it (with why)
        note_refused_locally(runner.sim, device_id, action, params, "; ".join(refusals))
    if not dialogs.confirm_findings(parent, findings):
        return None
    session = getattr(runner, "session", None)
    changes, undo = [], None
    if session is not None:
        try:
            changes = changes_for(runner.sim, device_id, action, params)
            undo = undo_steps_for(runner.sim, device_id, action, params)
        except InputError as exc:
            dialogs.show_input_error(parent, f"{title}: invalid entry", exc)
            return None
        if action in SETTING_ACTIONS:
            note = f"undo of transmit #{undo_of}" if undo_of is not None else ""
            if not review_dialog.confirm_review(parent, title, device_id, action, changes, findings, note):
                return None
    params = with_confirmations(runner.sim, device_id, action, params, findings)
    try:
        result = runner.apply_action(device_id, action, params)
    except InputError as exc:
        dialogs.show_input_error(parent, f"{title}: invalid entry", exc)
        return None
    if session is not None:
        session.record(device_id, action, params, changes, findings, result, undo, undo_of)
    if not result:
        dialogs.inform(parent, f"{title}: refused by the device", result.reason)
    return result


def undo_last(parent, runner) -> bool:
    """Undo the session's last transmit: send what restores the settings before it, as new
    transmits (reviewed and logged as an undo). False when there is nothing to undo."""
    session = getattr(runner, "session", None)
    entry = session.last_undoable() if session is not None else None
    if entry is None:
        dialogs.inform(parent, "Undo", "Nothing to undo: the last transmit changed no setting, was undone already, or cannot be undone.")
        return False
    ok = True
    for action, params in entry.undo or []:
        ok = bool(transmit(parent, runner, entry.device_id, action, params, f"Undo #{entry.number}", undo_of=entry.number)) and ok
        if not ok:
            break
    return ok
