"""Real media bytes for the media stand-ins: a PNG and an MP3/WAV made locally."""
from __future__ import annotations

import io
import subprocess
import wave
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=4)
def png(width: int = 96, height: int = 160) -> bytes:
    import cv2

    yy, xx = np.mgrid[0:height, 0:width]
    image = np.stack([xx * 255 // max(1, width), yy * 255 // max(1, height), np.full_like(xx, 90)], -1)
    ok, data = cv2.imencode(".png", image.astype(np.uint8))
    return data.tobytes()


def spoken_seconds(text: str, words_per_second: float | None) -> float:
    """How long a voice takes to say ``text``: the fixed 1 s sample unless a pace is given (then
    whole half-seconds, so the samples stay cached)."""
    if not words_per_second:
        return 1.0
    return max(1.0, round(2 * len(text.split()) / words_per_second) / 2)


@lru_cache(maxsize=32)
def wav(seconds: float = 1.0, rate: int = 24000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


@lru_cache(maxsize=32)
def mp3(seconds: float = 1.0) -> bytes:
    import imageio_ffmpeg

    return subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}",
         "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "-"], capture_output=True, check=True).stdout


def tiny_script(title: str = "Why Solar Flares Matter"):
    """A two-scene script with hostile punctuation, built here (not by the text stage)."""
    from acf.content_models import Scene, Script

    return Script(
        title=title,
        hook="Solar flares: here's why.",
        scenes=[
            Scene(0, "Solar flares: here's why.", "a bright sun with flares", 2.0),
            Scene(1, "Follow for more [now], friends.", "a radio dish at night", 2.0),
        ],
        call_to_action="Follow for more [now], friends.",
    )


def insert_opportunity(conn) -> str:
    """A trend with two open opportunities; returns the best one's id."""
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    conn.execute("INSERT INTO acf.trends (trend_id, term, title, first_seen, last_seen, score)"
                 " VALUES ('trd_1', 'solar flares', 'Solar flares', %s, %s, 0.9)", (now, now))
    for oid, score in (("opp_best", 0.9), ("opp_low", 0.2)):
        conn.execute("INSERT INTO acf.opportunities (opportunity_id, trend_id, score) VALUES (%s, 'trd_1', %s)",
                     (oid, score))
    conn.commit()
    return "opp_best"
