"""Plain data types of the publishing stage."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PlatformPackage:
    """Everything one platform receives for one content piece."""

    content_id: str
    platform: str            # youtube | tiktok | instagram | facebook
    title: str
    description: str
    tags: list[str]
    rendition_key: str       # object-store key of the video to send
    thumbnail_key: str | None
    aspect: str
    extra: dict = field(default_factory=dict)  # category_id, privacy, made_for_kids, post type, ...


@dataclass
class PublicationResult:
    publication_id: str
    platform: str
    state: str               # published | scheduled | deferred | failed | needs_reauth | processing | rejected
    external_id: str | None = None
    url: str | None = None
    error: str | None = None
    scheduled_at: str | None = None    # ISO time the post goes (or went) live, when it was scheduled
    wait_until: str | None = None      # ISO time to come back and post (the platform cannot hold it)
    waiting_on: dict | None = None     # ids of a post the platform is still processing (what a trigger polls)


@dataclass
class RenditionRef:
    """One rendered video of a content piece (a row of acf.renditions)."""

    aspect: str              # 9:16 | 16:9 | 1:1
    object_key: str
    duration_seconds: float
    width: int = 0
    height: int = 0


@dataclass
class ContentSource:
    """What the optimizer reads about one ready content piece (content, script, trend, renditions)."""

    content_id: str
    title: str
    script: dict                               # acf.content_models.Script as JSON (hook, scenes, call_to_action, chapters)
    renditions: list[RenditionRef]
    platforms: list[str]
    term: str = ""                             # the trend's key term
    category: str = "general"
    category_id: int | None = None
    keywords: list[str] = field(default_factory=list)   # more trend terms / angle words, best first
    thumbnail_key: str | None = None
    storyboard_key: str | None = None      # six frames of the finished video, for the reviewer
    trending_sound: str | None = None
    language: str = "en"
    tier: str = "offline"
    media_providers: dict[str, list[str]] = field(default_factory=dict)  # asset kind -> providers that made it
    ai_disclosure: str = "auto"                 # auto (from media_providers) | always | never: the run's choice


@dataclass
class UploadOutcome:
    """What a platform (or the outbox) says about a post."""

    state: str               # published | scheduled (the platform holds it until package.extra["scheduled_at"]) | processing
    external_id: str
    url: str | None = None
