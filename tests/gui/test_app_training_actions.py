"""Every action of the model is reachable in the app: each dialog sends its action and the device
shows the effect (figures by hand); number fields reject bad input visibly and send nothing."""
from __future__ import annotations

import pytest

from simulator.engine import Simulation
from simulator.scenario import scenario_from_dict

H = 3600.0


def _pump_sim(**settings) -> Simulation:
    base = {"drug": "drug/morphine", "concentration_mg_per_ml": 1, "reservoir_ml": 20, "mode": {"type": "continuous", "dose_mg_per_day": 1}}
    base.update(settings)
    data = {"name": "actions", "start": "2026-01-01T00:00:00", "duration": "10d", "seed": 1,
            "devices": [{"id": "pump", "profile": "pump/peristaltic-20ml", "settings": base}]}
    return Simulation(scenario_from_dict(data))


def _open(window, device_id: str, action: str):
    prog = window.device_views[device_id].extra["programmer"]
    from PySide6.QtWidgets import QDialog

    before = set(prog.findChildren(QDialog))
    prog.action_buttons[action].click()
    (dialog,) = [d for d in prog.findChildren(QDialog) if d not in before]
    return prog, dialog


def test_single_bolus_dialog_moves_half_a_ml(qtbot, make_window, no_dialogs):
    # 0.5 mg at 1 mg/mL = 0.5 mL, at the pump's 1 mL/h bolus rate: 30 min; basal 1 mg/day = 1 mL/day
    sim = _pump_sim()
    window = make_window(sim)
    _, dialog = _open(window, "pump", "single_bolus")
    dialog.dose.setText("0.5")
    assert dialog.send()
    assert not dialog.isVisible()  # accepted: closed
    window.runner.jump_to(2 * H, blocking=True)
    pump = sim.devices["pump"]
    assert pump.reservoir_ml_at(sim.now) == pytest.approx(20 - 2 / 24 - 0.5, abs=1e-9)
    starts = [e for e in sim.recorder.events if e.kind == "bolus.start"]
    assert len(starts) == 1 and starts[0].payload["bolus"] == "single" and starts[0].payload["volume_ml"] == pytest.approx(0.5)
    assert starts[0].payload["duration_s"] == pytest.approx(1800)


def test_priming_bolus_dialog_replaces_the_basal(qtbot, make_window, no_dialogs):
    # 0.2 mL at the 1 mL/h priming rate takes 12 min, replacing the basal; then 48 min of basal at 1 mL/day
    sim = _pump_sim()
    window = make_window(sim)
    _, dialog = _open(window, "pump", "priming_bolus")
    dialog.whole.setChecked(False)
    dialog.volume.setText("0.2")
    no_dialogs.answers.append(True)  # the priming warning: drug reaches the patient at priming speed
    assert dialog.send()
    window.runner.jump_to(1 * H, blocking=True)
    assert sim.devices["pump"].reservoir_ml_at(sim.now) == pytest.approx(20 - 0.2 - 0.8 / 24, abs=1e-9)
    assert any(e.kind == "bolus.start" and e.payload["bolus"] == "priming" for e in sim.recorder.events)


def test_bridge_bolus_dialog_after_a_concentration_change(qtbot, make_window, no_dialogs):
    # 10 mg/mL at 2 mg/day (0.2 mL/day) refilled with 20 mg/mL: the bridge runs the old drug out at 0.2 mL/day
    sim = _pump_sim(concentration_mg_per_ml=10, reservoir_ml=3, mode={"type": "continuous", "dose_mg_per_day": 2})
    window = make_window(sim)
    r = window.runner.apply_action("pump", "refill", {"aspirated_ml": 3, "fill_ml": 18, "concentration_mg_per_ml": 20})
    assert r.accepted
    _, dialog = _open(window, "pump", "bridge_bolus")
    assert dialog.send()
    (start,) = [e for e in sim.recorder.events if e.kind == "bolus.start"]
    assert start.payload["bolus"] == "bridge" and start.payload["rate_ml_per_day"] == pytest.approx(0.2)
    assert start.payload["old_concentration_per_ml"] == pytest.approx(10)


def test_pump_mri_dialog_conditions_refusal_override_and_stop(qtbot, make_window, no_dialogs):
    sim = _pump_sim()
    window = make_window(sim)
    _, dialog = _open(window, "pump", "mri")
    text = dialog.about.text()
    assert "1.5 T" in text and "refuses the scan unless overridden" in text and "2 to 24 h" in text
    # 3 T is past this pump's 1.5 T condition: refused (nothing happens to the flow)
    dialog.field.setText("3")
    dialog.duration.setText("30")
    assert not dialog.send()
    assert dialog.isVisible() and sim.devices["pump"].current_rate_ml_per_day() == pytest.approx(1.0)
    # at 1.5 T with no recovery delay: the motor stops 30 min, then 1 mL/day again
    dialog.field.setText("1.5")
    dialog.default_delay.setChecked(False)
    dialog.delay.setText("0")
    no_dialogs.answers.append(True)
    assert dialog.send()
    window.runner.jump_to(sim.now + 900, blocking=True)
    assert sim.devices["pump"].current_rate_ml_per_day() == 0.0
    window.runner.jump_to(sim.now + 1800, blocking=True)
    assert sim.devices["pump"].current_rate_ml_per_day() == pytest.approx(1.0)


