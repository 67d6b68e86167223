"""The stimulator's program memory (component `programs` of StimulatorDevice).

`ProgramBank` holds the stored programs (a read-only mapping name -> Program), the program groups,
which programs run now (interleaved, in order), the running group, when each running program
started (s, for the cycling phase and soft start) and the programs whose recorded maximum
tolerable amplitude the clinician bypassed. It changes only these; the closed loop, the output
switch and the battery are other components.

The module also holds the pure program edits the actions share (a recorded threshold, patient
limits, a patient step of rate or pulse width, cycling): each returns a new Program and changes
nothing, so a check can look at the pending program before the action is applied.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from simulator.errors import ActionRefused
from simulator.scs.profile import StimulatorProfile
from simulator.scs.program import Cycling, Program
from simulator.scs.settings import PatientStep, RecordThreshold, SetCycling, SetPatientLimits, SetProgram


class ProgramBank(Mapping[str, Program]):
    """Stored programs and groups, the running programs and their start times (s)."""

    def __init__(self, programs: list[Program], groups: dict[str, list[str]], active: list[str], active_group: str | None) -> None:
        self._by_name: dict[str, Program] = {p.name: p for p in programs}
        #: read-only live view of the stored programs (a C-level mapping: the fast path for hot loops)
        self.stored: Mapping[str, Program] = MappingProxyType(self._by_name)
        #: group name -> member programs, run together interleaved
        self.groups: dict[str, list[str]] = {g: list(m) for g, m in groups.items()}
        #: programs running now (interleaved), in order; the first is the closed loop's
        self.active: list[str] = list(active)
        self.active_group: str | None = active_group
        #: running program -> simulation time it (re)started, s
        self.starts: dict[str, float] = {n: 0.0 for n in self.active}
        #: programs whose recorded MaxTol the clinician bypassed
        self.maxtol_bypass: set[str] = set()

    # ----- read-only mapping of the stored programs -----
    def __getitem__(self, name: str) -> Program:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str, default: Any = None) -> Any:  # the dict's, faster than Mapping's
        return self._by_name.get(name, default)

    def values(self) -> Any:
        return self._by_name.values()

    def items(self) -> Any:
        return self._by_name.items()

    def first_active(self) -> Program | None:
        """The first running program (the one the closed loop drives), None when none runs."""
        return self._by_name[self.active[0]] if self.active else None

    # ----- queries -----
    def resolve(self, name: str | None) -> str:
        """The program an action names (None: the first running one); ActionRefused if there is none."""
        if name is None:
            if not self.active:
                raise ActionRefused("no active program", limit="active_programs", value=[], allowed=list(self._by_name))
            return self.active[0]
        if name not in self._by_name:
            raise ActionRefused(f"no program {name!r}", limit="program", value=name, allowed=list(self._by_name))
        return name

    def pending(self, params: SetProgram) -> Program:
        """The program `set_program` would store: without an amplitude it keeps the stored one's when the
        configuration is the same (contacts, waveform), else starts at 0 mA. What was recorded for
        the stored program (perception threshold, maximum tolerable, the patient's range, mA) is
        kept too when the configuration is the same and the new program does not state it: a
        re-sent program does not forget the thresholds measured on those contacts."""
        new = params.program
        old = self._by_name.get(new.name)
        same = old is not None and old.same_configuration(new)
        if "amplitude_ma" not in new.model_fields_set:
            new = new.model_copy(update={"amplitude_ma": old.amplitude_ma if same and old is not None else 0.0})
        if same and old is not None:
            kept = {f: getattr(old, f) for f in RECORDED_FIELDS if f not in new.model_fields_set and getattr(old, f) != getattr(new, f)}
            if kept:
                new = new.model_copy(update=kept)
        return new

    # ----- changes -----
    def store(self, program: Program) -> Program | None:
        """Store (or replace) a program; returns the one it replaced."""
        old = self._by_name.get(program.name)
        self._by_name[program.name] = program
        return old

    def run(self, names: list[str], now_s: float) -> None:
        """Make `names` the running programs; those not running before start at `now_s`."""
        for n in names:
            if n not in self.active:
                self.starts[n] = now_s
        self.active = list(names)

    def run_programs(self, names: list[str], now_s: float) -> None:
        """Run programs chosen one by one (no group is running afterwards)."""
        self.run(names, now_s)
        self.active_group = None

    def store_group(self, name: str, members: list[str]) -> None:
        self.groups[name] = list(members)

    def run_group(self, name: str, now_s: float) -> list[str]:
        """Run the stored group `name`; returns its members."""
        members = list(self.groups[name])
        self.run(members, now_s)
        self.active_group = name
        return members

    def restart(self, name: str, now_s: float) -> None:
        """Restart one program's cycle (and soft start) at `now_s`."""
        self.starts[name] = now_s

    def restart_all(self, now_s: float) -> None:
        """Every running program starts again at `now_s` (output back on)."""
        for n in self.active:
            self.starts[n] = now_s

    def keep_starts(self, now_s: float) -> None:
        """Running programs without a start time get `now_s` (output already on)."""
        for n in self.active:
            self.starts[n] = self.starts.get(n, now_s)

    def set_bypass(self, name: str, enabled: bool) -> None:
        if enabled:
            self.maxtol_bypass.add(name)
        else:
            self.maxtol_bypass.discard(name)


# ----- pure program edits (shared by the checks and the actions) -----
#: what the clinician records on a stored program and a re-sent program of the same configuration keeps
RECORDED_FIELDS = ("perception_threshold_ma", "max_tolerable_ma", "patient_min_ma", "patient_max_ma")


def thresholded(p: Program, params: RecordThreshold) -> Program:
    """`p` with a recorded perception threshold or MaxTol (default: its present amplitude), mA."""
    amp = p.amplitude_ma if params.amplitude_ma is None else params.amplitude_ma
    key = "perception_threshold_ma" if params.kind == "perception" else "max_tolerable_ma"
    return p.model_copy(update={key: amp})


def limited(p: Program, params: SetPatientLimits) -> Program:
    """`p` with new patient limits (mA, locks); ActionRefused when they contradict each other."""
    data = p.model_dump()
    if params.patient_min_ma is not None:
        data["patient_min_ma"] = params.patient_min_ma
    if params.clear_patient_max:
        data["patient_max_ma"] = None
    if params.patient_max_ma is not None:
        data["patient_max_ma"] = params.patient_max_ma
    if params.rate_locked is not None:
        data["patient_rate_locked"] = params.rate_locked
    if params.pulse_width_locked is not None:
        data["patient_pulse_width_locked"] = params.pulse_width_locked
    try:
        return Program.model_validate(data)
    except ValueError as exc:  # pydantic ValidationError: e.g. maximum below minimum
        errors = getattr(exc, "errors", None)
        raise ActionRefused(f"{p.name}: {errors()[0]['msg'] if errors is not None else exc}", limit="patient_limits",
                            value={k: data[k] for k in ("patient_min_ma", "patient_max_ma")}, allowed="patient_min_ma <= patient_max_ma") from None


def stepped(p: Program, params: PatientStep, profile: StimulatorProfile) -> Program:
    """`p` with its rate (Hz) or pulse width (us) moved by `steps` of the profile's step for it."""
    if params.parameter == "pulse_width_us":
        spec = profile.pulse_width_us
    elif p.waveform == "high_frequency" and profile.high_frequency_rate_hz is not None:
        spec = profile.high_frequency_rate_hz
    elif p.waveform == "burst" and profile.burst is not None:
        spec = profile.burst.burst_rate_hz
    else:
        spec = profile.rate_hz
    value = round(getattr(p, params.parameter) + spec.step * params.steps, 6)
    if value <= 0:
        raise ActionRefused(f"{p.name}: {params.parameter} would be {value:g}", limit=params.parameter, value=value, allowed=spec.allowed(""))
    return p.model_copy(update={params.parameter: value})


def cycled(p: Program, params: SetCycling) -> Program:
    """`p` with new cycling (on/off, s) and soft start/stop (s); no on and off time: continuous."""
    upd: dict[str, Any] = {}
    if params.on_s is None and params.off_s is None:
        upd["cycling"] = None
    else:
        on = params.on_s if params.on_s is not None else (p.cycling.on_s if p.cycling else 60.0)
        off = params.off_s if params.off_s is not None else (p.cycling.off_s if p.cycling else 0.0)
        upd["cycling"] = Cycling(on_s=on, off_s=off)
    if params.soft_start_s is not None:
        upd["soft_start_s"] = params.soft_start_s
    if params.soft_stop_s is not None:
        upd["soft_stop_s"] = params.soft_stop_s
    return p.model_copy(update=upd)
