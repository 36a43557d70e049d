"""The timeline: when each scene starts and ends, in whole frames, set by its voice."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from acf.media.captions import Caption, time_captions
from acf.media.formats import FPS
from acf.media.words import Word

LEAD_SECONDS = 0.15   # silence before a scene's voice (none for the first: the hook starts at once)
TAIL_SECONDS = 0.35   # breath after it, where the transition sits


@dataclass(frozen=True)
class TimelineScene:
    index: int
    image: Path
    voice: Path
    narration: str
    start_frame: int
    frames: int
    voice_start: float
    voice_seconds: float
    words: tuple[Word, ...] = ()     # the narration's word timing, seconds from the voice's start

    @property
    def start(self) -> float:
        return self.start_frame / FPS

    @property
    def seconds(self) -> float:
        return self.frames / FPS


@dataclass(frozen=True)
class Timeline:
    scenes: list[TimelineScene]
    fps: int = FPS

    @property
    def frames(self) -> int:
        return sum(s.frames for s in self.scenes)

    @property
    def seconds(self) -> float:
        return self.frames / self.fps

    def captions(self) -> list[Caption]:
        captions: list[Caption] = []
        for scene in self.scenes:
            captions.extend(time_captions(scene.narration, scene.voice_start, scene.voice_seconds, scene.words))
        return captions


def build(parts: list[tuple]) -> Timeline:
    """``parts``: (scene index, image, voice WAV, voice seconds, narration[, words]), in scene order."""
    if not parts:
        raise ValueError("a timeline needs at least one scene")
    scenes = []
    t = 0.0
    frame = 0
    for position, (index, image, voice, voice_seconds, narration, *timing) in enumerate(parts):
        if voice_seconds <= 0:
            raise ValueError(f"scene {index}: voice has no duration")
        lead = 0.0 if position == 0 else LEAD_SECONDS
        end = t + lead + voice_seconds + TAIL_SECONDS
        end_frame = max(frame + FPS, int(round(end * FPS)))  # at least one second per scene
        scenes.append(TimelineScene(index, Path(image), Path(voice), narration, frame, end_frame - frame,
                                    frame / FPS + lead, voice_seconds, tuple(timing[0]) if timing else ()))
        frame, t = end_frame, end_frame / FPS
    return Timeline(scenes)
