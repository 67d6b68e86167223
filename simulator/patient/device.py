"""The virtual SCS patient as a device (kind `patient`): an APPROXIMATION FOR TEACHING.

The patient is linked to one stimulator of the scenario. It reads the stimulator only through
its public surface, never a private attribute:
- the event stream: it subscribes to every event of the linked stimulator (program, amplitude,
  stimulation on/off, group, MRI, battery, posture...) and re-evaluates once per burst of events
  at the same time (one zero-delay wake-up), taking the posture from `posture.change` payloads;
- documented queries of `StimulatorDevice`: `active_programs()`, `stimulating()`,
  `effective_amplitudes()`, the stored `programs` (name -> Program), its `settings.leads`
  (placements, whose lead profiles give the contact geometry) and `settings.segment_mm`, and its
  public `posture` at start.

Between events everything is closed form (relief: exponential approach). The patient's own SimPy
events are: that re-evaluation after a stimulator change, one diary entry a day while a diary or
trial runs, the trial verdict, and a random migration when the seeded draw makes one. Nothing is
per minute. Events (payloads carry `label`; models in `simulator.event_kinds`): `K.PATIENT_THRESHOLDS`,
`K.PATIENT_PARESTHESIA`, `K.PATIENT_REPORT`, `K.PATIENT_DISCOMFORT`, `K.PATIENT_RELIEF_TARGET`,
`K.PATIENT_DIARY`, `K.PATIENT_TRIAL_VERDICT`, `K.PATIENT_LEAD_MIGRATED`, `K.PATIENT_RESPONDER`
(relief crossing 50 %, at the computed crossing time: one wake-up per crossing).
"""
from __future__ import annotations

from typing import Any, ClassVar

from simulator.device import ActionSpec, Device, Finding, Wakeup
from simulator.errors import InputError, Issue
from simulator.event_kinds import K
from simulator.patient import LABEL
from simulator.patient.anatomy import contact_sites, level_at, level_index
from simulator.patient.coverage import coverage, felt_regions
from simulator.patient.diary import diary_entry, is_responder, trial_verdict
from simulator.patient.profile import PatientProfile, ReliefDraw
from simulator.patient.relief import (
    DAY_S,
    MINUTE_S,
    RegionTarget,
    ReliefState,
    nrs,
    weighted_relief,
)
from simulator.patient.settings import AskPatient, LeadMigration, PatientSettings
from simulator.patient.snapshot import ContactPlace, LeadState, PatientSnapshot, ProgramFeel
from simulator.patient.thresholds import program_thresholds
from simulator.scenario.model import PatientLeadPlacement
from simulator.scs.device import StimulatorDevice
from simulator.scs.leads import LeadProfile
from simulator.scs.settings import Settings as StimulatorSettings

#: Stimulator events after which the patient says what it feels (a program change in the wide sense).
PROGRAM_CHANGE_KINDS = frozenset({
    K.PROGRAM_TRANSMITTED, K.PROGRAM_SELECTED, K.GROUP_SELECTED, K.AMPLITUDE_CHANGE, K.STIMULATION_ON, K.STIMULATION_OFF,
    K.MRI_ON, K.MRI_OFF, K.PROGRAM_CYCLING, K.PATIENT_STEP,
})
#: Stimulator events that change nothing the patient feels (the action record itself, refusals, warnings).
IGNORED_KINDS = frozenset({K.ACTION, K.REFUSAL, K.WARNING, K.OVERRIDE})
THERAPY_CLASSES = ("paresthesia", "high_frequency", "burst")


def draw_relief(draw: ReliefDraw, rng) -> float:
    """Maximum relief R of one therapy class: `fixed`, else a responder draw (always three numbers
    drawn, so a change of one class's settings leaves the other classes' draws alone)."""
    u, a, b = float(rng.random()), float(rng.random()), float(rng.random())
    if draw.fixed is not None:
        return float(draw.fixed)
    lo, hi = draw.responder_range if u < draw.responder_probability else draw.non_responder_range
    return lo + (hi - lo) * (a if u < draw.responder_probability else b)


