"""The fused amplitude step (scs/amplitude_step.py, issue 14, twelfth pass) gives what the plain
pipeline gives (`StimulatorDevice.fused_step = False`: `Device.apply` with the table's check and
effect): whole runs identical event by event and series by series, the refusals (no program, the
patient's range, MaxTol, the program's own check at a high amplitude) and warnings included, with
the fused finish on and off."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator.scs.device as scs_device
from simulator.device import Device
from simulator.errors import ActionRefused
from simulator.scs import actions, checks
from simulator.scs.amplitude_step import STEP_ACTIONS
from simulator.scs.device import StimulatorDevice
from simulator.scs.settings import AmplitudeStep
from tests.scs.helpers import TWO_PERC8, sim_of
from tests.scs.test_amplitude_finish import BACK, LEGS, _assert_same, _busy_sim, _closed_loop_sim, _primary_sim, _step


def _limits_sim():
    """Steps against every limit a step meets: the patient's range (set mid-run), a recorded MaxTol
    with and without the bypass, a missing program, several steps at once, the device maximum
    (the program's full check) and warnings on the way up (a small contact, a high amplitude)."""
    steps = [_step(k * 600.0, "amplitude_up", program="back", steps=1 + k % 3) for k in range(1, 40)]
    steps += [_step(k * 600.0 + 300.0, "amplitude_down", program="legs", steps=2) for k in range(1, 25)]
    steps += [_step(3000.0, "set_patient_limits", program="legs", patient_min_ma=1.5, patient_max_ma=4.0),
              _step(3000.0, "amplitude_up", program="legs", steps=20),  # above the patient's maximum
              _step(9000.0, "record_threshold", program="back", kind="max_tolerable", amplitude_ma=6.0),
              _step(12000.0, "max_tolerable_bypass", program="back", enabled=True),
              _step(15000.0, "max_tolerable_bypass", program="back", enabled=False),
              _step(16000.0, "amplitude_up", program="nope"),
              _step(17000.0, "amplitude_down"),  # the first running program
              _step(18000.0, "set_patient_limits", program="back", clear_patient_max=True),
              _step(18000.0, "set_amplitude", program="back", amplitude_ma=11.0),
              *[_step(18000.0 + 60.0 * k, "amplitude_up", program="back", steps=5) for k in range(1, 12)]]
    return sim_of(settings={"programs": [BACK, LEGS], "active_programs": ["back", "legs"], "battery_pct": 60.0}, timeline=steps,
                  duration="1d", seed=11)


def _run_both(monkeypatch: pytest.MonkeyPatch, make, finish: bool = True):
    """(fused step run, plain run, how many steps went the fused way)."""
    used = []
    real = scs_device.step_amplitude

    def counting(dev, action, params):
        used.append(dev.now)
        return real(dev, action, params)

    with monkeypatch.context() as m:
        m.setattr(StimulatorDevice, "fused_finish", finish)
        m.setattr(scs_device, "step_amplitude", counting)
        fast = make()
        fast.run()
        m.setattr(StimulatorDevice, "fused_step", False)
        slow = make()
        slow.run()
    return fast, slow, len(used)


@pytest.mark.parametrize("finish", [True, False])
def test_limits_run_fused_step_is_plain(monkeypatch, finish):
    fast, slow, used = _run_both(monkeypatch, _limits_sim, finish)
    assert used == 39 + 24 + 3 + 11
    res = fast.results()
    reasons = [e.payload["reason"] for e in res.events if e.kind == "refusal"]
    # by hand: the patient's maximum (4 mA, legs), MaxTol 6 mA (back, before the bypass), no program "nope",
    # the patient's minimum (1.5 mA, legs) and, past 11 mA, the program's own check
    assert any("patient's maximum" in r for r in reasons) and any("maximum tolerable" in r for r in reasons)
    assert any("no program 'nope'" in r for r in reasons) and any("patient's minimum" in r for r in reasons)
    _assert_same(fast, slow)


def _wide_pulse_sim():
    """A 500 us program stepped up 0.3 mA at a time from 2 mA: Shannon k and charge density warnings
    (each a warning and a safety event), then down again."""
    wide = dict(BACK, name="wide", pulse_width_us=500.0, amplitude_ma=2.0)
    steps = [_step(k * 600.0, "amplitude_up", program="wide", steps=3) for k in range(1, 40)]
    steps += [_step(k * 600.0 + 300.0, "amplitude_down", program="wide") for k in range(20, 30)]
    return sim_of(settings={"programs": [wide], "active_programs": ["wide"]}, timeline=steps, duration="1d")


def _density_refused_sim():
    """The same steps on a profile that refuses over the charge density limit (a safety event each)."""
    wide = dict(BACK, name="wide", pulse_width_us=500.0, amplitude_ma=2.0)
    steps = [_step(k * 600.0, "amplitude_up", program="wide", steps=3) for k in range(1, 40)]
    return sim_of(profile="scs/recharge-free-burst", settings={"programs": [wide], "active_programs": ["wide"]}, timeline=steps, duration="1d")


@pytest.mark.parametrize("make", [_wide_pulse_sim, _density_refused_sim])
def test_warned_and_density_refused_steps_fused_step_is_plain(monkeypatch, make):
    fast, slow, used = _run_both(monkeypatch, make)
    assert used in (39, 49)
    kinds = [e.kind for e in fast.results().events]
    assert kinds.count("safety.shannon_k") >= 10 and kinds.count("safety.charge_density") > 10
    if make is _density_refused_sim:  # by the profile's policy: refused, each refusal a safety event
        assert kinds.count("refusal") == kinds.count("safety.charge_density") > 10
    _assert_same(fast, slow)
    assert fast.devices["ipg"].safety.events == slow.devices["ipg"].safety.events


@pytest.mark.parametrize("make", [_busy_sim, _primary_sim, _closed_loop_sim])
def test_runs_fused_step_is_plain(monkeypatch, make):
    fast, slow, used = _run_both(monkeypatch, make)
    assert used > 20
    _assert_same(fast, slow)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.booleans(), st.integers(1, 40), st.sampled_from(["back", "legs", None])), min_size=1, max_size=14),
       amp=st.floats(0.0, 12.0).map(lambda a: round(a, 1)), lo=st.floats(0.0, 3.0).map(lambda a: round(a, 1)), short=st.booleans())
