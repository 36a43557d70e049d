"""Plain data types of the production stage (Scene and Script, which it shares, are in acf.content_models)."""
from __future__ import annotations

from dataclasses import dataclass


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
    voice_speed: int = 165          # words per minute of the local voices (Piper, eSpeak NG)
    caption_style: str = "platform"  # platform (each platform's default, platform_rules.yaml) | chunked | word


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
