"""Collect metrics: which posts to measure, ask each platform's fetcher, store the time series.

Storing is idempotent per (publication_id, observed_at): a rerun of the same
collection overwrites the same points. ``observed_at`` is chosen by the caller
(the DAG passes its data interval end, truncated), so a retried run reuses it.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

import psycopg

from acf import db
from acf.analytics.fetchers import MetricsFetcher, MetricsFetchError, SimulatedFetcher
from acf.analytics.models import CollectionReport, MetricSample, PublishedPost

log = logging.getLogger(__name__)

OFFLINE_ACCOUNTS = ("outbox", "local", "offline")

_POSTS_SQL = """
SELECT p.publication_id, p.content_id, p.platform, p.account, p.external_id,
       c.tier, coalesce(t.category, 'general') AS category,
       coalesce(p.published_at, p.updated_at, p.created_at) AS published_at
FROM acf.publications p
JOIN acf.content_pieces c ON c.content_id = p.content_id
LEFT JOIN acf.opportunities o ON o.opportunity_id = c.opportunity_id
LEFT JOIN acf.trends t ON t.trend_id = o.trend_id
WHERE p.state = 'published'
  AND coalesce(p.published_at, p.updated_at, p.created_at) <= %(observed_at)s
ORDER BY p.publication_id
"""


def published_posts(conn: psycopg.Connection, observed_at: datetime) -> list[PublishedPost]:
    """Every publication in state ``published`` by ``observed_at``."""
    return [PublishedPost(**row) for row in db.fetch_dicts(conn, _POSTS_SQL, {"observed_at": observed_at})]


def is_simulated(post: PublishedPost) -> bool:
    """Posts that never reached a platform (outbox packages, no platform id) get simulated metrics.

    The tier says which models made the piece, not where it went: an offline-made video uploaded
    with a real Connection is measured by that platform like any other.
    """
    return post.account in OFFLINE_ACCOUNTS or not post.external_id


def collect(
    posts: Iterable[PublishedPost],
    observed_at: datetime,
    fetchers: Mapping[str, MetricsFetcher] | None = None,
    simulated: MetricsFetcher | None = None,
) -> tuple[list[MetricSample], CollectionReport, list[tuple[str, str, object]]]:
    """Measure posts: offline ones with the simulated fetcher, others with their platform's fetcher.

    Returns (samples, report, rejected) where rejected holds (publication_id, reason, raw)
    for quarantine. A platform without a fetcher or one that fails skips its posts with
    the reason; the other platforms go on.
    """
    fetchers = dict(fetchers or {})
    simulated = simulated or SimulatedFetcher()
    report = CollectionReport()
    rejected: list[tuple[str, str, object]] = []
    offline: list[PublishedPost] = []
    by_platform: dict[str, list[PublishedPost]] = defaultdict(list)
    for post in posts:
        (offline if is_simulated(post) else by_platform[post.platform]).append(post)

    samples = list(simulated.fetch(offline, observed_at))
    report.simulated = len(samples)
    for platform, batch in sorted(by_platform.items()):
        fetcher = fetchers.get(platform)
        if fetcher is None:
            report.skipped += [(p.publication_id, f"no metrics fetcher for {platform}") for p in batch]
            continue
        try:
            got = list(fetcher.fetch(batch, observed_at))
        except MetricsFetchError as exc:
            log.warning("metrics for %s skipped: %s", platform, exc)
            report.skipped += [(p.publication_id, str(exc)) for p in batch]
            continue
        rejected += list(getattr(fetcher, "rejected", []))
        returned = {s.publication_id for s in got}
        rejected_ids = {r[0] for r in rejected}
        report.skipped += [
            (p.publication_id, f"{platform} returned no metrics for {p.external_id}")
            for p in batch
            if p.publication_id not in returned and p.publication_id not in rejected_ids
        ]
        samples += got
    return samples, report, rejected


def store_metrics(conn: psycopg.Connection, samples: Iterable[MetricSample]) -> int:
    """Upsert samples into acf.metrics keyed by (publication_id, observed_at); returns rows written."""
    rows = [
        (s.publication_id, s.observed_at, s.views, s.likes, s.comments, s.shares, s.watch_seconds, s.simulated)
        for s in samples
    ]
    if not rows:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO acf.metrics (publication_id, observed_at, views, likes, comments, shares,"
            " watch_seconds, simulated) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (publication_id, observed_at) DO UPDATE SET views = EXCLUDED.views,"
            " likes = EXCLUDED.likes, comments = EXCLUDED.comments, shares = EXCLUDED.shares,"
            " watch_seconds = EXCLUDED.watch_seconds, simulated = EXCLUDED.simulated",
            rows,
        )
    return len(rows)


def collect_and_store(
    conn: psycopg.Connection,
    observed_at: datetime,
    fetchers: Mapping[str, MetricsFetcher] | None = None,
    run_id: str | None = None,
) -> CollectionReport:
    """The DAG's collect step: measure every published post and store the points."""
    posts = published_posts(conn, observed_at)
    samples, report, rejected = collect(posts, observed_at, fetchers)
    report.stored = store_metrics(conn, samples)
    for publication_id, reason, raw in rejected:
        db.quarantine(conn, "analytics.collect", reason, raw, source=publication_id, run_id=run_id)
    report.skipped += [(pid, reason) for pid, reason, _ in rejected]
    return report


