"""Thumbnails (1280x720 JPEG under 2 MB, the title large and legible), a contact sheet of the scene
images, and a storyboard: six frames of the finished video, for review."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from acf.media.assets import font_path, wrap_words

THUMB_SIZE = (1280, 720)
MAX_THUMB_BYTES = 2 * 1024 * 1024


class ThumbnailError(RuntimeError):
    pass


def _cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    h, w = image.shape[:2]
    scale = max(width / w, height / h)
    resized = cv2.resize(image, (max(width, round(w * scale)), max(height, round(h * scale))),
                         interpolation=cv2.INTER_AREA)
    top = (resized.shape[0] - height) // 2
    left = (resized.shape[1] - width) // 2
    return resized[top:top + height, left:left + width]


def _wrap(draw: ImageDraw.ImageDraw, words: list[str], font, max_width: int) -> list[str]:
    return wrap_words(words, lambda text: draw.textlength(text, font=font), max_width)


def _title_layout(draw, title: str, max_width: int, max_height: int):
    words = title.upper().split() or ["•"]
    size = 150
    while size >= 40:
        font = ImageFont.truetype(str(font_path()), size)
        lines = _wrap(draw, words, font, max_width)
        if len(lines) <= 3 and all(draw.textlength(l, font=font) <= max_width for l in lines) \
                and len(lines) * size * 1.15 <= max_height:
            return font, lines
        size -= 8
    font = ImageFont.truetype(str(font_path()), 40)
    lines = _wrap(draw, words, font, max_width)[:3]
    return font, lines


def make_thumbnail(title: str, background: Path, dest: Path) -> Path:
    """Title set large (>= 40 px type, at most 3 lines) over the darkened scene image."""
    width, height = THUMB_SIZE
    image = cv2.imread(str(background), cv2.IMREAD_COLOR)
    if image is None:
        raise ThumbnailError(f"cannot read thumbnail background {background}")
    # Blurred so the scene's own type never competes with the title.
    canvas = cv2.GaussianBlur(_cover(image, width, height), (0, 0), 18).astype(np.float32)
    # Darken towards the bottom-left, where the title sits, for contrast.
    ramp = np.linspace(0.35, 0.85, width, dtype=np.float32)[None, :, None]
    canvas = (canvas * ramp).clip(0, 255).astype(np.uint8)
    pil = Image.fromarray(cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(pil)
    font, lines = _title_layout(draw, title, int(width * 0.88), int(height * 0.8))
    line_h = int(font.size * 1.15)
    top = (height - line_h * len(lines)) // 2
    for i, line in enumerate(lines):
        draw.text((int(width * 0.06), top + i * line_h), line, font=font, fill=(255, 230, 0),
                  stroke_width=max(3, font.size // 12), stroke_fill=(0, 0, 0))
    out = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
    for quality in (90, 80, 70, 55):
        ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and len(encoded) < MAX_THUMB_BYTES:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(encoded.tobytes())
            return dest
    raise ThumbnailError("thumbnail stays over 2 MB even at low JPEG quality")


def make_contact_sheet(scenes: list[tuple[int, Path, float]], dest: Path, tile_width: int = 360) -> Path:
    """A grid of the scene images with their index and length, for review."""
    if not scenes:
        raise ThumbnailError("no scene for a contact sheet")
    tiles = []
    for index, path, seconds in scenes:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise ThumbnailError(f"cannot read scene image {path}")
        h, w = image.shape[:2]
        tile = cv2.resize(image, (tile_width, max(1, round(h * tile_width / w))), interpolation=cv2.INTER_AREA)
        tile = _cover(tile, tile_width, tile_width)
        cv2.rectangle(tile, (0, 0), (tile_width, 44), (0, 0, 0), -1)
        cv2.putText(tile, f"#{index}  {seconds:.1f}s", (10, 32), cv2.FONT_HERSHEY_SIMPLEX, 0.9,
                    (255, 255, 255), 2, cv2.LINE_AA)
        tiles.append(tile)
    columns = min(4, len(tiles))
    while len(tiles) % columns:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    return _write_jpeg(np.vstack(rows), dest, "contact sheet")


STORYBOARD_FRAMES = 6


def storyboard_moments(scene_ends: list[float], seconds: float) -> list[float]:
    """Six moments: just before the ends of six scenes spread over the piece (each scene settled, before its
    cross-fade), or evenly spread when there are fewer scenes than frames."""
    if len(scene_ends) >= STORYBOARD_FRAMES:
        picks = [scene_ends[round(n * (len(scene_ends) - 1) / (STORYBOARD_FRAMES - 1))]
                 for n in range(STORYBOARD_FRAMES)]
        return [max(0.0, min(seconds - 0.05, end - 0.6)) for end in picks]
    return [seconds * (n + 0.5) / STORYBOARD_FRAMES for n in range(STORYBOARD_FRAMES)]


def make_storyboard(video: Path, seconds: float, dest: Path, tile_width: int = 360,
                    moments: list[float] | None = None) -> Path:
    """Six frames of the rendered video (3 x 2), at ``moments`` (else evenly spread), each labelled with its time."""
    from acf.media.probe import ffmpeg_exe

    if seconds <= 0:
        raise ThumbnailError("no video length for a storyboard")
    moments = list(moments or storyboard_moments([], seconds))[:STORYBOARD_FRAMES]
    if len(moments) != STORYBOARD_FRAMES:
        raise ThumbnailError(f"a storyboard takes {STORYBOARD_FRAMES} moments, got {len(moments)}")
    with tempfile.TemporaryDirectory(prefix="acf-storyboard-") as work:
        args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
        for moment in moments:
            args += ["-ss", f"{moment:.3f}", "-i", str(video)]
        for n in range(STORYBOARD_FRAMES):
            args += ["-map", f"{n}:v:0", "-frames:v", "1", "-vf", f"scale={tile_width}:-2", f"{work}/f{n}.png"]
        done = subprocess.run(args, capture_output=True, text=True)
        tiles = [cv2.imread(f"{work}/f{n}.png", cv2.IMREAD_COLOR) for n in range(STORYBOARD_FRAMES)]
    if done.returncode != 0 or any(t is None for t in tiles):
        raise ThumbnailError(f"cannot cut a storyboard from {Path(video).name}: {done.stderr.strip()[-300:]}")
    for tile, moment in zip(tiles, moments):
        cv2.rectangle(tile, (0, 0), (tile.shape[1], 40), (0, 0, 0), -1)
        cv2.putText(tile, f"{int(moment // 60)}:{moment % 60:04.1f}", (10, 29), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    (255, 255, 255), 2, cv2.LINE_AA)
    return _write_jpeg(np.vstack([np.hstack(tiles[:3]), np.hstack(tiles[3:])]), dest, "storyboard")


def _write_jpeg(sheet: np.ndarray, dest: Path, what: str) -> Path:
    ok, encoded = cv2.imencode(".jpg", sheet, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ThumbnailError(f"{what} encoding failed")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(encoded.tobytes())
    return dest
