"""ROI per content piece, trend category, tier and platform.

Cost is the AI cost ledger (``acf.ai_calls``): calls made for a content piece
count for it; calls made for an opportunity before any piece existed (angles,
scoring: ``content_id`` empty) are shared evenly by the pieces made from that
opportunity. Revenue is an estimate: the latest view count of each publication
times the RPM (revenue per 1,000 views) of its platform and category, kept as
data: each platform's ``rpm`` rule in ``platform_rules.yaml``. A platform's share of a piece's cost is the cost divided by
the piece's publication count.

ROI = (revenue - cost) / cost, and engagement per USD = (likes + comments +
shares) / cost; both are None when nothing was spent (the offline tier is free).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import psycopg
from acf import yaml_data

from acf import db, platform_rules
from acf.analytics.models import RoiRow

DIMENSIONS = ("content", "category", "tier", "platform")


class RpmTableError(ValueError):
    """The RPM table is not platform -> category -> number."""


def load_rpm(path: Path | None = None) -> dict[str, dict[str, float]]:
    """``{platform: {category: USD per 1,000 views}}``: the platforms' ``rpm`` rules, or a file of that shape."""
    table = yaml_data.load(Path(path).read_text()) if path else \
        {name: rule["rpm"] for name, rule in platform_rules.all_rules().items()}
    if not isinstance(table, dict):
        raise RpmTableError("RPM table must map platform -> category -> USD per 1,000 views")
    for platform, by_category in table.items():
        if not isinstance(by_category, dict) or not all(
            isinstance(v, (int, float)) and v >= 0 for v in by_category.values()
        ):
            raise RpmTableError(f"RPM for {platform!r} must map category -> non-negative number")
    return {p: {c: float(v) for c, v in cats.items()} for p, cats in table.items()}


def rpm_for(rpm: dict[str, dict[str, float]], platform: str, category: str) -> float:
    by_category = rpm.get(platform, {})
    return by_category.get(category, by_category.get("default", 0.0))


def estimated_revenue(views: int, platform: str, category: str, rpm: dict[str, dict[str, float]]) -> float:
    return views / 1000.0 * rpm_for(rpm, platform, category)


_CONTENT_SQL = """
WITH direct AS (
    SELECT content_id, sum(cost_usd) AS cost FROM acf.ai_calls
    WHERE content_id IS NOT NULL AND created_at < %(until)s GROUP BY content_id
), shared AS (
    SELECT opportunity_id, sum(cost_usd) AS cost FROM acf.ai_calls
    WHERE content_id IS NULL AND opportunity_id IS NOT NULL AND created_at < %(until)s
    GROUP BY opportunity_id
), pieces_per_opportunity AS (
    SELECT opportunity_id, count(*) AS pieces FROM acf.content_pieces
    WHERE opportunity_id IS NOT NULL GROUP BY opportunity_id
)
SELECT c.content_id, c.tier, coalesce(t.category, 'general') AS category,
       (coalesce(d.cost, 0) + coalesce(s.cost / nullif(ppo.pieces, 0), 0))::float8 AS cost_usd
FROM acf.content_pieces c
LEFT JOIN acf.opportunities o ON o.opportunity_id = c.opportunity_id
LEFT JOIN acf.trends t ON t.trend_id = o.trend_id
LEFT JOIN direct d ON d.content_id = c.content_id
LEFT JOIN shared s ON s.opportunity_id = c.opportunity_id
LEFT JOIN pieces_per_opportunity ppo ON ppo.opportunity_id = c.opportunity_id
WHERE c.created_at < %(until)s
"""

_PUBLICATIONS_SQL = """
SELECT p.publication_id, p.content_id, p.platform,
       coalesce(m.views, 0) AS views,
       coalesce(m.likes + m.comments + m.shares, 0) AS engagement,
       coalesce(m.simulated, false) AS simulated
FROM acf.publications p
LEFT JOIN LATERAL (
    SELECT views, likes, comments, shares, simulated FROM acf.metrics mm
    WHERE mm.publication_id = p.publication_id AND mm.observed_at < %(until)s
    ORDER BY mm.observed_at DESC LIMIT 1
) m ON true
WHERE p.state = 'published'
"""


