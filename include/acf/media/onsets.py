"""Where sounds start, found on the audio alone: the check on caption timing.

An energy detector independent of any engine's timing. The track is cut into 25 ms
windows every 5 ms; each window's energy is measured in six frequency bands (in dB,
floored 50 dB under the band's loudest). A sound starts where the summed rise of the
band levels over 20 ms (spectral flux of band energies) peaks above a threshold: a
word after a pause, a stop's release, and the formant change of a vowel after a vowel
alike. :func:`caption_sync_ms` matches each caption's start to the nearest onset.
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


BANDS_HZ = ((80, 300), (300, 800), (800, 1500), (1500, 3000), (3000, 6000), (6000, 10000))
FLOOR_DB = 50.0
LAG_FRAMES = 4            # rise measured over 20 ms
MIN_GAP_SECONDS = 0.05    # two onsets closer than this are one


def band_levels_db(samples: np.ndarray, rate: int) -> np.ndarray:
    """(frames, bands) energy in dB, each band floored ``FLOOR_DB`` under its loudest frame."""
    hop, window = max(1, int(rate * HOP_SECONDS)), max(16, int(rate * WINDOW_SECONDS))
    if samples.size < window:
        return np.zeros((1, len(BANDS_HZ)))
    frames = np.lib.stride_tricks.sliding_window_view(samples.astype(np.float32), window)[::hop]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(window).astype(np.float32), axis=1)) ** 2
    freqs = np.fft.rfftfreq(window, 1.0 / rate)
    levels = np.stack([10 * np.log10(spectrum[:, (freqs >= lo) & (freqs < hi)].sum(axis=1) + 1e-12)
                       for lo, hi in BANDS_HZ], axis=1)
    return np.maximum(levels, levels.max(axis=0) - FLOOR_DB)


def onsets(samples: np.ndarray, rate: int, threshold_db: float = 35.0) -> list[float]:
    """Seconds at which a sound starts: peaks of the summed 20 ms rise of the band levels."""
    levels = band_levels_db(samples, rate)
    if len(levels) <= LAG_FRAMES:
        return []
    rise = np.maximum(levels[LAG_FRAMES:] - levels[:-LAG_FRAMES], 0).sum(axis=1)
    # total power in dB: an onset gets louder overall (a hard stop's click rises in some bands only)
    total = 10 * np.log10(np.sum(10 ** (levels / 10), axis=1))
    louder = total[LAG_FRAMES:] - total[:-LAG_FRAMES] >= 3.0
    gap = int(MIN_GAP_SECONDS / HOP_SECONDS)
    found: list[float] = []
    last = -gap
    for i in range(1, len(rise) - 1):
        if rise[i] >= threshold_db and louder[i] and rise[i] >= rise[max(0, i - gap):i + gap + 1].max() \
                and i - last >= gap:
            # frames i and i+LAG straddle the start: it lies about half a window and half the lag after i
            found.append(i * HOP_SECONDS + (WINDOW_SECONDS + LAG_FRAMES * HOP_SECONDS) / 2)
            last = i
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
