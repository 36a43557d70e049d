"""TikTok Content Posting API stand-in: creator_info, init, chunked PUT, status fetch, OAuth refresh.

Enforces the protocol: bearer token on every call (401 ``access_token_invalid``
when expired), init rate limit per token (429 ``rate_limit_exceeded``), chunk
sizes and count from the init, chunks in order with a matching
``Content-Range`` (a re-sent chunk is accepted, a gap is refused), status
transitions PROCESSING_UPLOAD -> PUBLISH_COMPLETE. ``posts`` lists every
published video, so tests can count duplicates. Refresh tokens rotate (a spent
one is refused with ``invalid_grant``), as TikTok's OAuth docs state.
"""
from __future__ import annotations

import itertools
import re
import threading
import time

from stand_ins.base import Request, Response, StandIn, json_response
from urllib.parse import parse_qs

MB = 1024 * 1024
KB = 1024
# TikTok's chunk rules scaled down a thousandfold (64-256 KB chunks, a final one up to 512 KB), so tests and the
# bench move kilobytes: the uploader's chunk_rule and small_chunks() agree on them.
SMALL_CHUNKS = {"min_bytes": 64 * KB, "preferred_bytes": 64 * KB, "max_bytes": 256 * KB, "last_max_bytes": 512 * KB,
                "max_count": 1000}


def _err(code: str, message: str = "", status: int = 400) -> Response:
    return json_response({"data": {}, "error": {"code": code, "message": message, "log_id": "x"}}, status)


def _ok(data: dict) -> dict:
    return {"data": data, "error": {"code": "ok", "message": "", "log_id": "x"}}


