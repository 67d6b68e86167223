"""A toy device for engine unit tests: a tank that drains at a set rate and alarms when empty.

Not a real device model: it exists so the engine's contracts can be tested alone.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from simulator.device import ActionSpec, Device, Finding, register_device_class
from simulator.profiles.base import Profile, StrictModel
from simulator.profiles.registry import PROFILE_MODELS


class ToyProfile(Profile):
    kind: ClassVar[str] = "toy"
    capacity_ml: float = Field(gt=0)


class ToySettings(StrictModel):
    volume_ml: float = Field(ge=0)
    rate_ml_per_day: float = Field(0.0, ge=0)


class SetRate(StrictModel):
    rate_ml_per_day: float = Field(ge=0)


class Fill(StrictModel):
    volume_ml: float = Field(gt=0)


class ToyTank(Device):
    kind = "toy"
    Settings = ToySettings
    ACTION_TABLE = {
        "set_rate": ActionSpec(SetRate, lambda d, p: d._set_rate(p)),
        "fill": ActionSpec(Fill, lambda d, p: d._fill(p), lambda d, p: d._check_fill(p)),
    }

    def start(self):
        self.t0 = self.now
        self.v0 = self.settings.volume_ml
        self.rate = self.settings.rate_ml_per_day / 86400.0
        self._wake = None
        self.noise = float(self.rng.normal())
        self.record_state()
        self._plan()

    def volume_at(self, t):
        return max(0.0, self.v0 - self.rate * (t - self.t0))

    def _rebase(self):
        self.v0, self.t0 = self.volume_at(self.now), self.now

    def _plan(self):
        if self._wake:
            self._wake.cancel()
        if self.rate > 0 and self.v0 > 0:
            self._wake = self.wake_at(self.t0 + self.v0 / self.rate, self._empty)

    def _empty(self):
        self._rebase()
        self.record("volume_ml", 0.0, "mL")
        self.emit("alarm.raised", alarm="empty", severity="critical", message="tank empty", tone="")

    def prepare_action(self, action, applying):
        self._rebase()

    def begin_apply(self, action, params):
        self.record_state()

    def _check_fill(self, params):
        if self.v0 + params.volume_ml > self.profile.capacity_ml:
            return [Finding("refuse", "fill beyond capacity", "capacity_ml", self.v0 + params.volume_ml, self.profile.capacity_ml)]
        return []

    def _set_rate(self, params):
        self.rate = params.rate_ml_per_day / 86400.0

    def _fill(self, params):
        self.v0 += params.volume_ml

    def finish_apply(self, action, params, findings, payload, token):
        self.record_state()
        self._plan()
        return {"volume_ml": self.v0}

    def record_state(self):
        self.record("volume_ml", self.volume_at(self.now), "mL")
        self.record("rate_ml_per_day", self.rate * 86400.0, "mL/day", interp="step")

    def summary(self):
        return {"volume_ml": self.volume_at(self.now), "noise": self.noise}


def install_toy() -> None:
    PROFILE_MODELS["toy"] = "tests.toy_device:ToyProfile"
    register_device_class("toy", ToyTank)
