"""A card drawn for one aspect: the scene's still, its animated patches, and what the checks need.

The still is the final state (the scene image covered to the frame, the panel, every element
done). Motion is only where something moves, and only in the box that holds the moving elements:
one short list of patches of that box (an ffconcat file: each patch with how long it shows),
sampled at ``SEQUENCE_FPS`` while a number counts or a curve draws on, and once at each moment a
line or item is revealed. Its last patch is the still's. The renderer lays it over the still with
one ffmpeg ``overlay``, so a card costs two inputs however much moves; no Python runs per frame.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from acf.content_models import Fact
from acf.media.scene_cards import design
from acf.media.scene_cards.layout import CardLayout, Pen
from acf.media.scene_cards.templates import TEMPLATES, Column, Frame

SEQUENCE_FPS = 15


@dataclass(frozen=True)
class CardSpec:
    """What a scene shows: a template kind, the fact it draws, the facts the scene cites."""
    kind: str                       # a Fact kind, or "title" (the narration, when there is no fact)
    fact: Fact
    category: str = "general"
    cited: tuple[str, ...] = ()     # the scene's fact_ids ("" for a trend fallback or a title)
    origin: str = "script"          # script | trend | narration


@dataclass(frozen=True)
class Motion:
    playlist: Path        # ffconcat file of the patches, times from the scene branch's start
    x: int
    y: int
    patches: int
    seconds: float        # when the last patch (the final state) is reached


@dataclass
class SceneLayers:
    still: Path
    motion: Motion | None = None
    report: dict = field(default_factory=dict)


def layout(spec: CardSpec, aspect: str, width: int, height: int, reveal_span: float = 4.0) -> CardLayout:
    """Lay the card out in its aspect's card box, the panel hugging the content, centred in the box."""
    template = TEMPLATES.get(spec.kind, TEMPLATES["title"])
    left, top, right, bottom = design.card_box(aspect, width, height)
    factor = design.Scale.for_frame(width, height).factor
    while True:     # the type scale steps down until the card fits its box (the minimum text size holds)
        frame = Frame(aspect, width, height, design.Scale(factor), design.palette(spec.category), reveal_span)
        pad = frame.scale.space("padding")
        room = bottom - top - 2 * pad
        probe = Column(frame, left + pad, 0, right - left - 2 * pad)
        template(spec.fact, probe, room)
        if probe.height <= room or factor < 0.5:
            break
        factor *= 0.92
    panel_h = min(bottom - top, probe.height + 2 * pad)
    panel_top = top + (bottom - top - panel_h) // 2
    col = Column(frame, left + pad, panel_top + pad, right - left - 2 * pad)
    template(spec.fact, col, room)
    return CardLayout(spec.kind, list(spec.cited), (left, panel_top, right, panel_top + panel_h), col.elements)


def _cover_image(background: Path | None, width: int, height: int, pal: design.Palette) -> Image.Image:
    if background is not None:
        image = Image.open(background).convert("RGB")
        scale = max(width / image.width, height / image.height)
        size = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
        image = image.resize(size, Image.BILINEAR)
        left, top = (size[0] - width) // 2, (size[1] - height) // 2
        return image.crop((left, top, left + width, top + height))
    return gradient(width, height, pal)


