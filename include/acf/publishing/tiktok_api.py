"""TikTok Content Posting API: creator_info -> init -> chunked PUT -> status poll.

An :class:`acf.publishing.publisher.Uploader`. The upload state saved after each
step (publish id, upload URL, next chunk) lets a retried task resume the same
post, and the status fetch (or, when the init answer was lost, the creator's
video list) reconciles instead of posting again.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

from acf import platform_rules
from acf.publishing.errors import NotPublishableError, PermanentPublishError, QuotaExceededError
from acf.publishing.http import ApiClient, Token, TokenManager
from acf.publishing.models import PlatformPackage, UploadOutcome

DONE = "PUBLISH_COMPLETE"
RATE_LIMIT_CODES = ("rate_limit_exceeded", "spam_risk_too_many_posts", "spam_risk_user_banned_from_posting")


def chunk_plan(size: int, rule: dict) -> tuple[int, int]:
    """(chunk_size, chunk_count) by TikTok's rules: under the minimum, one chunk; the last chunk takes the rest."""
    if size <= 0:
        raise NotPublishableError("tiktok: empty video")
    if size < rule["min_bytes"]:
        return size, 1
    chunk = min(rule.get("preferred_bytes", rule["max_bytes"]), rule["max_bytes"], size)
    count = size // chunk  # the last chunk takes the remainder (TikTok: floor(size / chunk_size))
    if size - chunk * (count - 1) > rule["last_max_bytes"]:
        raise NotPublishableError(f"tiktok: video of {size} bytes leaves a final chunk over the limit")
    if count > rule["max_count"]:
        raise NotPublishableError(f"tiktok: video of {size} bytes needs more than {rule['max_count']} chunks")
    return chunk, max(1, count)


