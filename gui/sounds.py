"""Alarm tones, one per severity, as WAV files this program writes (numpy + wave) on first use.

critical: three short high beeps (880 Hz), non-critical: two mid beeps (660 Hz), info: one low beep
(440 Hz) [?] defaults chosen to be told apart by ear (IEC 60601-1-8 gives alarm melodies by
priority; these are simple stand-ins, not its melodies). The files go into a folder of the
system's temporary directory that only this program writes.

How a tone is played (decision): the app depends on PySide6-Essentials, which has no
QtMultimedia; QSoundEffect lives in PySide6-Addons, a download of a few hundred MB for three short
tones. So the WAV file is played by the first of these that works, with no new dependency:

1. QtMultimedia's QSoundEffect, when the installed PySide6 happens to have it (in process, low
   latency);
2. the platform's own player: on Windows the standard library's `winsound.PlaySound(path,
   SND_FILENAME | SND_ASYNC)`; on macOS `afplay PATH`; elsewhere (Linux, BSD) the first of
   `paplay` (PulseAudio, also served by PipeWire), `pw-play` (PipeWire) and `aplay -q` (ALSA)
   found on the PATH, started detached (its own session, no input or output) so the event loop
   never waits for it;
3. the system beep (QApplication.beep()), the same for every severity, only as the last resort.

A player that fails (cannot start, or its last tone ended with an error status) is dropped and
the next one plays; falling back to the beep is noted once (the reason, through `fallback_note`,
in the session log). While the previous tone of a command player still sounds, a new one is
not started (at most one per player at a time). With Qt's offscreen platform (tests, screenshots,
benchmarks: no one is listening) nothing sounds; the tones are only recorded in `played`."""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 22050
#: severity -> (tone frequency Hz, number of beeps, beep length s, gap s)
TONES = {"critical": (880.0, 3, 0.12, 0.08), "non_critical": (660.0, 2, 0.16, 0.1), "info": (440.0, 1, 0.2, 0.0)}
FOLDER = Path(tempfile.gettempdir()) / "neuromod-sim-tones"


def severity_key(severity: str | None) -> str:
    """The tone for an alarm severity: critical, non_critical (any other but info), info."""
    s = (severity or "").lower()
    if s == "critical":
        return "critical"
    if s in ("info", "information", "low"):
        return "info"
    return "non_critical"


def tone_samples(severity: str) -> np.ndarray:
    """The tone as 16-bit samples: beeps of a sine with 5 ms ramps, gaps of silence."""
    freq, beeps, length_s, gap_s = TONES[severity_key(severity)]
    n = round(length_s * SAMPLE_RATE_HZ)
    t = np.arange(n) / SAMPLE_RATE_HZ
    beep = np.sin(2 * np.pi * freq * t)
    ramp = min(int(0.005 * SAMPLE_RATE_HZ), n // 2)
    env = np.ones(n)
    env[:ramp] = np.linspace(0.0, 1.0, ramp)
    env[n - ramp:] = np.linspace(1.0, 0.0, ramp)
    beep *= env * 0.5
    gap = np.zeros(round(gap_s * SAMPLE_RATE_HZ))
    parts = []
    for i in range(beeps):
        parts.append(beep)
        if i < beeps - 1:
            parts.append(gap)
    return (np.concatenate(parts) * 32767).astype(np.int16)


def write_tone(severity: str, folder: Path = FOLDER) -> Path:
    """Write the severity's tone as a mono 16-bit WAV (once) and return its path."""
    key = severity_key(severity)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"alarm-{key}.wav"
    if not path.exists():
        tmp = path.with_suffix(".wav.part")
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE_HZ)
            w.writeframes(tone_samples(key).tobytes())
        tmp.replace(path)
    return path


def sound_effect_class():
    """QSoundEffect when QtMultimedia is installed, else None."""
    try:
        from PySide6.QtMultimedia import QSoundEffect
    except ImportError:
        return None
    return QSoundEffect


#: Command-line players tried on Linux and other Unix systems, in order (argv before the file).
UNIX_PLAYERS: tuple[tuple[str, ...], ...] = (("paplay",), ("pw-play",), ("aplay", "-q"))
#: Qt platforms with no one listening: the tones are recorded, never played.
SILENT_QT_PLATFORMS = ("offscreen", "minimal")


class PlayerFailed(Exception):
    """A player could not play a tone (the reason as text)."""


def spawn(argv: list[str]) -> subprocess.Popen:
    """Start a command detached from the app (no input, output discarded, its own session on
    Unix) and return at once."""
    kwargs: dict = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "close_fds": True}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    return subprocess.Popen(argv, **kwargs)  # noqa: S603 - a fixed player and a file this program wrote


class QtEffectPlayer:
    """QtMultimedia's QSoundEffect, one per severity, made on first use."""

    def __init__(self, effect_class):
        self.name = "QtMultimedia (QSoundEffect)"
        self._cls = effect_class
        self._effects: dict[str, Any] = {}  # QSoundEffect per severity (QtMultimedia found at run time)

    def play(self, path: Path, key: str) -> None:
        from PySide6.QtCore import QUrl

        effect = self._effects.get(key)
        if effect is None:
            effect = self._cls()
            effect.setSource(QUrl.fromLocalFile(str(path)))
            self._effects[key] = effect
        effect.play()


