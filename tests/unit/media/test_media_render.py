"""A short real render, measured: size, codecs, duration, burned captions, loudness."""
from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from acf.media import audio, checks, render, speech_local, timeline
from acf.media.probe import ffmpeg_exe, integrated_loudness, probe

pytestmark = pytest.mark.slow
NARRATION = ["Big news: it's here, [really], 100%!", "C:\\new {\\fs300} and more."]


def _gray(path: Path, width: int, height: int) -> Path:
    cv2.imwrite(str(path), np.full((height, width, 3), 128, np.uint8))
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    work = tmp_path_factory.mktemp("render")
    parts = []
    for i, text in enumerate(NARRATION):
        voice = work / f"voice{i}.wav"
        seconds = speech_local.synthesize(text, voice)
        parts.append((i, _gray(work / f"img{i}.png", 1080, 1920), voice, seconds, text))
    line = timeline.build(parts)
    mixed = audio.mix([audio.VoicePlacement(s.voice, s.voice_start) for s in line.scenes], line.seconds,
                      work / "mix.wav")
    audio.normalise(mixed, work / "track.wav")
    out = work / "out.mp4"
    messages: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = logging.getLogger("acf.media.render")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        render.render(line, work / "track.wav", {"9:16": out}, work_dir=work / "scratch")
    finally:
        logger.removeHandler(handler)
    return line, out, messages


def _frame_at(path: Path, seconds: float) -> np.ndarray:
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{seconds:.2f}", "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(1920, 1080)


def test_render_measures_as_asked(rendered):
    line, out, _ = rendered
    info = probe(out)
    assert (info.width, info.height) == (1080, 1920)
    assert (info.video_codec, info.audio_codec, info.pix_fmt) == ("h264", "aac", "yuv420p")
    assert info.fps == 30
    assert info.faststart is True
    assert abs(info.duration_seconds - line.seconds) < 0.2


def test_render_loudness_is_minus_14_lufs(rendered):
    _, out, _ = rendered
    assert abs(integrated_loudness(out) - (-14.0)) <= 1.0


def test_captions_are_burned_in(rendered):
    line, out, _ = rendered
    caption = line.captions()[0]
    frame = _frame_at(out, (caption.start + caption.end) / 2)
    band = frame[1100:1800]                 # the lower third, where captions sit
    assert (band > 235).sum() > 2000        # white type on a flat grey image
    assert (band < 20).sum() > 1000         # its black outline
    top = frame[:600]
    assert (top > 235).sum() == 0           # and nothing else was drawn


def test_checks_pass_and_fail_with_the_measured_value(rendered):
    line, out, _ = rendered
    measured = checks.check_rendition(out, "9:16", ["tiktok", "youtube"], line.seconds)
    assert measured["platforms"] == ["tiktok", "youtube"]
    with pytest.raises(checks.OutputCheckError, match=r"resolution: measured '1080x1920', limit '1920x1080'"):
        checks.check_rendition(out, "16:9", ["youtube"], line.seconds, measure_loudness=False)
    with pytest.raises(checks.OutputCheckError, match=r"duration: measured [\d.]+, limit"):
        checks.check_rendition(out, "9:16", ["youtube"], line.seconds + 5, measure_loudness=False)


def test_progress_goes_to_the_log_with_percent_and_speed(rendered):
    _, _, messages = rendered
    progress = [m for m in messages if "%" in m and "speed=" in m]
    assert progress and "100%" in progress[-1]
