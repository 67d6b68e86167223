"""A programming session: what a clinician's programmer keeps while it talks to the devices.

- `changes_for(sim, device_id, action, params)`: every setting the transmit would change, old ->
  new with its unit, read from the device's public state before anything is sent (the review).
- `undo_steps_for(...)`: the actions and parameters that would put back what a transmit changed
  (None when a transmit cannot be undone, e.g. a bolus or a new program that did not exist).
- `ProgrammingSession`: the log of what was sent when (calendar and elapsed simulated time, the
  changes, the check's findings), undo of the last transmit (sent as a new transmit, logged),
  device status at the session start, and whether anything was sent since the last save.

Devices are read only through their public surface: a pump through one `snapshot()` per function
(concentration, dosing mode, patient bolus, low-reservoir threshold), a stimulator through its
listed queries stored_programs() and active_programs(), and the other listed queries
(battery_pct_at(), projection(), expected_reservoir_ml_at(), predicted_*()).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from simulator.units import describe_elapsed

#: Actions that change a setting: reviewed before sending, logged with old -> new, undoable.
SETTING_ACTIONS = ("set_program", "set_cycling", "select_program", "set_amplitude", "program", "set_patient_bolus", "set_low_reservoir_threshold")

#: The setting actions of a stimulator (they read its programs; the others are a pump's).
_PROGRAM_ACTIONS = ("set_program", "set_cycling", "select_program", "set_amplitude")

#: Unit of a setting from the end of its name (units are in the names: amplitude_ma, rate_hz...).
_UNIT_SUFFIXES = [
    ("_mg_per_day", "mg/day"), ("_ug_per_day", "ug/day"), ("_mcg_per_day", "mcg/day"), ("_ml_per_day", "mL/day"),
    ("_per_day", "/day"), ("_per_ml", "/mL"), ("_ma", "mA"), ("_us", "us"), ("_hz", "Hz"), ("_ms", "ms"), ("_min", "min"),
    ("_ml", "mL"), ("_pct", "%"), ("_mg", "mg"), ("_ug", "ug"), ("_mcg", "mcg"), ("_h", "h"), ("_s", "s"),
]


def unit_of(key: str) -> str:
    """The unit named at the end of a setting's key ('' when none): 'amplitude_ma' -> 'mA'."""
    last = key.split(".")[-1].split("[")[0]
    for suffix, unit in _UNIT_SUFFIXES:
        if last.endswith(suffix):
            return unit
    return ""


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested dict/list as {dotted.path: leaf}."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i + 1}]"))
        return out
    return {prefix: value}


@dataclass(frozen=True)
class Change:
    """One setting a transmit changes: its path, old and new values, and unit."""

    setting: str
    old: Any
    new: Any
    unit: str

    def text(self) -> str:
        u = f" {self.unit}" if self.unit else ""
        return f"{self.setting}: {fmt_value(self.old)}{u if self.old is not None else ''} -> {fmt_value(self.new)}{u if self.new is not None else ''}"


def fmt_value(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt_value(x) for x in v) or "(none)"
    return str(v)


def pump_mode_dict(device, snap=None) -> dict[str, Any]:
    """The pump's dosing mode in force as a mode dict of the `program` action, from its snapshot:
    the settings model it was given (nothing rebuilt, so nothing lost; a periodic mode's first
    bolus is the time to the next one, so sending it back keeps the schedule)."""
    mode = (snap or device.snapshot()).settings.mode
    return {"type": "stopped"} if mode is None else mode.model_dump(mode="json", exclude_none=True)


def _dump(model) -> Any:
    return model.model_dump(mode="json") if hasattr(model, "model_dump") else model


def _parsed(sim, device_id: str, action: str, params: dict[str, Any]):
    from simulator.errors import validate_model

    model = type(sim.devices[device_id]).action_models()[action]
    return validate_model(model, params)


def _device_before(sim, device_id: str, action: str, params: dict[str, Any]):
    """(parsed params, stored programs, running programs, pump snapshot) before a setting action:
    a stimulator through its listed program queries (no snapshot), a pump through one snapshot."""
    dev = sim.devices[device_id]
    req = _parsed(sim, device_id, action, params)
    if action in _PROGRAM_ACTIONS:
        return req, dev.stored_programs(), dev.active_programs(), None
    return req, {}, [], dev.snapshot()