class WinsoundPlayer:
    """Windows: the standard library's winsound plays the file asynchronously."""

    name = "winsound"

    def play(self, path: Path, key: str) -> None:
        try:
            import winsound
        except ImportError as exc:
            raise PlayerFailed(f"winsound is not available ({exc})") from None
        try:
            flags = winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT  # type: ignore[attr-defined,unused-ignore]  # Windows-only module: typeshed has its names only on win32
            winsound.PlaySound(str(path), flags)  # type: ignore[attr-defined,unused-ignore]  # (as above)
        except RuntimeError as exc:
            raise PlayerFailed(f"winsound could not play {path.name} ({exc})") from None


class CommandPlayer:
    """A command-line player (afplay, paplay, pw-play, aplay) run with the WAV file's path."""

    def __init__(self, argv: list[str]):
        self.argv = list(argv)
        self.name = Path(argv[0]).name
        self._last: subprocess.Popen | None = None

    def command(self, path: Path) -> list[str]:
        return [*self.argv, str(path)]

    def play(self, path: Path, key: str) -> None:
        last = self._last
        if last is not None:
            status = last.poll()
            if status is None:
                return  # the previous tone still sounds: one at a time
            self._last = None
            if status != 0:
                raise PlayerFailed(f"{self.name} failed (exit status {status})")
        try:
            self._last = spawn(self.command(path))
        except OSError as exc:
            raise PlayerFailed(f"{self.name} could not start ({exc})") from None


def choose_players(effect_class=None) -> list:
    """The players to try, best first, for this platform (`sys.platform`) and what is installed
    (`shutil.which`); `effect_class` is QSoundEffect when QtMultimedia is importable."""
    players: list = []
    if effect_class is not None:
        players.append(QtEffectPlayer(effect_class))
    if sys.platform.startswith("win"):
        players.append(WinsoundPlayer())
    elif sys.platform == "darwin":
        found = shutil.which("afplay")
        if found:
            players.append(CommandPlayer([found]))
    else:
        for argv in UNIX_PLAYERS:
            found = shutil.which(argv[0])
            if found:
                players.append(CommandPlayer([found, *argv[1:]]))
    return players


def silent_platform() -> bool:
    """True under Qt's offscreen (or minimal) platform: tests, screenshots, benchmarks."""
    return os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in SILENT_QT_PLATFORMS


class TonePlayer:
    """Plays the tone of a severity with the first player that works; the system beep as the
    last resort (noted once, with the reason)."""

    def __init__(self, fallback_note=None, players: list | None = None, silent: bool | None = None):
        """`players`: the players to try (default `choose_players`); `silent`: record only
        (default: under an offscreen Qt platform)."""
        self.silent = silent_platform() if silent is None else silent
        self.players = (choose_players(sound_effect_class()) if players is None else list(players)) if not self.silent else []
        self.fallback_note = fallback_note
        self._noted = False
        self._why_beep = "" if self.players else self._no_player_reason()
        self.played: list[str] = []  # severities played (for tests and the session log)
        self.beeped = 0  # tones that sounded as the system beep
        if self.players:
            log.info("alarm tones: played with %s", self.players[0].name)

    @staticmethod
    def _no_player_reason() -> str:
        if sys.platform.startswith("win") or sys.platform == "darwin":
            return "no sound player is available"
        return f"QtMultimedia is not installed and no sound player was found (looked for {', '.join(a[0] for a in UNIX_PLAYERS)})"

    def renote(self) -> None:
        """Note the fallback again at the next tone (a new session's log)."""
        self._noted = False

    @property
    def has_multimedia(self) -> bool:
        return any(isinstance(p, QtEffectPlayer) for p in self.players)

    @property
    def player_name(self) -> str:
        """The player the next tone goes to ('system beep' when none is left)."""
        return self.players[0].name if self.players else "system beep"

    def play(self, severity: str) -> None:
        key = severity_key(severity)
        self.played.append(key)
        if self.silent:
            return
        try:
            path = write_tone(key)
        except OSError as exc:
            self._fall_back(f"the tone file could not be written ({exc})")
            path = None
        while path is not None and self.players:
            player = self.players[0]
            try:
                player.play(path, key)
                return
            except PlayerFailed as exc:
                self.players.pop(0)
                nxt = self.player_name
                log.warning("alarm tone: %s; now %s", exc, nxt)
                self._why_beep = str(exc)
                if nxt != "system beep" and self.fallback_note is not None:
                    self.fallback_note(f"alarm tone: {exc}; the tones now play with {nxt}")
        self._beep()

    def _fall_back(self, reason: str) -> None:
        self._why_beep = reason

    def _beep(self) -> None:
        from PySide6.QtWidgets import QApplication

        self.beeped += 1
        if not self._noted:
            self._noted = True
            text = f"alarm tone: {self._why_beep}; alarm tones sound as the system beep, the same for every severity"
            log.info(text)
            if self.fallback_note is not None:
                self.fallback_note(text)
        QApplication.beep()