class TikTokStandIn(StandIn):
    def __init__(self, *, init_limit_per_minute: int = 6, min_chunk: int = 5 * MB, max_chunk: int = 64 * MB,
                 last_max: int = 128 * MB, processing_polls: int = 1, rotate_refresh: bool = True):
        super().__init__()
        self.lock = threading.Lock()
        self.rotate_refresh = rotate_refresh
        self.refreshes = 0                       # refresh grants issued
        self.refused_refreshes: list[str] = []   # refresh tokens refused (spent or unknown)
        self.hold_processing = False             # True: uploads stay PROCESSING_UPLOAD until a test lets them go
        self.valid_tokens: set[str] = {"tt-access-1"}
        self.refresh_tokens: set[str] = {"tt-refresh-1"}
        self.init_limit = init_limit_per_minute
        self.init_times: dict[str, list[float]] = {}
        self.min_chunk, self.max_chunk, self.last_max = min_chunk, max_chunk, last_max
        self.processing_polls = processing_polls
        self.uploads: dict[str, dict] = {}
        self.posts: list[dict] = []
        self.protocol_errors: list[str] = []
        self._ids = itertools.count(1)
        self.route("POST", r"/v2/oauth/token/", self._token)
        self.route("POST", r"/v2/post/publish/creator_info/query/", self._creator_info)
        self.route("POST", r"/v2/post/publish/video/init/", self._init)
        self.route("POST", r"/v2/post/publish/inbox/video/init/", self._init)
        self.route("PUT", r"/upload/(?P<publish_id>[\w.~-]+)", self._put)
        self.route("POST", r"/v2/post/publish/status/fetch/", self._status)
        self.route("POST", r"/v2/video/list/", self._video_list)

    # --- test controls -------------------------------------------------------
    def expire(self, token: str) -> None:
        self.valid_tokens.discard(token)

    def reset_window(self) -> None:
        """A minute has passed: the init rate limit starts over."""
        with self.lock:
            self.init_times.clear()

    def duplicates(self) -> int:
        titles = [p["title"] for p in self.posts]
        return len(titles) - len(set(titles))

    # --- handlers ------------------------------------------------------------
    def _auth(self, request: Request) -> str | Response:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        if token not in self.valid_tokens:
            return _err("access_token_invalid", "The access token is invalid or not found in the request.", 401)
        return token

    def _token(self, request: Request):
        """POST /v2/oauth/token/ grant_type=refresh_token. Refresh tokens rotate: "a successful refresh request
        will return a new refresh_token in place of the one you sent. The previous refresh token stops working
        once a new one is issued" (developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token); a spent
        one gets invalid_grant. Access tokens last 2 hours, refresh tokens 180 days
        (developers.tiktok.com/docs/.../oauth-user-access-token-management, "Token lifetimes")."""
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        with self.lock:
            if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.refresh_tokens:
                self.refused_refreshes.append(form.get("refresh_token") or "")
                return json_response({"error": "invalid_grant", "error_description": "refresh token is invalid"}, 400)
            n = next(self._ids)
            access, refresh = f"tt-access-r{n}", f"tt-refresh-r{n}"
            self.valid_tokens.add(access)
            if self.rotate_refresh:
                self.refresh_tokens.discard(form["refresh_token"])
            self.refresh_tokens.add(refresh)
            self.refreshes += 1
        return {"access_token": access, "expires_in": 7200, "refresh_token": refresh,
                "refresh_expires_in": 15552000, "open_id": "creator-1", "scope": "video.publish", "token_type": "Bearer"}

    def _creator_info(self, request: Request):
        token = self._auth(request)
        if isinstance(token, Response):
            return token
        return _ok({"creator_avatar_url": "", "creator_username": "factory", "creator_nickname": "Factory",
                    "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
                    "comment_disabled": False, "duet_disabled": False, "stitch_disabled": False,
                    "max_video_post_duration_sec": 600})

    def _init(self, request: Request):
        token = self._auth(request)
        if isinstance(token, Response):
            return token
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.init_times.get(token, []) if now - t < 60]
            if len(recent) >= self.init_limit:
                return Response(429, {"data": {}, "error": {"code": "rate_limit_exceeded", "message": "init limit"}},
                                {"Retry-After": "60"})
            self.init_times[token] = recent + [now]
        body = request.json() or {}
        source = body.get("source_info") or {}
        size, chunk, count = source.get("video_size"), source.get("chunk_size"), source.get("total_chunk_count")
        if source.get("source") != "FILE_UPLOAD" or not all(isinstance(v, int) and v > 0 for v in (size, chunk, count)):
            return _err("invalid_params", "source_info needs video_size, chunk_size, total_chunk_count")
        if size < self.min_chunk:
            if chunk != size or count != 1:
                return _err("invalid_params", "a video under the minimum chunk size is one chunk of its own size")
        else:
            last = size - chunk * (count - 1)
            if not (self.min_chunk <= chunk <= self.max_chunk) or count != size // chunk:
                return _err("invalid_params", f"chunk_size {chunk} / total_chunk_count {count} do not fit {size}")
            if last > self.last_max:
                return _err("invalid_params", "final chunk too large")
        if request.path.endswith("/video/init/") and "inbox" not in request.path:
            info = body.get("post_info") or {}
            if info.get("privacy_level") not in ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY", "FOLLOWER_OF_CREATOR"):
                return _err("invalid_params", "post_info.privacy_level is required")
            if len(info.get("title", "").encode("utf-16-le")) // 2 > 2200:
                return _err("invalid_params", "title longer than 2200")
            if not isinstance(info.get("is_aigc", False), bool):
                return _err("invalid_params", "post_info.is_aigc must be a boolean")
        with self.lock:
            publish_id = f"v_pub_file~v2-1.{next(self._ids)}"
            self.uploads[publish_id] = {"size": size, "chunk": chunk, "count": count, "received": 0,
                                        "chunks": 0, "status": "PROCESSING_UPLOAD", "polls": 0,
                                        "title": (body.get("post_info") or {}).get("title", ""), "post_id": None,
                                        "post_info": body.get("post_info")}  # as sent, for tests to read
        return _ok({"publish_id": publish_id, "upload_url": f"{self.url}/upload/{publish_id}"})

    def _put(self, request: Request):
        publish_id = request.match.group("publish_id")
        upload = self.uploads.get(publish_id)
        if upload is None:
            return _err("invalid_publish_id", "unknown upload", 404)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("content-range", ""))
        if not match:
            return self._protocol(publish_id, "missing or malformed Content-Range")
        first, last, total = map(int, match.groups())
        with self.lock:
            index = first // upload["chunk"] if upload["chunk"] else 0
            index = min(index, upload["count"] - 1)
            expected_first = index * upload["chunk"]
            expected_last = upload["size"] - 1 if index == upload["count"] - 1 else expected_first + upload["chunk"] - 1
            if total != upload["size"] or first != expected_first or last != expected_last:
                return self._protocol(publish_id, f"range {first}-{last}/{total} is not chunk {index}")
            if len(request.body) != last - first + 1:
                return self._protocol(publish_id, f"body of {len(request.body)} bytes for range {first}-{last}")
            if first > upload["received"]:
                return self._protocol(publish_id, f"chunk {index} sent before chunk {upload['chunks']}", 416)
            if first == upload["received"]:
                upload["received"] = last + 1
                upload["chunks"] += 1
            complete = upload["received"] == upload["size"]
        return Response(201 if complete else 206, b"")

    def _protocol(self, publish_id: str, message: str, status: int = 400) -> Response:
        self.protocol_errors.append(f"{publish_id}: {message}")
        return _err("invalid_params", message, status)

    def _status(self, request: Request):
        token = self._auth(request)
        if isinstance(token, Response):
            return token
        publish_id = (request.json() or {}).get("publish_id")
        with self.lock:
            upload = self.uploads.get(publish_id)
            if upload is None:
                return _err("invalid_publish_id", "unknown publish_id")
            if upload["received"] == upload["size"] and upload["status"] == "PROCESSING_UPLOAD":
                upload["polls"] += 1
                if upload["polls"] >= self.processing_polls and not self.hold_processing:
                    upload["status"] = "PUBLISH_COMPLETE"
                    upload["post_id"] = str(7300000000000000000 + next(self._ids))
                    self.posts.append({"id": upload["post_id"], "title": upload["title"], "publish_id": publish_id,
                                       "post_info": upload["post_info"]})
            data = {"status": upload["status"], "uploaded_bytes": upload["received"]}
            if upload["post_id"]:
                data["publicaly_available_post_id"] = [int(upload["post_id"])]
        return _ok(data)

    def _video_list(self, request: Request):
        token = self._auth(request)
        if isinstance(token, Response):
            return token
        with self.lock:
            videos = [{"id": p["id"], "title": p["title"], "create_time": 0} for p in reversed(self.posts[-20:])]
        return _ok({"videos": videos, "cursor": 0, "has_more": False})


def small_chunks(**options) -> TikTokStandIn:
    """A stand-in enforcing :data:`SMALL_CHUNKS`."""
    return TikTokStandIn(min_chunk=SMALL_CHUNKS["min_bytes"], max_chunk=SMALL_CHUNKS["max_bytes"],
                         last_max=SMALL_CHUNKS["last_max_bytes"], **options)
