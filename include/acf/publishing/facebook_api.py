"""Facebook Page video upload in phases: Reels (start -> upload -> finish) and page videos
(start -> transfer chunks -> finish).

The video id / upload session is saved when Facebook hands it out; a resumed
upload asks where the bytes stand (``bytes_transferred`` or the ``start_offset``
of the next transfer) and sends only the rest. ``finish`` publishes, so it is
sent once (``finish_sent``); a rerun checks the video's publishing status
instead of finishing again.

Scheduled (``package.extra["scheduled_at"]``): a reel finishes with
``video_state=SCHEDULED`` and ``scheduled_publish_time``, a page video with
``published=false`` and ``scheduled_publish_time``; Facebook holds it, so nothing
waits for it to go live. ``on_wait="return"`` checks processing once and returns
``processing`` instead of sleeping (a trigger polls ``check_processing`` then).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from acf.publishing.errors import PermanentPublishError, TransientPublishError
from acf.publishing.graph import GraphClient
from acf.publishing.http import TokenManager
from acf.publishing.models import PlatformPackage, UploadOutcome


class FacebookUploader:
    platform = "facebook"
    processing_keys = ("video_id",)

    def __init__(self, base_url: str, tokens: TokenManager, page_id: str, media_file: Callable[[str], Path], *,
                 account: str, chunk_size: int = 4 * 1024 * 1024, poll_seconds: float = 5.0, max_polls: int = 60,
                 sleep: Callable[[float], None] = time.sleep, on_wait: str = "poll", timezone: str | None = None,
                 **client_options):
        self.api = GraphClient(base_url, tokens, platform="facebook", sleep=sleep, **client_options)
        self.tokens = tokens
        self.page_id = page_id
        self.media_file = media_file
        self.account = account
        self.chunk_size = chunk_size
        self.poll_seconds = poll_seconds
        self.max_polls = max_polls
        self.sleep = sleep
        self.on_wait = on_wait
        self.timezone = timezone

    def video_status(self, video_id: str) -> dict:
        return self.api.call("GET", f"/{video_id}", params={"fields": "status,permalink_url"})

    @staticmethod
    def _published(video_id: str, info: dict) -> UploadOutcome:
        url = info.get("permalink_url") or f"https://www.facebook.com/reel/{video_id}"
        if url.startswith("/"):
            url = "https://www.facebook.com" + url
        return UploadOutcome("published", video_id, url)

    @staticmethod
    def _phase(info: dict, name: str) -> str:
        return ((info.get("status") or {}).get(f"{name}_phase") or {}).get("status", "")

    def lookup(self, package: PlatformPackage, upload_state: dict, marker: str) -> UploadOutcome | None:
        video_id = upload_state.get("video_id")
        if not video_id or not upload_state.get("finish_sent"):
            return None
        info = self.video_status(video_id)
        if self._held(info):
            return UploadOutcome("scheduled", video_id, self._published(video_id, info).url)
        if self._phase(info, "publishing") == "complete" or (info.get("status") or {}).get("video_status") == "ready":
            return self._published(video_id, info)
        # Processing has begun only after a finish Facebook received; "not_started" means the finish never
        # landed (finish_sent is saved before the call), and upload() finishes it again.
        if self._phase(info, "uploading") == "complete" and self._phase(info, "processing") in ("in_progress", "complete"):
            return UploadOutcome("processing", video_id)
        return None

    @staticmethod
    def _held(info: dict) -> bool:
        """Scheduled: the publishing phase says so (VideoStatusPublishingPhase: status, publish_status,
        publish_time; facebook-nodejs-business-sdk src/objects/video-status-publishing-phase)."""
        return ((info.get("status") or {}).get("publishing_phase") or {}).get("publish_status") == "scheduled"

    def check_processing(self, waiting_on: dict) -> str | None:
        """One look at a video being processed: ``ready``, ``failed``, or None while it is still processing."""
        return self._word(self.video_status(waiting_on["video_id"]))

    def _word(self, info: dict) -> str | None:
        status = info.get("status") or {}
        if status.get("video_status") == "error" or self._phase(info, "processing") == "error":
            return "failed"
        if self._phase(info, "publishing") == "complete" or status.get("video_status") == "ready" or self._held(info):
            return "ready"
        return None

    def upload(self, package: PlatformPackage, upload_state: dict, marker: str,
               checkpoint: Callable[[dict], None]) -> UploadOutcome:
        path = self.media_file(package.rendition_key)
        if package.extra.get("post_type", "reel") == "reel":
            return self._reel(package, path, dict(upload_state), checkpoint)
        return self._page_video(package, path, dict(upload_state), checkpoint)

    # --- Reels: /{page-id}/video_reels start -> rupload -> finish -------------
    def _reel(self, package, path: Path, state: dict, checkpoint) -> UploadOutcome:
        size = path.stat().st_size
        if not state.get("video_id"):
            started = self.api.call("POST", f"/{self.page_id}/video_reels", data={"upload_phase": "start"})
            state.update(video_id=started["video_id"], upload_url=started["upload_url"])
            checkpoint({"video_id": started["video_id"], "upload_url": started["upload_url"], "kind": "reel"})
        video_id = state["video_id"]
        for _ in range(self.api.max_tries):
            info = self.video_status(video_id)
            if self._phase(info, "publishing") == "complete":
                return self._published(video_id, info)
            done = int(((info.get("status") or {}).get("uploading_phase") or {}).get("bytes_transferred", 0))
            if done >= size:
                break
            # Send what the server does not have yet. Not re-sent blindly on a failure: the bytes may have
            # arrived all the same (an answer cut off), so the server is asked again where they stand.
            with open(path, "rb") as fh:
                fh.seek(done)
                body = fh.read()
            try:
                self.api.request("POST", state["upload_url"], authed=False, retry=False, data=body, headers={
                    "Authorization": f"OAuth {self.tokens.current()}", "offset": str(done), "file_size": str(size)})
            except TransientPublishError:
                self.api.sleep(self.api.backoff)
        else:
            raise TransientPublishError(f"facebook: reel {video_id} upload did not complete")
        body = {"upload_phase": "finish", "video_id": video_id, "video_state": "PUBLISHED",
                "description": package.description}
        if package.extra.get("scheduled_at"):
            body.update(video_state="SCHEDULED", scheduled_publish_time=_unix(package.extra["scheduled_at"]))
        return self._finish(video_id, body, f"/{self.page_id}/video_reels", checkpoint)

    # --- Page video: /{page-id}/videos start -> transfer -> finish ----------
    def _page_video(self, package, path: Path, state: dict, checkpoint) -> UploadOutcome:
        size = path.stat().st_size
        if not state.get("upload_session_id"):
            started = self.api.call("POST", f"/{self.page_id}/videos", data={"upload_phase": "start", "file_size": size})
            state.update(upload_session_id=started["upload_session_id"], video_id=started["video_id"],
                         start_offset=int(started["start_offset"]), end_offset=int(started["end_offset"]))
            checkpoint({k: state[k] for k in ("upload_session_id", "video_id", "start_offset", "end_offset")} | {"kind": "video"})
        info = self.video_status(state["video_id"])
        if self._phase(info, "publishing") == "complete":
            return self._published(state["video_id"], info)
        start, end = int(state["start_offset"]), int(state["end_offset"])
        with open(path, "rb") as fh:
            while start < end:
                fh.seek(start)
                chunk = fh.read(end - start)
                answer = self.api.call("POST", f"/{self.page_id}/videos", data={
                    "upload_phase": "transfer", "upload_session_id": state["upload_session_id"],
                    "start_offset": start}, files={"video_file_chunk": ("chunk", chunk, "application/octet-stream")})
                start, end = int(answer["start_offset"]), int(answer["end_offset"])
                checkpoint({"start_offset": start, "end_offset": end})
        body = {"upload_phase": "finish", "upload_session_id": state["upload_session_id"],
                "title": package.title, "description": package.description}
        if package.extra.get("scheduled_at"):
            body.update(published="false", scheduled_publish_time=_unix(package.extra["scheduled_at"]))
        return self._finish(state["video_id"], body, f"/{self.page_id}/videos", checkpoint)

    def _finish(self, video_id: str, body: dict, path: str, checkpoint) -> UploadOutcome:
        checkpoint({"finish_sent": True})
        answer = self.api.call("POST", path, data=body, retry=False)
        if not answer.get("success", False):
            raise PermanentPublishError(f"facebook: finish refused: {str(answer)[:200]}")
        if "scheduled_publish_time" in body:   # Facebook holds it until then: nothing to wait for
            return UploadOutcome("scheduled", video_id, f"https://www.facebook.com/{video_id}")
        return self._wait(video_id)

    def _wait(self, video_id: str) -> UploadOutcome:
        polls = 1 if self.on_wait == "return" else self.max_polls
        for attempt in range(polls):
            info = self.video_status(video_id)
            word = self._word(info)
            if word == "failed":
                raise PermanentPublishError(f"facebook: processing failed for video {video_id}")
            if word == "ready":
                return self._published(video_id, info)
            if attempt + 1 < polls:
                self.sleep(self.poll_seconds)
        if self.on_wait == "return":
            return UploadOutcome("processing", video_id)
        raise TransientPublishError("facebook: video still processing; the retry checks it again")


def _unix(moment: str) -> int:
    """An ISO time as the Unix seconds ``scheduled_publish_time`` takes."""
    return int(datetime.fromisoformat(str(moment).replace("Z", "+00:00")).timestamp())
