"""Validation of stimulator settings against its profile (before a simulation exists).

`StimulatorDevice.check_settings` calls `check_settings`; `start` uses `lead_profiles` and
`initial_active`.
"""
from __future__ import annotations

from typing import Any, cast

from simulator.errors import InputError, Issue
from simulator.profiles.registry import ProfileRegistry
from simulator.scs import safety
from simulator.scs.leads import LeadProfile, contact_map
from simulator.scs.profile import StimulatorProfile
from simulator.scs.settings import Settings


def lead_profiles(settings: Settings, registry: ProfileRegistry) -> list[LeadProfile]:
    """The lead profiles the settings name, in port order; InputError naming `leads[i].lead`."""
    leads: list[LeadProfile] = []
    issues: list[Issue] = []
    for i, place in enumerate(settings.leads):
        try:
            leads.append(cast(LeadProfile, registry.get(place.lead, expected_kind="lead")))
        except InputError as exc:
            issues.extend(x.under(f"leads[{i}].lead") for x in exc.issues)
    if issues:
        raise InputError(issues)
    return leads


def check_settings(profile: Any, settings: Any, registry: ProfileRegistry) -> None:
    """InputError (paths relative to the settings) when settings break the profile's limits: lead
    ports and contacts, stored programs (count, safety refusals), groups, running programs,
    impedance contacts, a closed loop the profile lacks."""
    profile = cast(StimulatorProfile, profile)
    settings = cast(Settings, settings)
    leads = lead_profiles(settings, registry)
    issues: list[Issue] = []
    if len(leads) > profile.lead_ports:
        issues.append(Issue("leads", f"{profile.id} has {profile.lead_ports} lead ports", len(leads)))
    n = sum(lp.contacts for lp in leads)
    if n > profile.contacts_max:
        issues.append(Issue("leads", f"the leads have {n} contacts; {profile.id} drives at most {profile.contacts_max}", n))
    areas = {k: v["area_cm2"] for k, v in contact_map(settings.leads, leads, settings.segment_mm).items()}
    programs = settings.programs or [profile.nominal_program]
    if len(programs) > profile.max_programs:
        issues.append(Issue("programs", f"{profile.id} stores at most {profile.max_programs} programs", len(programs)))
    for i, p in enumerate(programs):
        for f in safety.check_program(p, profile, areas):
            if f.level == "refuse":
                issues.append(Issue(f"programs[{i}]", f"{f.message} (allowed: {f.allowed})", f.value))
    names = [p.name for p in programs]
    by_name = {p.name: p for p in programs}
    if len(settings.groups) > profile.max_groups:
        issues.append(Issue("groups", f"{profile.id} stores at most {profile.max_groups} program groups", len(settings.groups)))
    for g, members in settings.groups.items():
        missing = [m for m in members if m not in by_name]
        if missing:
            issues.append(Issue(f"groups.{g}", f"no program {', '.join(missing)}; programs: {', '.join(names)}", missing))
            continue
        for f in safety.check_interleave([by_name[m] for m in members], profile):
            issues.append(Issue(f"groups.{g}", f.message, f.value))
    if settings.active_group is not None and settings.active_group not in settings.groups:
        issues.append(Issue("active_group", f"no group {settings.active_group!r}; groups: {', '.join(settings.groups) or 'none'}", settings.active_group))
    active = initial_active(settings, names)
    for a in active:
        if a not in names:
            issues.append(Issue("active_programs", f"no program {a!r}; programs: {', '.join(names)}", a))
    if not issues:
        for f in safety.check_interleave([p for p in programs if p.name in active], profile):
            issues.append(Issue("active_programs", f.message, f.value))
    for label in list(settings.impedance.initial_ohm) + list(settings.impedance.faults) + list(settings.impedance.drift_per_year):
        if label not in areas:
            issues.append(Issue("impedance", f"no contact {label!r}; contacts E1-E{len(areas)}", label))
    if settings.closed_loop is not None and profile.closed_loop is None:
        issues.append(Issue("closed_loop", f"{profile.id} has no closed-loop model; use e.g. scs/closed-loop-ecap", "closed_loop"))
    if issues:
        raise InputError(issues)


def initial_active(settings: Settings, names: list[str]) -> list[str]:
    """Programs running at t = 0: the active group's, the named ones, else the first stored."""
    if settings.active_group is not None:
        return list(settings.groups.get(settings.active_group, []))
    return list(settings.active_programs) if settings.active_programs is not None else names[:1]
