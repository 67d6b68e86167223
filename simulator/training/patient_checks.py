"""Checks of the virtual SCS patient for exercises (an APPROXIMATION FOR TEACHING).

Each check reads only public surfaces at the end of the replayed run: the patient's snapshot
(`PatientSnapshot`: coverage, felt regions, thresholds per active program, relief, trial verdict),
the linked stimulator's snapshot (recorded thresholds and the patient's remote range are stored on
its programs), the event stream (`ctx.results`) and the trainee's replayed actions and answers.

Patient checks (criterion `device:` is the patient, id `patient` by default):
- `coverage_at_least`: pain-weighted paresthesia coverage >= `min_pct`.
- `regions_not_felt`: no paresthesia in `regions` (e.g. the abdomen); a failure names the causes
  (cathode level and side now, amplitude past the widening ratio, pulse width past the caudal spread).
- `no_discomfort`: no active program is at or above the patient's discomfort threshold.
- `threshold_recorded`: the threshold recorded on the stimulator (perception, or the maximum
  tolerable) lies within `tolerance_pct` of the patient's perception / discomfort threshold.
- `remote_range_within_thresholds`: the patient's remote range (min..max) lies between the
  perception and the discomfort threshold (`tolerance_pct` of slack at each end).
- `paresthesia_free_relief`: the running 10 kHz / burst program reaches the hidden sweet spot
  (the patient's last relief target is a paresthesia-free one above zero).
- `responder`: pain-weighted relief now >= 50 % (or, with `expected: false`, below it).
- `trial_decision`: the trainee's answer to a decision question follows the trial's verdict
  (>= 50 % rule of the diary): implant after a pass, no implant after a fail.
- `trial_relief_answer`: the trainee's relief figure matches the trial's, within `tolerance_points`.
Stimulator checks (`device:` is the stimulator), read from the trainee's replayed actions:
- `setting_kept_days`: every program the trainee sent (of a waveform) ran at least `min_days`
  before the next change: 10 kHz relief takes days to build.
- `reprogramming_limited`: at most `max_changes` accepted reprogramming actions.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from simulator.event_kinds import K
from simulator.profiles.base import StrictModel
from simulator.training.criteria import fmt
from simulator.training.device_checks import device_check
from simulator.units import describe_elapsed

DAY_S = 86400.0


# ----------------------------------------------------------------------------- args
class NoArgs(StrictModel):
    pass


class MinPct(StrictModel):
    min_pct: float = Field(ge=0, le=100, description="Lowest acceptable coverage, %")


class RegionArgs(StrictModel):
    regions: list[str] = Field(min_length=1, max_length=40, description="Body regions, e.g. [left_abdomen, right_abdomen]")
    label: str = Field("", max_length=100, description="The regions in plain words, e.g. 'the abdomen'")

    @field_validator("regions")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        from simulator.patient.somatotopy import REGIONS

        for region in value:
            if region not in REGIONS:
                raise ValueError(f"unknown body region {region!r}; allowed: {', '.join(REGIONS)}")
        return value


class ThresholdArgs(StrictModel):
    kind: Literal["perception", "max_tolerable"]
    program: str | None = Field(None, max_length=60, description="Program (default: the first active)")
    tolerance_pct: float = Field(10.0, ge=0, le=100, description="Allowed deviation from the patient's threshold, %")


class RangeArgs(StrictModel):
    program: str | None = Field(None, max_length=60)
    tolerance_pct: float = Field(5.0, ge=0, le=100, description="Slack at each end of the range, %")


class ResponderArgs(StrictModel):
    expected: bool = Field(True, description="True: relief must be >= 50 %; False: below 50 %")


class DecisionArgs(StrictModel):
    question: str = Field(min_length=1, max_length=60, description="Id of the decision question")
    implant: str = Field(min_length=1, max_length=200, description="The choice that means 'implant'")
    no_implant: str = Field(min_length=1, max_length=200, description="The choice that means 'do not implant'")


class ReliefAnswerArgs(StrictModel):
    question: str = Field(min_length=1, max_length=60)
    tolerance_points: float = Field(2.0, ge=0, le=50, description="Allowed difference, percentage points")


class KeptArgs(StrictModel):
    min_days: float = Field(gt=0, le=60, description="Shortest run of one setting, days")
    waveform: str | None = Field(None, max_length=40, description="Only programs of this waveform count")


class LimitedArgs(StrictModel):
    max_changes: int = Field(ge=0, le=1000)
    actions: list[str] = Field(default_factory=lambda: ["set_program", "set_amplitude"], min_length=1, max_length=20)


# ----------------------------------------------------------------------------- helpers
def _words(region: str) -> str:
    return region.replace("_", " ")


def _stimulator_snapshot(ctx):
    """The linked stimulator's snapshot (the scenario's patient section names it)."""
    sid = ctx.sim.scenario.patient.stimulator
    return ctx.sim.devices[sid].snapshot()


def _feel(snap, program: str | None):
    """The patient's ProgramFeel of `program` (default: the first active), or None."""
    for p in snap.programs:
        if program is None or p.program == program:
            return p
    return None


