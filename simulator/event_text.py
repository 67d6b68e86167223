"""Event records as sentences a clinician reads: units, plain numbers, no raw data.

`describe(record) -> str` turns one event record (an `EventRecord`, a results event, or a mapping
with `kind` and `payload`) into one sentence, e.g.

    Refill: 18.0 mL of morphine 20 mg/mL; aspirated 3.5 mL, expected 5.0 mL (30 % discrepancy)

There is one small function per event kind (`_KINDS`); any other kind gets a readable generic
sentence from its payload (`generic`). Numbers never use scientific notation and nested data
is written as words, never as JSON. Reports, the app's event log and plot hover texts share it.
"""
from __future__ import annotations

import math
import re
from typing import Any
from collections.abc import Callable, Mapping

from simulator.event_kinds import K
from simulator.units import describe_elapsed

Payload = Mapping[str, Any]


# ----------------------------------------------------------------------------- numbers
def num(value: Any, sig: int = 4) -> str:
    """A number with about `sig` significant figures, in plain decimal notation (never 1e-05)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    x = float(value)
    if math.isnan(x):
        return "not a number"
    if math.isinf(x):
        return "unlimited" if x > 0 else "minus unlimited"
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    decimals = min(max(0, sig - 1 - mag), 9)
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fixed(value: Any, decimals: int = 1) -> str:
    """A number with a fixed count of decimals (volumes in mL: '18.0')."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        return num(value)
    return f"{float(value):.{decimals}f}"


def duration(seconds: Any) -> str:
    """A duration in the unit that reads best: '45 s', '30 min', '2.5 h', '1.85 d'."""
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        return str(seconds)
    s = float(seconds)
    if not math.isfinite(s):
        return "no end"
    if abs(s) < 60:
        return f"{num(s, 3)} s"
    if abs(s) < 3600:
        return f"{num(s / 60, 3)} min"
    if abs(s) < 2 * 86400:
        return f"{num(s / 3600, 3)} h"
    return f"{num(s / 86400, 3)} d"


def at(t_s: Any) -> str:
    """A simulated instant as elapsed time from the start ('12d 03:25:00')."""
    if not isinstance(t_s, (int, float)) or isinstance(t_s, bool) or not math.isfinite(float(t_s)):
        return str(t_s)
    return describe_elapsed(float(t_s))


def words(name: str) -> str:
    """An internal name in words ('low_reservoir' -> 'low reservoir', 'bolus.start' -> 'bolus start')."""
    return str(name).replace("_", " ").replace(".", " ").strip()


#: Unit suffixes of payload keys and how they read.
_SUFFIXES = [
    ("_mg_per_day", "mg/day"), ("_mcg_per_day", "mcg/day"), ("_ml_per_day", "mL/day"), ("_ml_per_h", "mL/h"),
    ("_mg_per_ml", "mg/mL"), ("_mcg_per_ml", "mcg/mL"), ("_uc_per_cm2", "uC/cm2"), ("_per_day", "a day"),
    ("_ml", "mL"), ("_mg", "mg"), ("_mcg", "mcg"), ("_pct", "%"), ("_ma", "mA"), ("_uv", "uV"), ("_us", "us"),
    ("_hz", "Hz"), ("_ohm", "ohm"), ("_uc", "uC"), ("_v", "V"), ("_mmhg", "mmHg"), ("_c", "C"), ("_h", "h"),
    ("_min", "min"), ("_m", "m"), ("_j", "J"),
]


def _key_and_unit(key: str) -> tuple[str, str]:
    for suffix, unit in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return words(key[: -len(suffix)]), unit
    return words(key), ""


def value_text(key: str, value: Any, unit_of_drug: str = "") -> str:
    """`key value unit` for the generic sentence; times and durations read as such, nested data as words."""
    if key.endswith("t_s") and isinstance(value, (int, float)) and not isinstance(value, bool):
        name = words(key[:-4]) or "time"
        return f"{name} at {at(value)}"
    if key.endswith("_s") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{words(key[:-2])} {duration(value)}"
    name, unit = _key_and_unit(key)
    if not unit and key in ("dose", "amount", "old_amount", "intended_amount", "error_amount") and unit_of_drug:
        unit = unit_of_drug
    return f"{name} {nested(value)}{(' ' + unit) if unit and not isinstance(value, (dict, list, tuple)) else ''}".strip()