def test_hypothesis_fused_step_is_plain(monkeypatch, moves, amp, lo, short):
    """Steps of random size and direction from random amplitudes and patient minimums: refused
    (outside the range, the device's limits) or taken, as the plain pipeline decides."""
    steps = [_step(600.0 * (i + 1), "amplitude_up" if up else "amplitude_down", program=name, steps=n) for i, (up, n, name) in enumerate(moves)]
    if short:
        steps.insert(0, _step(300.0, "inject_impedance_fault", contact="E3", fault="short"))
    back = dict(BACK, amplitude_ma=amp, patient_min_ma=min(lo, amp))
    settings_ = {"programs": [back, LEGS], "active_programs": ["back", "legs"], "battery_pct": 50.0}

    def make():
        return sim_of(settings=settings_, timeline=steps, duration="1d", seed=7, leads=TWO_PERC8)

    fast, slow, used = _run_both(monkeypatch, make)
    assert used == len(moves)
    _assert_same(fast, slow)


def test_the_fused_step_mirrors_the_table_and_the_hooks_it_leaves_out():
    """What step_amplitude writes out: the table's rows for the steps, a prepare_action that does
    nothing (Device's) and a begin_apply whose token is NO_STOP for a step."""
    assert STEP_ACTIONS == {"amplitude_up", "amplitude_down"}
    table = StimulatorDevice.ACTION_TABLE
    assert (table["amplitude_up"].check, table["amplitude_up"].apply) == (checks.check_amplitude_up, actions.apply_amplitude_up)
    assert (table["amplitude_down"].check, table["amplitude_down"].apply) == (checks.check_amplitude_down, actions.apply_amplitude_down)
    assert table["amplitude_up"].params is AmplitudeStep and table["amplitude_down"].params is AmplitudeStep
    assert StimulatorDevice.prepare_action is Device.prepare_action
    assert StimulatorDevice.report_findings.__qualname__ == "StimulatorDevice.report_findings"  # (written out: safety.report each)
    assert set(STEP_ACTIONS) <= scs_device.KEEP_OUTPUT_ACTIONS


def test_a_refused_step_raises_what_the_plain_pipeline_raises(monkeypatch):
    """Called directly (the app's path): the same ActionRefused, message and details."""
    def refused(fused: bool):
        with monkeypatch.context() as m:
            m.setattr(StimulatorDevice, "fused_step", fused)
            sim = sim_of(settings={"programs": [dict(BACK, patient_max_ma=3.5)], "active_programs": ["back"]}, duration="1d")
            dev = sim.devices["ipg"]
            out = []
            for params in (AmplitudeStep(program="back", steps=10), AmplitudeStep(program="nope"), AmplitudeStep(steps=40)):
                with pytest.raises(ActionRefused) as info:
                    dev.apply("amplitude_up", params)
                out.append((info.value.reason, info.value.details))
            with pytest.raises(ActionRefused) as info:
                dev.apply("amplitude_down", AmplitudeStep(steps=100))
            out.append((info.value.reason, info.value.details))
            return out, dict(dev.safety.events)
    assert refused(True) == refused(False)
