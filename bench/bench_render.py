"""Render benchmark: a fixed 60 s, 6-scene, 1080x1920 timeline (local images, local voice, captions).

Times (1) the project's renderer (soundtrack mix + two-pass loudness + the one-graph render),
(a) the encode floor: the same finished frames re-encoded with the same encoder settings, and
(b) MoviePy 2.x rendering the same timeline (same stills, pans, cross-fades, captions, audio).
MoviePy is only for this benchmark:  .venv/bin/pip install --no-deps moviepy==2.2.1 proglog==0.1.12
(moviepy declares pillow<12; the project pins pillow 13, which MoviePy runs with). Set
BENCH_SKIP_MOVIEPY=1 to time only the project's renderer. The last line is the figure line.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "include")]

from acf.media import assets, audio, render, visuals_local, voice_local  # noqa: E402
from acf.media.formats import FPS  # noqa: E402
from acf.media.probe import ffmpeg_exe, probe  # noqa: E402
from acf.media.timeline import Timeline, TimelineScene  # noqa: E402

SCENES = 6
SCENE_SECONDS = 10
WIDTH, HEIGHT = 1080, 1920
NARRATION = [
    "Solar flares are giant bursts of energy from the sun, and one just reached our planet this week.",
    "They travel at the speed of light, so the first radio blackout starts just eight minutes later.",
    "Pilots on polar routes lose high frequency radio, and some flights have to change their course.",
    "Power grids feel it too: long cables pick up currents that can overheat big transformers.",
    "The good news is the northern lights, which can reach much further south than usual tonight.",
    "Follow for more space weather, and tell us where you saw the aurora in the comments below.",
]


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (ffmpeg): robust to a busy machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build_timeline(work: Path) -> Timeline:
    scenes = []
    for i, text in enumerate(NARRATION[:SCENES]):
        image = visuals_local.render_scene_image(text, WIDTH, HEIGHT, work / f"scene{i}.png", index=i)
        voice = work / f"voice{i}.wav"
        speech = voice_local.speak(text, voice)
        seconds = speech.seconds
        if seconds > SCENE_SECONDS - 0.3:
            raise SystemExit(f"scene {i} narration is {seconds:.1f} s, longer than its {SCENE_SECONDS} s slot")
        start = i * SCENE_SECONDS * FPS
        scenes.append(TimelineScene(i, image, voice, text, start, SCENE_SECONDS * FPS,
                                    start / FPS + (0 if i == 0 else 0.15), seconds, speech.words))
    return Timeline(scenes)


def project_render(line: Timeline, work: Path) -> tuple[float, Path]:
    started = time.perf_counter()
    bed = assets.write_music_bed(work / "music.wav", line.seconds)
    mixed = audio.mix([audio.VoicePlacement(s.voice, s.voice_start) for s in line.scenes], line.seconds,
                      work / "mix.wav", music=bed)
    audio.normalise(mixed, work / "soundtrack.wav")
    out = work / "project.mp4"
    render.render(line, work / "soundtrack.wav", {"9:16": out}, work_dir=work / "scratch")
    return time.perf_counter() - started, out


def encode_floor(source: Path, work: Path) -> float:
    settings = render.EncoderSettings()
    args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-map", "0:v", "-map", "0:a",
            "-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf), "-pix_fmt", "yuv420p",
            "-profile:v", "high", "-r", str(FPS), "-c:a", "copy", "-movflags", "+faststart", str(work / "floor.mp4")]
    started = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - started


def moviepy_render(line: Timeline, work: Path) -> float:
    from moviepy import (AudioFileClip, CompositeAudioClip, CompositeVideoClip, ImageClip, TextClip,
                         vfx)

    settings = render.EncoderSettings()
    started = time.perf_counter()
    zoom_w, zoom_h = int(WIDTH * render.OVERSCAN), int(HEIGHT * render.OVERSCAN)
    layers, voices = [], []
    fade = render.TRANSITION_FRAMES / FPS
    for i, scene in enumerate(line.scenes):
        start, length = scene.start, scene.seconds
        dx = zoom_w - WIDTH
        clip = (ImageClip(str(scene.image)).resized((zoom_w, zoom_h)).with_start(start).with_duration(length)
                .with_position(lambda t, dx=dx, length=length: (-dx * t / length, -(zoom_h - HEIGHT) / 2)))
        if i:
            clip = clip.with_effects([vfx.CrossFadeIn(fade)])
        layers.append(clip)
        for cap in __import__("acf.media.captions", fromlist=["time_captions"]).time_captions(
                scene.narration, scene.voice_start, scene.voice_seconds):
            layers.append(TextClip(font=str(assets.font_path()), text=cap.text, font_size=81, color="white",
                                   stroke_color="black", stroke_width=6, method="caption", size=(860, None))
                          .with_start(cap.start).with_duration(cap.end - cap.start)
                          .with_position(("center", int(HEIGHT * 0.70))))
        voices.append(AudioFileClip(str(scene.voice)).with_start(scene.voice_start))
    music = AudioFileClip(str(work / "music.wav")).with_volume_scaled(0.35)
    final = CompositeVideoClip(layers, size=(WIDTH, HEIGHT)).with_duration(line.seconds)
    final = final.with_audio(CompositeAudioClip([music] + voices).with_duration(line.seconds))
    final.write_videofile(str(work / "moviepy.mp4"), fps=FPS, codec="libx264", preset=settings.preset,
                          audio_codec="aac", audio_bitrate=settings.audio_bitrate, logger=None,
                          ffmpeg_params=["-crf", str(settings.crf), "-pix_fmt", "yuv420p"])
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
    os.environ.setdefault("IMAGEIO_FFMPEG_EXE", ffmpeg_exe())
    work = Path(tempfile.mkdtemp(prefix="acf-bench-render-"))
    line = build_timeline(work)
    cpu0 = cpu_seconds()
    render_seconds, out = project_render(line, work)
    cpu1 = cpu_seconds()
    info = probe(out)
    print(f"project render: {render_seconds:.2f} s -> {info.width}x{info.height} {info.video_codec}/"
          f"{info.audio_codec} {info.duration_seconds:.2f} s", flush=True)
    floor = encode_floor(out, work)
    cpu2 = cpu_seconds()
    print(f"encode floor: {floor:.2f} s", flush=True)
    if os.environ.get("BENCH_SKIP_MOVIEPY"):
        moviepy_seconds = float("nan")
    else:
        moviepy_seconds = moviepy_render(line, work)
        print(f"moviepy: {moviepy_seconds:.2f} s", flush=True)
    cpu3 = cpu_seconds()
    render_cpu, floor_cpu, moviepy_cpu = cpu1 - cpu0, cpu2 - cpu1, cpu3 - cpu2
    print(f"cpu_seconds: render={render_cpu:.1f} encode_floor={floor_cpu:.1f} moviepy={moviepy_cpu:.1f} "
          f"floor_ratio_cpu={render_cpu / floor_cpu:.2f} speedup_vs_moviepy_cpu={moviepy_cpu / render_cpu:.1f} "
          f"load_average={os.getloadavg()[0]:.1f}")
    sync_p95, even_p95 = caption_sync_ms(line, work)
    print(f"caption sync: p95 {sync_p95:.0f} ms on the words, {even_p95:.0f} ms spread evenly (the old timing)")
    print(f"render_seconds={render_seconds:.2f} encode_floor_seconds={floor:.2f} "
          f"floor_ratio={render_seconds / floor:.2f} moviepy_seconds={moviepy_seconds:.2f} "
          f"speedup_vs_moviepy={moviepy_seconds / render_seconds:.1f} caption_sync_p95_ms={sync_p95:.0f} "
          f"video_seconds={line.seconds:.0f}")


if __name__ == "__main__":
    main()
