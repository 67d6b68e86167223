"""The public names other parts (the app, training) call stay exactly as they are."""
from simulator.scs.device import ClosedLoopSettings, ImpedanceSettings, Settings, StimulatorDevice

PUBLIC_METHODS = ["active_programs", "stimulating", "render_waveform", "battery_pct_at", "projection", "therapy_drain_ma",
                  "impedance_table", "safety_report", "perception_estimate", "active_alarms", "effective_amplitudes", "check",
                  "apply", "record_state", "summary", "start"]
ACTIONS = {"set_program", "select_program", "amplitude_up", "amplitude_down", "set_amplitude", "stimulation_on", "stimulation_off",
           "set_cycling", "impedance_check", "inject_impedance_fault", "recharge", "posture", "cough", "mri_mode",
           "set_closed_loop", "acknowledge_alarm"}
SETTINGS = {"leads", "segment_mm", "programs", "active_programs", "stimulation_on", "battery_pct", "impedance", "closed_loop"}


def test_public_methods_actions_and_settings_are_kept():
    for name in PUBLIC_METHODS:
        assert callable(getattr(StimulatorDevice, name)), name
    assert ACTIONS <= set(StimulatorDevice.ACTIONS)
    assert SETTINGS <= set(Settings.model_fields)
    assert StimulatorDevice.Settings is Settings
    assert {"initial_ohm", "faults", "drift", "update_interval"} <= set(ImpedanceSettings.model_fields)
    assert {"enabled", "target_uv", "posture"} <= set(ClosedLoopSettings.model_fields)
    import inspect

    assert list(inspect.signature(StimulatorDevice.render_waveform).parameters) == ["self", "t0_s", "t1_s", "sample_rate_hz", "mode"]


def test_device_module_is_small():
    from pathlib import Path

    import simulator.scs.device as d

    assert len(Path(d.__file__).read_text().splitlines()) < 400
