"""The virtual intrathecal patient as a device (kind `intrathecal_patient`): an APPROXIMATION FOR TEACHING.

Linked to one pump of the scenario (the scenario's `patient:` section with `pump:`). It reads the
pump only through its public surface:
- the event stream: every event of the pump; a burst of events at one instant is handled once
  (one zero-delay wake-up). `dead_volume.tip_change` says which drug is at the catheter tip,
  `pocket_fill` puts its `systemic_dose` into the tissue depot, `mri.discharge` dumps its amounts
  through the catheter, `refill.completed` closes the patient's ledger of drug held back by a
  blocked catheter, `flow.stopped` / `reservoir.empty` name the cause of a withdrawal;
- `PumpDevice.PUBLIC_QUERIES`: `current_rate_ml_per_day`, `current_drug_rate_per_day` (which
  already counts a bolus and the old drug in the dead volume after a concentration change),
  `current_drug_rates_per_day` (a mixture's second drug, with `dead_volume.admixture_tip_change`),
  `delivered_volume_ml_at`, `drug_profile`, `programmed_concentration_per_ml`,
  `reservoir_ml_at`, `expected_reservoir_ml_at`, and `snapshot()` (mode, stop reasons, battery).

Between events every state is closed form (`simulator.patient.csf`). The patient's own SimPy
events are: the re-evaluation after pump events, a wake-up at each computed crossing of a sign's
grade or a withdrawal stage (found on a time grid, then by bisection), the openings and closings of
a kinked catheter, and a seeded inflammatory mass. Nothing is per minute.

Known limit: in a flex (stepped) program the pump changes its rate at step boundaries without an
event; the patient then uses the programmed daily dose x the flow factor as a constant rate.
"""
from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from simulator.device import ActionSpec, Device, Finding, Wakeup
from simulator.errors import Issue
from simulator.event_kinds import K
from simulator.patient import LABEL
from simulator.patient.catheter import Split, cap_aspiration, contrast_study, mri, refill_discrepancy, split_for
from simulator.patient.csf import CE, CR, LAG, STATES, T, DrugBody, Kinetics
from simulator.patient.csf import C as TIP
from simulator.patient.it_effects import (
    SIGN_TEXT,
    WITHDRAWAL_SIGNS,
    ashworth_grade,
    combine,
    effect_values,
    stage_of,
)
from simulator.patient.it_profile import GRADES, SIGNS, IntrathecalModel
from simulator.patient.it_settings import AskItPatient, CatheterFault, CatheterRepair, IntrathecalPatientSettings, TrialBolus, Workup
from simulator.patient.it_snapshot import DrugState, IntrathecalPatientSnapshot
from simulator.patient.it_trial import assess
from simulator.patient.profile import PatientProfile
from simulator.pump.device import PumpDevice
from simulator.pump.drugs import resolve_drug
from simulator.units import SECONDS_PER_DAY

HOUR_S = 3600.0
IGNORED_KINDS = frozenset({K.ACTION, K.REFUSAL, K.WARNING, K.OVERRIDE, K.ALARM_RAISED, K.ALARM_REPEATS, K.ALARM_ACKNOWLEDGED,
                           K.ALARM_CLEARED, K.PUMP_INTERROGATED, K.BOLUS_LOCKOUT_ENDED})
#: pump events after which the patient re-reads the program (flex or not) from a snapshot
PROGRAM_KINDS = frozenset({K.PROGRAM_CHANGED, K.REFILL_COMPLETED, K.FLOW_STOPPED, K.FLOW_RESUMED, K.FLOW_CHANGED})
#: side-effect signs graded and reported as events (benefits are in the series and the snapshot)
SIDE_SIGNS = tuple(s for s in SIGNS if s not in ("analgesia", "antispasticity"))
CATHETER_SIGNS = {"csf_leak": ("headache", 0.5), "mass": ("deficit", 0.5)}
SEVERITY = {"none": "info", "mild": "info", "moderate": "warning", "severe": "critical"}
UNIT_FACTOR = {("mg", "mg"): 1.0, ("mcg", "mcg"): 1.0, ("mg", "mcg"): 1000.0, ("mcg", "mg"): 0.001}


def _unit(u: str) -> str:
    return "mcg" if u in ("mcg", "ug") else u


def kinetics_of(resp) -> Kinetics:
    """The compartments' time constants (s) from a drug response of the profile."""
    return Kinetics(resp.clearance_ml_per_min, resp.volume_ml, resp.effect_tau_min * 60.0, resp.rostral_tau_h * HOUR_S,
                    resp.habituation_tau_days * SECONDS_PER_DAY, (resp.withdrawal.lag_tau_h if resp.withdrawal else 24.0) * HOUR_S,
                    resp.tolerance_tau_days * SECONDS_PER_DAY, resp.absorption_tau_h * HOUR_S, resp.systemic_tau_h * HOUR_S, resp.systemic_ratio)


