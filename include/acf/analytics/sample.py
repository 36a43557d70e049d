"""A small, deterministic sample factory history: trends to metrics, with media in the object store.

Used by the dashboard tests, and for trying the dashboard on an empty
install (``python -m acf.analytics.sample DSN``). Its ids contain ``sample`` (``trend_sample000``,
``content_sample000``, ...) so the rows are easy to recognise; every metric it writes is simulated.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg

from acf import db, platform_rules, storage
from acf.analytics.collect import published_posts, store_metrics
from acf.analytics.simulated import simulate

CATEGORIES = ("technology", "music", "gaming", "science", "entertainment")
TIERS = ("offline", "budget", "balanced", "premium")
SOURCES = ("youtube", "google_trends", "x", "reddit")
REGIONS = ("US", "GB", "IN", "BR", "DE", "JP")


def seed(
    conn: psycopg.Connection,
    root: Any,
    *,
    trends: int = 12,
    video: bytes | None = None,
    thumbnail: bytes | None = None,
    now: datetime | None = None,
    days_of_metrics: int = 7,
    storyboard: bytes | None = None,
) -> dict[str, int]:
    """Write a sample history; returns row counts per table. Not idempotent: use on an empty schema.

    Each opportunity gets a brief of three facts with their sources; each produced piece a thumbnail
    (``thumbnail``, stored as ``thumbnail.jpg`` as production names it), a 9:16 rendition (``video``)
    and, when given, a ``storyboard``."""
    now = now or datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    counts = {k: 0 for k in ("trends", "trend_observations", "opportunities", "angles", "content_pieces",
                             "assets", "renditions", "publications", "ai_calls")}
    for i in range(trends):
        category = CATEGORIES[i % len(CATEGORIES)]
        trend_id = f"trend_sample{i:03d}"
        sources = list(SOURCES[: 1 + i % len(SOURCES)])
        regions = list(REGIONS[: 1 + (i * 2) % len(REGIONS)])
        first_seen = now - timedelta(hours=48)
        conn.execute(
            "INSERT INTO acf.trends (trend_id, term, title, category, score, score_components, sources, regions,"
            " observation_count, first_seen, last_seen) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (trend_id, f"sample topic {i}", f"Sample topic {i}" + (" <b>&amp;</b>" if i == 0 else ""), category,
             round(1 - i / (trends + 1), 4), json.dumps({"velocity": 0.5}), sources, regions, 8,
             first_seen, now),
        )
        counts["trends"] += 1
        obs = []
        for h in range(8):
            obs.append((f"obs_sample{i:03d}_{h}", trend_id, sources[h % len(sources)], regions[h % len(regions)],
                        f"sample topic {i}", f"Sample topic {i}", category,
                        json.dumps({"views": (h + 1) * (100 + 37 * i) + (h % 3) * 50}),
                        first_seen + timedelta(hours=6 * h)))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO acf.trend_observations (observation_key, trend_id, source, region, term, title,"
                " category, metrics, observed_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)", obs)
        counts["trend_observations"] += len(obs)
        opportunity_id = f"opp_sample{i:03d}"
        status = ("produced", "open", "skipped", "in_production")[i % 4]
        conn.execute(
            "INSERT INTO acf.opportunities (opportunity_id, trend_id, score, components, status, skip_reason)"
            " VALUES (%s,%s,%s,%s,%s,%s)",
            (opportunity_id, trend_id, round(0.9 - i * 0.05, 4), json.dumps({"trend_score": 0.7}), status,
             "brand safety: blocked term" if status == "skipped" else None),
        )
        counts["opportunities"] += 1
        _seed_brief(conn, i, opportunity_id, trend_id, sources, regions, now)
        angle_id = f"angle_sample{i:03d}"
        conn.execute(
            "INSERT INTO acf.angles (angle_id, opportunity_id, kind, hook, title, platforms, format,"
            " estimated_value, provider, model, prompt_version) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (angle_id, opportunity_id, "explainer", f"Why sample topic {i} matters", f"Sample topic {i} explained",
             list(platform_rules.platforms()[:2 + i % 3]), "short", 10.0 + i, "local", "rules", "v1"),
        )
        counts["angles"] += 1
        conn.execute(
            "INSERT INTO acf.ai_calls (modality, provider, model, input_tokens, output_tokens, cost_usd,"
            " opportunity_id, created_at) VALUES ('text', 'groq', 'llama', 500, 200, %s, %s, %s)",
            (0.002 * (1 + i % 3), opportunity_id, now - timedelta(days=days_of_metrics + 1)),
        )
        counts["ai_calls"] += 1
        if status != "produced":
            continue
        _seed_content(conn, root, i, opportunity_id, angle_id, category, now, days_of_metrics, video, thumbnail,
                      counts, storyboard)
    return counts


def _seed_brief(conn, i, opportunity_id, trend_id, sources, regions, now) -> None:
    facts = [
        {"fact_id": "f1", "kind": "stat", "text": f"Sample topic {i} was seen {8 + i} times in two days.",
         "source": "the factory's trend sightings", "url": "", "at": now.isoformat(),
         "numbers": {"sightings": 8 + i}, "points": []},
        {"fact_id": "f2", "kind": "headline", "text": f"Sample publisher reports on sample topic {i}.",
         "source": "Sample News", "url": f"https://news.example.org/sample-{i}", "at": now.isoformat(),
         "numbers": {}, "points": []},
        {"fact_id": "f3", "kind": "regions", "text": f"Sample topic {i} trends most in {', '.join(regions[:3])}.",
         "source": sources[0], "url": "", "at": "", "numbers": {},
         "points": [[r, 100 - 10 * n] for n, r in enumerate(regions[:3])]},
    ]
    conn.execute("INSERT INTO acf.opportunity_briefs (opportunity_id, trend_id, facts, fact_count)"
                 " VALUES (%s, %s, %s, %s)", (opportunity_id, trend_id, json.dumps(facts), len(facts)))


def _seed_content(conn, root, i, opportunity_id, angle_id, category, now, days, video, thumbnail, counts,
                  storyboard=None) -> None:
    content_id = f"content_sample{i:03d}"
    tier = TIERS[(i // 4) % len(TIERS)]
    made_at = now - timedelta(days=days + 1)
    script = {"title": f"Sample topic {i} explained", "scenes": [
        {"index": 0, "narration": f"Here is why sample topic {i} is everywhere today.", "seconds": 3.2,
         "fact_ids": []},
        {"index": 1, "narration": f"It was seen {8 + i} times in two days.", "seconds": 4.1, "fact_ids": ["f1"]},
        {"index": 2, "narration": "Sample News reports on it, and it trends most in a few regions.",
         "seconds": 5.0, "fact_ids": ["f2", "f3"]}]}
    conn.execute(
        "INSERT INTO acf.content_pieces (content_id, opportunity_id, angle_id, tier, target_seconds, title,"
        " script, status, created_at) VALUES (%s,%s,%s,%s,%s,%s,%s,'ready',%s)",
        (content_id, opportunity_id, angle_id, tier, 30, f"Sample topic {i} explained", json.dumps(script),
         made_at),
    )
    counts["content_pieces"] += 1
    if tier != "offline":
        for modality, cost in (("text", 0.01), ("image", 0.04), ("voice", 0.02)):
            conn.execute(
                "INSERT INTO acf.ai_calls (modality, provider, model, units, cost_usd, content_id, created_at)"
                " VALUES (%s, 'sample', 'sample-model', 1, %s, %s, %s)",
                (modality, cost * (1 + TIERS.index(tier)), content_id, made_at),
            )
            counts["ai_calls"] += 1
    for kind, name, data in (("thumbnail", "thumbnail.jpg", thumbnail), ("storyboard", "storyboard.jpg", storyboard)):
        if data is None:
            continue
        key = storage.key("content", content_id, name)
        stored = storage.put_bytes(root, key, data)
        conn.execute(
            "INSERT INTO acf.assets (asset_id, content_id, kind, provider, object_key, bytes, checksum)"
            " VALUES (%s,%s,%s,'local',%s,%s,%s)",
            (f"asset_sample{i:03d}_{'thumb' if kind == 'thumbnail' else kind}", content_id, kind, key,
             stored.bytes, stored.checksum),
        )
        counts["assets"] += 1
    if video is not None:
        video_key = storage.key("content", content_id, "video_9x16.mp4")
        stored = storage.put_bytes(root, video_key, video)
        conn.execute(
            "INSERT INTO acf.renditions (rendition_id, content_id, aspect, width, height, duration_seconds,"
            " object_key, bytes, checksum) VALUES (%s,%s,'9:16',1080,1920,1.0,%s,%s,%s)",
            (f"rend_sample{i:03d}", content_id, video_key, stored.bytes, stored.checksum),
        )
        counts["renditions"] += 1
    for j, platform in enumerate(platform_rules.platforms()[: 2 + i % 3]):
        state = "failed" if (i + j) % 7 == 6 else "published"
        conn.execute(
            "INSERT INTO acf.publications (publication_id, content_id, platform, account, state, external_id,"
            " error, published_at, created_at) VALUES (%s,%s,%s,'outbox',%s,%s,%s,%s,%s)",
            (f"pub_sample{i:03d}_{platform}", content_id, platform, state,
             None, "sample failure: quota" if state == "failed" else None,
             made_at if state == "published" else None, made_at),
        )
        counts["publications"] += 1
    posts = [p for p in published_posts(conn, now) if p.content_id == content_id]
    for d in range(days, -1, -1):
        at = now - timedelta(days=d)
        store_metrics(conn, [simulate(p, at) for p in posts])


if __name__ == "__main__":  # pragma: no cover - manual helper
    import sys

    from acf import settings

    config = settings.load()
    dsn = sys.argv[1] if len(sys.argv) > 1 else config.database_url
    if not dsn:
        raise SystemExit("usage: python -m acf.analytics.sample DSN  (or set ACF_DATABASE_URL)")
    with db.connect(dsn) as connection:
        print(seed(connection, storage.root_from_url(config.object_store_url)))