# ----------------------------------------------------------------------------- patient checks
@device_check("coverage_at_least", "patient", MinPct)
def coverage_at_least(device, args, ctx):
    a = MinPct.model_validate(args)
    snap = device.snapshot()
    felt = ", ".join(_words(r) for r in snap.paresthesia_regions) or "nowhere"
    ok = snap.coverage_pct >= a.min_pct - 1e-9
    return ok, f"the tingling covers {fmt(snap.coverage_pct, '%')} of the pain (felt in: {felt}); wanted at least {fmt(a.min_pct, '%')}", \
        {"value": snap.coverage_pct}


@device_check("regions_not_felt", "patient", RegionArgs)
def regions_not_felt(device, args, ctx):
    a = RegionArgs.model_validate(args)
    snap = device.snapshot()
    name = a.label or ", ".join(_words(r) for r in a.regions)
    hit = [r for r in a.regions if r in snap.paresthesia_regions]
    if hit:
        why = "; ".join(_spread_causes(device, snap, ctx))
        return False, f"the patient feels tingling in {', '.join(_words(r) for r in hit)}: {name} is stimulated" + (f". {why}" if why else ""), \
            {"count": len(hit)}
    return True, f"no tingling in {name}", {"count": 0}


def _spread_causes(device, snap, ctx) -> list[str]:
    """What puts the tingling where it is, per felt program: its cathodes' levels and sides now
    (from the patient's last thresholds event, so a migrated lead shows where it lies), and the
    two things that spread it a level down (the profile's widening ratio and pulse width)."""
    events = ctx.results.events_where(device.id, K.PATIENT_THRESHOLDS)
    cathodes = {p.get("program"): p.get("cathodes") or [] for p in (events[-1].payload.get("programs", []) if events else [])}
    snap_stim = _stimulator_snapshot(ctx)
    out = []
    for feel in snap.programs:
        if not feel.regions:
            continue
        parts = [f"{c['contact']} at {c['level']} ({c['side']})" for c in cathodes.get(feel.program, [])]
        text = f"Program {feel.program}: cathode {', '.join(parts) or 'unknown'}"
        ratio = feel.ratio_to_perception or 0.0
        if ratio >= device.profile.widen_ratio - 1e-9:
            text += (f"; amplitude {fmt(ratio)} times perception: from {fmt(device.profile.widen_ratio)} times the tingling "
                     "spreads a level down")
        program = snap_stim.programs.get(feel.program)
        if program is not None and program.pulse_width_us >= device.profile.caudal_spread_pw_us - 1e-9:
            text += (f"; pulse width {fmt(program.pulse_width_us, 'us')}: from {fmt(device.profile.caudal_spread_pw_us, 'us')} "
                     "the tingling spreads a level down")
        out.append(text)
    return out


@device_check("no_discomfort", "patient", NoArgs)
def no_discomfort(device, args, ctx):
    snap = device.snapshot()
    bad = [p for p in snap.programs if p.uncomfortable]
    if bad:
        p = bad[0]
        return False, (f"program {p.program} runs at {fmt(p.amplitude_ma, 'mA')}, at or above the patient's discomfort threshold "
                       f"of {fmt(p.discomfort_threshold_ma, 'mA')}: the stimulation is uncomfortable"), {"value": p.amplitude_ma}
    if not snap.programs:
        return True, "no program is running", {}
    p = snap.programs[0]
    return True, f"program {p.program} at {fmt(p.amplitude_ma, 'mA')} is below the discomfort threshold of {fmt(p.discomfort_threshold_ma, 'mA')}", {}


