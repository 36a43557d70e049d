"""Plain data types of the opportunity stage."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Opportunity:
    opportunity_id: str
    trend_id: str
    score: float                  # 0..1
    components: dict              # trend_score, competition, freshness, brand_safety, niche_fit, ...
    status: str = "open"          # open | skipped
    skip_reason: str | None = None


@dataclass
class Angle:
    angle_id: str
    opportunity_id: str
    kind: str                     # explainer | reaction | list | ...
    hook: str
    title: str
    platforms: list[str]
    format: str                   # short | long
    estimated_value: float
    provider: str
    model: str
    prompt_version: str
    term: str = ""                # the trend's key term, for downstream SEO
    extra: dict = field(default_factory=dict)
