"""Instagram Graph API stand-in: content_publishing_limit, REELS/STORIES containers from a video URL,
container status polling, media_publish, the account's media list and its stories (GET /{ig-user-id}/stories,
https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/stories).
A story keeps no caption and is not in the media list.

Enforced: ``video_url`` must be an http(s) URL; a container is published only
once it is FINISHED (error 9007 before); publishing past the 24 h limit fails
(code 9, subcode 2207042); a container publishes once.
"""
from __future__ import annotations

from datetime import datetime, timezone

from stand_ins.base import Request, Response
from stand_ins.facebook import VERSION, GraphStandIn, form, graph_error


class InstagramStandIn(GraphStandIn):
    def __init__(self, *, ig_user_id: str = "17841400000000001", publish_limit: int = 25, processing_polls: int = 2):
        super().__init__()
        self.ig_user_id = ig_user_id
        self.publish_limit = publish_limit
        self.processing_polls = processing_polls
        self.hold_processing = False  # True: containers stay IN_PROGRESS until a test lets them go
        self.containers: dict[str, dict] = {}
        self.media: list[dict] = []
        self.window_start = 0  # index into media where the current 24 h window starts
        self.route("GET", rf"/{VERSION}/(?P<ig>\d+)/content_publishing_limit", self._limit)
        self.route("POST", rf"/{VERSION}/(?P<ig>\d+)/media", self._create)
        self.route("GET", rf"/{VERSION}/(?P<ig>\d+)/media", self._media_list)
        self.route("POST", rf"/{VERSION}/(?P<ig>\d+)/media_publish", self._publish)
        self.route("GET", rf"/{VERSION}/(?P<ig>\d+)/stories", self._stories)
        self.route("GET", rf"/{VERSION}/(?P<container>\d+)", self._container)

    def reset_window(self) -> None:
        """24 hours have passed: the publishing limit starts over."""
        with self.lock:
            self.window_start = len(self.media)

    def duplicates(self) -> int:
        """Posts made twice: reels with the same caption, stories of the same video (a story has no caption)."""
        keys = [m["video"] if m["media_type"] == "STORIES" else m["caption"] for m in self.media]
        return len(keys) - len(set(keys))

    @property
    def stories(self) -> list[dict]:
        return [m for m in self.media if m["media_type"] == "STORIES"]

    def _user(self, request: Request, fields: dict | None = None) -> Response | None:
        token = self.token_of(request, fields)
        if isinstance(token, Response):
            return token
        if request.match.group("ig") != self.ig_user_id:
            return graph_error(100, "Unsupported request: unknown IG user", 400)
        return None

    def _limit(self, request: Request):
        if (denied := self._user(request)) is not None:
            return denied
        return {"data": [{"quota_usage": len(self.media) - self.window_start,
                          "config": {"quota_total": self.publish_limit, "quota_duration": 86400}}]}

    def _create(self, request: Request):
        fields = form(request)
        if (denied := self._user(request, fields)) is not None:
            return denied
        if fields.get("media_type") not in ("REELS", "STORIES"):
            return self.violation("media_type must be REELS or STORIES for a video")
        if not str(fields.get("video_url", "")).startswith(("http://", "https://")):
            return self.violation("video_url must be a public http(s) URL")
        with self.lock:
            container = self.new_id(18000000000000000)
            story = fields["media_type"] == "STORIES"
            if story and ("share_to_feed" in fields):
                self.protocol_errors.append("share_to_feed is a reels field, sent for a story")
            self.containers[container] = {"status": "IN_PROGRESS", "polls": 0,
                                          "caption": "" if story else fields.get("caption", ""),
                                          "media_type": fields["media_type"],
                                          "video": str(fields["video_url"]).split("?", 1)[0]}
        return {"id": container}

    def _container(self, request: Request):
        if isinstance(token := self.token_of(request), Response):
            return token
        container = self.containers.get(request.match.group("container"))
        if container is None:
            return graph_error(100, "Object does not exist", 400, 33)
        with self.lock:
            if container["status"] == "IN_PROGRESS":
                container["polls"] += 1
                if container["polls"] >= self.processing_polls and not self.hold_processing:
                    container["status"] = "FINISHED"
        return {"id": request.match.group("container"), "status_code": container["status"],
                "status": container["status"].capitalize()}

    def _publish(self, request: Request):
        fields = form(request)
        if (denied := self._user(request, fields)) is not None:
            return denied
        with self.lock:
            container = self.containers.get(fields.get("creation_id", ""))
            if container is None:
                return self.violation("creation_id is not a container")
            if container["status"] == "PUBLISHED":
                return self.violation("container already published", 9007)
            if container["status"] != "FINISHED":
                return graph_error(9007, "Media ID is not available: the media is not ready for publishing", 400, 2207027)
            if len(self.media) - self.window_start >= self.publish_limit:
                return graph_error(9, "Application request limit reached", 400, 2207042)
            media_id = self.new_id(17900000000000000)
            container["status"] = "PUBLISHED"
            self.media.append({"id": media_id, "caption": container["caption"], "media_type": container["media_type"],
                               "video": container["video"], "timestamp": datetime.now(timezone.utc).isoformat()})
        return {"id": media_id}

    @staticmethod
    def _public(item: dict) -> dict:
        return {k: item[k] for k in ("id", "caption", "timestamp", "media_type")}

    def _media_list(self, request: Request):
        """The account's feed media (reels), newest first; stories are listed at /stories."""
        if (denied := self._user(request)) is not None:
            return denied
        feed = [self._public(m) for m in self.media if m["media_type"] != "STORIES"]
        return {"data": list(reversed(feed[-25:]))}

    def _stories(self, request: Request):
        """GET /{ig-user-id}/stories: the stories of the last 24 hours (ids; fields on request)."""
        if (denied := self._user(request)) is not None:
            return denied
        return {"data": [{"id": m["id"], "timestamp": m["timestamp"]} for m in reversed(self.stories)]}
