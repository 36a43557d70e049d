"""Output checks: every rendition measured against its platforms' limits before it is ready.

A failing check raises :class:`OutputCheckError` naming the measured value and
the limit; the checks that pass are returned as a dict for ``acf.renditions.checks``.
What every rendition must be is ``output_limits.yaml``; what each platform takes is
its ``output`` entry in the platform rules.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from acf import yaml_data

from acf.media.formats import size_of
from acf import platform_rules
from acf.media.probe import MediaInfo, integrated_loudness, probe

LIMITS_FILE = Path(__file__).with_name("output_limits.yaml")


class OutputCheckError(ValueError):
    """A rendition breaks a limit; ``failures`` lists (check, measured, limit)."""

    def __init__(self, name: str, failures: list[tuple[str, object, object]]):
        self.failures = failures
        detail = "; ".join(f"{check}: measured {measured!r}, limit {limit!r}" for check, measured, limit in failures)
        super().__init__(f"{name} fails its checks: {detail}")


@lru_cache(maxsize=1)
def limits() -> dict:
    return yaml_data.load(LIMITS_FILE.read_text())


def output_limits(platform: str) -> dict:
    return platform_rules.for_platform(platform)["output"]


def platforms_for(aspect: str, platforms: list[str]) -> list[str]:
    return [p for p in platforms if aspect in output_limits(p)["aspects"]]


def preferred_aspect(platform: str) -> str:
    return output_limits(platform)["aspects"][0]


def check_rendition(path: Path, aspect: str, platforms: list[str], expected_seconds: float,
                    measure_loudness: bool = True) -> dict:
    """Measure ``path`` and check it; returns the measured values and the platforms it suits."""
    info: MediaInfo = probe(path)
    common = limits()["common"]
    width, height = size_of(aspect)
    failures: list[tuple[str, object, object]] = []

    def expect(name: str, ok: bool, measured, limit) -> None:
        if not ok:
            failures.append((name, measured, limit))

    expect("resolution", (info.width, info.height) == (width, height), f"{info.width}x{info.height}",
           f"{width}x{height}")
    expect("video_codec", info.video_codec == common["video_codec"], info.video_codec, common["video_codec"])
    expect("audio_codec", info.audio_codec == common["audio_codec"], info.audio_codec, common["audio_codec"])
    expect("pix_fmt", info.pix_fmt == common["pix_fmt"], info.pix_fmt, common["pix_fmt"])
    low, high = common["fps"]
    expect("fps", info.fps is not None and low <= info.fps <= high, info.fps, [low, high])
    expect("faststart", bool(info.faststart) == common["faststart"], info.faststart, common["faststart"])
    expect("duration", abs(info.duration_seconds - expected_seconds) <= 0.5, info.duration_seconds,
           f"{expected_seconds:.2f}±0.5")
    measured = info.as_dict()
    if measure_loudness:
        loudness = integrated_loudness(path)
        low, high = common["loudness_lufs"]
        expect("loudness", low <= loudness <= high, loudness, [low, high])
        measured["loudness_lufs"] = loudness
    suited = platforms_for(aspect, platforms)
    for platform in suited:
        rule = output_limits(platform)
        expect(f"{platform}.duration", rule["min_seconds"] <= info.duration_seconds <= rule["max_seconds"],
               info.duration_seconds, [rule["min_seconds"], rule["max_seconds"]])
        expect(f"{platform}.bytes", info.bytes <= rule["max_bytes"], info.bytes, rule["max_bytes"])
    if failures:
        raise OutputCheckError(Path(path).name, failures)
    measured["platforms"] = suited
    return measured


def platforms_for_any(platform: str, aspects: list[str]) -> bool:
    return any(a in output_limits(platform)["aspects"] for a in aspects)


def check_scene_cards(report: list[dict], script, aspects: list[str]) -> dict:
    """What the scenes show, from the cards' own measurements (``scene_cards.json``, written at render):
    every scene has a card in every aspect; a scene that cites facts shows one of them; every text on a
    card lies inside its aspect's platform safe area, is set at least the minimum size and reaches the
    minimum contrast over the pixels under it. Returns a summary; raises listing every failure."""
    from acf.media.scene_cards import design

    minimum, min_text = float(design.tokens()["min_contrast"]), int(design.tokens()["min_text_px"])
    by_key = {(entry["scene"], entry["aspect"]): entry for entry in report}
    failures: list[tuple[str, object, object]] = []
    lowest = None
    for scene in script.scenes:
        for aspect in aspects:
            entry = by_key.get((scene.index, aspect))
            if entry is None:
                failures.append((f"scene {scene.index} {aspect}.card", None, "a scene card"))
                continue
            if scene.fact_ids and entry.get("fact_id") not in scene.fact_ids:
                failures.append((f"scene {scene.index} {aspect}.fact_visual", entry.get("fact_id") or entry["kind"],
                                 f"one of {scene.fact_ids}"))
            safe = entry["safe_area"]
            for mark in entry["marks"]:
                box = mark["box"]
                if not (box[0] >= safe[0] and box[1] >= safe[1] and box[2] <= safe[2] and box[3] <= safe[3]):
                    failures.append((f"scene {scene.index} {aspect}.safe_area", {"text": mark["text"], "box": box},
                                     safe))
                if mark["contrast"] < minimum:
                    failures.append((f"scene {scene.index} {aspect}.contrast", mark["contrast"], minimum))
                if mark["size"] < round(min_text * min(entry.get("frame") or size_of(aspect)) / 1080):
                    failures.append((f"scene {scene.index} {aspect}.text_size", mark["size"], min_text))
                lowest = mark["contrast"] if lowest is None else min(lowest, mark["contrast"])
    if failures:
        raise OutputCheckError("scene_cards.json", failures)
    return {"scenes": len(script.scenes), "facts_shown": sum(1 for e in report if e.get("origin") == "script"),
            "lowest_contrast": lowest}


CAPTION_SAMPLES = 4
# Share of a caption band's pixels that are caption type (light, with the black outline beside it).
# Measured on an offline render (9:16, word style): 3.1-4.8 % with a caption line shown, 0 after the speech.
MIN_CAPTION_INK = 0.004


def caption_ink(frame, width: int, height: int) -> float:
    """How much of the caption band of a BGR frame is outlined white type."""
    import numpy as np

    from acf.media import captions

    top, bottom = captions.band(width, height)
    crop = frame[top:bottom].astype(np.int16)
    # light type: the white lines and the word style's gold highlight (luma over 170; the outline is black)
    white = (crop[..., 0] * 0.114 + crop[..., 1] * 0.587 + crop[..., 2] * 0.299) > 170
    dark = (crop < 60).all(axis=2)
    _, outline, _, _ = captions.layout(width, height)
    reach = outline + 2
    near_dark = np.zeros_like(dark)
    for shift in range(1, reach + 1):   # the outline lies beside every stroke of the type
        near_dark[:, shift:] |= dark[:, :-shift]
        near_dark[:, :-shift] |= dark[:, shift:]
    return float((white & near_dark).mean()) if crop.size else 0.0


def check_captions_on_screen(video: Path, aspect: str, windows: list[list[float]]) -> dict:
    """Frames of the encoded video in the middle of a few caption windows (spread over the piece) show
    caption type in the caption band: the captions were burned in, on screen, where they belong.
    Raises with the moments that show none."""
    import subprocess
    import tempfile

    import cv2

    from acf.media.probe import ffmpeg_exe

    if not windows:
        raise OutputCheckError(str(video), [("captions.count", 0, "at least one caption")])
    picks = [windows[round(n * (len(windows) - 1) / max(1, CAPTION_SAMPLES - 1))]
             for n in range(min(CAPTION_SAMPLES, len(windows)))]
    moments = [(start + end) / 2 for start, end in picks]
    width, height = size_of(aspect)
    with tempfile.TemporaryDirectory(prefix="acf-captions-") as work:
        args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
        for moment in moments:
            args += ["-ss", f"{moment:.3f}", "-i", str(video)]
        for n in range(len(moments)):
            args += ["-map", f"{n}:v:0", "-frames:v", "1", f"{work}/c{n}.png"]
        done = subprocess.run(args, capture_output=True, text=True)
        frames = [cv2.imread(f"{work}/c{n}.png", cv2.IMREAD_COLOR) for n in range(len(moments))]
    if done.returncode != 0 or any(f is None for f in frames):
        raise OutputCheckError(str(video), [("captions.frames", done.stderr.strip()[-200:], "frames at caption times")])
    inks = [caption_ink(frame, frame.shape[1], frame.shape[0]) for frame in frames]
    failures = [(f"captions.on_screen at {moment:.2f}s", round(ink, 4), f">= {MIN_CAPTION_INK}")
                for moment, ink in zip(moments, inks) if ink < MIN_CAPTION_INK]
    if failures:
        raise OutputCheckError(str(video), failures)
    return {"captions_sampled": len(moments), "lowest_caption_ink": round(min(inks), 4)}
