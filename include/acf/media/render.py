"""The renderer: one ffmpeg process, one filter graph, every asked rendition.

To stay cheap on two cores, each still is decoded once and scaled once (a
single frame), then repeated with the ``loop`` filter and panned with a
per-frame ``crop`` (no per-frame scaling, no per-frame Python). Scenes are joined with ``xfade``,
captions burned in with libass from an ASS file, the finished soundtrack WAV is
encoded to AAC. A scene with a card (:mod:`acf.media.scene_cards`) does not pan: its still
is drawn per aspect, and what moves on it (a count-up, a curve drawing on, revealed lines)
is one list of patches of the moving elements' box (ffconcat), laid on with one ``overlay``. Where several aspects are asked, the stills are decoded once
and split, the soundtrack is made once, and all outputs share one process.
Progress (percent, speed) goes to the log and to ``on_progress`` when given (the production
step stores it for the dashboard); memory stays bounded (frames stream).
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from acf.media import assets, scene_cards
from acf.media.captions import write_ass
from acf.media.formats import FPS, size_of
from acf.media.probe import ffmpeg_exe
from acf.media.timeline import Timeline

log = logging.getLogger(__name__)

OVERSCAN = 1.12          # stills are scaled this much larger than the frame, then panned
TRANSITION_FRAMES = 12   # 0.4 s cross-fade between scenes
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_./+-]+$")
_PANS = ((0, 0.5, 1, 0.5), (0.5, 0, 0.5, 1), (1, 0.5, 0, 0.5), (0.5, 1, 0.5, 0), (0, 0, 1, 1), (1, 1, 0, 0))


@dataclass(frozen=True)
class EncoderSettings:
    preset: str = "veryfast"
    crf: int = 21
    audio_bitrate: str = "160k"

    def output_kwargs(self) -> dict:
        return {
            "vcodec": "libx264", "preset": self.preset, "crf": self.crf, "pix_fmt": "yuv420p",
            "profile:v": "high", "r": FPS, "acodec": "aac", "b:a": self.audio_bitrate, "ar": 48000,
            "movflags": "+faststart",
        }


class RenderError(RuntimeError):
    """ffmpeg failed; the message carries the end of its log."""


def _even(value: float) -> int:
    return int(round(value / 2)) * 2


def _checked(path: Path) -> str:
    text = str(path)
    if not _SAFE_PATH.match(text):
        raise RenderError(f"refusing a filter-graph path with special characters: {text!r}")
    return text


def _scene_branch(still, scene, width: int, height: int, frames: int, pan):
    zoom_w, zoom_h = _even(width * OVERSCAN), _even(height * OVERSCAN)
    x0, y0, x1, y1 = pan
    span = max(1, frames - 1)
    dx, dy = (zoom_w - width), (zoom_h - height)
    return (
        still.filter("scale", zoom_w, zoom_h, force_original_aspect_ratio="increase", flags="lanczos")
        .filter("crop", zoom_w, zoom_h)
        .filter("format", "yuv420p")
        .filter("loop", loop=frames - 1, size=1, start=0)
        .filter("setpts", "N/(%d*TB)" % FPS)
        .filter("crop", width, height,
                x=f"{dx * x0}+{dx * (x1 - x0)}*n/{span}",
                y=f"{dy * y0}+{dy * (y1 - y0)}*n/{span}")
    )


def _card_branch(layers: scene_cards.SceneLayers, frames: int):
    """The card's still repeated, its moving elements' patches laid over it until they rest (then the still)."""
    video = (ffmpeg.input(str(layers.still), framerate=FPS).filter("format", "yuv420p")
             .filter("loop", loop=frames - 1, size=1, start=0).filter("setpts", "N/(%d*TB)" % FPS))
    if layers.motion is not None:
        # From the branch's first frame (its state before anything moves) to the final state; then the still.
        moving = ffmpeg.input(str(layers.motion.playlist), format="concat", safe=0).video.filter(
            "setpts", "PTS-STARTPTS")
        video = ffmpeg.filter([video, moving], "overlay", x=layers.motion.x, y=layers.motion.y,
                              eof_action="pass")
    return video


def _uses_fades(timeline: Timeline) -> bool:
    return len(timeline.scenes) > 1 and all(s.frames > 2 * TRANSITION_FRAMES for s in timeline.scenes)


def prepare_cards(timeline: Timeline, cards: dict[int, scene_cards.CardSpec], aspects: list[str],
                  work_dir: Path) -> dict[tuple[int, str], scene_cards.SceneLayers]:
    """Draw each carded scene's card per aspect, its moments timed to the scene (after its fade-in)."""
    half = TRANSITION_FRAMES // 2 if _uses_fades(timeline) else 0
    layers = {}
    for position, scene in enumerate(timeline.scenes):
        spec = cards.get(scene.index)
        if spec is None:
            continue
        lead_in = (half if position > 0 else 0) / FPS      # branch time at which the scene itself starts
        for aspect in aspects:
            width, height = size_of(aspect)
            layers[(scene.index, aspect)] = scene_cards.compose(
                spec, scene.image, aspect, width, height, work_dir / f"card_{scene.index:03d}",
                reveal_span=scene.voice_seconds, delay=lead_in + 0.1)
    return layers


