"""Shared builders for the patient tests (scenario dicts built in code from the real profiles)."""
from __future__ import annotations

import copy

import yaml

from simulator.profiles.registry import ProfileRegistry, default_registry

DAY = 86400.0


def registry_with_patient(tmp_path, base: str = "patient/fbss-back-bilateral-legs", **overrides):
    """The bundled registry plus `patient/test` = a bundled patient with some fields replaced."""
    raw = copy.deepcopy(default_registry().raw(base))
    raw.update(overrides)
    raw["id"] = "patient/test"
    folder = tmp_path / "profiles"
    folder.mkdir(exist_ok=True)
    (folder / "test.yaml").write_text(yaml.safe_dump(raw))
    return ProfileRegistry([folder])


def fixed_relief(paresthesia=0.8, high_frequency=0.7, burst=0.6):
    return {"paresthesia": {"fixed": paresthesia}, "high_frequency": {"fixed": high_frequency}, "burst": {"fixed": burst}}


def scenario(program: dict, *, profile="patient/test", leads=None, timeline=(), duration="10d", seed=3, patient_settings=None,
             stim_leads=None, patient_leads=None):
    """One micc-16 stimulator with the given program and a patient linked to it."""
    stim_leads = stim_leads or [{"lead": "lead/percutaneous-8", "top_level": "T9", "side": "midline"}]
    pat = {"profile": profile, "stimulator": "ipg", "settings": patient_settings or {}}
    if patient_leads is not None:
        pat["leads"] = patient_leads
    return {
        "name": "patient test", "seed": seed, "duration": duration,
        "devices": [{"id": "ipg", "profile": "scs/rechargeable-micc-16",
                     "settings": {"leads": stim_leads, "impedance": {"drift": False}, "programs": [program]}}],
        "patient": pat,
        "timeline": list(timeline),
    }


def tonic(contacts: dict, amplitude_ma: float, pulse_width_us: float = 300.0, name: str = "p"):
    return {"name": name, "contacts": contacts, "amplitude_ma": amplitude_ma, "pulse_width_us": pulse_width_us, "rate_hz": 50}


def build(data: dict, registry):
    from simulator.engine import Simulation
    from simulator.scenario.loader import scenario_from_dict

    return Simulation(scenario_from_dict(data, registry), registry=registry)


def events(sim, kind: str):
    return [e for e in sim.results().events if e.kind == kind]
