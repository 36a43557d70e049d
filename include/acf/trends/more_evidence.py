"""More evidence for the run's top trends, best effort: the top comments under their Reddit posts and posts
on X from a recent search of their terms.

    summary = gather(conn, root, interval_start=start, calls=EvidenceCalls(comments=..., posts=...))

``calls.comments(post_id, limit) -> bytes`` is Reddit's ``GET /comments/<id>`` and ``calls.posts(query,
max_results) -> bytes`` X's ``GET /2/tweets/search/recent``; None replays the bundled sample. Each answer is
stored as received (``raw/reddit/<date>/ZZ/<interval>-comments-<post>.json``, ``raw/x/<date>/ZZ/<interval>
-posts-<hash>.json``) and a rerun of the interval reads it back instead of asking again. A failed call costs
only its own evidence: it is reported in ``errors`` and the rest goes on. The requests are few and bounded
by :class:`Limits` (the Reddit Connection's ``comment_trends`` and ``comments_per_post`` extras, the X
Connection's ``post_terms`` and ``post_cap``: the posts read per run, never more).
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import psycopg

from acf import db, storage
from acf.redaction import redact
from acf.trends import evidence
from acf.trends.models import NO_REGION

log = logging.getLogger(__name__)
TOP = 20   # the run's top trends this step reads evidence for


@dataclass(frozen=True)
class Limits:
    comment_trends: int = 6       # trends whose most-upvoted Reddit post has its comments read: one request each
    comments_per_post: int = 5
    post_terms: int = 5           # terms searched on X: one request each
    post_cap: int = 100           # posts read from X per run (X's recent search sends 10 to 100 per request)


@dataclass(frozen=True)
class EvidenceCalls:
    comments: Callable[[str, int], bytes] | None = None
    posts: Callable[[str, int], bytes] | None = None
    limits: Limits = field(default_factory=Limits)


def top_trends(conn: psycopg.Connection, interval_start: datetime, n: int = TOP) -> list[dict]:
    """The interval's best-scored trends, with how much evidence each has and its best Reddit post."""
    return db.fetch_dicts(
        conn,
        "SELECT t.trend_id, t.term, t.score,"
        " (SELECT count(*) FROM acf.trend_evidence e WHERE e.trend_id = t.trend_id) AS evidence,"
        " (SELECT e.item_id FROM acf.trend_evidence e WHERE e.trend_id = t.trend_id AND e.kind = 'post'"
        "   AND e.source = 'reddit' AND e.flag IS NULL AND e.item_id IS NOT NULL"
        "   ORDER BY CASE WHEN e.metrics->>'score' ~ '^[0-9]{1,15}$' THEN (e.metrics->>'score')::bigint END"
        "   DESC NULLS LAST LIMIT 1) AS reddit_post"
        " FROM acf.trends t WHERE t.trend_id IN"
        "  (SELECT DISTINCT trend_id FROM acf.trend_region_stats WHERE interval_start = %s)"
        " ORDER BY t.score DESC, t.trend_id LIMIT %s",
        (interval_start, n),
    )


