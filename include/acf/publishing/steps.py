"""The two steps of the acf_publish DAG, as plain functions (the DAG only wires them).

``build_targets`` turns ready content into stored packages, one target per
(content, platform); ``publish_target`` publishes one target through the
uploader the tier chooses. The platform's own uploader comes from the caller
(``platform_uploader(platform) -> Uploader | None``: the DAG passes
``hooks.configured.platform_uploader``), so nothing here imports a hook.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

import psycopg

from acf import db, registry
from acf.publishing import content, ledger, schedule
from acf import platform_rules
from acf.publishing.optimizer import ContentOptimizer
from acf.publishing.outbox import OutboxUploader
from acf.publishing.publisher import Uploader, publish

def build_targets(conn: psycopg.Connection, root: Any, content_ids: list[str] | None = None,
                  limit: int = 200, platforms: list[str] | None = None,
                  ai_disclosure: str = "auto") -> dict[str, Any]:
    """Packages for every ready (content, platform) not yet published (only ``platforms`` when given).

    Returns ``{platform: [target, ...] for each platform, "review": markdown}``;
    a target is a small dict (content id, platform, tier, package key, title).
    ``ai_disclosure`` (auto | always | never) decides whether packages declare AI-made media.
    """
    optimizer = ContentOptimizer()
    targets: dict[str, list[dict]] = {p: [] for p in platform_rules.platforms()}
    review = []
    for source in content.ready_sources(conn, content_ids, limit):
        source.ai_disclosure = ai_disclosure
        if platforms is not None:
            source.platforms = [p for p in source.platforms if p in platforms]
        packages, refused = optimizer.packages(source)
        for platform, reason in refused:
            ledger.refuse(conn, source.content_id, platform, reason)
            db.quarantine(conn, "publishing.optimize", reason, {"content_id": source.content_id, "platform": platform},
                          source=platform)
        for package in packages:
            key = content.save_package(root, package)
            targets.setdefault(package.platform, []).append({
                "content_id": package.content_id, "platform": package.platform, "tier": source.tier,
                "package_key": key, "title": package.title,
            })
            review.append(f"- **{package.platform}** `{package.content_id}`: {package.title}  \n"
                          f"  video `{package.rendition_key}`, thumbnail `{package.thumbnail_key}`"
                          + (f", storyboard `{source.storyboard_key}`" if source.storyboard_key else "")
                          + _brief_lines(source))
    conn.commit()
    return {**targets, "review": "\n".join(review) or "nothing to publish"}


def _brief_lines(source, limit: int = 4) -> str:
    """The facts the script cites, for the person approving it: what it claims and where that is from."""
    facts = [f for f in (source.script or {}).get("facts") or [] if isinstance(f, dict)]
    if not facts:
        return "  \n  brief: no facts cited"
    lines = [f"  \n  {f.get('fact_id')} ({f.get('kind')}, {f.get('source')}): {str(f.get('text'))[:120]}"
             for f in facts[:limit]]
    more = f"  \n  ... and {len(facts) - limit} more" if len(facts) > limit else ""
    return "".join(lines) + more


def choose_uploader(platform: str, tier: str, root: Any,
                    platform_uploader: Callable[[str], Uploader | None] | None = None) -> Uploader:
    """The tier's publish chain: ``platform`` when its Connection is configured, else ``outbox``.

    A configured platform that then fails does NOT fall back to the outbox:
    that would report a post that never went out.
    """
    for provider in registry.chain(tier, "publish"):
        if provider == "outbox":
            return OutboxUploader(root, platform)
        if provider == "platform" and platform_uploader is not None:
            uploader = platform_uploader(platform)
            if uploader is not None:
                return uploader
    return OutboxUploader(root, platform)


def publish_target(conn: psycopg.Connection, root: Any, target: dict,
                   platform_uploader: Callable[[str], Uploader | None] | None = None, *,
                   publish_at: str | datetime | None = None, now: datetime | None = None) -> dict:
    """Publish one target (see :func:`acf.publishing.publisher.publish`); ``publish_at`` is an ISO time or empty.

    A scheduled time is written into the stored package too (``extra.scheduled_at``), so
    ``packages/<content_id>/<platform>.json`` says when the post goes live.
    """
    package = content.load_package(root, target["package_key"])
    uploader = choose_uploader(target["platform"], target.get("tier", "offline"), root, platform_uploader)
    result = publish(conn, package, uploader, package_key=target["package_key"], now=now,
                     publish_at=schedule.parse_time(publish_at))
    if result.scheduled_at and package.extra.get("scheduled_at") != result.scheduled_at:
        package.extra["scheduled_at"] = result.scheduled_at
        content.save_package(root, package)
    return asdict(result)


def processing_failed(conn: psycopg.Connection, publication_id: str, platform: str) -> dict:
    """The platform said it could not process the video (seen by a trigger): the post failed, as a
    failure seen by the uploader's own polling does; a later run may post it again (new attempt)."""
    ledger.mark(conn, publication_id, "failed", error=f"{platform}: the platform failed to process the video")
    conn.commit()
    row = ledger.get(conn, publication_id)
    return {k: row[k] for k in ("publication_id", "platform", "state", "external_id", "url", "error")} | {
        "scheduled_at": row["scheduled_at"].isoformat() if row["scheduled_at"] else None}


