"""Publish one package through one uploader, reconciling with the ledger first.

An *uploader* is anything with ``platform``, ``account`` and two methods:

- ``lookup(package, upload_state, marker) -> UploadOutcome | None``: is the post
  already there (or still processing)? Called before any new post.
- ``upload(package, upload_state, marker, checkpoint) -> UploadOutcome``: post it,
  resuming from ``upload_state``, calling ``checkpoint(new_state)`` whenever the
  platform hands out something a resume needs.

The hooks in ``plugins/hooks`` (YouTube, TikTok, Instagram, Facebook) and the
offline :class:`acf.publishing.outbox.OutboxUploader` all fit. Optional attributes:
``timezone`` (the account's, for posting windows), ``native_schedule`` (scheduling
limits when they differ from the platform's rules: the outbox holds anything) and
``processing_keys`` (the upload-state ids a trigger polls while the platform processes).

Scheduled publishing (``publish_at`` and the platform's posting windows,
:mod:`acf.publishing.schedule`): a platform that holds posts gets the slot in
``package.extra["scheduled_at"]`` and the row ends ``scheduled``; for one that cannot,
the row is marked ``scheduled`` and the result says ``wait_until``: the caller comes
back then (on the triggerer) and calls again.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import psycopg

from acf.publishing import ledger, quotas, schedule
from acf.publishing.errors import (
    NeedsReauthError, NotPublishableError, PermanentPublishError, QuotaExceededError,
)
from acf.publishing.models import PlatformPackage, PublicationResult, UploadOutcome


class Uploader(Protocol):
    platform: str
    account: str

    def lookup(self, package: PlatformPackage, upload_state: dict, marker: str) -> UploadOutcome | None: ...

    def upload(self, package: PlatformPackage, upload_state: dict, marker: str,
               checkpoint: Callable[[dict], None]) -> UploadOutcome: ...


def _result(row: dict, **extra) -> PublicationResult:
    scheduled_at = row.get("scheduled_at")
    return PublicationResult(row["publication_id"], row["platform"], row["state"], row["external_id"],
                             row["url"], row["error"],
                             scheduled_at=scheduled_at.isoformat() if scheduled_at else None, **extra)


def _waiting_on(row: dict, uploader: Uploader) -> dict | None:
    """The ids of a post the platform is still processing, for a trigger to poll (never a token or URL)."""
    if row["state"] != "processing":
        return None
    state = row["upload_state"] or {}
    keys = getattr(uploader, "processing_keys", ())
    found = {key: state[key] for key in keys if state.get(key)}
    return found or None


def publish(conn: psycopg.Connection, package: PlatformPackage, uploader: Uploader, *,
            package_key: str | None = None, now: datetime | None = None,
            use_quota: bool = True, publish_at: datetime | None = None) -> PublicationResult:
    """Publish ``package`` at most once for (content, platform, account); commits as it goes.

    Returns the ledger's final word. Transient errors (network, 5xx after the
    hook's own retries) are re-raised after the state is saved, so the task's
    retry resumes; quota, re-authorisation and permanent refusals are recorded
    and returned, not raised. ``publish_at`` (aware) asks for a time; the
    platform's posting windows apply either way. A piece a person rejected is
    never posted.
    """
    now = now or quotas.now_utc()
    row = ledger.ensure(conn, package.content_id, package.platform, uploader.account, package_key)
    pub_id = row["publication_id"]
    conn.commit()
    if not ledger.try_lock(conn, pub_id):
        conn.commit()
        return PublicationResult(pub_id, package.platform, "processing", error="another worker is publishing it")
    try:
        row = ledger.get(conn, pub_id)
        if row["state"] in ("published", "rejected") or (row["state"] == "scheduled" and row["external_id"]):
            return _result(row)
        if row["state"] == "deferred" and row["deferred_until"] and row["deferred_until"] > now:
            return _result(row)
        if row["state"] == "failed" and row["attempts"] >= ledger.MAX_ATTEMPTS:
            return _result(row)
        if ledger.is_rejected(conn, package.content_id, package.platform):
            ledger.mark(conn, pub_id, "rejected", error="rejected at approval")
            conn.commit()
            return _result(ledger.get(conn, pub_id))
        started = bool(row["upload_state"]) or row["state"] in ("uploading", "processing")
        if not started:
            plan = _plan(package, uploader, publish_at, now)
            if plan.how == "wait":
                ledger.mark(conn, pub_id, "scheduled", scheduled_at=plan.slot)
                conn.commit()
                return _result(ledger.get(conn, pub_id), wait_until=plan.wait_until.isoformat())
            if plan.how == "native":
                package.extra["scheduled_at"] = plan.slot.isoformat()
        elif row["scheduled_at"] and row["scheduled_at"] > now:
            package.extra["scheduled_at"] = row["scheduled_at"].isoformat()  # what the interrupted upload asked
        try:
            result = _publish_locked(conn, row, package, uploader, now, use_quota)
            if result.state == "processing":
                result.waiting_on = _waiting_on(ledger.get(conn, pub_id), uploader)
            return result
        except NeedsReauthError as exc:
            conn.rollback()
            ledger.mark(conn, pub_id, "needs_reauth", error=str(exc))
        except QuotaExceededError as exc:
            conn.rollback()
            quotas.block(conn, package.platform, uploader.account, exc.bucket, exc.retry_at, str(exc))
            ledger.mark(conn, pub_id, "deferred", error=str(exc), deferred_until=exc.retry_at)
        except (PermanentPublishError, NotPublishableError) as exc:
            conn.rollback()
            ledger.mark(conn, pub_id, "failed", error=str(exc))
        except Exception as exc:
            # Keep the saved upload state (committed by checkpoints); note why and let the task retry.
            conn.rollback()
            ledger.mark(conn, pub_id, "uploading", error=f"{type(exc).__name__}: {exc}"[:1000])
            conn.commit()
            raise
        conn.commit()
        return _result(ledger.get(conn, pub_id))
    finally:
        try:
            conn.rollback()
            ledger.unlock(conn, pub_id)
            conn.commit()
        except psycopg.Error:
            pass


def _publish_locked(conn, row: dict, package: PlatformPackage, uploader: Uploader, now: datetime,
                    use_quota: bool) -> PublicationResult:
    pub_id = row["publication_id"]
    upload_state = dict(row["upload_state"] or {})
    # Reconcile before posting: a kill or a lost answer may have left the post live or processing.
    if row["state"] != "pending" or upload_state:
        found = uploader.lookup(package, upload_state, row["marker"])
        if found is not None and found.state in ("published", "scheduled", "processing"):
            # Processing: the post is with the platform; finishing it again would send the publish twice.
            _record(conn, pub_id, found, package)
            conn.commit()
            return _result(ledger.get(conn, pub_id))
    # Quota is spent once per post: a resumed upload already paid for it.
    if use_quota and not upload_state.get("quota_spent"):
        decision = quotas.reserve(conn, package.platform, uploader.account, pub_id, now)
        if not decision.granted:
            ledger.mark(conn, pub_id, "deferred", error=decision.reason, deferred_until=decision.retry_at)
            conn.commit()
            return _result(ledger.get(conn, pub_id))
        upload_state["quota_spent"] = now.isoformat()
        ledger.save_upload_state(conn, pub_id, upload_state)
    ledger.mark(conn, pub_id, "uploading", count_attempt=True)
    conn.commit()

    def checkpoint(new_state: dict) -> None:
        upload_state.update(new_state)
        ledger.save_upload_state(conn, pub_id, upload_state)
        conn.commit()

    outcome = uploader.upload(package, upload_state, row["marker"], checkpoint)
    _record(conn, pub_id, outcome, package)
    conn.commit()
    return _result(ledger.get(conn, pub_id))


def _record(conn, pub_id: str, outcome, package: PlatformPackage) -> None:
    scheduled_at = schedule.parse_time(package.extra.get("scheduled_at"))
    state = outcome.state
    if state == "scheduled" and scheduled_at is None:
        state = "published"   # an uploader that says scheduled without a time: it is live
    ledger.mark(conn, pub_id, state, external_id=outcome.external_id, url=outcome.url,
                scheduled_at=scheduled_at if state == "scheduled" else None)


def _plan(package: PlatformPackage, uploader: Uploader, publish_at: datetime | None, now: datetime) -> schedule.Plan:
    """Post now, post now held by the platform until the slot, or wait (see acf.publishing.schedule)."""
    return schedule.plan(schedule.platform_rule(package.platform), publish_at, now, getattr(uploader, "timezone", None),
                         getattr(uploader, "native_schedule", None))
