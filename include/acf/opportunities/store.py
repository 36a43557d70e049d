"""Reads and writes of the opportunity stage (acf.trends -> acf.opportunities, acf.angles)."""
from __future__ import annotations

import json
from typing import Any

from acf import db
from acf.content_models import Angle
from acf.opportunities.analyzer import competition_from_youtube
from acf.opportunities.models import Opportunity
from acf.trends.models import Trend

_TREND_COLUMNS = (
    "trend_id, term, title, category, category_id, score, score_components, sources, regions,"
    " observation_count, first_seen, last_seen"
)


def _trend(row: dict) -> Trend:
    return Trend(
        trend_id=row["trend_id"], term=row["term"], title=row["title"], category=row["category"],
        category_id=row["category_id"], score=float(row["score"]), score_components=row["score_components"] or {},
        sources=list(row["sources"] or []), regions=list(row["regions"] or []),
        observation_count=row["observation_count"], first_seen=row["first_seen"], last_seen=row["last_seen"],
    )


def load_trends(conn, limit: int = 500, max_age_hours: float | None = None) -> list[Trend]:
    """The highest-scored trends (seen within ``max_age_hours`` when given)."""
    rows = db.fetch_dicts(
        conn,
        f"SELECT {_TREND_COLUMNS} FROM acf.trends"
        " WHERE %(age)s::float8 IS NULL OR last_seen >= now() - make_interval(secs => %(age)s::float8 * 3600)"
        " ORDER BY score DESC, trend_id LIMIT %(limit)s",
        {"age": max_age_hours, "limit": limit},
    )
    return [_trend(r) for r in rows]


def youtube_competition(conn, trend_ids: list[str]) -> dict[str, float]:
    """Saturation on YouTube per trend, from the YouTube items already seen about it."""
    rows = db.fetch_dicts(
        conn,
        "SELECT trend_id, count(DISTINCT coalesce(url, observation_key)) AS videos,"
        " max(CASE WHEN metrics->>'views' ~ '^[0-9]{1,18}$' THEN (metrics->>'views')::bigint ELSE 0 END) AS top_views"
        " FROM acf.trend_observations WHERE source = 'youtube' AND trend_id = ANY(%s) GROUP BY trend_id",
        (list(trend_ids),),
    )
    return {r["trend_id"]: competition_from_youtube(r["videos"], r["top_views"] or 0) for r in rows}


