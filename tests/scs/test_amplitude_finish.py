"""The fused finish of an amplitude-only action (scs/amplitude_finish.py, issue 14, tenth pass)
gives what the plain path gives (`StimulatorDevice.fused_finish = False`: output_now and every
step called in turn): whole runs identical event by event, series by series, in the history's
entries and in the device's state after the run, with the fused path taken (and not taken where
it must not be: soft stops in progress, a closed-loop controller)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator.scs.device as scs_device
from simulator.engine import Simulation
from simulator.scs.device import StimulatorDevice
from tests.scs.helpers import TWO_PERC8, sim_of

BACK = {"name": "back", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 210.0, "rate_hz": 40.0,
        "cycling": {"on_s": 60.0, "off_s": 240.0}, "soft_start_s": 2.0, "soft_stop_s": 2.0}
LEGS = {"name": "legs", "contacts": {"E10": "-", "E11": "+"}, "amplitude_ma": 3.0, "pulse_width_us": 210.0, "rate_hz": 40.0}


def _step(at_s: float, action: str, **params) -> dict:
    return {"at": at_s, "device": "ipg", "action": action, "params": params}


def _busy_timeline() -> list[dict]:
    """Amplitude steps among the actions that change what the fused path reads: a soft stop in
    progress, faults (a short's lost current, an open contact out of compliance), a recharge, a
    program stored and run mid-run, stimulation off and on."""
    steps = [_step(k * 1800.0, "amplitude_up" if k % 3 else "amplitude_down", program="back") for k in range(1, 90)]
    steps += [_step(k * 2700.0 + 60.0, "set_amplitude", program="legs", amplitude_ma=1.0 + (k % 7) * 0.9) for k in range(1, 50)]
    steps += [_step(7 * 3600.0, "inject_impedance_fault", contact="E2", fault="short"),
              _step(9 * 3600.0, "inject_impedance_fault", contact="E2", fault="none"),
              _step(12 * 3600.0, "inject_impedance_fault", contact="E10", fault="open"),
              _step(15 * 3600.0, "inject_impedance_fault", contact="E10", fault="none"),
              _step(18 * 3600.0 + 30.0, "stimulation_off"), _step(18 * 3600.0 + 31.0, "amplitude_up", program="back"),  # during the soft stop
              _step(19 * 3600.0, "stimulation_on"),
              _step(20 * 3600.0 + 30.0, "recharge", duration="3h"),
              _step(26 * 3600.0 + 20.0, "set_program", program={"name": "new", "contacts": {"E5": "-", "E6": "+"}, "amplitude_ma": 2.0,
                                                                  "pulse_width_us": 300.0, "rate_hz": 50.0}),
              _step(27 * 3600.0 + 20.0, "select_program", names=["back", "new"]),
              _step(28 * 3600.0 + 20.0, "set_amplitude", program="new", amplitude_ma=4.0),
              # two steps at one instant, back where they started: the history's second entry at an instant
              _step(33 * 3600.0 + 10.0, "amplitude_up", program="back"), _step(33 * 3600.0 + 10.0, "amplitude_down", program="back"),
              _step(34 * 3600.0 + 10.0, "amplitude_up", program="back"), _step(34 * 3600.0 + 10.0, "set_amplitude", program="legs", amplitude_ma=2.0)]
    return steps


def _busy_sim() -> Simulation:
    return sim_of(settings={"programs": [BACK, LEGS], "active_programs": ["back", "legs"], "battery_pct": 30.0,
                            "impedance": {"drift": True, "update_interval": 5400.0}}, timeline=_busy_timeline(), duration="2d", seed=3)


def _primary_sim() -> Simulation:
    """A primary cell near its thresholds: the steps move the next threshold's wake-up (low, ERI)."""
    steps = [_step(k * 3600.0, "amplitude_up" if k % 4 else "amplitude_down") for k in range(1, 60)]
    return sim_of(profile="scs/recharge-free-tonic", settings={"battery_pct": 10.3}, timeline=steps, duration="5d", seed=4)


def _closed_loop_sim() -> Simulation:
    steps = [_step(k * 3000.0, "amplitude_up" if k % 4 else "amplitude_down") for k in range(1, 30)]
    steps += [_step(10 * 3600.0, "set_closed_loop", enabled=False), _step(10 * 3600.0 + 600.0, "amplitude_up"),
              _step(14 * 3600.0, "set_closed_loop", enabled=True)]
    return sim_of(profile="scs/closed-loop-ecap", settings={"closed_loop": {"enabled": True, "posture": "standing"}},
                  leads=[{"lead": "lead/percutaneous-12", "top_level": "T8", "side": "left"},
                         {"lead": "lead/percutaneous-12", "top_level": "T8", "side": "right"}], timeline=steps, duration="2d", seed=5)


def _run_both(monkeypatch: pytest.MonkeyPatch, make) -> tuple[Simulation, Simulation, int]:
    """(fused run, plain run, how many times the fused path ran)."""
    used = []
    fused = scs_device.finish_amplitude

    def counting(dev):
        used.append(dev.now)
        return fused(dev)

    monkeypatch.setattr(scs_device, "finish_amplitude", counting)
    fast = make()
    fast.run()
    monkeypatch.setattr(StimulatorDevice, "fused_finish", False)
    slow = make()
    slow.run()
    assert len(used) > 0 or make is _closed_loop_sim
    return fast, slow, len(used)


def _assert_same(fast: Simulation, slow: Simulation) -> None:
    a, b = fast.results(), slow.results()
    assert len(a.events) == len(b.events)
    for x, y in zip(a.events, b.events):  # event by event
        assert x == y
    assert a.summary == b.summary
    assert list(a.series) == list(b.series)  # the series made in the same order
    for key in a.series:  # series by series
        assert a.series[key] == b.series[key], key
    da, db = fast.devices["ipg"], slow.devices["ipg"]
    assert len(da.history.states) == len(db.history.states)
    assert all(x == y for x, y in zip(da.history.states, db.history.states))
    assert da.power.rate == db.power.rate
    assert da.power.battery == db.power.battery
    assert (da.safety.compliance_state, da.safety.short_state) == (db.safety.compliance_state, db.safety.short_state)
    assert [type(w) for w in (da.power.threshold_wake, da.safety.compliance_wake, da.soft_stops.end_wake)] == \
           [type(w) for w in (db.power.threshold_wake, db.safety.compliance_wake, db.soft_stops.end_wake)]
    if da.power.threshold_wake is not None:
        assert da.power.threshold_wake.t_s == db.power.threshold_wake.t_s


def test_busy_run_fused_is_plain(monkeypatch):
    fast, slow, used = _run_both(monkeypatch, _busy_sim)
    assert used >= 100
    res = fast.results()
    kinds = {e.kind for e in res.events}
    assert {"stimulation.short_loss", "compliance.out_of_range"} & kinds  # what the faults bring about was met
    _assert_same(fast, slow)


def test_soft_stop_in_progress_takes_the_plain_path(monkeypatch):
    fast, _, _ = _run_both(monkeypatch, _busy_sim)
    # the amplitude step one second into the soft stop: no fused finish at that instant
    used = []
    fused = scs_device.finish_amplitude
    monkeypatch.setattr(StimulatorDevice, "fused_finish", True)
    monkeypatch.setattr(scs_device, "finish_amplitude", lambda dev: (used.append(dev.now), fused(dev))[1])
    sim = _busy_sim()
    sim.run()
    assert any(e.kind == "stimulation.soft_stop" for e in sim.results().events)
    assert 18 * 3600.0 + 31.0 not in used and 18 * 3600.0 - 1800.0 in used


def test_primary_cell_fused_is_plain(monkeypatch):
    fast, slow, used = _run_both(monkeypatch, _primary_sim)
    assert used == 59
    assert any(e.kind.startswith("battery.") for e in fast.results().events)  # a threshold crossed mid-run
    _assert_same(fast, slow)


def test_closed_loop_never_fused(monkeypatch):
    fast, slow, used = _run_both(monkeypatch, _closed_loop_sim)
    assert used == 0  # a controller, switched on or off: the plain path
    _assert_same(fast, slow)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amps=st.lists(st.floats(0.0, 12.0).map(lambda a: round(a, 1)), min_size=1, max_size=12),
       ohm=st.floats(200.0, 3000.0), pct=st.floats(8.0, 100.0), short=st.booleans())
def test_hypothesis_fused_is_plain(monkeypatch, amps, ohm, pct, short):
    """Programs' amplitudes (refused ones included), impedances and battery levels drawn at random."""
    steps = [_step(600.0 * (i + 1), "set_amplitude", program="back" if i % 2 else "legs", amplitude_ma=a) for i, a in enumerate(amps)]
    steps.append(_step(600.0 * len(amps) + 300.0, "amplitude_up", program="back"))
    if short:
        steps.insert(0, _step(300.0, "inject_impedance_fault", contact="E3", fault="short"))
    settings_ = {"programs": [BACK, LEGS], "active_programs": ["back", "legs"], "battery_pct": pct,
                 "impedance": {"initial_ohm": {f"E{i}": ohm for i in range(1, 17)}, "drift": False}}

    def make() -> Simulation:
        return sim_of(settings=settings_, timeline=steps, duration="1d", seed=7, leads=TWO_PERC8)

    with monkeypatch.context() as m:
        fast, slow, _ = _run_both(m, make)
    _assert_same(fast, slow)