@device_check("threshold_recorded", "patient", ThresholdArgs)
def threshold_recorded(device, args, ctx):
    a = ThresholdArgs.model_validate(args)
    feel = _feel(device.snapshot(), a.program)
    what = "perception threshold" if a.kind == "perception" else "maximum tolerable amplitude"
    if feel is None or feel.perception_threshold_ma is None:
        return False, f"the program{' ' + a.program if a.program else ''} is not running, so its {what} cannot be judged", {}
    snap_stim = _stimulator_snapshot(ctx)
    recorded = getattr(snap_stim.programs[feel.program], "perception_threshold_ma" if a.kind == "perception" else "max_tolerable_ma")
    truth = feel.perception_threshold_ma if a.kind == "perception" else feel.discomfort_threshold_ma
    told = "first feels the tingling" if a.kind == "perception" else "first finds it uncomfortable"
    if recorded is None:
        return False, f"no {what} was recorded for {feel.program}; the patient {told} at about {fmt(truth, 'mA')}", {"given": None}
    lo, hi = truth * (1 - a.tolerance_pct / 100.0), truth * (1 + a.tolerance_pct / 100.0)
    ok = lo - 1e-9 <= recorded <= hi + 1e-9
    side = "" if ok else (" (too low)" if recorded < lo else " (too high)")
    return ok, (f"recorded {what} of {feel.program}: {fmt(recorded, 'mA')}{side}; the patient {told} at about {fmt(truth, 'mA')} "
                f"(wanted {fmt(lo)} to {fmt(hi, 'mA')})"), {"value": recorded, "given": recorded}


@device_check("remote_range_within_thresholds", "patient", RangeArgs)
def remote_range_within_thresholds(device, args, ctx):
    a = RangeArgs.model_validate(args)
    feel = _feel(device.snapshot(), a.program)
    if feel is None or feel.perception_threshold_ma is None:
        return False, "the program is not running, so its remote range cannot be judged", {}
    snap_stim = _stimulator_snapshot(ctx)
    program = snap_stim.programs[feel.program]
    pt, dt = feel.perception_threshold_ma, feel.discomfort_threshold_ma
    lo_ok, hi_ok = pt * (1 - a.tolerance_pct / 100.0), dt * (1 + a.tolerance_pct / 100.0)
    top = program.patient_max_ma
    problems = []
    if top is None:
        problems.append("no remote maximum is set, so the patient can turn it up to the device's maximum, far above discomfort")
    elif top > hi_ok + 1e-9:
        problems.append(f"the remote maximum {fmt(top, 'mA')} is above the discomfort threshold {fmt(dt, 'mA')}")
    elif top < pt - 1e-9:
        problems.append(f"the remote maximum {fmt(top, 'mA')} is below the perception threshold {fmt(pt, 'mA')}: the patient can never feel it")
    if program.patient_min_ma < lo_ok - 1e-9:
        problems.append(f"the remote minimum {fmt(program.patient_min_ma, 'mA')} is below the perception threshold {fmt(pt, 'mA')}")
    elif program.patient_min_ma > dt + 1e-9:
        problems.append(f"the remote minimum {fmt(program.patient_min_ma, 'mA')} is above the discomfort threshold {fmt(dt, 'mA')}")
    rng = f"{fmt(program.patient_min_ma)} to {fmt(top, 'mA') if top is not None else 'the device maximum'}"
    if problems:
        return False, f"remote range of {feel.program}: {rng}; " + "; ".join(problems), {}
    return True, f"remote range of {feel.program}: {rng}, between perception {fmt(pt, 'mA')} and discomfort {fmt(dt, 'mA')}", {}


@device_check("paresthesia_free_relief", "patient", NoArgs)
def paresthesia_free_relief(device, args, ctx):
    targets = ctx.results.events_where(device.id, K.PATIENT_RELIEF_TARGET)
    snap_stim = _stimulator_snapshot(ctx)
    running = [n for n in snap_stim.active_programs if snap_stim.programs[n].waveform in ("high_frequency", "burst")]
    if not running:
        return False, "no 10 kHz or burst program is running", {}
    name = running[0]
    cathodes = [f"{c} at {snap_stim.contacts[c].level}" for c, use in snap_stim.programs[name].contacts.items()
                if use.polarity == "-" and c in snap_stim.contacts]
    where = f"program {name} with its cathode on {', '.join(cathodes) or 'no contact'}"
    last = targets[-1] if targets else None
    therapies = set(last.payload.get("therapy", [])) if last is not None else set()
    best = max(last.payload.get("targets_pct", {}).values(), default=0.0) if last is not None else 0.0
    if therapies & {"high_frequency", "burst"} and best > 0:
        return True, f"{where} gives paresthesia-free relief (the patient's pain eases over days)", {}
    return False, f"{where} gives no relief: the diary stays at the baseline pain", {}


