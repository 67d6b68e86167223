"""Item 1 of the app-truthfulness issue: every programmer form follows its device.

Whatever changes the device (a timeline action passed by a jump, an open, a transmit), a form
without edits shows the device's settings; a form with edits keeps them and says the device
changed underneath; "Matches" is shown only when it is true."""
from __future__ import annotations

from pathlib import Path

import pytest

from gui.scenario_io import open_scenario
from simulator.engine import Simulation

DAY_S = 86400.0
SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


def _programmers(window):
    out = {}
    for dev_id, views in window.device_views.items():
        if views.tab is not None and "programmer" in views.extra:  # builds the views (a patient's tab has none)
            out[dev_id] = views.extra["programmer"]
    return out


def _assert_stimulator_form_is_device(prog):
    dev = prog.device
    shown = prog.editor.values()
    program = dev.programs[prog.selected_name()]
    assert shown["amplitude_ma"] == pytest.approx(program.amplitude_ma)
    assert shown["pulse_width_us"] == pytest.approx(program.pulse_width_us)
    assert shown["rate_hz"] == pytest.approx(program.rate_hz)
    assert {k: p for k, (p, _f) in prog.contacts.items()} == {k: c.polarity for k, c in program.contacts.items()}
    assert prog.pending_program() == program
    assert prog.pending_label.text().startswith("Matches")


def _assert_pump_form_is_device(prog):
    dev = prog.device
    assert prog.mode_editor.concentration == pytest.approx(dev.therapy.conc_prog)
    assert prog.form_state() == prog.device_state()
    assert prog.pending_label.text().startswith("Matches")


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_forms_equal_the_device_after_each_timeline_action(path, make_window):
    sim = Simulation(open_scenario(path))
    window = make_window(sim)
    progs = _programmers(window)
    times = sorted({float(a.at) for a in sim.scenario.timeline})
    for t in times:
        if t + 1.0 >= sim.duration_s:
            break
        window.runner.jump_to(t + 1.0, blocking=True)
        for prog in progs.values():
            if hasattr(prog, "editor"):
                _assert_stimulator_form_is_device(prog)
            else:
                _assert_pump_form_is_device(prog)


def test_impedance_fault_day_13_shows_the_new_program_and_the_day_12_impedances(make_window):
    """Day 12: E2 found open, the cathode moved to E4 and the amplitude brought back to 5 mA.
    5 mA x 300 us = 1.5 uC per phase; on a 0.1225 cm^2 contact that is 12.24 uC/cm^2."""
    sim = Simulation(open_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "scs_impedance_fault.yaml"))
    window = make_window(sim)
    window.show_view("stimulator")
    prog = window.device_views["ipg"].extra["programmer"]
    assert prog.contacts["E2"][0] == "-"  # day 0: the old program
    window.runner.jump_to(13 * DAY_S, blocking=True)
    assert "E2" not in prog.contacts
    assert prog.contacts["E4"][0] == "-" and prog.contacts["E3"][0] == "+"
    assert prog.editor.amplitude.value() == pytest.approx(5.0)
    assert "1.500 uC per pulse" in prog.gauge_text.text()
    assert "12.24 uC/cm^2" in prog.gauge_text.text()
    assert prog.pending_label.text() == "Matches the stimulator's program 'back'"
    rows = {prog.imp_table.item(r, 0).text(): prog.imp_table.item(r, 3).text() for r in range(prog.imp_table.rowCount())}
    assert "E2" in rows and rows["E2"] != "ok"  # the open contact is flagged
    assert rows["E4"] == "ok"
    # measured on day 12 of a scenario starting on its calendar start
    day12 = sim.calendar_time(12 * DAY_S)
    assert f"{day12:%Y-%m-%d}" in prog.imp_when.text()


def test_concentration_change_day_11_shows_the_new_concentrations_flow(make_window):
    """2 mg/day at 10 mg/mL is 0.2 mL/day; after the day-10 refill with 20 mg/mL it is 0.1 mL/day."""
    sim = Simulation(open_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "pump_concentration_change.yaml"))
    window = make_window(sim)
    window.show_view("no_bridge")
    prog = window.device_views["no_bridge"].extra["programmer"]
    assert prog.mode_editor.continuous.volume.value() == pytest.approx(0.2)
    window.runner.jump_to(11 * DAY_S, blocking=True)
    assert prog.mode_editor.concentration == pytest.approx(20.0)
    assert prog.mode_editor.continuous.dose.value() == pytest.approx(2.0)
    assert prog.mode_editor.continuous.volume.value() == pytest.approx(0.1)
    assert prog.pending_label.text() == "Matches the pump's program"