class PatientDevice(Device):
    kind: ClassVar[str] = "patient"
    Settings = PatientSettings
    ACTION_TABLE: ClassVar[dict[str, ActionSpec]] = {
        "lead_migration": ActionSpec(LeadMigration, lambda d, p: d._apply_lead_migration(p), lambda d, p: d._check_lead_migration(p),
                                     "shift a lead caudally or rostrally by a distance (a complication)"),
        "ask": ActionSpec(AskPatient, lambda d, p: d._apply_ask(p), None, "ask the patient what they feel now"),
    }
    profile: PatientProfile
    settings: PatientSettings

    # ================= validation =================
    @classmethod
    def check_settings(cls, profile, settings, registry) -> None:
        issues = []
        for i, place in enumerate(settings.leads or []):
            try:
                level_index(place.level)
            except ValueError as exc:
                issues.append(Issue(f"leads[{i}].level", str(exc), place.level))
        if issues:
            raise InputError(issues)

    # ================= lifecycle =================
    def start(self) -> None:
        s = self.settings
        p = self.profile
        stim = self.sim.devices[s.stimulator]
        stim_settings = stim.settings
        # the loader checks that the patient's stimulator is an scs device (simulator.patient.scenario)
        assert isinstance(stim, StimulatorDevice) and isinstance(stim_settings, StimulatorSettings)
        self.stim = stim
        stim_leads = stim_settings.leads
        self.placements = list(s.leads) if s.leads is not None else [
            PatientLeadPlacement(level=pl.top_level, side=pl.side, lateral_offset_mm=pl.lateral_offset_mm) for pl in stim_leads]
        self.geometries = [self._lead_profile(pl.lead).contact_positions_mm() for pl in stim_leads]
        self.segment_mm = float(stim_settings.segment_mm)
        self.shifts_mm = [0.0] * len(self.placements)
        # the patient's draws, always in this order (same seed, same patient)
        self.max_relief = {c: draw_relief(getattr(p.relief, c), self.rng) for c in THERAPY_CLASSES}
        self._planned_migration: tuple[float, int, float] | None = None
        if s.migration is not None:
            m = s.migration
            happens, when, dist = float(self.rng.random()), float(self.rng.random()), float(self.rng.normal(m.mean_mm, m.sd_mm))
            if happens < m.probability and m.lead <= len(self.placements):
                self._planned_migration = (when * m.within, m.lead, min(m.max_mm, max(0.5, abs(dist))))
        self.posture = str(getattr(self.stim, "posture", "standing"))
        loop = getattr(self.stim.profile, "closed_loop", None)  # one posture shape for the ECAP model and the patient
        self.posture_factors = dict(loop.posture_distance_factor) if loop is not None else dict(p.posture_distance_factor)
        self.relief = ReliefState(tuple(p.pain_map))
        self.migrations: list[dict[str, Any]] = []
        self.diary: list[dict[str, Any]] = []
        self.trial_result: dict[str, Any] | None = None
        self.reports = 0
        self._pending: Wakeup | None = None  # the re-evaluation planned for this instant
        self._responder_wake: Wakeup | None = None  # the next 50 % relief crossing
        self._pending_kinds: set[str] = set()
        self._state: dict[str, Any] = {}
        # what was last emitted (an event only when it changes)
        self._thresholds_key: tuple[tuple[str, float | None], ...] | None = None
        self._paresthesia_key: tuple[tuple[str, ...], float] | None = None
        self._feel_key: tuple[tuple[str, tuple[str, ...], str], ...] | None = None
        self.sim.stream.subscribe(self._on_stimulator_event, devices=[self.stim.id])
        self._evaluate({"start"})
        if self._planned_migration is not None:
            t, lead, dist = self._planned_migration
            self.wake_at(t, lambda: self._migrate(lead, dist, "caudal", random=True))
        self._diary_days = self._diary_plan(s)
        self._plan_diary()

    def _lead_profile(self, lead_id: str) -> LeadProfile:
        lead = self.registry.get(lead_id, expected_kind="lead")
        assert isinstance(lead, LeadProfile)  # a "lead/..." profile is read as a LeadProfile (PROFILE_MODELS)
        return lead

    # ================= following the stimulator =================
    def _on_stimulator_event(self, record) -> None:
        if record.kind in IGNORED_KINDS:
            return
        if record.kind == K.POSTURE_CHANGE:
            self.posture = str(record.payload.get("posture", self.posture))
        self._pending_kinds.add(record.kind)
        if self._pending is None:
            self._pending = self.wake_at(self.now, self._flush)

    def _flush(self) -> None:
        kinds, self._pending, self._pending_kinds = self._pending_kinds, None, set()
        self._evaluate(kinds)

    def _refresh(self) -> None:
        """Apply a pending re-evaluation now (queries between `run` calls see the present state)."""
        if self._pending is not None:
            self._pending.cancel()
            self._flush()

    def _sites(self):
        return {c.label: c for c in contact_sites(self.placements, self.geometries, self.segment_mm, self.shifts_mm)}

    def _program_state(self, name: str, program, sites, stimulating: bool, amps: dict[str, float]) -> dict[str, Any]:
        p = self.profile
        th = program_thresholds(p, program, sites, self.posture, self.posture_factors)
        amp = float(amps.get(name, program.amplitude_ma)) if stimulating else 0.0
        out: dict[str, Any] = {"program": name, "amplitude_ma": amp, "thresholds": th, "regions": set(), "therapy": "none", "targets": {}}
        if th is None:
            return out
        ratio = th.ratio(amp)
        out["regions"] = felt_regions(p, th, amp, program.pulse_width_us) if amp > 0 else set()
        tc = p.time_constants
        targets: dict[str, RegionTarget] = {}
        if program.waveform in ("high_frequency", "burst"):
            therapy = program.waveform
            assert p.sweet_spot_level is not None  # a patient linked to a stimulator has it (checked at load)
            sweet = level_index(p.sweet_spot_level) + 0.5
            hit = any(abs(sites[c.label].position - sweet) <= p.sweet_spot_tolerance_levels for c in th.cathodes)
            tau = (tc.high_frequency_days if therapy == "high_frequency" else tc.burst_days) * DAY_S
            if amp >= p.paresthesia_free_min_ma and amp > 0 and hit:
                targets = {r: RegionTarget(self.max_relief[therapy], tau, tc.washout_days * DAY_S, therapy) for r in p.pain_map}
        elif amp > 0 and ratio >= 1.0:
            therapy = "paresthesia"
            targets = {r: RegionTarget(self.max_relief["paresthesia"], tc.tonic_min * MINUTE_S, tc.tonic_washout_min * MINUTE_S, therapy)
                       for r in p.pain_map if r in out["regions"]}
        elif amp > 0 and ratio >= p.sub_perception_min_ratio:
            therapy = "sub_perception"
            at_pt = felt_regions(p, th, amp, program.pulse_width_us, at_threshold=True)
            value = p.sub_perception_fraction * self.max_relief["paresthesia"]
            targets = {r: RegionTarget(value, tc.sub_perception_days * DAY_S, tc.washout_days * DAY_S, therapy) for r in p.pain_map if r in at_pt}
        else:
            therapy = "none"
        out["therapy"] = therapy
        out["targets"] = targets
        return out

    def _evaluate(self, kinds: set[str]) -> None:
        """Recompute thresholds, paresthesia, coverage and relief targets; emit what changed."""
        p = self.profile
        sites = self._sites()
        stimulating = bool(self.stim.stimulating())
        amps = self.stim.effective_amplitudes()
        programs = {n: self._program_state(n, self.stim.programs[n], sites, stimulating, amps) for n in self.stim.active_programs()}
        regions: set[str] = set().union(*(ps["regions"] for ps in programs.values())) if programs else set()
        cov = coverage(p.pain_map, regions)
        targets: dict[str, RegionTarget] = {}
        for ps in programs.values():
            for r, t in ps["targets"].items():
                if r not in targets or t.target > targets[r].target:
                    targets[r] = t
        self._state = {"programs": programs, "regions": regions, "coverage": cov, "stimulating": stimulating}
        # thresholds
        th_key = tuple((n, round(ps["thresholds"].perception_ma, 9) if ps["thresholds"] else None) for n, ps in programs.items())
        if th_key != self._thresholds_key:
            self._thresholds_key = th_key
            self.emit(K.PATIENT_THRESHOLDS, posture=self.posture, programs=[self._threshold_payload(ps) for ps in programs.values()], label=LABEL)
        par_key = (tuple(sorted(regions)), round(cov, 12))
        if par_key != self._paresthesia_key:
            self._paresthesia_key = par_key
            self.emit(K.PATIENT_PARESTHESIA, regions=sorted(regions), coverage_pct=100.0 * cov, label=LABEL)
        feel_key = tuple((n, tuple(sorted(ps["regions"])), self._strength(ps)) for n, ps in programs.items())
        if feel_key != self._feel_key or (kinds & PROGRAM_CHANGE_KINDS) or "migration" in kinds:
            self._feel_key = feel_key
            self._report(reason=min(kinds) if len(kinds) == 1 else ",".join(sorted(kinds)))
        if self.relief.retarget(self.now, targets):
            self._plan_responder()
            self.emit(K.PATIENT_RELIEF_TARGET, targets_pct={r: 100.0 * (targets[r].target if r in targets else 0.0) for r in p.pain_map},
                      tau_s={r: self.relief.segments[r].tau_s for r in p.pain_map},
                      therapy=sorted({t.therapy for t in targets.values()}) or ["none"], label=LABEL)
        self.record_state()

    # ================= responder crossings =================
    def _plan_responder(self) -> None:
        """Schedule a wake-up where the pain-weighted relief next crosses 50 % (found on a grid of
        time-constant multiples, then by bisection; no event if it does not cross within 10 tau)."""
        if self._responder_wake is not None:
            self._responder_wake.cancel()
            self._responder_wake = None
        now = self.now
        status = self.responder_at(now)
        taus = sorted({seg.tau_s for seg in self.relief.segments.values()})
        grid = sorted({now + tau * 10.0 ** (k / 20.0 - 2.0) for tau in taus for k in range(61)})  # 0.01 to 10 tau
        prev = now
        for t in grid:
            if self.responder_at(t) != status:
                lo, hi = prev, t
                for _ in range(60):
                    mid = 0.5 * (lo + hi)
                    lo, hi = (lo, mid) if self.responder_at(mid) != status else (mid, hi)
                self._responder_wake = self.wake_at(hi, self._on_responder)
                return
            prev = t

    def _on_responder(self) -> None:
        self._responder_wake = None
        relief = self.relief_at(self.now)
        self.emit(K.PATIENT_RESPONDER, responder=is_responder(relief), relief_pct=100.0 * relief, rule=">= 50 % pain-weighted relief", label=LABEL)
        self.record_state()
        self._plan_responder()

    # ================= what the patient says =================
    def _strength(self, ps: dict[str, Any]) -> str:
        th = ps["thresholds"]
        if th is None or ps["amplitude_ma"] <= 0:
            return "nothing"
        ratio = th.ratio(ps["amplitude_ma"])
        if ratio < 1.0:
            return "nothing"
        if ps["amplitude_ma"] >= th.discomfort_ma:
            return "uncomfortable"
        return "strong" if ratio >= self.profile.widen_ratio else "light"

    def _threshold_payload(self, ps: dict[str, Any]) -> dict[str, Any]:
        th = ps["thresholds"]
        if th is None:
            return {"program": ps["program"], "perception_threshold_ma": None, "discomfort_threshold_ma": None}
        return {"program": ps["program"], "perception_threshold_ma": th.perception_ma, "discomfort_threshold_ma": th.discomfort_ma,
                "amplitude_ma": ps["amplitude_ma"], "ratio_to_perception": th.ratio(ps["amplitude_ma"]),
                "cathodes": [{"contact": c.label, "level": c.level, "side": c.side, "distance_mm": c.distance_mm, "threshold_ma": c.threshold_ma}
                             for c in th.cathodes]}

    def _report(self, reason: str = "asked") -> dict[str, Any]:
        programs = self._state.get("programs", {})
        regions = sorted(self._state.get("regions", set()))
        strengths = {n: self._strength(ps) for n, ps in programs.items()}
        uncomfortable = [n for n, s in strengths.items() if s == "uncomfortable"]
        feels = bool(regions)
        cov = self._state.get("coverage", 0.0)
        if not feels:
            paresthesia_free = [n for n, ps in programs.items() if ps["therapy"] in ("high_frequency", "burst", "sub_perception")]
            text = "I feel no tingling" + (" (paresthesia-free therapy)" if paresthesia_free else "")
        else:
            order = ("light", "strong", "uncomfortable")
            top = max((s for s in strengths.values() if s in order), key=order.index, default="light")
            text = f"I feel {top} tingling in: {', '.join(r.replace('_', ' ') for r in regions)}; it covers {100.0 * cov:.0f} % of my pain"
        if uncomfortable:
            text += "; it is uncomfortable"
        payload = {"reason": reason, "feels": feels, "where": regions, "strength": strengths, "uncomfortable": bool(uncomfortable),
                   "coverage_pct": 100.0 * cov, "posture": self.posture, "text": text, "label": LABEL}
        self.reports += 1
        self.emit(K.PATIENT_REPORT, **payload)
        for n in uncomfortable:
            th = programs[n]["thresholds"]
            self.emit(K.PATIENT_DISCOMFORT, program=n, amplitude_ma=programs[n]["amplitude_ma"], discomfort_threshold_ma=th.discomfort_ma, label=LABEL)
        return payload

    # ================= actions (run by the Device pipeline) =================
    def prepare_action(self, action: str, applying: bool) -> None:
        self._refresh()

    def _check_lead_migration(self, params: LeadMigration) -> list[Finding]:
        if params.lead > len(self.placements):
            return [Finding("refuse", f"the patient has {len(self.placements)} lead(s)", "lead", params.lead, len(self.placements))]
        return []

    def _apply_lead_migration(self, params: LeadMigration) -> dict[str, Any]:
        return self._migrate(params.lead, params.distance_mm, params.direction)

    def _apply_ask(self, params: AskPatient) -> dict[str, Any]:
        return self._report("asked")

    def _migrate(self, lead: int, distance_mm: float, direction: str, random: bool = False) -> dict[str, Any]:
        i = lead - 1
        before = self._lead_state(i)
        self.shifts_mm[i] += distance_mm if direction == "caudal" else -distance_mm
        after = self._lead_state(i)
        entry = {"lead": lead, "distance_mm": distance_mm, "direction": direction, "random": random,
                 "top_level_before": before.top_level, "top_level_after": after.top_level, "migrated_mm": self.shifts_mm[i]}
        self.migrations.append({"t_s": self.now, **entry})
        self.emit(K.PATIENT_LEAD_MIGRATED, **entry, label=LABEL)
        self._evaluate({"migration"})
        return entry

    def _lead_state(self, i: int) -> LeadState:
        from simulator.patient.anatomy import TOP_CONTACT_FRACTION

        from simulator.patient.anatomy import placement_lateral_mm

        pl = self.placements[i]
        placed = level_index(pl.level) + TOP_CONTACT_FRACTION
        top = placed + self.shifts_mm[i] / self.segment_mm
        return LeadState(lead=i + 1, top_level=level_at(top), side=pl.side, lateral_offset_mm=pl.lateral_offset_mm, migrated_mm=self.shifts_mm[i],
                         placed_level=level_at(placed), top_position_levels=top, placed_top_position_levels=placed,
                         lateral_mm=placement_lateral_mm(pl.side, pl.lateral_offset_mm))

    def _contact_places(self) -> tuple[ContactPlace, ...]:
        placed = {c.label: c for c in contact_sites(self.placements, self.geometries, self.segment_mm, [0.0] * len(self.placements))}
        return tuple(ContactPlace(contact=c.label, lead=c.lead_index + 1, position_levels=c.position, placed_position_levels=placed[c.label].position,
                                  x_mm=c.x_mm, level=c.level) for c in self._sites().values())

    # ================= diary and trial =================
    @staticmethod
    def _diary_plan(s: PatientSettings) -> list[float]:
        """Times of the diary entries (end of each day), in order, without duplicates."""
        times: set[float] = set()
        if s.trial is not None:
            times.update(s.trial.start + k * DAY_S for k in range(1, s.trial.days + 1))
        if s.diary is not None:
            times.update(s.diary.start + k * DAY_S for k in range(1, s.diary.days + 1))
        return sorted(times)

    def _plan_diary(self) -> None:
        end = self.sim.duration_s
        while self._diary_days and self._diary_days[0] < self.now:
            self._diary_days.pop(0)
        if self._diary_days and self._diary_days[0] <= end:
            self.wake_at(self._diary_days.pop(0), self._on_diary)

    def _on_diary(self) -> None:
        self._refresh()
        relief = self.relief_at(self.now)
        value = diary_entry(self.rng, nrs(self.profile.baseline_nrs, relief), self.profile.diary_noise_sd_nrs)
        entry = {"day": len(self.diary) + 1, "t_s": self.now, "nrs": value, "model_nrs": nrs(self.profile.baseline_nrs, relief),
                 "nrs_by_region": self.nrs_by_region_at(self.now)}
        self.diary.append(entry)
        self.emit(K.PATIENT_DIARY, **{k: v for k, v in entry.items() if k != "t_s"}, label=LABEL)
        trial = self.settings.trial
        if trial is not None and self.trial_result is None and self.now >= trial.start + trial.days * DAY_S - 1e-6:
            self._on_trial_end()
        self._plan_diary()

    def _on_trial_end(self) -> None:
        trial = self.settings.trial
        assert trial is not None  # called only at the end of a trial (_on_diary_day)
        t0, t1 = trial.start, trial.start + trial.days * DAY_S
        entries = [d["nrs"] for d in self.diary if t0 < d["t_s"] <= t1 + 1e-6]
        verdict = trial_verdict(self.profile.baseline_nrs, entries).as_dict()
        self.trial_result = verdict
        self.emit(K.PATIENT_TRIAL_VERDICT, **verdict, label=LABEL)

    # ================= queries =================
    def relief_by_region_at(self, t_s: float) -> dict[str, float]:
        """Relief per painful region at t_s (0..1), closed form (after now: if nothing changes)."""
        self._refresh()
        return {r: self.relief.at(r, t_s) for r in self.profile.pain_map}

    def relief_at(self, t_s: float) -> float:
        """Pain-weighted relief at t_s, 0..1."""
        return weighted_relief(self.profile.pain_map, self.relief_by_region_at(t_s))

    def nrs_at(self, t_s: float) -> float:
        """Model pain score (NRS 0-10, no diary noise) at t_s."""
        return nrs(self.profile.baseline_nrs, self.relief_at(t_s))

    def nrs_by_region_at(self, t_s: float) -> dict[str, float]:
        """Pain score per region: baseline x pain weight x (1 - relief of the region)."""
        rel = self.relief_by_region_at(t_s)
        return {r: nrs(self.profile.baseline_nrs * w, rel[r]) for r, w in self.profile.pain_map.items()}

    def responder_at(self, t_s: float) -> bool:
        """Responder status at t_s: >= 50 % pain-weighted relief."""
        return is_responder(self.relief_at(t_s))

    def snapshot(self) -> PatientSnapshot:
        self._refresh()
        t = self.now
        programs = []
        for n, ps in self._state.get("programs", {}).items():
            th = ps["thresholds"]
            programs.append(ProgramFeel(program=n, amplitude_ma=ps["amplitude_ma"], perception_threshold_ma=th.perception_ma if th else None,
                                        discomfort_threshold_ma=th.discomfort_ma if th else None,
                                        ratio_to_perception=th.ratio(ps["amplitude_ma"]) if th else None, therapy=ps["therapy"],
                                        regions=tuple(sorted(ps["regions"])), strength=self._strength(ps), uncomfortable=self._strength(ps) == "uncomfortable"))
        relief = self.relief_by_region_at(t)
        return PatientSnapshot(
            t_s=t, device=self.id, profile=self.profile.id, stimulator=self.stim.id, posture=self.posture, stimulating=self._state.get("stimulating", False),
            leads=tuple(self._lead_state(i) for i in range(len(self.placements))), contacts=self._contact_places(), segment_mm=self.segment_mm,
            programs=tuple(programs),
            paresthesia_regions=tuple(sorted(self._state.get("regions", set()))), coverage_pct=100.0 * self._state.get("coverage", 0.0),
            relief_pct=100.0 * self.relief_at(t), relief_by_region_pct={r: 100.0 * v for r, v in relief.items()},
            nrs=self.nrs_at(t), nrs_by_region=self.nrs_by_region_at(t), baseline_nrs=self.profile.baseline_nrs,
            responder=self.responder_at(t), trial=self.trial_result)

    def record_state(self) -> None:
        """Breakpoints of relief_pct, nrs and nrs_<region> at now, plus, for the time since the last
        recording, points at 0.25-5 time constants into each exponential segment (computed, not
        simulated: a linear series then follows the curve to within a few %; `relief_at` is exact)."""
        t = self.now
        last = getattr(self, "_recorded_t", None)
        times = ([] if last is None else self.relief.sample_times(last, t)) + [t]
        p = self.profile
        for ti in times:
            rel = {r: self.relief.at(r, ti) for r in p.pain_map}
            total = weighted_relief(p.pain_map, rel)
            self.sim.recorder.record(ti, self.id, "relief_pct", 100.0 * total, "%", "linear")
            self.sim.recorder.record(ti, self.id, "nrs", nrs(p.baseline_nrs, total), "NRS", "linear")
            for r, w in p.pain_map.items():
                self.sim.recorder.record(ti, self.id, f"nrs_{r}", nrs(p.baseline_nrs * w, rel[r]), "NRS", "linear")
        self._recorded_t = t
        self.record("coverage_pct", 100.0 * self._state.get("coverage", 0.0), "%", interp="step")

    def summary(self) -> dict[str, Any]:
        t = self.now
        return {
            "profile": self.profile.id,
            "label": LABEL,
            "linked_stimulator": self.stim.id,
            "max_relief_drawn_pct": {c: 100.0 * v for c, v in self.max_relief.items()},
            "relief_pct": 100.0 * self.relief_at(t),
            "nrs": self.nrs_at(t),
            "baseline_nrs": self.profile.baseline_nrs,
            "responder": self.responder_at(t),
            "coverage_pct": 100.0 * self._state.get("coverage", 0.0),
            "paresthesia_regions": sorted(self._state.get("regions", set())),
            "reports": self.reports,
            "diary_entries": len(self.diary),
            "diary_mean_nrs": (sum(d["nrs"] for d in self.diary) / len(self.diary)) if self.diary else None,
            "trial": self.trial_result,
            "migrations": list(self.migrations),
        }
