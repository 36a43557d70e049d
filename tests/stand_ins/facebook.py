"""Facebook Graph API stand-in for Page video uploads: Reels (start -> rupload -> finish) and
page videos (start -> transfer -> finish), plus the token exchange and Graph error codes.

``GraphStandIn`` (access tokens as the ``access_token`` parameter, code 190 when
expired, ``/oauth/access_token`` exchange) is shared with the Instagram stand-in.
Enforced: a reel's bytes arrive at the ``offset`` the server already has, the
finish needs every byte; page video transfers start at the server's
``start_offset``; 30 reels per 24 h per page (error code 32); a scheduled finish
(reel ``video_state=SCHEDULED``, page video ``published=false``) needs a
``scheduled_publish_time`` 10 minutes to 30 days ahead, and its status then shows
``publishing_phase.publish_status: scheduled``.
"""
from __future__ import annotations

import itertools
import threading
import time
from urllib.parse import parse_qs

from stand_ins.base import Request, Response, StandIn, json_response
from requests_toolbelt.multipart.decoder import MultipartDecoder

VERSION = "v21.0"


def graph_error(code: int, message: str, status: int = 400, subcode: int | None = None) -> Response:
    error = {"message": message, "type": "OAuthException" if code == 190 else "GraphMethodException",
             "code": code, "fbtrace_id": "stand-in"}
    if subcode:
        error["error_subcode"] = subcode
    return json_response({"error": error}, status)


def form(request: Request) -> dict:
    """Fields of a urlencoded or multipart body, plus the query string (bytes for file parts)."""
    fields = {k: v[0] for k, v in request.query.items()}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):

        for part in MultipartDecoder(request.body, content_type).parts:
            disposition = part.headers.get(b"Content-Disposition", b"").decode()
            name = disposition.split('name="', 1)[1].split('"', 1)[0]
            fields[name] = part.content if "filename=" in disposition else part.text
    elif request.body:
        fields.update({k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()})
    return fields


class GraphStandIn(StandIn):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.valid_tokens: set[str] = {"fb-long-lived-1"}
        self.app = ("app-id", "app-secret")
        self.exchanges = 0   # long-lived token exchanges granted
        self._ids = itertools.count(1)
        self.protocol_errors: list[str] = []
        self.route("GET", rf"/{VERSION}/oauth/access_token", self._exchange)

    def new_id(self, base: int) -> str:
        return str(base + next(self._ids))

    def token_of(self, request: Request, fields: dict | None = None) -> str | Response:
        token = (fields or {}).get("access_token") or request.arg("access_token")
        if not token:
            auth = request.headers.get("authorization", "")
            token = auth.split(" ", 1)[1] if " " in auth else ""
        if token not in self.valid_tokens:
            return graph_error(190, "Error validating access token: Session has expired.", 400, 463)
        return token

    def _exchange(self, request: Request):
        if (request.arg("client_id"), request.arg("client_secret")) != self.app or \
                request.arg("fb_exchange_token") not in self.valid_tokens | getattr(self, "expired_tokens", set()):
            return graph_error(190, "Error validating application or token.", 400)
        with self.lock:
            token = f"fb-long-lived-r{next(self._ids)}"
            self.valid_tokens.add(token)
            self.exchanges += 1
        return {"access_token": token, "token_type": "bearer", "expires_in": 5183944}

    def expire(self, token: str) -> None:
        """The token stops working but may still be exchanged (Meta's long-lived refresh)."""
        self.valid_tokens.discard(token)
        self.expired_tokens = getattr(self, "expired_tokens", set()) | {token}

    def violation(self, message: str, code: int = 100) -> Response:
        self.protocol_errors.append(message)
        return graph_error(code, message, 400)