class TikTokUploader:
    platform = "tiktok"
    processing_keys = ("publish_id",)

    def __init__(self, base_url: str, tokens: TokenManager, media_file: Callable[[str], Path], *,
                 account: str, direct_post: bool = True, poll_seconds: float = 2.0, max_polls: int = 60,
                 sleep: Callable[[float], None] = time.sleep, chunk_rule: dict | None = None, on_wait: str = "poll",
                 timezone: str | None = None, **client_options):
        self.account = account
        self.on_wait = on_wait      # "poll": sleep between status fetches; "return": one look, then "processing"
        self.timezone = timezone
        self.api = ApiClient(base_url, tokens, platform="tiktok", sleep=sleep, **client_options)
        self.media_file = media_file
        self.direct_post = direct_post
        self.poll_seconds = poll_seconds
        self.max_polls = max_polls
        self.sleep = sleep
        self.chunk_rule = chunk_rule or platform_rules.for_platform("tiktok")["chunk"]

    # --- API calls -------------------------------------------------------
    def _post(self, path: str, body: dict) -> dict:
        answer = self.api.call("POST", path, json=body, ok=(200,), headers={"Content-Type": "application/json; charset=UTF-8"})
        error = (answer or {}).get("error") or {}
        if error.get("code", "ok") != "ok":
            if error["code"] in RATE_LIMIT_CODES:
                from datetime import datetime, timedelta, timezone
                raise QuotaExceededError(f"tiktok: {error['code']}", datetime.now(timezone.utc) + timedelta(minutes=1), "inits")
            raise PermanentPublishError(f"tiktok {path}: {error.get('code')}: {error.get('message', '')[:200]}")
        return answer.get("data") or {}

    def creator_info(self) -> dict:
        return self._post("/v2/post/publish/creator_info/query/", {})

    def status(self, publish_id: str) -> dict:
        return self._post("/v2/post/publish/status/fetch/", {"publish_id": publish_id})

    def recent_videos(self) -> list[dict]:
        return self._post("/v2/video/list/?fields=id,title,create_time", {"max_count": 20}).get("videos", [])

    # --- Uploader --------------------------------------------------------
    def lookup(self, package: PlatformPackage, upload_state: dict, marker: str) -> UploadOutcome | None:
        publish_id = upload_state.get("publish_id")
        if publish_id:
            status = self.status(publish_id)
            if status.get("status") == DONE:
                return self._outcome(publish_id, status)
            return None  # still uploading/processing, or failed: upload() resumes or starts again
        if upload_state.get("init_sent"):
            # The init went out but its answer was lost: look for the post itself.
            caption = package.description.strip()
            for video in self.recent_videos():
                if (video.get("title") or "").strip() == caption:
                    return UploadOutcome("published", str(video["id"]), f"https://www.tiktok.com/video/{video['id']}")
        return None

    def upload(self, package: PlatformPackage, upload_state: dict, marker: str,
               checkpoint: Callable[[dict], None]) -> UploadOutcome:
        path = self.media_file(package.rendition_key)
        size = path.stat().st_size
        state = dict(upload_state)

        def save(update: dict) -> None:
            state.update(update)
            checkpoint(update)

        publish_id = state.get("publish_id")
        if publish_id:
            status = self.status(publish_id)
            if status.get("status") in (DONE, "SEND_TO_USER_INBOX"):
                return self._outcome(publish_id, status)
            if status.get("status") == "FAILED":  # the old attempt is dead: a new post is not a duplicate
                publish_id = None
                save({"publish_id": None, "upload_url": None, "next_chunk": 0, "init_sent": None})
        if not publish_id:
            publish_id = self._init(package, size, save)
        self._send_chunks(path, size, state["upload_url"], int(state.get("next_chunk") or 0), save)
        return self._wait(publish_id)

    def _init(self, package: PlatformPackage, size: int, checkpoint) -> str:
        info = self.creator_info()
        limit = info.get("max_video_post_duration_sec")
        if limit and package.extra.get("duration_seconds", 0) > limit:
            raise NotPublishableError(f"tiktok: video longer than the creator's {limit} s limit")
        options = info.get("privacy_level_options") or ["SELF_ONLY"]
        privacy = package.extra.get("privacy_level", "SELF_ONLY")
        if privacy not in options:
            privacy = "SELF_ONLY" if "SELF_ONLY" in options else options[0]
        chunk, count = chunk_plan(size, self.chunk_rule)
        body = {"source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk,
                                "total_chunk_count": count}}
        if self.direct_post:
            body["post_info"] = {"title": package.description, "privacy_level": privacy,
                                 "disable_duet": False, "disable_comment": False, "disable_stitch": False,
                                 "video_cover_timestamp_ms": 1000,
                                 "is_aigc": bool(package.extra.get("ai_generated", False))}
        checkpoint({"init_sent": True})
        path = "/v2/post/publish/video/init/" if self.direct_post else "/v2/post/publish/inbox/video/init/"
        data = self._post(path, body)
        checkpoint({"publish_id": data["publish_id"], "upload_url": data["upload_url"], "next_chunk": 0,
                    "chunk_size": chunk, "chunk_count": count})
        return data["publish_id"]

    def _send_chunks(self, path: Path, size: int, upload_url: str, start: int, checkpoint) -> None:
        chunk, count = chunk_plan(size, self.chunk_rule)
        with open(path, "rb") as fh:
            for index in range(start, count):
                first = index * chunk
                last = size - 1 if index == count - 1 else first + chunk - 1
                fh.seek(first)
                data = fh.read(last - first + 1)
                self.api.request("PUT", upload_url, authed=False, data=data, ok=(200, 201, 206),
                                 headers={"Content-Type": "video/mp4", "Content-Length": str(len(data)),
                                          "Content-Range": f"bytes {first}-{last}/{size}"})
                checkpoint({"next_chunk": index + 1})

    def check_processing(self, waiting_on: dict) -> str | None:
        """One status fetch: ``ready``, ``failed``, or None while TikTok is still processing the post."""
        status = self.status(waiting_on["publish_id"]).get("status")
        return "ready" if status in (DONE, "SEND_TO_USER_INBOX") else "failed" if status == "FAILED" else None

    def _wait(self, publish_id: str) -> UploadOutcome:
        polls = 1 if self.on_wait == "return" else self.max_polls
        for attempt in range(polls):
            status = self.status(publish_id)
            if status.get("status") in (DONE, "SEND_TO_USER_INBOX"):
                return self._outcome(publish_id, status)
            if status.get("status") == "FAILED":
                raise PermanentPublishError(f"tiktok: processing failed: {status.get('fail_reason', 'unknown')}")
            if attempt + 1 < polls:
                self.sleep(self.poll_seconds)
        return UploadOutcome("processing", publish_id)

    @staticmethod
    def _outcome(publish_id: str, status: dict) -> UploadOutcome:
        post_ids = status.get("publicaly_available_post_id") or []
        if post_ids:
            return UploadOutcome("published", str(post_ids[0]), f"https://www.tiktok.com/video/{post_ids[0]}")
        return UploadOutcome("published", publish_id)


def refresher(base_url: str, client_key: str, client_secret: str) -> Callable[[Token], Token]:
    """TikTok's refresh: POST /v2/oauth/token/ with grant_type=refresh_token."""
    from datetime import datetime, timedelta, timezone

    import requests

    def refresh(token: Token) -> Token:
        if not token.refresh_token:
            raise RuntimeError("no refresh token")
        response = requests.post(f"{base_url.rstrip('/')}/v2/oauth/token/", timeout=30, data={
            "client_key": client_key, "client_secret": client_secret,
            "grant_type": "refresh_token", "refresh_token": token.refresh_token})
        response.raise_for_status()
        body = response.json()
        if "access_token" not in body:
            raise RuntimeError(body.get("error", "refresh refused"))
        return Token(body["access_token"], datetime.now(timezone.utc) + timedelta(seconds=int(body.get("expires_in", 86400))),
                     body.get("refresh_token", token.refresh_token))

    return refresh
