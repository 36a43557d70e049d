"""Plain data types of the analytics stage."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PublishedPost:
    """One publication the factory measures."""

    publication_id: str
    content_id: str
    platform: str
    account: str
    external_id: str | None
    tier: str
    category: str
    published_at: datetime


@dataclass(frozen=True)
class MetricSample:
    """Cumulative counts of one post at one moment (a point of its time series)."""

    publication_id: str
    observed_at: datetime
    views: int
    likes: int = 0
    comments: int = 0
    shares: int = 0
    watch_seconds: float | None = None
    simulated: bool = False


@dataclass
class CollectionReport:
    """What one collection run did: stored samples and posts it could not measure, with reasons."""

    stored: int = 0
    simulated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (publication_id, reason)


@dataclass
class RoiRow:
    """Totals of one ROI group (a content piece, category, tier or platform)."""

    dimension: str             # content | category | tier | platform
    key: str
    pieces: int = 0
    publications: int = 0
    views: int = 0
    engagement: int = 0        # likes + comments + shares
    cost_usd: float = 0.0
    revenue_usd: float = 0.0
    simulated: bool = False

    @property
    def roi(self) -> float | None:
        """(revenue - cost) / cost; None when nothing was spent (offline tier)."""
        return (self.revenue_usd - self.cost_usd) / self.cost_usd if self.cost_usd > 0 else None

    @property
    def engagement_per_usd(self) -> float | None:
        return self.engagement / self.cost_usd if self.cost_usd > 0 else None