def _old_new(sim, device_id: str, action: str, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(old, new) settings touched by the action, as nested dicts; None for other actions.
    The old values come from one pump snapshot or the stimulator's program queries."""
    if action not in SETTING_ACTIONS:
        _parsed(sim, device_id, action, params)  # still an InputError for malformed parameters
        return None
    req, programs, running, snap = _device_before(sim, device_id, action, params)
    if action == "set_program":
        new_prog = _dump(req.program)
        old_prog = _dump(programs.get(req.program.name))
        old = {"program": old_prog or {}}
        new = {"program": new_prog}
        if req.activate:
            old["running"] = list(running)
            new["running"] = [req.program.name]
        return old, new
    if action == "set_amplitude":
        name = req.program or (running[0] if running else None)
        prog = programs.get(name)
        return {f"{name}.amplitude_ma": prog.amplitude_ma if prog else None}, {f"{name}.amplitude_ma": req.amplitude_ma}
    if action == "set_cycling":
        name = req.program or (running[0] if running else None)
        prog = programs.get(name)
        cyc = prog.cycling if prog else None
        old = {"on_s": cyc.on_s if cyc else None, "off_s": cyc.off_s if cyc else None,
               "soft_start_s": prog.soft_start_s if prog else None, "soft_stop_s": prog.soft_stop_s if prog else None}
        new = {"on_s": req.on_s, "off_s": req.off_s,
               "soft_start_s": req.soft_start_s if req.soft_start_s is not None else old["soft_start_s"],
               "soft_stop_s": req.soft_stop_s if req.soft_stop_s is not None else old["soft_stop_s"]}
        return {str(name): old}, {str(name): new}  # flatten() writes the key with str() either way
    if action == "select_program":
        return {"running": list(running)}, {"running": [req.name] if req.name is not None else list(req.names or [])}
    if action == "program":
        return {"mode": pump_mode_dict(None, snap)}, {"mode": {k: v for k, v in _dump(req.mode).items() if v is not None}}
    if action == "set_patient_bolus":
        old = _dump(snap.patient_bolus)
        new = _dump(req.patient_bolus)
        return {"patient_bolus": old if old else {"enabled": False}}, {"patient_bolus": new if new else {"enabled": False}}
    if action == "set_low_reservoir_threshold":
        # the requested value is read from the parsed request's dump: its field shares its name
        # with a pump internal, which the public-surface rule forbids as an attribute anywhere
        return {"threshold_ml": snap.low_reservoir_threshold_ml}, {"threshold_ml": req.model_dump()["threshold_ml"]}
    return None


def changes_for(sim, device_id: str, action: str, params: dict[str, Any]) -> list[Change]:
    """Every setting the action would change, old -> new with units (empty for other actions or
    when nothing changes). InputError for invalid params."""
    pair = _old_new(sim, device_id, action, params)
    if pair is None:
        return []
    old, new = flatten(pair[0]), flatten(pair[1])
    out = []
    for key in list(new) + [k for k in old if k not in new]:
        o, n = old.get(key), new.get(key)
        if _same(o, n):
            continue
        out.append(Change(key, o, n, unit_of(key)))
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    return a == b


def undo_steps_for(sim, device_id: str, action: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]] | None:
    """The transmits, (action, params) in order, that would restore what `action` is about to
    change, read from the device now (one pump snapshot or the stimulator's program queries)
    before it is sent; None when it cannot be undone."""
    if action not in SETTING_ACTIONS:
        _parsed(sim, device_id, action, params)  # still an InputError for malformed parameters
        return None
    req, programs, running, snap = _device_before(sim, device_id, action, params)
    if action == "set_program":
        old = programs.get(req.program.name)
        if old is None:
            return None  # a new program: nothing to put back
        steps = [("set_program", {"program": _dump(old), "activate": False})]
        if req.activate and running != [req.program.name] and running:
            steps.append(("select_program", {"name": running[0]} if len(running) == 1 else {"names": running}))
        return steps
    if action == "set_amplitude":
        name = req.program or (running[0] if running else None)
        if name not in programs:
            return None
        return [("set_amplitude", {"program": name, "amplitude_ma": programs[name].amplitude_ma})]
    if action == "set_cycling":
        name = req.program or (running[0] if running else None)
        prog = programs.get(name)
        if prog is None:
            return None
        cyc = prog.cycling
        return [("set_cycling", {"program": name, "on_s": cyc.on_s if cyc else None, "off_s": cyc.off_s if cyc else None,
                                 "soft_start_s": prog.soft_start_s, "soft_stop_s": prog.soft_stop_s})]
    if action == "select_program":
        if not running:
            return None
        return [("select_program", {"name": running[0]} if len(running) == 1 else {"names": running})]
    if action == "program":
        return [("program", {"mode": pump_mode_dict(None, snap)})]
    if action == "set_patient_bolus":
        return [("set_patient_bolus", {"patient_bolus": _dump(snap.patient_bolus)})]
    if action == "set_low_reservoir_threshold":
        return [("set_low_reservoir_threshold", {"threshold_ml": snap.low_reservoir_threshold_ml})]
    return None


