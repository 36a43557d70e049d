"""Render benchmark: a fixed 60 s, 1080x1920 timeline of seven scenes, one per scene card kind
(stat, series, headline, quote, regions, list, video), local backdrops, local voice, captions.

Times (1) the project's renderer (soundtrack mix + two-pass loudness + drawing every card and its
animated patches + the one-graph render) and (a) the encode floor: the same finished frames
re-encoded with the same encoder settings. floor_ratio = render / floor is the figure: no render
can beat its encode floor, so the floor is the limit. The last line is the figure line.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "include")]

from acf.content_models import Fact  # noqa: E402
from acf.media import assets, audio, render, scene_cards, visuals_local, voice_local  # noqa: E402
from acf.media.formats import FPS  # noqa: E402
from acf.media.probe import ffmpeg_exe, probe  # noqa: E402
from acf.media.timeline import Timeline, TimelineScene  # noqa: E402

VIDEO_SECONDS = 60
WIDTH, HEIGHT = 1080, 1920
CATEGORY = "technology"
# (narration, the fact its card shows): one scene per card kind.
SCENES = [
    ("Solar flares are giant bursts of energy from the sun, and one just reached our planet this week.",
     Fact("f1", "stat", "Searches for the solar storm jumped in a day.", "Google Trends",
          numbers={"searches in the last 24 hours": 2450000})),
    ("Interest climbed all week and peaked on Saturday, when the first pictures came in.",
     Fact("f2", "series", "Interest in solar flares over the last seven days.", "Google Trends",
          points=[["Mon", 12], ["Tue", 15], ["Wed", 14], ["Thu", 22], ["Fri", 48], ["Sat", 100], ["Sun", 86]])),
    ("Reuters calls it the strongest solar storm in two decades, with auroras across Europe.",
     Fact("f3", "headline", "Strongest solar storm in two decades sparks auroras across Europe and the US",
          "Reuters", at="2026-12-01T08:30:00Z")),
    ("One viewer in Texas wrote that in forty years she had never seen anything like it.",
     Fact("f4", "quote", "Just saw the northern lights from Texas. I have lived here 40 years and never "
          "seen anything like it.", "r/space", numbers={"score": 18300})),
    ("Searches are highest in the United States, then Canada and the United Kingdom.",
     Fact("f5", "regions", "Where people search for it most.", "Google Trends",
          points=[["United States", 100], ["Canada", 84], ["United Kingdom", 71], ["Norway", 63],
                  ["Australia", 40]])),
    ("It can disrupt radio, GPS accuracy, power grids and the orbits of satellites.",
     Fact("f6", "list", "What the storm can disrupt", "NOAA",
          points=[["High-frequency radio", None], ["GPS accuracy", None], ["Power grids", None],
                  ["Satellite orbits", None]])),
    ("A timelapse from Oslo has over a million views. Follow for more space weather.",
     Fact("f7", "video", "Northern lights timelapse over Oslo, 4K", "Aurora Hunters",
          numbers={"views": 1240000})),
]


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (ffmpeg): robust to a busy machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build_timeline(work: Path) -> tuple[Timeline, dict[int, scene_cards.CardSpec]]:
    scenes, cards = [], {}
    total = VIDEO_SECONDS * FPS
    for i, (text, fact) in enumerate(SCENES):
        start, end = total * i // len(SCENES), total * (i + 1) // len(SCENES)
        image = visuals_local.render_scene_image(text, WIDTH, HEIGHT, work / f"scene{i}.png", index=i,
                                                 category=CATEGORY)
        voice = work / f"voice{i}.wav"
        speech = voice_local.speak(text, voice)
        seconds = speech.seconds
        if seconds > (end - start) / FPS - 0.3:
            raise SystemExit(f"scene {i} narration is {seconds:.1f} s, longer than its {(end - start) / FPS:.1f} s slot")
        scenes.append(TimelineScene(i, image, voice, text, start, end - start,
                                    start / FPS + (0 if i == 0 else 0.15), seconds, speech.words))
        cards[i] = scene_cards.CardSpec(fact.kind, fact, CATEGORY, (fact.fact_id,))
    return Timeline(scenes), cards


def project_render(line: Timeline, cards: dict[int, scene_cards.CardSpec], work: Path) -> tuple[float, Path]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as drawer:     # as production does: cards drawn beside the mix
        drawing = drawer.submit(render.prepare_cards, line, cards, ["9:16"], work / "cards")
        bed = assets.write_music_bed(work / "music.wav", line.seconds)
        mixed = audio.mix([audio.VoicePlacement(s.voice, s.voice_start) for s in line.scenes], line.seconds,
                          work / "mix.wav", music=bed)
        audio.normalise(mixed, work / "soundtrack.wav")
        layers = drawing.result()
    out = work / "project.mp4"
    render.render(line, work / "soundtrack.wav", {"9:16": out}, work_dir=work / "scratch", cards=layers)
    return time.perf_counter() - started, out


def encode_floor(source: Path, work: Path) -> float:
    settings = render.EncoderSettings()
    args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-map", "0:v", "-map", "0:a",
            "-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf), "-pix_fmt", "yuv420p",
            "-profile:v", "high", "-r", str(FPS), "-c:a", "copy", "-movflags", "+faststart", str(work / "floor.mp4")]
    started = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - started


def caption_sync_ms(line: Timeline, work: Path) -> tuple[float, float]:
    """p95 over caption chunks of |caption start - onset of its first word| (ms), the onset found by an
    energy detector on the voice track alone (no music), not from the timing the captions used; and the
    same figure for the old captions spread evenly over each voice, for comparison."""
    from acf.media import onsets
    from acf.media.captions import time_captions

    track = audio.mix([audio.VoicePlacement(s.voice, s.voice_start) for s in line.scenes], line.seconds,
                      work / "voice_track.wav")
    detected = onsets.onsets(*onsets.read_mono(track))
    timed = [c.start for c in line.captions()]
    even = [c.start for s in line.scenes for c in time_captions(s.narration, s.voice_start, s.voice_seconds)]
    return onsets.p95(onsets.caption_sync_ms(timed, detected)), onsets.p95(onsets.caption_sync_ms(even, detected))


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="acf-bench-render-"))
    line, cards = build_timeline(work)
    cpu0 = cpu_seconds()
    render_seconds, out = project_render(line, cards, work)
    cpu1 = cpu_seconds()
    info = probe(out)
    print(f"project render: {render_seconds:.2f} s -> {info.width}x{info.height} {info.video_codec}/"
          f"{info.audio_codec} {info.duration_seconds:.2f} s ({len(cards)} card scenes) in {work}", flush=True)
    floor = encode_floor(out, work)
    cpu2 = cpu_seconds()
    print(f"encode floor: {floor:.2f} s", flush=True)
    render_cpu, floor_cpu = cpu1 - cpu0, cpu2 - cpu1
    print(f"cpu_seconds: render={render_cpu:.1f} encode_floor={floor_cpu:.1f} "
          f"floor_ratio_cpu={render_cpu / floor_cpu:.2f} load_average={os.getloadavg()[0]:.1f}")
    sync_p95, even_p95 = caption_sync_ms(line, work)
    print(f"caption sync: p95 {sync_p95:.0f} ms on the words, {even_p95:.0f} ms spread evenly (the old timing)")
    print(f"render_seconds={render_seconds:.2f} encode_floor_seconds={floor:.2f} "
          f"floor_ratio={render_seconds / floor:.2f} caption_sync_p95_ms={sync_p95:.0f} "
          f"video_seconds={line.seconds:.0f}")


if __name__ == "__main__":
    main()
