"""What a card is made of: elements placed in a box, each drawn once or animated by progress.

A template (``templates.py``) returns :class:`Element` s; the composer (``compose.py``) draws
the static ones once into the scene's still and samples the animated ones (a number counting,
a curve drawing on, a line revealed) into patches of the box that holds them. Elements
draw through a :class:`Pen`, which shifts coordinates, so the same drawing serves the full
frame and a patch of it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from PIL import ImageDraw

from acf.media.assets import wrap_words
from acf.media.scene_cards.design import RGB, Box, font


class Pen:
    """An ImageDraw whose coordinates are shifted by (-dx, -dy): draw in frame coordinates onto a patch."""

    def __init__(self, draw: ImageDraw.ImageDraw, dx: int = 0, dy: int = 0):
        self.draw, self.dx, self.dy = draw, dx, dy

    def _xy(self, points):
        return [(x - self.dx, y - self.dy) for x, y in points]

    def text(self, xy, text: str, **kwargs) -> None:
        self.draw.text((xy[0] - self.dx, xy[1] - self.dy), text, **kwargs)

    def rounded(self, box: Box, radius: int, fill) -> None:
        self.draw.rounded_rectangle((box[0] - self.dx, box[1] - self.dy, box[2] - self.dx, box[3] - self.dy),
                                    radius=radius, fill=fill)

    def rect(self, box: Box, fill) -> None:
        self.draw.rectangle((box[0] - self.dx, box[1] - self.dy, box[2] - self.dx, box[3] - self.dy), fill=fill)

    def line(self, points, fill, width: int) -> None:
        self.draw.line(self._xy(points), fill=fill, width=width, joint="curve")

    def polygon(self, points, fill) -> None:
        self.draw.polygon(self._xy(points), fill=fill)

    def ellipse(self, box: Box, fill) -> None:
        self.draw.ellipse((box[0] - self.dx, box[1] - self.dy, box[2] - self.dx, box[3] - self.dy), fill=fill)


@dataclass(frozen=True)
class TextMark:
    """One text set on a card and where: what the checks measure."""
    text: str
    box: Box
    size: int
    colour: RGB


@dataclass
class Element:
    box: Box
    paint: Callable[[Pen, float], None]          # draws the element at progress 0..1
    motion: str = "static"                       # static | progress (an image sequence) | reveal (a cover)
    start: float = 0.0                           # seconds after the card appears
    duration: float = 0.0                        # for progress
    marks: list[TextMark] = field(default_factory=list)


@dataclass
class CardLayout:
    kind: str
    fact_ids: list[str]
    panel: Box
    elements: list[Element]

    @property
    def marks(self) -> list[TextMark]:
        return [mark for element in self.elements for mark in element.marks]


# ---------------------------------------------------------------- type setting
def wrap(text: str, weight: str, size: int, width: int) -> list[str]:
    face = font(weight, size)
    lines = wrap_words(text.split(), face.getlength, width)
    # A single word wider than the line is broken by characters rather than left to overflow.
    fitted = []
    for line in lines:
        while face.getlength(line) > width and len(line) > 1:
            cut = len(line)
            while cut > 1 and face.getlength(line[:cut] + "-") > width:
                cut -= 1
            fitted.append(line[:cut] + "-")
            line = line[cut:]
        fitted.append(line)
    return fitted or [""]


def fit(text: str, weight: str, size: int, minimum: int, width: int, max_lines: int) -> tuple[int, list[str]]:
    """The largest size from ``size`` down to ``minimum`` at which ``text`` wraps into ``max_lines``;
    at the minimum, the lines beyond are cut with an ellipsis."""
    while size > minimum:
        lines = wrap(text, weight, size, width)
        if len(lines) <= max_lines:
            return size, lines
        size = max(minimum, int(size * 0.9))
    lines = wrap(text, weight, minimum, width)
    if len(lines) > max_lines:
        face = font(weight, minimum)
        last = lines[max_lines - 1]
        while last and face.getlength(last + "…") > width:
            last = last[:-1].rstrip()
        lines = lines[:max_lines - 1] + [last + "…"]
    return minimum, lines


def line_height(size: int) -> int:
    return round(size * 1.22)


def text_box(x: int, y: int, text: str, weight: str, size: int) -> Box:
    left, top, right, bottom = font(weight, size).getbbox(text)
    return x + left, y + top, x + right, y + bottom


# ---------------------------------------------------------------- numbers and dates
def format_number(value: float, like: float | None = None) -> str:
    """Compact and readable: 1.2M, 45.2K, 4,520, 3.5; ``like`` (the final value) fixes the unit while counting."""
    reference = abs(like if like is not None else value)
    for threshold, unit, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K")):
        if reference >= threshold:
            scaled = value / unit
            decimals = 1 if reference / unit < 100 else 0
            return f"{scaled:,.{decimals}f}{suffix}"
    decimals = 0 if float(reference).is_integer() else 1
    return f"{value:,.{decimals}f}"


def format_date(iso: str) -> str:
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return f"{moment.day} {moment:%b %Y}"


def ease_out(p: float) -> float:
    p = min(1.0, max(0.0, p))
    return 1 - (1 - p) ** 3
