"""Find profiles by id: the bundled ones, user folders and `NEUROMOD_PROFILES`.

Each profile is a YAML file anywhere under a profile folder. Its `id` says its kind
(`pump/`, `scs/`, `lead/`, `drug/`); the kind picks the pydantic model that validates it.
User folders (`--profiles DIR`, or `NEUROMOD_PROFILES` with folders separated by the path
separator) are read after the bundled folder, so a user profile with the same id overrides it;
the registry notes each override (`overrides`), the CLI says so on stderr, and a run's
summary.json (`profile_overrides`) and the app's title name the file in use.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable

from simulator.errors import InputError, Issue, did_you_mean, validate_model
from simulator.profiles.base import Profile
from simulator.yaml_io import load_yaml_file

ENV_VAR = "NEUROMOD_PROFILES"
#: most YAML files read from one profile folder (each is at most yaml_io.MAX_INPUT_BYTES)
MAX_PROFILE_FILES = 1000

#: kind -> "module:Class" of its profile model, imported on first use.
PROFILE_MODELS: dict[str, str] = {
    "pump": "simulator.pump.profile:PumpProfile",
    "drug": "simulator.pump.drugs:DrugProfile",
    "scs": "simulator.scs.profile:StimulatorProfile",
    "lead": "simulator.scs.leads:LeadProfile",
    "patient": "simulator.patient.profile:PatientProfile",
}


def profile_model(kind: str) -> type[Profile]:
    module, _, cls = PROFILE_MODELS[kind].partition(":")
    return getattr(importlib.import_module(module), cls)


def bundled_profiles_dir() -> Path:
    """The folder of profiles shipped with the package (source checkout or installed)."""
    from simulator.bundled import bundled_dir

    return bundled_dir("profiles")


@dataclass(frozen=True)
class _Entry:
    path: Path
    raw: dict


class ProfileRegistry:
    """Profiles by id, validated lazily on first `get` and cached."""

    def __init__(self, folders: Iterable[Path | str] | None = None, include_bundled: bool = True, include_env: bool = True):
        self.folders: list[Path] = []
        if include_bundled:
            self.folders.append(bundled_profiles_dir())
        if include_env and os.environ.get(ENV_VAR):
            self.folders.extend(Path(p) for p in os.environ[ENV_VAR].split(os.pathsep) if p)
        self.folders.extend(Path(f) for f in (folders or []))
        self._entries: dict[str, _Entry] = {}
        self._cache: dict[str, Profile] = {}
        #: profile id -> (the file first read for it, the file that overrides it), for ids given
        #: more than once (a user folder overriding a bundled profile, say)
        self.overrides: dict[str, tuple[Path, Path]] = {}
        self._scan()

    def _scan(self) -> None:
        issues: list[Issue] = []
        for folder in self.folders:
            if not folder.is_dir():
                issues.append(Issue("(folder)", "profile folder does not exist", str(folder)))
                continue
            paths = []
            for path in folder.rglob("*.y*ml"):
                paths.append(path)
                if len(paths) > MAX_PROFILE_FILES:
                    break
            if len(paths) > MAX_PROFILE_FILES:
                issues.append(Issue("(folder)", f"holds more than {MAX_PROFILE_FILES} profile files; that is the most read from one folder", str(folder)))
                continue
            for path in sorted(paths):
                try:
                    raw = load_yaml_file(path)
                except InputError as exc:
                    issues.extend(exc.issues)
                    continue
                if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                    issues.append(Issue("id", "a profile file must be a mapping with a string 'id' such as 'pump/my-pump'", file=str(path)))
                    continue
                kind = raw["id"].split("/", 1)[0]
                if kind not in PROFILE_MODELS:
                    issues.append(Issue("id", f"unknown profile kind {kind!r}; allowed: {', '.join(PROFILE_MODELS)}", raw["id"], str(path)))
                    continue
                previous = self._entries.get(raw["id"])
                if previous is not None:
                    first = self.overrides.get(raw["id"], (previous.path, path))[0]
                    self.overrides[raw["id"]] = (first, path)
                self._entries[raw["id"]] = _Entry(path, raw)
        if issues:
            raise InputError(issues)

    def override_notes(self) -> list[str]:
        """One line per overridden profile id: which file now defines it, and which it replaces."""
        return [f"profile {pid} is overridden: using {new} instead of {old}" for pid, (old, new) in sorted(self.overrides.items())]

    def overrides_used(self, profile_ids: Iterable[str]) -> dict[str, str]:
        """Of `profile_ids`, those overridden, each with the path of the file in use."""
        return {pid: str(self.overrides[pid][1].resolve()) for pid in sorted(set(profile_ids)) if pid in self.overrides}

    def ids(self, kind: str | None = None) -> list[str]:
        return sorted(i for i in self._entries if kind is None or i.startswith(kind + "/"))

    def __contains__(self, profile_id: str) -> bool:
        return profile_id in self._entries

    def path_of(self, profile_id: str) -> Path:
        return self._entries[profile_id].path

    def raw(self, profile_id: str) -> dict:
        return self._entries[profile_id].raw

    def get(self, profile_id: str, expected_kind: str | None = None) -> Profile:
        if profile_id not in self._entries:
            kinds = [expected_kind] if expected_kind else None
            choices = self.ids(kinds[0]) if kinds else self.ids()
            raise InputError(Issue("profile", f"unknown profile id; known: {', '.join(choices)}{did_you_mean(profile_id, choices)}", profile_id))
        if expected_kind and not profile_id.startswith(expected_kind + "/"):
            raise InputError(Issue("profile", f"expected a '{expected_kind}/...' profile; known: {', '.join(self.ids(expected_kind))}", profile_id))
        if profile_id not in self._cache:
            entry = self._entries[profile_id]
            kind = profile_id.split("/", 1)[0]
            profile = validate_model(profile_model(kind), entry.raw, file=str(entry.path))
            issues = profile.source_issues(str(entry.path))
            if issues:
                raise InputError(issues, str(entry.path))
            self._cache[profile_id] = profile
        return self._cache[profile_id]

    def all(self, kind: str | None = None) -> list[Profile]:
        return [self.get(i) for i in self.ids(kind)]


_DEFAULT: ProfileRegistry | None = None


def default_registry() -> ProfileRegistry:
    """The bundled profiles plus `NEUROMOD_PROFILES`, built once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ProfileRegistry()
    return _DEFAULT