def _video_for(stills, timeline: Timeline, width: int, height: int, ass: Path, fonts: Path,
               cards: dict[int, scene_cards.SceneLayers] | None = None):
    half = TRANSITION_FRAMES // 2
    use_fades = _uses_fades(timeline)
    last = len(timeline.scenes) - 1
    branches, lengths = [], []
    cards = cards or {}
    for position, (scene, still) in enumerate(zip(timeline.scenes, stills)):
        frames = scene.frames
        if use_fades:
            frames += (half if position > 0 else 0) + (half if position < last else 0)
        lengths.append(frames)
        if scene.index in cards:
            branches.append(_card_branch(cards[scene.index], frames))
        else:
            branches.append(_scene_branch(still, scene, width, height, frames, _PANS[position % len(_PANS)]))
    if not use_fades:
        video = branches[0] if len(branches) == 1 else ffmpeg.concat(*branches, v=1, a=0)
        return video.filter("subtitles", filename=_checked(ass), fontsdir=_checked(fonts))
    # Cross-fades only where scenes overlap: xfade takes no 4:2:0 input, so over whole scenes it would
    # convert every frame to 4:4:4 and back; cut each scene's head and tail off (trim is free), fade
    # those TRANSITION_FRAMES pairs, and join the pieces with concat.
    pieces = []
    tail = None
    for position, (branch, frames) in enumerate(zip(branches, lengths)):
        parts = (1 if position > 0 else 0) + 1 + (1 if position < last else 0)
        copies = branch.filter_multi_output("split", parts) if parts > 1 else None
        take = (lambda n: copies[n]) if copies is not None else (lambda n: branch)
        n = 0
        body_from, body_to = 0, frames
        if position > 0:
            head = take(n).filter("trim", start_frame=0, end_frame=TRANSITION_FRAMES).filter("setpts", "PTS-STARTPTS")
            n += 1
            body_from = TRANSITION_FRAMES
            pieces.append(ffmpeg.filter([tail, head], "xfade", transition="fade", duration=TRANSITION_FRAMES / FPS,
                                        offset=0).filter("format", "yuv420p"))
        if position < last:
            body_to = frames - TRANSITION_FRAMES
        pieces.append(take(n).filter("trim", start_frame=body_from, end_frame=body_to).filter("setpts",
                                                                                          "PTS-STARTPTS"))
        n += 1
        if position < last:
            tail = take(n).filter("trim", start_frame=body_to, end_frame=frames).filter("setpts", "PTS-STARTPTS")
    video = ffmpeg.concat(*pieces, v=1, a=0)
    return video.filter("subtitles", filename=_checked(ass), fontsdir=_checked(fonts))