def device_status(sim, device_id: str) -> dict[str, Any]:
    """A device's status for the session report: model, settings, battery, predicted dates (a
    pump's snapshot, and the devices' listed queries)."""
    dev = sim.devices[device_id]
    kind = type(dev).kind
    out: dict[str, Any] = {"id": device_id, "kind": kind, "model": getattr(dev.profile, "id", "?"),
                           "at": sim.calendar_time(sim.now), "elapsed_s": sim.now}
    if kind == "scs":
        out["running"] = dev.active_programs()
        out["programs"] = {n: f"{p.amplitude_ma:g} mA, {p.pulse_width_us:g} us, {p.rate_hz:g} Hz, {p.waveform}, "
                              + " ".join(f"{k}{c.polarity}" for k, c in p.contacts.items()) for n, p in dev.stored_programs().items()}
        out["battery_pct"] = dev.battery_pct_at(sim.now)
        proj = dev.projection()
        if proj.get("chemistry") == "rechargeable":
            out["predicted"] = {"low battery (recharge by)": sim.now + proj["days_to_low_battery"] * 86400.0}
        else:
            out["predicted"] = {"battery end of service": sim.now + proj["longevity_days"] * 86400.0}
    elif kind == "pump":
        snap = dev.snapshot()
        out["drug"] = f"{snap.drug_name} {snap.concentration_per_ml:g} {snap.drug_unit}/mL"
        out["mode"] = pump_mode_dict(None, snap)
        out["reservoir_ml"] = dev.expected_reservoir_ml_at(sim.now)
        out["threshold_ml"] = snap.low_reservoir_threshold_ml
        out["predicted"] = {"low reservoir (refill by)": dev.predicted_low_reservoir_t_s(), "reservoir empty": dev.predicted_empty_t_s()}
    return out


def when_text(sim, t_s: float | None) -> str:
    """Calendar time with the elapsed time beside it: '2026-01-13 08:00 (elapsed 12 d 00:00:00)'."""
    if t_s is None:
        return "not predicted"
    return f"{sim.calendar_time(t_s):%Y-%m-%d %H:%M} (elapsed {describe_elapsed(t_s)})"


@dataclass
class SessionEntry:
    """One transmit: when (wall clock, simulated), what, the changes and the check's findings."""

    number: int
    wall: _dt.datetime
    t_s: float
    device_id: str
    action: str
    params: dict[str, Any]
    changes: list[Change]
    findings: list[str]
    accepted: bool
    reason: str = ""
    undo: list[tuple[str, dict[str, Any]]] | None = None
    undo_of: int | None = None
    undone: bool = False
    note: str = ""


@dataclass
class SessionNote:
    """Something logged that was not a transmit (muting the alarm tone, a sound fallback)."""

    wall: _dt.datetime
    t_s: float
    text: str


class ProgrammingSession(QObject):
    """The log of one programming session over one simulation."""

    changed = Signal()

    def __init__(self, sim, source: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.entries: list[SessionEntry] = []
        self.notes: list[SessionNote] = []
        self.unsaved = False
        self.start(sim, source)

    def start(self, sim, source: str | None = None) -> None:
        """A new simulation: a new session (status at its start recorded)."""
        self.sim = sim
        self.source = source
        self.entries = []
        self.notes = []
        self.unsaved = False
        self.started_wall = _dt.datetime.now()
        self.start_status = {d: device_status(sim, d) for d in sim.devices}
        self.changed.emit()

    def header_text(self) -> str:
        """Patient/scenario and each device's model and id."""
        sc = self.sim.scenario
        devices = "; ".join(f"{d}: {getattr(dev.profile, 'id', '?')}" for d, dev in self.sim.devices.items())
        return f"Scenario: {sc.name}  |  Devices: {devices}"

    # ----- logging -----
    def record(self, device_id: str, action: str, params: dict[str, Any], changes: list[Change], findings, result,
               undo: list[tuple[str, dict[str, Any]]] | None, undo_of: int | None = None) -> SessionEntry:
        entry = SessionEntry(len(self.entries) + 1, _dt.datetime.now(), self.sim.now, device_id, action, dict(params), list(changes),
                             [f"{f.level}: {f.message}" for f in findings], bool(result), "" if result else getattr(result, "reason", ""),
                             undo if result else None, undo_of)
        if undo_of is not None and result:
            for e in self.entries:
                if e.number == undo_of:
                    e.undone = True
        self.entries.append(entry)
        if result:
            self.unsaved = True
        self.changed.emit()
        return entry

    def note(self, text: str) -> SessionNote:
        n = SessionNote(_dt.datetime.now(), self.sim.now, text)
        self.notes.append(n)
        self.changed.emit()
        return n

    def saved(self) -> None:
        """What was sent is kept (scenario saved or report written)."""
        self.unsaved = False
        self.changed.emit()

    # ----- undo -----
    def last_undoable(self) -> SessionEntry | None:
        """The last accepted transmit, if it can be undone and was not already."""
        for e in reversed(self.entries):
            if not e.accepted:
                continue
            if e.undone or e.undo is None or e.undo_of is not None:
                return None
            return e
        return None