class IntrathecalPatientDevice(Device):
    kind: ClassVar[str] = "intrathecal_patient"
    Settings = IntrathecalPatientSettings
    profile: PatientProfile
    #: The documented queries (besides `snapshot`, the action API, `profile` and `id`).
    PUBLIC_QUERIES: ClassVar[tuple[str, ...]] = ("snapshot", "signals_at", "nrs_at", "ashworth_at", "drug_state_at", "summary")
    ACTION_TABLE: ClassVar[dict[str, ActionSpec]] = {
        "catheter_fault": ActionSpec(CatheterFault, lambda d, p: d._apply_fault(p.fault), lambda d, p: d._check_fault(p),
                                     "a catheter complication: occlusion, kink, disconnection, migration, CSF leak, mass"),
        "catheter_repair": ActionSpec(CatheterRepair, lambda d, p: d._set_catheter("patent", False, "catheter revised"), None,
                                      "the catheter is revised and patent again"),
        "workup": ActionSpec(Workup, lambda d, p: d._apply_workup(p.test), None,
                             "a work-up test: cap_aspiration, contrast_study, rotor_study, refill_discrepancy, mri"),
        "ask": ActionSpec(AskItPatient, lambda d, p: d._report("asked"), None, "ask the patient how they are"),
        "trial_bolus": ActionSpec(TrialBolus, lambda d, p: d._apply_trial(p), lambda d, p: d._check_trial(p),
                                  "an intrathecal trial / screening bolus by lumbar puncture, assessed after observe_h"),
    }

    # ================= validation =================
    @classmethod
    def check_link(cls, profile, settings, pump_settings, registry) -> list[Issue]:
        """Issues of linking this patient to a pump with `pump_settings` (its drug must have a response)."""
        model: IntrathecalModel = profile.intrathecal
        name = str(pump_settings.drug).split("/")[-1]
        if name not in model.drugs:
            return [Issue("patient.profile", f"the profile has no response to {name} (the pump's drug); it has: {', '.join(model.drugs)}", profile.id)]
        pid = f"drug/{name}"
        if pid in registry:
            unit = _unit(registry.get(pid).unit)
            if unit != model.drugs[name].unit:
                return [Issue(f"patient.profile.intrathecal.drugs.{name}.unit", f"the drug profile's unit is {unit}", model.drugs[name].unit)]
        return []

    # ================= lifecycle =================
    def start(self) -> None:
        s: IntrathecalPatientSettings = self.settings  # type: ignore[assignment]
        assert self.profile.intrathecal is not None  # checked when the scenario is loaded
        self.model: IntrathecalModel = self.profile.intrathecal
        pump = self.sim.devices[s.pump]
        assert isinstance(pump, PumpDevice)  # checked when the scenario is loaded
        self.pump: PumpDevice = pump
        self.bodies = {name: DrugBody(kinetics_of(resp)) for name, resp in self.model.drugs.items()}
        # the patient's draws, always in this order (same seed, same patient)
        self._mass_u = float(self.rng.random())
        self.catheter: str = "kink_open" if s.catheter == "kink" else s.catheter
        self._kink = s.catheter == "kink"
        self._kink_wake: Wakeup | None = None
        self._mass_wake: Wakeup | None = None
        self._cross_wake: Wakeup | None = None
        self._pending: Wakeup | None = None
        snap = self.pump.snapshot()
        # (drug, unit/mL) at the catheter tip: the pump's drug if its dead volume is primed, then each tip change
        self._tip: tuple[str | None, float] = (self._pump_drug() if snap.settings.dead_volume_primed else None, snap.concentration_per_ml)
        self.retained_ml = 0.0
        self.retained_by_drug: dict[str, float] = {}
        self._vol_mark = self.pump.delivered_volume_ml_at(self.now)
        self._acc_t = self.now
        self._mass_h = 0.0
        self._mass_rate_per_s = 0.0
        self._cause = "none"
        self._cause_fresh = False
        self._rates: dict[str, float] = {}
        self._inputs_key: tuple[tuple[tuple[str, float], ...], str] | None = None
        self.to_csf_total: dict[str, float] = {n: 0.0 for n in self.bodies}
        self.to_tissue_total: dict[str, float] = {n: 0.0 for n in self.bodies}
        self.workups: list[dict[str, Any]] = []
        self.events_count = {"signs": 0, "withdrawal": 0}
        self._flex = False
        self._program_stale = False
        self._read_program()
        rates = self._pump_rates()
        split = split_for(self.catheter, self.model.catheter)
        for name, body in self.bodies.items():
            b = body.input_vector(rates.get(name, 0.0) / SECONDS_PER_DAY, split.to_csf, split.to_tissue)
            x = body.steady_state(b) if s.start_steady else np.zeros(len(STATES))
            body.set_state(self.now, x, b)
        self._rates, self._split = rates, split
        self._grades = self._grades_at(self.now)
        self._stages = self._stages_at(self.now)
        self.sim.stream.subscribe(self._on_pump_event, devices=[self.pump.id])
        if self._kink:
            self._plan_kink()
        self._emit_inputs()
        self._plan_mass()
        self._plan_crossing()
        self.record_state()

    # ================= reading the pump =================
    def _read_program(self) -> None:
        snap = self.pump.snapshot()
        self._flex = snap.mode_name == "flex"
        self._flex_rate = snap.programmed_daily_dose * snap.flow_factor if self._flex and not snap.stopped_reasons else 0.0
        self._pump_unit = _unit(snap.drug_unit)
        self._mixture = len(self.pump.current_drug_rates_per_day()) > 1

    def _pump_drug(self) -> str:
        return self.pump.drug_profile().short_name

    def _pump_rates(self) -> dict[str, float]:
        """Drug leaving the catheter now, per drug (the drug's unit in the patient profile, per day)."""
        drug: str | None = self._pump_drug()
        if self._tip[0] != drug:
            other, conc = self._tip
            rate = self.pump.current_rate_ml_per_day() * conc if other is not None else 0.0
            drug = other
        elif self._flex and self.pump.current_rate_ml_per_day() > 0:
            rate = self._flex_rate
        else:
            rate = self.pump.current_drug_rate_per_day()
        out: dict[str, float] = {}
        if drug is not None and drug in self.model.drugs and rate > 0:
            out[drug] = rate * UNIT_FACTOR[(self._pump_unit, self.model.drugs[drug].unit)]
        if self._mixture:  # a mixture's second drug: its rate at the tip, in its own unit
            primary = self._pump_drug()
            for name, adm_rate in self.pump.current_drug_rates_per_day().items():
                if name != primary and name in self.model.drugs and adm_rate > 0:
                    unit = _unit(resolve_drug(self.registry, name).unit)
                    out[name] = out.get(name, 0.0) + adm_rate * UNIT_FACTOR[(unit, self.model.drugs[name].unit)]
        return out

    def _on_pump_event(self, record) -> None:
        kind = record.kind
        if kind in IGNORED_KINDS:
            return
        pl = record.payload
        if kind == K.DEAD_VOLUME_TIP_CHANGE:
            self._tip = (pl.get("drug"), float(pl.get("concentration_per_ml", 0.0)))
        elif kind == K.POCKET_FILL:
            self._dose_in(self._pump_drug(), float(pl.get("systemic_dose", 0.0)), _unit(pl.get("unit", self._pump_unit)), tissue=True)
            if pl.get("admixture_drug"):  # a mixture: its second drug reached the tissue too
                self._dose_in(str(pl["admixture_drug"]), float(pl["admixture_systemic_dose"]), _unit(str(pl["admixture_unit"])), tissue=True)
        elif kind == K.MRI_DISCHARGE:
            for drug, amount in dict(pl.get("amounts", {})).items():
                self._dose_in(drug, float(amount), _unit(pl.get("unit", self._pump_unit)), tissue=False)
        elif kind == K.REFILL_COMPLETED:
            self._on_refill(pl)
        elif kind == K.FLOW_STOPPED and not self._cause_fresh:  # a reservoir.empty just before names it better
            self._cause, self._cause_fresh = f"pump stopped: {pl.get('reason', '')}", True
        elif kind == K.RESERVOIR_EMPTY:
            self._cause, self._cause_fresh = "reservoir empty", True
        if kind in PROGRAM_KINDS:
            self._program_stale = True
        if self._pending is None:
            self._pending = self.wake_at(self.now, self._flush)

    def _flush(self) -> None:
        self._pending = None
        if self._program_stale:  # a snapshot only when the program may have changed (it is not cheap)
            self._program_stale = False
            self._read_program()
        self._update()

    def _refresh(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._flush()

    def _dose_in(self, drug: str, amount: float, unit: str, tissue: bool) -> None:
        """An instant dose (pocket fill: into tissue; an MRI discharge: through the catheter)."""
        if drug not in self.bodies or amount <= 0:
            return
        amount *= UNIT_FACTOR[(unit, self.model.drugs[drug].unit)]
        if tissue:
            self.bodies[drug].impulse(self.now, amount_to_tissue=amount)
            self.to_tissue_total[drug] += amount
        else:
            sp = self._split
            self.bodies[drug].impulse(self.now, amount_to_csf=sp.to_csf * amount, amount_to_tissue=sp.to_tissue * amount)
            self.to_csf_total[drug] += sp.to_csf * amount
            self.to_tissue_total[drug] += sp.to_tissue * amount

    # ================= the closed-form update =================
    def _account(self) -> None:
        """Ledgers for the interval since the last update: drug to CSF / tissue, volume held back, mass hazard."""
        now = self.now
        vol = self.pump.delivered_volume_ml_at(now)
        dv = max(0.0, vol - self._vol_mark)
        self._vol_mark = vol
        dt = max(0.0, now - self._acc_t)
        self._acc_t = now
        sp = self._split
        self.retained_ml += sp.retained * dv
        for drug, rate in self._rates.items():
            amount = rate * dt / SECONDS_PER_DAY
            self.to_csf_total[drug] += sp.to_csf * amount
            self.to_tissue_total[drug] += sp.to_tissue * amount
            self.retained_by_drug[drug] = self.retained_by_drug.get(drug, 0.0) + sp.retained * amount
        self._mass_h += self._mass_rate_per_s * dt

    def _update(self) -> None:
        """Re-read the pump, move every compartment to now in closed form and switch the inputs."""
        self._account()
        rates = self._pump_rates()
        split = split_for(self.catheter, self.model.catheter)
        old_csf, new_csf = self._split.to_csf * sum(self._rates.values()), split.to_csf * sum(rates.values())
        if not self._cause_fresh:  # no pump event or fault named a cause at this instant
            if new_csf >= old_csf and new_csf > 0:
                self._cause = "none"
            elif new_csf < old_csf:
                self._cause = f"less drug reaching the CSF ({old_csf:.4g} -> {new_csf:.4g} per day)"
        self._cause_fresh = False
        for name, body in self.bodies.items():
            body.advance(self.now, body.input_vector(rates.get(name, 0.0) / SECONDS_PER_DAY, split.to_csf, split.to_tissue))
        self._rates, self._split = rates, split
        self._emit_inputs()
        self._emit_changes()
        self._plan_mass()
        self._plan_crossing()
        self.record_state()

    def _emit_inputs(self) -> None:
        sp = self._split
        key = (tuple(sorted((d, round(r, 9)) for d, r in self._rates.items())), self.catheter)
        if key == self._inputs_key:
            return
        self._inputs_key = key
        self.emit(K.PATIENT_DRUG_INPUT, rates_per_day=dict(self._rates), to_csf_per_day={d: sp.to_csf * r for d, r in self._rates.items()},
                  to_tissue_per_day={d: sp.to_tissue * r for d, r in self._rates.items()},
                  units={d: self.model.drugs[d].unit for d in self._rates}, catheter=self.catheter, label=LABEL)

    # ================= signs and withdrawal =================
    def _signals(self, times: np.ndarray) -> dict[str, np.ndarray]:
        """Every index at many times: signs (combined over drugs), analgesia, antispasticity, withdrawal per drug."""
        per_sign: dict[str, list[np.ndarray]] = {s: [] for s in SIGNS}
        out: dict[str, np.ndarray] = {}
        groups: dict[str, list[np.ndarray]] = {}  # withdrawal picture -> [sum L / dependence, sum T / dependence]
        for name, body in self.bodies.items():
            resp = self.model.drugs[name]
            if body.idle:
                if resp.withdrawal is not None:
                    groups.setdefault(resp.withdrawal.kind, [np.zeros(len(times)), np.zeros(len(times))])
                continue
            x = body.at_many(times)
            for sign, spec in resp.effects.items():
                per_sign[sign].append(effect_values(resp, spec, x))
            if resp.withdrawal is not None:
                lag_t = groups.setdefault(resp.withdrawal.kind, [np.zeros(len(times)), np.zeros(len(times))])
                lag_t[0] += x[:, LAG] / resp.withdrawal.dependence_min_per_ml
                lag_t[1] += x[:, T] / resp.withdrawal.dependence_min_per_ml
        for sign, vals in per_sign.items():
            out[sign] = combine(vals) * np.ones(len(times)) if vals else np.zeros(len(times))
        for kind, (lag, slow) in groups.items():
            # drugs of one picture (all opioids) cross-substitute: exposures in units of each drug's dependence threshold
            out[f"withdrawal:{kind}"] = np.where(slow >= 1.0, np.clip(1.0 - lag / np.maximum(slow, 1e-300), 0.0, 1.0), 0.0)
        sign_c = CATHETER_SIGNS.get(self.catheter)
        for cs, _ in CATHETER_SIGNS.values():
            out[cs] = np.full(len(times), sign_c[1] if sign_c and sign_c[0] == cs else 0.0)
        return out

    def _levels(self, signals: dict[str, np.ndarray], i: int) -> tuple[dict[str, str], dict[str, str]]:
        g = self.model.grades
        grades = {s: g.grade(float(signals[s][i])) for s in (*SIDE_SIGNS, "headache", "deficit")}
        stages = {k.split(":", 1)[1]: stage_of(self._picture_spec(k.split(":", 1)[1]), float(v[i]))
                  for k, v in signals.items() if k.startswith("withdrawal:")}
        return grades, stages

    def _picture_spec(self, picture: str):
        """Withdrawal settings of a picture: those of the first drug of the profile with it."""
        return next(r.withdrawal for r in self.model.drugs.values() if r.withdrawal is not None and r.withdrawal.kind == picture)

    def _picture_drugs(self, picture: str) -> str:
        """The drugs of a withdrawal picture this patient has been exposed to, joined with '+'."""
        names = [n for n, r in self.model.drugs.items() if r.withdrawal is not None and r.withdrawal.kind == picture and not self.bodies[n].idle]
        return "+".join(names) or picture

    def _grades_at(self, t: float) -> dict[str, str]:
        return self._levels(self._signals(np.array([t])), 0)[0]

    def _stages_at(self, t: float) -> dict[str, str]:
        return self._levels(self._signals(np.array([t])), 0)[1]

    def _emit_changes(self) -> None:
        sig = self._signals(np.array([self.now]))
        grades, stages = self._levels(sig, 0)
        for sign, grade in grades.items():
            old = self._grades.get(sign, "none")
            if grade != old:
                self.events_count["signs"] += 1
                sev = SEVERITY[grade] if GRADES.index(grade) > GRADES.index(old) else "info"
                if sign == "respiratory_depression" and grade != "none" and GRADES.index(grade) > GRADES.index(old):
                    sev = "critical" if grade != "mild" else "warning"
                text = f"{SIGN_TEXT[sign]}: {grade}" if grade != "none" else f"no more {SIGN_TEXT[sign]}"
                self.emit(K.PATIENT_SIGN, sign=sign, grade=grade, previous_grade=old, index=float(sig[sign][0]), severity=sev, text=text, label=LABEL)
        for picture, stage in stages.items():
            old = self._stages.get(picture, "none")
            if stage != old:
                self.events_count["withdrawal"] += 1
                w = self._picture_spec(picture)
                drug = self._picture_drugs(picture)
                signs = WITHDRAWAL_SIGNS[w.kind].get(stage, [])
                text = (f"{picture} withdrawal, {stage}: " + ", ".join(signs)) if stage != "none" else f"{picture} withdrawal over"
                sev = ("critical" if stage == "severe" else "warning") if GRADES.index(stage) > GRADES.index(old) else "info"
                self.emit(K.PATIENT_WITHDRAWAL, drug=drug, picture=w.kind, stage=stage, previous_stage=old, index=float(sig[f"withdrawal:{picture}"][0]),
                          severity=sev, cause=self._cause, signs=list(signs), text=text, label=LABEL)
        self._grades, self._stages = grades, stages

    def _plan_crossing(self) -> None:
        """Wake at the next change of any grade or stage if nothing else happens (grid, then bisection)."""
        if self._cross_wake is not None:
            self._cross_wake.cancel()
            self._cross_wake = None
        now, end = self.now, self.sim.duration_s
        if now >= end:
            return
        horizon = min(end - now, 10.0 * max(b.slowest_tau_s() for b in self.bodies.values()))
        grid = now + np.geomspace(30.0, max(horizon, 31.0), 160)
        grid = grid[grid <= end]
        if len(grid) == 0:
            return
        codes = self._codes(self._signals(grid))
        now_codes = self._current_codes()
        changed = np.zeros(len(grid), bool)
        for name, arr in codes.items():
            changed |= arr != now_codes[name]
        hits = np.flatnonzero(changed)
        if len(hits) == 0:
            return
        first = int(hits[0])
        key0 = (self._grades, self._stages)
        lo, hi = (now if first == 0 else float(grid[first - 1])), float(grid[first])
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            s_mid = self._signals(np.array([mid]))
            lo, hi = (lo, mid) if self._levels(s_mid, 0) != key0 else (mid, hi)
            if hi - lo < 1.0:
                break
        self._cross_wake = self.wake_at(hi, self._on_crossing)

    def _codes(self, sig: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Grade (sign) or stage (withdrawal) of every signal as an integer 0-3, vectorised."""
        g = self.model.grades
        out = {s: np.searchsorted([g.mild, g.moderate, g.severe], sig[s], side="right") for s in (*SIDE_SIGNS, "headache", "deficit")}
        for k, v in sig.items():
            if k.startswith("withdrawal:"):
                w = self._picture_spec(k.split(":", 1)[1])
                out[k] = np.searchsorted([w.mild, w.moderate, w.severe], v, side="right")
        return out

    def _current_codes(self) -> dict[str, int]:
        out = {s: GRADES.index(g) for s, g in self._grades.items()}
        out.update({f"withdrawal:{d}": GRADES.index(st) for d, st in self._stages.items()})
        return out

    def _on_crossing(self) -> None:
        self._cross_wake = None
        self._account()
        self._emit_changes()
        self._plan_crossing()
        self.record_state()

    # ================= catheter =================
    def _check_fault(self, params: CatheterFault) -> list[Finding]:
        if self.catheter != "patent":
            return [Finding("refuse", f"the catheter already has a fault ({self.catheter}); revise it first (catheter_repair)", "catheter", params.fault, "patent")]
        return []

    def _apply_fault(self, fault: str) -> dict[str, Any]:
        self._kink = fault == "kink"
        out = self._set_catheter("kink_closed" if fault == "kink" else fault, False, f"catheter fault injected: {fault}")
        if self._kink:
            self._plan_kink()
        return out

    def _set_catheter(self, state: str, random: bool, text: str) -> dict[str, Any]:
        self._refresh()
        self._account()
        if state == "patent":
            self._kink = False
            if self._kink_wake is not None:
                self._kink_wake.cancel()
                self._kink_wake = None
        old = self.catheter
        self.catheter = state
        sp: Split = split_for(state, self.model.catheter)
        if state != "patent" and sp.to_csf < 1.0:
            self._cause, self._cause_fresh = f"catheter: {state}", True
        payload = {"fault": state, "previous": old, "to_csf_fraction": sp.to_csf, "to_tissue_fraction": sp.to_tissue,
                   "retained_fraction": sp.retained, "random": random, "text": text}
        self.emit(K.PATIENT_CATHETER, **payload, label=LABEL)
        self._update()
        return payload

    def _plan_kink(self) -> None:
        """Next opening or closing of a kinked catheter (exponential durations, seeded)."""
        c = self.model.catheter
        mean_h = c.kink_closed_mean_h if self.catheter == "kink_closed" else c.kink_open_mean_h
        dt = float(self.rng.exponential(mean_h * HOUR_S))
        self._kink_wake = self.wake_at(self.now + dt, self._on_kink)

    def _on_kink(self) -> None:
        self._kink_wake = None
        if not self._kink:
            return
        new = "kink_open" if self.catheter == "kink_closed" else "kink_closed"
        self._set_catheter(new, True, "the kinked catheter " + ("opens" if new == "kink_open" else "closes"))
        self._plan_kink()

    def _plan_mass(self) -> None:
        """Inflammatory mass: cumulative hazard H = integral of lambda; it forms when H reaches -ln u (u seeded)."""
        if not self.settings.inflammatory_mass or self.catheter == "mass":  # type: ignore[attr-defined]
            return
        c = self.model.catheter
        opioid_dose = sum(r for d, r in self._rates.items() if d in self.model.opioids)
        conc = self.pump.programmed_concentration_per_ml() if self._pump_drug() in self.model.opioids else 0.0
        lam_per_year = c.mass_risk_per_year * (opioid_dose / c.mass_reference_dose_per_day) * (conc / c.mass_reference_concentration_per_ml)
        self._mass_rate_per_s = lam_per_year / (365.25 * SECONDS_PER_DAY)
        if self._mass_wake is not None:
            self._mass_wake.cancel()
            self._mass_wake = None
        need = -math.log(max(self._mass_u, 1e-300)) - self._mass_h
        if self._mass_rate_per_s > 0 and self.now + need / self._mass_rate_per_s <= self.sim.duration_s:
            self._mass_wake = self.wake_at(self.now + need / self._mass_rate_per_s, self._on_mass)

    def _on_mass(self) -> None:
        self._mass_wake = None
        if self.catheter == "patent":
            self._set_catheter("mass", True, "an inflammatory mass has formed at the catheter tip (seeded risk from opioid dose and concentration)")

    def _on_refill(self, pl: dict[str, Any]) -> None:
        """The patient's side of the refill check: drug held back by a blocked catheter stays in the reservoir."""
        self._account()
        if self.retained_ml <= 0.0:
            return
        prof = self.pump.profile
        code, text, findings = refill_discrepancy(float(pl["expected_residual_ml"]), float(pl["aspirated_ml"]), self.retained_ml,
                                                  prof.refill_discrepancy_tolerance_ml, prof.refill_discrepancy_tolerance_pct)
        self._workup("refill_discrepancy", code, findings, text)
        self.retained_ml = 0.0
        self.retained_by_drug = {}

    # ================= work-up =================
    def _workup(self, test: str, result: str, findings: dict[str, Any], text: str) -> dict[str, Any]:
        payload = {"test": test, "result": result, "findings": findings, "text": text}
        self.workups.append({"t_s": self.now, **payload})
        self.emit(K.PATIENT_WORKUP, **payload, label=LABEL)
        return payload

    def _apply_workup(self, test: str) -> dict[str, Any]:
        self._refresh()
        self._account()
        tables = {"cap_aspiration": cap_aspiration, "contrast_study": contrast_study, "mri": mri}
        if test in tables:
            code, text, findings = tables[test](self.catheter)
            return self._workup(test, code, findings, text)
        if test == "rotor_study":
            snap = self.pump.snapshot()
            if snap.battery_pct is None:
                return self._workup(test, "not_applicable", {}, "a gas-driven pump has no rotor to study")
            reasons = list(snap.stopped_reasons)
            if "motor_stall" in reasons:
                return self._workup(test, "stalled", {"stopped_reasons": reasons}, "the rotor does not move on the X-ray after a bolus: motor stall")
            if reasons:
                return self._workup(test, "not_moving", {"stopped_reasons": reasons}, f"the rotor does not move: the pump is stopped ({', '.join(reasons)})")
            return self._workup(test, "moves", {}, "the rotor moves as programmed after a bolus: the pump delivers; look at the catheter")
        # refill discrepancy now: what an aspiration of the reservoir would give
        prof = self.pump.profile
        code, text, findings = refill_discrepancy(self.pump.expected_reservoir_ml_at(self.now), self.pump.reservoir_ml_at(self.now),
                                                  self.retained_ml, prof.refill_discrepancy_tolerance_ml, prof.refill_discrepancy_tolerance_pct, when="now")
        return self._workup("refill_discrepancy", code, findings, text)

    # ================= intrathecal trial / screening bolus =================
    def _check_trial(self, params: TrialBolus) -> list[Finding]:
        if params.drug not in self.bodies:
            return [Finding("refuse", f"the profile has no response to {params.drug}; it has: {', '.join(self.bodies)}", "drug", params.drug)]
        return []

    def _apply_trial(self, params: TrialBolus) -> dict[str, Any]:
        """The bolus goes straight into the CSF; the assessment is planned after the observation."""
        self._refresh()
        self._account()
        t0 = self.now
        before = {"nrs": self.nrs_at(t0), "ashworth": self.ashworth_at(t0)}
        self.bodies[params.drug].impulse(t0, amount_to_csf=params.dose)
        self.to_csf_total[params.drug] += params.dose
        self._plan_crossing()
        self.record_state()
        self.wake_at(t0 + params.observe_h * HOUR_S, lambda: self._assess_trial(params, t0, before))
        return {"drug": params.drug, "dose": params.dose, "unit": self.model.drugs[params.drug].unit, "observe_h": params.observe_h}

    def _assess_trial(self, params: TrialBolus, t0: float, before: dict[str, float | None]) -> None:
        """Best pain score (and tone) over the observation, from the closed form on a 1-minute grid."""
        self._refresh()
        self._account()
        times = np.arange(t0, self.now + 1.0, 60.0)
        code, text, findings = assess(params.drug, params.dose, self.model.drugs[params.drug].unit, times, self._signals(times),
                                      float(self.profile.baseline_nrs), self.model.baseline_ashworth, before, self.model.opioid_tolerant)
        self._workup("trial", code, findings, text)

    # ================= what the patient says =================
    def _report(self, reason: str) -> dict[str, Any]:
        self._refresh()
        snap = self.snapshot()
        says = [f"my pain is {snap.nrs:.0f} out of 10"]
        if snap.ashworth is not None:
            says.append("my legs are stiff" if snap.ashworth >= 2 else "my muscles feel loose enough")
        for sign in ("pruritus", "nausea"):
            if snap.grades.get(sign, "none") != "none":
                says.append("I itch" if sign == "pruritus" else "I feel sick")
        if snap.grades.get("headache", "none") != "none":
            says.append("I have a headache when I sit up")
        observes = [f"{SIGN_TEXT[s]} ({g})" for s, g in snap.grades.items() if g != "none" and s not in ("pruritus", "nausea", "headache")]
        observes += [f"{d} withdrawal {st}: " + ", ".join(WITHDRAWAL_SIGNS[d][st]) for d, st in snap.withdrawal_stage.items() if st != "none"]
        payload = {"reason": reason, "nrs": snap.nrs, "ashworth": snap.ashworth, "ashworth_grade": snap.ashworth_grade,
                   "signs": dict(snap.signs), "withdrawal": dict(snap.withdrawal_stage), "says": "; ".join(says),
                   "nurse_observes": "; ".join(observes) or "nothing abnormal"}
        self.emit(K.PATIENT_IT_REPORT, **payload, label=LABEL)
        return payload

    # ================= queries =================
    def signals_at(self, t_s: float) -> dict[str, float]:
        """Every index at t_s >= now (closed form, if nothing changes): signs 0..1, withdrawal:<drug> 0..1."""
        self._refresh()
        return {k: float(v[0]) for k, v in self._signals(np.array([max(t_s, self.now)])).items()}

    def nrs_at(self, t_s: float) -> float:
        """Pain score NRS 0-10 = baseline x (1 - analgesia)."""
        return float(self.profile.baseline_nrs) * (1.0 - self.signals_at(t_s)["analgesia"])

    def ashworth_at(self, t_s: float) -> float | None:
        """Modified Ashworth score = baseline x (1 - antispasticity); None without spasticity."""
        base = self.model.baseline_ashworth
        return None if base is None else base * (1.0 - self.signals_at(t_s)["antispasticity"])

    def drug_state_at(self, drug: str, t_s: float) -> dict[str, float]:
        """Compartments of one drug at t_s >= now (drug unit, /mL)."""
        self._refresh()
        body = self.bodies[drug]
        x = body.at(max(t_s, self.now))
        return {**{name: float(x[i]) for i, name in enumerate(STATES)}, "systemic_equivalent_per_ml": body.systemic_equivalent_per_ml(x)}

    def snapshot(self) -> IntrathecalPatientSnapshot:
        self._refresh()
        t = self.now
        sig = {k: float(v[0]) for k, v in self._signals(np.array([t])).items()}
        drugs = []
        for name, body in self.bodies.items():
            x = body.at(t)
            r = self._rates.get(name, 0.0)
            drugs.append(DrugState(drug=name, unit=self.model.drugs[name].unit, tip_per_ml=float(x[TIP]), effect_per_ml=float(x[CE]),
                                   rostral_per_ml=float(x[CR]), tolerance_per_ml=float(x[T]), lag_per_ml=float(x[LAG]),
                                   systemic_equivalent_per_ml=body.systemic_equivalent_per_ml(x), leaving_catheter_per_day=r,
                                   to_csf_per_day=self._split.to_csf * r, to_tissue_per_day=self._split.to_tissue * r,
                                   csf_half_life_min=body.half_life_min()))
        base = self.model.baseline_ashworth
        ash = None if base is None else base * (1.0 - sig["antispasticity"])
        return IntrathecalPatientSnapshot(
            t_s=t, device=self.id, profile=self.profile.id, pump=self.pump.id, drugs=tuple(drugs),
            nrs=float(self.profile.baseline_nrs) * (1.0 - sig["analgesia"]), baseline_nrs=float(self.profile.baseline_nrs),
            ashworth=ash, ashworth_grade=None if ash is None else ashworth_grade(ash), baseline_ashworth=base,
            signs={s: sig[s] for s in (*SIGNS, "headache", "deficit")}, grades=dict(self._grades),
            withdrawal_index={k.split(":", 1)[1]: v for k, v in sig.items() if k.startswith("withdrawal:")},
            withdrawal_stage=dict(self._stages), catheter=self.catheter, held_back_ml=self.retained_ml, withdrawal_cause=self._cause)

    def record_state(self) -> None:
        """Series at now plus a few computed points since the last recording (closed form, not simulated)."""
        t = self.now
        last = getattr(self, "_recorded_t", None)
        times = [t] if last is None or t <= last else list(last + (t - last) * np.array([0.02, 0.1, 0.25, 0.5, 0.75])) + [t]
        sig = self._signals(np.array(times))
        rec = self.sim.recorder.record
        base = self.model.baseline_ashworth
        for i, ti in enumerate(times):
            rec(ti, self.id, "nrs", float(self.profile.baseline_nrs) * (1.0 - float(sig["analgesia"][i])), "NRS", "linear")
            if base is not None:
                rec(ti, self.id, "ashworth", base * (1.0 - float(sig["antispasticity"][i])), "MAS", "linear")
            for s in ("sedation", "respiratory_depression"):
                rec(ti, self.id, f"{s}_index", float(sig[s][i]), "1", "linear")
            for k, v in sig.items():
                if k.startswith("withdrawal:"):
                    rec(ti, self.id, f"withdrawal_{k.split(':', 1)[1]}", float(v[i]), "1", "linear")
        for name, body in self.bodies.items():
            xs = body.at_many(np.array(times))
            for i, ti in enumerate(times):
                rec(ti, self.id, f"tip_{name}_per_ml", float(xs[i, TIP]), f"{self.model.drugs[name].unit}/mL", "linear")
        self._recorded_t = t

    def summary(self) -> dict[str, Any]:
        snap = self.snapshot()
        return {
            "profile": self.profile.id, "label": LABEL, "linked_pump": self.pump.id, "nrs": snap.nrs, "ashworth": snap.ashworth,
            "catheter": snap.catheter, "withdrawal_stage": snap.withdrawal_stage, "grades": snap.grades,
            "to_csf_total": dict(self.to_csf_total), "to_tissue_total": dict(self.to_tissue_total), "held_back_ml": self.retained_ml,
            "sign_events": self.events_count["signs"], "withdrawal_events": self.events_count["withdrawal"], "workups": list(self.workups),
        }