def render(
    timeline: Timeline,
    soundtrack: Path,
    outputs: dict[str, Path],
    *,
    encoder: EncoderSettings = EncoderSettings(),
    work_dir: Path | None = None,
    caption_styles: dict[str, str] | None = None,
    cards: dict[tuple[int, str], scene_cards.SceneLayers] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> dict[str, Path]:
    """Render ``timeline`` with ``soundtrack`` into one MP4 per aspect in ``outputs`` (aspect -> path).

    ``caption_styles``: aspect -> ``chunked`` | ``word`` (missing: chunked). ``cards``: from
    :func:`prepare_cards`, (scene index, aspect) -> the card drawn for it. ``on_progress`` is called
    with each progress report of ffmpeg (about twice a second) and once at the end."""
    if not outputs:
        raise RenderError("no rendition asked")
    scratch = Path(work_dir or tempfile.mkdtemp(prefix="acf-render-"))
    fonts = scratch / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    shutil.copy2(assets.font_path(), fonts / assets.font_path().name)
    captions = timeline.captions()
    audio = ffmpeg.input(str(soundtrack)).audio
    # Decode every still once; split the single frame when several renditions need it.
    cards = cards or {}
    stills_per_aspect: dict[str, list] = {aspect: [] for aspect in outputs}
    for scene in timeline.scenes:
        plain = [aspect for aspect in outputs if (scene.index, aspect) not in cards]
        for aspect in outputs:
            if aspect not in plain:
                stills_per_aspect[aspect].append(None)
        if not plain:
            continue
        still = ffmpeg.input(str(scene.image), framerate=FPS)
        if len(plain) == 1:
            stills_per_aspect[plain[0]].append(still)
        else:
            copies = still.filter_multi_output("split", len(plain))
            for n, aspect in enumerate(plain):
                stills_per_aspect[aspect].append(copies[n])
    streams = []
    for aspect, dest in outputs.items():
        width, height = size_of(aspect)
        ass = write_ass(captions, width, height, scratch / f"captions_{aspect.replace(':', 'x')}.ass",
                        style=(caption_styles or {}).get(aspect, "chunked"))
        video = _video_for(stills_per_aspect[aspect], timeline, width, height, ass, fonts,
                           {index: layer for (index, a), layer in cards.items() if a == aspect})
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        streams.append(ffmpeg.output(video, audio, str(dest), t=round(timeline.seconds, 4),
                                     **encoder.output_kwargs()))
    graph = ffmpeg.merge_outputs(*streams).overwrite_output().global_args(
        "-hide_banner", "-nostats", "-loglevel", "error", "-progress", "pipe:1")
    _run_with_progress(graph.compile(cmd=ffmpeg_exe()), timeline.seconds, scratch / "ffmpeg.log",
                       label=",".join(outputs), on_progress=on_progress)
    return dict(outputs)


@dataclass(frozen=True)
class Progress:
    """One progress report of a render: ``label`` names the renditions (``9:16,16:9``)."""

    label: str
    percent: float
    rendered_seconds: float
    total_seconds: float
    speed: str
    done: bool = False


def _run_with_progress(args: list[str], total_seconds: float, log_path: Path, label: str,
                       on_progress: Callable[[Progress], None] | None = None) -> None:
    started = time.monotonic()
    last_logged = -10.0
    with open(log_path, "w") as errors:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, text=True)
        out_seconds, speed = 0.0, "?"
        assert proc.stdout is not None
        for line in proc.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit():
                out_seconds = int(value) / 1e6
            elif key == "speed":
                speed = value
            elif key == "progress":
                percent = min(100.0, 100.0 * out_seconds / max(total_seconds, 1e-6))
                if on_progress is not None:
                    on_progress(Progress(label, percent, out_seconds, total_seconds, speed, value == "end"))
                if percent - last_logged >= 10 or value == "end":
                    log.info("render %s: %.0f%% (%.1f of %.1f s) speed=%s", label, percent, out_seconds,
                             total_seconds, speed)
                    last_logged = percent
        code = proc.wait()
    if code != 0:
        tail = log_path.read_text(errors="replace").strip()[-1500:]
        raise RenderError(f"ffmpeg exited with {code} rendering {label}: {tail}")
    log.info("render %s finished in %.1f s", label, time.monotonic() - started)