def save_opportunities(conn, opportunities: list[Opportunity], run_id: str | None = None) -> int:
    """Upsert; opportunities already in production, and those a person skipped, keep their status."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO acf.opportunities (opportunity_id, trend_id, score, components, status, skip_reason, run_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (opportunity_id) DO UPDATE SET score = EXCLUDED.score, components = EXCLUDED.components,"
            "  status = CASE WHEN acf.opportunities.status IN ('in_production', 'produced')"
            "   OR acf.opportunities.skipped_by IS NOT NULL THEN acf.opportunities.status ELSE EXCLUDED.status END,"
            "  skip_reason = CASE WHEN acf.opportunities.skipped_by IS NOT NULL THEN acf.opportunities.skip_reason"
            "   ELSE EXCLUDED.skip_reason END, run_id = EXCLUDED.run_id, updated_at = now()",
            [(o.opportunity_id, o.trend_id, o.score, json.dumps(o.components), o.status, o.skip_reason, run_id)
             for o in opportunities],
        )
    return len(opportunities)


def skip_opportunity(conn, opportunity_id: str, reason: str, by: str | None = None) -> bool:
    """Skip an open opportunity with its reason; ``by`` names the person (their skip outlives re-scoring).
    False when it is not open (or does not exist)."""
    return conn.execute(
        "UPDATE acf.opportunities SET status = 'skipped', skip_reason = %s, skipped_by = %s, updated_at = now()"
        " WHERE opportunity_id = %s AND status = 'open'",
        (reason[:1000], by[:200] if by else None, opportunity_id),
    ).rowcount == 1


def _opportunity(row: dict) -> Opportunity:
    return Opportunity(row["opportunity_id"], row["trend_id"], float(row["score"]), row["components"] or {},
                       row["status"], row["skip_reason"])


def top_open(conn, n: int, opportunity_ids: list[str] | None = None) -> list[tuple[Opportunity, Trend]]:
    rows = db.fetch_dicts(
        conn,
        "SELECT o.opportunity_id, o.trend_id, o.score, o.components, o.status, o.skip_reason,"
        f" {', '.join('t.' + c.strip() for c in _TREND_COLUMNS.split(','))}"
        " FROM acf.opportunities o JOIN acf.trends t USING (trend_id)"
        " WHERE o.status = 'open' AND (%(ids)s::text[] IS NULL OR o.opportunity_id = ANY(%(ids)s))"
        " ORDER BY o.score DESC, o.opportunity_id LIMIT %(n)s",
        {"ids": opportunity_ids, "n": n},
    )
    return [(_opportunity(r), _trend(r)) for r in rows]


def save_angles(conn, angles: list[Angle], run_id: str | None = None) -> int:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO acf.angles (angle_id, opportunity_id, kind, hook, title, platforms, format,"
            " estimated_value, provider, model, prompt_version, term, extra, run_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (angle_id) DO UPDATE SET hook = EXCLUDED.hook, title = EXCLUDED.title,"
            "  platforms = EXCLUDED.platforms, format = EXCLUDED.format, estimated_value = EXCLUDED.estimated_value,"
            "  provider = EXCLUDED.provider, model = EXCLUDED.model, prompt_version = EXCLUDED.prompt_version,"
            "  term = EXCLUDED.term, extra = EXCLUDED.extra, run_id = EXCLUDED.run_id, updated_at = now()",
            [(a.angle_id, a.opportunity_id, a.kind, a.hook, a.title, a.platforms, a.format, a.estimated_value,
              a.provider, a.model, a.prompt_version, a.term, json.dumps(a.extra), run_id) for a in angles],
        )
    return len(angles)


_ANGLE_COLUMNS = ("angle_id, opportunity_id, kind, hook, title, platforms, format, estimated_value, provider,"
                  " model, prompt_version, term, extra")


def _angle(row: dict[str, Any]) -> Angle:
    return Angle(
        angle_id=row["angle_id"], opportunity_id=row["opportunity_id"], kind=row["kind"], hook=row["hook"],
        title=row["title"], platforms=list(row["platforms"]), format=row["format"],
        estimated_value=float(row["estimated_value"]), provider=row["provider"], model=row["model"],
        prompt_version=row["prompt_version"], term=row["term"] or "", extra=row["extra"] or {},
    )


def load_angle(conn, angle_id: str) -> Angle | None:
    rows = db.fetch_dicts(conn, f"SELECT {_ANGLE_COLUMNS} FROM acf.angles WHERE angle_id = %s", (angle_id,))
    return _angle(rows[0]) if rows else None


def angles_for(conn, opportunity_id: str) -> list[Angle]:
    rows = db.fetch_dicts(
        conn,
        f"SELECT {_ANGLE_COLUMNS} FROM acf.angles WHERE opportunity_id = %s ORDER BY estimated_value DESC, kind",
        (opportunity_id,),
    )
    return [_angle(r) for r in rows]


# --- the brief ------------------------------------------------------------------
EVIDENCE_PER_SOURCE = 25   # observation rows read per trend and source: the most engaging ones


def trend_evidence(conn, trend_ids: list[str]) -> dict[str, list[dict]]:
    """Per trend, its most engaging observations of each source (what its brief is built from)."""
    rows = db.fetch_dicts(
        conn,
        "SELECT trend_id, source, region, title, url, category, metrics, observed_at, published_at, source_item_id"
        " FROM (SELECT *, row_number() OVER (PARTITION BY trend_id, source ORDER BY engagement DESC,"
        "  observed_at DESC) AS rank FROM acf.trend_observations WHERE trend_id = ANY(%s)) ranked"
        " WHERE rank <= %s",
        (list(trend_ids), EVIDENCE_PER_SOURCE),
    )
    return _per_trend(rows)


SAID_PER_KIND = 12   # acf.trend_evidence rows read per trend and kind: the most-reached ones
# The count that orders a trend's evidence of one kind: upvotes, views, likes on X.
_REACH = " ".join("""CASE WHEN metrics->>'score' ~ '^[0-9]{1,15}$' THEN (metrics->>'score')::bigint
    WHEN metrics->>'views' ~ '^[0-9]{1,15}$' THEN (metrics->>'views')::bigint
    WHEN metrics->>'like_count' ~ '^[0-9]{1,15}$' THEN (metrics->>'like_count')::bigint END""".split())


def trend_said(conn, trend_ids: list[str]) -> dict[str, list[dict]]:
    """Per trend, its ``acf.trend_evidence`` rows (what its brief quotes), per kind the most-reached first;
    flagged rows are included with their ``flag``, so the brief leaves them and their repeats out."""
    rows = db.fetch_dicts(
        conn,
        "SELECT trend_id, evidence_id, kind, source, text, publisher, author, url, published_at, metrics, item_id,"
        " parent_id, region, flag, last_seen FROM (SELECT *, row_number() OVER (PARTITION BY trend_id, kind ORDER BY"
        f"  (flag IS NULL) DESC, coalesce({_REACH}, 0) DESC, last_seen DESC) AS rank"
        "  FROM acf.trend_evidence WHERE trend_id = ANY(%s)) ranked WHERE rank <= %s",
        (list(trend_ids), SAID_PER_KIND),
    )
    return _per_trend(rows)


def _per_trend(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["trend_id"], []).append(row)
    return grouped


def save_briefs(conn, briefs: dict[str, tuple[str, list]], run_id: str | None = None) -> int:
    """Upsert ``{opportunity_id: (trend_id, [Fact, ...])}``."""
    from acf.opportunities.brief import fact_data

    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO acf.opportunity_briefs (opportunity_id, trend_id, facts, fact_count, run_id)"
            " VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (opportunity_id) DO UPDATE SET facts = EXCLUDED.facts, fact_count = EXCLUDED.fact_count,"
            "  trend_id = EXCLUDED.trend_id, run_id = EXCLUDED.run_id, built_at = now()",
            [(opp_id, trend_id, json.dumps([fact_data(f) for f in facts], ensure_ascii=False), len(facts), run_id)
             for opp_id, (trend_id, facts) in briefs.items()],
        )
    return len(briefs)


def load_brief(conn, opportunity_id: str) -> list:
    """The opportunity's facts, best first; [] when it has no brief."""
    from acf.opportunities.brief import fact_from_data

    rows = db.fetch_dicts(conn, "SELECT facts FROM acf.opportunity_briefs WHERE opportunity_id = %s",
                          (opportunity_id,))
    if not rows:
        return []
    facts = rows[0]["facts"]
    facts = json.loads(facts) if isinstance(facts, str) else facts
    return [fact_from_data(f) for f in facts or []]
