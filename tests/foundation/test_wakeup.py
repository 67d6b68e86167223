"""Device.wake_at's handle: the Timeout calls its bound `fire`, which calls the callback once,
and not at all after `cancel()`."""
from __future__ import annotations

from simulator.device import Wakeup
from tests.pump.helpers import DAY, make_sim, morphine_settings


def test_fire_calls_the_callback_once_and_never_after_cancel():
    calls = []
    wake = Wakeup(5.0, lambda: calls.append("woke"))
    wake.fire(None)
    wake.fire(None)
    assert calls == ["woke"] and not wake.active
    cancelled = Wakeup(6.0, lambda: calls.append("cancelled"))
    cancelled.cancel()
    cancelled.fire(None)
    assert calls == ["woke"]


def test_wake_at_calls_back_at_its_time_unless_cancelled():
    sim = make_sim(morphine_settings(), duration="2d")
    pump = sim.devices["pump"]
    seen = []
    pump.wake_at(0.5 * DAY, lambda: seen.append(sim.now))
    pump.wake_at(-1.0, lambda: seen.append(("past", sim.now)))  # in the past: now
    pump.wake_at(0.75 * DAY, lambda: seen.append("never")).cancel()
    sim.run()
    assert seen == [("past", 0.0), 0.5 * DAY]
