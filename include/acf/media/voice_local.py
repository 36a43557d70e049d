"""The local voice: Piper where it has a voice for the language, eSpeak NG for every other
language and whenever Piper cannot speak (not installed, a model that fails to load).

Both return the narration's word timing with the audio (:class:`acf.media.words.Speech`).
"""
from __future__ import annotations

import logging
from pathlib import Path

from acf.media import speech_local, speech_piper
from acf.media.choices import DEFAULT_WPM, MAX_WPM, MIN_WPM
from acf.media.words import Speech

log = logging.getLogger(__name__)


def check_speed(words_per_minute: int) -> int:
    value = int(words_per_minute)
    if not MIN_WPM <= value <= MAX_WPM:
        raise ValueError(f"voice_speed {value} words per minute is outside {MIN_WPM}-{MAX_WPM}")
    return value


def speak(text: str, dest: Path, language: str = "en", words_per_minute: int = DEFAULT_WPM) -> Speech:
    """Speak ``text`` into a mono WAV at ``dest`` with the best local engine for ``language``."""
    words_per_minute = check_speed(words_per_minute)
    if not text.strip():
        raise speech_local.SpeechError("nothing to say: empty narration")
    if speech_piper.available(language):
        try:
            return speech_piper.synthesize(text, dest, language, words_per_minute)
        except Exception as exc:  # noqa: BLE001 - eSpeak NG is the fallback for any Piper failure
            log.warning("piper could not speak (%s: %s); using eSpeak NG", type(exc).__name__, exc)
    return speech_local.synthesize_timed(text, dest, language, words_per_minute)
