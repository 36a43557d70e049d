"""Platform quotas kept in PostgreSQL: spend units, or learn when the next window opens.

Limits are data (``quotas`` in platform_rules.yaml). A ``rolling`` window counts
the spend of the last ``seconds``; ``day_pacific`` counts since midnight Pacific
time (YouTube's reset). A platform that answers "quota exceeded" records a
block (:func:`block`) that holds until its reset. Work beyond a quota gets a
``retry_at`` and is deferred, never failed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import psycopg

from acf import platform_rules

PACIFIC = ZoneInfo("America/Los_Angeles")


@dataclass(frozen=True)
class QuotaDecision:
    granted: bool
    retry_at: datetime | None = None
    bucket: str | None = None
    reason: str | None = None


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def next_pacific_midnight(now: datetime) -> datetime:
    local = now.astimezone(PACIFIC)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return tomorrow.astimezone(timezone.utc)


def window_start(rule: dict, now: datetime) -> datetime:
    if rule["window"] == "day_pacific":
        local = now.astimezone(PACIFIC)
        return datetime.combine(local.date(), time(0), tzinfo=PACIFIC).astimezone(timezone.utc)
    if rule["window"] == "rolling":
        return now - timedelta(seconds=rule["seconds"])
    raise ValueError(f"unknown quota window {rule['window']!r}")


def _lock(conn: psycopg.Connection, platform: str, account: str) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('acf.quota:' || %s || ':' || %s))", (platform, account))


def _retry_at(conn, platform: str, account: str, rule: dict, used: int, now: datetime) -> datetime:
    if rule["window"] == "day_pacific":
        return next_pacific_midnight(now)
    # Rolling: the moment enough of the oldest spend leaves the window.
    rows = conn.execute(
        "SELECT spent_at, units FROM acf.quota_spend WHERE platform = %s AND account = %s AND bucket = %s"
        " AND spent_at > %s AND spent_at <= %s ORDER BY spent_at",
        (platform, account, rule["bucket"], window_start(rule, now), now),
    ).fetchall()
    remaining = used
    for spent_at, units in rows:
        remaining -= units
        if remaining + rule["cost"] <= rule["limit"]:
            return spent_at + timedelta(seconds=rule["seconds"])
    return now + timedelta(seconds=rule["seconds"])


def reserve(conn: psycopg.Connection, platform: str, account: str, publication_id: str | None = None,
            now: datetime | None = None, quota_rules: list[dict] | None = None) -> QuotaDecision:
    """Spend one post's worth of every quota bucket of the platform, or say when to come back.

    All buckets are checked before any is spent, under an advisory lock per
    (platform, account), inside the caller's transaction (the caller commits).
    """
    now = now or now_utc()
    quota_rules = quota_rules if quota_rules is not None else platform_rules.for_platform(platform).get("quotas", [])
    _lock(conn, platform, account)
    blocked = conn.execute(
        "SELECT bucket, blocked_until, reason FROM acf.quota_blocks WHERE platform = %s AND account = %s"
        " AND blocked_until > %s ORDER BY blocked_until DESC LIMIT 1",
        (platform, account, now),
    ).fetchone()
    if blocked:
        return QuotaDecision(False, blocked[1], blocked[0], f"{platform} said: {blocked[2]}")
    for rule in quota_rules:
        used = spent(conn, platform, account, rule, now)
        if used + rule["cost"] > rule["limit"]:
            retry_at = _retry_at(conn, platform, account, rule, used, now)
            return QuotaDecision(False, retry_at, rule["bucket"],
                                 f"{platform} {rule['bucket']} quota used ({used}/{rule['limit']}) until {retry_at.isoformat()}")
    for rule in quota_rules:
        conn.execute(
            "INSERT INTO acf.quota_spend (platform, account, bucket, units, publication_id, spent_at)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (platform, account, rule["bucket"], rule["cost"], publication_id, now),
        )
    return QuotaDecision(True)


def block(conn: psycopg.Connection, platform: str, account: str, bucket: str, until: datetime, reason: str) -> None:
    """The platform refused for quota: nothing more is sent on this account until ``until``."""
    conn.execute(
        "INSERT INTO acf.quota_blocks (platform, account, bucket, blocked_until, reason) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (platform, account, bucket) DO UPDATE"
        " SET blocked_until = greatest(acf.quota_blocks.blocked_until, excluded.blocked_until), reason = excluded.reason",
        (platform, account, bucket, until, reason[:500]),
    )


def spent(conn: psycopg.Connection, platform: str, account: str, rule: dict, now: datetime | None = None) -> int:
    """Units of ``rule``'s bucket spent in its current window."""
    now = now or now_utc()
    return int(conn.execute(
        "SELECT coalesce(sum(units), 0) FROM acf.quota_spend WHERE platform = %s AND account = %s"
        " AND bucket = %s AND spent_at > %s AND spent_at <= %s",
        (platform, account, rule["bucket"], window_start(rule, now), now),
    ).fetchone()[0])


def usage(conn: psycopg.Connection, platform: str, account: str, now: datetime | None = None) -> dict[str, int]:
    return {rule["bucket"]: spent(conn, platform, account, rule, now)
            for rule in platform_rules.for_platform(platform).get("quotas", [])}
