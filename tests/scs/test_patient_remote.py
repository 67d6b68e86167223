"""Patient remote limits: MaxTol with a clinician bypass, rate/pulse width locks, range warnings."""
import pytest

from tests.scs.helpers import kinds, sim_of

PROG = {"name": "p", "contacts": {"E2": "-", "E3": "+"}, "amplitude_ma": 5.0, "pulse_width_us": 300, "rate_hz": 50,
        "patient_max_ma": 6.0, "max_tolerable_ma": 5.3}


def test_remote_stops_at_maxtol_until_the_clinician_bypasses_it():
    sim = sim_of(settings={"programs": [PROG]}, duration="1d")
    dev = sim.devices["ipg"]
    for _ in range(3):  # 5.0 -> 5.3 mA in 0.1 mA steps
        assert sim.apply_action("ipg", "amplitude_up", {})
    res = sim.apply_action("ipg", "amplitude_up", {})
    assert not res and res.payload["limit"] == "max_tolerable_ma" and res.payload["value"] == pytest.approx(5.4)
    assert dev.programs["p"].amplitude_ma == pytest.approx(5.3)
    assert sim.apply_action("ipg", "max_tolerable_bypass", {"enabled": True})
    for _ in range(7):  # 5.3 -> 6.0 mA: now the patient maximum is the top
        assert sim.apply_action("ipg", "amplitude_up", {})
    res = sim.apply_action("ipg", "amplitude_up", {})
    assert not res and res.payload["limit"] == "patient_max_ma"
    sim.apply_action("ipg", "max_tolerable_bypass", {"enabled": False})
    assert kinds(sim.results(), "patient.maxtol_bypass")[-1].payload["enabled"] is False


def test_bypass_refused_without_a_recorded_maxtol_and_recording_thresholds():
    prog = {k: v for k, v in PROG.items() if k != "max_tolerable_ma"}
    sim = sim_of(settings={"programs": [prog]}, duration="1d")
    res = sim.apply_action("ipg", "max_tolerable_bypass", {"enabled": True})
    assert not res and res.payload["limit"] == "max_tolerable_ma"
    sim.apply_action("ipg", "record_threshold", {"kind": "perception"})  # at the present 5.0 mA
    sim.apply_action("ipg", "record_threshold", {"kind": "max_tolerable", "amplitude_ma": 5.1})
    p = sim.devices["ipg"].programs["p"]
    assert p.perception_threshold_ma == 5.0 and p.max_tolerable_ma == 5.1
    assert sim.apply_action("ipg", "amplitude_up", {})  # 5.1
    assert not sim.apply_action("ipg", "amplitude_up", {})  # 5.2 > MaxTol 5.1


def test_rate_and_pulse_width_locked_out_of_the_remote_by_default():
    sim = sim_of(settings={"programs": [PROG]}, duration="1d")
    dev = sim.devices["ipg"]
    res = sim.apply_action("ipg", "patient_step", {"parameter": "rate_hz", "steps": 5})
    assert not res and res.payload["limit"] == "patient_rate_locked"
    res = sim.apply_action("ipg", "patient_step", {"parameter": "pulse_width_us", "steps": 2})
    assert not res and res.payload["limit"] == "patient_pulse_width_locked"
    assert sim.apply_action("ipg", "set_patient_limits", {"rate_locked": False, "pulse_width_locked": False})
    assert sim.apply_action("ipg", "patient_step", {"parameter": "rate_hz", "steps": 5})  # 50 + 5 x 1 Hz = 55 Hz
    assert sim.apply_action("ipg", "patient_step", {"parameter": "pulse_width_us", "steps": -2})  # 300 - 2 x 10 us = 280 us
    assert dev.programs["p"].rate_hz == 55.0 and dev.programs["p"].pulse_width_us == 280.0
    # the drain follows: 55 Hz, 280 us, 5 mA: V = 5 x 1.05 + 1 = 6.25 V;
    # 2 x 55 x 5e-3 x 6.25 x 280e-6 / 0.8 = 1.203125 mW / 3.7 V = 0.325169 mA + 0.010
    assert dev.power.rate["drain_ma"] == pytest.approx(1.203125e-3 / 3.7 * 1e3 + 0.010)
    res = sim.apply_action("ipg", "patient_step", {"parameter": "rate_hz", "steps": 100})  # 55 + 100 = 155 Hz: still allowed
    assert res
    res = sim.apply_action("ipg", "patient_step", {"parameter": "pulse_width_us", "steps": 100})  # 1280 us > 1000 us
    assert not res and res.payload["limit"] == "pulse_width_us"


