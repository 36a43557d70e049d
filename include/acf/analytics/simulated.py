"""Simulated metrics for the offline tier: deterministic from the publication id and its age.

Nothing here is a real platform number; every sample is marked ``simulated=True``
and the dashboard labels it so. The same id and age always give the same counts,
and counts never decrease as a post ages (a cumulative time series), so reruns
of a collection store the same values.
"""
from __future__ import annotations

import hashlib
import math
from datetime import datetime

from acf.analytics.models import MetricSample, PublishedPost

GROWTH_HOURS = 36.0  # time constant of the saturating view curve


def _unit_draws(publication_id: str, count: int) -> list[float]:
    digest = hashlib.sha256(f"acf-simulated\x1f{publication_id}".encode()).digest()
    return [int.from_bytes(digest[4 * i: 4 * i + 4], "big") / 2**32 for i in range(count)]


def simulate(post: PublishedPost, observed_at: datetime) -> MetricSample:
    reach, like_rate, comment_rate, share_rate, avg_watch = _unit_draws(post.publication_id, 5)
    age_hours = max(0.0, (observed_at - post.published_at).total_seconds() / 3600.0)
    potential = 200 + reach * 20_000
    views = int(potential * (1 - math.exp(-age_hours / GROWTH_HOURS)))
    return MetricSample(
        publication_id=post.publication_id,
        observed_at=observed_at,
        views=views,
        likes=int(views * (0.02 + 0.06 * like_rate)),
        comments=int(views * (0.002 + 0.01 * comment_rate)),
        shares=int(views * (0.001 + 0.01 * share_rate)),
        watch_seconds=round(views * (5 + 20 * avg_watch), 1),
        simulated=True,
    )