class FacebookStandIn(GraphStandIn):
    def __init__(self, *, page_id: str = "1001", reels_per_day: int = 30, video_chunk: int = 64 * 1024,
                 processing_polls: int = 1):
        super().__init__()
        self.page_id = page_id
        self.reels_per_day = reels_per_day
        self.video_chunk = video_chunk
        self.processing_polls = processing_polls
        self.videos: dict[str, dict] = {}
        self.sessions: dict[str, str] = {}
        self.reels_in_window = 0
        self.hold_processing = False  # True: published videos stay "processing" until a test lets them go
        self.route("POST", rf"/{VERSION}/(?P<page>\d+)/video_reels", self._reels)
        self.route("POST", rf"/video-upload/{VERSION}/(?P<video>\d+)", self._rupload)
        self.route("POST", rf"/{VERSION}/(?P<page>\d+)/videos", self._videos)
        self.route("GET", rf"/{VERSION}/(?P<video>\d+)", self._status)

    def reset_window(self) -> None:
        """24 hours have passed: the reels limit starts over."""
        with self.lock:
            self.reels_in_window = 0

    @property
    def published(self) -> list[dict]:
        return [v for v in self.videos.values() if v["published"]]

    def duplicates(self) -> int:
        texts = [v["description"] for v in self.published]
        return len(texts) - len(set(texts))

    def _page(self, request: Request, fields: dict) -> str | Response:
        token = self.token_of(request, fields)
        if isinstance(token, Response):
            return token
        if request.match.group("page") != self.page_id:
            return graph_error(100, "Unsupported post request: unknown page", 400)
        return token

    def _reels(self, request: Request):
        fields = form(request)
        denied = self._page(request, fields)
        if isinstance(denied, Response):
            return denied
        phase = fields.get("upload_phase")
        with self.lock:
            if phase == "start":
                if self.reels_in_window >= self.reels_per_day:
                    return graph_error(32, "Page request limit reached: 30 API-published reels per 24 hours", 400)
                video_id = self.new_id(5000)
                self.videos[video_id] = {"kind": "reel", "bytes": 0, "size": None, "published": False,
                                         "description": "", "polls": 0}
                return {"video_id": video_id, "upload_url": f"{self.url}/video-upload/{VERSION}/{video_id}"}
            if phase == "finish":
                video = self.videos.get(fields.get("video_id", ""))
                if video is None:
                    return self.violation("finish for an unknown video")
                if video["size"] is None or video["bytes"] != video["size"]:
                    return self.violation("finish before every byte was uploaded")
                if fields.get("video_state") not in ("PUBLISHED", "DRAFT", "SCHEDULED"):
                    return self.violation("video_state is required")
                scheduled = self._scheduled_time(fields, fields.get("video_state") == "SCHEDULED")
                if isinstance(scheduled, Response):
                    return scheduled
                if not video["published"]:
                    video.update(published=True, description=fields.get("description", ""), scheduled_for=scheduled)
                    self.reels_in_window += 1
                return {"success": True}
        return self.violation(f"unknown upload_phase {phase!r}")

    def _rupload(self, request: Request):
        token = self.token_of(request)
        if isinstance(token, Response):
            return token
        if not request.headers.get("authorization", "").startswith("OAuth "):
            return self.violation("rupload needs 'Authorization: OAuth <token>'")
        video = self.videos.get(request.match.group("video"))
        if video is None:
            return self.violation("upload to an unknown video")
        offset, size = int(request.headers.get("offset", -1)), int(request.headers.get("file_size", -1))
        with self.lock:
            if offset != video["bytes"]:
                return self.violation(f"offset {offset}, server has {video['bytes']}")
            video["size"] = size
            video["bytes"] = min(size, offset + len(request.body))
        return {"success": True}

    def _videos(self, request: Request):
        fields = form(request)
        denied = self._page(request, fields)
        if isinstance(denied, Response):
            return denied
        phase = fields.get("upload_phase")
        with self.lock:
            if phase == "start":
                size = int(fields.get("file_size", 0))
                video_id, session = self.new_id(7000), self.new_id(9000)
                self.videos[video_id] = {"kind": "video", "bytes": 0, "size": size, "published": False,
                                         "description": "", "polls": 0}
                self.sessions[session] = video_id
                return {"upload_session_id": session, "video_id": video_id, "start_offset": "0",
                        "end_offset": str(min(size, self.video_chunk))}
            video = self.videos.get(self.sessions.get(fields.get("upload_session_id", ""), ""))
            if video is None:
                return self.violation("unknown upload_session_id")
            if phase == "transfer":
                start, chunk = int(fields.get("start_offset", -1)), fields.get("video_file_chunk", b"")
                if start < video["bytes"] and start + len(chunk) <= video["bytes"]:
                    pass  # a re-sent chunk: answer with where we are
                elif start != video["bytes"]:
                    return self.violation(f"start_offset {start}, server has {video['bytes']}")
                else:
                    video["bytes"] += len(chunk)
                end = min(video["size"], video["bytes"] + self.video_chunk)
                return {"start_offset": str(video["bytes"]), "end_offset": str(end)}
            if phase == "finish":
                if video["bytes"] != video["size"]:
                    return self.violation("finish before every byte was transferred")
                scheduled = self._scheduled_time(fields, fields.get("published") == "false")
                if isinstance(scheduled, Response):
                    return scheduled
                if not video["published"]:
                    video.update(published=True, description=fields.get("description", ""), scheduled_for=scheduled)
                return {"success": True}
        return self.violation(f"unknown upload_phase {phase!r}")

    def _scheduled_time(self, fields: dict, wanted: bool) -> int | None | Response:
        """``scheduled_publish_time`` (Unix seconds) of a SCHEDULED reel or an unpublished page video: 10 minutes
        to 30 days ahead (the tighter of the ranges Meta's pages and SDKs quote)."""
        raw = fields.get("scheduled_publish_time")
        if not wanted:
            return None if raw is None else self.violation("scheduled_publish_time without SCHEDULED/published=false")
        try:
            when = int(raw)
        except (TypeError, ValueError):
            return self.violation("scheduled_publish_time is required to schedule")
        ahead = when - time.time()
        if not 600 <= ahead <= 30 * 86400:
            return graph_error(100, "The specified scheduled publish time is invalid.", 400)
        return when

    def _status(self, request: Request):
        token = self.token_of(request)
        if isinstance(token, Response):
            return token
        video_id = request.match.group("video")
        video = self.videos.get(video_id)
        if video is None:
            return graph_error(100, "Object does not exist", 400, 33)
        with self.lock:
            uploading = "complete" if video["size"] is not None and video["bytes"] == video["size"] else "in_progress"
            publishing = {"status": "not_started"}
            if video.get("scheduled_for"):
                publishing.update(publish_status="scheduled", publish_time=video["scheduled_for"])
            elif video["published"]:
                video["polls"] += 1
                done = video["polls"] >= self.processing_polls and not self.hold_processing
                publishing["status"] = "complete" if done else "in_progress"
        ready = publishing["status"] == "complete" or video.get("scheduled_for")
        return {"id": video_id, "permalink_url": f"/reel/{video_id}",
                "status": {"video_status": "ready" if ready else "processing",
                           "uploading_phase": {"status": uploading, "bytes_transferred": video["bytes"]},
                           "processing_phase": {"status": "complete" if video["published"] else "not_started"},
                           "publishing_phase": publishing}}
