"""Therapy: the drug, its programmed concentration and the dosing program (one component of PumpDevice).

It keeps the drug in the pump (DrugProfile), the concentration entered in the pump (drug unit
per mL), the dosing program in force (schedule.Program: basal schedule in drug unit per day and
an optional periodic bolus plan), the mode as the clinician gave it (for the snapshot), when the
next periodic bolus is due (simulation s), the titration state (last dose increase, s) and the
dose history the rolling 24 h checks read. It owns the `program` action.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from simulator.device import Finding
from simulator.event_kinds import K
from simulator.pump import checks, dosing
from simulator.pump.admixture import admixture_daily_dose, admixture_findings
from simulator.pump.drugs import DrugProfile
from simulator.pump.rolling_dose import DoseHistory, Impulse, RollingTotal
from simulator.pump.schedule import Program
from simulator.pump.settings import Mode, ProgramParams

if TYPE_CHECKING:
    from simulator.pump.boluses import PatientBolusRule
    from simulator.pump.device import PumpDevice

#: `rule` argument of `rolling_total`: the patient-bolus rule in force
CURRENT_RULE = "current"


class Therapy:
    """Drug, concentration and program. Doses in the drug's unit (mg or mcg), rates per day,
    concentrations per mL, times in simulation seconds."""

    def __init__(self, dev: PumpDevice, drug: DrugProfile, conc_per_ml: float, clock_offset_s: float):
        self.dev = dev
        self.drug = drug
        self.conc_prog = conc_per_ml
        self.clock_offset_s = clock_offset_s  # time of day at t = 0, s after midnight
        self.drug_units: dict[str, str] = {}  # drug short name -> unit, every drug this pump has held
        self.drug_names: dict[str, str] = {}
        self._units_seen: list[str] = []
        self.note_drug(drug)
        self.program = Program.fixed(0.0, clock_offset_s)
        self.mode_model: Mode | None = None  # the mode as given (snapshot.settings.mode)
        self.mode_programmed_t_s = 0.0
        self.next_periodic_t = math.inf
        self.last_increase_t_s: float | None = None
        self._dose_history: DoseHistory | None = None
        #: (t_s, lo, hi, program, conc, q) of the last `basal_q` miss: q is basal_q(t_s), and
        #: basal_q(t) for lo < t < hi (the span of t_s's step, Program.dose_and_span)
        self._basal_q_memo: tuple[float, float, float, Program, float, float] | None = None

    def begin(self, gas: bool, mode: Mode | None, fixed_rate_ml_per_day: float) -> None:
        """The program at t = 0: the fixed rate of a gas-driven pump, else the settings' mode."""
        if gas:
            self.program = Program.fixed(dosing.dose_per_day_for_rate(fixed_rate_ml_per_day, self.conc_prog), self.clock_offset_s)
        else:
            self.program = Program.from_mode(mode, self.drug.unit, self.drug.drug_name, self.clock_offset_s, 0.0)
        self.mode_model, self.mode_programmed_t_s = mode, 0.0
        self.next_periodic_t = self.program.periodic.anchor_t_s if self.program.periodic else math.inf

    # ----- the drug -----
    def note_drug(self, drug: DrugProfile) -> None:
        self.drug_units[drug.short_name] = drug.unit
        self.drug_names[drug.short_name] = drug.drug_name
        self._units_seen = list(dict.fromkeys(self.drug_units.values()))

    @property
    def units_seen(self) -> list[str]:
        """Drug units of every drug this pump has held, in order of first use (a copy)."""
        return list(self._units_seen)

    def change_drug(self, drug: DrugProfile, conc_per_ml: float) -> None:
        """A refill: the drug (possibly the same) and the concentration entered (drug unit/mL)."""
        self.drug, self.conc_prog = drug, conc_per_ml
        self.note_drug(drug)

    # ----- the program -----
    def daily_dose(self) -> float:
        """Programmed drug per day including periodic boluses, drug unit/day."""
        return self.program.daily_dose()

    def basal_q(self, t_s: float) -> float:
        """Programmed basal flow at t_s, mL/s.

        A pure function of (t_s, program, concentration), and of t_s only through the step in
        force: the last answer is kept for its instant (the rates are refreshed several times at
        one instant) and for the rest of its flex step (a bolus end within the step of its
        press). Invalidation: kept only while the program is the same object (a Program is never
        changed; a new one is made for every new mode) and the concentration is equal; valid at
        its t_s, and for lo < t < hi, the span of t_s's step (`Program.dose_and_span`), on which
        basal_dose_per_day_at gives the same dose throughout."""
        program, conc = self.program, self.conc_prog
        memo = self._basal_q_memo
        if memo is not None and memo[3] is program and memo[4] == conc and (memo[0] == t_s or memo[1] < t_s < memo[2]):
            return memo[5]
        dose, lo, hi = program.dose_and_span(t_s)
        q = dosing.ml_per_day_to_ml_per_s(dosing.rate_ml_per_day_for_dose(dose, conc))
        self._basal_q_memo = (t_s, lo, hi, program, conc, q)
        return q

    @property
    def dose_history(self) -> DoseHistory:
        """Programs and bolus doses of the drug in the pump, for the rolling 24 h dose checks
        (created on first use with the program in force since before t = 0)."""
        history = self._dose_history
        if history is None:
            history = self._dose_history = DoseHistory(self.program)
        return history

    def add_bolus_dose(self, t_s: float, dose: float, kind: str, duration_s: float) -> None:
        """A bolus of `dose` (drug unit) over `duration_s` started at t_s (rolling 24 h history)."""
        self.dose_history.add_bolus(t_s, dose, kind, duration_s)

    def set_program(self, mode: Mode) -> None:
        """Program `mode` now (UnitMismatch for a dose in the wrong unit)."""
        now = self.dev.now
        old = self.daily_dose()
        history = self.dose_history
        self.program = Program.from_mode(mode, self.drug.unit, self.drug.drug_name, self.clock_offset_s, now)
        history.set_program(now, self.program)
        self.mode_model, self.mode_programmed_t_s = mode, now  # as given: the snapshot returns it (no lossy rebuild)
        self.next_periodic_t = self.program.periodic.anchor_t_s if self.program.periodic else math.inf
        if self.program.daily_dose() > old * (1 + 1e-9):
            self.last_increase_t_s = now

    def set_fixed_rate(self, fixed_rate_ml_per_day: float, same_drug: bool) -> None:
        """A fixed-rate pump refilled at the present concentration: its dose follows it."""
        now = self.dev.now
        old_daily, history = self.daily_dose(), self.dose_history
        self.program = Program.fixed(dosing.dose_per_day_for_rate(fixed_rate_ml_per_day, self.conc_prog), self.clock_offset_s)
        history.set_program(now, self.program)
        if same_drug and self.program.daily_dose() > old_daily * (1 + 1e-9):
            self.last_increase_t_s = now

    def restart_history(self) -> None:
        """A new drug: the dose history and titration start again with it."""
        self._dose_history = DoseHistory(self.program, self.dev.now)
        self.last_increase_t_s = None

    def take_periodic(self) -> float:
        """The periodic bolus due now: move the next start one interval on; returns the due time (s)."""
        plan = self.program.periodic
        assert plan is not None
        t = self.next_periodic_t
        self.next_periodic_t = plan.next_start_at_or_after(t + plan.interval_s / 2)
        return t

    def rolling_total(self, new_doses: list[tuple[str, float, float]] | tuple[()] = (), rule: PatientBolusRule | None | str = CURRENT_RULE,
                      program: Program | None = None, steady: bool = False) -> RollingTotal:
        """Largest rolling 24 h total (drug unit) if `new_doses` (kind, dose, duration s) start now."""
        now = self.dev.now
        rule_now = self.dev.boluses.patient.rule if isinstance(rule, str) else rule
        impulses = [Impulse(now, dose, kind, now + duration) for kind, dose, duration in new_doses]
        same = program is None
        return self.dose_history.max_total(now, self.program if program is None else program, impulses, rule_now,
                                           periodic_from_inclusive=not same, steady=steady)

    # ----- the `program` action -----
    def check_program(self, params: ProgramParams) -> list[Finding]:
        dev = self.dev
        out = checks.program_findings(
            dev.profile, self.drug, self.conc_prog, params.mode, dev.boluses.settings_model, self.clock_offset_s, dev.now,
            current_daily=self.daily_dose(), last_increase_t_s=self.last_increase_t_s, history=self.dose_history,
            origin=dev.settings.spasticity_origin,
        )
        adm = dev.admixture
        if adm is not None and not any(f.level == "refuse" for f in out):
            # the admixture follows the volume: its daily dose = new primary dose / primary conc x its conc
            daily = Program.from_mode(params.mode, self.drug.unit, self.drug.drug_name, self.clock_offset_s, dev.now).daily_dose()
            out.extend(f for f in admixture_findings(adm.drug, adm.conc_prog, admixture_daily_dose(daily, self.conc_prog, adm.conc_prog)) if f.limit.startswith("max_daily"))
        return out

    def apply_program(self, params: ProgramParams) -> dict[str, Any]:
        self.set_program(params.mode)
        unit = self.drug.unit
        self.dev.emit(K.PROGRAM_CHANGED, mode=self.program.mode_name, daily_dose=self.program.daily_dose(), unit=unit,
                      rate_ml_per_day=dosing.ml_per_s_to_ml_per_day(self.basal_q(self.dev.now)))
        return {"mode": self.program.mode_name, "daily_dose": self.program.daily_dose(), "unit": unit}
