"""Actions of the stimulator: apply a checked action and change the state it names.

Each `_do_<action>` changes the device's state at `now`; `apply` rebases the closed-form state
first and recomputes the rates, the compliance state and the plan after.
"""
from __future__ import annotations

import math
from typing import Any

from simulator.alarms import NON_CRITICAL
from simulator.errors import ActionRefused
from simulator.profiles.base import StrictModel
from simulator.scs.closed_loop import LABEL as LOOP_LABEL
from simulator.scs.closed_loop import LoopTracker, threshold_ma
from simulator.scs.program import Program
from simulator.scs.settings import (
    AckParams, AmplitudeStep, ClosedLoopParams, InjectFault, MaxTolBypass, MriParams, PatientStep, PostureParams, Recharge,
    RecordThreshold, SelectGroup, SelectProgram, SetGroup, SetAmplitude, SetCycling, SetPatientLimits, SetProgram,
)
from simulator.event_kinds import K



class ActionsMixin:
    """Mixed into StimulatorDevice: the effect of each action."""

    def apply(self, action: str, params: StrictModel) -> dict[str, Any] | None:
        findings = self._check(action, params)
        refusals = [f for f in findings if f.level == "refuse"]
        if refusals:
            f = refusals[0]
            kind = {"charge_density_uc_per_cm2": K.SAFETY_CHARGE_DENSITY}.get(f.limit)
            if kind:
                self.safety_events[kind] = self.safety_events.get(kind, 0) + 1
                self.emit(kind, message=f.message, value=f.value, limit=f.allowed, policy="refuse")
            raise ActionRefused(f.message, limit=f.limit, value=f.value, allowed=f.allowed, findings=[x.as_dict() for x in refusals])
        self._rebase()
        for f in findings:
            self._emit_finding(f, action)
        before, amps_before = self._stim_state(), self.effective_amplitudes()
        result = getattr(self, "_do_" + action)(params) or {}
        self._begin_soft_stops(before, amps_before, action)
        self._compute_rates()
        self._check_compliance()
        self._check_recharge_eri()
        self.record_state()
        self._plan()
        if findings:
            result["warnings"] = [f.as_dict() for f in findings]
        return result

    def _do_set_program(self, params: SetProgram):
        p = self._pending_program(params)
        old = self.programs.get(p.name)
        self.programs[p.name] = p
        if params.activate:
            self._set_active([p.name])
        self.emit(K.PROGRAM_TRANSMITTED, program=p.name, amplitude_ma=p.amplitude_ma,
                  configuration_changed=bool(old is None or not old.same_configuration(p)),
                  amplitude_reset=bool("amplitude_ma" not in params.program.model_fields_set and p.amplitude_ma == 0.0 and old is not None and not old.same_configuration(p)))
        if self.loop is not None and self.active and p.name == self.active[0]:
            self.loop.open_amplitude_ma = p.amplitude_ma
            self.loop.max_amplitude_ma = self._loop_cap_ma(p)
        return {"program": p.model_dump(mode="json")}

    def _set_active(self, names: list[str]) -> None:
        for n in names:
            if n not in self.active:
                self.starts[n] = self.now
        self.active = list(names)
        if self.loop is not None and self.active:
            p = self.programs[self.active[0]]
            self.loop.open_amplitude_ma = p.amplitude_ma
            self.loop.max_amplitude_ma = self._loop_cap_ma(p)

    def _do_select_program(self, params: SelectProgram):
        names = [params.name] if params.name is not None else list(params.names)
        self._set_active(names)
        self.active_group = None
        self.emit(K.PROGRAM_SELECTED, programs=names)
        return {"active_programs": names}

    def _do_set_group(self, params: SetGroup):
        self.groups[params.name] = list(params.programs)
        self.emit(K.GROUP_STORED, group=params.name, programs=list(params.programs))
        if params.activate or self.active_group == params.name:
            self._set_active(list(params.programs))
            self.active_group = params.name
            self.emit(K.GROUP_SELECTED, group=params.name, programs=list(params.programs))
        return {"group": params.name, "programs": list(params.programs), "active_group": self.active_group}

    def _do_select_group(self, params: SelectGroup):
        names = list(self.groups[params.name])
        self._set_active(names)
        self.active_group = params.name
        self.emit(K.GROUP_SELECTED, group=params.name, programs=names)
        return {"active_group": params.name, "active_programs": names}

    def _set_amp(self, name: str, amp: float, who: str):
        p = self.programs[name]
        self.programs[name] = p.model_copy(update={"amplitude_ma": amp})
        if self.loop is not None and self.active and name == self.active[0]:
            self.loop.open_amplitude_ma = amp
        self.emit(K.AMPLITUDE_CHANGE, program=name, amplitude_ma=amp, previous_ma=p.amplitude_ma, by=who)
        return {"program": name, "amplitude_ma": amp}

    def _do_amplitude_up(self, params: AmplitudeStep):
        name = self._resolve(params.program)
        return self._set_amp(name, round(self.programs[name].amplitude_ma + self.profile.amplitude_ma.step * params.steps, 6), "patient")

    def _do_amplitude_down(self, params: AmplitudeStep):
        name = self._resolve(params.program)
        return self._set_amp(name, max(0.0, round(self.programs[name].amplitude_ma - self.profile.amplitude_ma.step * params.steps, 6)), "patient")

    def _replace_program(self, p: Program, event: str, **payload: Any):
        self.programs[p.name] = p
        if self.loop is not None and self.active and p.name == self.active[0]:
            self.loop.open_amplitude_ma = p.amplitude_ma
            self.loop.max_amplitude_ma = self._loop_cap_ma(p)
        self.emit(event, program=p.name, **payload)
        return {"program": p.name, **payload}

    def _do_record_threshold(self, params: RecordThreshold):
        name = self._resolve(params.program)
        p = self._thresholded(self.programs[name], params)
        key = "perception_threshold_ma" if params.kind == "perception" else "max_tolerable_ma"
        return self._replace_program(p, K.PROGRAM_THRESHOLD_RECORDED, threshold=params.kind, amplitude_ma=getattr(p, key))

    def _do_max_tolerable_bypass(self, params: MaxTolBypass):
        name = self._resolve(params.program)
        if params.enabled:
            self.maxtol_bypass.add(name)
        else:
            self.maxtol_bypass.discard(name)
        self.emit(K.PATIENT_MAXTOL_BYPASS, program=name, enabled=params.enabled, max_tolerable_ma=self.programs[name].max_tolerable_ma)
        return {"program": name, "bypass": params.enabled}

    def _do_set_patient_limits(self, params: SetPatientLimits):
        p = self._limited(self.programs[self._resolve(params.program)], params)
        return self._replace_program(p, K.PATIENT_LIMITS, patient_min_ma=p.patient_min_ma, patient_max_ma=p.patient_max_ma,
                                     rate_locked=p.patient_rate_locked, pulse_width_locked=p.patient_pulse_width_locked,
                                     remote_top_ma=p.remote_top_ma(self.profile.amplitude_ma.max, p.name in self.maxtol_bypass))

    def _do_patient_step(self, params: PatientStep):
        name = self._resolve(params.program)
        old = getattr(self.programs[name], params.parameter)
        p = self._stepped(self.programs[name], params)
        return self._replace_program(p, K.PATIENT_STEP, parameter=params.parameter, value=getattr(p, params.parameter), previous=old, by="patient")

    def _do_set_amplitude(self, params: SetAmplitude):
        return self._set_amp(self._resolve(params.program), params.amplitude_ma, "clinician")

    def _do_stimulation_on(self, params):
        was = self.stimulating()
        self.stim_on = True
        for n in self.active:
            self.starts[n] = self.now if not was else self.starts.get(n, self.now)
        if not was and self.stimulating():
            self.emit(K.STIMULATION_ON, programs=list(self.active))
        return {"stimulating": self.stimulating()}

    def _do_stimulation_off(self, params):
        was = self.stimulating()
        self.stim_on = False
        if was:
            self.emit(K.STIMULATION_OFF, reason="user")
        return {"stimulating": False}

    def _do_set_cycling(self, params: SetCycling):
        name = self._resolve(params.program)
        self.programs[name] = self._cycled(self.programs[name], params)
        self.starts[name] = self.now
        c = self.programs[name].cycling
        self.emit(K.PROGRAM_CYCLING, program=name, on_s=c.on_s if c else None, off_s=c.off_s if c else None,
                  duty=self.programs[name].duty_fraction())
        return {"program": name, "duty": self.programs[name].duty_fraction()}

    def _do_impedance_check(self, params):
        table = self.impedance_table()
        self.last_check, self.last_check_t_s = table, self.now
        faults = {r["contact"]: r["flag"] for r in table if r["flag"]}
        self.emit(K.IMPEDANCE_CHECK, table=table, faults=faults)
        if faults:
            self.alarms.raise_("impedance_fault", NON_CRITICAL, f"impedance out of range on {', '.join(f'{k} ({v})' for k, v in faults.items())}", faults=faults)
        elif self.alarms.is_active("impedance_fault"):
            self.alarms.clear("impedance_fault", reason="all contacts within range")
        return {"table": table, "faults": faults}

    def _do_inject_impedance_fault(self, params: InjectFault):
        self.impedance.inject(params.contact, params.fault)
        self.emit(K.IMPEDANCE_FAULT, contact=params.contact, fault=params.fault, ohm=self._ohm()[params.contact])
        return {"contact": params.contact, "fault": params.fault}

    def _do_recharge(self, params: Recharge):
        if self._recharge_wake is not None:
            self._recharge_wake.cancel()
        start_pct = self.battery.pct_at(self.now)
        self.recharging = {"start_t_s": self.now, "start_pct": start_pct}
        self._compute_rates()
        t_full = self.battery.time_to_pct(100.0)
        end = t_full if (params.duration is None or params.to_full) else min(self.now + params.duration, t_full)
        self.recharging["planned_end_t_s"] = end
        self.emit(K.RECHARGE_START, battery_pct=round(start_pct, 4), planned_end_t_s=end)
        if math.isfinite(end):
            self._recharge_wake = self.wake_at(end, self._end_recharge)
        return {"battery_pct": start_pct, "planned_end_t_s": end}

    def _end_recharge(self) -> None:
        self._recharge_wake = None
        self._rebase()
        rec = self.recharging or {}
        self.recharging = None
        pct = self.battery.pct_at(self.now)
        entry = {"start_t_s": rec.get("start_t_s"), "end_t_s": self.now, "hours": (self.now - rec.get("start_t_s", self.now)) / 3600.0,
                 "from_pct": rec.get("start_pct"), "to_pct": pct}
        self.recharges.append(entry)
        self.emit(K.RECHARGE_END, **entry)
        b = self.profile.battery
        for level, name in self._thresholds():
            if name in self.flags and pct > level + 1e-9:
                self.flags.discard(name)
        if pct > b.low_battery_pct and self.alarms.is_active("battery_low"):
            self.alarms.clear("battery_low", reason="recharged")
        if self.suspended == "battery" and pct > b.stimulation_off_pct:
            self.suspended = None
            self.alarms.clear("stimulation_off_battery", reason="recharged")
            for n in self.active:
                self.starts[n] = self.now
            if self.stimulating():
                self.emit(K.STIMULATION_ON, programs=list(self.active), reason="recharged")
        self._compute_rates()
        self.record_state()
        self._plan()

    def _distance_factor(self) -> float:
        cl = self.profile.closed_loop
        if cl is None:
            return 1.0
        f = cl.posture_distance_factor.get(self.posture, 1.0)
        if self.cough_until is not None and self.now < self.cough_until:
            f *= cl.cough_distance_factor
        return f

    def _loop_update(self) -> None:
        if self.loop is not None:
            self.loop.set_distance(self.now, self._distance_factor(), self.stimulating())
            self.emit(K.CLOSED_LOOP_ECAP, posture=self.posture, cough=self.cough_until is not None,
                      ecap_closed_uv=self.loop.ecap_at(self.now), ecap_open_uv=self.loop.ecap_at(self.now, closed=False),
                      settled_ecap_closed_uv=self.loop.spec.slope_uv_per_ma * max(0.0, self.loop.settled_ma() - _threshold(self.loop)),
                      settled_amplitude_ma=self.loop.settled_ma(), label=LOOP_LABEL)

    def _do_posture(self, params: PostureParams):
        prev = self.posture
        self.posture = params.posture
        self.emit(K.POSTURE_CHANGE, posture=params.posture, previous=prev)
        self._loop_update()
        return {"posture": params.posture}

    def _do_cough(self, params):
        cl = self.profile.closed_loop
        duration = cl.cough_duration_s if cl else 2.0
        self.cough_until = self.now + duration
        self.emit(K.COUGH_START, duration_s=duration)
        self._loop_update()
        if self._cough_wake is not None:
            self._cough_wake.cancel()
        self._cough_wake = self.wake_at(self.cough_until, self._end_cough)
        return {"cough_until_t_s": self.cough_until}

    def _end_cough(self) -> None:
        self._cough_wake = None
        self._rebase()
        self.cough_until = None
        self.emit(K.COUGH_END)
        self._loop_update()
        self._compute_rates()
        self.record_state()
        self._plan()

    def _do_mri_mode(self, params: MriParams):
        if params.on == self.mri:
            return {"mri_mode": self.mri}
        was = self.stimulating()
        self.mri = params.on
        if params.on:
            self.emit(K.MRI_ON, checked={"impedance_ok": not self.impedance.faulty(self.now), "battery_pct": round(self.battery.pct_at(self.now), 3)})
            if was:
                self.emit(K.STIMULATION_OFF, reason="mri")
        else:
            self.emit(K.MRI_OFF)
            if self.stimulating():
                for n in self.active:
                    self.starts[n] = self.now
                self.emit(K.STIMULATION_ON, programs=list(self.active), reason="mri_off")
        return {"mri_mode": self.mri}

    def _do_set_closed_loop(self, params: ClosedLoopParams):
        self.loop_enabled = params.enabled
        if params.target_uv is not None:
            self.loop.target_uv = params.target_uv  # type: ignore[union-attr]
        self.emit(K.CLOSED_LOOP_SET, enabled=params.enabled, target_uv=self.loop.target_uv)  # type: ignore[union-attr]
        self._loop_update()
        return {"enabled": params.enabled}

    def _do_acknowledge_alarm(self, params: AckParams):
        return {"acknowledged": self.alarms.acknowledge(params.alarm)}


def _threshold(loop: LoopTracker) -> float:
    return threshold_ma(loop.spec, loop.distance_factor)
