"""Offline scene images: the backdrop a scene's card is laid on (the card carries the words).

Deterministic for a given scene (seeded by its text and index) and never blank: the trend
category's gradient (:mod:`acf.media.scene_cards.design`) with soft, large shapes for depth.
No text is set here; what a scene says on screen is its card, drawn per aspect at render time.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from acf.media.scene_cards import design
from acf.media.scene_cards.compose import gradient


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def render_scene_image(
    text: str,
    width: int,
    height: int,
    dest: Path,
    *,
    safe: tuple[int, int] | None = None,
    index: int = 0,
    category: str | None = None,
) -> Path:
    """Draw the backdrop of scene ``index`` (``width`` x ``height``, PNG) into ``dest``.

    ``safe`` is accepted for callers of the former word cards; a backdrop has nothing to keep inside it."""
    rng = np.random.default_rng(_seed(f"{index}:{text}"))
    pal = design.palette(category)
    image = gradient(width, height, pal)
    # Soft shapes, drawn small, blurred and scaled once: depth without competing with the card.
    small = (max(2, width // 8), max(2, height // 8))
    shapes = Image.new("RGBA", small, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    for n in range(5):
        cx, cy = rng.uniform(0, small[0]), rng.uniform(0, small[1])
        r = rng.uniform(0.15, 0.45) * min(small)
        tint = pal.accent if n % 2 == 0 else pal.light
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tint + (int(rng.uniform(28, 60)),))
    shapes = shapes.filter(ImageFilter.GaussianBlur(max(1, min(small) // 30))).resize((width, height),
                                                                                      Image.BILINEAR)
    image = Image.alpha_composite(image.convert("RGBA"), shapes).convert("RGB")
    dest.parent.mkdir(parents=True, exist_ok=True)
    image.save(dest, format="PNG", compress_level=1)
    return dest
