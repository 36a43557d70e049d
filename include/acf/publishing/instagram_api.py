"""Instagram Graph API Reels/Stories: publishing limit -> container from a public URL -> poll -> media_publish.

The container id is saved as soon as Instagram returns it and ``publish_sent``
just before ``media_publish``; a rerun polls the same container, or (when the
publish answer was lost) finds the post by its caption in the account's
recent media (a story, which has no caption: the newest of the account's
stories once its container says PUBLISHED), instead of publishing again.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from acf.publishing.errors import PermanentPublishError, QuotaExceededError, TransientPublishError
from acf.publishing.graph import GraphClient
from acf.publishing.http import TokenManager
from acf.publishing.models import PlatformPackage, UploadOutcome


class InstagramUploader:
    platform = "instagram"
    processing_keys = ("container_id",)

    def __init__(self, base_url: str, tokens: TokenManager, ig_user_id: str, public_url: Callable[[str], str], *,
                 account: str, poll_seconds: float = 5.0, max_polls: int = 60,
                 sleep: Callable[[float], None] = time.sleep, on_wait: str = "poll", timezone: str | None = None,
                 **client_options):
        self.api = GraphClient(base_url, tokens, platform="instagram", sleep=sleep, **client_options)
        self.ig_user_id = ig_user_id
        self.public_url = public_url
        self.account = account
        self.poll_seconds = poll_seconds
        self.max_polls = max_polls
        self.sleep = sleep
        self.on_wait = on_wait      # "poll": sleep between status looks; "return": one look, then "processing"
        self.timezone = timezone

    def publishing_limit(self) -> tuple[int, int]:
        data = self.api.call("GET", f"/{self.ig_user_id}/content_publishing_limit",
                             params={"fields": "quota_usage,config"}).get("data") or [{}]
        usage = int(data[0].get("quota_usage", 0))
        total = int((data[0].get("config") or {}).get("quota_total", 25))
        return usage, total

    def container_status(self, container_id: str) -> str:
        return self.api.call("GET", f"/{container_id}", params={"fields": "status_code,status"}).get("status_code", "")

    def check_processing(self, waiting_on: dict) -> str | None:
        """One look at the container: ``ready`` (FINISHED or PUBLISHED), ``failed`` (ERROR, EXPIRED) or None."""
        status = self.container_status(waiting_on["container_id"])
        return "ready" if status in ("FINISHED", "PUBLISHED") else "failed" if status in ("ERROR", "EXPIRED") else None

    def _find_by_caption(self, caption: str) -> str | None:
        media = self.api.call("GET", f"/{self.ig_user_id}/media",
                              params={"fields": "id,caption,timestamp", "limit": 25}).get("data", [])
        for item in media:
            if (item.get("caption") or "").strip() == caption.strip():
                return str(item["id"])
        return None

    def _find_story(self, upload_state: dict) -> str | None:
        """A story has no caption to find it by (GET /{ig-user-id}/stories lists ids for 24 h): the newest
        story since the publish was sent, once the container says PUBLISHED."""
        container = upload_state.get("container_id")
        if not container or self.container_status(container) != "PUBLISHED":
            return None
        since = str(upload_state.get("publish_sent_at") or "")
        stories = self.api.call("GET", f"/{self.ig_user_id}/stories", params={"fields": "id,timestamp"}).get("data", [])
        stories = [s for s in stories if str(s.get("timestamp") or "") >= since[:19]]
        newest = max(stories, key=lambda s: str(s.get("timestamp") or ""), default=None)
        return str(newest["id"]) if newest else container

    def _find(self, package: PlatformPackage, upload_state: dict) -> str | None:
        if _is_story(package):
            return self._find_story(upload_state)
        return self._find_by_caption(package.description)

    @staticmethod
    def _outcome(media_id: str, story: bool = False) -> UploadOutcome:
        # A story lives 24 hours and has no public reel URL.
        return UploadOutcome("published", media_id, None if story else f"https://www.instagram.com/reel/{media_id}/")

    def lookup(self, package: PlatformPackage, upload_state: dict, marker: str) -> UploadOutcome | None:
        if upload_state.get("media_id"):
            return self._outcome(upload_state["media_id"], _is_story(package))
        if upload_state.get("publish_sent"):
            media_id = self._find(package, upload_state)
            if media_id:
                return self._outcome(media_id, _is_story(package))
        return None

    def upload(self, package: PlatformPackage, upload_state: dict, marker: str,
               checkpoint: Callable[[dict], None]) -> UploadOutcome:
        container = upload_state.get("container_id")
        if container and self.container_status(container) in ("ERROR", "EXPIRED"):
            container = None
        if not container:
            usage, total = self.publishing_limit()
            if usage >= total:
                raise QuotaExceededError(f"instagram: content_publishing_limit reached ({usage}/{total} in 24 h)",
                                         datetime.now(timezone.utc) + timedelta(hours=1), "posts")
            media_type = package.extra.get("media_type", "REELS")
            # STORIES: the same container -> media_publish flow, video_url only (a story takes no caption;
            # developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media).
            body = {"media_type": media_type, "video_url": self.public_url(package.rendition_key)}
            if media_type == "REELS":
                body.update(caption=package.description, share_to_feed="true" if package.extra.get("share_to_feed", True) else "false")
            container = self.api.call("POST", f"/{self.ig_user_id}/media", data=body)["id"]
            checkpoint({"container_id": container, "publish_sent": None})
        polls = 1 if self.on_wait == "return" else self.max_polls
        for attempt in range(polls):
            status = self.container_status(container)
            if status in ("FINISHED", "PUBLISHED"):
                break
            if status in ("ERROR", "EXPIRED"):
                checkpoint({"container_id": None})
                raise PermanentPublishError(f"instagram: container {status.lower()} while processing the video")
            if attempt + 1 < polls:
                self.sleep(self.poll_seconds)
        else:
            if self.on_wait == "return":
                return UploadOutcome("processing", container)
            raise TransientPublishError("instagram: container still processing; the retry polls it again")
        if status == "PUBLISHED":
            media_id = self._find(package, {**upload_state, "container_id": container})
            if media_id:
                checkpoint({"media_id": media_id})
                return self._outcome(media_id, _is_story(package))
        checkpoint({"publish_sent": True, "publish_sent_at": datetime.now(timezone.utc).isoformat()})
        media_id = str(self.api.call("POST", f"/{self.ig_user_id}/media_publish",
                                         data={"creation_id": container}, retry=False)["id"])
        checkpoint({"media_id": media_id})
        return self._outcome(media_id, _is_story(package))


def _is_story(package: PlatformPackage) -> bool:
    return package.extra.get("media_type") == "STORIES"
