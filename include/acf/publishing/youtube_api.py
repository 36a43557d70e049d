"""YouTube Data API v3 upload: videos.insert as a resumable upload, then thumbnails.set.

Uses google-api-python-client as it is: ``MediaFileUpload(resumable=True)`` and
``next_chunk()``. After a failed chunk the library asks the server for the
upload's ``Range`` (308) and resumes from there; after a killed worker the
saved session URI is queried the same way (``Content-Range: bytes */size``) and
the upload resumes from the server's ``Range``. The session URI is saved the
moment the server hands it out, and a ``acf…`` marker tag on the video lets a
rerun find a finished upload whose answer was lost.

The discovery document is the one bundled with the library; only its root URL
is set from the Connection, so a loopback stand-in can serve the same protocol.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from acf.publishing.errors import (
    NeedsReauthError, PermanentPublishError, QuotaExceededError, TransientPublishError,
)
from acf.publishing.models import PlatformPackage, UploadOutcome
from acf.publishing.quotas import next_pacific_midnight

DEFAULT_ROOT = "https://youtube.googleapis.com/"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
QUANTUM = 256 * 1024
QUOTA_REASONS = ("quotaExceeded", "uploadLimitExceeded", "dailyLimitExceeded")
RATE_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")
UPLOAD_SCOPE = "https://www.googleapis.com/auth/youtube.upload"


MAX_RETRY_AFTER = 30.0   # seconds: a longer Retry-After defers the post instead of holding the task


def _retry_after(exc) -> float | None:
    """The ``Retry-After`` seconds of an HttpError's response, if it has a number there."""
    try:
        value = (exc.resp or {}).get("retry-after")
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None


def _reason(exc) -> str:
    try:
        body = json.loads(exc.content.decode("utf-8") if isinstance(exc.content, bytes) else exc.content)
        errors = body.get("error", {}).get("errors") or [{}]
        return errors[0].get("reason") or body.get("error", {}).get("status", "")
    except (ValueError, AttributeError):
        return ""


def video_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def _rfc3339(moment: str) -> str:
    """An ISO time as the UTC RFC 3339 string the Data API's datetime fields take."""
    parsed = datetime.fromisoformat(str(moment).replace("Z", "+00:00")).astimezone(timezone.utc)
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def _outcome(package: PlatformPackage, video_id: str) -> UploadOutcome:
    """Uploaded: live now, or held private by YouTube until its publishAt."""
    return UploadOutcome("scheduled" if package.extra.get("scheduled_at") else "published", video_id,
                         video_url(video_id))


def build_service(root_url: str, credentials, timeout: float = 120.0):
    """A ``youtube v3`` client from the bundled discovery document, rooted at ``root_url``."""
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient import discovery
    from googleapiclient.discovery_cache import get_static_doc
    from googleapiclient.http import build_http

    document = json.loads(get_static_doc("youtube", "v3"))
    root = root_url if root_url.endswith("/") else root_url + "/"
    document["rootUrl"] = root
    document["baseUrl"] = root + document.get("servicePath", "")
    transport = build_http()  # the library's own transport: it does not follow 308 "Resume Incomplete"
    transport.timeout = timeout
    http = AuthorizedHttp(credentials, http=transport)
    return discovery.build_from_document(document, http=http), http


