"""Publish one package through one uploader, reconciling with the ledger first.

An *uploader* is anything with ``platform``, ``account`` and two methods:

- ``lookup(package, upload_state, marker) -> UploadOutcome | None``: is the post
  already there (or still processing)? Called before any new post.
- ``upload(package, upload_state, marker, checkpoint) -> UploadOutcome``: post it,
  resuming from ``upload_state``, calling ``checkpoint(new_state)`` whenever the
  platform hands out something a resume needs.

The hooks in ``plugins/hooks`` (YouTube, TikTok, Instagram, Facebook) and the
offline :class:`acf.publishing.outbox.OutboxUploader` all fit.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import psycopg

from acf.publishing import ledger, quotas
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


def _result(row: dict) -> PublicationResult:
    return PublicationResult(row["publication_id"], row["platform"], row["state"], row["external_id"],
                             row["url"], row["error"])


def publish(conn: psycopg.Connection, package: PlatformPackage, uploader: Uploader, *,
            package_key: str | None = None, now: datetime | None = None,
            use_quota: bool = True) -> PublicationResult:
    """Publish ``package`` at most once for (content, platform, account); commits as it goes.

    Returns the ledger's final word. Transient errors (network, 5xx after the
    hook's own retries) are re-raised after the state is saved, so the task's
    retry resumes; quota, re-authorisation and permanent refusals are recorded
    and returned, not raised.
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
        if row["state"] == "published":
            return _result(row)
        if row["state"] == "deferred" and row["deferred_until"] and row["deferred_until"] > now:
            return _result(row)
        if row["state"] == "failed" and row["attempts"] >= ledger.MAX_ATTEMPTS:
            return _result(row)
        try:
            return _publish_locked(conn, row, package, uploader, now, use_quota)
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
        if found is not None and found.state == "published":
            ledger.mark(conn, pub_id, "published", external_id=found.external_id, url=found.url)
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
    ledger.mark(conn, pub_id, outcome.state, external_id=outcome.external_id, url=outcome.url)
    conn.commit()
    return _result(ledger.get(conn, pub_id))
