"""The publication ledger (acf.publications): one row per (content, platform, account), never posted twice.

States: pending -> uploading -> processing -> published, or deferred (quota, with
``deferred_until``), failed (permanent, with ``error``), needs_reauth (a person
must renew the account's token), scheduled (``scheduled_at``: the platform holds
the post until then, or the task waits for that slot on the triggerer), rejected
(a person refused the piece at approval: never posted). ``upload_state`` holds what a resumed upload
needs (session URI, confirmed bytes, container or publish id), committed as soon
as the platform hands it out, so a rerun resumes or looks the post up instead
of posting again. A session advisory lock per publication keeps two workers off
the same row; it dies with the worker's connection, so a killed worker never
leaves it stuck.
"""
from __future__ import annotations

import json
from datetime import datetime

import psycopg

from acf.db import fetch_dicts
from acf.ids import stable_id

STATES = ("pending", "uploading", "processing", "published", "failed", "deferred", "needs_reauth", "scheduled",
          "rejected")
NO_ACCOUNT = "n/a"  # rows about the piece rather than an account's post: refused, rejected
MAX_ATTEMPTS = 5


def publication_id(content_id: str, platform: str, account: str) -> str:
    return stable_id("pub", content_id, platform, account)


def marker(pub_id: str) -> str:
    """A short, stable tag of the publication, used to find the post again on the platform."""
    return "acf" + pub_id.split("_", 1)[1][:10]


def ensure(conn: psycopg.Connection, content_id: str, platform: str, account: str,
           package_key: str | None = None) -> dict:
    """The ledger row of (content, platform, account), created as pending if new."""
    pub_id = publication_id(content_id, platform, account)
    conn.execute(
        "INSERT INTO acf.publications (publication_id, content_id, platform, account, state, package_key, marker)"
        " VALUES (%s, %s, %s, %s, 'pending', %s, %s)"
        " ON CONFLICT (content_id, platform, account) DO UPDATE"
        " SET package_key = coalesce(excluded.package_key, acf.publications.package_key)",
        (pub_id, content_id, platform, account, package_key, marker(pub_id)),
    )
    return get(conn, pub_id)


def get(conn: psycopg.Connection, pub_id: str) -> dict:
    rows = fetch_dicts(conn, "SELECT * FROM acf.publications WHERE publication_id = %s", (pub_id,))
    if not rows:
        raise KeyError(f"no publication {pub_id}")
    return rows[0]


def try_lock(conn: psycopg.Connection, pub_id: str) -> bool:
    return bool(conn.execute("SELECT pg_try_advisory_lock(hashtext('acf.pub:' || %s))", (pub_id,)).fetchone()[0])


def unlock(conn: psycopg.Connection, pub_id: str) -> None:
    conn.execute("SELECT pg_advisory_unlock(hashtext('acf.pub:' || %s))", (pub_id,))


def mark(conn: psycopg.Connection, pub_id: str, state: str, *, external_id: str | None = None,
         url: str | None = None, error: str | None = None, deferred_until: datetime | None = None,
         count_attempt: bool = False, scheduled_at: datetime | None = None) -> None:
    """Set the row's state; ``scheduled_at`` is kept unless a new one is given."""
    if state not in STATES:
        raise ValueError(f"unknown publication state {state!r}")
    conn.execute(
        "UPDATE acf.publications SET state = %s,"
        " external_id = coalesce(%s, external_id), url = coalesce(%s, url), error = %s,"
        " deferred_until = %s, attempts = attempts + %s, updated_at = now(),"
        " scheduled_at = coalesce(%s, scheduled_at),"
        " published_at = CASE WHEN %s = 'published' THEN coalesce(published_at, now()) ELSE published_at END"
        " WHERE publication_id = %s",
        (state, external_id, url, error, deferred_until, 1 if count_attempt else 0, scheduled_at, state, pub_id),
    )


def save_upload_state(conn: psycopg.Connection, pub_id: str, upload_state: dict) -> None:
    conn.execute(
        "UPDATE acf.publications SET upload_state = %s::jsonb, updated_at = now() WHERE publication_id = %s",
        (json.dumps(upload_state), pub_id),
    )


def counts(conn: psycopg.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT state, count(*) FROM acf.publications GROUP BY state").fetchall())


def scheduled(conn: psycopg.Connection, limit: int = 50) -> list[dict]:
    """Posts waiting for their time, soonest first: content, platform, when, and whether the platform holds it."""
    return fetch_dicts(conn, "SELECT content_id, platform, account, scheduled_at, external_id IS NOT NULL AS held"
                             " FROM acf.publications WHERE state = 'scheduled' ORDER BY scheduled_at, content_id"
                             " LIMIT %s", (limit,))


def promote_scheduled(conn: psycopg.Connection, now: datetime) -> int:
    """Posts a platform held until a time now past are live: mark them published (at their scheduled time)."""
    return conn.execute(
        "UPDATE acf.publications SET state = 'published', published_at = scheduled_at, updated_at = now()"
        " WHERE state = 'scheduled' AND external_id IS NOT NULL AND scheduled_at <= %s", (now,)).rowcount


def reject(conn: psycopg.Connection, content_id: str, platform: str, reason: str) -> None:
    """A person refused the piece for the platform: it is never posted there, by this run or a later one."""
    pub_id = publication_id(content_id, platform, NO_ACCOUNT)
    conn.execute(
        "INSERT INTO acf.publications (publication_id, content_id, platform, account, state, error, marker)"
        " VALUES (%s, %s, %s, %s, 'rejected', %s, %s) ON CONFLICT (content_id, platform, account) DO UPDATE"
        " SET state = 'rejected', error = excluded.error, updated_at = now()"
        " WHERE acf.publications.state NOT IN ('published', 'scheduled')",
        (pub_id, content_id, platform, NO_ACCOUNT, reason[:1000], marker(pub_id)),
    )


def is_rejected(conn: psycopg.Connection, content_id: str, platform: str) -> bool:
    return conn.execute("SELECT 1 FROM acf.publications WHERE content_id = %s AND platform = %s"
                        " AND state = 'rejected'", (content_id, platform)).fetchone() is not None


def refuse(conn: psycopg.Connection, content_id: str, platform: str, reason: str) -> None:
    """Record that the piece cannot go to the platform (no fitting rendition...), so it is not tried again."""
    pub_id = publication_id(content_id, platform, NO_ACCOUNT)
    conn.execute(
        "INSERT INTO acf.publications (publication_id, content_id, platform, account, state, error, attempts, marker)"
        " VALUES (%s, %s, %s, %s, 'failed', %s, %s, %s) ON CONFLICT (content_id, platform, account) DO NOTHING",
        (pub_id, content_id, platform, NO_ACCOUNT, reason[:1000], MAX_ATTEMPTS, marker(pub_id)),
    )
