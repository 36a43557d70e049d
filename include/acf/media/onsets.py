"""Where speech starts, found on the audio alone: the check on caption timing.

An energy detector independent of any engine's timing: the short-time level
(25 ms windows every 5 ms) in dB, and an onset wherever it rises by ``rise_db``
within 60 ms out of a dip at least ``rise_db`` below the loudest level around it
(a pause, a stop's closure, the gap between words) and reaches speech level.
:func:`caption_sync_ms` matches each caption's start to the nearest onset.
"""
from __future__ import annotations

import wave
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

HOP_SECONDS = 0.005
WINDOW_SECONDS = 0.025


def read_mono(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit WAV as float mono samples and its rate."""
    with wave.open(str(path)) as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def level_db(samples: np.ndarray, rate: int) -> np.ndarray:
    hop, window = max(1, int(rate * HOP_SECONDS)), max(1, int(rate * WINDOW_SECONDS))
    if samples.size < window:
        return np.full(1, -120.0)
    power = np.convolve(samples.astype(np.float64) ** 2, np.ones(window) / window, mode="valid")[::hop]
    return 10 * np.log10(power + 1e-12)


def onsets(samples: np.ndarray, rate: int, rise_db: float = 12.0, speech_below_peak_db: float = 30.0) -> list[float]:
    """Seconds at which sound rises out of a dip into speech."""
    level = level_db(samples, rate)
    speech = level.max() - speech_below_peak_db
    lookback = int(0.06 / HOP_SECONDS)
    found: list[float] = []
    dip = level[0]
    armed = True
    for i, value in enumerate(level):
        dip = min(dip, value)
        if armed and value >= speech and value - level[max(0, i - lookback):i + 1].min() >= rise_db \
                and value - dip >= rise_db:
            # the onset is where the rise started: the last frame within 6 dB of the dip
            j = i
            while j > 0 and level[j - 1] > dip + 6 and i - j < lookback:
                j -= 1
            found.append(j * HOP_SECONDS + WINDOW_SECONDS / 2)
            armed, dip = False, value
        elif not armed and value <= level[max(0, i - lookback):i + 1].max() - rise_db:
            armed, dip = True, value
    return found


def caption_sync_ms(caption_starts: Iterable[float], detected: Sequence[float], search_seconds: float = 0.5) -> list[float]:
    """|caption start - nearest detected onset| per caption, in ms (``search_seconds`` when none is near)."""
    points = np.asarray(sorted(detected), dtype=float)
    errors = []
    for start in caption_starts:
        if points.size == 0:
            errors.append(search_seconds * 1000)
            continue
        nearest = float(np.min(np.abs(points - start)))
        errors.append(min(nearest, search_seconds) * 1000)
    return errors


def p95(values: Sequence[float]) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), 95)) if len(values) else float("nan")
