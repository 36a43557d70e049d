"""Plain data types of the trend stage."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The region of items no region is known for (a subreddit's hot listing): CLDR's "Unknown Region".
# They count for engagement and breadth but not for regional spread or the per-region statistics.
NO_REGION = "ZZ"


@dataclass
class TrendObservation:
    """One item seen on one source in one region, normalised to the common schema."""

    source: str              # a registered source's name (acf.trends.sources): youtube, reddit, ...
    region: str              # ISO 3166-1 alpha-2, e.g. US; NO_REGION when the source has none
    term: str                # the key phrase the item is about
    title: str               # as the source shows it (verbatim)
    url: str | None
    category: str | None     # source category label or YouTube category id as text
    metrics: dict            # source-specific counts: views, likes, score, volume, ...
    observed_at: datetime    # timezone-aware UTC
    language: str | None
    source_item_id: str      # the source's own id (video id, post id, query)
    raw_key: str | None = None  # object-store key of the raw payload it came from
    published_at: datetime | None = None  # when the item was created on the source, if it says
    engagement: float = 0.0     # the one comparable count per source (views, traffic, volume, score+comments)
    # The source's own growth signal, ln(1 + now) - ln(1 + baseline), where a signal gives one
    # (X recent counts: newest day against the days before; Google Trends: interest now against its mean).
    momentum: float | None = None


@dataclass
class Trend:
    """A topic grouped from observations across sources, scored and categorised."""

    trend_id: str
    term: str
    title: str
    category: str
    category_id: int | None
    score: float                       # 0..1
    score_components: dict             # velocity, breadth, engagement, recency, regional_spread, weights
    sources: list[str]
    regions: list[str]
    observation_count: int
    first_seen: datetime
    last_seen: datetime
    observation_keys: list[str] = field(default_factory=list)


@dataclass
class Reject:
    """An item (or a whole payload) a parser or validator refused, with the reason."""

    source: str
    region: str
    reason: str
    item: object            # the offending item as received (dict, str or bytes)
    raw_key: str | None = None
    whole_payload: bool = False  # the payload itself is not the API's shape (not one item)


@dataclass
class ParsedPayload:
    """What one raw payload turned into: observations and the items refused on the way."""

    observations: list[TrendObservation] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
