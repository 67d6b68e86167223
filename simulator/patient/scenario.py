"""Checks of a scenario's `patient:` section (called by `simulator.scenario.loader`).

The patient's profile must be a `patient/...` profile, its stimulator a `scs` device of the same
scenario, its lead placements one per stimulator lead, its id unused by the devices, and a trial
must end inside the scenario.
"""
from __future__ import annotations

from typing import Any

from simulator.errors import InputError, Issue

WHERE = "patient"


def check_patient_section(scenario, registry, settings: dict[str, Any], classes: dict[str, Any]) -> list[Issue]:
    """Issues of `scenario.patient`; on success adds its settings model and class under its id."""
    from simulator.device import device_class_for

    spec = scenario.patient
    issues: list[Issue] = []
    if any(d.id == spec.id for d in scenario.devices):
        issues.append(Issue(f"{WHERE}.id", "the patient's id is already a device id; give the patient its own", spec.id))
    stim = next((d for d in scenario.devices if d.id == spec.stimulator), None)
    if stim is None:
        issues.append(Issue(f"{WHERE}.stimulator", f"no such device; devices: {', '.join(d.id for d in scenario.devices)}", spec.stimulator))
    elif not stim.profile.startswith("scs/"):
        issues.append(Issue(f"{WHERE}.stimulator", "the patient must be linked to a spinal cord stimulator (an 'scs/...' device)", spec.stimulator))
    elif spec.leads is not None and stim.id in settings and len(spec.leads) != len(settings[stim.id].leads):
        issues.append(Issue(f"{WHERE}.leads", f"give one placement per lead of {stim.id} ({len(settings[stim.id].leads)})", len(spec.leads)))
    clash = sorted({"stimulator", "leads"} & set(spec.settings))
    if clash:
        issues.append(Issue(f"{WHERE}.settings", "set these in the patient section itself, not in its settings", clash))
    cls = device_class_for("patient")
    try:
        profile = registry.get(spec.profile, expected_kind="patient")
    except InputError as exc:
        return issues + [i.under(WHERE) for i in exc.issues]
    if clash:
        return issues
    try:
        model = cls.validate_settings(profile, spec.device_settings(), registry)
    except InputError as exc:
        return issues + [i.under(f"{WHERE}.settings") for i in exc.issues]
    from simulator.patient.settings import PatientSettings

    assert isinstance(model, PatientSettings)  # the patient class's Settings
    if model.trial is not None and model.trial.start + model.trial.days * 86400.0 > scenario.duration:
        issues.append(Issue(f"{WHERE}.settings.trial", f"the trial ends after the scenario (duration {scenario.duration:g} s)",
                            model.trial.start + model.trial.days * 86400.0))
    if not issues:
        settings[spec.id] = model
        classes[spec.id] = cls
    return issues

