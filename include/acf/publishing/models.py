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
    state: str               # published | deferred | failed | needs_reauth | processing
    external_id: str | None = None
    url: str | None = None
    error: str | None = None
