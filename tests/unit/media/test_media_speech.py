"""Offline speech through espeakng-loader's libespeak-ng (ctypes), no system package."""
from __future__ import annotations

import wave

import numpy as np
import pytest

from acf.media import speech_local


def test_speech_is_a_22050_hz_wav_whose_length_follows_the_text(tmp_path):
    short = speech_local.synthesize("Hello.", tmp_path / "a.wav")
    long = speech_local.synthesize("Hello. This sentence is quite a lot longer than the first one.", tmp_path / "b.wav")
    assert 0.2 < short < long
    with wave.open(str(tmp_path / "b.wav")) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (22050, 2, 1)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    assert np.abs(samples).max() > 3000                       # speech, not silence


def test_other_languages_and_unknown_voices(tmp_path):
    assert speech_local.synthesize("Bonjour tout le monde", tmp_path / "fr.wav", "fr") > 0.3
    assert speech_local.synthesize("Hello", tmp_path / "xx.wav", "zz") > 0.1   # falls back to English


def test_empty_narration_is_an_error(tmp_path):
    with pytest.raises(speech_local.SpeechError, match="empty"):
        speech_local.synthesize("   ", tmp_path / "e.wav")