@device_check("responder", "patient", ResponderArgs)
def responder(device, args, ctx):
    a = ResponderArgs.model_validate(args)
    snap = device.snapshot()
    is_resp = snap.responder
    text = f"relief at {describe_elapsed(snap.t_s)} is {fmt(snap.relief_pct, '%')} (NRS {fmt(snap.nrs)} against {fmt(snap.baseline_nrs)} before)"
    if a.expected:
        return is_resp, text + ("; a responder (at least 50 %)" if is_resp else "; wanted at least 50 %"), {"value": snap.relief_pct}
    return not is_resp, text + ("; below 50 %" if not is_resp else "; at least 50 %"), {"value": snap.relief_pct}


@device_check("trial_decision", "patient", DecisionArgs)
def trial_decision(device, args, ctx):
    a = DecisionArgs.model_validate(args)
    verdict = device.snapshot().trial
    given = ctx.answers.get(a.question)
    if verdict is None:
        return False, "the trial has not ended, so there is no diary verdict to decide on", {"given": given}
    passed = bool(verdict.get("passed"))
    summary = (f"the diary mean NRS was {fmt(verdict.get('diary_mean_nrs'))} against {fmt(verdict.get('baseline_nrs'))} at baseline: "
               f"{fmt(verdict.get('relief_pct'), '%')} relief, so the trial {'passed' if passed else 'failed'}")
    if given in (None, ""):
        return False, f"no decision was given; {summary}", {"given": None, "trial_passed": passed}
    want = a.implant if passed else a.no_implant
    ok = str(given).strip().lower() == want.strip().lower()
    return ok, f"decision '{given}'; {summary}", {"given": given, "trial_passed": passed}


@device_check("trial_relief_answer", "patient", ReliefAnswerArgs)
def trial_relief_answer(device, args, ctx):
    a = ReliefAnswerArgs.model_validate(args)
    verdict = device.snapshot().trial
    given = ctx.answers.get(a.question)
    if verdict is None:
        return False, "the trial has not ended, so there is no diary relief to compare with", {"given": given}
    truth = float(verdict.get("relief_pct") or 0.0)
    if given in (None, ""):
        return False, f"the relief was not worked out; the diary gives {fmt(truth, '%')}", {"given": None}
    try:
        value = float(given)
    except (TypeError, ValueError):
        return False, f"'{given}' is not a number; the diary gives {fmt(truth, '%')}", {"given": given}
    ok = abs(value - truth) <= a.tolerance_points + 1e-9
    return ok, f"answer {fmt(value, '%')}; the diary gives {fmt(truth, '%')} (within {fmt(a.tolerance_points)} points wanted)", \
        {"given": given, "value": value}


# ----------------------------------------------------------------------------- stimulator checks (trainee's actions)
def _program_changes(ctx, device_id: str, waveform: str | None):
    """(time, program dict) of the trainee's accepted set_program actions on the device."""
    out = []
    for o in ctx.outcomes:
        if o.device == device_id and o.action == "set_program" and o.accepted:
            program = o.params.get("program", {})
            if waveform is None or program.get("waveform", "tonic") == waveform:
                out.append((o.at_s, program))
    return out


@device_check("setting_kept_days", "scs", KeptArgs)
def setting_kept_days(device, args, ctx):
    a = KeptArgs.model_validate(args)
    changes = _program_changes(ctx, device.id, a.waveform)
    if not changes:
        return False, "no program of this kind was sent", {"count": 0}
    short = []
    for (t0, p0), (t1, _p1) in zip(changes, changes[1:]):
        if t1 - t0 < a.min_days * DAY_S - 1e-6:
            contacts = ", ".join(f"{c}{'-' if str(v).startswith('-') else '+'}" for c, v in p0.get("contacts", {}).items())
            short.append(f"the setting on {contacts} sent at {describe_elapsed(t0)} was changed after {describe_elapsed(t1 - t0)}")
    if short:
        return False, "; ".join(short) + f"; each needs at least {fmt(a.min_days)} days", {"count": len(short)}
    return True, f"each of the {len(changes)} setting(s) ran at least {fmt(a.min_days)} days before it was judged", {"count": 0}


@device_check("reprogramming_limited", "scs", LimitedArgs)
def reprogramming_limited(device, args, ctx):
    a = LimitedArgs.model_validate(args)
    done = [o for o in ctx.outcomes if o.device == device.id and o.action in a.actions and o.accepted]
    days = sorted({int(o.at_s // DAY_S) for o in done})
    text = f"{len(done)} reprogramming change(s) on {len(days)} day(s)"
    if len(done) > a.max_changes:
        return False, text + f"; more than {a.max_changes}", {"value": len(done)}
    return True, text + f"; at most {a.max_changes}", {"value": len(done)}
