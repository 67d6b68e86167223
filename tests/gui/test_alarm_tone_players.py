"""Issue 15 item 4: each severity's tone is a WAV file played by a sound player, not the system
beep. The player is chosen per platform and what is installed (QSoundEffect if QtMultimedia is
importable, else winsound / afplay / paplay, pw-play, aplay); a failing player hands over to the
next and the system beep is the last resort, noted once. No sound is made here: `spawn` and
winsound are replaced by recorders, and QApplication.beep by a counter."""
from __future__ import annotations

import sys
import types

import pytest

from gui import sounds
from gui.sounds import CommandPlayer, QtEffectPlayer, TonePlayer, WinsoundPlayer, choose_players


def which_of(*installed):
    table = {name: f"/usr/bin/{name}" for name in installed}
    return lambda name: table.get(name)


class FakeProcess:
    def __init__(self, status=None):
        self.status = status

    def poll(self):
        return self.status


@pytest.fixture
def spawned(monkeypatch):
    """Every command the player starts (argv), each a process that has finished with status 0."""
    calls: list[list[str]] = []

    def fake_spawn(argv):
        calls.append(list(argv))
        return FakeProcess(0)

    monkeypatch.setattr(sounds, "spawn", fake_spawn)
    return calls


@pytest.fixture
def beeps(monkeypatch):
    from PySide6.QtWidgets import QApplication

    out: list[int] = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: out.append(1)))
    return out


def test_linux_tries_paplay_then_pw_play_then_aplay_whichever_are_installed(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(sounds.shutil, "which", which_of("paplay", "pw-play", "aplay"))
    assert [p.argv for p in choose_players()] == [["/usr/bin/paplay"], ["/usr/bin/pw-play"], ["/usr/bin/aplay", "-q"]]
    monkeypatch.setattr(sounds.shutil, "which", which_of("aplay"))  # ALSA only
    assert [p.argv for p in choose_players()] == [["/usr/bin/aplay", "-q"]]
    monkeypatch.setattr(sounds.shutil, "which", which_of())
    assert choose_players() == []


def test_macos_uses_afplay_and_windows_winsound(monkeypatch):
    monkeypatch.setattr(sounds.shutil, "which", which_of("afplay", "paplay"))
    monkeypatch.setattr(sys, "platform", "darwin")
    players = choose_players()
    assert [type(p) for p in players] == [CommandPlayer] and players[0].argv == ["/usr/bin/afplay"]
    monkeypatch.setattr(sys, "platform", "win32")
    assert [type(p) for p in choose_players()] == [WinsoundPlayer]


def test_qsoundeffect_comes_first_when_qtmultimedia_is_importable(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(sounds.shutil, "which", which_of("paplay"))

    class FakeEffect:
        pass

    players = choose_players(FakeEffect)
    assert [type(p) for p in players] == [QtEffectPlayer, CommandPlayer]
    assert TonePlayer(players=players, silent=False).has_multimedia


def test_the_command_line_plays_the_severitys_own_wav(spawned, beeps):
    player = TonePlayer(players=[CommandPlayer(["/usr/bin/paplay"])], silent=False)
    player.play("critical")
    player.play("non_critical")
    player.play("info")
    folder = sounds.FOLDER
    assert spawned == [
        ["/usr/bin/paplay", str(folder / "alarm-critical.wav")],
        ["/usr/bin/paplay", str(folder / "alarm-non_critical.wav")],
        ["/usr/bin/paplay", str(folder / "alarm-info.wav")],
    ]
    assert (folder / "alarm-critical.wav").is_file()
    assert beeps == [] and player.beeped == 0


def test_a_tone_still_sounding_is_not_started_again(monkeypatch, beeps):
    calls = []

    def running(argv):
        calls.append(argv)
        return FakeProcess(None)  # never finishes here

    monkeypatch.setattr(sounds, "spawn", running)
    player = TonePlayer(players=[CommandPlayer(["/usr/bin/aplay", "-q"])], silent=False)
    player.play("critical")
    player.play("critical")
    assert calls == [["/usr/bin/aplay", "-q", str(sounds.FOLDER / "alarm-critical.wav")]]
    assert player.played == ["critical", "critical"] and beeps == []


def test_windows_plays_the_file_asynchronously_with_winsound(monkeypatch, beeps):
    played = []
    fake = types.SimpleNamespace(SND_FILENAME=0x20000, SND_ASYNC=0x1, SND_NODEFAULT=0x2, PlaySound=lambda path, flags: played.append((path, flags)))
    monkeypatch.setitem(sys.modules, "winsound", fake)
    player = TonePlayer(players=[WinsoundPlayer()], silent=False)
    player.play("critical")
    # SND_FILENAME | SND_ASYNC | SND_NODEFAULT = 0x20000 + 0x1 + 0x2 = 0x20003
    assert played == [(str(sounds.FOLDER / "alarm-critical.wav"), 0x20003)] and beeps == []


def test_a_player_that_cannot_start_hands_over_to_the_next_then_the_beep_noted_once(monkeypatch, beeps):
    started = []

    def spawn(argv):
        if argv[0].endswith("paplay"):
            raise FileNotFoundError(2, "No such file or directory", argv[0])
        started.append(argv)
        return FakeProcess(0)

    monkeypatch.setattr(sounds, "spawn", spawn)
    notes = []
    player = TonePlayer(fallback_note=notes.append, players=[CommandPlayer(["/usr/bin/paplay"]), CommandPlayer(["/usr/bin/aplay", "-q"])], silent=False)
    player.play("critical")
    assert started == [["/usr/bin/aplay", "-q", str(sounds.FOLDER / "alarm-critical.wav")]]  # the same tone, by aplay
    assert player.player_name == "aplay" and beeps == []
    assert len(notes) == 1 and "paplay could not start" in notes[0] and "now play with aplay" in notes[0]


def test_a_player_whose_tone_ended_with_an_error_falls_back_to_the_beep_with_the_reason(monkeypatch, beeps):
    monkeypatch.setattr(sounds, "spawn", lambda argv: FakeProcess(1))  # e.g. no sound server
    notes = []
    player = TonePlayer(fallback_note=notes.append, players=[CommandPlayer(["/usr/bin/paplay"])], silent=False)
    player.play("critical")  # started; its failure shows at the next tone
    assert beeps == []
    player.play("non_critical")
    player.play("info")
    assert beeps == [1, 1] and player.beeped == 2 and player.player_name == "system beep"
    assert len(notes) == 1  # noted once, not at every tone
    assert "paplay failed (exit status 1)" in notes[0] and "system beep" in notes[0]
    player.renote()  # a new session notes it again
    player.play("info")
    assert len(notes) == 2


def test_without_any_player_the_beep_sounds_and_says_why(monkeypatch, beeps):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(sounds.shutil, "which", which_of())
    monkeypatch.setattr(sounds, "sound_effect_class", lambda: None)
    notes = []
    player = TonePlayer(fallback_note=notes.append, silent=False)
    player.play("critical")
    player.play("critical")
    assert beeps == [1, 1]
    assert notes == ["alarm tone: QtMultimedia is not installed and no sound player was found (looked for paplay, pw-play, aplay); "
                     "alarm tones sound as the system beep, the same for every severity"]


def test_offscreen_records_the_tones_and_plays_nothing(spawned, beeps, monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    player = TonePlayer()
    player.play("critical")
    assert player.silent and player.played == ["critical"]
    assert spawned == [] and beeps == []
