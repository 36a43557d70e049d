"""Captions burned in from the narration: chunking, timing and safe ASS text.

Narration is user-influenced text. It goes only into an ASS file (never into
the ffmpeg filter graph), and :func:`ass_escape` makes libass draw it
literally: ``{`` / ``}`` would open override blocks (``{\\b1}``) and a
backslash would start an escape (``\\N``).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from acf.media.assets import FONT_FAMILY

_WORD_JOINER = "\u2060"  # zero-width: breaks "\N" into "\" + "N" without showing anything


@dataclass(frozen=True)
class Caption:
    start: float
    end: float
    text: str


def ass_escape(text: str) -> str:
    """Narration -> ASS dialogue text that libass renders verbatim (one line, no overrides)."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text
    )
    cleaned = " ".join(cleaned.split())
    cleaned = cleaned.replace("\\", "\\" + _WORD_JOINER)
    return cleaned.replace("{", "\\{").replace("}", "\\}")


def chunk_words(text: str, max_words: int = 5, max_chars: int = 28) -> list[str]:
    """Split narration into short caption lines, preferring breaks after punctuation."""
    words = text.split()
    chunks: list[str] = []
    current: list[str] = []
    for word in words:
        candidate = " ".join(current + [word])
        if current and (len(current) >= max_words or len(candidate) > max_chars):
            chunks.append(" ".join(current))
            current = []
        current.append(word)
        if re.search(r"[.!?;:]$", word) and len(current) >= 2:
            chunks.append(" ".join(current))
            current = []
    if current:
        chunks.append(" ".join(current))
    return chunks


def time_captions(text: str, start: float, seconds: float, **chunking) -> list[Caption]:
    """Spread caption chunks over ``seconds`` of speech in proportion to their length."""
    chunks = chunk_words(text, **chunking)
    if not chunks:
        return []
    weights = [max(1, len(c)) + 3 for c in chunks]
    total = sum(weights)
    captions, t = [], start
    for chunk, weight in zip(chunks, weights):
        length = seconds * weight / total
        captions.append(Caption(round(t, 3), round(t + length, 3), chunk))
        t += length
    return captions


def _ts(seconds: float) -> str:
    cs = int(round(max(0.0, seconds) * 100))
    h, rem = divmod(cs, 360000)
    m, rem = divmod(rem, 6000)
    s, cs = divmod(rem, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def write_ass(captions: list[Caption], width: int, height: int, dest: Path) -> Path:
    """An ASS file styled for ``width`` x ``height``: bold white type, black outline, lower third."""
    short_side = min(width, height)
    font_size = max(16, int(short_side * 0.075))
    outline = max(2, font_size // 12)
    margin_v = int(height * (0.22 if height > width else 0.10))
    margin_h = int(width * 0.08)
    lines = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        f"Style: Caption,{FONT_FAMILY},{font_size},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,"
        f"-1,0,0,0,100,100,0,0,1,{outline},{max(1, outline // 2)},2,{margin_h},{margin_h},{margin_v},1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for cap in captions:
        lines.append(f"Dialogue: 0,{_ts(cap.start)},{_ts(cap.end)},Caption,,0,0,0,,{ass_escape(cap.text)}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest
