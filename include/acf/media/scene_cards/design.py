"""The design system of the scene cards: tokens from ``design.yaml``, fonts, and contrast.

One place says how cards look: the type scale, spacing, the panel, a palette per trend
category, each aspect's platform safe area and the card's box inside it. Contrast is
computed (WCAG 2 relative luminance), never assumed: :func:`check_palettes` proves every
text colour on every palette's panel reaches ``min_contrast``, whatever image lies under it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from acf import yaml_data
from acf.media.assets import FONTS_DIR

DESIGN_FILE = Path(__file__).with_name("design.yaml")
FONT_FILES = {"bold": "DejaVuSans-Bold.ttf", "regular": "DejaVuSans.ttf", "condensed": "DejaVuSansCondensed-Bold.ttf"}

RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]   # left, top, right, bottom (pixels)


class DesignError(ValueError):
    """The design tokens break a rule of their own (a contrast too low, an unknown aspect)."""


@lru_cache(maxsize=1)
def tokens() -> dict:
    return yaml_data.load(DESIGN_FILE.read_text())


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(rgb: RGB) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG 2 contrast ratio of two colours, 1..21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(top: RGB, under: RGB, alpha: float) -> RGB:
    return tuple(round(t * alpha + u * (1 - alpha)) for t, u in zip(top, under))  # type: ignore[return-value]


@dataclass(frozen=True)
class Palette:
    category: str
    dark: RGB
    light: RGB
    accent: RGB
    panel: RGB
    panel_alpha: float
    text: RGB
    muted: RGB

    def worst_panel(self) -> RGB:
        """The panel as it looks over a white image: the lightest it can be, so the worst case for light text."""
        return blend(self.panel, (255, 255, 255), self.panel_alpha)

    def contrasts(self) -> dict[str, float]:
        under = self.worst_panel()
        return {name: round(contrast(colour, under), 2)
                for name, colour in (("text", self.text), ("muted", self.muted), ("accent", self.accent))}


def palette(category: str | None) -> Palette:
    spec = tokens()
    chosen = spec["palettes"].get((category or "general").casefold(), spec["palettes"]["general"])
    return Palette((category or "general").casefold() if category in spec["palettes"] else "general",
                   hex_rgb(chosen["dark"]), hex_rgb(chosen["light"]), hex_rgb(chosen["accent"]),
                   hex_rgb(spec["panel"]["colour"]), float(spec["panel"]["alpha"]),
                   hex_rgb(spec["text"]["primary"]), hex_rgb(spec["text"]["muted"]))


def check_palettes() -> dict[str, dict[str, float]]:
    """Every palette's text colours against its worst-case panel; raises when one is under the minimum."""
    minimum = float(tokens()["min_contrast"])
    measured = {name: palette(name).contrasts() for name in tokens()["palettes"]}
    low = [(name, role, value) for name, roles in measured.items() for role, value in roles.items() if value < minimum]
    if low:
        raise DesignError(f"contrast under {minimum}: {low}")
    return measured


def _fraction_box(key: str, aspect: str, width: int, height: int) -> Box:
    try:
        left, top, right, bottom = tokens()[key][aspect]
    except KeyError:
        raise DesignError(f"no {key} for aspect {aspect!r}") from None
    return round(left * width), round(top * height), round(right * width), round(bottom * height)


def safe_area(aspect: str, width: int, height: int) -> Box:
    return _fraction_box("safe_area", aspect, width, height)


def card_box(aspect: str, width: int, height: int) -> Box:
    return _fraction_box("card_box", aspect, width, height)


def inside(inner: Box, outer: Box) -> bool:
    return inner[0] >= outer[0] and inner[1] >= outer[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


@dataclass(frozen=True)
class Scale:
    """Token sizes in pixels for one frame size."""
    factor: float

    @classmethod
    def for_frame(cls, width: int, height: int) -> "Scale":
        return cls(min(width, height) / 1080)

    def type(self, role: str) -> int:
        return max(self.min_text, round(tokens()["type_scale"][role] * self.factor))

    def space(self, role: str) -> int:
        return round(tokens()["spacing"][role] * self.factor)

    @property
    def min_text(self) -> int:
        return max(8, round(tokens()["min_text_px"] * self.factor))


@lru_cache(maxsize=64)
def font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS_DIR / FONT_FILES[weight]), size)