def nested(value: Any, depth: int = 0) -> str:
    """Nested payload data in words: 'a, b, c' for lists, 'key value, ...' for mappings."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, (int, float)):
        return num(value)
    if isinstance(value, Mapping):
        if depth >= 2:
            return f"{len(value)} values"
        return ", ".join(value_text(str(k), v) if not isinstance(v, (Mapping, list, tuple)) else f"{words(str(k))}: {nested(v, depth + 1)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if not value:
            return "none"
        if depth >= 2 or len(value) > 12:
            return f"{len(value)} items"
        return "; ".join(nested(v, depth + 1) for v in value)
    return str(value)


# ----------------------------------------------------------------------------- record access
def _parts(record: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(record, Mapping):
        return str(record.get("kind", "")), dict(record.get("payload") or {})
    return str(getattr(record, "kind", "")), dict(getattr(record, "payload", None) or {})


def _unit(p: Payload) -> str:
    return str(p.get("unit") or "")


def _msg(p: Payload) -> str:
    m = p.get("message")
    return f": {m}" if m else ""


def _titled(title: str, p: Payload) -> str:
    """`Title: message`, without repeating the title when the message starts with it."""
    m = str(p.get("message") or "")
    if not m:
        return title
    if m.lower().startswith(title.lower()):
        return m[0].upper() + m[1:]
    return f"{title}: {m}"


# ----------------------------------------------------------------------------- kinds
def _sim_start(p):
    return f"Simulation started: {p.get('scenario', '')}, seed {p.get('seed')}, {duration(p.get('duration_s'))} from {p.get('start', '')}".replace("T", " ")


def _action(p):
    params = p.get("params") or {}
    shown = {k: v for k, v in params.items() if v is not None}
    return f"Action {words(p.get('action', ''))}" + (f": {nested(shown)}" if shown else "")


def _refusal(p):
    return f"Refused {words(p.get('action', ''))}: {p.get('reason', '')}"


def _override(p):
    return f"Warning overridden by the clinician ({words(p.get('action', ''))}): {p.get('message', '')}"


def _warning(p):
    return f"Warning: {p.get('message', '')}"


def _alarm_raised(p):
    return f"Alarm raised ({words(p.get('severity', ''))}): {p.get('message') or words(p.get('alarm', ''))}"


def _alarm_ack(p):
    after = p.get("after_s")
    return f"Alarm acknowledged: {p.get('message') or words(p.get('alarm', ''))}" + (f", {duration(after)} after it was raised" if after is not None else "")


def _alarm_cleared(p):
    reason = p.get("reason")
    return f"Alarm cleared: {p.get('message') or words(p.get('alarm', ''))}" + (f" ({words(reason)})" if reason else "")


def _alarm_repeats(p):
    return (f"Alarm repeated {num(p.get('count', 0))} times, every {duration(p.get('interval_s'))} from {at(p.get('first_t_s'))}"
            f" to {at(p.get('last_t_s'))}: {p.get('message') or words(p.get('alarm', ''))}")


def _refill(p):
    u = _unit(p)
    conc = p.get("concentration_per_ml")
    text = f"Refill: {fixed(p.get('fill_ml'))} mL of {p.get('drug', 'drug')} {num(conc)} {u}/mL"
    asp, exp = p.get("aspirated_ml"), p.get("expected_residual_ml")
    if isinstance(asp, (int, float)) and isinstance(exp, (int, float)):
        text += f"; aspirated {fixed(asp)} mL, expected {fixed(exp)} mL"
        if exp > 0:
            text += f" ({num(abs(asp - exp) / exp * 100, 2)} % discrepancy)"
    if isinstance(p.get("reservoir_ml"), (int, float)):
        text += f"; reservoir now {fixed(p['reservoir_ml'])} mL"
    return text


def _discrepancy(p):
    return _titled("Refill discrepancy", p)


def _dose_error(p):
    if p.get("bridged"):
        return f"Concentration change bridged{_msg(p)}"
    return f"Dose error at a concentration change{_msg(p)}"


def _bolus_start(p):
    u = _unit(p)
    kind = words(p.get("bolus", ""))
    text = f"{kind.capitalize()} bolus started: {num(p.get('dose'))} {u} in {num(p.get('volume_ml'))} mL over {duration(p.get('duration_s'))}".replace("  ", " ")
    if isinstance(p.get("rate_ml_per_day"), (int, float)):
        text += f" at {num(p['rate_ml_per_day'])} mL/day"
    if isinstance(p.get("old_concentration_per_ml"), (int, float)):
        text += f" (old drug at {num(p['old_concentration_per_ml'])} {u}/mL)"
    return text


def _bolus_end(p):
    dose = f"{num(p.get('dose'))} {_unit(p)}" if _unit(p) else f"{num(p.get('dose'))} in the drug's unit"
    return f"{words(p.get('bolus', '')).capitalize()} bolus ended: {num(p.get('volume_ml'))} mL over {duration(p.get('duration_s'))} (dose {dose})"


def _bolus_skipped(p):
    return f"{words(p.get('bolus', '')).capitalize()} bolus skipped ({words(p.get('reason', ''))})"


def _program_changed(p):
    u = _unit(p)
    text = f"Program: {words(p.get('mode', ''))}, {num(p.get('daily_dose'))} {u}/day = {num(p.get('rate_ml_per_day'))} mL/day"
    return text + (f" ({p['reason']})" if p.get("reason") else "")


def _flow(verb):
    def f(p):
        text = f"Flow {verb}" + (f": {p['reason']}" if p.get("reason") else "")
        if isinstance(p.get("rate_ml_per_day"), (int, float)):
            text += f"; now {num(p['rate_ml_per_day'])} mL/day"
        if isinstance(p.get("change_pct"), (int, float)):
            text += f" ({'+' if p['change_pct'] >= 0 else ''}{num(p['change_pct'], 3)} %)"
        return text
    return f


def _reservoir_empty(p):
    return _titled("Reservoir empty", p)


def _tip_change(p):
    return f"New drug reaches the catheter tip: {p.get('drug', '')} {num(p.get('concentration_per_ml'))} {_unit(p)}/mL"


def _pocket_fill(p):
    return _titled("Pocket fill", p)


def _recharge_start(p):
    return f"Recharge started at {num(p.get('battery_pct'), 3)} %"


def _recharge_end(p):
    return f"Recharge ended after {num(p.get('hours'), 3)} h: battery {num(p.get('from_pct'), 3)} % to {num(p.get('to_pct'), 3)} %"


def _battery(name):
    def f(p):
        text = f"{name}: battery {num(p.get('battery_pct'), 3)} %"
        if isinstance(p.get("threshold_pct"), (int, float)):
            text += f" (threshold {num(p['threshold_pct'], 3)} %)"
        return text + (f" ({p['reason']})" if p.get("reason") else "")
    return f


def _posture(p):
    return f"Posture: {words(p.get('posture', ''))} (was {words(p.get('previous', ''))})"


def _ecap(p):
    return (f"Closed loop, {words(p.get('posture', ''))}{' while coughing' if p.get('cough') else ''}: ECAP {num(p.get('ecap_closed_uv'), 3)} uV "
            f"(open loop would give {num(p.get('ecap_open_uv'), 3)} uV); settles at {num(p.get('settled_ecap_closed_uv'), 3)} uV with {num(p.get('settled_amplitude_ma'), 3)} mA")


def _cough_start(p):
    return f"Cough ({duration(p.get('duration_s'))})"


def _impedance_fault(p):
    return f"Impedance fault on {p.get('contact', '')}: {words(p.get('fault', ''))}, {num(p.get('ohm'))} ohm"


def _impedance_check(p):
    table = p.get("table") or []
    bad = [f"{r.get('contact')} {num(r.get('ohm'))} ohm ({words(r.get('flag') or 'out of range')})" for r in table if isinstance(r, Mapping) and not r.get("ok", True)]
    text = f"Impedance check of {len(table)} contacts"
    return text + (f": {len(bad)} out of range: {', '.join(bad)}" if bad else ": all within range")


def _compliance(p):
    return (f"Out of compliance ({p.get('program', '')}): {num(p.get('requested_ma'), 3)} mA needs {num(p.get('required_v'), 4)} V, "
            f"the supply gives {num(p.get('rail_v'), 3)} V, so {num(p.get('delivered_ma'), 3)} mA is delivered")


def _transmitted(p):
    text = f"Program {p.get('program', '')} transmitted, amplitude {num(p.get('amplitude_ma'), 3)} mA"
    if p.get("amplitude_reset"):
        text += " (contacts changed: amplitude reset to 0 mA)"
    return text


def _amplitude(p):
    return f"Amplitude of {p.get('program', '')}: {num(p.get('previous_ma'), 3)} to {num(p.get('amplitude_ma'), 3)} mA (by the {words(p.get('by', 'clinician'))})"


def _shannon(p):
    return f"Charge-density check (Shannon k){_msg(p)}"


def _stim_off(p):
    return "Stimulation off" + (f" ({words(p['reason'])})" if p.get("reason") else "")


def _stim_on(p):
    return f"Stimulation on: {', '.join(map(str, p.get('programs') or [])) or 'no program'}" + (f" ({words(p['reason'])})" if p.get("reason") else "")


def _closed_loop_set(p):
    return f"Closed loop {'on' if p.get('enabled') else 'off'}" + (f", target {num(p['target_uv'], 3)} uV" if isinstance(p.get("target_uv"), (int, float)) else "")


def _with_message(title):
    def f(p):
        return _titled(title, p) if p.get("message") else generic_payload(title, p)
    return f


def _subscriber_detached(p):
    return f"A view stopped receiving events after an error ({p.get('subscriber', '')})"


_KINDS: dict[str, Callable[[Payload], str]] = {
    K.SIM_START: _sim_start,
    K.SIM_END: lambda p: "Simulation ended",
    K.SUBSCRIBER_DETACHED: _subscriber_detached,
    K.ACTION: _action,
    K.REFUSAL: _refusal,
    K.OVERRIDE: _override,
    K.WARNING: _warning,
    K.ALARM_RAISED: _alarm_raised,
    K.ALARM_ACKNOWLEDGED: _alarm_ack,
    K.ALARM_CLEARED: _alarm_cleared,
    K.ALARM_REPEATS: _alarm_repeats,
    K.ALARM_REPEAT: lambda p: f"Alarm repeated: {p.get('message') or words(p.get('alarm', ''))}",
    K.REFILL_COMPLETED: _refill,
    K.REFILL_DISCREPANCY: _discrepancy,
    K.DOSE_ERROR_CONCENTRATION_CHANGE: _dose_error,
    K.BOLUS_START: _bolus_start,
    K.BOLUS_END: _bolus_end,
    K.BOLUS_SKIPPED: _bolus_skipped,
    K.BOLUS_LOCKOUT_ENDED: lambda p: f"Patient bolus lockout ended ({num(p.get('lockout_min'))} min)",
    K.PROGRAM_CHANGED: _program_changed,
    K.FLOW_STOPPED: _flow("stopped"),
    K.FLOW_RESUMED: _flow("resumed"),
    K.FLOW_CHANGED: _flow("changed"),
    K.RESERVOIR_EMPTY: _reservoir_empty,
    K.DEAD_VOLUME_TIP_CHANGE: _tip_change,
    K.DEAD_VOLUME_ADMIXTURE_TIP_CHANGE: lambda p: (f"Mixture's second drug at the catheter tip now: {p.get('drug')} {num(p.get('concentration_per_ml'))} {_unit(p)}/mL"
                                                   if p.get("drug") else "Mixture's second drug no longer at the catheter tip"),
    K.POCKET_FILL: _pocket_fill,
    K.PRIMING_MIXING: _with_message("Priming"),
    K.PATIENT_BOLUS_SETTINGS: lambda p: f"Patient bolus {'enabled' if p.get('enabled') else 'disabled'}",
    K.PATIENT_PRESSES_SETTINGS: lambda p: f"Patient presses {'on, ' + num(p.get('rate_per_day')) + ' a day' if p.get('enabled') else 'off'}",
    K.MRI_STARTED: _with_message("MRI started"),
    K.MRI_ENDED: _with_message("MRI ended"),
    K.MRI_RESUMED: _with_message("MRI over"),
    K.MRI_DISCHARGE: _with_message("MRI discharge"),
    K.MRI_MOTOR_RECOVERED: _with_message("MRI"),
    K.MRI_VALVE_RESET: _with_message("Valve reset"),
    K.MRI_ON: lambda p: "MRI mode on" + (f" (checked: {nested(p['checked'])})" if p.get("checked") else ""),
    K.MRI_OFF: lambda p: "MRI mode off",
    K.PUMP_INTERROGATED: lambda p: "Pump interrogated" + ("; telemetry ended" if "telemetry ended" in str(p.get("message", "")) else ""),
    K.BATTERY_ERI: _battery("Elective replacement indicator"),
    K.BATTERY_EOS: _battery("End of service"),
    K.BATTERY_LOW: _battery("Battery low"),
    K.BATTERY_STIMULATION_OFF: _battery("Battery too low to stimulate"),
    K.BATTERY_DEPLETED: _battery("Battery depleted"),
    K.RECHARGE_START: _recharge_start,
    K.RECHARGE_END: _recharge_end,
    K.POSTURE_CHANGE: _posture,
    K.CLOSED_LOOP_ECAP: _ecap,
    K.CLOSED_LOOP_SET: _closed_loop_set,
    K.COUGH_START: _cough_start,
    K.COUGH_END: lambda p: "Cough over",
    K.IMPEDANCE_FAULT: _impedance_fault,
    K.IMPEDANCE_CHECK: _impedance_check,
    K.COMPLIANCE_OUT_OF_RANGE: _compliance,
    K.PROGRAM_TRANSMITTED: _transmitted,
    K.AMPLITUDE_CHANGE: _amplitude,
    K.SAFETY_SHANNON_K: _shannon,
    K.STIMULATION_OFF: _stim_off,
    K.STIMULATION_ON: _stim_on,
    K.STIMULATION_SOFT_STOP: lambda p: f"Soft stop of {p.get('program', '')}: {num(p.get('from_ma'), 3)} mA ramped to 0 over {duration(p.get('ramp_s'))}",
    K.STIMULATION_SHORT_LOSS: lambda p: f"Short circuit on {', '.join(map(str, p.get('shorted') or []))} ({p.get('program', '')}): {num(p.get('lost_pct'), 3)} % of the current bypasses the tissue",
    K.PROGRAM_SELECTED: lambda p: f"Programs selected: {', '.join(map(str, p.get('programs') or [])) or 'none'}",
    K.PROGRAM_CYCLING: lambda p: f"Cycling of {p.get('program', '')}: " + (f"{duration(p.get('on_s'))} on, {duration(p.get('off_s'))} off" if p.get("on_s") else "off (continuous)"),
    K.GROUP_STORED: lambda p: f"Group {p.get('group', '')} stored: {', '.join(map(str, p.get('programs') or []))}",
    K.GROUP_SELECTED: lambda p: f"Group {p.get('group', '')} selected: {', '.join(map(str, p.get('programs') or []))}",
    K.PATIENT_MAXTOL_BYPASS: lambda p: f"Maximum tolerable amplitude of {p.get('program', '')} {'bypassed' if p.get('enabled') else 'enforced'} ({num(p.get('max_tolerable_ma'), 3)} mA)",
    # the virtual patient (an approximation for teaching)
    K.PATIENT_REPORT: lambda p: f"Patient says: {p.get('text', '')}",
    K.PATIENT_DISCOMFORT: lambda p: f"Patient uncomfortable on {p.get('program', '')}: {num(p.get('amplitude_ma'), 3)} mA, over the discomfort threshold of {num(p.get('discomfort_threshold_ma'), 3)} mA",
    K.PATIENT_PARESTHESIA: lambda p: f"Paresthesia felt in {', '.join(map(words, p.get('regions') or [])) or 'no region'}: {num(p.get('coverage_pct'), 3)} % of the pain covered",
    K.PATIENT_RESPONDER: lambda p: f"Patient {'is' if p.get('responder') else 'is no longer'} a responder: {num(p.get('relief_pct'), 3)} % relief ({p.get('rule', '')})",
    K.PATIENT_DIARY: lambda p: f"Pain diary, day {p.get('day')}: NRS {num(p.get('nrs'), 2)}",
    K.PATIENT_TRIAL_VERDICT: lambda p: f"Trial {'passed' if p.get('passed') else 'failed'}: {num(p.get('relief_pct'), 3)} % relief over {p.get('days')} days ({p.get('rule', '')})",
    K.PATIENT_LEAD_MIGRATED: lambda p: f"Lead {p.get('lead')} migrated {num(p.get('distance_mm'), 3)} mm {p.get('direction', '')}: top contact {p.get('top_level_before', '')} to {p.get('top_level_after', '')}",
    K.PATIENT_THRESHOLDS: lambda p: "Thresholds (" + str(p.get('posture', '')) + "): " + "; ".join(f"{q.get('program', '')} perception {num(q.get('perception_ma'), 3)} mA, discomfort {num(q.get('discomfort_ma'), 3)} mA" for q in (p.get('programs') or []) if isinstance(q, dict)),
    K.PATIENT_RELIEF_TARGET: lambda p: f"Relief heading to {', '.join(f'{words(r)} {num(v, 3)} %' for r, v in (p.get('targets_pct') or {}).items())} ({', '.join(map(words, p.get('therapy') or [])) if isinstance(p.get('therapy'), list) else words(str(p.get('therapy', '')))})",
}


def generic_payload(title: str, payload: Payload) -> str:
    """`Title: message; key value unit; ...` for any payload."""
    parts = []
    if payload.get("message"):
        parts.append(str(payload["message"]))
    unit = _unit(payload)
    for key, value in payload.items():
        if key in ("message", "unit", "severity", "label") or value is None:
            continue
        parts.append(value_text(str(key), value, unit))
    return f"{title}: {'; '.join(parts)}" if parts else title


def generic(kind: str, payload: Payload) -> str:
    """The readable fallback for a kind without its own sentence."""
    return generic_payload(words(kind).capitalize() or "Event", payload)


#: A number in scientific notation inside a device's message ('1.2e-05').
_SCIENTIFIC = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+(?![\w.])")


def plain_numbers(text: str) -> str:
    """`text` with any number in scientific notation rewritten in plain decimals."""
    return _SCIENTIFIC.sub(lambda m: num(float(m.group(0))), text)


def describe(record: Any) -> str:
    """One event record as a sentence with units (see the module docstring)."""
    kind, payload = _parts(record)
    fn = _KINDS.get(kind)
    text = None
    if fn is not None:
        try:
            text = fn(payload)
        except Exception:  # an unexpected payload shape never breaks a log or a report
            text = None
    if text is None:
        text = generic(kind, payload)
    return plain_numbers(text)


def known_kinds() -> list[str]:
    """The kinds with their own sentence."""
    return sorted(_KINDS)


# ----------------------------------------------------------------------------- intrathecal patient
def _drug_input(p):
    rates = p.get("to_csf_per_day") or {}
    units = p.get("units") or {}
    parts = [f"{d} {num(v)} {units.get(d, '')}/day to the CSF" for d, v in rates.items()]
    tissue = [f"{d} {num(v)} {units.get(d, '')}/day into tissue" for d, v in (p.get("to_tissue_per_day") or {}).items() if v]
    return f"Drug reaching the patient (catheter {words(str(p.get('catheter', '')))}): {'; '.join(parts + tissue) or 'none'}"


_KINDS.update({
    K.PATIENT_DRUG_INPUT: _drug_input,
    K.PATIENT_SIGN: lambda p: f"Nurse observes: {p.get('text', '')} (was {p.get('previous_grade', '')})",
    K.PATIENT_WITHDRAWAL: lambda p: f"{str(p.get('drug', '')).capitalize()} withdrawal {p.get('stage', '')} (was {p.get('previous_stage', '')}): "
                                    f"{', '.join(p.get('signs') or []) or 'signs resolved'}; cause: {p.get('cause', '')}",
    K.PATIENT_CATHETER: lambda p: f"Catheter {words(str(p.get('fault', '')))} (was {words(str(p.get('previous', '')))}): "
                                  f"{num(100 * float(p.get('to_csf_fraction', 0)), 3)} % reaches the CSF; {p.get('text', '')}",
    K.PATIENT_WORKUP: lambda p: f"Work-up, {words(str(p.get('test', '')))}: {p.get('text', '')}",
    K.PATIENT_IT_REPORT: lambda p: f"Patient says: {p.get('says', '')}; nurse observes: {p.get('nurse_observes', '')}",
})