def test_remote_range_that_could_exceed_density_is_warned_when_programmed():
    sim = sim_of(settings={"programs": [{k: v for k, v in PROG.items() if k != "max_tolerable_ma"}]}, duration="1d")
    # top 12.7 mA x 300 us = 3.81 uC / 0.1225 cm2 = 31.1 uC/cm2 > 30; safe top 30 x 0.122522 x 1000 / 300 = 12.252 mA
    res = sim.apply_action("ipg", "set_patient_limits", {"patient_max_ma": 12.7})
    assert res
    w = [x for x in res.payload["warnings"] if x["limit"] == "patient_max_ma"][0]
    assert w["value"] == 12.7 and w["allowed"] == pytest.approx(30 * (3.14159265 * 0.13 * 0.3) * 1000 / 300, abs=1e-3)  # area pi x 1.3 mm x 3 mm = 0.122522 cm2 -> 12.252 mA
    assert "patient remote's range" in w["message"]
    assert kinds(sim.results(), "safety.patient_range")
    # a MaxTol below the safe top bounds the remote: no warning
    res = sim.apply_action("ipg", "record_threshold", {"kind": "max_tolerable", "amplitude_ma": 12.0})
    assert not [x for x in res.payload.get("warnings", []) if x["limit"] == "patient_max_ma"]
    assert sim.devices["ipg"].programs["p"].remote_top_ma(25.5) == 12.0
    # minimum above maximum is refused
    res = sim.apply_action("ipg", "set_patient_limits", {"patient_min_ma": 13.0})
    assert not res and res.payload["limit"] == "patient_limits"


def test_a_resent_program_keeps_what_was_recorded_on_the_same_contacts():
    """Re-sending a program from the programmer (no thresholds in it) keeps the thresholds and the
    remote range recorded on the same contacts; new contacts start without them."""
    prog = {k: v for k, v in PROG.items() if k not in ("max_tolerable_ma", "patient_max_ma")}
    sim = sim_of(settings={"programs": [prog]}, duration="1d")
    sim.apply_action("ipg", "record_threshold", {"kind": "perception", "amplitude_ma": 4.2})
    sim.apply_action("ipg", "record_threshold", {"kind": "max_tolerable", "amplitude_ma": 7.4})
    sim.apply_action("ipg", "set_patient_limits", {"patient_min_ma": 4.2, "patient_max_ma": 7.4})
    # the same contacts and waveform, a new pulse width, amplitude 6.0 mA: nothing recorded is lost
    assert sim.apply_action("ipg", "set_program", {"program": {**prog, "amplitude_ma": 6.0, "pulse_width_us": 350}})
    p = sim.devices["ipg"].snapshot().programs["p"]
    assert (p.perception_threshold_ma, p.max_tolerable_ma, p.patient_min_ma, p.patient_max_ma) == (4.2, 7.4, 4.2, 7.4)
    # a value stated in the program replaces the recorded one
    assert sim.apply_action("ipg", "set_program", {"program": {**prog, "amplitude_ma": 6.0, "max_tolerable_ma": 7.0}})
    p = sim.devices["ipg"].snapshot().programs["p"]
    assert (p.perception_threshold_ma, p.max_tolerable_ma) == (4.2, 7.0)
    # other contacts: thresholds measured on E2/E3 do not apply
    assert sim.apply_action("ipg", "set_program", {"program": {**prog, "contacts": {"E4": "-", "E5": "+"}, "amplitude_ma": 3.0}})
    p = sim.devices["ipg"].snapshot().programs["p"]
    assert (p.perception_threshold_ma, p.max_tolerable_ma, p.patient_min_ma, p.patient_max_ma) == (None, None, 0.0, None)
