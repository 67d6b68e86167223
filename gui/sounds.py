"""Alarm tones, one per severity, as WAV files this program writes (numpy + wave) on first use.

critical: three short high beeps (880 Hz), non-critical: two mid beeps (660 Hz), info: one low beep
(440 Hz) [?] defaults chosen to be told apart by ear (IEC 60601-1-8 gives alarm melodies by
priority; these are simple stand-ins, not its melodies). The files go into a folder of the
system's temporary directory that only this program writes. They are played with QtMultimedia's
QSoundEffect when the installed PySide6 has it; PySide6-Essentials has no QtMultimedia, and then
the system beep sounds instead (noted once through `fallback_note`)."""
from __future__ import annotations

import logging
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


class TonePlayer:
    """Plays the tone of a severity; falls back to the system beep (noted once)."""

    def __init__(self, fallback_note=None):
        self._effects: dict[str, Any] = {}  # QSoundEffect per tone (QtMultimedia is optional: found at run time)
        self._cls = sound_effect_class()
        self.fallback_note = fallback_note
        self._noted = False
        self.played: list[str] = []  # severities played (for tests and the session log)

    def renote(self) -> None:
        """Note the fallback again at the next tone (a new session's log)."""
        self._noted = False

    @property
    def has_multimedia(self) -> bool:
        return self._cls is not None

    def play(self, severity: str) -> None:
        key = severity_key(severity)
        self.played.append(key)
        try:
            path = write_tone(key)
        except OSError as exc:
            log.warning("cannot write the alarm tone: %s", exc)
            path = None
        if self._cls is not None and path is not None:
            from PySide6.QtCore import QUrl

            effect = self._effects.get(key)
            if effect is None:
                effect = self._cls()
                effect.setSource(QUrl.fromLocalFile(str(path)))
                self._effects[key] = effect
            effect.play()
            return
        from PySide6.QtWidgets import QApplication

        if not self._noted:
            self._noted = True
            text = "QtMultimedia is not installed (PySide6-Essentials): alarm tones sound as the system beep, the same for every severity"
            log.info(text)
            if self.fallback_note is not None:
                self.fallback_note(text)
        QApplication.beep()