def summary(conn: psycopg.Connection, now: datetime | None = None) -> dict:
    """The ledger by state, and the posts waiting for their time (content, platform, when, held by the
    platform or waiting on the triggerer). Posts a platform held past their time count as published."""
    ledger.promote_scheduled(conn, now or datetime.now(timezone.utc))
    conn.commit()
    waiting = [{"content_id": r["content_id"], "platform": r["platform"], "scheduled_at": r["scheduled_at"].isoformat(),
                "held_by_platform": r["held"]} for r in ledger.scheduled(conn)]
    return {**ledger.counts(conn), "scheduled_posts": waiting}



class NothingToPublishError(LookupError):
    """The content piece is not ready, or the platform is not one it was made for."""


def target_for(conn: psycopg.Connection, root: Any, content_id: str, platform: str,
               ai_disclosure: str = "auto") -> dict | None:
    """The package target of one ready piece for one platform; None when there is nothing left to post
    there (published, refused for good, rejected, scheduled) or it is not ready."""
    if platform not in platform_rules.platforms():
        raise ValueError(f"unknown platform {platform!r}; known: {', '.join(platform_rules.platforms())}")
    targets = build_targets(conn, root, [content_id], 1, [platform], ai_disclosure)[platform]
    return targets[0] if targets else None


def publication_of(conn: psycopg.Connection, content_id: str, platform: str) -> dict:
    """The ledger's newest word on (content, platform), for a piece with nothing left to post there."""
    rows = db.fetch_dicts(conn, "SELECT publication_id, platform, state, external_id, url, error, scheduled_at"
                                " FROM acf.publications WHERE content_id = %s AND platform = %s"
                                " ORDER BY updated_at DESC LIMIT 1", (content_id, platform))
    if not rows:
        raise NothingToPublishError(f"content {content_id!r} is not ready, or was not made for {platform}")
    row = rows[0]
    return {**row, "scheduled_at": row["scheduled_at"].isoformat() if row["scheduled_at"] else None}


def publish_content(conn: psycopg.Connection, root: Any, content_id: str, platform: str,
                    ai_disclosure: str = "auto",
                    platform_uploader: Callable[[str], Uploader | None] | None = None, *,
                    publish_at: str | datetime | None = None) -> dict:
    """Package one ready content piece for one platform and publish it, through the same ledger as
    ``acf_publish`` (never twice, quotas defer, reruns resume): ``build_targets`` then ``publish_target``.

    A piece already published there (or refused for good) returns its ledger row instead of posting again.
    """
    target = target_for(conn, root, content_id, platform, ai_disclosure)
    if target:
        return publish_target(conn, root, target, platform_uploader, publish_at=publish_at)
    return publication_of(conn, content_id, platform)
