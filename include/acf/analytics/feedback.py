"""Past performance per trend category and platform, for the opportunity scorer.

Usage in a scorer::

    from acf.analytics.feedback import category_platform_performance, performance_multiplier
    perf = category_platform_performance(conn)          # once per scoring run
    score *= performance_multiplier(perf, trend.category, angle.platforms)

``category_platform_performance(conn)`` returns ``{category: {platform: stats}}``
where ``stats`` is a dict of

- ``posts``: publications measured (latest sample of each, published in the lookback window),
- ``views_per_post``, ``engagement_rate`` (likes+comments+shares per view),
- ``revenue_per_post`` (estimated from RPM), ``cost_per_post`` (AI cost share, allocated as in
  :mod:`acf.analytics.roi`, every call to date),
- ``multiplier``: views per post relative to the mean over all (category, platform) pairs,
  shrunk towards 1.0 when there are few posts (``prior_posts``) and clipped to
  [``MIN_MULTIPLIER``, ``MAX_MULTIPLIER``]; 1.0 means "as good as average".

Simulated metrics (offline tier) are left out unless ``include_simulated=True``:
made-up numbers must not steer real decisions. With no data the result is ``{}``
and :func:`performance_multiplier` returns 1.0, so the scorer is unchanged.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

import psycopg

from acf import db
from acf.analytics.roi import estimated_revenue, load_rpm

MIN_MULTIPLIER = 0.5
MAX_MULTIPLIER = 1.5

_SQL = """
WITH latest AS (
    SELECT DISTINCT ON (m.publication_id) m.publication_id, m.views, m.likes + m.comments + m.shares AS engagement,
           m.simulated
    FROM acf.metrics m
    ORDER BY m.publication_id, m.observed_at DESC
), direct AS (
    SELECT content_id, sum(cost_usd)::float8 AS cost FROM acf.ai_calls
    WHERE content_id IS NOT NULL GROUP BY content_id
), shared AS (
    SELECT a.opportunity_id, sum(a.cost_usd)::float8 / (
        SELECT greatest(count(*), 1) FROM acf.content_pieces c2 WHERE c2.opportunity_id = a.opportunity_id
    ) AS cost_per_piece
    FROM acf.ai_calls a WHERE a.content_id IS NULL AND a.opportunity_id IS NOT NULL GROUP BY a.opportunity_id
), pubs_per_content AS (
    SELECT content_id, count(*) AS n FROM acf.publications WHERE state = 'published' GROUP BY content_id
)
SELECT coalesce(t.category, 'general') AS category, p.platform, l.views, l.engagement,
       (coalesce(d.cost, 0) + coalesce(s.cost_per_piece, 0)) / greatest(ppc.n, 1) AS cost_share
FROM latest l
JOIN acf.publications p ON p.publication_id = l.publication_id
JOIN acf.content_pieces c ON c.content_id = p.content_id
LEFT JOIN acf.opportunities o ON o.opportunity_id = c.opportunity_id
LEFT JOIN acf.trends t ON t.trend_id = o.trend_id
LEFT JOIN direct d ON d.content_id = c.content_id
LEFT JOIN shared s ON s.opportunity_id = c.opportunity_id
LEFT JOIN pubs_per_content ppc ON ppc.content_id = c.content_id
WHERE p.state = 'published'
  AND coalesce(p.published_at, p.created_at) >= %(since)s
  AND (%(include_simulated)s OR NOT l.simulated)
"""


def category_platform_performance(
    conn: psycopg.Connection,
    *,
    lookback_days: int = 90,
    include_simulated: bool = False,
    prior_posts: int = 5,
    now: datetime | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """``{category: {platform: stats}}`` from the latest metrics of recent publications (see module doc)."""
    now = now or datetime.now(timezone.utc)
    rows = db.fetch_dicts(
        conn, _SQL, {"since": now - timedelta(days=lookback_days), "include_simulated": include_simulated}
    )
    if not rows:
        return {}
    rpm = load_rpm()
    totals: dict[tuple[str, str], dict[str, float]] = {}
    for r in rows:
        t = totals.setdefault((r["category"], r["platform"]),
                              {"posts": 0, "views": 0, "engagement": 0, "revenue": 0.0, "cost": 0.0})
        t["posts"] += 1
        t["views"] += r["views"]
        t["engagement"] += r["engagement"]
        t["revenue"] += estimated_revenue(r["views"], r["platform"], r["category"], rpm)
        t["cost"] += float(r["cost_share"])
    overall_views_per_post = sum(t["views"] for t in totals.values()) / sum(t["posts"] for t in totals.values())
    result: dict[str, dict[str, dict[str, float]]] = {}
    for (category, platform), t in sorted(totals.items()):
        views_per_post = t["views"] / t["posts"]
        ratio = views_per_post / overall_views_per_post if overall_views_per_post > 0 else 1.0
        shrunk = (t["posts"] * ratio + prior_posts * 1.0) / (t["posts"] + prior_posts)
        result.setdefault(category, {})[platform] = {
            "posts": t["posts"],
            "views_per_post": views_per_post,
            "engagement_rate": t["engagement"] / t["views"] if t["views"] else 0.0,
            "revenue_per_post": t["revenue"] / t["posts"],
            "cost_per_post": t["cost"] / t["posts"],
            "multiplier": min(MAX_MULTIPLIER, max(MIN_MULTIPLIER, shrunk)),
        }
    return result


def performance_multiplier(
    performance: dict[str, dict[str, dict[str, float]]], category: str, platforms: Iterable[str]
) -> float:
    """Mean multiplier of ``category`` over ``platforms``; 1.0 where nothing is known."""
    values = [performance.get(category, {}).get(p, {}).get("multiplier", 1.0) for p in platforms]
    return sum(values) / len(values) if values else 1.0