def plan(trends: list[dict], limits: Limits) -> tuple[list[dict], list[dict], int]:
    """(trends whose post gets its comments read, trends searched on X, posts asked per search).

    X's terms go first to the top trends with no evidence at all, then by score; the posts per search
    keep the run within ``post_cap`` (X answers 10 to 100 per request, so fewer terms when the cap is small).
    """
    commented = [t for t in trends if t["reddit_post"]][:max(0, limits.comment_trends)]
    terms = max(0, min(limits.post_terms, limits.post_cap // 10))
    searched = sorted(trends, key=lambda t: (t["evidence"] > 0, -t["score"]))[:terms]
    per_search = max(10, min(100, limits.post_cap // len(searched))) if searched else 0
    return commented, searched, per_search


def _answer(root: Any, key: str, call: Callable[[], bytes]) -> bytes:
    if storage.exists(root, key):
        return storage.get_bytes(root, key)
    return call()


def gather(conn: psycopg.Connection, root: Any, *, interval_start: datetime, calls: EvidenceCalls | None = None,
           run_id: str | None = None, observed_at: datetime | None = None) -> dict:
    """Read comments and posts on X for the interval's top trends and store them as evidence; returns counts."""
    from acf.trends.pipeline import raw_key
    from acf.trends.sources import reddit, x

    calls = calls or EvidenceCalls()
    limits = calls.limits
    observed_at = observed_at or datetime.now(timezone.utc)
    trends = top_trends(conn, interval_start)
    commented, searched, per_search = plan(trends, limits)
    found: list[evidence.Evidence] = []
    errors: list[str] = []
    asked = {"comments": 0, "x_posts": 0}

    def read(what: str, key: str, call: Callable[[], bytes], reader: Callable[[Any], list], trend_id: str) -> None:
        import json

        try:
            stored = storage.exists(root, key)
            answer = _answer(root, key, call)
            items = reader(json.loads(answer))   # not the API's shape: not stored, asked again next run
        except Exception as exc:  # noqa: BLE001 - evidence is best effort: a failure costs only this answer
            message = redact(f"{what}: {type(exc).__name__}: {exc}")[:300]
            log.warning("evidence not read: %s", message)
            errors.append(message)
            return
        if not stored:
            storage.put_bytes(root, key, answer)
            asked["comments" if what.startswith("reddit") else "x_posts"] += 1
        for item in items:
            item.trend_id, item.raw_key = trend_id, key
        found.extend(items)

    for trend in commented:
        post = trend["reddit_post"]
        key = raw_key("reddit", NO_REGION, interval_start, f"comments-{post}")
        fetch = (lambda post=post: calls.comments(post, limits.comments_per_post)) if calls.comments else \
            (lambda post=post: reddit.sample_comments(post, observed_at, limit=limits.comments_per_post))
        read(f"reddit comments of {post}", key, fetch,
             lambda answer: evidence.reddit_comments(answer, per_post=limits.comments_per_post), trend["trend_id"])
    for trend in searched:
        query = search_query(trend["term"])
        if query is None:
            continue
        key = raw_key("x", NO_REGION, interval_start, f"posts-{hashlib.sha256(query.encode()).hexdigest()[:12]}")
        fetch = (lambda query=query: calls.posts(query, per_search)) if calls.posts else \
            (lambda query=query: x.sample_search(query, observed_at, max_results=per_search))
        read(f"x recent search {query[:60]!r}", key, fetch, evidence.x_posts, trend["trend_id"])

    with conn.transaction():
        counts = evidence.store(conn, found, seen_at=observed_at, run_id=run_id)
    covered = db.fetch_dicts(conn, "SELECT count(DISTINCT trend_id) AS n FROM acf.trend_evidence WHERE trend_id = ANY(%s)",
                             ([t["trend_id"] for t in trends],))[0]["n"]
    summary = {
        "top_trends": len(trends), "with_evidence": int(covered),
        "comments_read": sum(1 for item in found if item.kind == "comment"),
        "x_posts_read": sum(1 for item in found if item.kind == "x_post"),
        "requests": asked, "posts_per_search": per_search, "errors": errors, **counts,
    }
    log.info("evidence for the top %d trends: %d with evidence; %d comments, %d posts on X read (%s new requests);"
             " %d stored, %d quarantined, %d errors", summary["top_trends"], summary["with_evidence"],
             summary["comments_read"], summary["x_posts_read"], asked, counts["evidence"],
             counts["evidence_quarantined"], len(errors))
    return summary


def search_query(term: str) -> str | None:
    """The recent-search query for a trend's term: the term as a phrase, retweets left out."""
    from acf.trends.signals import MAX_QUERY_CHARS, x_query

    query = x_query(term)
    if query is None:
        return None
    query = f"{query} -is:retweet"
    return query if len(query) <= MAX_QUERY_CHARS else None
