"""YouTube Data API v3 upload stand-in: OAuth token refresh, resumable videos.insert, thumbnails.set,
videos.list and search.list (forMine).

Enforces the resumable protocol: the session opens with a POST carrying the
metadata (privacyStatus and selfDeclaredMadeForKids must be set); chunks are
PUT in order with ``Content-Range``, each a multiple of 256 KB except the last;
a ``bytes */size`` query answers 308 with the ``Range`` received so far, or the
video when complete. Quota: a daily insert cap, videos.insert's own bucket, and a daily
unit budget (``insert_cost`` units per insert, 0 as the quota page states it now)
(403 ``uploadLimitExceeded`` / ``quotaExceeded``). ``status.publishAt`` (a
scheduled video) is accepted only with ``privacyStatus: private`` and a time ahead.
"""
from __future__ import annotations

import itertools
import re
import threading
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qs

from stand_ins.base import Request, Response, StandIn, json_response

QUANTUM = 256 * 1024


def _error(status: int, reason: str, message: str = "") -> Response:
    return json_response({"error": {"code": status, "message": message or reason,
                                    "errors": [{"reason": reason, "domain": "youtube.quota", "message": message}]}},
                         status)


class YouTubeUploadStandIn(StandIn):
    # As determine_quota_cost states it now: videos.insert is counted in its own bucket (100 calls a day),
    # not in the 10,000 units; pass insert_cost=1600 to play an older project or page.
    def __init__(self, *, daily_units: int = 10_000, insert_cost: int = 0, daily_inserts: int = 100):
        super().__init__()
        self.lock = threading.Lock()
        self.valid_tokens: set[str] = {"yt-access-1"}
        self.refresh_tokens: set[str] = {"yt-refresh-1"}
        self.daily_units, self.insert_cost, self.daily_inserts = daily_units, insert_cost, daily_inserts
        self.units_used = 0
        self.inserts = 0
        self.sessions: dict[str, dict] = {}
        self.videos: dict[str, dict] = {}
        self.thumbnails: dict[str, int] = {}
        self.protocol_errors: list[str] = []
        self._ids = itertools.count(1)
        self.route("POST", r"/token", self._token)
        self.route("POST", r"/upload/youtube/v3/videos", self._open)
        # The session URI is opaque to clients; a path of its own lets tests aim faults at chunks.
        self.route("PUT", r"/upload/youtube/v3/videos/sessions/(?P<upload_id>\w+)", self._chunk)
        self.route("POST", r"/upload/youtube/v3/thumbnails/set", self._thumbnail)
        self.route("GET", r"/youtube/v3/videos", self._list)
        self.route("GET", r"/youtube/v3/search", self._search)

    def duplicates(self) -> int:
        titles = [v["snippet"]["title"] + v["snippet"].get("description", "") for v in self.videos.values()]
        return len(titles) - len(set(titles))

    def reset_window(self) -> None:
        """Midnight Pacific: the daily quota starts over."""
        with self.lock:
            self.units_used = 0
            self.inserts = 0

    def _auth(self, request: Request) -> Response | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if token not in self.valid_tokens:
            return json_response({"error": {"code": 401, "message": "Invalid Credentials",
                                            "errors": [{"reason": "authError"}]}}, 401)
        return None

    def _token(self, request: Request):
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.refresh_tokens:
            return json_response({"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
                                 400)
        with self.lock:
            access = f"yt-access-r{next(self._ids)}"
            self.valid_tokens.add(access)
        return {"access_token": access, "expires_in": 3599, "scope": form.get("scope", ""), "token_type": "Bearer"}

    def _open(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        if request.arg("uploadType") != "resumable":
            return _error(400, "badRequest", "only resumable uploads here")
        body = request.json() or {}
        status = body.get("status") or {}
        if "selfDeclaredMadeForKids" not in status or status.get("privacyStatus") not in ("private", "unlisted", "public"):
            return _error(400, "invalidVideoMetadata", "status.privacyStatus and selfDeclaredMadeForKids must be set")
        if not isinstance(status.get("containsSyntheticMedia", False), bool):
            return _error(400, "invalidVideoMetadata", "status.containsSyntheticMedia must be a boolean")
        if "publishAt" in status:
            # videos#status.publishAt: "can be set only if the privacy status of the video is private";
            # videos.insert errors: invalidPublishAt, "an invalid scheduled publishing time".
            try:
                when = datetime.fromisoformat(status["publishAt"].replace("Z", "+00:00"))
            except (AttributeError, ValueError):
                return _error(400, "invalidPublishAt", "publishAt is not an ISO 8601 time")
            if status.get("privacyStatus") != "private" or when <= datetime.now(timezone.utc):
                return _error(400, "invalidPublishAt", "publishAt needs privacyStatus private and a future time")
        snippet = body.get("snippet") or {}
        if not snippet.get("title") or len(snippet["title"]) > 100 or "<" in snippet["title"]:
            return _error(400, "invalidTitle")
        if len(snippet.get("description", "").encode()) > 5000:
            return _error(400, "invalidDescription")
        size = int(request.headers.get("x-upload-content-length") or 0)
        with self.lock:
            if self.inserts >= self.daily_inserts:
                return _error(403, "uploadLimitExceeded", "The user has exceeded the number of videos they may upload.")
            if self.units_used + self.insert_cost > self.daily_units:
                return _error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.")
            self.units_used += self.insert_cost
            self.inserts += 1
            upload_id = uuid.uuid4().hex
            self.sessions[upload_id] = {"size": size, "received": 0, "body": body, "video_id": None}
        location = f"{self.url}/upload/youtube/v3/videos/sessions/{upload_id}?uploadType=resumable"
        return Response(200, b"", {"Location": location, "X-GUploader-UploadID": upload_id})

    def _chunk(self, request: Request):
        session = self.sessions.get(request.match.group("upload_id"))
        if session is None:
            return _error(404, "notFound", "upload session not found")
        content_range = request.headers.get("content-range", "")
        with self.lock:
            if session["video_id"]:
                return json_response(self.videos[session["video_id"]], 200)
            query = re.fullmatch(r"bytes \*/(\d+|\*)", content_range)
            if query:
                return self._incomplete(session)
            match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range)
            if not match:
                return self._violation(f"bad Content-Range {content_range!r}")
            first, last = int(match.group(1)), int(match.group(2))
            total = int(match.group(3)) if match.group(3) != "*" else None
            if first != session["received"]:
                return self._violation(f"chunk starts at {first}, server has {session['received']}", 400)
            if len(request.body) != last - first + 1:
                return self._violation(f"chunk body {len(request.body)} != range {first}-{last}")
            final = total is not None and last + 1 == total
            if not final and len(request.body) % QUANTUM:
                return self._violation(f"non-final chunk of {len(request.body)} bytes is not a multiple of 256 KB")
            session["received"] = last + 1
            if not final:
                return self._incomplete(session)
            video_id = f"yt{next(self._ids):09d}"
            body = session["body"]
            video = {"kind": "youtube#video", "id": video_id, "snippet": body["snippet"],
                     "status": {**body["status"], "uploadStatus": "uploaded"}}
            self.videos[video_id] = video
            session["video_id"] = video_id
        return json_response(video, 200)

    @staticmethod
    def _incomplete(session: dict) -> Response:
        headers = {"Range": f"bytes=0-{session['received'] - 1}"} if session["received"] else {}
        return Response(308, b"", headers)

    def _violation(self, message: str, status: int = 400) -> Response:
        self.protocol_errors.append(message)
        return _error(status, "badRequest", message)

    def _thumbnail(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        video_id = request.arg("videoId")
        if video_id not in self.videos:
            return _error(404, "videoNotFound")
        with self.lock:
            self.thumbnails[video_id] = self.thumbnails.get(video_id, 0) + 1
        return {"kind": "youtube#thumbnailSetResponse", "items": [{"default": {"url": f"{self.url}/vi/{video_id}.jpg"}}]}

    def _list(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        ids = (request.arg("id") or "").split(",")
        return {"kind": "youtube#videoListResponse", "items": [self.videos[i] for i in ids if i in self.videos]}

    def _search(self, request: Request):
        if (denied := self._auth(request)) is not None:
            return denied
        if request.arg("forMine") != "true":
            return _error(400, "invalidSearchFilter")
        q = request.arg("q") or ""
        with self.lock:
            self.units_used += 100
            hits = [v for v in self.videos.values()
                    if q in (v["snippet"].get("tags") or []) or q in v["snippet"]["title"]]
        return {"kind": "youtube#searchListResponse",
                "items": [{"kind": "youtube#searchResult", "id": {"kind": "youtube#video", "videoId": v["id"]}}
                          for v in hits]}
