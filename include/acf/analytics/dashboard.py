"""Read queries behind the dashboard: every list is paginated, every value is plain JSON data.

Pages are 1-based; ``per_page`` is clamped to [1, MAX_PER_PAGE]. Each list function
returns a :class:`Page` (items, total, page, per_page, pages).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg

from acf import db

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
SPARKLINE_POINTS = 12


@dataclass
class Page:
    items: list[dict]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_json(self) -> dict:
        return {**asdict(self), "pages": self.pages, "items": [jsonable(i) for i in self.items]}


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def clamp(page: int, per_page: int) -> tuple[int, int, int]:
    """(page, per_page, offset) within bounds."""
    page = max(1, int(page))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    return page, per_page, (page - 1) * per_page


def _page(conn: psycopg.Connection, count_sql: str, items_sql: str, page: int, per_page: int,
          params: dict | None = None) -> Page:
    page, per_page, offset = clamp(page, per_page)
    total = conn.execute(count_sql, params or {}).fetchone()[0]
    items = db.fetch_dicts(conn, items_sql + " LIMIT %(limit)s OFFSET %(offset)s",
                           {**(params or {}), "limit": per_page, "offset": offset})
    return Page(items, int(total), page, per_page)


def trends(conn: psycopg.Connection, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Page:
    """Trends by score, each with a sparkline: observations per bucket over its lifetime."""
    result = _page(
        conn, "SELECT count(*) FROM acf.trends",
        "SELECT trend_id, title, term, category, score, sources, regions, observation_count, first_seen, last_seen"
        " FROM acf.trends ORDER BY score DESC, trend_id", page, per_page)
    ids = [t["trend_id"] for t in result.items]
    sparks = _sparklines(conn, ids)
    for item in result.items:
        item["sparkline"] = sparks.get(item["trend_id"], [])
    return result


def _sparklines(conn: psycopg.Connection, trend_ids: list[str]) -> dict[str, list[float]]:
    if not trend_ids:
        return {}
    rows = db.fetch_dicts(conn, """
        WITH span AS (
            SELECT trend_id, min(observed_at) AS t0,
                   greatest(extract(epoch FROM max(observed_at) - min(observed_at)), 1) AS seconds
            FROM acf.trend_observations WHERE trend_id = ANY(%(ids)s) GROUP BY trend_id
        )
        SELECT o.trend_id,
               least(floor(extract(epoch FROM o.observed_at - s.t0) / s.seconds * %(n)s), %(n)s - 1)::int AS bucket,
               count(*) AS observations,
               sum(coalesce(nullif(o.metrics->>'views', '')::float8, 0)) AS views
        FROM acf.trend_observations o JOIN span s USING (trend_id)
        GROUP BY 1, 2 ORDER BY 1, 2""", {"ids": trend_ids, "n": SPARKLINE_POINTS})
    series: dict[str, list[float]] = {}
    for r in rows:
        points = series.setdefault(r["trend_id"], [0.0] * SPARKLINE_POINTS)
        points[r["bucket"]] = float(r["views"]) or float(r["observations"])
    return series


def opportunities(conn: psycopg.Connection, page: int = 1, per_page: int = DEFAULT_PER_PAGE,
                  status: str | None = None) -> Page:
    where = "WHERE (%(status)s::text IS NULL OR o.status = %(status)s)"
    return _page(
        conn, f"SELECT count(*) FROM acf.opportunities o {where}",
        f"""SELECT o.opportunity_id, o.score, o.status, o.skip_reason, o.components, o.created_at,
                   t.title AS trend_title, t.category,
                   coalesce((SELECT json_agg(json_build_object('kind', a.kind, 'title', a.title, 'hook', a.hook,
                                'platforms', a.platforms, 'format', a.format,
                                'estimated_value', a.estimated_value) ORDER BY a.estimated_value DESC)
                             FROM acf.angles a WHERE a.opportunity_id = o.opportunity_id), '[]') AS angles,
                   coalesce((SELECT b.facts FROM acf.opportunity_briefs b
                             WHERE b.opportunity_id = o.opportunity_id), '[]') AS facts
            FROM acf.opportunities o JOIN acf.trends t ON t.trend_id = o.trend_id
            {where} ORDER BY o.score DESC, o.opportunity_id""",
        page, per_page, {"status": status})


def content(conn: psycopg.Connection, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Page:
    """Content pieces, newest first, with thumbnail, playable rendition, per-platform status and cost."""
    return _page(
        conn, "SELECT count(*) FROM acf.content_pieces",
        """SELECT c.content_id, c.title, c.tier, c.status, c.created_at, c.error,
                  (SELECT a.asset_id FROM acf.assets a WHERE a.content_id = c.content_id AND a.kind = 'thumbnail'
                   ORDER BY a.created_at DESC LIMIT 1) AS thumbnail_asset_id,
                  (SELECT a.asset_id FROM acf.assets a WHERE a.content_id = c.content_id AND a.kind = 'storyboard'
                   ORDER BY a.created_at DESC LIMIT 1) AS storyboard_asset_id,
                  (SELECT json_agg(json_build_object('rendition_id', r.rendition_id, 'aspect', r.aspect,
                               'width', r.width, 'height', r.height, 'duration_seconds', r.duration_seconds)
                               ORDER BY (r.aspect = '9:16') DESC, r.aspect)
                   FROM acf.renditions r WHERE r.content_id = c.content_id) AS renditions,
                  coalesce((SELECT json_agg(json_build_object('platform', p.platform, 'state', p.state,
                               'url', p.url, 'error', p.error, 'scheduled_at',
                               to_char(p.scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                               ORDER BY p.platform)
                   FROM acf.publications p WHERE p.content_id = c.content_id), '[]') AS publications,
                  (SELECT coalesce(sum(cost_usd), 0) FROM acf.ai_calls x WHERE x.content_id = c.content_id)
                      AS cost_usd
           FROM acf.content_pieces c ORDER BY c.created_at DESC, c.content_id""",
        page, per_page)


def media_object(conn: psycopg.Connection, kind: str, object_id: str) -> dict | None:
    """Object key, size and type of a thumbnail asset or a rendition, looked up by id (never by path)."""
    if kind == "asset":
        rows = db.fetch_dicts(conn, "SELECT object_key, bytes, kind FROM acf.assets WHERE asset_id = %s",
                              (object_id,))
    elif kind == "rendition":
        rows = db.fetch_dicts(conn, "SELECT object_key, bytes, 'video' AS kind FROM acf.renditions"
                                    " WHERE rendition_id = %s", (object_id,))
    else:
        return None
    return rows[0] if rows else None


def performance(conn: psycopg.Connection, days: int = 30, now: datetime | None = None) -> dict:
    """Daily totals (views, engagement: each post's latest count of the day) and the latest ROI rollups."""
    now = now or datetime.now(timezone.utc)
    since = (now - timedelta(days=days)).date()
    since_ts = datetime.combine(since, datetime.min.time(), tzinfo=timezone.utc)
    # Counts are cumulative, so a post's highest count of a day is its latest: a hash
    # aggregate instead of sorting every point.
    rows = db.fetch_dicts(conn, """
        WITH per_day AS (
            SELECT publication_id, observed_at::date AS day, max(views) AS views,
                   max(likes + comments + shares) AS engagement, bool_or(simulated) AS simulated
            FROM acf.metrics WHERE observed_at >= %(since_ts)s GROUP BY 1, 2
        )
        SELECT p.platform, d.day, sum(d.views)::bigint AS views, sum(d.engagement)::bigint AS engagement,
               bool_or(d.simulated) AS simulated, count(*) AS publications
        FROM per_day d JOIN acf.publications p USING (publication_id)
        GROUP BY GROUPING SETS ((d.day), (p.platform, d.day)) ORDER BY p.platform NULLS FIRST, d.day""",
        {"since_ts": since_ts})
    daily = [{k: v for k, v in r.items() if k != "platform"} for r in rows if r["platform"] is None]
    by_platform = [r for r in rows if r["platform"] is not None]
    as_of = conn.execute("SELECT max(as_of) FROM acf.roi_rollups").fetchone()[0]
    roi: dict[str, list[dict]] = {}
    if as_of is not None:
        for r in db.fetch_dicts(conn, "SELECT dimension, key, pieces, publications, views, engagement, cost_usd,"
                                      " revenue_usd, roi, engagement_per_usd, simulated FROM acf.roi_rollups"
                                      " WHERE as_of = %s AND dimension <> 'content'"
                                      " ORDER BY dimension, revenue_usd DESC, key", (as_of,)):
            roi.setdefault(r.pop("dimension"), []).append(r)
    platforms: dict[str, list[dict]] = {}
    for r in by_platform:
        platforms.setdefault(r["platform"], []).append({"day": r["day"], "views": r["views"]})
    return jsonable({"since": since, "daily": daily, "by_platform": platforms, "roi_as_of": as_of, "roi": roi,
                     "simulated": any(d["simulated"] for d in daily)})


def costs(conn: psycopg.Connection, page: int = 1, per_page: int = DEFAULT_PER_PAGE, days: int = 30,
          now: datetime | None = None) -> dict:
    """AI spend per day and modality, totals per provider and model, and the paginated call ledger."""
    now = now or datetime.now(timezone.utc)
    since = now - timedelta(days=days)
    daily = db.fetch_dicts(conn, "SELECT created_at::date AS day, modality, sum(cost_usd) AS cost_usd,"
                                 " count(*) AS calls FROM acf.ai_calls WHERE created_at >= %s"
                                 " GROUP BY 1, 2 ORDER BY 1, 2", (since,))
    providers = db.fetch_dicts(conn, "SELECT provider, model, modality, count(*) AS calls,"
                                     " sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens,"
                                     " sum(output_tokens) AS output_tokens, sum(units) AS units,"
                                     " avg(CASE WHEN cache_hit THEN 1 ELSE 0 END) AS cache_hit_rate"
                                     " FROM acf.ai_calls GROUP BY 1, 2, 3 ORDER BY cost_usd DESC, 1, 2")
    total = conn.execute("SELECT coalesce(sum(cost_usd), 0) FROM acf.ai_calls").fetchone()[0]
    ledger = _page(conn, "SELECT count(*) FROM acf.ai_calls",
                   "SELECT call_id, created_at, modality, provider, model, input_tokens, output_tokens, units,"
                   " cost_usd, cache_hit, content_id, opportunity_id FROM acf.ai_calls"
                   " ORDER BY created_at DESC, call_id DESC", page, per_page)
    return {"since": jsonable(since), "total_usd": float(total), "daily": jsonable(daily),
            "providers": jsonable(providers), "calls": ledger.as_json()}
