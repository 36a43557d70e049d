"""Measure media files with the bundled ffmpeg (imageio-ffmpeg ships no ffprobe).

``ffmpeg -i FILE`` prints the container and stream summary; the ebur128 filter
measures integrated loudness; the MP4 box order tells whether the moov atom
comes first (``+faststart``).
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path


class ProbeError(RuntimeError):
    """The file could not be read as media."""


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class MediaInfo:
    duration_seconds: float
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    pix_fmt: str | None
    audio_codec: str | None
    audio_rate: int | None
    audio_channels: int | None
    bytes: int
    faststart: bool | None

    def as_dict(self) -> dict:
        return asdict(self)


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+)[^,]*, (\w+)(?:\([^)]*\))?.*?, (\d+)x(\d+)")
_FPS = re.compile(r"([\d.]+) fps")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)[^,]*, (\d+) Hz, ([\w.()]+)")


def probe(path: Path) -> MediaInfo:
    path = Path(path)
    if not path.exists():
        raise ProbeError(f"{path}: no such file")
    run = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, errors="replace"
    )
    text = run.stderr
    duration = _DURATION.search(text)
    if not duration:
        raise ProbeError(f"{path.name}: not readable as media ({text.strip().splitlines()[-1:]})")
    h, m, s = duration.groups()
    video = _VIDEO.search(text)
    audio = _AUDIO.search(text)
    fps = None
    if video:
        line = text[video.start():].splitlines()[0]
        found = _FPS.search(line)
        fps = float(found.group(1)) if found else None
    channels = None
    if audio:
        layout = audio.group(3)
        channels = {"mono": 1, "stereo": 2}.get(layout.split("(")[0], None)
    return MediaInfo(
        duration_seconds=int(h) * 3600 + int(m) * 60 + float(s),
        width=int(video.group(3)) if video else None,
        height=int(video.group(4)) if video else None,
        fps=fps,
        video_codec=video.group(1) if video else None,
        pix_fmt=video.group(2) if video else None,
        audio_codec=audio.group(1) if audio else None,
        audio_rate=int(audio.group(2)) if audio else None,
        audio_channels=channels,
        bytes=path.stat().st_size,
        faststart=moov_first(path) if path.suffix.lower() in (".mp4", ".m4a", ".mov") else None,
    )


def moov_first(path: Path) -> bool:
    """True when the MP4 ``moov`` box precedes ``mdat`` (playback can start before the download ends)."""
    with open(path, "rb") as fh:
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return False
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8]
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:
                size = int.from_bytes(fh.read(8), "big") - 8
            elif size == 0:
                return False
            fh.seek(size - 8, 1)


def integrated_loudness(path: Path) -> float:
    """Integrated loudness (LUFS) of the first audio stream, measured with ebur128."""
    run = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0",
         "-af", "ebur128=framelog=quiet", "-f", "null", "-"],
        capture_output=True, text=True, errors="replace",
    )
    summary = run.stderr[run.stderr.rfind("Summary:"):]
    found = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    if run.returncode != 0 or not found:
        raise ProbeError(f"{Path(path).name}: loudness not measurable ({run.stderr.strip()[-300:]})")
    return float(found.group(1)) if found.group(1) != "-inf" else float("-inf")