def test_hidden_pump_tab_follows_too(make_window):
    """The second pump's tab is not on screen during the jump: it still follows."""
    sim = Simulation(open_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "pump_concentration_change.yaml"))
    window = make_window(sim)
    prog = window.device_views["bridge"].extra["programmer"]
    window.show_view("overview")
    window.runner.jump_to(11 * DAY_S, blocking=True)
    assert prog.mode_editor.concentration == pytest.approx(20.0)
    assert prog.form_matches_device()


def test_save_then_open_then_jump_shows_what_was_programmed(make_window, tmp_path, no_dialogs):
    from gui.scenario_io import default_scenario_path

    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    window.show_view("stimulator")
    window.runner.jump_to(2 * DAY_S, blocking=True)
    prog = window.device_views["ipg"].extra["programmer"]
    old_amp = prog.device.programs[prog.selected_name()].amplitude_ma
    new_amp = round(old_amp + 0.5, 1)
    prog.editor.amplitude.setValue(new_amp)
    assert prog.transmit_pending()
    path = tmp_path / "saved.yaml"
    assert window.save_scenario(str(path))
    window.session.saved()  # nothing pending: the open asks nothing
    assert window.open_scenario(str(path))
    window.show_view("stimulator")
    prog = window.device_views["ipg"].extra["programmer"]
    assert prog.editor.amplitude.value() == pytest.approx(old_amp)  # day 0 of the reopened run
    window.runner.jump_to(3 * DAY_S, blocking=True)
    assert prog.editor.amplitude.value() == pytest.approx(new_amp)
    assert prog.pending_label.text().startswith("Matches")


def test_edits_are_kept_when_the_device_changes_underneath_and_both_are_shown(make_window):
    from gui.scenario_io import default_scenario_path

    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    window.show_view("stimulator")
    prog = window.device_views["ipg"].extra["programmer"]
    name = prog.selected_name()
    prog.editor.amplitude.setValue(1.0)
    assert prog.pending and "Pending" in prog.pending_label.text()
    window.runner.apply_action("ipg", "set_amplitude", {"program": name, "amplitude_ma": 2.0})
    assert prog.editor.amplitude.value() == pytest.approx(1.0)  # the user's edit is kept
    text = prog.pending_label.text()
    assert "changed while you were editing" in text
    assert "2 mA" in text and "1 mA" in text  # device now, and the edits
    assert not text.startswith("Matches")
    prog.revert()
    assert prog.editor.amplitude.value() == pytest.approx(2.0)
    assert prog.pending_label.text().startswith("Matches")


def test_matches_is_not_claimed_when_the_form_differs(make_window):
    from gui.scenario_io import default_scenario_path

    sim = Simulation(open_scenario(default_scenario_path()))
    window = make_window(sim)
    window.show_view("pump")
    prog = window.device_views["pump"].extra["programmer"]
    assert prog.pending_label.text() == "Matches the pump's program"
    prog.mode_editor.continuous.set_dose(prog.mode_editor.continuous.dose.value() + 0.5)
    prog._set_pending(True)
    assert not prog.pending_label.text().startswith("Matches")


def test_pump_threshold_follows_the_pump_unless_edited(make_window, no_dialogs):
    sim = Simulation(open_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "pump_concentration_change.yaml"))
    window = make_window(sim)
    window.show_view("no_bridge")
    prog = window.device_views["no_bridge"].extra["programmer"]
    assert prog.threshold.value() == pytest.approx(2.0)  # the profile's default
    window.runner.apply_action("no_bridge", "set_low_reservoir_threshold", {"threshold_ml": 4.0})
    assert prog.threshold.value() == pytest.approx(4.0)
    prog.threshold.setValue(5.0)  # the user starts an edit
    window.runner.apply_action("no_bridge", "set_low_reservoir_threshold", {"threshold_ml": 3.0})
    assert prog.threshold.value() == pytest.approx(5.0)
