"""Checks of a scenario's `patient:` section (called by `simulator.scenario.loader`).

The patient's profile must be a `patient/...` profile, its stimulator a `scs` device of the same
scenario, its lead placements one per stimulator lead, its id unused by the devices, and a trial
must end inside the scenario.
"""
from __future__ import annotations

from typing import Any

from simulator.errors import InputError, Issue

#: device class of a patient linked to a stimulator / to a pump (module:Class)
PATIENT_CLASSES = {"stimulator": "simulator.patient.device:PatientDevice", "pump": "simulator.patient.it_device:IntrathecalPatientDevice"}


def patient_class_for(spec):
    """The device class of the scenario's patient: SCS patient or intrathecal patient."""
    import importlib

    module, _, name = PATIENT_CLASSES["pump" if spec.pump is not None else "stimulator"].partition(":")
    return getattr(importlib.import_module(module), name)


def _check_pump_link(scenario, registry, settings: dict[str, Any], classes: dict[str, Any]) -> list[Issue]:
    """Issues of a patient linked to a pump (an intrathecal patient)."""
    spec = scenario.patient
    issues: list[Issue] = []
    pump = next((d for d in scenario.devices if d.id == spec.pump), None)
    if pump is None:
        issues.append(Issue(f"{WHERE}.pump", f"no such device; devices: {', '.join(d.id for d in scenario.devices)}", spec.pump))
    elif not pump.profile.startswith("pump/"):
        issues.append(Issue(f"{WHERE}.pump", "the intrathecal patient must be linked to a drug pump (a 'pump/...' device)", spec.pump))
    if "pump" in spec.settings:
        issues.append(Issue(f"{WHERE}.settings", "set pump in the patient section itself, not in its settings", "pump"))
    cls = patient_class_for(spec)
    try:
        profile = registry.get(spec.profile, expected_kind="patient")
    except InputError as exc:
        return issues + [i.under(WHERE) for i in exc.issues]
    if profile.missing_for("pump"):
        issues.append(Issue(f"{WHERE}.profile", "this profile has no 'intrathecal' section: it cannot be linked to a pump", spec.profile))
    if issues:
        return issues
    try:
        model = cls.validate_settings(profile, spec.device_settings(), registry)
    except InputError as exc:
        return [i.under(f"{WHERE}.settings") for i in exc.issues]
    if pump is not None and pump.id in settings:
        issues.extend(cls.check_link(profile, model, settings[pump.id], registry))
    if not issues:
        settings[spec.id] = model
        classes[spec.id] = cls
    return issues

WHERE = "patient"


def check_patient_section(scenario, registry, settings: dict[str, Any], classes: dict[str, Any]) -> list[Issue]:
    """Issues of `scenario.patient`; on success adds its settings model and class under its id."""
    spec = scenario.patient
    issues: list[Issue] = []
    if any(d.id == spec.id for d in scenario.devices):
        issues.append(Issue(f"{WHERE}.id", "the patient's id is already a device id; give the patient its own", spec.id))
    if spec.pump is not None:
        return issues + _check_pump_link(scenario, registry, settings, classes)
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
    cls = patient_class_for(spec)
    try:
        profile = registry.get(spec.profile, expected_kind="patient")
    except InputError as exc:
        return issues + [i.under(WHERE) for i in exc.issues]
    missing = profile.missing_for("stimulator")
    if missing:
        issues.append(Issue(f"{WHERE}.profile", f"this profile has no {', '.join(missing)}: it cannot be linked to a stimulator", spec.profile))
    if clash or missing:
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

