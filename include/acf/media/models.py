"""Plain data types of the production stage."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Scene:
    index: int
    narration: str           # spoken text, also the caption text
    visual_prompt: str       # what the image for the scene shows
    seconds: float           # planned length; the voice's real duration replaces it


@dataclass
class Script:
    title: str
    hook: str                # spoken in the first 3 seconds (scene 0 starts with it)
    scenes: list[Scene]
    call_to_action: str
    language: str = "en"
    chapters: list[tuple[float, str]] = field(default_factory=list)  # (start second, label), long form


@dataclass
class ContentPlan:
    """What one production run makes (from the Params form or the top opportunity)."""

    content_id: str
    opportunity_id: str | None
    angle_id: str | None
    tier: str
    platforms: list[str]
    aspects: list[str]       # 9:16 | 16:9 | 1:1
    target_seconds: int
    language: str = "en"


@dataclass
class SceneMedia:
    """The generated parts of one scene, as object-store keys."""

    index: int
    image_key: str
    voice_key: str
    voice_seconds: float
    image_provider: str
    voice_provider: str


@dataclass
class RenditionResult:
    aspect: str
    width: int
    height: int
    duration_seconds: float
    object_key: str
    bytes: int
    checksum: str
    checks: dict
