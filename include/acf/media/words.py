"""When each word of a narration is spoken: the timing captions follow.

A voice reports its words as :class:`Word` (seconds from the start of its own
audio), one per whitespace-separated word of the narration, in order, so
``words[i]`` is ``narration.split()[i]``: captions chunk the same split. Engines
that know more (Piper's per-phoneme sample counts, eSpeak NG's word events,
ElevenLabs' per-character times) fill them in; :func:`spread` is the fallback
for a span whose words are not timed (by character count, the old way).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Speech:
    """A synthesised narration: its length, its words' timing (empty: not known) and what spoke it."""

    seconds: float
    words: tuple[Word, ...]
    engine: str


def to_json(words: Iterable[Word]) -> list[list]:
    """Compact, XCom- and JSON-column-friendly: ``[[start, end, text], ...]`` in milliseconds' precision."""
    return [[round(w.start, 3), round(w.end, 3), w.text] for w in words]


def from_json(rows) -> tuple[Word, ...]:
    return tuple(Word(float(s), float(e), str(t)) for s, e, t in (rows or []))


def sentences(text: str) -> list[str]:
    """Sentence-ish pieces (split after . ! ? ; :), for engines that are timed per request."""
    return [part for part in _SENTENCE_END.split(text.strip()) if part.strip()]


def spread(text: str, start: float, seconds: float) -> list[Word]:
    """Words spread over ``seconds`` in proportion to their length (plus a pause share after punctuation)."""
    tokens = text.split()
    if not tokens:
        return []
    weights = [len(t) + 1 + (3 if re.search(r"[.!?;:,]$", t) else 0) for t in tokens]
    total = float(sum(weights))
    words, t = [], start
    for token, weight in zip(tokens, weights):
        length = seconds * weight / total
        words.append(Word(t, t + length * 0.9, token))
        t += length
    return words


def is_sound_letter(symbol: str) -> bool:
    """A phoneme symbol that is a sound (not stress, length, pause or punctuation)."""
    return bool(symbol) and all(unicodedata.category(ch) in ("Ll", "Lu", "Lo") for ch in symbol)


def align_by_share(tokens: Sequence[str], token_weights: Sequence[int],
                   sound_times: Sequence[tuple[float, float]],
                   word_starts: Sequence[int] = ()) -> list[Word]:
    """Place ``tokens`` on a timed sequence of sounds, each token taking its share of them.

    ``token_weights``: how many sounds each token has when phonemised alone;
    ``sound_times``: (start, end) of every sound actually spoken, in order;
    ``word_starts``: indices of sounds that begin a spoken word (after a pause or a space),
    where an estimate is snapped when one is within two sounds: the engine's own word
    boundaries win over the estimate wherever they exist.
    """
    if not tokens:
        return []
    if not sound_times:
        raise ValueError("no timed sounds to align words to")
    total = float(sum(max(1, w) for w in token_weights)) or 1.0
    count = len(sound_times)
    boundaries = sorted(set(word_starts))
    firsts, cumulative = [], 0.0
    for weight in token_weights:
        index = min(count - 1, int(round(cumulative / total * count)))
        near = [b for b in boundaries if abs(b - index) <= 2]
        if near:
            index = min(near, key=lambda b: (abs(b - index), b))
        if firsts and index <= firsts[-1]:
            index = min(count - 1, firsts[-1] + 1)
        firsts.append(index)
        cumulative += max(1, weight)
    words = []
    for n, token in enumerate(tokens):
        first = firsts[n]
        last = (firsts[n + 1] - 1) if n + 1 < len(tokens) else count - 1
        last = max(first, last)
        words.append(Word(sound_times[first][0], sound_times[last][1], token))
    return words


def from_character_times(text: str, characters: Sequence[str], starts: Sequence[float],
                         ends: Sequence[float]) -> list[Word]:
    """Words from per-character times (ElevenLabs' ``alignment``): a word starts at its first character."""
    spoken = "".join(characters)
    tokens = text.split()
    words, position = [], 0
    for token in tokens:
        found = spoken.find(token, position)
        if found < 0:   # the service normalised the text: fall back to the next non-space character
            found = position
            while found < len(spoken) and spoken[found].isspace():
                found += 1
        found = min(found, len(characters) - 1)
        stop = min(len(characters) - 1, found + len(token) - 1)
        words.append(Word(float(starts[found]), float(ends[stop]), token))
        position = stop + 1
    return words