class YouTubeUploader:
    platform = "youtube"

    def __init__(self, service, http, media_file: Callable[[str], Path], *, account: str,
                 chunk_size: int = 8 * 1024 * 1024, max_chunk_errors: int = 8,
                 sleep: Callable[[float], None] = time.sleep, backoff: float = 0.5, timezone: str | None = None):
        if chunk_size % QUANTUM:
            raise ValueError("YouTube resumable chunks are multiples of 256 KB")
        self.service = service
        self.http = http
        self.media_file = media_file
        self.account = account
        self.chunk_size = chunk_size
        self.max_chunk_errors = max_chunk_errors
        self.sleep = sleep
        self.backoff = backoff
        self.timezone = timezone    # the account's, for posting windows

    # --- errors -------------------------------------------------------------
    def _translate(self, exc: Exception, what: str) -> Exception:
        from google.auth.exceptions import RefreshError
        from googleapiclient.errors import HttpError

        if isinstance(exc, RefreshError):
            return NeedsReauthError(f"youtube account {self.account}: the OAuth token could not be refreshed;"
                                    " re-authorise the Connection")
        if isinstance(exc, HttpError):
            status, reason = exc.resp.status, _reason(exc)
            if reason in QUOTA_REASONS:
                # videos.insert has its own daily bucket (determine_quota_cost); other calls spend the units.
                bucket = "inserts" if reason == "uploadLimitExceeded" or what == "videos.insert" else "upload_units"
                return QuotaExceededError(f"youtube {what}: {reason} ({bucket} bucket; resets at midnight Pacific)",
                                          next_pacific_midnight(datetime.now(timezone.utc)), bucket)
            if status == 429 or reason in RATE_REASONS:
                wait = _retry_after(exc)
                if wait is not None and wait <= MAX_RETRY_AFTER:
                    # The server says when to come back, and it is soon: wait and retry, do not defer.
                    error = TransientPublishError(f"youtube {what}: {reason or 'rate limited'}, retry after {wait:g} s")
                    error.retry_after = wait
                    return error
                return QuotaExceededError(f"youtube {what}: {reason or 'rate limited'}",
                                          datetime.now(timezone.utc) + timedelta(minutes=15), "upload_units")
            if status == 401:
                return NeedsReauthError(f"youtube account {self.account}: token rejected after refresh;"
                                        " re-authorise the Connection")
            if status >= 500:
                return TransientPublishError(f"youtube {what}: HTTP {status}")
            return PermanentPublishError(f"youtube {what}: HTTP {status} {reason}")
        return TransientPublishError(f"youtube {what}: {type(exc).__name__}")

    def _execute(self, request, what: str, tries: int = 4, listing: bool = False):
        """One API call with the stage's retry policy (transient errors only, backoff through ``sleep``).
        ``listing``: the answer must be a JSON object (a list call's ``items``)."""
        for attempt in range(1, tries + 1):
            try:
                answer = request.execute(num_retries=0)
                if listing and not isinstance(answer, dict):
                    # a body that parsed as JSON but is no object (found by the soak: a malformed
                    # search.list answer crashed the lookup with AttributeError)
                    raise TransientPublishError(f"youtube {what}: the answer is not a JSON object")
                return answer
            except Exception as exc:  # noqa: BLE001 - translated to the ledger's error types
                error = exc if isinstance(exc, TransientPublishError) else self._translate(exc, what)
                if not isinstance(error, TransientPublishError) or attempt == tries:
                    raise error from None
                self.sleep(getattr(error, "retry_after", None) or self.backoff * 2 ** attempt)

    # --- Uploader -------------------------------------------------------------
    def lookup(self, package: PlatformPackage, upload_state: dict, marker: str) -> UploadOutcome | None:
        video_id = upload_state.get("video_id")
        if not video_id and upload_state.get("session_uri"):
            done, body_or_progress = self._session_status(upload_state["session_uri"], upload_state.get("size", 0))
            if done:
                video_id = body_or_progress["id"]
        if not video_id and upload_state.get("insert_sent"):
            found = self._execute(self.service.search().list(part="id", forMine=True, type="video", q=marker,
                                                             maxResults=5), "search.list", listing=True)
            ids = [item["id"]["videoId"] for item in found.get("items", [])]
            if ids:
                videos = self._execute(self.service.videos().list(part="snippet", id=",".join(ids)),
                                       "videos.list", listing=True)
                for video in videos.get("items", []):
                    if marker in (video.get("snippet", {}).get("tags") or []):
                        video_id = video["id"]
                        break
        if not video_id:
            return None
        if not upload_state.get("thumbnail_done") and package.thumbnail_key:
            self._thumbnail(video_id, package.thumbnail_key, lambda update: None)  # idempotent: finish the post
        return _outcome(package, video_id)

    def upload(self, package: PlatformPackage, upload_state: dict, marker: str,
               checkpoint: Callable[[dict], None]) -> UploadOutcome:
        from googleapiclient.http import MediaFileUpload

        state = dict(upload_state)

        def save(update: dict) -> None:
            state.update(update)
            checkpoint(update)

        video_id = state.get("video_id") or self._finished_session(state)
        if video_id and not state.get("video_id"):
            save({"video_id": video_id})
        if not video_id:
            path = self.media_file(package.rendition_key)
            media = MediaFileUpload(str(path), mimetype="video/mp4", chunksize=self.chunk_size, resumable=True)
            request = self.service.videos().insert(part="snippet,status", body=self._body(package, marker),
                                                   media_body=media, notifySubscribers=False)
            video_id = self._send(request, state, save, media.size())
            save({"video_id": video_id})
        if package.thumbnail_key and not state.get("thumbnail_done"):
            self._thumbnail(video_id, package.thumbnail_key, save)
        return _outcome(package, video_id)

    # --- steps --------------------------------------------------------------
    @staticmethod
    def _body(package: PlatformPackage, marker: str) -> dict:
        tags = list(package.tags)
        while tags and sum(len(t) + (2 if " " in t else 0) + 1 for t in tags) + len(marker) > 500:
            tags.pop()
        extra = package.extra
        status = {"privacyStatus": extra.get("privacy_status", "private"),
                  "selfDeclaredMadeForKids": bool(extra.get("self_declared_made_for_kids", False)),
                  "containsSyntheticMedia": bool(extra.get("ai_generated", False)),
                  "embeddable": True}
        if extra.get("scheduled_at"):
            # status.publishAt "can be set only if the privacy status of the video is private": the video is
            # private until then and YouTube makes it public at that time.
            status.update(privacyStatus="private", publishAt=_rfc3339(extra["scheduled_at"]))
        return {
            "snippet": {"title": package.title, "description": package.description, "tags": tags + [marker],
                        "categoryId": str(extra.get("category_id", "22")),
                        "defaultLanguage": extra.get("language", "en")},
            "status": status,
        }

    def _session_status(self, session_uri: str, size: int) -> tuple[bool, Any]:
        """Ask the server where a resumable session stands: (True, video) or (False, next byte)."""
        try:
            resp, content = self.http.request(session_uri, "PUT",
                                              headers={"Content-Range": f"bytes */{size}", "content-length": "0"})
        except Exception as exc:  # noqa: BLE001
            raise self._translate(exc, "upload status") from None
        if resp.status in (200, 201):
            return True, json.loads(content)
        if resp.status == 308:
            ranges = resp.get("range")
            return False, int(ranges.split("-")[1]) + 1 if ranges else 0
        if resp.status in (404, 410):
            return False, None  # the session expired: start a new one
        raise TransientPublishError(f"youtube upload status: HTTP {resp.status}")

    def _finished_session(self, state: dict) -> str | None:
        if not state.get("session_uri"):
            return None
        done, result = self._session_status(state["session_uri"], state.get("size", 0))
        return result["id"] if done else None

    def _send(self, request, state: dict, save, size: int) -> str:
        if state.get("session_uri"):
            done, progress = self._session_status(state["session_uri"], size)
            if progress is not None:
                request.resumable_uri = state["session_uri"]
                request.resumable_progress = progress
        errors = 0
        while True:
            fresh = request.resumable_uri is None
            if fresh:
                save({"insert_sent": True, "size": size})
            try:
                status, response = request.next_chunk(num_retries=0)
            except Exception as exc:  # noqa: BLE001 - sorted by _translate: retry only what is transient
                # A session never opened is opened again (harmless: no video exists without its bytes);
                # an open one is asked for its Range by the library, which resumes from there.
                error = self._translate(exc, "videos.insert")
                if not isinstance(error, TransientPublishError) or errors >= self.max_chunk_errors:
                    raise error from None
                errors += 1
                self.sleep(getattr(error, "retry_after", None) or self.backoff * 2 ** min(errors, 5))
                continue
            if fresh and request.resumable_uri:
                save({"session_uri": request.resumable_uri})
            if response is not None:
                if not isinstance(response, dict) or "id" not in response:
                    # The last chunk's answer did not parse (found by the soak: a TypeError crashed the task):
                    # the session knows whether the video is complete; the retry asks it (lookup).
                    raise TransientPublishError("youtube videos.insert: malformed answer to the last chunk")
                return response["id"]
            save({"bytes_confirmed": request.resumable_progress})

    def _thumbnail(self, video_id: str, thumbnail_key: str, save) -> None:
        from googleapiclient.http import MediaFileUpload

        path = self.media_file(thumbnail_key)
        mimetype = "image/png" if str(path).endswith(".png") else "image/jpeg"
        try:
            self._execute(self.service.thumbnails().set(videoId=video_id,
                                                        media_body=MediaFileUpload(str(path), mimetype=mimetype)),
                          "thumbnails.set")
            save({"thumbnail_done": True})
        except PermanentPublishError as exc:
            # e.g. custom thumbnails need a verified channel: the video is up, keep it, note why.
            save({"thumbnail_done": True, "thumbnail_error": str(exc)[:300]})


def credentials_from(extras: dict, client_id: str, client_secret: str, token_uri: str):
    from google.oauth2.credentials import Credentials

    expiry = extras.get("token_expires_at")
    parsed = None
    if expiry:
        parsed = datetime.fromisoformat(str(expiry).replace("Z", "+00:00"))
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed
    return Credentials(token=extras.get("access_token") or None, refresh_token=extras.get("refresh_token") or None,
                       token_uri=token_uri, client_id=client_id or None, client_secret=client_secret or None,
                       scopes=[UPLOAD_SCOPE], expiry=parsed)
