"""Offline scene images: gradients, shapes and the scene's key words set in type.

Deterministic for a given scene (seeded by its text), never blank: every image
has a two-colour gradient, soft shapes and at least one word in large type.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from acf.media.assets import font_path

_STOP = set(
    "a an and are as at be but by for from has have how in into is it its of on or so that the their "
    "this to was what when where which who why will with you your we our they them can just about "
    "than then there these those out up do does did not no yes more most very all any every".split()
)
_PALETTES = (
    ((32, 18, 77), (236, 72, 153)),
    ((8, 47, 73), (34, 211, 238)),
    ((20, 83, 45), (250, 204, 21)),
    ((67, 20, 7), (251, 146, 60)),
    ((30, 27, 75), (129, 140, 248)),
    ((12, 10, 9), (239, 68, 68)),
)


def key_words(text: str, limit: int = 3) -> list[str]:
    """The scene's most telling words (longest non-stop words, in order of appearance)."""
    words = re.findall(r"[^\W_][\w'’-]*", text, flags=re.UNICODE)
    seen: dict[str, str] = {}
    for word in words:
        folded = word.casefold()
        if folded not in _STOP and folded not in seen and len(word) > 2:
            seen[folded] = word
    ranked = sorted(seen.values(), key=len, reverse=True)[:limit]
    chosen = [w for w in seen.values() if w in ranked]
    return [w.upper() for w in chosen] or [text.strip()[:16].upper() or "•"]


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def _fit_font(draw: ImageDraw.ImageDraw, lines: list[str], box_w: int, box_h: int) -> ImageFont.FreeTypeFont:
    size = max(24, int(box_h / max(1, len(lines)) * 0.8))
    while size > 24:
        font = ImageFont.truetype(str(font_path()), size)
        widths = [draw.textlength(line, font=font) for line in lines]
        if max(widths) <= box_w and size * 1.2 * len(lines) <= box_h:
            return font
        size = int(size * 0.9)
    return ImageFont.truetype(str(font_path()), 24)


def render_scene_image(
    text: str,
    width: int,
    height: int,
    dest: Path,
    *,
    safe: tuple[int, int] | None = None,
    index: int = 0,
) -> Path:
    """Draw a scene image of ``width`` x ``height`` into ``dest`` (PNG); key words stay in ``safe``."""
    rng = np.random.default_rng(_seed(f"{index}:{text}"))
    dark, light = _PALETTES[(index + rng.integers(0, len(_PALETTES))) % len(_PALETTES)]
    # Diagonal gradient, computed at low resolution and scaled once.
    small_w, small_h = max(2, width // 8), max(2, height // 8)
    yy, xx = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    ramp = (xx / small_w) * np.cos(angle) + (yy / small_h) * np.sin(angle)
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    colours = np.array(dark, np.float32) * (1 - ramp[..., None]) + np.array(light, np.float32) * ramp[..., None]
    canvas = cv2.resize(colours.astype(np.uint8), (width, height), interpolation=cv2.INTER_LINEAR)
    # Soft shapes for depth.
    overlay = canvas.copy()
    for _ in range(6):
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        radius = int(rng.uniform(0.08, 0.3) * min(width, height))
        tint = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            cv2.circle(overlay, centre, radius, tint, -1, lineType=cv2.LINE_AA)
        else:
            cv2.rectangle(overlay, centre, (centre[0] + radius, centre[1] + radius // 2), tint, -1)
    canvas = cv2.addWeighted(overlay, 0.28, canvas, 0.72, 0)
    # Key words in large type inside the safe area, upper-middle (captions sit lower).
    safe_w, safe_h = safe or (width, height)
    image = Image.fromarray(canvas)  # RGB order throughout
    draw = ImageDraw.Draw(image)
    lines = key_words(text)
    box_w, box_h = int(safe_w * 0.8), int(safe_h * 0.38)
    font = _fit_font(draw, lines, box_w, box_h)
    line_h = int(font.size * 1.2)
    top = (height - safe_h) // 2 + int(safe_h * 0.18) + (box_h - line_h * len(lines)) // 2
    for i, line in enumerate(lines):
        line_w = draw.textlength(line, font=font)
        draw.text(
            ((width - line_w) / 2, top + i * line_h), line, font=font, fill=(255, 255, 255),
            stroke_width=max(2, font.size // 14), stroke_fill=(0, 0, 0),
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    image.save(dest, format="PNG", compress_level=1)
    return dest
