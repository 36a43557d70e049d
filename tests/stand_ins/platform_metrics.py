"""Stand-in for the platforms' analytics endpoints, speaking their wire formats.

- YouTube Data API v3 ``GET /youtube/v3/videos?part=statistics&id=a,b`` (bearer token): ``items[].statistics``
  with counts as strings, at most 50 ids per call (400 ``tooManyIds`` otherwise).
- TikTok ``POST /v2/video/query/?fields=...`` with ``{"filters": {"video_ids": [...]}}`` (bearer token, at most
  20 ids): ``data.videos[]`` with the requested fields; ``error.code == "ok"``.
- Graph API ``GET /v21.0/{media-id}/insights?metric=...`` (Instagram) and ``/v21.0/{video-id}/video_insights``
  (Facebook) with the token as ``Authorization: Bearer`` or ``access_token`` in the query:
  ``data[] = {name, period, values: [{value}]}``; an unknown id
  gets a 400 Graph error (code 100).

``stats`` maps platform -> external id -> counts; tests add posts there and read ``requests`` to check calls.
"""
from __future__ import annotations

from stand_ins.base import Request, Response, StandIn, json_response

TOKENS = {"youtube": "yt-token", "tiktok": "tt-token", "graph": "graph-token"}


class PlatformMetricsStandIn(StandIn):
    def __init__(self) -> None:
        super().__init__()
        self.stats: dict[str, dict[str, dict]] = {"youtube": {}, "tiktok": {}, "instagram": {}, "facebook": {}}
        self.route("GET", r"/youtube/v3/videos", self.youtube_videos)
        self.route("POST", r"/v2/video/query/", self.tiktok_query)
        self.route("GET", r"/v21\.0/(?P<id>[^/]+)/insights", self.instagram_insights)
        self.route("GET", r"/v21\.0/(?P<id>[^/]+)/video_insights", self.facebook_insights)

    # YouTube -------------------------------------------------------------
    def youtube_videos(self, request: Request) -> Response | dict:
        if request.headers.get("authorization") != f"Bearer {TOKENS['youtube']}":
            return json_response({"error": {"code": 401, "message": "Invalid Credentials",
                                            "errors": [{"reason": "authError"}]}}, 401)
        if request.arg("part") != "statistics":
            return json_response({"error": {"code": 400, "errors": [{"reason": "invalidPart"}]}}, 400)
        ids = [i for i in (request.arg("id") or "").split(",") if i]
        if len(ids) > 50:
            return json_response({"error": {"code": 400, "errors": [{"reason": "tooManyIds"}]}}, 400)
        items = [{"kind": "youtube#video", "etag": "e", "id": i,
                  "statistics": {k: str(v) for k, v in self.stats["youtube"][i].items()}}
                 for i in ids if i in self.stats["youtube"]]
        return {"kind": "youtube#videoListResponse", "etag": "e", "items": items,
                "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}}

    # TikTok --------------------------------------------------------------
    def tiktok_query(self, request: Request) -> Response | dict:
        if request.headers.get("authorization") != f"Bearer {TOKENS['tiktok']}":
            return json_response({"data": {}, "error": {"code": "access_token_invalid", "message": "",
                                                        "log_id": "x"}}, 401)
        fields = (request.arg("fields") or "").split(",")
        ids = ((request.json() or {}).get("filters") or {}).get("video_ids") or []
        if not ids or len(ids) > 20:
            return json_response({"data": {}, "error": {"code": "invalid_params", "message": "video_ids",
                                                        "log_id": "x"}}, 400)
        videos = [{f: (vid if f == "id" else self.stats["tiktok"][vid].get(f, 0)) for f in fields}
                  for vid in ids if vid in self.stats["tiktok"]]
        return {"data": {"videos": videos, "cursor": 0, "has_more": False},
                "error": {"code": "ok", "message": "", "log_id": "x"}}

    # Graph (Instagram, Facebook) -------------------------------------------
    def _graph(self, request: Request, platform: str) -> Response | dict:
        presented = request.arg("access_token") or request.headers.get("authorization", "").removeprefix("Bearer ")
        if presented != TOKENS["graph"]:
            return json_response({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                            "code": 190}}, 400)
        media_id = request.match.group("id")
        if media_id not in self.stats[platform]:
            return json_response({"error": {"message": f"Unsupported get request. Object with ID '{media_id}'"
                                            " does not exist", "type": "GraphMethodException", "code": 100}}, 400)
        wanted = (request.arg("metric") or "").split(",")
        counts = self.stats[platform][media_id]
        return {"data": [{"name": m, "period": "lifetime", "values": [{"value": counts[m]}],
                          "title": m, "id": f"{media_id}/insights/{m}/lifetime"} for m in wanted if m in counts]}

    def instagram_insights(self, request: Request) -> Response | dict:
        return self._graph(request, "instagram")

    def facebook_insights(self, request: Request) -> Response | dict:
        return self._graph(request, "facebook")
