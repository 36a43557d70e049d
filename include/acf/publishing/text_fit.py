"""Fit text into a platform's limits without breaking words, emoji or UTF-8.

Platforms count differently (code points, UTF-16 units, UTF-8 bytes), so every
function takes the unit from the platform rules. Text is only ever cut between
grapheme clusters (``regex``'s ``\\X``), so a skin-toned emoji, a flag or an
accented letter is kept whole or dropped whole; and it is cut at the last word
boundary that fits, falling back to a cluster boundary only when a single word
is longer than the limit.
"""
from __future__ import annotations

import regex

UNITS = ("chars", "utf16", "bytes")
_CLUSTER = regex.compile(r"\X")
_TRAILING_JUNK = " \t\n\r,;:-–—|/&·"


def measure(text: str, unit: str = "chars") -> int:
    if unit == "chars":
        return len(text)
    if unit == "utf16":
        return len(text.encode("utf-16-le")) // 2
    if unit == "bytes":
        return len(text.encode("utf-8"))
    raise ValueError(f"unknown length unit {unit!r}; known: {', '.join(UNITS)}")


def fit(text: str, limit: int, unit: str = "chars", ellipsis: str = "") -> str:
    """``text`` unchanged when it fits, else cut at whole words (plus ``ellipsis``) within ``limit``."""
    if limit <= 0:
        return ""
    if measure(text, unit) <= limit:
        return text
    budget = limit - measure(ellipsis, unit)
    if budget <= 0:
        ellipsis, budget = "", limit
    kept: list[str] = []
    used = 0
    last_break = 0  # number of clusters before the last whitespace that fits
    for cluster in _CLUSTER.findall(text):
        size = measure(cluster, unit)
        if used + size > budget:
            break
        if cluster.isspace():
            last_break = len(kept)
        kept.append(cluster)
        used += size
    if last_break > 0:
        kept = kept[:last_break]
    cut = "".join(kept).rstrip(_TRAILING_JUNK)
    return (cut + ellipsis) if cut else ""


def hashtag(term: str) -> str:
    """``'home espresso machines'`` -> ``'#HomeEspressoMachines'`` (letters and digits of any script)."""
    words = regex.findall(r"[\p{L}\p{N}\p{M}]+", term)
    body = "".join(w[:1].upper() + w[1:] for w in words)
    return f"#{body}" if body else ""


def unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        folded = item.casefold()
        if item and folded not in seen:
            seen.add(folded)
            out.append(item)
    return out


def fit_list(items: list[str], max_count: int | None = None, max_total: int | None = None,
             cost=len, separator_cost: int = 0) -> list[str]:
    """The first items (in order) that fit a count and a total-length budget; long items are skipped, not cut."""
    chosen: list[str] = []
    total = 0
    for item in items:
        if max_count is not None and len(chosen) >= max_count:
            break
        extra = cost(item) + (separator_cost if chosen else 0)
        if max_total is not None and total + extra > max_total:
            continue
        chosen.append(item)
        total += extra
    return chosen


def compose(body: str, tail: str, limit: int, unit: str = "chars", gap: str = "\n\n") -> str:
    """``body`` + ``gap`` + ``tail`` within ``limit``: the body is shortened first, the tail kept whole when it can be."""
    if not tail:
        return fit(body, limit, unit, ellipsis="…")
    if not body:
        return fit(tail, limit, unit)
    room = limit - measure(gap + tail, unit)
    if room <= 0:
        return fit(tail, limit, unit)
    short_body = fit(body, room, unit, ellipsis="…")
    return f"{short_body}{gap}{tail}" if short_body else fit(tail, limit, unit)
