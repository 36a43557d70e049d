"""Read ready content pieces for publishing, and store the packages built for them."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg

from acf import storage
from acf.db import fetch_dicts
from acf import platform_rules
from acf.publishing import ledger, schedule
from acf.publishing.models import ContentSource, PlatformPackage, RenditionRef

# A (content, platform) is still to do unless some account published it, or it failed for good.
_READY_SQL = """
SELECT c.content_id, c.title, c.script, c.language, c.tier, c.platforms AS piece_platforms,
       a.platforms AS angle_platforms, a.title AS angle_title, a.hook AS angle_hook,
       t.term, t.category, t.category_id, t.title AS trend_title,
       (SELECT s.object_key FROM acf.assets s WHERE s.content_id = c.content_id AND s.kind = 'thumbnail'
         ORDER BY s.created_at DESC LIMIT 1) AS thumbnail_key,
       (SELECT s.object_key FROM acf.assets s WHERE s.content_id = c.content_id AND s.kind = 'storyboard'
         ORDER BY s.created_at DESC LIMIT 1) AS storyboard_key,
       (SELECT coalesce(array_agg(DISTINCT o.term), '{}') FROM acf.trend_observations o WHERE o.trend_id = t.trend_id) AS observed_terms,
       (SELECT o.metrics ->> 'sound' FROM acf.trend_observations o WHERE o.trend_id = t.trend_id
         AND o.metrics ? 'sound' LIMIT 1) AS trending_sound
  FROM acf.content_pieces c
  LEFT JOIN acf.angles a ON a.angle_id = c.angle_id
  LEFT JOIN acf.opportunities p ON p.opportunity_id = c.opportunity_id
  LEFT JOIN acf.trends t ON t.trend_id = p.trend_id
 WHERE c.status = 'ready'
   AND EXISTS (SELECT 1 FROM acf.renditions r WHERE r.content_id = c.content_id AND r.status = 'ready')
   /*only*/
 ORDER BY c.created_at, c.content_id
 LIMIT %(limit)s
"""


WATCHED_FOR = timedelta(hours=1)   # a processing post looked at within this is someone's (a trigger's) to finish


def ready_sources(conn: psycopg.Connection, content_ids: list[str] | None = None, limit: int = 200) -> list[ContentSource]:
    """Ready pieces with at least one platform still to publish, as optimizer input."""
    only = "AND c.content_id = ANY(%(ids)s)" if content_ids else ""
    rows = fetch_dicts(conn, _READY_SQL.replace("/*only*/", only), {"ids": content_ids or [], "limit": limit})
    if not rows:
        return []
    ids = [r["content_id"] for r in rows]
    renditions: dict[str, list[RenditionRef]] = {}
    for r in fetch_dicts(conn, "SELECT content_id, aspect, object_key, duration_seconds, width, height"
                               " FROM acf.renditions WHERE content_id = ANY(%s) AND status = 'ready'"
                               " ORDER BY content_id, aspect", (ids,)):
        renditions.setdefault(r["content_id"], []).append(
            RenditionRef(r["aspect"], r["object_key"], float(r["duration_seconds"]), r["width"], r["height"]))
    done: dict[str, set[str]] = {}
    # Done, or someone's responsibility: published, failed for good, rejected by a person, held by the platform
    # until its time, waiting for a slot not yet missed, or being watched while the platform processes it (a
    # wait lost while the factory was down, or a post nobody looked at for an hour, is taken again).
    now = datetime.now(timezone.utc)
    for r in fetch_dicts(conn, "SELECT content_id, platform FROM acf.publications WHERE content_id = ANY(%s)"
                               " AND (state IN ('published', 'rejected') OR (state = 'failed' AND attempts >= %s)"
                               " OR (state = 'scheduled' AND (external_id IS NOT NULL OR scheduled_at > %s))"
                               " OR (state = 'processing' AND updated_at > %s))",
                         (ids, ledger.MAX_ATTEMPTS, now - schedule.LATE_AFTER, now - WATCHED_FOR)):
        done.setdefault(r["content_id"], set()).add(r["platform"])
    media_providers: dict[str, dict[str, list[str]]] = {}
    for r in fetch_dicts(conn, "SELECT DISTINCT content_id, kind, provider FROM acf.assets WHERE content_id = ANY(%s)"
                               " ORDER BY content_id, kind, provider", (ids,)):
        media_providers.setdefault(r["content_id"], {}).setdefault(r["kind"], []).append(r["provider"])
    sources = []
    for r in rows:
        wanted = list(r["piece_platforms"] or r["angle_platforms"] or platform_rules.platforms())
        todo = [p for p in wanted if p not in done.get(r["content_id"], set())]
        if not todo:
            continue
        script = r["script"] if isinstance(r["script"], dict) else json.loads(r["script"] or "{}")
        term = r["term"] or ""
        keywords = [k for k in (r["observed_terms"] or []) if k and k.casefold() != term.casefold()]
        sources.append(ContentSource(
            content_id=r["content_id"], title=r["title"] or script.get("title") or r["angle_title"] or term,
            script=script, renditions=renditions.get(r["content_id"], []), platforms=todo, term=term,
            category=r["category"] or "general", category_id=r["category_id"], keywords=keywords[:20],
            thumbnail_key=r["thumbnail_key"], storyboard_key=r["storyboard_key"], trending_sound=r["trending_sound"], language=r["language"],
            tier=r["tier"], media_providers=media_providers.get(r["content_id"], {}),
        ))
    return sources


def package_key(content_id: str, platform: str) -> str:
    return storage.key("packages", content_id, f"{platform}.json")


def save_package(root: Any, package: PlatformPackage) -> str:
    object_key = package_key(package.content_id, package.platform)
    storage.put_bytes(root, object_key, json.dumps(asdict(package), ensure_ascii=False).encode("utf-8"))
    return object_key


def load_package(root: Any, object_key: str) -> PlatformPackage:
    return PlatformPackage(**json.loads(storage.get_bytes(root, object_key)))
