"""Captions burned in from the narration: chunking, timing and safe ASS text.

Timing comes from the speech: a voice that reports its words (:mod:`acf.media.words`)
starts each caption chunk on its first word; only untimed voices get the old spread
by length. Two styles (:data:`STYLES`): ``chunked`` shows each short line whole;
``word`` shows the same line with the word being spoken highlighted (one ASS event
per word, colour only, so the line never reflows).

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
from acf.media.choices import CAPTION_STYLES as STYLES
from acf.media.words import Word, spread

HIGHLIGHT = "&H0000D7FF&"   # ASS colours are &HBBGGRR: gold (#FFD700) on the white line
HOLD_SECONDS = 0.4          # a scene's last line stays this long after its last word ends

_WORD_JOINER = "\u2060"  # zero-width: breaks "\N" into "\" + "N" without showing anything


@dataclass(frozen=True)
class Caption:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()   # the line's words on the video's clock (for the word style)


class CaptionStyleError(ValueError):
    """An unknown caption style."""


def check_style(style: str) -> str:
    if style not in STYLES:
        raise CaptionStyleError(f"unknown caption style {style!r}; known: {', '.join(STYLES)}")
    return style


def ass_escape(text: str) -> str:
    """Narration -> ASS dialogue text that libass renders verbatim (one line, no overrides)."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text
    )
    cleaned = " ".join(cleaned.split())
    cleaned = cleaned.replace("\\", "\\" + _WORD_JOINER)
    return cleaned.replace("{", "\\{").replace("}", "\\}")


# A line does not end on these: the word belongs with what follows it ("from the | sun" reads badly).
_LEADING_WORDS = frozenset("a an the of to in on at by for from with and or but as into than that our your their "
                           "my his her its this these those".split())


ORPHAN_SLACK_CHARS = 8


def chunk_words(text: str, max_words: int = 5, max_chars: int = 28) -> list[str]:
    """Split narration into short caption lines, breaking after punctuation (a comma too: the voice
    pauses there) and never after an article, preposition or conjunction when it can move on."""
    words = text.split()
    chunks: list[list[str]] = []
    current: list[str] = []
    for word in words:
        candidate = " ".join(current + [word])
        if current and (len(current) >= max_words or len(candidate) > max_chars):
            carried = []
            while len(current) > 1 and current[-1].lower() in _LEADING_WORDS:
                carried.insert(0, current.pop())
            chunks.append(current)
            current = carried
        current.append(word)
        if re.search(r"[.!?;:,]$", word) and len(current) >= 2:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    # A last word left alone ("came | in.") joins the line before it when that line runs on into it:
    # a one-word flash reads badly and starts off the voice's rhythm.
    merged: list[list[str]] = []
    for chunk in chunks:
        if (merged and len(chunk) == 1 and not re.search(r"[.!?;:,]$", merged[-1][-1])
                and len(" ".join(merged[-1] + chunk)) <= max_chars + ORPHAN_SLACK_CHARS):
            merged[-1] = merged[-1] + chunk
        else:
            merged.append(chunk)
    return [" ".join(chunk) for chunk in merged]


def time_captions(text: str, start: float, seconds: float, words: tuple[Word, ...] | list[Word] = (),
                  **chunking) -> list[Caption]:
    """Caption chunks of one voice that starts at ``start`` and lasts ``seconds``.

    With ``words`` (one per ``text.split()`` word, seconds from the voice's start) each chunk
    starts on its first word and lasts until the next chunk starts; without them the chunks
    are spread over ``seconds`` in proportion to their length.
    """
    chunks = chunk_words(text, **chunking)
    if not chunks:
        return []
    timed = len(words) == len(text.split())
    if not timed:
        words = spread(text, 0.0, seconds)
        weights = [max(1, len(c)) + 3 for c in chunks]
        bounds, t = [], 0.0
        for weight in weights:
            bounds.append(t)
            t += seconds * weight / sum(weights)
        # untimed: chunk starts are the spread's, the words inside follow the chunk
        words = _words_within(chunks, words, bounds, seconds)
    captions, first = [], 0
    for n, chunk in enumerate(chunks):
        count = len(chunk.split())
        own = [Word(round(start + w.start, 3), round(start + w.end, 3), w.text) for w in words[first:first + count]]
        first += count
        captions.append(Caption(own[0].start, 0.0, chunk, tuple(own)))
    for n, cap in enumerate(captions):
        if n + 1 < len(captions):
            end = captions[n + 1].start
        else:
            end = min(start + seconds, cap.words[-1].end) + HOLD_SECONDS if timed else start + seconds
        captions[n] = Caption(cap.start, round(max(end, cap.start + 0.05), 3), cap.text, cap.words)
    return captions


def _words_within(chunks: list[str], words: list[Word], bounds: list[float], seconds: float) -> list[Word]:
    placed, first = [], 0
    for n, chunk in enumerate(chunks):
        count = len(chunk.split())
        stop = bounds[n + 1] if n + 1 < len(bounds) else seconds
        placed.extend(spread(" ".join(w.text for w in words[first:first + count]), bounds[n], stop - bounds[n]))
        first += count
    return placed


def _ts(seconds: float) -> str:
    cs = int(round(max(0.0, seconds) * 100))
    h, rem = divmod(cs, 360000)
    m, rem = divmod(rem, 6000)
    s, cs = divmod(rem, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def _events(cap: Caption, style: str) -> list[tuple[float, float, str]]:
    if style == "chunked" or not cap.words:
        return [(cap.start, cap.end, ass_escape(cap.text))]
    escaped = [ass_escape(w.text) for w in cap.words]
    events = []
    for k, word in enumerate(cap.words):
        start = cap.start if k == 0 else word.start
        end = cap.words[k + 1].start if k + 1 < len(cap.words) else cap.end
        if end <= start:
            continue
        line = " ".join(f"{{\\c{HIGHLIGHT}}}{text}{{\\r}}" if i == k else text for i, text in enumerate(escaped))
        events.append((start, end, line))
    return events


def layout(width: int, height: int) -> tuple[int, int, int, int]:
    """(font size, outline, bottom margin, side margin) of the captions on a ``width`` x ``height`` frame."""
    font_size = max(16, int(min(width, height) * 0.075))
    return font_size, max(2, font_size // 12), int(height * (0.22 if height > width else 0.10)), int(width * 0.08)


def band(width: int, height: int) -> tuple[int, int]:
    """The rows (top, bottom) two caption lines can cover: where the checks look for them on screen."""
    font_size, _, margin_v, _ = layout(width, height)
    bottom = height - margin_v
    return max(0, int(bottom - 2.8 * font_size)), min(height, int(bottom + 0.4 * font_size))


def write_ass(captions: list[Caption], width: int, height: int, dest: Path, style: str = "chunked") -> Path:
    """An ASS file styled for ``width`` x ``height``: bold white type, black outline, lower third;
    ``style`` ``word`` highlights the word being spoken."""
    check_style(style)
    font_size, outline, margin_v, margin_h = layout(width, height)
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
        for start, end, text in _events(cap, style):
            lines.append(f"Dialogue: 0,{_ts(start)},{_ts(end)},Caption,,0,0,0,,{text}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest
