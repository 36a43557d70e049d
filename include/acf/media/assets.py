"""Bundled media assets: the caption/title font and a synthesised music bed.

No system font is assumed: DejaVu Sans Bold, with DejaVu Sans and DejaVu Sans Condensed Bold
for the scene cards (Bitstream Vera licence, see assets/fonts/DejaVu-LICENSE.txt), ships with
the package. The music bed is
synthesised here (soft pad chords), so it is royalty-free by construction.
"""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

ASSETS_DIR = Path(__file__).with_name("assets")
FONTS_DIR = ASSETS_DIR / "fonts"
FONT_FILE = FONTS_DIR / "DejaVuSans-Bold.ttf"
FONT_FAMILY = "DejaVu Sans"  # family name inside the file, used by libass

MUSIC_RATE = 48000
# A-minor / F / C / G pad, one chord every 4 seconds (Hz of the chord tones).
_CHORDS = (
    (220.00, 261.63, 329.63),
    (174.61, 220.00, 261.63),
    (130.81, 164.81, 196.00),
    (196.00, 246.94, 293.66),
)


def wrap_words(words: list[str], length, max_width: float) -> list[str]:
    """Words set greedily into lines no wider than ``max_width`` as ``length(text)`` measures them
    (a word wider than a line stands alone on its own)."""
    lines, current = [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and length(candidate) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def font_path() -> Path:
    if not FONT_FILE.exists():
        raise FileNotFoundError(f"bundled font missing: {FONT_FILE}")
    return FONT_FILE


def write_music_bed(dest: Path, seconds: float, seed: int = 7) -> Path:
    """A quiet, looping pad (stereo 16-bit WAV) of ``seconds`` length, built in blocks."""
    total = int(round(seconds * MUSIC_RATE))
    chord_len = 4 * MUSIC_RATE
    rng = np.random.default_rng(seed)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(MUSIC_RATE)
        start = 0
        while start < total:
            n = min(chord_len, total - start)
            t = np.arange(n) / MUSIC_RATE
            chord = _CHORDS[(start // chord_len) % len(_CHORDS)]
            tone = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6.28)) for f in chord)
            tone += 0.3 * sum(np.sin(2 * np.pi * 2 * f * t) for f in chord)
            env = np.minimum(1.0, np.minimum(t / 0.6, (n / MUSIC_RATE - t) / 0.6 + 0.05))
            left = tone * env * 0.12
            right = np.roll(left, 240)
            block = np.stack([left, right], axis=1)
            out.writeframes((np.clip(block, -1, 1) * 32767).astype("<i2").tobytes())
            start += n
    return dest