@pytest.mark.parametrize("typed, why", [("-5", "below the minimum"), ("abc", "is not a number"), ("99999", "above the maximum")])
def test_bad_number_is_shown_red_with_its_range_and_not_sent(qtbot, make_window, no_dialogs, typed, why):
    sim = _pump_sim()
    window = make_window(sim)
    _, dialog = _open(window, "pump", "single_bolus")
    dialog.dose.setText(typed)
    assert not dialog.dose.is_valid()
    assert "#b3261e" in dialog.dose.edit.styleSheet()  # red
    tip = dialog.dose.toolTip()
    assert why in tip and "Allowed: more than 0 to 1000 mg" in tip
    assert dialog.send() is None and dialog.isVisible()
    assert "fix the fields marked red" in no_dialogs.texts() and "Allowed: more than 0 to 1000 mg" in no_dialogs.texts()
    assert not [e for e in sim.recorder.events if e.kind in ("action", "bolus.start")]
    dialog.reject()


def test_programmer_dose_field_is_not_clamped(qtbot, make_window, no_dialogs):
    sim = _pump_sim()
    window = make_window(sim)
    pp = window.device_views["pump"].extra["programmer"]
    pp.mode_editor.continuous.dose.setText("99999")  # more than the 10000 mg/day the program model allows
    assert pp.mode_editor.continuous.dose.text() == "99999" and not pp.mode_editor.continuous.dose.is_valid()
    assert not pp.transmit_pending()
    assert sim.devices["pump"].current_drug_rate_per_day() == pytest.approx(1.0)


def _scs_window(make_window, scenario: str):
    from gui.scenario_io import open_scenario
    from simulator.bundled import bundled_dir

    sim = Simulation(open_scenario(bundled_dir("scenarios") / scenario))
    return sim, make_window(sim)


def test_stimulator_mri_mode_dialog(qtbot, make_window, no_dialogs):
    sim, window = _scs_window(make_window, "default.yaml")
    ipg = sim.devices["ipg"]
    assert ipg.stimulating() and not ipg.output.mri
    _, dialog = _open(window, "ipg", "mri_mode")
    assert "MRI conditional" in dialog.about.text()
    assert dialog.state.text().startswith("MRI mode is off; battery ") and dialog.state.text().endswith("every contact within range")
    no_dialogs.answers.append(True)
    assert dialog.send()
    assert ipg.output.mri and not ipg.stimulating()


def test_closed_loop_posture_and_cough_dialogs(qtbot, make_window, no_dialogs):
    sim, window = _scs_window(make_window, "scs_closed_loop_postures.yaml")
    dev_id = next(d for d in sim.devices if sim.devices[d].profile.closed_loop is not None)
    _, dialog = _open(window, dev_id, "set_closed_loop")
    dialog.enabled.setChecked(True)
    dialog.target.setText("40")
    no_dialogs.answers.append(True)
    assert dialog.send()
    (ev,) = [e for e in sim.recorder.events if e.kind == "closed_loop.set"][-1:]
    assert ev.payload == {"enabled": True, "target_uv": 40.0}
    _, dialog = _open(window, dev_id, "posture")
    dialog.posture.setCurrentText("supine")
    assert dialog.send()
    assert sim.devices[dev_id].loop.posture == "supine"
    assert dialog.cough()
    assert any(e.kind == "cough.start" and e.device == dev_id for e in sim.recorder.events)
    dialog.reject()


def test_threshold_recording_in_the_app(qtbot, make_window, no_dialogs):
    sim, window = _scs_window(make_window, "default.yaml")
    prog = window.device_views["ipg"].extra["programmer"]
    box = prog.limits_box
    box.threshold.setText("2.5")
    box.threshold_button.click()
    recorded = [e for e in sim.recorder.events if e.kind == "action" and e.payload["action"] == "record_threshold"]
    assert recorded and recorded[-1].payload["params"]["amplitude_ma"] == pytest.approx(2.5)


def test_a_red_field_blocks_only_the_form_that_carries_it(qtbot, make_window, no_dialogs):
    sim = _pump_sim()
    window = make_window(sim)
    pp = window.device_views["pump"].extra["programmer"]
    pp.mode_editor.continuous.dose.setText("-5")
    assert not pp.transmit_pending()  # the dose program carries the red entry: not sent
    pp.threshold.setText("3")
    assert pp.set_threshold()  # another form on the same panel still goes through
    assert sim.devices["pump"].flow.threshold_ml == 3.0


def test_number_field_steps_with_the_arrow_keys_within_its_range(qtbot):
    from PySide6.QtCore import Qt

    from gui.limits import Limits
    from gui.number_field import NumberField

    field = NumberField(Limits(0.0, 1.0, 0.5), "mL", "Threshold", value=0.5, decimals=1)
    qtbot.addWidget(field)
    qtbot.keyClick(field.edit, Qt.Key.Key_Up)
    assert field.value() == 1.0 and field.is_valid()
    qtbot.keyClick(field.edit, Qt.Key.Key_Up)  # 1.5 would be past the 1.0 maximum: stays
    assert field.value() == 1.0
    qtbot.keyClick(field.edit, Qt.Key.Key_Down)
    assert field.text() == "0.5"


def test_a_disabled_number_field_is_not_shown_red(qtbot):
    """Cycling off disables On/Off: an out-of-range 0 there is not sent and not painted red; enabling
    the field shows the problem again."""
    from gui.limits import Limits
    from gui.number_field import INVALID_STYLE, NumberField

    field = NumberField(Limits(0.1, 100.0, 0.1), "s", "On time per cycle", value=1.0)
    qtbot.addWidget(field)
    field.setText("0")  # below the 0.1 s minimum
    assert not field.is_valid() and field.edit.styleSheet() == INVALID_STYLE
    field.setEnabled(False)
    assert field.edit.styleSheet() == ""
    field.setEnabled(True)
    assert field.edit.styleSheet() == INVALID_STYLE