def gradient(width: int, height: int, pal: design.Palette) -> Image.Image:
    """The palette's diagonal gradient, computed small and scaled once."""
    small_w, small_h = max(2, width // 16), max(2, height // 16)
    yy, xx = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    ramp = (xx / small_w * 0.35 + yy / small_h * 0.65)[..., None]
    colours = np.array(pal.dark, np.float32) * (1 - ramp) + np.array(pal.light, np.float32) * ramp
    return Image.fromarray(colours.astype(np.uint8)).resize((width, height), Image.BILINEAR)


def _lightest(image: Image.Image, box) -> tuple[int, int, int]:
    """The lightest colour (95th percentile of luminance) under a text box: the worst case for light text."""
    patch = np.asarray(image.crop(box).convert("RGB"), dtype=np.float32).reshape(-1, 3)
    if patch.size == 0:
        return (0, 0, 0)
    lum = patch @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    return tuple(int(c) for c in patch[int(np.argsort(lum)[int(len(lum) * 0.95) - 1 if len(lum) > 1 else 0])])


def compose(spec: CardSpec, background: Path | None, aspect: str, width: int, height: int, dest: Path,
            reveal_span: float = 4.0, delay: float = 0.0) -> SceneLayers:
    """Draw the card for ``aspect`` into ``dest`` (a directory): the still, patches, and a report.

    ``delay`` shifts every moment (the renderer's lead before the scene is fully on screen)."""
    dest.mkdir(parents=True, exist_ok=True)
    card = layout(spec, aspect, width, height, reveal_span)
    pal = design.palette(spec.category)
    scale = design.Scale.for_frame(width, height)
    base = _cover_image(background, width, height, pal).convert("RGBA")
    shade = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(shade).rounded_rectangle(card.panel, radius=scale.space("radius"),
                                            fill=pal.panel + (round(255 * pal.panel_alpha),))
    base = Image.alpha_composite(base, shade).convert("RGB")
    panel_only = base.copy()
    pen = Pen(ImageDraw.Draw(base))
    for element in card.elements:
        if element.motion == "static":
            element.paint(pen, 1.0)
    final = base.copy()
    final_pen = Pen(ImageDraw.Draw(final))
    for element in card.elements:
        if element.motion != "static":
            element.paint(final_pen, 1.0)
    tag = aspect.replace(":", "x")
    still = dest / f"card_{tag}.png"
    final.save(still, format="PNG", compress_level=1)
    layers = SceneLayers(still, _motion(card, base, dest / f"motion_{tag}", delay, width, height))
    safe = design.safe_area(aspect, width, height)
    layers.report = {
        "aspect": aspect, "frame": [width, height], "kind": spec.kind, "origin": spec.origin, "fact_id": spec.fact.fact_id,
        "cited": list(spec.cited), "safe_area": list(safe), "panel": list(card.panel),
        "marks": [{"text": m.text, "box": list(m.box), "size": m.size,
                   "contrast": round(design.contrast(m.colour, _lightest(panel_only, m.box)), 2)}
                  for m in card.marks],
    }
    return layers


def _quoted(path: Path) -> str:
    return str(path).replace("'", "'\\''")      # ffconcat's quoting of a quote


def _frame_time(seconds: float) -> float:
    return round(seconds * 30) / 30      # the renderer's frame grid (formats.FPS)


def _motion(card: CardLayout, base: Image.Image, dest: Path, delay: float, width: int,
            height: int) -> Motion | None:
    moving = [e for e in card.elements if e.motion != "static"]
    if not moving:
        return None
    # The box holding every moving element, on even edges (4:2:0 chroma is laid on in pixel pairs).
    x0 = max(0, (min(e.box[0] for e in moving) - 2) // 2 * 2)
    y0 = max(0, (min(e.box[1] for e in moving) - 2) // 2 * 2)
    x1 = min(width, (max(e.box[2] for e in moving) + 3) // 2 * 2)
    y1 = min(height, (max(e.box[3] for e in moving) + 3) // 2 * 2)
    moments = {0.0}
    for e in moving:
        begin = delay + e.start
        if e.motion == "progress":
            count = max(2, round(e.duration * SEQUENCE_FPS))
            moments.update(begin + k * e.duration / count for k in range(count + 1))
        else:
            moments.add(begin)
    times = sorted({_frame_time(t) for t in moments})
    dest.mkdir(parents=True, exist_ok=True)
    lines = ["ffconcat version 1.0"]
    for n, t in enumerate(times):
        patch = base.crop((x0, y0, x1, y1))
        pen = Pen(ImageDraw.Draw(patch), x0, y0)
        for e in moving:
            if e.motion == "progress":
                e.paint(pen, min(1.0, max(0.0, (t - delay - e.start) / e.duration)))
            elif t + 1e-6 >= _frame_time(delay + e.start):
                e.paint(pen, 1.0)
        path = dest / f"p{n:03d}.png"
        patch.save(path, format="PNG", compress_level=1)
        lines.append(f"file '{_quoted(path)}'")
        if n + 1 < len(times):
            lines.append(f"duration {times[n + 1] - t:.4f}")
    lines += ["duration 0.0334", f"file '{_quoted(dest / f'p{len(times) - 1:03d}.png')}'"]   # so the last shows
    playlist = dest / "motion.ffconcat"
    playlist.write_text("\n".join(lines) + "\n")
    return Motion(playlist, x0, y0, len(times), times[-1])
