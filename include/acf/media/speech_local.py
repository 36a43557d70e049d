"""Offline speech with eSpeak NG through its C API (library and data from espeakng-loader).

The engine is initialised once per process in synchronous mode; a synth
callback collects 16-bit mono samples at the engine's rate (22,050 Hz) and the
result is written as a WAV file. No system package, no network.

The same callback receives eSpeak's events: a word event carries the word's
character position in the text and its audio position, which become the
narration's word timing (:func:`synthesize_timed`).
"""
from __future__ import annotations

import ctypes
import threading
import wave
from pathlib import Path

from acf.media.words import Speech, Word

SAMPLE_RATE = 22050
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_SSML = 0x10
_EE_OK = 0
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1


class _Event(ctypes.Structure):
    """espeak_EVENT (speak_lib.h)."""

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                   ctypes.POINTER(_Event))

_lock = threading.Lock()
_engine: "_Engine | None" = None


class SpeechError(RuntimeError):
    """eSpeak NG could not be loaded or failed to synthesise."""


class _Engine:
    def __init__(self) -> None:
        import espeakng_loader

        try:
            self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError as exc:
            raise SpeechError(f"cannot load libespeak-ng: {exc}") from exc
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetVoiceByName.restype = ctypes.c_int
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        self.lib.espeak_Synth.restype = ctypes.c_int
        self.lib.espeak_Synchronize.restype = ctypes.c_int
        data = espeakng_loader.get_data_path().encode()
        rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise SpeechError(f"espeak_Initialize failed with {rate} (data path {data.decode()})")
        self.rate = rate
        self._chunks: list[bytes] = []
        self._words: list[tuple[int, int, int]] = []   # (character position from 1, length, audio ms)
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept referenced: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, numsamples, events) -> int:
        # A word event's audio_position is its start in ms of the output (exact, unlike the buffer it
        # arrives with, which holds up to 60 ms of samples before it).
        n = 0
        while events and events[n].type != _EVENT_LIST_TERMINATED:
            if events[n].type == _EVENT_WORD:
                self._words.append((events[n].text_position, events[n].length, events[n].audio_position))
            n += 1
        if numsamples > 0 and wav:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0  # 0 = continue

    def synth(self, text: str, voice: str, words_per_minute: int) -> tuple[bytes, list[tuple[int, int, int]]]:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            if self.lib.espeak_SetVoiceByName(b"en") != _EE_OK:
                raise SpeechError(f"no eSpeak voice for {voice!r}")
        self.lib.espeak_SetParameter(1, int(words_per_minute), 0)  # espeakRATE
        self._chunks, self._words = [], []
        data = text.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(data)
        status = self.lib.espeak_Synth(buf, len(data), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None)
        if status != _EE_OK:
            raise SpeechError(f"espeak_Synth failed with status {status}")
        self.lib.espeak_Synchronize()
        return b"".join(self._chunks), list(self._words)


def _word_timing(text: str, events: list[tuple[int, int, int]], seconds: float) -> tuple[Word, ...]:
    """eSpeak's word events -> one :class:`Word` per ``text.split()`` word.

    A number's several spoken words count as one (its first event). Words eSpeak speaks as one
    ("from the") share that word's time by their length, up to the next word's start.
    """
    tokens, offsets, position = text.split(), [], 0
    for token in tokens:
        position = text.index(token, position)
        offsets.append(position)
        position += len(token)
    first_ms: dict[int, int] = {}
    for char_position, _length, audio_ms in events:
        char = char_position - 1       # eSpeak counts characters from 1
        index = max((i for i, s in enumerate(offsets) if s <= char), default=0)
        first_ms.setdefault(index, audio_ms)
    starts, last = [], 0.0
    for i in range(len(tokens)):
        last = first_ms[i] / 1000 if i in first_ms else last
        starts.append(last)
    i = 0
    while i < len(tokens):
        j = i
        while j + 1 < len(tokens) and starts[j + 1] == starts[i]:
            j += 1
        if j > i:   # tokens i..j share one start: spread them to the next start by their length
            stop = starts[j + 1] if j + 1 < len(tokens) else seconds
            lengths = [len(t) + 1 for t in tokens[i:j + 1]]
            t = starts[i]
            for k, length in zip(range(i, j + 1), lengths):
                starts[k] = t
                t += (stop - starts[i]) * length / sum(lengths)
        i = j + 1
    ends = starts[1:] + [seconds]
    return tuple(Word(round(s, 3), round(max(s, e - 0.02), 3), t) for s, e, t in zip(starts, ends, tokens))


def synthesize_timed(text: str, dest: Path, language: str = "en", words_per_minute: int = 165) -> Speech:
    """Speak ``text`` into a 16-bit mono WAV at ``dest``; return its duration and word timing."""
    global _engine
    if not text.strip():
        raise SpeechError("nothing to say: empty narration")
    with _lock:
        if _engine is None:
            _engine = _Engine()
        pcm, events = _engine.synth(text, language, words_per_minute)
        rate = _engine.rate
    if not pcm:
        raise SpeechError(f"eSpeak produced no audio for {len(text)} characters")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    seconds = len(pcm) / 2 / rate
    return Speech(seconds, _word_timing(text, events, seconds), f"espeak-ng:{language}")


def synthesize(text: str, dest: Path, language: str = "en", words_per_minute: int = 165) -> float:
    """Speak ``text`` into a 16-bit mono WAV at ``dest``; return its duration in seconds."""
    return synthesize_timed(text, dest, language, words_per_minute).seconds
