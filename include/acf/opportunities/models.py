"""Plain data types of the opportunity stage (Angle, which it hands on, is in acf.content_models)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Opportunity:
    opportunity_id: str
    trend_id: str
    score: float                  # 0..1
    components: dict              # trend_score, competition, freshness, brand_safety, niche_fit, ...
    status: str = "open"          # open | skipped
    skip_reason: str | None = None
