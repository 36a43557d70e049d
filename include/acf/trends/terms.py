"""From a source's title to a trend term and a matching key.

The *term* is what a person would search for ("Taylor Swift new album"); the
*key* is the form used to match terms across sources: case-folded, NFKC,
punctuation and packaging words ("official video", "4k", "lyrics") dropped,
tokens sorted, so "Taylor Swift - New Album (Official Video)" and
"taylor swift new album" share one key.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from acf.ids import normalise_text
from acf.trends import sources

MAX_TERM_CHARS = 120

# Words that describe the packaging of an item, not its topic.
NOISE_WORDS = frozenset(
    """official video audio music lyric lyrics visualizer visualiser hd 4k 8k hq mv m/v ft ft. feat feat.
    full trailer teaser clip live version remix explained reaction shorts short new the a an and of in on
    for to with at by is are vs from it its this that was were be been just my your our you we i me
    what how why who when all out up about after day days time first get got has have will can so
    de la el en und der die das le les des di da do em um uma no na e""".split()
)
# Bracketed packaging: (Official Video), [4K], 【MV】, ｜ separators and what follows a pipe.
_BRACKETED = re.compile(r"[\(\[【（][^\)\]】）]{0,60}[\)\]】）]")
_AFTER_PIPE = re.compile(r"\s*[|｜].*$")
_HASHTAG_SPLIT = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


# Control (Cc), format (Cf: bidi marks, zero-width), surrogate and private-use characters.
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ud800-\udfff\ue000-\uf8ff\ufeff\ufff9-\ufffb"
    "\U000e0001\U000e0020-\U000e007f\U000f0000-\U0010ffff]"
)


def strip_controls(text: str) -> str:
    """Drop control and format characters (bidi marks, zero-width, private use); keeps RTL letters, emoji."""
    return _CONTROLS.sub("", text)


def term_from_title(title: str, source: str) -> str:
    """The searchable phrase an item of ``source`` is about (display form, at most 120 characters)."""
    return clean_term(title, rule_of(source))


def rule_of(source: str) -> Callable[[str], str] | None:
    """The ``term_rule`` of ``source``; None for a source without one, or not registered."""
    known = sources.registered().get(source)
    return known.term_rule if known is not None else None


def clean_term(title: str, rule: Callable[[str], str] | None = None) -> str:
    """``title`` as a term: a source's ``rule`` first, then the shared clean-up."""
    text = title.strip()
    if rule is not None:
        text = rule(text)
    text = _SPACES.sub(" ", strip_controls(text)).strip(" -–:;,.")
    if not text:
        text = _SPACES.sub(" ", title).strip()
    if len(text) > MAX_TERM_CHARS:
        cut = text[:MAX_TERM_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut[60:] else cut
    return text


# --- term rules a source can name ----------------------------------------------------------------
def split_hashtag(text: str) -> str:
    """``#TaylorSwiftNewAlbum`` -> ``Taylor Swift New Album``; other text as it is."""
    return _HASHTAG_SPLIT.sub(" ", text[1:]) if text.startswith("#") else text


def strip_packaging(text: str) -> str:
    """Drop what follows a pipe and bracketed packaging ("(Official Video)", "【MV】"), and " - " joins."""
    text = _AFTER_PIPE.sub("", text)
    stripped = _BRACKETED.sub(" ", text)
    if stripped.strip():
        text = stripped
    return text.replace(" - ", " ").replace(" – ", " ")


def tokens(term: str) -> list[str]:
    """Topic tokens of a term: normalised words minus packaging words."""
    words = [w for w in _NON_WORD.split(normalise_text(term).replace("_", " ")) if w]
    topical = [w for w in words if w not in NOISE_WORDS]
    return topical or words


@lru_cache(maxsize=65536)
def term_key(term: str) -> str:
    """Sorted unique topic tokens: the exact-match key shared across sources."""
    found = tokens(term)
    if not found:
        return normalise_text(term)[:MAX_TERM_CHARS]
    return " ".join(sorted(set(found)))