def compute_roi(
    conn: psycopg.Connection,
    as_of: date | None = None,
    rpm: dict[str, dict[str, float]] | None = None,
) -> dict[str, list[RoiRow]]:
    """ROI rows per dimension (content, category, tier, platform) from data up to the end of ``as_of``."""
    rpm = rpm if rpm is not None else load_rpm()
    as_of = as_of or datetime.now(timezone.utc).date()
    until = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=timezone.utc)
    contents = {r["content_id"]: r for r in db.fetch_dicts(conn, _CONTENT_SQL, {"until": until})}
    publications = [
        p for p in db.fetch_dicts(conn, _PUBLICATIONS_SQL, {"until": until}) if p["content_id"] in contents
    ]
    pubs_per_content: dict[str, int] = defaultdict(int)
    for pub in publications:
        pubs_per_content[pub["content_id"]] += 1

    groups: dict[tuple[str, str], RoiRow] = {}

    def row(dimension: str, key: str) -> RoiRow:
        return groups.setdefault((dimension, key), RoiRow(dimension, key))

    for content in contents.values():
        for dimension, key in (("content", content["content_id"]), ("category", content["category"]),
                               ("tier", content["tier"])):
            target = row(dimension, key)
            target.pieces += 1
            target.cost_usd += content["cost_usd"]
    for pub in publications:
        content = contents[pub["content_id"]]
        revenue = estimated_revenue(pub["views"], pub["platform"], content["category"], rpm)
        platform_row = row("platform", pub["platform"])
        platform_row.cost_usd += content["cost_usd"] / pubs_per_content[pub["content_id"]]
        targets = [row("content", content["content_id"]), row("category", content["category"]),
                   row("tier", content["tier"]), platform_row]
        for target in targets:
            target.publications += 1
            target.views += pub["views"]
            target.engagement += pub["engagement"]
            target.revenue_usd += revenue
            target.simulated = target.simulated or pub["simulated"]
    platform_pieces: dict[str, set[str]] = defaultdict(set)
    for pub in publications:
        platform_pieces[pub["platform"]].add(pub["content_id"])
    for platform, pieces in platform_pieces.items():
        groups[("platform", platform)].pieces = len(pieces)

    result: dict[str, list[RoiRow]] = {d: [] for d in DIMENSIONS}
    for (dimension, _), roi_row in sorted(groups.items()):
        result[dimension].append(roi_row)
    return result


def store_rollups(conn: psycopg.Connection, as_of: date, rows: dict[str, list[RoiRow]]) -> int:
    """Replace the rollups of ``as_of`` with ``rows`` (idempotent); returns rows written."""
    conn.execute("DELETE FROM acf.roi_rollups WHERE as_of = %s", (as_of,))
    flat = [r for dimension_rows in rows.values() for r in dimension_rows]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO acf.roi_rollups (as_of, dimension, key, pieces, publications, views, engagement,"
            " cost_usd, revenue_usd, roi, engagement_per_usd, simulated)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (as_of, r.dimension, r.key, r.pieces, r.publications, r.views, r.engagement,
                 round(r.cost_usd, 6), round(r.revenue_usd, 6), r.roi, r.engagement_per_usd, r.simulated)
                for r in flat
            ],
        )
    return len(flat)


def rollup(conn: psycopg.Connection, as_of: date, rpm: dict[str, dict[str, float]] | None = None) -> dict[str, int]:
    """The DAG's ROI step: compute and store; returns row counts per dimension."""
    rows = compute_roi(conn, as_of, rpm)
    store_rollups(conn, as_of, rows)
    return {dimension: len(dimension_rows) for dimension, dimension_rows in rows.items()}
