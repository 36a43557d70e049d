"""Offline speech with eSpeak NG through its C API (library and data from espeakng-loader).

The engine is initialised once per process in synchronous mode; a synth
callback collects 16-bit mono samples at the engine's rate (22,050 Hz) and the
result is written as a WAV file. No system package, no network.
"""
from __future__ import annotations

import ctypes
import threading
import wave
from pathlib import Path

SAMPLE_RATE = 22050
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_SSML = 0x10
_EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

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
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept referenced: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, numsamples, events) -> int:
        if numsamples > 0 and wav:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0  # 0 = continue

    def synth(self, text: str, voice: str, words_per_minute: int) -> bytes:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            if self.lib.espeak_SetVoiceByName(b"en") != _EE_OK:
                raise SpeechError(f"no eSpeak voice for {voice!r}")
        self.lib.espeak_SetParameter(1, int(words_per_minute), 0)  # espeakRATE
        self._chunks = []
        data = text.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(data)
        status = self.lib.espeak_Synth(buf, len(data), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None)
        if status != _EE_OK:
            raise SpeechError(f"espeak_Synth failed with status {status}")
        self.lib.espeak_Synchronize()
        return b"".join(self._chunks)


def synthesize(text: str, dest: Path, language: str = "en", words_per_minute: int = 165) -> float:
    """Speak ``text`` into a 16-bit mono WAV at ``dest``; return its duration in seconds."""
    global _engine
    if not text.strip():
        raise SpeechError("nothing to say: empty narration")
    with _lock:
        if _engine is None:
            _engine = _Engine()
        pcm = _engine.synth(text, language, words_per_minute)
        rate = _engine.rate
    if not pcm:
        raise SpeechError(f"eSpeak produced no audio for {len(text)} characters")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return len(pcm) / 2 / rate
