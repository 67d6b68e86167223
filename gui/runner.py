"""The runner: a QObject that owns the Simulation and advances it between frames.

A QTimer ticks about 30 times a second; each tick runs the simulation to
`now + speed_x * real_elapsed_s` (`Simulation.run(until=...)`), so the event loop is never
blocked for long. New event records are collected from the event stream and emitted once per
tick, after the time, so views redraw once per frame rather than once per event.

A jump to a distant time runs in slices: each tick simulates for a small wall-clock budget
(`JUMP_BUDGET_S`), in chunks of simulated time sized from the speed measured on the previous
chunks (a busy stretch of the scenario gets short chunks, a quiet one long chunks), so no tick
runs long. While jumping the views do not redraw (a redraw of a four-device overview costs
more than a frame), unless `JUMP_REDRAW_S` asks for one every so often; `jump_progress`
reports (now, target) every tick for a progress bar, and `cancel_jump` stops the jump where it is.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from simulator.engine import ActionResult, Simulation

if TYPE_CHECKING:
    from gui.session import ProgrammingSession

#: Speed presets: label -> simulated seconds per real second.
SPEEDS_X: dict[str, float] = {
    "real time (1 s/s)": 1.0,
    "1 min/s": 60.0,
    "10 min/s": 600.0,
    "1 h/s": 3600.0,
    "6 h/s": 6 * 3600.0,
    "1 day/s": 86400.0,
    "1 week/s": 7 * 86400.0,
    "4 weeks/s": 28 * 86400.0,
}
MIN_SPEED_X = 1.0
MAX_SPEED_X = 28 * 86400.0
#: Longest real time one tick may account for (a stalled frame does not cause a huge leap).
MAX_TICK_REAL_S = 0.25
#: Wall-clock budget of one tick while catching up to a jump target.
JUMP_BUDGET_S = 0.025
#: While jumping, the views redraw at most this often (wall clock, s); None: only at the end
#: (events and the time are handed to the views then, all at once).
JUMP_REDRAW_S: float | None = None
#: First chunk of a jump (simulated s), before the speed is known; shortest chunk.
FIRST_JUMP_CHUNK_S = 3600.0
MIN_JUMP_CHUNK_S = 1.0


class SimRunner(QObject):
    """Owns a Simulation; play, pause, step, jump, next event, speed; applies actions."""

    advanced = Signal(float)  # new simulated time in s
    new_events = Signal(object)  # list of EventRecords since the last emission, in order
    simulation_changed = Signal(object)  # a new Simulation replaced the old one
    playing_changed = Signal(bool)
    speed_changed = Signal(float)  # simulated s per real s
    busy_changed = Signal(bool)  # a jump is being worked through
    jump_progress = Signal(float, float)  # (now, target) in simulated s, every tick of a jump

    def __init__(self, sim: Simulation, tick_ms: int = 33, parent: QObject | None = None):
        super().__init__(parent)
        self.sim: Simulation = sim
        #: the programming session transmits are reviewed and logged in (set by the main window)
        self.session: ProgrammingSession | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._pending: list = []
        self._speed_x = 86400.0
        self._target_t_s: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self._playing = False
        self._jump_start_s = 0.0
        self._jump_rate_x = 0.0  # simulated s per wall-clock s measured during this jump
        self._last_flush_wall = 0.0
        self._attach(sim)

    # ----- simulation -----
    def _attach(self, sim: Simulation) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        self.sim = sim
        self._pending = []
        self._unsubscribe = sim.stream.subscribe(self._pending.append)

    def set_simulation(self, sim: Simulation) -> None:
        """Replace the simulation (a scenario was opened); stops playing."""
        was_jumping = self._target_t_s is not None
        self._target_t_s = None  # a jump of the old simulation ends here, unflushed
        self.pause()
        if was_jumping:
            self._timer.stop()
            self.busy_changed.emit(False)
        self._attach(sim)
        self.simulation_changed.emit(sim)
        self.new_events.emit(list(sim.recorder.events))
        self.advanced.emit(sim.now)

    @property
    def now_s(self) -> float:
        return self.sim.now

    @property
    def tick_timer(self) -> QTimer:
        """The timer whose ticks play the simulation and work through jumps (a frame each)."""
        return self._timer

    # ----- speed -----
    @property
    def speed_x(self) -> float:
        return self._speed_x

    def set_speed(self, speed_x: float) -> None:
        """Simulated seconds per real second, clamped to [real time, 4 weeks per second]."""
        speed_x = float(speed_x)
        if not speed_x == speed_x:  # NaN
            return
        speed_x = min(max(speed_x, MIN_SPEED_X), MAX_SPEED_X)
        if speed_x != self._speed_x:
            self._speed_x = speed_x
            self.speed_changed.emit(speed_x)

    # ----- play / pause -----
    @property
    def playing(self) -> bool:
        return self._playing

    def play(self) -> None:
        if self.sim.finished or self._playing:
            return
        self._playing = True
        self._clock.start()
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not self._playing and self._target_t_s is None:
            return
        was_playing = self._playing
        was_jumping = self._target_t_s is not None
        self._playing = False
        self._target_t_s = None
        self._timer.stop()
        if was_jumping:  # (a pause while playing is no jump's end: the views do not restagger)
            self.busy_changed.emit(False)
        if was_playing:
            self.playing_changed.emit(False)
        if was_jumping:
            self._flush()  # the views show where the jump stopped

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def stop_timers(self) -> None:
        """Stop everything and detach from the stream (window closing)."""
        self.pause()
        self._timer.stop()
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    # ----- stepping -----
    def step(self, dt_s: float) -> float:
        """Advance `dt_s` simulated seconds now (synchronous; keep steps small)."""
        self.sim.advance(dt_s)
        self._flush()
        return self.sim.now

    def next_event(self) -> float:
        """Run to the next time after now at which an event is pending.

        After `run(until=...)` SimPy can leave its stop marker queued at the current time, so
        `run_to_next_event` may not move; events still due now are processed and we go on."""
        t0 = self.sim.now
        for _ in range(8):
            self.sim.run_to_next_event()
            if self.sim.now > t0 or self.sim.finished:
                break
        self._flush()
        return self.sim.now

    def jump_to(self, t_s: float, blocking: bool = False) -> None:
        """Run to time `t_s` (clamped to the scenario); spread over ticks unless `blocking`.

        Jumping backwards is impossible (the simulation only runs forward) and is ignored."""
        t_s = min(float(t_s), self.sim.duration_s)
        if t_s <= self.sim.now:
            return
        if blocking:
            self.sim.run(until=t_s)
            self._flush()
            return
        self._target_t_s = t_s
        self._jump_start_s = self.sim.now
        self._jump_rate_x = 0.0
        self._last_flush_wall = time.perf_counter()
        self.busy_changed.emit(True)
        self.jump_progress.emit(self.sim.now, t_s)
        self._clock.start()
        self._timer.start()

    def cancel_jump(self) -> None:
        """Stop a jump where it has got to (the simulation stays at that time)."""
        if self._target_t_s is None:
            return
        self._target_t_s = None
        self.busy_changed.emit(False)
        if not self._playing:
            self._timer.stop()
        self._flush()

    @property
    def jump_fraction(self) -> float | None:
        """How far the current jump has got (0..1), None when not jumping."""
        if self._target_t_s is None:
            return None
        span = self._target_t_s - self._jump_start_s
        return 1.0 if span <= 0 else min(max((self.sim.now - self._jump_start_s) / span, 0.0), 1.0)

    @property
    def busy(self) -> bool:
        return self._target_t_s is not None

    # ----- actions -----
    def apply_action(self, device_id: str, action: str, params: dict[str, Any] | None = None) -> ActionResult:
        """Apply an action through the simulation (InputError propagates for bad params)."""
        try:
            return self.sim.apply_action(device_id, action, params or {})
        finally:
            self._flush()

    # ----- internals -----
    def _tick(self) -> None:
        real_dt_s = min(self._clock.restart() / 1000.0, MAX_TICK_REAL_S)
        if self._target_t_s is not None:
            self._work_towards_target()
            if self._target_t_s is not None and (JUMP_REDRAW_S is None or time.perf_counter() - self._last_flush_wall < JUMP_REDRAW_S):
                return  # mid-jump: the progress bar moved; the views redraw when the jump ends
        elif self._playing:
            self.sim.run(until=self.sim.now + self._speed_x * real_dt_s)
            if self.sim.finished:
                self.pause()
        else:
            self._timer.stop()
        self._flush()

    def _next_chunk_s(self, target: float, wall_left_s: float) -> float:
        """Simulated time to run next: what the measured speed covers in most of the wall-clock
        time left in this tick (the first chunk of a jump is FIRST_JUMP_CHUNK_S)."""
        left = target - self.sim.now
        if self._jump_rate_x <= 0.0:
            return min(FIRST_JUMP_CHUNK_S, left)
        return min(max(self._jump_rate_x * wall_left_s * 0.7, MIN_JUMP_CHUNK_S), left)

    def _work_towards_target(self) -> None:
        target = self._target_t_s
        assert target is not None
        deadline = time.perf_counter() + JUMP_BUDGET_S
        first = True
        while self.sim.now < target:
            wall = time.perf_counter()
            if wall >= deadline and not first:
                break  # at least one chunk per tick: a jump always moves on
            first = False
            t_before = self.sim.now
            self.sim.run(until=self.sim.now + self._next_chunk_s(target, max(deadline - wall, 0.0)))
            spent = time.perf_counter() - wall
            if spent > 0 and self.sim.now > t_before:
                rate = (self.sim.now - t_before) / spent
                self._jump_rate_x = rate if self._jump_rate_x <= 0 else 0.5 * (self._jump_rate_x + rate)
            if self.sim.finished:
                break
        self.jump_progress.emit(self.sim.now, target)
        if self.sim.now >= target or self.sim.finished:
            self._target_t_s = None
            self.busy_changed.emit(False)
            if not self._playing:
                self._timer.stop()

    def _flush(self) -> None:
        self._last_flush_wall = time.perf_counter()
        if self._pending:
            batch = self._pending[:]
            self._pending.clear()
            self.new_events.emit(batch)
        self.advanced.emit(self.sim.now)
