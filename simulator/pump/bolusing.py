"""Boluses: the boluses running now and the patient-bolus policy (one component of PumpDevice).

It keeps the running boluses (boluses.Bolus: programmed rates in mL/s, volumes mL, doses in the
drug unit, start and end in simulation s), the patient-bolus settings and policy (lockout s,
maximum a day) and the last lockout expiry reported. It owns the actions `single_bolus`,
`patient_bolus`, `set_patient_bolus`, `bridge_bolus` and `priming_bolus`, and the moments of
periodic bolus starts, bolus ends and lockout expiries.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from simulator.device import Finding
from simulator.event_kinds import K
from simulator.events import PayloadLayout, Position
from simulator.pump import checks, dosing
from simulator.pump.boluses import Bolus, PatientBolusPolicy
from simulator.pump.reservoir import EPS_ML, amount_of
from simulator.pump.settings import (
    NoParams,
    PatientBolusParams,
    PatientBolusSettings,
    PrimingParams,
    SetPatientBolusParams,
    SingleBolusParams,
    StoppedMode,
)
from simulator.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

#: a bridge bolus is cut short at the tip change only when more than this would still run, mL
#: (below it the two moments are the same one, apart from float rounding)
BRIDGE_CUT_TOL_ML = 1e-6

if TYPE_CHECKING:
    from simulator.pump.boluses import PatientBolusRule
    from simulator.pump.device import PumpDevice

# The bolus events are stored packed (simulator.events): the values of a bolus event are
# (fields, end_t_s, *extra): `fields` the drug unit and the bolus's kind, dose, volume, duration
# and rate (the same tuple as the last bolus's when they are the same: a patient's boluses repeat
# them), `end_t_s` its end, `extra` what only a bridge bolus's start has (the dead volume's old
# concentration). A bolus's end shares the values tuple of its start: the two events of a bolus
# hold no dict.
#: the keys of `Bolus.as_event()`, in its order (a test checks them and their values)
BOLUS_EVENT_KEYS = ("bolus", "dose", "volume_ml", "duration_s", "rate_ml_per_day", "end_t_s")
#: where the values of BOLUS_EVENT_KEYS are: fields 1-5 (after the unit), then the end
_BOLUS_POSITIONS: tuple[Position, ...] = ((0, 1), (0, 2), (0, 3), (0, 4), (0, 5), 1)
#: bolus.start: the drug unit, then the bolus
START_LAYOUT = PayloadLayout(("unit", *BOLUS_EVENT_KEYS), ((0, 0), *_BOLUS_POSITIONS))
#: bolus.start of a bridge bolus: the drug unit, the dead volume's old concentration, then the bolus
BRIDGE_START_LAYOUT = PayloadLayout(("unit", "old_concentration_per_ml", *BOLUS_EVENT_KEYS), ((0, 0), 2, *_BOLUS_POSITIONS))
#: bolus.end (the values of its start, or its own)
END_LAYOUT = PayloadLayout(BOLUS_EVENT_KEYS, _BOLUS_POSITIONS)
#: bolus.lockout_ended
LOCKOUT_ENDED_LAYOUT = PayloadLayout(("lockout_min",))


def same_values(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """True when each value of `a` could stand for the one of `b` in any output: the same object,
    or the same type and value, floats with the same sign of zero (NaN is never the same).
    `a` and `b` have the same length."""
    if a != b:  # (tuples compare item by item: the same object, else ==)
        return False
    if tuple(map(type, a)) != tuple(map(type, b)):
        return False
    if 0.0 in a:  # a zero may differ in sign (0.0 == -0.0): compare the zeros' signs
        for x, y in zip(a, b):
            if type(x) is float and x == 0.0 and math.copysign(1.0, x) != math.copysign(1.0, y):
                return False
    return True


class Boluses:
    """Running boluses, the patient-bolus settings and policy."""

    def __init__(self, dev: PumpDevice, settings_model: PatientBolusSettings | None):
        self.dev = dev
        self.running: list[Bolus] = []
        self.settings_model = settings_model  # the patient-bolus settings in force, as given
        self.patient = PatientBolusPolicy(checks.patient_rule(settings_model, dev.therapy.drug))
        self.lockout_notified_t: float | None = None
        #: id of a running bolus -> (the bolus, the values its bolus.start recorded); the entry
        #: holds the bolus, so its id is not reused while it is here
        self._start_values: dict[int, tuple[Bolus, tuple[Any, ...]]] = {}
        #: the fields of the last bolus event (unit, kind, dose, volume, duration, rate), shared
        #: by the next events with the same fields
        self._last_fields: tuple[Any, ...] = ()
        #: the patient-bolus rule of the last lockout end and that event's values (shared)
        self._lockout_values: tuple[PatientBolusRule | None, tuple[float | None]] | None = None

    # ----- starting boluses -----
    def make_bolus(self, kind: str, dose: float, duration_s: float | None, t_s: float, conc: float | None = None) -> Bolus:
        """A bolus of `dose` (drug unit) over `duration_s` (None: at the pump's bolus rate) from t_s."""
        volume = dosing.volume_ml_for_dose(dose, conc or self.dev.therapy.conc_prog)
        if duration_s is None:
            duration_s = volume / self.dev.profile.max_bolus_rate_ml_per_h * SECONDS_PER_HOUR
        return Bolus(kind, t_s, t_s + duration_s, volume / duration_s, volume, dose)

    def start_bolus(self, kind: str, dose: float, duration_s: float | None) -> Bolus:
        dev = self.dev
        bolus = self.make_bolus(kind, dose, duration_s, dev.now)
        self.running.append(bolus)
        dev.therapy.add_bolus_dose(dev.now, dose, kind, bolus.end_t_s - bolus.start_t_s)
        self._emit_start(bolus, START_LAYOUT)
        return bolus

    def _emit_start(self, bolus: Bolus, layout: PayloadLayout, *extra: Any) -> None:
        """Emit the bolus.start of `bolus` (values `_event_values(bolus, *extra)`, named by
        `layout`) and keep its values for the bolus's end."""
        values = self._event_values(bolus, *extra)
        self._start_values[id(bolus)] = (bolus, values)
        self.dev.emit_packed(K.BOLUS_START, layout, values)

    def _event_values(self, bolus: Bolus, *extra: Any) -> tuple[Any, ...]:
        """(fields, end_t_s, *extra): the drug unit and the values of `bolus.as_event()`
        (computed as it computes them), the fields tuple shared with the last event's when the
        same (see same_values)."""
        fields = (self.dev.therapy.drug.unit, bolus.kind, bolus.dose, bolus.volume_ml, bolus.end_t_s - bolus.start_t_s,
                  bolus.rate_ml_per_s * SECONDS_PER_DAY)
        last = self._last_fields
        if len(last) == len(fields) and same_values(fields, last):
            fields = last
        else:
            self._last_fields = fields
        return (fields, bolus.end_t_s, *extra)

    def _halt_finding(self) -> Finding | None:
        dev = self.dev
        halts = dev.faults.halts
        if halts:
            return Finding("refuse", f"the pump is stopped ({', '.join(sorted(halts))}); no bolus can run", "pump_stopped", sorted(halts), [])
        if dev.flow.true_empty or dev.flow.reservoir.volume_ml <= EPS_ML:
            return Finding("refuse", "the reservoir is empty; no bolus can run", "reservoir_ml", 0.0, ">0")
        return None

    def _not_programmable(self) -> Finding | None:
        p = self.dev.profile
        if not p.programmable:
            return Finding("refuse", f"{p.name} is not programmable: no boluses or programs", "programmable", True, False)
        return None

    # ----- single_bolus -----
    def check_single(self, params: SingleBolusParams) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        dev = self.dev
        drug, unit = dev.therapy.drug, dev.therapy.drug.unit
        try:
            dose = dosing.pick(params, "dose_{u}", unit, drug.drug_name)
        except dosing.UnitMismatch as exc:
            return [Finding("refuse", str(exc), "unit", exc.field, unit)]
        duration = None if params.duration_min is None else params.duration_min * 60.0
        bolus = self.make_bolus("single", dose, duration, dev.now)
        out = []
        rate_h = bolus.rate_ml_per_s * SECONDS_PER_HOUR
        if (f := checks.bolus_rate_finding(dev.profile, f"bolus of {bolus.volume_ml:.4g} mL in {(bolus.end_t_s - bolus.start_t_s) / 60:g} min", rate_h)):
            out.append(f)
        # every bolus counts against the rolling 24 h total: basal, earlier clinician boluses, patient boluses
        if (f := checks.rolling_finding(drug, dev.therapy.rolling_total([("single", dose, bolus.end_t_s - bolus.start_t_s)]), f"this {dose:g} {unit} bolus")):
            out.append(f)
        v_calc = dev.flow.v_calc
        if bolus.volume_ml > v_calc:
            out.append(Finding("warn", f"bolus volume {bolus.volume_ml:.3f} mL exceeds the calculated reservoir volume {v_calc:.3f} mL", "reservoir_ml", bolus.volume_ml, v_calc))
        return out

    def apply_single(self, params: SingleBolusParams) -> dict[str, Any]:
        drug = self.dev.therapy.drug
        dose = dosing.pick(params, "dose_{u}", drug.unit, drug.drug_name)
        b = self.start_bolus("single", dose, None if params.duration_min is None else params.duration_min * 60.0)
        return b.as_event()

    # ----- patient_bolus -----
    def check_patient(self, params: PatientBolusParams) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        refusal = self.patient.refusal(self.dev.now)
        if refusal:
            msg, limit, value, allowed = refusal
            return [Finding("refuse", f"patient bolus refused: {msg}", limit, value, allowed)]
        return []

    def apply_patient(self, params: PatientBolusParams) -> dict[str, Any]:
        now = self.dev.now
        self.patient.accept(now)
        rule = self.patient.rule
        assert rule is not None
        b = self.start_bolus("patient", rule.dose, rule.duration_s)
        return {**b.as_event(), "count_last_24h": self.patient.count_last_24h(now)}

    # ----- set_patient_bolus -----
    def check_settings(self, params: SetPatientBolusParams) -> list[Finding]:
        if (f := self._not_programmable()):
            return [f]
        dev = self.dev
        drug = dev.therapy.drug
        try:
            rule = checks.patient_rule(params.patient_bolus, drug)
        except dosing.UnitMismatch as exc:
            return [Finding("refuse", str(exc), "unit", exc.field, drug.unit)]
        if rule is None:
            return []
        out = []
        volume = dosing.volume_ml_for_dose(rule.dose, dev.therapy.conc_prog)
        rate_h = checks.bolus_rate_ml_per_h(volume, rule.duration_s)
        if (f := checks.bolus_rate_finding(dev.profile, f"patient bolus of {volume:.4g} mL in {rule.duration_s / 60:g} min", rate_h)):
            out.append(f)
        what = f"daily program plus {rule.max_per_day} patient boluses of {rule.dose:g} {drug.unit}"
        if (f := checks.rolling_finding(drug, dev.therapy.rolling_total(rule=rule, steady=True), what)):
            out.append(f)
        return out

    def apply_settings(self, params: SetPatientBolusParams) -> dict[str, Any]:
        self.settings_model = params.patient_bolus
        self.patient.set_rule(checks.patient_rule(params.patient_bolus, self.dev.therapy.drug))
        self.dev.emit(K.PATIENT_BOLUS_SETTINGS, enabled=self.patient.rule is not None)
        return {"enabled": self.patient.rule is not None}

    # ----- bridge_bolus -----
    def check_bridge(self, params: NoParams) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        dev = self.dev
        therapy = dev.therapy
        if dev.dead_volume.mean_conc(therapy.drug.short_name) is None:
            return [Finding("refuse", "the dead volume holds none of the drug; use a priming bolus", "dead_volume", 0.0, ">0")]
        if any(b.override for b in self.running):
            return [Finding("refuse", "a bridge or priming bolus is already running", "override_bolus", True, False)]
        if therapy.basal_q(dev.now) <= 0:
            return [Finding("refuse", "no basal dose is programmed: a bridge bolus keeps the basal dose right, so program a dose first", "basal_rate_ml_per_day", 0.0, ">0")]
        f = self.bridge_rate_finding(therapy.program.basal_dose_per_day_at(dev.now), therapy.drug.short_name)
        return [f] if f else []

    def bridge_rate_finding(self, dose_per_day: float, drug_name: str) -> Finding | None:
        """Refuse a bridge bolus the pump cannot run: the rate that gives `dose_per_day` at the
        mean concentration of `drug_name` in the dead volume must stay within the priming rate.
        (A nearly drug-free dead volume would need an unbounded rate: prime it instead.)"""
        dev = self.dev
        dead_ml = dev.dead_volume.volume_ml
        amount = dev.dead_volume.amount_of(drug_name)
        if amount <= 0 or dead_ml <= 0 or dose_per_day <= 0:
            return None
        conc = amount / dead_ml
        rate_h = dosing.rate_ml_per_day_for_dose(dose_per_day, conc) / 24.0
        unit = dev.therapy.drug.unit
        what = (f"a bridge bolus giving {dose_per_day:g} {unit}/day from the {dead_ml:.3g} mL dead volume "
                f"(mean {conc:.4g} {unit}/mL: not primed?)")
        return checks.bolus_rate_finding(dev.profile, what, rate_h, override=True)

    def apply_bridge(self, params: NoParams) -> dict[str, Any]:
        return self.start_bridge()

    def start_bridge(self) -> dict[str, Any]:
        """Run the dead volume out at the rate that gives the current basal dose at its old concentration."""
        dev = self.dev
        therapy, dead_ml, now = dev.therapy, dev.dead_volume.volume_ml, dev.now
        old_conc = dev.dead_volume.mean_conc(therapy.drug.short_name)
        assert old_conc is not None
        dose_per_day = therapy.program.basal_dose_per_day_at(now)
        rate_ml_per_s = dosing.ml_per_day_to_ml_per_s(dosing.rate_ml_per_day_for_dose(dose_per_day, old_conc))
        duration = dead_ml / rate_ml_per_s
        res = dev.flow.reservoir
        old_content = dev.dead_volume.fifo.volume_until_tip_changes(res.drug, res.conc_per_ml) is not None
        bolus = Bolus("bridge", now, now + duration, rate_ml_per_s, dead_ml, dosing.dose_in_volume(dead_ml, old_conc), ends_at_tip=old_content)
        self.running.append(bolus)
        self._emit_start(bolus, BRIDGE_START_LAYOUT, old_conc)
        return bolus.as_event()

    def due_bridge_tip(self, bolus: Bolus) -> None:
        """The reservoir's drug has reached the catheter tip while the bridge bolus `bolus` runs:
        its job (running the dead volume's old content out) is done. When more than
        BRIDGE_CUT_TOL_ML of it would still run (other flow beside it pushed part of the dead
        volume), it ends now: running on would give the new drug at the bridge rate, sized for the
        old content. Otherwise it ends at its own end."""
        dev = self.dev
        if bolus not in self.running:
            return
        i = self.running.index(bolus)
        now = dev.now
        if (bolus.end_t_s - now) * bolus.rate_ml_per_s <= BRIDGE_CUT_TOL_ML:
            self.running[i] = replace(bolus, ends_at_tip=False)  # the same event values
            if (entry := self._start_values.pop(id(bolus), None)) is not None:
                self._start_values[id(self.running[i])] = (self.running[i], *entry[1:])
            return
        self._start_values.pop(id(bolus), None)
        done_ml = bolus.rate_ml_per_s * (now - bolus.start_t_s)
        cut = replace(bolus, end_t_s=now, volume_ml=done_ml, dose=bolus.dose * done_ml / bolus.volume_ml if bolus.volume_ml > 0 else 0.0, ends_at_tip=False)
        self.running[i] = cut
        dev.warn(f"bridge bolus ended after {done_ml:.3f} of {bolus.volume_ml:.3f} mL: the new drug reached the catheter tip "
                 "early (other flow ran beside it)", limit="bridge_volume_ml", value=done_ml, allowed=bolus.volume_ml)
        self.due_bolus_end(cut)

    # ----- priming_bolus -----
    def check_priming(self, params: PrimingParams) -> list[Finding]:
        if (f := self._not_programmable() or self._halt_finding()):
            return [f]
        if any(b.override for b in self.running):
            return [Finding("refuse", "a bridge or priming bolus is already running", "override_bolus", True, False)]
        dev = self.dev
        drug = dev.therapy.drug
        res = dev.flow.reservoir
        volume = params.volume_ml or dev.dead_volume.volume_ml
        out = []
        drug_out = amount_of(dev.dead_volume.fifo.peek(volume, res.drug, res.conc_per_ml), drug.short_name)
        if drug_out > 0:
            out.append(Finding("warn", f"priming moves {drug_out:.4g} {drug.unit} of {drug.drug_name} into the patient at priming speed (over-dose risk; drug mixes with CSF)", "priming", drug_out, 0.0))
            duration = volume / dev.profile.priming_rate_ml_per_h * SECONDS_PER_HOUR
            if (f := checks.rolling_finding(drug, dev.therapy.rolling_total([("priming", drug_out, duration)]), f"priming {drug_out:.4g} {drug.unit} out")):
                out.append(f)
        return out

    def apply_priming(self, params: PrimingParams) -> dict[str, Any]:
        dev = self.dev
        now = dev.now
        res = dev.flow.reservoir
        volume = params.volume_ml or dev.dead_volume.volume_ml
        rate = dev.profile.priming_rate_ml_per_h / SECONDS_PER_HOUR
        bolus = Bolus("priming", now, now + volume / rate, rate, volume, 0.0)
        drug_out = amount_of(dev.dead_volume.fifo.peek(volume, res.drug, res.conc_per_ml), dev.therapy.drug.short_name)
        dev.therapy.add_bolus_dose(now, drug_out, "priming", bolus.end_t_s - bolus.start_t_s)
        self.running.append(bolus)
        self._emit_start(bolus, START_LAYOUT)
        dev.flow.recompute_rates()
        dev.priming.start(volume, dev.flow.q_true, bolus.end_t_s)
        return bolus.as_event()

    # ----- moments -----
    def due_periodic(self, _: Any) -> None:
        dev = self.dev
        plan = dev.therapy.program.periodic
        assert plan is not None
        dev.therapy.take_periodic()
        halts = dev.faults.halts
        if halts:
            dev.emit(K.BOLUS_SKIPPED, bolus="periodic", reason=", ".join(sorted(halts)))
            return
        self.start_bolus("periodic", plan.dose, plan.duration_s)

    def due_bolus_end(self, bolus: Bolus) -> None:
        dev = self.dev
        if bolus in self.running:
            self.running.remove(bolus)
            self._emit_end(bolus)
            therapy = dev.therapy
            if bolus.kind == "single" and dev.profile.single_bolus_then == "stopped" and therapy.program.mode_name != "stopped":
                # this pump family reverts to stopped after a single bolus (profile single_bolus_then)
                therapy.set_program(StoppedMode())
                dev.emit(K.PROGRAM_CHANGED, mode=therapy.program.mode_name, daily_dose=0.0, unit=therapy.drug.unit, rate_ml_per_day=0.0,
                         reason="single bolus over: this pump reverts to stopped")
                dev.warn("single bolus over: the pump is now stopped (it does not return to its previous mode); re-program it", limit="single_bolus_then", value="stopped")

    def _emit_end(self, bolus: Bolus) -> None:
        """Emit the bolus.end of `bolus`: from the values of its start when they were kept (the
        same bolus object: a Bolus is never changed in place), else from `bolus.as_event()`."""
        entry = self._start_values.pop(id(bolus), None)
        values = entry[1] if entry is not None and entry[0] is bolus else self._event_values(bolus)
        self.dev.emit_packed(K.BOLUS_END, END_LAYOUT, values)

    def due_lockout_end(self, end_t: float) -> None:
        self.lockout_notified_t = end_t
        rule = self.patient.rule
        kept = self._lockout_values
        if kept is None or kept[0] is not rule:  # the values are made once per rule, then shared
            kept = self._lockout_values = (rule, (rule.lockout_s / 60 if rule else None,))
        self.dev.emit_packed(K.BOLUS_LOCKOUT_ENDED, LOCKOUT_ENDED_LAYOUT, kept[1])
