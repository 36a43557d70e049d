"""Numbers and promises in text, against the facts a script cites.

Every number a narration says must come from a fact the scene cites (a value of its
``numbers`` or ``points``, or a figure in its text), rounded for speech at most: this
module finds the numbers in text, rounds counts the way a narrator says them, and
says which numbers no cited fact supports. Titles are checked the same way: a title
may not promise a length ("in 60 Seconds") the video does not have.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from acf.content_models import Fact

_SCALE_WORDS = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "b": 1e9}
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s*(thousand|million|billion)\b|([kKmMbB])(?![\w]))?(\+)?",
    re.IGNORECASE,
)
TOLERANCE = 0.05   # a spoken figure may be this far from the fact's (rounding for speech)


def numbers_in(text: str) -> list[float]:
    """The figures ``text`` says, as numbers: "2.1 million" -> 2100000, "12,400" -> 12400, "2M+" -> 2e6."""
    found = []
    for match in _NUMBER.finditer(text or ""):
        whole, fraction, word, letter, _ = match.groups()
        value = float(whole.replace(",", "") + (fraction or ""))
        scale = word or letter
        if scale:
            value *= _SCALE_WORDS[scale.lower()]
        found.append(value)
    return found


def speak_count(value: float) -> str:
    """A count as a narrator says it: 6335241 -> "6.3 million", 12173 -> "12,200", 540 -> "540"."""
    value = float(value)
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            scaled = round(value / size, 1)
            text = f"{scaled:.1f}".rstrip("0").rstrip(".")
            return f"{text} {word}"
    if abs(value) >= 10_000:
        return f"{round(value, -3 if abs(value) >= 100_000 else -2):,.0f}"
    if abs(value) >= 1_000:
        return f"{round(value, -2):,.0f}"
    return f"{value:,.0f}" if value == int(value) else f"{value:.1f}"


def fact_figures(fact: Fact) -> list[float]:
    """Every number a fact supports: its ``numbers``, its ``points``' values and the figures in its text."""
    figures = [float(v) for v in fact.numbers.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    for point in fact.points or []:
        if isinstance(point, (list, tuple)) and len(point) > 1:
            value = point[1]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                figures.append(float(value))
            if fact.kind != "series":   # a curve's labels are dates, not figures to say
                figures += numbers_in(str(point[0]))
    return figures + numbers_in(fact.text) + numbers_in(fact.source)


def _supported(value: float, figures: Iterable[float]) -> bool:
    for figure in figures:
        if value == figure or (figure and abs(value - figure) <= TOLERANCE * abs(figure)):
            return True
    return False


def unsupported_numbers(text: str, facts: Iterable[Fact], also: Iterable[str] = ()) -> list[float]:
    """The numbers ``text`` says that no fact in ``facts`` (nor any text of ``also``: the term, the title) holds."""
    figures = [f for fact in facts for f in fact_figures(fact)]
    figures += [n for extra in also for n in numbers_in(extra)]
    return [value for value in numbers_in(text) if not _supported(value, figures)]


# --- honest titles -------------------------------------------------------------
_LENGTH = re.compile(r"\b(\d+(?:\.\d+)?)[\s-]*(seconds?|secs?|minutes?|mins?)\b", re.IGNORECASE)
_LENGTH_PHRASE = re.compile(
    r"[\s,:—-]*\b(?:explained\s+)?(?:in|under|within)?\s*(?:just\s+)?\d+(?:\.\d+)?[\s-]*"
    r"(?:seconds?|secs?|minutes?|mins?)\b", re.IGNORECASE)
_COUNT = re.compile(r"\b(\d+)(?=\s+(?:things|facts|points|reasons|moments|details|takeaways)\b)", re.IGNORECASE)


def length_promise(text: str) -> float | None:
    """The length in seconds ``text`` promises ("Explained in 60 Seconds" -> 60), or None."""
    match = _LENGTH.search(text or "")
    if not match:
        return None
    value = float(match.group(1))
    return value * 60 if match.group(2).lower().startswith("m") else value


def length_mismatch(title: str, seconds: float, tolerance: float = 0.2) -> bool:
    """The title promises a length more than ``tolerance`` away from ``seconds``."""
    promised = length_promise(title)
    return promised is not None and abs(promised - seconds) > tolerance * max(promised, 1.0)


def without_counts(text: str, most: int) -> str:
    """``text`` without its "N things" counts of at most ``most``: a count of items, not a figure to cite."""
    return _COUNT.sub(lambda m: "" if int(m.group(1)) <= most else m.group(1), text or "")


def honest_title(title: str, seconds: float | None = None, items: int | None = None) -> str:
    """``title`` without a length it does not keep, and with its "N things" saying ``items`` when given."""
    if seconds is not None and length_mismatch(title, seconds):
        stripped = _LENGTH_PHRASE.sub("", title).strip(" ,:—-")
        if re.search(r"\bexplained\s+in\b", title, re.IGNORECASE) and "explained" not in stripped.lower():
            stripped = f"{stripped}, Explained"
        title = stripped or title
    if items is not None and items > 0:
        title = _COUNT.sub(str(items), title, count=1)
    return title
