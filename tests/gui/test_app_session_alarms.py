"""Item 4 of the app-truthfulness issue: alarms that cannot be missed.

The default scenario's pump runs 3 mg/day of 10 mg/mL (0.3 mL/day) from 18 mL: the 2 mL
low-reservoir alarm (non-critical) on day 53.33 and the empty-reservoir alarm (critical) on
day 60, 2026-03-06 08:00 (start 2026-01-05 08:00 + 60 d)."""
from __future__ import annotations

import wave

import numpy as np
import pytest

from gui.scenario_io import default_scenario_path, open_scenario
from simulator.engine import Simulation

DAY_S = 86400.0


@pytest.fixture
def window_day_61(make_window):
    window = make_window(Simulation(open_scenario(default_scenario_path())))
    window.runner.jump_to(61 * DAY_S, blocking=True)
    return window


def test_banner_shows_the_critical_alarm_first_and_cannot_be_hidden(window_day_61):
    window = window_day_61
    banner = window.alarm_banner
    assert banner.isVisible() and banner.level == "critical"
    assert "empty_reservoir" in banner.text.text()
    assert "2026-03-06 08:00" in banner.text.text()  # calendar time of the raise, elapsed beside it
    banner.hide()
    banner.setVisible(False)
    assert banner.isVisible()
    window.alarm_dock.hide()  # the dock may be hidden: the banner stays
    assert banner.isVisible()
    # the panel lists the critical alarm first although the low-reservoir alarm came earlier
    panel = window.alarm_panel
    severities = [panel.table.item(r, 2).text() for r in range(panel.table.rowCount())]
    assert severities[0] == "critical"
    assert panel.table.item(0, 1).text() == "empty_reservoir"
    assert "non_critical" in severities
    assert panel.table.item(0, 4).text().startswith("2026-03-06 08:00 (60d")


def test_banner_acknowledge_sends_the_devices_acknowledge_and_goes_grey_when_all_are(window_day_61, no_dialogs):
    window = window_day_61
    banner = window.alarm_banner
    banner.ack_button.click()  # the critical one
    active = {a["alarm"]: a for a in window.runner.sim.devices["pump"].active_alarms()}
    assert active["empty_reservoir"]["acknowledged_t_s"] is not None
    while banner.ack_button.isEnabled():
        banner.ack_button.click()
    assert banner.level == "acknowledged" and banner.isVisible()  # still active, now grey


def test_banner_is_hidden_only_without_an_active_alarm(make_window):
    window = make_window(Simulation(open_scenario(default_scenario_path())))
    window.runner.jump_to(10 * DAY_S, blocking=True)
    assert not window.runner.sim.devices["pump"].active_alarms()
    assert not window.alarm_banner.isVisible()


def test_tones_differ_by_severity(tmp_path):
    """critical: 3 beeps of 0.12 s at 880 Hz with 0.08 s gaps = 0.52 s = 11466 samples at
    22050 Hz; non-critical: 2 beeps of 0.16 s at 660 Hz with a 0.1 s gap = 0.42 s = 9261 samples."""
    from gui.sounds import write_tone

    found = {}
    for severity, samples, freq in (("critical", 11466, 880.0), ("non_critical", 9261, 660.0)):
        path = write_tone(severity, tmp_path)
        with wave.open(str(path)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
            data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        assert len(data) == samples
        spectrum = np.abs(np.fft.rfft(data.astype(float)))
        peak_hz = np.fft.rfftfreq(len(data), 1 / 22050)[int(np.argmax(spectrum))]
        assert abs(peak_hz - freq) < 5.0
        found[severity] = path.name
    assert found["critical"] != found["non_critical"]


def test_the_windows_tone_player_is_silent_offscreen_and_notes_nothing(window_day_61):
    """Offscreen (no one listening) the tones are recorded, not played: the empty-reservoir
    alarm of day 60 asked for the critical tone; no sound player ran, nothing was noted (the
    players themselves: tests/gui/test_alarm_tone_players.py)."""
    player = window_day_61.alarm_panel.player
    assert player.silent and "critical" in player.played and player.beeped == 0
    assert not [n for n in window_day_61.session.notes if n.text.startswith("alarm tone:")]


def test_muting_is_logged_in_the_session(window_day_61):
    window = window_day_61
    window.alarm_panel.mute_box.setChecked(True)
    window.alarm_panel.mute_box.setChecked(False)
    texts = [n.text for n in window.session.notes]
    assert texts[-2:] == ["alarm tone muted by the user", "alarm tone unmuted by the user"]
    assert window.session.notes[-1].t_s == pytest.approx(61 * DAY_S)
