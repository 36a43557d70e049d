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
    """Opportunities by score (``status`` filters), each with its angles and its brief's facts."""
    where = "WHERE (%(status)s::text IS NULL OR o.status = %(status)s)"
    return _page(
        conn, f"SELECT count(*) FROM acf.opportunities o {where}",
        f"""SELECT o.opportunity_id, o.score, o.status, o.skip_reason, o.skipped_by, o.components, o.created_at,
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


# One content piece as every page shows it: thumbnail, storyboard, playable renditions, per-platform
# status, AI cost and how far its render is.
_PIECE_SELECT = """
SELECT c.content_id, c.title, c.tier, c.status, c.created_at, c.updated_at, c.error, c.run_id, c.opportunity_id,
       c.platforms, c.aspects, rp.percent AS render_percent, rp.renditions AS render_renditions,
       rp.updated_at AS render_updated_at,
       (SELECT a.asset_id FROM acf.assets a WHERE a.content_id = c.content_id AND a.kind = 'thumbnail'
        ORDER BY a.created_at DESC LIMIT 1) AS thumbnail_asset_id,
       (SELECT a.asset_id FROM acf.assets a WHERE a.content_id = c.content_id AND a.kind = 'storyboard'
        ORDER BY a.created_at DESC LIMIT 1) AS storyboard_asset_id,
       (SELECT json_agg(json_build_object('rendition_id', r.rendition_id, 'aspect', r.aspect,
                    'width', r.width, 'height', r.height, 'duration_seconds', r.duration_seconds)
                    ORDER BY (r.aspect = '9:16') DESC, r.aspect)
        FROM acf.renditions r WHERE r.content_id = c.content_id) AS renditions,
       coalesce((SELECT json_agg(json_build_object('platform', p.platform, 'state', p.state,
                    'url', p.url, 'error', p.error, 'published_at', p.published_at, 'scheduled_at',
                    to_char(p.scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) ORDER BY p.platform)
        FROM acf.publications p WHERE p.content_id = c.content_id), '[]') AS publications,
       (SELECT coalesce(sum(cost_usd), 0) FROM acf.ai_calls x WHERE x.content_id = c.content_id) AS cost_usd
FROM acf.content_pieces c LEFT JOIN acf.render_progress rp USING (content_id)"""


def content(conn: psycopg.Connection, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Page:
    """Content pieces, newest first, with thumbnail, playable rendition, per-platform status, cost and render
    progress."""
    return _page(conn, "SELECT count(*) FROM acf.content_pieces",
                 _PIECE_SELECT + " ORDER BY c.created_at DESC, c.content_id", page, per_page)


def pieces(conn: psycopg.Connection, *, content_ids: list[str] | None = None, opportunity_id: str | None = None,
           run_ids: list[str] | None = None, limit: int = MAX_PER_PAGE) -> list[dict]:
    """The pieces named (by id, by the opportunity they were made from, or by the runs that made them),
    newest first, shaped as :func:`content` shapes them."""
    return [jsonable(r) for r in db.fetch_dicts(
        conn, _PIECE_SELECT + " WHERE (%(ids)s::text[] IS NULL OR c.content_id = ANY(%(ids)s))"
        " AND (%(opp)s::text IS NULL OR c.opportunity_id = %(opp)s)"
        " AND (%(runs)s::text[] IS NULL OR c.run_id = ANY(%(runs)s))"
        " ORDER BY c.created_at DESC, c.content_id LIMIT %(limit)s",
        {"ids": content_ids, "opp": opportunity_id, "runs": run_ids, "limit": limit})]


def opportunity(conn: psycopg.Connection, opportunity_id: str) -> dict | None:
    """One opportunity for its page: the trend, the scores, every angle, the brief (facts with their
    sources) and the pieces made from it, each with its script's scenes (the storyboard)."""
    rows = db.fetch_dicts(conn, """
        SELECT o.opportunity_id, o.score, o.status, o.skip_reason, o.skipped_by, o.components, o.created_at,
               o.updated_at, t.trend_id, t.title AS trend_title, t.term, t.category, t.score AS trend_score,
               t.sources, t.regions, t.observation_count, t.first_seen, t.last_seen,
               b.facts, b.built_at AS brief_built_at
        FROM acf.opportunities o JOIN acf.trends t ON t.trend_id = o.trend_id
        LEFT JOIN acf.opportunity_briefs b ON b.opportunity_id = o.opportunity_id
        WHERE o.opportunity_id = %s""", (opportunity_id,))
    if not rows:
        return None
    found = rows[0]
    found["angles"] = db.fetch_dicts(
        conn, "SELECT angle_id, kind, title, hook, platforms, format, estimated_value, provider, model"
              " FROM acf.angles WHERE opportunity_id = %s ORDER BY estimated_value DESC, angle_id",
        (opportunity_id,))
    made = pieces(conn, opportunity_id=opportunity_id, limit=10)
    scripts = {r["content_id"]: r["script"] for r in db.fetch_dicts(
        conn, "SELECT content_id, script FROM acf.content_pieces WHERE content_id = ANY(%s)",
        ([p["content_id"] for p in made],))}
    for piece in made:
        script = scripts.get(piece["content_id"]) or {}
        piece["scenes"] = [{"index": s.get("index"), "narration": s.get("narration"), "seconds": s.get("seconds"),
                            "fact_ids": s.get("fact_ids") or []}
                           for s in script.get("scenes") or [] if isinstance(s, dict)]
    found["pieces"] = made
    found["facts"] = found["facts"] or []
    return jsonable(found)


def review_pieces(conn: psycopg.Connection, root: Any, targets: list[dict], publish_at: str | None = None,
                  now: datetime | None = None, timezones: dict[str, str] | None = None) -> list[dict]:
    """What a publish run waiting for approval would post: each piece (as :func:`pieces` shapes it) with
    each platform's package (title, description, hashtags, aspect, scheduled time when the package has one,
    else when it would go live if approved ``now``: the run's ``publish_at`` within the platform's posting
    windows, in the account's time zone from ``timezones`` as the publish step reads them), read from the
    object store by (content id, platform), never by a path taken from elsewhere."""
    from acf.publishing import content as packages, schedule

    now = now or datetime.now(timezone.utc)
    timezones = timezones or {}

    def goes_live(platform: str) -> str | None:
        slot = schedule.expected_slot(schedule.platform_rule(platform), publish_at, now, timezones.get(platform))
        return slot.isoformat() if slot else None

    wanted: dict[str, list[str]] = {}
    for target in targets:
        wanted.setdefault(str(target["content_id"]), []).append(str(target["platform"]))
    found = {p["content_id"]: p for p in pieces(conn, content_ids=list(wanted), limit=MAX_PER_PAGE)}
    result = []
    for content_id, platforms in wanted.items():
        piece = found.get(content_id)
        if piece is None:
            continue
        piece["packages"] = []
        for platform in sorted(set(platforms)):
            try:
                package = packages.load_package(root, packages.package_key(content_id, platform))
            except (FileNotFoundError, ValueError, TypeError) as exc:
                piece["packages"].append({"platform": platform, "error": f"package not readable: {exc}"})
                continue
            extra = package.extra or {}
            piece["packages"].append({
                "platform": platform, "title": package.title, "description": package.description,
                "tags": list(package.tags), "aspect": package.aspect,
                "scheduled_at": getattr(package, "scheduled_at", None) or extra.get("scheduled_at"),
                "goes_live": goes_live(platform), "account_timezone": timezones.get(platform)})
        result.append(piece)
    return jsonable(result)


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
    total, unseen = conn.execute("SELECT coalesce(sum(cost_usd), 0), count(*) FILTER (WHERE in_flight)"
                                 " FROM acf.ai_calls").fetchone()
    ledger = _page(conn, "SELECT count(*) FROM acf.ai_calls",
                   "SELECT call_id, created_at, modality, provider, model, input_tokens, output_tokens, units,"
                   " cost_usd, cache_hit, ok, error, in_flight, content_id, opportunity_id FROM acf.ai_calls"
                   " ORDER BY created_at DESC, call_id DESC", page, per_page)
    # calls whose task ended while the provider answered: made, perhaps billed, their cost unknown
    return {"since": jsonable(since), "total_usd": float(total), "unanswered_calls": int(unseen),
            "daily": jsonable(daily), "providers": jsonable(providers), "calls": ledger.as_json()}
